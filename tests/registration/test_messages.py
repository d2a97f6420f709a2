"""The whole one-line message of each failure the registration reports, and its valid neighbour.

A CloudFormation event shows only this line: each test pins it whole (prefix, server message, hint), so a
lost hint, a wrong object name or a hint given for the wrong status is noticed.
"""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from functions.member_registration import handler as handler_module
from functions.member_registration import objects as obj
from functions.member_registration.certinfo import read_certificate
from functions.member_registration.errors import RegistrationError
from tests.registration.conftest import (
    ADMIN_SECRET,
    AGENT_SECRET,
    JOIN_ROLE,
    KARMADA_CLUSTER_ID,
    KARMADA_URL,
    MEMBER,
    MEMBER_CLUSTER,
    NAMESPACE,
    PARENT,
    REGISTRAR_SESSION,
    agent_deployment,
    make_event,
    make_props,
    pull_cluster,
    tls_secret,
)

WHERE = f"the member EKS cluster {MEMBER_CLUSTER} (us-west-2)"
ACCESS_ENTRY_401 = (f" (the member does not accept the join role {JOIN_ROLE}: it needs an EKS access entry in this "
                    "cluster)")
ACCESS_ENTRY_403 = (f" (the join role {JOIN_ROLE} needs an EKS access entry in this cluster mapped to the Kubernetes "
                    "group eks-karmada:registrar, and that group the RBAC for this request)")
READY_ADVICE = ("Karmada places no workload on it; check that karmada-controller-manager (Push) or karmada-agent "
                "(Pull) reaches the member's API server")


def failure(harness, event: dict, runtime: handler_module.Runtime | None = None) -> str:
    with pytest.raises(RegistrationError) as caught:
        handler_module.handle(event, None, runtime or harness.runtime())
    return str(caught.value)


# ---- the parent --------------------------------------------------------------------------------------------------
def test_a_parent_that_does_not_exist_is_named(harness):
    harness.parent_missing = True
    assert failure(harness, make_event("Create", make_props())) == (
        f"Failed to reach the parent: EKS cluster {PARENT!r} not found")


def test_any_other_error_reaching_the_parent_names_the_cluster(harness):
    def refused(name: str):
        raise RuntimeError("AccessDeniedException: not authorized to perform eks:DescribeCluster")

    runtime = dataclasses.replace(harness.runtime(), parent_transport=refused)
    assert failure(harness, make_event("Create", make_props()), runtime) == (
        f"Failed to reach the parent EKS cluster {PARENT}: "
        "AccessDeniedException: not authorized to perform eks:DescribeCluster")


@pytest.mark.parametrize(("code", "hint"), [
    (401, " (check the registrar role's access entry in the parent and its RBAC: get on this ConfigMap)"),
    (403, " (check the registrar role's access entry in the parent and its RBAC: get on this ConfigMap)"),
    (400, ""),  # the valid neighbour: no access hint for a status that is not about access
])
def test_reading_the_karmada_ca_gives_the_access_hint_for_401_and_403_only(harness, code, hint):
    harness.parent.fail_next(code, times=None, method="GET", path="/configmaps/karmada-ca-bundle$")

    message = failure(harness, make_event("Create", make_props()))

    prefix = f"Failed to read ConfigMap {NAMESPACE}/karmada-ca-bundle in the parent EKS cluster {PARENT}: "
    assert message.startswith(prefix) and message.endswith(f"[HTTP {code} {_reason(code)}]{hint}"), message


def test_a_karmada_ca_not_published_yet_points_at_the_bootstrap(harness):
    harness.parent.request("DELETE", f"/api/v1/namespaces/{NAMESPACE}/configmaps/karmada-ca-bundle")

    message = failure(harness, make_event("Create", make_props()))

    assert message.startswith(f"Failed to read ConfigMap {NAMESPACE}/karmada-ca-bundle in the parent EKS cluster "
                              f"{PARENT}: gave up after ")
    assert message.endswith("has no ca.crt (the Karmada API bootstrap publishes it)")


def test_the_registrar_never_reads_the_admin_secret(harness):
    harness.run(make_event("Create", make_props("Pull", AgentWaitSeconds="0")))

    assert not harness.parent.requests_matching(path=f"/secrets/{ADMIN_SECRET}$")
    assert set(harness.karmada_users) == {REGISTRAR_SESSION}
    assert harness.token_cluster_ids == [KARMADA_CLUSTER_ID]


@pytest.mark.parametrize("cluster_id", ["karmada-other", ""])
def test_a_token_for_another_karmada_is_refused_with_the_mapping_hint(harness, cluster_id):
    props = make_props(KarmadaClusterId=cluster_id) if cluster_id else make_props(KarmadaClusterId=None)

    message = failure(harness, make_event("Create", props))

    if not cluster_id:
        assert message == "KarmadaClusterId is required"
        return
    assert message.startswith("Failed to read Cluster member-1 in Karmada: ")
    assert message.endswith(
        "[HTTP 401 Unauthorized] (the Karmada API's aws-iam-authenticator does not accept the registrar role's token "
        "for cluster id 'karmada-other': check its mapping of the registrar role and KarmadaClusterId)"), message


def test_an_unmapped_registrar_role_gets_401(harness):
    harness.authenticator.mapping.clear()

    message = failure(harness, make_event("Create", make_props()))

    assert "[HTTP 401 Unauthorized] (the Karmada API's aws-iam-authenticator does not accept" in message


def _reason(code: int) -> str:
    return {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 500: "Internal Server Error"}[code]


# ---- the member --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("code", "hint"), [(401, ACCESS_ENTRY_401), (403, ACCESS_ENTRY_403), (400, "")])
def test_a_member_answer_gets_the_hint_of_its_status(harness, code, hint):
    harness.member.fail_next(code, times=None, path="/namespaces/kube-system$")

    message = failure(harness, make_event("Create", make_props()))

    assert message.startswith(f"Failed to read Namespace kube-system (the Cluster id) in {WHERE}: ")
    assert message.endswith(f"[HTTP {code} {_reason(code)}]{hint}"), message


def test_a_kube_system_without_uid_is_refused(harness):
    unnamed = {"code": 200, "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}}
    harness.member.fail_next(unnamed, path="/namespaces/kube-system$")

    assert failure(harness, make_event("Create", make_props())) == f"Namespace kube-system has no uid in {WHERE}"


def test_a_missing_service_account_names_the_stack_that_creates_it(harness):
    harness.member.request("DELETE", f"/api/v1/namespaces/karmada-cluster/serviceaccounts/karmada-{MEMBER}")

    message = failure(harness, make_event("Create", make_props()))

    assert message == (f"ServiceAccount karmada-cluster/karmada-{MEMBER} does not exist in {WHERE}"
                       ": its KarmadaMember stack creates it (deploy that stack first)")


# ---- Karmada -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path", "prefix"), [
    ("GET", f"/secrets/{MEMBER}$", f"Failed to read Secret karmada-cluster/{MEMBER} in Karmada: "),
    ("PATCH", f"/secrets/{MEMBER}$", f"Failed to apply Secret karmada-cluster/{MEMBER} (v1) in Karmada: "),
    ("GET", "/clusters$", "Failed to list Clusters in Karmada: "),
])
def test_a_refused_karmada_request_names_the_object_and_its_namespace(harness, method, path, prefix):
    harness.karmada.fail_next(403, times=None, method=method, path=path)

    message = failure(harness, make_event("Create", make_props()))

    assert message.startswith(prefix) and message.endswith(
        "[HTTP 403 Forbidden] (the registrar's Karmada user eks-karmada:handler:registrar needs this right from the "
        "ClusterRole eks-karmada:handler:registrar: update the KarmadaParent stack, which binds it)"), message


def test_a_cluster_that_stays_terminating_blocks_the_create_with_a_retry_later(harness):
    terminating = pull_cluster()
    terminating["metadata"].update(deletionTimestamp="2025-01-01T00:00:00Z", finalizers=["karmada.io/x"])
    harness.karmada.put(terminating)

    assert failure(harness, make_event("Create", make_props(DeleteWaitSeconds="20"))) == (
        f"Cluster {MEMBER} is still being deleted in Karmada after 20s (its execution space karmada-es-{MEMBER} is "
        "being cleaned); retry later")


# ---- Ready -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("condition", "state"), [
    (None, "it has no Ready condition yet"),
    ({"status": "False", "reason": "ClusterNotReachable", "message": "cluster is not reachable"},
     "Ready is False (ClusterNotReachable: cluster is not reachable)"),
    ({"status": "Unknown"}, "Ready is Unknown"),
    ({"status": "False", "message": "the member's API server answered 503"},
     "Ready is False (the member's API server answered 503)"),
])
def test_a_cluster_that_never_becomes_ready_says_what_karmada_reports(harness, condition, state):
    harness.karmada.clusters_become_ready = False
    if condition is not None:
        def report(count: int) -> None:
            cluster = harness.cluster()
            cluster["metadata"].pop("managedFields", None)
            cluster["status"] = {"conditions": [{"type": "Ready", **condition}]}
            harness.karmada.put(cluster, manager="karmada-controller-manager")
        harness.clock.on_sleep.append(report)

    message = failure(harness, make_event("Create", make_props(ReadyWaitSeconds="30")))

    assert message == f"Cluster {MEMBER} is registered but not Ready after 30s ({state}): {READY_ADVICE}"


# ---- Pull --------------------------------------------------------------------------------------------------------
def _agent_timeout(state: str, seconds: int) -> str:
    return (f"karmada-agent did not report the status of Cluster {MEMBER} within {seconds}s (the Cluster {state}): "
            f"check Deployment karmada-system/karmada-agent in {WHERE} (its pods and logs), that it mounts Secret "
            f"karmada-system/karmada-kubeconfig key 'karmada-kubeconfig' and runs with --cluster-name={MEMBER}, and "
            f"that it can reach {KARMADA_URL}")


def test_an_agent_that_never_reports_says_so(harness):
    event = make_event("Create", make_props("Pull", AgentWaitSeconds="30"))
    assert failure(harness, event) == _agent_timeout("has no status yet", 30)
    assert harness.cluster() is None  # the Cluster the registrar created is undone


def test_a_push_cluster_of_the_same_name_is_not_taken_over(harness):
    cluster = pull_cluster()
    cluster["spec"].update(syncMode="Push", secretRef={"namespace": "karmada-cluster", "name": MEMBER})
    harness.karmada.put(cluster, manager="karmada-controller-manager")

    assert failure(harness, make_event("Create", make_props("Pull"))) == (
        f"Cluster {MEMBER} already exists in Karmada with syncMode 'Push', not registered by this stack: unregister "
        f"it first (karmadactl unjoin {MEMBER}) or use another name")
    assert harness.cluster()["spec"]["syncMode"] == "Push"


def test_an_agent_wait_of_one_second_still_looks_once(harness):
    harness.agent_registers_after(sleeps=1)  # the agent would report during a wait, but one second allows none

    assert failure(harness, make_event("Create", make_props("Pull", AgentWaitSeconds="1"))) == (
        _agent_timeout("has no status yet", 0))


def test_a_pull_cluster_reported_in_time_must_still_become_ready(harness):
    cluster = pull_cluster(cluster_id=harness.kube_system_uid)
    cluster["status"] = {"conditions": [{"type": "Ready", "status": "False", "reason": "ClusterNotReachable",
                                         "message": "cluster is not reachable"}]}
    harness.karmada.put(cluster, manager="karmada-agent")
    harness.karmada.clusters_become_ready = False

    message = failure(harness, make_event("Create", make_props("Pull", AgentWaitSeconds="1", ReadyWaitSeconds="10")))

    assert message == (f"Cluster {MEMBER} is registered but not Ready after 10s (Ready is False (ClusterNotReachable: "
                       f"cluster is not reachable)): {READY_ADVICE}")


def test_an_unreadable_agent_certificate_is_named(harness, agent_pki):
    broken = tls_secret(AGENT_SECRET, agent_pki.client, agent_pki.ca.cert_pem)
    broken["data"]["tls.crt"] = "bm90IGEgY2VydGlmaWNhdGU="  # "not a certificate"
    harness.parent.put(broken)

    message = failure(harness, make_event("Create", make_props("Pull")))

    assert message.startswith(f"Secret {NAMESPACE}/{AGENT_SECRET} in the parent: tls.crt is not a certificate this "
                              "handler can read: "), message


def test_a_certificate_for_another_agent_says_which_identity_is_needed(harness):
    from tests.fakes.pki import make_pki

    other = make_pki(client_cn="system:karmada:agent:member-9", client_org="system:karmada:agents")
    harness.parent.put(tls_secret(AGENT_SECRET, other.client, other.ca.cert_pem))

    assert failure(harness, make_event("Create", make_props("Pull"))) == (
        f"Secret {NAMESPACE}/{AGENT_SECRET} in the parent holds a certificate for CN='system:karmada:agent:member-9', "
        f"O=['system:karmada:agents']; the karmada-agent of {MEMBER} must be CN='system:karmada:agent:{MEMBER}', "
        "O='system:karmada:agents' (the user its Karmada RBAC names)")


@pytest.mark.parametrize(("offset", "expired"), [(0, True), (-1, False)])
def test_an_agent_certificate_is_expired_from_its_not_after_on(harness, agent_pki, offset, expired):
    not_after = read_certificate(agent_pki.client.cert_pem).not_after
    now = not_after + datetime.timedelta(seconds=offset)
    runtime = dataclasses.replace(harness.runtime(), wall_clock=now.timestamp)
    harness.agent_registers_after(sleeps=0)
    event = make_event("Create", make_props("Pull", AgentWaitSeconds="0"))

    if expired:
        assert failure(harness, event, runtime) == (f"Secret {NAMESPACE}/{AGENT_SECRET} in the parent: the agent "
                                                    f"certificate expired at {not_after.isoformat()}")
    else:
        handler_module.handle(event, None, runtime)
        assert harness.member.get("v1", "Secret", obj.AGENT_KUBECONFIG_SECRET, NAMESPACE) is not None


def test_a_refused_agent_restart_names_the_deployment(harness):
    harness.member.put(agent_deployment())
    harness.agent_registers_after(sleeps=0)
    harness.run(make_event("Create", make_props("Pull")))
    harness.member.fail_next(403, times=None, method="PATCH", path="/deployments/karmada-agent$")

    message = failure(harness, make_event("Update", make_props("Pull", KarmadaApiServerUrl="https://karmada.example:443"),
                                          old_props=make_props("Pull")))

    assert message.startswith(f"Failed to restart Deployment karmada-system/karmada-agent in {WHERE}: ")
    assert message.endswith(f"[HTTP 403 Forbidden]{ACCESS_ENTRY_403}"), message


def test_an_unreachable_agent_deployment_is_reported_as_unreachable_not_as_absent(harness):
    harness.member.put(agent_deployment())
    harness.agent_registers_after(sleeps=0)
    harness.run(make_event("Create", make_props("Pull")))
    harness.member.fail_next(ConnectionResetError, times=None, method="PATCH", path="/deployments/karmada-agent$")

    message = failure(harness, make_event("Update", make_props("Pull", KarmadaApiServerUrl="https://karmada.example:443"),
                                          old_props=make_props("Pull")))

    assert message.startswith(f"Failed to restart Deployment karmada-system/karmada-agent in {WHERE}: gave up after ")
    assert "(the time budget): injected ConnectionResetError" in message


def test_a_kubeconfig_the_member_refuses_to_show_is_named(harness):
    harness.member.fail_next(403, times=None, method="GET", path="/secrets/karmada-kubeconfig$")

    message = failure(harness, make_event("Create", make_props("Pull")))

    assert message.startswith(f"Failed to read Secret {NAMESPACE}/karmada-kubeconfig in {WHERE}: ")
    assert message.endswith(f"[HTTP 403 Forbidden]{ACCESS_ENTRY_403}"), message
