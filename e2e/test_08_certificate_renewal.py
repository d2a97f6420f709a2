"""Scenario 8: certificate renewal.

Every leaf certificate is re-issued as cert-manager renews it (same CAs); the kubelet refreshes the Secret volumes;
every server presents its new certificate and every component keeps serving, with no restart.
"""

from __future__ import annotations

import base64
import socket
import ssl

from cryptography import x509

from e2e.conftest import wait_for, wait_settled
from local_control_plane.apply import issue_pki


def _served_serial(address: str, port: int) -> int:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection((address, port), timeout=5) as raw, context.wrap_socket(raw) as tls:
        return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True)).serial_number


def _secret_serial(parent_client, name: str) -> int:
    secret = parent_client.request("GET", f"/api/v1/namespaces/karmada-system/secrets/{name}")
    return x509.load_pem_x509_certificate(base64.b64decode(secret["data"]["tls.crt"])).serial_number


def _restarts(env) -> dict[str, int]:
    rendered, _ = env.rendered_pods("parent", "parent")
    return {f"{pod.id}/{name}": container["restarts"]
            for pod in rendered for name, container in env.status(pod.id).get("containers", {}).items()}


def test_leaf_renewal_keeps_every_component_serving(env, karmada, members):
    wait_settled(karmada, members)
    parent_client = env.access("parent").client()
    objects = env.objects("parent")
    servers = {  # Secret -> (pod, port) that serves it
        "karmada-apiserver-serving": ("parent.karmada-system.karmada-apiserver-0", 5443),
        "karmada-webhook-serving": ("parent.karmada-system.karmada-webhook-0", 8443),
        "karmada-aggregated-apiserver-serving": ("parent.karmada-system.karmada-aggregated-apiserver-0", 8443),
        "karmada-etcd-server": ("parent.karmada-system.etcd-0", 2379),
    }
    before = {name: _secret_serial(parent_client, name) for name in servers}
    restarts_before = _restarts(env)

    renewed = issue_pki(parent_client, objects, renew=lambda certificate: not certificate["spec"].get("isCA"))
    leaves = [o for o in objects if o.get("kind") == "Certificate" and not o["spec"].get("isCA")]
    assert len(renewed) == len(leaves), (renewed, [c["metadata"]["name"] for c in leaves])

    for secret, (pod, port) in servers.items():
        new = _secret_serial(parent_client, secret)
        assert new != before[secret], f"{secret} was not re-issued"
        address = env.network.address(pod)
        wait_for(lambda address=address, port=port, new=new: _served_serial(address, port) == new, 120,
                 f"{pod} serving the renewed {secret}")

    # Every path still works: the API through the NLB with the (re-issued) admin certificate, the
    # aggregated API, the webhook admitting a policy, etcd behind the API server, both members Ready.
    clusters = ", ".join(env.member_names)
    karmada.apply(f"""
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: e2e-after-renewal, namespace: default}}
spec:
  resourceSelectors: [{{apiVersion: v1, kind: ConfigMap, name: e2e-after-renewal}}]
  placement: {{clusterAffinity: {{clusterNames: [{clusters}]}}}}
""")
    karmada.run("delete", "propagationpolicy", "e2e-after-renewal", "-n", "default")
    wait_settled(karmada, members, timeout=120)
    env.wait_ready([pod for pod, _ in servers.values()], 60, lambda _m: None, "servers after renewal")
    assert _restarts(env) == restarts_before, "a component restarted on renewal"
