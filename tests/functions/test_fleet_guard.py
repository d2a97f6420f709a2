"""The fleet guard: failover suspended while most members are lost, restored after, never for one member."""

from __future__ import annotations

import json

import pytest

from charts.karmada import KarmadaControlPlaneProps
from charts.karmada.bootstrap import failover_taint_policy
from functions.fleet_guard import handler as guard
from functions.fleet_guard.errors import FleetGuardError
from tests.fakes.kube_api import forbidden
from tests.functions.conftest import CLUSTER, NAMESPACE, SERVER_NAME, SERVICE

CLUSTER_API = ("cluster.karmada.io/v1alpha1", "Cluster")
POLICY_API = ("policy.karmada.io/v1alpha1", "ClusterTaintPolicy")
TAINT = {"key": "cluster.karmada.io/not-ready", "effect": "NoExecute", "timeAdded": "2026-12-06T10:00:00Z"}
OTHER_TAINT = {"key": "cluster.karmada.io/not-ready", "effect": "NoSchedule", "timeAdded": "2026-12-06T10:00:00Z"}


def _event(**extra: str) -> dict:
    return {"ClusterName": CLUSTER, "AdminSecretNamespace": NAMESPACE, "AdminSecretName": "karmada-admin-client",
            "ApiServerNamespace": NAMESPACE, "ApiServerService": SERVICE, "ApiServerPort": "5443",
            "ApiServerServerName": SERVER_NAME, "FieldManager": "eks-karmada-fleet-guard",
            "TaintPolicy": "karmada-cluster-not-ready", "OutagePercent": "50", "PollSeconds": "10",
            "RunSeconds": "0", **extra}


def _cluster(name: str, ready: str, tainted: bool = False) -> dict:
    return {"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": name},
            "spec": {"syncMode": "Push", "taints": [TAINT, OTHER_TAINT] if tainted else []},
            "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "x", "message": "",
                                       "lastTransitionTime": "2026-12-06T10:00:00Z"}]}}


@pytest.fixture
def fleet(harness):
    harness.karmada.put(failover_taint_policy(KarmadaControlPlaneProps()))  # the policy as rendered
    return harness


def _run(harness, **extra: str) -> dict:
    runtime = guard.Runtime(parent_transport=lambda _name: harness.parent, karmada_transport=harness._pod_transport,
                            sleep=harness.clock.sleep, clock=harness.clock)
    return guard.handle(_event(**extra), None, runtime)


def _policy(harness) -> dict:
    return harness.karmada.get(*POLICY_API, "karmada-cluster-not-ready")


def _taints(harness, name: str) -> list[dict]:
    return harness.karmada.get(*CLUSTER_API, name)["spec"].get("taints") or []


def test_a_fleet_wide_loss_suspends_failover_and_removes_the_policys_taints(fleet):
    for name in ("a", "b", "c"):
        fleet.karmada.put(_cluster(name, "Unknown" if name != "c" else "True", tainted=name != "c"))

    result = _run(fleet)

    assert result == {"looks": 1, "verdict": "suspended: 2 of 3 members not Ready (a, b)"}
    policy = _policy(fleet)
    assert policy["spec"]["targetClusters"] == guard.MATCHES_NOTHING
    record = json.loads(policy["metadata"]["annotations"][guard.ANNOTATION])
    assert record["notReady"] == ["a", "b"] and record["targetClusters"] is None and record["since"]
    # Only the policy's own taint (key and effect) goes; the cluster controller's NoSchedule stays.
    assert _taints(fleet, "a") == [OTHER_TAINT] and _taints(fleet, "b") == [OTHER_TAINT]
    assert fleet.karmada.managers(*POLICY_API, "karmada-cluster-not-ready").get("eks-karmada-fleet-guard")


def test_the_policy_is_restored_once_the_fleet_is_back_and_its_controller_retaints(fleet):
    fleet.karmada.put(_cluster("a", "False", tainted=True))
    fleet.karmada.put(_cluster("b", "False", tainted=True))
    _run(fleet)
    fleet.karmada.put(_cluster("a", "True"))  # one member back: 1 of 2 is not more than 50 %

    result = _run(fleet)

    assert result["verdict"] == "restored: 1 of 2 members not Ready (b)"
    policy = _policy(fleet)
    assert "targetClusters" not in policy["spec"] and guard.ANNOTATION not in policy["metadata"].get("annotations", {})


def test_a_restore_puts_back_the_targets_the_policy_had(fleet):
    targets = {"clusterNames": ["a", "b"]}
    policy = _policy(fleet)
    policy["spec"]["targetClusters"] = targets
    fleet.karmada.put(policy)
    for name in ("a", "b"):
        fleet.karmada.put(_cluster(name, "False", tainted=True))
    _run(fleet)
    assert _policy(fleet)["spec"]["targetClusters"] == guard.MATCHES_NOTHING
    for name in ("a", "b"):
        fleet.karmada.put(_cluster(name, "True"))
    _run(fleet)
    assert _policy(fleet)["spec"]["targetClusters"] == targets


@pytest.mark.parametrize(("states", "verdict"), [
    (("False", "True"), "on: 1 of 2 members not Ready (a)"),   # one member lost: Karmada's failover as usual
    (("False",), "on: 1 of 1 members not Ready (a)"),          # a single member: nowhere to move anyway
    (("True", "True"), "on: 0 of 2 members not Ready (none)"),
])
def test_a_loss_within_the_threshold_changes_nothing(fleet, states, verdict):
    for name, state in zip("ab", states, strict=False):
        fleet.karmada.put(_cluster(name, state, tainted=state == "False"))
    before = _policy(fleet)

    assert _run(fleet)["verdict"] == verdict
    assert _policy(fleet) == before and _taints(fleet, "a") == ([TAINT, OTHER_TAINT] if states[0] == "False" else [])


def test_a_run_polls_for_its_run_seconds(fleet):
    fleet.karmada.put(_cluster("a", "True"))
    fleet.karmada.put(_cluster("b", "True"))

    def lose_both(step: int) -> None:
        if step == 2:
            for name in ("a", "b"):
                fleet.karmada.put(_cluster(name, "Unknown", tainted=True))

    fleet.clock.on_sleep.append(lose_both)
    result = _run(fleet, RunSeconds="50")
    assert result["looks"] == 6 and fleet.clock.sleeps == [10.0] * 5  # at 0, 10, ... 50 s
    assert result["verdict"].startswith("suspended: 2 of 2")
    assert _taints(fleet, "a") == [OTHER_TAINT]


def test_a_run_that_never_reaches_karmada_fails_with_one_line(fleet):
    fleet.parent.fail_next(forbidden("secrets", "karmada-admin-client", verb="get", namespace=NAMESPACE,
                                     user="eks-karmada:fleet-guard"), times=None, method="GET", path="/secrets/")
    with pytest.raises(FleetGuardError) as raised:
        _run(fleet, RunSeconds="20")
    message = str(raised.value)
    assert message.startswith("the fleet guard never reached the Karmada API in this run: ") and "\n" not in message
    assert "forbidden" in message.lower()


@pytest.mark.parametrize(("extra", "error"), [
    ({"ClusterName": ""}, "the schedule's Input has no ClusterName"),
    ({"OutagePercent": "100"}, "OutagePercent must be between 1 and 99, not 100"),
    ({"PollSeconds": "soon"}, "PollSeconds must be a number, not 'soon'"),
])
def test_bad_input_is_named(fleet, extra, error):
    with pytest.raises(FleetGuardError, match=error):
        _run(fleet, **extra)
