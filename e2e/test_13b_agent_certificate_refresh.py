"""Scenario 13b: a Pull member's agent certificate, renewed in the parent, reaches the agent.

cert-manager renews the agent's certificate in the parent (here: re-issued the way cert-manager would); the
registration stack's daily schedule invokes the refresh handler with the registration's properties. Its
daily rate never comes round during a run, so the scenario calls the handler exactly as the schedule would:
the event built from the synthesized schedule, under the function's role. Then the member's karmada-kubeconfig
holds the new certificate, the agent's pods rolled, the Cluster is Ready and Karmada keeps hearing from the
agent, which now only has the new certificate. The control plane never needed what `karmadactl register` needs:
no anonymous cluster-info, no bootstrap-token or CSR RBAC.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import socket
import ssl
import time

import pytest
from cryptography import x509

from charts.karmada.names import agent_client_secret
from e2e.conftest import Kubectl, cluster_ready, invoke_schedule, wait_for
from functions.member_registration.objects import AGENT_CERTIFICATE_ANNOTATION
from local_control_plane.apply import issue_pki


@pytest.fixture(scope="module")
def pull_member(env) -> str:
    return next(m for m in env.member_names if env.config[m]["sync_mode"] == "Pull")


def _serial(pem: bytes) -> int:
    return x509.load_pem_x509_certificate(pem).serial_number


def _parent_serial(parent: Kubectl, member: str) -> int:
    secret = parent.get("secret", agent_client_secret(member), "karmada-system")
    return _serial(base64.b64decode(secret["data"]["tls.crt"]))


def _member_serial(member: Kubectl) -> int:
    secret = member.get("secret", "karmada-kubeconfig", "karmada-system")
    config = json.loads(base64.b64decode(secret["data"]["karmada-kubeconfig"]))
    return _serial(base64.b64decode(config["users"][0]["user"]["client-certificate-data"]))


def _agent_pod_ids(env, member: str) -> list[str]:
    pods, _ = env.rendered_pods(f"member-{member}", member)
    return [p.id for p in pods if p.name.startswith("karmada-agent")]


def _mounted_serial(env, pod_id: str) -> int | None:
    """The certificate in the kubeconfig the local kubelet materialised for the agent's pod (its Secret volume)."""
    path = env.layout.run / "volumes" / pod_id / "kubeconfig" / "karmada-kubeconfig"
    try:
        config = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return _serial(base64.b64decode(config["users"][0]["user"]["client-certificate-data"]))


def _lease_renewed(karmada: Kubectl, member: str) -> str:
    return karmada.get("lease", member, "karmada-cluster")["spec"]["renewTime"]


def _refresh(env, pull_member: str) -> dict:
    """The refresh handler, invoked as the registration stack's daily schedule invokes it."""
    return invoke_schedule(env, f"KarmadaRegistration-{pull_member}", "rate(1 day)")


def test_a_renewed_agent_certificate_reaches_the_agent(env, parent, karmada, members, pull_member, kubectl_binary,
                                                       tmp_path):
    member = members[pull_member]
    parent_client = env.access("parent").client()
    before = _parent_serial(parent, pull_member)

    renewed = issue_pki(parent_client, env.objects("parent"),
                        renew=lambda certificate: certificate["spec"]["secretName"] == agent_client_secret(pull_member))
    assert renewed == [f"karmada-system/{agent_client_secret(pull_member)}"], renewed
    new = _parent_serial(parent, pull_member)
    assert new != before, "the agent's certificate was not re-issued"
    assert _member_serial(member) != new

    result = _refresh(env, pull_member)

    assert result["Action"] == "Refreshed" and int(result["Serial"], 16) == new, result
    assert _member_serial(member) == new
    deployment = member.get("deployment", "karmada-agent", "karmada-system")
    assert deployment["spec"]["template"]["metadata"]["annotations"][AGENT_CERTIFICATE_ANNOTATION] == format(new, "x")

    # The rollout that pod-template change starts in EKS: here the harness runs the agent's rendered pod itself
    # (no Deployment controller runs it), so the scenario restarts it once its Secret volume holds the new file.
    (pod_id,) = _agent_pod_ids(env, pull_member)
    wait_for(lambda: _mounted_serial(env, pod_id) == new, 60, "the agent's Secret volume to hold the new kubeconfig")
    env.stop_pod(pod_id)
    wait_for(lambda: env.status(pod_id).get("phase") == "Stopped", 60, "the old karmada-agent to stop")
    env.start_pod(pod_id)
    env.wait_ready([pod_id], 180, lambda _message: None, "the restarted karmada-agent")

    # Only the new certificate talks to Karmada now: the Cluster's lease keeps being renewed, and it is Ready.
    renewed_at = _lease_renewed(karmada, pull_member)
    wait_for(lambda: _lease_renewed(karmada, pull_member) != renewed_at, 120,
             f"the lease of Cluster {pull_member} to be renewed by the restarted agent")
    wait_for(lambda: cluster_ready(karmada.get("cluster", pull_member)) == "True", 120, f"{pull_member} Ready")

    # Karmada's API server accepts the new certificate itself (the agent's identity, from the member's Secret).
    secret = member.get("secret", "karmada-kubeconfig", "karmada-system")
    config = json.loads(base64.b64decode(secret["data"]["karmada-kubeconfig"]))
    user = config["users"][0]["user"]
    access = dataclasses.replace(env.access("karmada"), name="karmada-agent",
                                 cert_pem=base64.b64decode(user["client-certificate-data"]),
                                 key_pem=base64.b64decode(user["client-key-data"]))
    access.write(tmp_path / "agent.kubeconfig")
    agent = Kubectl(kubectl_binary, tmp_path / "agent.kubeconfig")
    assert agent.json("get", "cluster", pull_member)["metadata"]["name"] == pull_member

    # A second run finds nothing to do.
    assert _refresh(env, pull_member)["Action"] == "Unchanged"


def test_the_karmada_api_offers_no_bootstrap_path(env, karmada):
    """No anonymous cluster-info, no bootstrap-token or CSR auto-approval RBAC, no */*/* rbac-generator."""
    access = env.access("karmada")
    context = ssl.create_default_context(cadata=access.ca_pem.decode())
    if access.server_name is None:
        context.check_hostname = False
    request = (b"GET /api/v1/namespaces/kube-public/configmaps/cluster-info HTTP/1.1\r\n"
               b"Host: karmada\r\nConnection: close\r\n\r\n")
    with socket.create_connection((access.host, access.port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname=access.server_name or access.host) as tls:
        tls.sendall(request)
        deadline, answer = time.monotonic() + 10, b""
        while b"\r\n" not in answer and time.monotonic() < deadline:
            answer += tls.recv(4096)
    assert answer.split(b" ", 2)[1] == b"401", answer[:200]
    objects = [o for kind in ("clusterroles", "clusterrolebindings", "roles", "rolebindings")
               for o in karmada.json("get", kind, "--all-namespaces")["items"]]
    names = {o["metadata"]["name"] for o in objects}
    assert not {n for n in names if "agent-rbac-generator" in n or "autoapprove" in n
                or n == "system:karmada:agent-bootstrap"}, names
    # kube-apiserver's own defaults (e.g. system:public-info-viewer) stay; nothing of ours adds these subjects.
    subjects = {s["name"] for o in objects for s in o.get("subjects") or []}
    assert "system:anonymous" not in subjects and "system:karmada:agent:rbac-generator" not in subjects
    assert not {s for s in subjects if s.startswith("system:bootstrappers")}, subjects
