"""Pull mode (karmadactl register): Create, Update, Delete and failures."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from functions.member_registration.errors import RegistrationError
from tests.fakes.pki import make_pki
from tests.registration.conftest import (
    AGENT_SECRET,
    KARMADA_URL,
    MEMBER,
    MEMBER_CLUSTER,
    MEMBER_ENDPOINT,
    PARENT,
    agent_deployment,
    make_event,
    make_props,
    pull_cluster,
    tls_secret,
)

KUBECONFIG_PATH = "/api/v1/namespaces/karmada-system/secrets/karmada-kubeconfig"
CLUSTER_PATH = f"/apis/cluster.karmada.io/v1alpha1/clusters/{MEMBER}"
RBAC = "rbac.authorization.k8s.io/v1"


def kubeconfig_secret(harness):
    return harness.member.get("v1", "Secret", "karmada-kubeconfig", "karmada-system")


def kubeconfig(harness, key: str = "karmada-kubeconfig") -> dict:
    return json.loads(base64.b64decode(kubeconfig_secret(harness)["data"][key]))


def test_create_writes_the_agent_kubeconfig_and_rbac_then_waits_for_the_agent(harness):
    harness.agent_registers_after(sleeps=2)

    result = harness.run(make_event("Create", make_props("Pull")))

    assert result == {"PhysicalResourceId": f"{PARENT}/{MEMBER}", "Data": {"ClusterName": MEMBER, "SyncMode": "Pull"}}
    # the member's karmada-kubeconfig: Karmada's URL and CA, the agent's certificate and key
    secret = kubeconfig_secret(harness)
    assert secret["type"] == "Opaque" and list(secret["data"]) == ["karmada-kubeconfig"]
    assert secret["metadata"]["labels"] == {"karmada.io/system": "true"}
    assert secret["metadata"]["annotations"] == {"eks-karmada.io/registration": f"{PARENT}/{MEMBER}"}
    config = kubeconfig(harness)
    cluster = config["clusters"][0]["cluster"]
    user = config["users"][0]["user"]
    assert cluster["server"] == KARMADA_URL
    assert base64.b64decode(cluster["certificate-authority-data"]) == harness.karmada_pki.ca.cert_pem
    assert base64.b64decode(user["client-certificate-data"]) == harness.agent_pki.client.cert_pem
    assert base64.b64decode(user["client-key-data"]) == harness.agent_pki.client.key_pem
    context = next(c for c in config["contexts"] if c["name"] == config["current-context"])["context"]
    assert context == {"cluster": config["clusters"][0]["name"], "user": config["users"][0]["name"]}
    write = harness.member.requests_matching("PATCH", KUBECONFIG_PATH)[0]
    assert write.content_type == "application/apply-patch+yaml" and write.query["force"] == "true"

    # the agent's RBAC in Karmada: narrower than karmadactl register's (its own Cluster, no Secrets, no create)
    role = harness.karmada.get(RBAC, "ClusterRole", f"system:karmada:{MEMBER}:agent")
    cluster_rules = [r for r in role["rules"] if r["apiGroups"] == ["cluster.karmada.io"]]
    assert cluster_rules == [
        {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters"], "resourceNames": [MEMBER], "verbs": ["get"]},
        {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters"], "verbs": ["list", "watch"]},
        {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters/status"], "resourceNames": [MEMBER],
         "verbs": ["update", "patch"]},
    ]
    assert not any("secrets" in r["resources"] for r in role["rules"])
    # no CSR right: nothing in Karmada signs CSRs, the certificate comes from cert-manager (refresh.py renews it)
    assert not any(g.startswith("certificates.k8s.io") for r in role["rules"] for g in r["apiGroups"])
    binding = harness.karmada.get(RBAC, "ClusterRoleBinding", f"system:karmada:{MEMBER}:agent")
    assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                                    "name": f"system:karmada:agent:{MEMBER}"}]
    assert harness.karmada.get(RBAC, "Role", f"system:karmada:{MEMBER}:agent-secret", "karmada-cluster") is None
    assert harness.karmada.get(RBAC, "RoleBinding", f"system:karmada:{MEMBER}:agent-work", f"karmada-es-{MEMBER}")

    # the registrar created the Cluster as the agent would (no secretRef), with the labels
    cluster = harness.cluster()
    assert cluster["spec"] == {"syncMode": "Pull", "apiEndpoint": MEMBER_ENDPOINT, "id": harness.kube_system_uid,
                               "provider": "aws", "region": "us-west-2", "zones": ["us-west-2a", "us-west-2b"]}
    assert cluster["metadata"]["labels"] == {"eks-karmada.io/member": MEMBER, "tier": "prod"}
    assert harness.karmada.managers("cluster.karmada.io/v1alpha1", "Cluster", MEMBER)["eks-karmada"] == "Apply"
    assert harness.clock.sleeps == [5.0, 5.0]


def test_create_with_the_chart_layout_key_and_without_waiting(harness):
    props = make_props("Pull", AgentKubeconfigKey="kubeconfig", AgentWaitSeconds="0")

    harness.run(make_event("Create", props))

    assert list(kubeconfig_secret(harness)["data"]) == ["kubeconfig"]
    assert kubeconfig(harness, "kubeconfig")["clusters"][0]["cluster"]["server"] == KARMADA_URL
    assert harness.cluster()["spec"]["syncMode"] == "Pull" and harness.clock.sleeps == []


def test_the_agent_never_registering_fails_bounded_and_undoes_the_create(harness):
    with pytest.raises(RegistrationError) as caught:
        harness.run(make_event("Create", make_props("Pull", AgentWaitSeconds="60")))

    message = str(caught.value)
    assert f"karmada-agent did not report the status of Cluster {MEMBER} within 60s (the Cluster has no status yet)" \
        in message
    assert f"Deployment karmada-system/karmada-agent in the member EKS cluster {MEMBER_CLUSTER}" in message
    assert KARMADA_URL in message and len(message) < 1000
    assert harness.clock.now - 1000.0 <= 60
    # undone: nothing of the registration is left
    assert kubeconfig_secret(harness) is None
    assert harness.karmada.get(RBAC, "ClusterRole", f"system:karmada:{MEMBER}:agent") is None
    assert harness.cluster() is None


def test_update_is_idempotent_and_does_not_restart_the_agent(harness):
    harness.member.put(agent_deployment())
    harness.agent_registers_after(sleeps=0)
    harness.run(make_event("Create", make_props("Pull")))
    rv = kubeconfig_secret(harness)["metadata"]["resourceVersion"]
    harness.member.requests.clear()

    harness.run(make_event("Update", make_props("Pull"), old_props=make_props("Pull")))

    assert kubeconfig_secret(harness)["metadata"]["resourceVersion"] == rv
    # read (kube-system's UID, the kubeconfig), unchanged, nothing written
    assert [r.method for r in harness.member.requests] == ["GET", "GET"]


def test_a_renewed_certificate_is_written_and_the_agent_restarted(harness, agent_pki):
    harness.member.put(agent_deployment())
    harness.agent_registers_after(sleeps=0)
    harness.run(make_event("Create", make_props("Pull")))
    renewed = make_pki(client_cn=f"system:karmada:agent:{MEMBER}", client_org="system:karmada:agents")
    harness.parent.put(tls_secret(AGENT_SECRET, renewed.client, renewed.ca.cert_pem))  # cert-manager renewed it

    harness.run(make_event("Update", make_props("Pull"), old_props=make_props("Pull")))

    user = kubeconfig(harness)["users"][0]["user"]
    assert base64.b64decode(user["client-certificate-data"]) == renewed.client.cert_pem
    template = harness.member.get("apps/v1", "Deployment", "karmada-agent", "karmada-system")["spec"]["template"]
    assert len(template["metadata"]["annotations"]["eks-karmada.io/karmada-kubeconfig-hash"]) == 16
    patch = harness.member.requests_matching("PATCH", "/deployments/karmada-agent")[0]
    assert patch.content_type == "application/merge-patch+json"


def test_a_certificate_for_another_identity_is_refused(harness):
    other = make_pki(client_cn="system:karmada:agent:member-9", client_org="system:karmada:agents")
    harness.parent.put(tls_secret(AGENT_SECRET, other.client, other.ca.cert_pem))

    with pytest.raises(RegistrationError) as caught:
        harness.run(make_event("Create", make_props("Pull")))

    message = str(caught.value)
    assert f"Secret karmada-system/{AGENT_SECRET} in the parent holds a certificate for " \
           f"CN='system:karmada:agent:member-9'" in message
    assert f"must be CN='system:karmada:agent:{MEMBER}', O='system:karmada:agents'" in message
    assert harness.member.requests == [] and kubeconfig_secret(harness) is None


def test_a_missing_agent_credential_is_waited_for_then_reported(harness):
    harness.parent.request("DELETE", f"/api/v1/namespaces/karmada-system/secrets/{AGENT_SECRET}")

    with pytest.raises(RegistrationError) as caught:
        harness.run(make_event("Create", make_props("Pull")))

    message = str(caught.value)
    assert f"Failed to read Secret karmada-system/{AGENT_SECRET} in the parent EKS cluster {PARENT}" in message
    assert "not found in the parent cluster" in message and "cert-manager issues it" in message
    assert 170 <= harness.clock.now - 1000.0 <= 180


def test_forbidden_write_to_the_member_is_reported_and_undone(harness):
    harness.member.fail_next(403, times=None, method="PATCH", path=KUBECONFIG_PATH)

    with pytest.raises(RegistrationError) as caught:
        harness.run(make_event("Create", make_props("Pull")))

    message = str(caught.value)
    assert message.startswith(f"Failed to apply Secret karmada-system/karmada-kubeconfig in the member EKS cluster "
                              f"{MEMBER_CLUSTER} (us-west-2): ")
    assert 'secrets "karmada-kubeconfig" is forbidden' in message and "eks-karmada:registrar" in message
    assert harness.karmada.get(RBAC, "ClusterRole", f"system:karmada:{MEMBER}:agent") is None


def test_karmada_422_on_the_agent_rbac_carries_the_server_message(harness):
    harness.karmada.fail_next(422, method="PATCH", path="/clusterroles/", causes=[
        {"field": "rules[0].verbs", "reason": "FieldValueRequired", "message": "Required value"}])

    with pytest.raises(RegistrationError) as caught:
        harness.run(make_event("Create", make_props("Pull")))

    assert f'ClusterRole.rbac.authorization.k8s.io "system:karmada:{MEMBER}:agent" is invalid: rules[0].verbs: ' \
           f"Required value" in str(caught.value)


# ---- Delete -------------------------------------------------------------------------------------


def test_delete_removes_works_then_the_cluster_then_rbac_and_kubeconfig(harness):
    harness.agent_registers_after(sleeps=0)
    harness.run(make_event("Create", make_props("Pull")))
    harness.karmada.put({"apiVersion": "work.karmada.io/v1alpha1", "kind": "Work",
                         "metadata": {"name": "nginx-687f7fb96f", "namespace": f"karmada-es-{MEMBER}"}})
    harness.karmada.finalizer_polls = 2
    harness.karmada.requests.clear()
    harness.clock.on_sleep.clear()

    result = harness.run(make_event("Delete", make_props("Pull")))

    assert result == {"PhysicalResourceId": f"{PARENT}/{MEMBER}"}
    deletes = [r.path for r in harness.karmada.requests if r.method == "DELETE"]
    assert deletes[:2] == [f"/apis/work.karmada.io/v1alpha1/namespaces/karmada-es-{MEMBER}/works/nginx-687f7fb96f",
                           CLUSTER_PATH]
    assert harness.cluster() is None
    assert harness.karmada.get(RBAC, "ClusterRole", f"system:karmada:{MEMBER}:agent") is None
    assert harness.karmada.get(RBAC, "ClusterRoleBinding", f"system:karmada:{MEMBER}:agent") is None
    assert harness.karmada.get("v1", "Namespace", f"karmada-es-{MEMBER}") is None
    assert harness.karmada.get("v1", "Namespace", "karmada-cluster") is not None
    assert kubeconfig_secret(harness) is None


def test_delete_with_an_unreachable_member_warns_and_succeeds(harness, caplog):
    harness.agent_registers_after(sleeps=0)
    harness.run(make_event("Create", make_props("Pull")))
    harness.clock.on_sleep.clear()
    harness.member_down = True

    with caplog.at_level(logging.WARNING):
        result = harness.run(make_event("Delete", make_props("Pull")))

    assert result == {"PhysicalResourceId": f"{PARENT}/{MEMBER}"}
    assert "cannot delete Secret karmada-system/karmada-kubeconfig" in caplog.text
    assert harness.cluster() is None  # Karmada's side is still cleaned


def test_delete_when_the_join_role_is_gone_warns_and_succeeds(harness, caplog):
    harness.aws.assume_error = ("AccessDenied", "not authorized to perform: sts:AssumeRole")
    with caplog.at_level(logging.WARNING):
        result = harness.run(make_event("Delete", make_props("Pull")))
    assert result == {"PhysicalResourceId": f"{PARENT}/{MEMBER}"}
    assert "cannot assume JoinRoleArn" in caplog.text


def test_delete_leaves_a_kubeconfig_another_registration_wrote(harness, caplog):
    harness.run(make_event("Create", make_props("Pull", AgentWaitSeconds="0"),
                           logical_id="Other"))
    secret = kubeconfig_secret(harness)
    secret["metadata"]["annotations"] = {"eks-karmada.io/registration": "other-parent/member-1"}
    secret["metadata"].pop("managedFields", None)
    harness.member.put(secret)

    with caplog.at_level(logging.WARNING):
        harness.run(make_event("Delete", make_props("Pull")))

    assert kubeconfig_secret(harness) is not None
    assert "was written by registration other-parent/member-1: left in place" in caplog.text


# ---- mode switches ------------------------------------------------------------------------------


def test_switching_push_to_pull_unregisters_the_push_registration_first(harness):
    push = make_props()
    harness.run(make_event("Create", push))
    assert harness.karmada_secret(MEMBER) is not None
    harness.agent_registers_after(sleeps=1)

    result = harness.run(make_event("Update", make_props("Pull"), old_props=push))

    assert result["Data"] == {"ClusterName": MEMBER, "SyncMode": "Pull"}
    cluster = harness.cluster()
    assert cluster["spec"]["syncMode"] == "Pull"
    assert "secretRef" not in cluster["spec"] and "impersonatorSecretRef" not in cluster["spec"]
    assert harness.karmada_secret(MEMBER) is None and harness.karmada_secret(f"{MEMBER}-impersonator") is None
    assert kubeconfig_secret(harness) is not None


def test_switching_pull_to_push_removes_the_agent_kubeconfig(harness):
    pull = make_props("Pull")
    harness.agent_registers_after(sleeps=0)
    harness.run(make_event("Create", pull))
    harness.clock.on_sleep.clear()

    harness.run(make_event("Update", make_props(), old_props=pull))

    assert harness.cluster()["spec"]["syncMode"] == "Push"
    assert kubeconfig_secret(harness) is None
    assert harness.karmada.get(RBAC, "ClusterRole", f"system:karmada:{MEMBER}:agent") is None


def test_moving_the_agent_namespace_removes_the_old_kubeconfig(harness):
    old = make_props("Pull", AgentWaitSeconds="0")
    harness.run(make_event("Create", old))

    harness.run(make_event("Update", make_props("Pull", AgentWaitSeconds="0", AgentNamespace="karmada-agent"),
                           old_props=old))

    assert kubeconfig_secret(harness) is None
    assert harness.member.get("v1", "Secret", "karmada-kubeconfig", "karmada-agent") is not None


def test_waits_stop_inside_the_lambdas_remaining_time(harness):
    class Context:
        @staticmethod
        def get_remaining_time_in_millis():
            return 90_000  # 90 s left: 60 s of budget after the safety margin

    with pytest.raises(RegistrationError) as caught:
        harness.run(make_event("Create", make_props("Pull")), Context())

    assert f"karmada-agent did not report the status of Cluster {MEMBER} within 60s" in str(caught.value)
    assert harness.clock.now - 1000.0 <= 60
    assert kubeconfig_secret(harness) is None  # undone within the margin


def test_an_agent_written_secret_ref_of_an_earlier_version_is_removed_with_its_secrets(harness):
    """Before --report-secrets=None the agent pushed the member's token and pointed its Cluster at it."""
    legacy = pull_cluster(cluster_id=harness.kube_system_uid)
    legacy["spec"].update(secretRef={"namespace": "karmada-cluster", "name": MEMBER},
                          impersonatorSecretRef={"namespace": "karmada-cluster", "name": f"{MEMBER}-impersonator"})
    harness.karmada.put(legacy, manager="karmada-agent")
    for name in (MEMBER, f"{MEMBER}-impersonator"):
        harness.karmada.put({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name,
                             "namespace": "karmada-cluster"}, "data": {"token": "c2VjcmV0LXRva2Vu"}})
    harness.agent_registers_after(sleeps=0)

    harness.run(make_event("Update", make_props("Pull"), old_props=make_props("Pull")))

    spec = harness.cluster()["spec"]
    assert "secretRef" not in spec and "impersonatorSecretRef" not in spec
    assert harness.karmada_secret(MEMBER) is None and harness.karmada_secret(f"{MEMBER}-impersonator") is None


def test_an_agent_certificate_from_another_ca_is_waited_for_then_refused(harness):
    """AgentCertificateIssuer names the only CA Karmada takes client certificates from; the fake's CA is another."""
    with pytest.raises(RegistrationError) as caught:
        harness.run(make_event("Create", make_props("Pull", AgentCertificateIssuer="karmada-client-ca")))

    message = str(caught.value)
    assert f"Secret karmada-system/{AGENT_SECRET} in the parent holds a certificate signed by 'test-ca', not by " \
           "'karmada-client-ca', the only CA Karmada accepts client certificates from" in message
    assert 175 <= harness.clock.now - 1000.0 <= 185  # waited for cert-manager to re-issue it, bounded
    assert harness.member.requests == [] and kubeconfig_secret(harness) is None


def test_an_agent_certificate_re_issued_by_the_expected_ca_while_waiting_is_the_one_written(harness):
    """An upgraded parent: the registration waits for cert-manager's re-issue from the client CA, and writes it.

    The issuer changes in the parent's deploy; the same deploy re-runs the registration seconds later.
    """
    harness.member.put(agent_deployment())
    harness.agent_registers_after(sleeps=0)
    reissued = make_pki(client_cn=f"system:karmada:agent:{MEMBER}", client_org="system:karmada:agents")

    def cert_manager_reissues(count: int) -> None:
        if count == 2:
            harness.parent.put(tls_secret(AGENT_SECRET, reissued.client, reissued.ca.cert_pem))

    harness.clock.on_sleep.append(cert_manager_reissues)
    old = make_pki(client_cn=f"system:karmada:agent:{MEMBER}", client_org="system:karmada:agents", ca_cn="karmada-ca")
    harness.parent.put(tls_secret(AGENT_SECRET, old.client, old.ca.cert_pem))

    harness.run(make_event("Create", make_props("Pull", AgentCertificateIssuer="test-ca")))

    user = kubeconfig(harness)["users"][0]["user"]
    assert base64.b64decode(user["client-certificate-data"]) == reissued.client.cert_pem
