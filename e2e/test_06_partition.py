"""Scenario 6: partition drill.

The control plane loses every member at once and stays cut off PAST the workloads' toleration: without a brake,
Karmada v1.18.2 would evict from every member at once, and the members would lose every workload when the
partition heals. The fleet guard (functions/fleet_guard, run every minute by the local EventBridge Scheduler's
stand-in) sees more than half of the members NotReady, suspends the failover ClusterTaintPolicy and removes its
NoExecute taints: nothing is deleted anywhere, and once the members are back the policy is restored.
"""

from __future__ import annotations

import time

from e2e.conftest import MEASUREMENTS, sample_namespace, wait_for, wait_settled
from e2e.conftest import cluster_ready as _ready
from e2e.test_05_failover import NOT_READY_TAINT, _tolerance

POLICY = "karmada-cluster-not-ready"
GUARD_ANNOTATION = "eks-karmada.io/fleet-guard"


def _member_state(members) -> dict[str, dict]:
    state = {}
    for name, member in members.items():
        deployments = member.json("get", "deployments", "-A")["items"]
        state[name] = {f"{d['metadata']['namespace']}/{d['metadata']['name']}": d["spec"]["replicas"]
                       for d in deployments}
    return state


def _karmada_state(karmada) -> dict[str, list[str]]:
    return {kind: sorted(f"{o['metadata'].get('namespace', '')}/{o['metadata']['name']}"
                         for o in karmada.json("get", kind, "-A")["items"])
            for kind in ("works", "resourcebindings", "deployments", "propagationpolicies")}


def _suspended(karmada) -> bool:
    policy = karmada.get("clustertaintpolicy", POLICY)
    return GUARD_ANNOTATION in (policy["metadata"].get("annotations") or {})


def _evicting_taints(karmada) -> list[str]:
    return [c["metadata"]["name"] for c in karmada.json("get", "clusters")["items"]
            if any(t["key"] == NOT_READY_TAINT and t["effect"] == "NoExecute" for t in c["spec"].get("taints") or [])]


def test_partition_deletes_nothing(env, karmada, members):
    wait_settled(karmada, members)
    members_before, karmada_before = _member_state(members), _karmada_state(karmada)
    assert any(f"{sample_namespace(karmada)}/sample-nginx" in state for state in members_before.values())
    tolerance = _tolerance(karmada)
    assert tolerance >= 90, f"the sample tolerates a NotReady member for {tolerance:.0f} s: too short for this drill"
    assert not _suspended(karmada), "the fleet guard has the failover policy suspended before the drill"

    env.partition(blocked=True)
    try:
        wait_for(lambda: all(_ready(c) in ("False", "Unknown") for c in karmada.json("get", "clusters")["items"]),
                 240, "every member NotReady from the control plane's side")
        lost = time.monotonic()
        wait_for(lambda: _suspended(karmada), 90, "the fleet guard suspending the failover ClusterTaintPolicy")
        suspended_after = time.monotonic() - lost
        # Past the toleration, counted from the moment every member was NotReady (and tainted, until the guard).
        while time.monotonic() - lost < tolerance + 30:
            works = _karmada_state(karmada)["works"]
            assert set(karmada_before["works"]) <= set(works), (
                f"Karmada deleted Work objects: {sorted(set(karmada_before['works']) - set(works))}")
            tainted = _evicting_taints(karmada)
            assert not tainted or time.monotonic() - lost < suspended_after + 20, (
                f"the failover taint is back while the guard holds it suspended: {tainted}")
            time.sleep(15)
        members_during = _member_state(members)  # the members themselves are reachable from the host
    finally:
        env.partition(blocked=False)
    MEASUREMENTS["fleet guard"] = (f"every member NotReady: failover suspended {suspended_after:.0f} s later, held "
                                   f"{tolerance + 30:.0f} s (toleration {tolerance:.0f} s): nothing evicted")

    assert members_during == members_before, "a member lost workloads during the partition"
    wait_for(lambda: all(_ready(c) == "True" for c in karmada.json("get", "clusters")["items"]), 300,
             "every member Ready after the partition heals")
    wait_for(lambda: not _suspended(karmada), 120, "the fleet guard restoring the failover ClusterTaintPolicy")
    assert "targetClusters" not in karmada.get("clustertaintpolicy", POLICY)["spec"]
    wait_settled(karmada, members)
    assert _member_state(members) == members_before
    after = _karmada_state(karmada)
    for kind, names in karmada_before.items():
        gone, new = sorted(set(names) - set(after[kind])), sorted(set(after[kind]) - set(names))
        assert after[kind] == names, f"{kind} changed across the partition: gone {gone}, new {new}"
