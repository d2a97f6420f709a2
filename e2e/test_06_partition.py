"""Scenario 6: partition drill.

The control plane loses every member at once, long enough for every member to be NotReady and tainted, and heals within
the workloads' toleration: nothing is deleted anywhere, and everything resumes. (Past the toleration, Karmada v1.18.2
evicts from every member at once: it has no fleet-wide brake; see the closing note of the issue that added this drill.)
"""

from __future__ import annotations

import time

from e2e.conftest import cluster_ready as _ready
from e2e.conftest import sample_namespace, wait_for, wait_settled
from e2e.test_05_failover import _tolerance


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


def test_partition_deletes_nothing(env, karmada, members):
    wait_settled(karmada, members)
    members_before, karmada_before = _member_state(members), _karmada_state(karmada)
    assert any(f"{sample_namespace(karmada)}/sample-nginx" in state for state in members_before.values())
    tolerance = _tolerance(karmada)
    assert tolerance >= 90, f"the sample tolerates a NotReady member for {tolerance:.0f} s: too short for this drill"
    hold = tolerance / 3

    env.partition(blocked=True)
    try:
        wait_for(lambda: all(_ready(c) in ("False", "Unknown") for c in karmada.json("get", "clusters")["items"]),
                 240, "every member NotReady from the control plane's side")
        started = time.monotonic()
        while time.monotonic() - started < hold:
            works = _karmada_state(karmada)["works"]
            assert set(karmada_before["works"]) <= set(works), (
                f"Karmada deleted Work objects: {sorted(set(karmada_before['works']) - set(works))}")
            time.sleep(15)
        members_during = _member_state(members)  # the members themselves are reachable from the host
    finally:
        env.partition(blocked=False)

    assert members_during == members_before, "a member lost workloads during the partition"
    wait_for(lambda: all(_ready(c) == "True" for c in karmada.json("get", "clusters")["items"]), 300,
             "every member Ready after the partition heals")
    wait_settled(karmada, members)
    assert _member_state(members) == members_before
    after = _karmada_state(karmada)
    for kind, names in karmada_before.items():
        gone, new = sorted(set(names) - set(after[kind])), sorted(set(after[kind]) - set(names))
        assert after[kind] == names, f"{kind} changed across the partition: gone {gone}, new {new}"
