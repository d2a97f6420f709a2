"""The work healer: a Work Karmada left marked failed by #4065 is nudged within a window, and nothing else.

A window opens when an execution controller's Lease is taken or a member turns Ready.
"""

from __future__ import annotations

import datetime

import pytest

from charts.work_healer import manifests as healer_chart
from functions.work_healer import handler as healer
from functions.work_healer.errors import WorkHealerError
from tests.fakes.kube_api import forbidden
from tests.functions.conftest import CLUSTER, NAMESPACE, SERVER_NAME, SERVICE

NOW = datetime.datetime(2026, 12, 8, 12, 0, 0, tzinfo=datetime.UTC)
WORK_API = ("work.karmada.io/v1alpha1", "Work")
LEASE = "karmada-controller-manager"
AGENT_LEASE = "karmada-agent-pull"
INFORMER = ("Failed to apply all manifests (0/1): the informer of cluster(push) has not been initialized")


def _at(seconds_ago: float) -> str:
    return (NOW - datetime.timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _event(**extra: str) -> dict:
    return {"ClusterName": CLUSTER, "AdminSecretNamespace": NAMESPACE, "AdminSecretName": "karmada-admin-client",
            "ApiServerNamespace": NAMESPACE, "ApiServerService": SERVICE, "ApiServerPort": "5443",
            "ApiServerServerName": SERVER_NAME, "FieldManager": "eks-karmada-work-healer",
            "Leases": f"karmada-system/{LEASE},karmada-system/{AGENT_LEASE}", "PollSeconds": "10", "RunSeconds": "0",
            **extra}


def _cluster(name: str, ready: str = "True", since: float = 3600) -> dict:
    return {"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": name},
            "spec": {"syncMode": "Push"},
            "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "x", "message": "",
                                       "lastTransitionTime": _at(since)}]}}


def _lease(name: str, acquired: float) -> dict:
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": name, "namespace": "karmada-system"},
            "spec": {"holderIdentity": "pod_1", "acquireTime": _at(acquired).replace("Z", ".123456Z"),
                     "renewTime": _at(1).replace("Z", ".000001Z")}}


def _work(name: str, member: str = "push", *, applied: str = "False", message: str = INFORMER,
          failed: float = 60, suspend: bool | None = False) -> dict:
    spec: dict = {"workload": {"manifests": [{"apiVersion": "v1", "kind": "ConfigMap",
                                              "metadata": {"name": name, "namespace": "default"}}]}}
    if suspend is not None:
        spec["suspendDispatching"] = suspend
    return {"apiVersion": "work.karmada.io/v1alpha1", "kind": "Work",
            "metadata": {"name": name, "namespace": f"karmada-es-{member}", "labels": {"a": "b"}},
            "spec": spec,
            "status": {"conditions": [{"type": "Applied", "status": applied, "reason": "AppliedFailed",
                                       "message": message, "lastTransitionTime": _at(failed)}]}}


@pytest.fixture
def karmada(harness):
    harness.karmada.put(_cluster("push"))
    harness.karmada.put(_cluster("pull"))
    harness.karmada.put(_lease(LEASE, acquired=120))  # the controller manager started two minutes ago
    return harness


def _run(harness, **extra: str) -> dict:
    runtime = healer.Runtime(parent_transport=lambda _name: harness.parent, karmada_transport=harness._pod_transport,
                             sleep=harness.clock.sleep, clock=harness.clock, now=lambda: NOW)
    return healer.handle(_event(**extra), None, runtime)


def _get(harness, name: str, member: str = "push") -> dict:
    return harness.karmada.get(*WORK_API, name, f"karmada-es-{member}")


def test_a_work_left_failed_by_the_informer_after_a_start_is_nudged_and_keeps_what_it_means(karmada):
    karmada.karmada.put(_work("stuck"))
    before = _get(karmada, "stuck")

    result = _run(karmada)

    after = _get(karmada, "stuck")
    assert result["verdict"] == (f"window open (Lease {LEASE} taken 120 s ago): nudged 1 Work(s), "
                                 "refreshed 0 binding(s)")
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1  # the controller looks again
    assert "suspendDispatching" not in after["spec"]  # false -> absent: still not suspended
    assert after["spec"]["workload"] == before["spec"]["workload"]
    assert after["metadata"]["labels"] == before["metadata"]["labels"]
    (patch,) = karmada.karmada.requests_matching(method="PATCH", path="/works/stuck")
    assert patch.query["fieldManager"] == "eks-karmada-work-healer"
    assert patch.parsed_body()["metadata"] == {"resourceVersion": before["metadata"]["resourceVersion"]}


def test_a_second_nudge_flips_the_field_back(karmada):
    karmada.karmada.put(_work("stuck", suspend=None))

    _run(karmada)

    assert _get(karmada, "stuck")["spec"]["suspendDispatching"] is False


@pytest.mark.parametrize(("work", "why"), [
    (_work("applied", applied="True", message="Manifest has been successfully applied"), "applied"),
    (_work("other", message="Failed to apply all manifests (0/1): admission webhook denied"), "another failure"),
    (_work("young", failed=healer.SETTLE_SECONDS - 1), "Karmada's own retry may still come"),
    (_work("suspended", suspend=True), "a suspended Work is not applied"),
    (_work("down", member="lost"), "its member is not Ready"),
])
def test_other_works_are_left_alone(karmada, work, why):
    karmada.karmada.put(_cluster("lost", ready="False"))
    karmada.karmada.put(work)
    name, member = work["metadata"]["name"], work["metadata"]["namespace"].removeprefix("karmada-es-")
    before = _get(karmada, name, member)

    result = _run(karmada)

    assert "nudged 0 Work(s), refreshed 0 binding(s)" in result["verdict"], why
    assert _get(karmada, name, member) == before, why


def test_outside_a_window_it_reads_no_work(karmada):
    karmada.karmada.put(_lease(LEASE, acquired=healer.WINDOW_SECONDS + 60))
    karmada.karmada.put(_work("stuck"))

    result = _run(karmada)

    assert result["verdict"] == f"idle: no start nor member turning Ready in the last {healer.WINDOW_SECONDS} s"
    assert not karmada.karmada.requests_matching(path="/works")
    assert not karmada.karmada.requests_matching(path="/resourcebindings")
    assert _get(karmada, "stuck")["metadata"]["generation"] == 1


@pytest.mark.parametrize(("opened_by", "why"), [
    (lambda k: k.put(_lease(AGENT_LEASE, acquired=30)), f"Lease {AGENT_LEASE} taken 30 s ago"),
    (lambda k: k.put(_cluster("pull", since=45)), "member pull Ready 45 s ago"),
])
def test_an_agents_start_or_a_member_turning_ready_opens_the_window(karmada, opened_by, why):
    karmada.karmada.put(_lease(LEASE, acquired=healer.WINDOW_SECONDS + 60))
    opened_by(karmada.karmada)
    karmada.karmada.put(_work("stuck", member="pull"))

    assert _run(karmada)["verdict"] == f"window open ({why}): nudged 1 Work(s), refreshed 0 binding(s)"


def test_works_are_read_a_page_at_a_time(karmada, monkeypatch):
    monkeypatch.setattr(healer, "PAGE_SIZE", 2)
    for i in range(5):
        karmada.karmada.put(_work(f"stuck-{i}"))

    assert _run(karmada)["verdict"].endswith("nudged 5 Work(s), refreshed 0 binding(s)")
    pages = [r for r in karmada.karmada.requests_matching(method="GET", path="/works") if "limit" in r.query]
    assert len(pages) == 3 and all(p.query["limit"] == "2" for p in pages)


def test_a_work_that_changed_since_the_list_is_read_again_and_not_nudged_once_applied(karmada, monkeypatch):
    karmada.karmada.put(_work("stuck"))
    real = healer.Healer._patch

    def applied_meanwhile(self, namespace, name, work, change, subresource=""):
        karmada.karmada.put(_work(name, applied="True", message="Manifest has been successfully applied"))
        # Sent with the old resourceVersion: 409, read again, no longer stuck, no patch.
        return real(self, namespace, name, work, change, subresource)

    monkeypatch.setattr(healer.Healer, "_patch", applied_meanwhile)
    assert _run(karmada)["verdict"].endswith("nudged 0 Work(s), refreshed 0 binding(s)")
    assert _get(karmada, "stuck")["spec"]["suspendDispatching"] is False


def test_a_run_that_never_reaches_karmada_fails_with_one_line(karmada):
    karmada.parent.fail_next(forbidden("secrets", "karmada-admin-client", verb="get", namespace=NAMESPACE,
                                       user="eks-karmada:work-healer"), times=None, method="GET", path="/secrets/")
    with pytest.raises(WorkHealerError) as raised:
        _run(karmada, RunSeconds="20")
    message = str(raised.value)
    assert message.startswith("the work healer never reached the Karmada API in this run: ") and "\n" not in message


@pytest.mark.parametrize(("extra", "error"), [
    ({"Leases": ""}, "the schedule's Input has no Leases"),
    ({"Leases": "karmada-controller-manager"}, "Leases: 'karmada-controller-manager' is not namespace/name"),
    ({"RunSeconds": "900"}, "RunSeconds must be between 0 and 840, not 900"),
])
def test_bad_input_is_named(karmada, extra, error):
    with pytest.raises(WorkHealerError, match=error):
        _run(karmada, **extra)


# --- a binding left showing the failure its Work no longer has ------------------------------------------------

BINDING_ID = "3f9c2a4e-0000-4000-8000-000000000001"
RB_LABEL = "resourcebinding.karmada.io/permanent-id"


def _binding(name: str, member: str = "push", *, fully: str = "False", since: float = 60,
             message: str = INFORMER) -> dict:
    return {"apiVersion": "work.karmada.io/v1alpha2", "kind": "ResourceBinding",
            "metadata": {"name": name, "namespace": "default", "labels": {RB_LABEL: BINDING_ID}},
            "spec": {"resource": {"apiVersion": "v1", "kind": "ConfigMap", "name": name, "namespace": "default"}},
            "status": {"aggregatedStatus": [{"clusterName": "pull", "applied": True, "health": "Healthy"},
                                            {"clusterName": member, "appliedMessage": message, "health": "Unknown"}],
                       "conditions": [{"type": "FullyApplied", "status": fully, "reason": "FullyAppliedFailed",
                                       "message": "Failed to apply all works", "lastTransitionTime": _at(since)}]}}


def _applied_work(name: str, member: str = "push") -> dict:
    work = _work(name, member, applied="True", message="Manifest has been successfully applied")
    work["metadata"]["labels"][RB_LABEL] = BINDING_ID
    return work


def test_a_binding_left_showing_the_informer_failure_gets_its_applied_work_refreshed(karmada):
    karmada.karmada.put(_binding("cm"))
    karmada.karmada.put(_applied_work("cm-1234"))
    karmada.karmada.put(_work("unrelated", applied="True", message="Manifest has been successfully applied"))
    before = _get(karmada, "cm-1234")

    result = _run(karmada)

    assert result["verdict"].endswith("nudged 0 Work(s), refreshed 1 binding(s)")
    after = _get(karmada, "cm-1234")
    assert after["spec"] == before["spec"] and after["metadata"]["generation"] == before["metadata"]["generation"]
    applied, mark = after["status"]["conditions"]
    assert applied == before["status"]["conditions"][0]  # Karmada's own condition untouched
    assert (mark["type"], mark["status"], mark["lastTransitionTime"]) == (healer.REFRESHED, "True",
                                                                           "2026-12-08T12:00:00Z")
    (patch,) = karmada.karmada.requests_matching(method="PATCH", path="/works/cm-1234/status")
    assert patch.parsed_body()["metadata"] == {"resourceVersion": before["metadata"]["resourceVersion"]}
    assert not karmada.karmada.requests_matching(method="PATCH", path="/works/unrelated")


def test_a_second_refresh_changes_the_mark_so_karmada_sees_a_change_again(karmada):
    karmada.karmada.put(_binding("cm"))
    karmada.karmada.put(_applied_work("cm-1234"))
    _run(karmada)
    first = _get(karmada, "cm-1234")["status"]["conditions"][-1]

    runtime = healer.Runtime(parent_transport=lambda _name: karmada.parent, karmada_transport=karmada._pod_transport,
                             sleep=karmada.clock.sleep, clock=karmada.clock,
                             now=lambda: NOW + datetime.timedelta(seconds=10))
    healer.handle(_event(), None, runtime)

    conditions = _get(karmada, "cm-1234")["status"]["conditions"]
    assert [c["type"] for c in conditions] == ["Applied", healer.REFRESHED]
    assert conditions[-1]["lastTransitionTime"] != first["lastTransitionTime"]


@pytest.mark.parametrize(("binding", "work", "why"), [
    (_binding("cm", fully="True"), _applied_work("cm-1234"), "fully applied"),
    (_binding("cm", since=healer.SETTLE_SECONDS - 1), _applied_work("cm-1234"), "Karmada may still aggregate"),
    (_binding("cm", message="Failed to apply all manifests (0/1): denied"), _applied_work("cm-1234"),
     "another failure"),
    (_binding("cm", member="lost"), _applied_work("cm-1234", member="lost"), "its member is not Ready"),
    (_binding("cm"), {**_applied_work("cm-1234"), "status": _work("x")["status"]},
     "the Work itself is failed: the nudge's part"),
])
def test_other_bindings_are_left_alone(karmada, binding, work, why):
    karmada.karmada.put(_cluster("lost", ready="False"))
    karmada.karmada.put(binding)
    karmada.karmada.put(work)

    _run(karmada)

    assert not karmada.karmada.requests_matching(method="PATCH", path="/status"), why


def test_the_condition_it_writes_is_the_one_its_admission_policy_lets_it_write():
    # The handler cannot import the chart (the Lambda asset holds functions/ only), so a test ties the two.
    assert healer.REFRESHED == healer_chart.REFRESHED
