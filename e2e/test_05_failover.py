"""Scenario 5: failover drill.

One member's API server stops; Karmada marks it NotReady, taints it, moves its replicas to the other member; the time
from stop to all replicas ready elsewhere is measured and printed; restarting the member brings it back Ready.
"""

from __future__ import annotations

import time

from e2e.conftest import MEASUREMENTS, sample_namespace, wait_for, wait_settled
from e2e.conftest import cluster_ready as _ready

NOT_READY_TAINT = "cluster.karmada.io/not-ready"


def _tolerance(karmada) -> float:
    """How long the sample tolerates a not-ready cluster (the webhook's default, or the policy's own)."""
    policy = karmada.get("propagationpolicy", "sample-nginx", sample_namespace(karmada))
    for toleration in policy["spec"]["placement"].get("clusterTolerations", []):
        if toleration.get("key") == NOT_READY_TAINT and toleration.get("effect") == "NoExecute":
            return float(toleration.get("tolerationSeconds", 0))
    return 0.0


def test_failover_moves_replicas_and_recovery_brings_the_member_back(env, karmada, members):
    failed = next(m for m in env.member_names if env.config[m]["sync_mode"] == "Push")
    survivor = next(m for m in env.member_names if m != failed)
    wait_settled(karmada, members)
    namespace = sample_namespace(karmada)
    total = karmada.get("deployment", "sample-nginx", namespace)["spec"]["replicas"]
    tolerance = _tolerance(karmada)
    timeline: dict[str, float] = {}

    started = time.monotonic()
    env.stop_pod(f"cluster.{failed}")
    try:
        wait_for(lambda: _ready(karmada.get("cluster", failed)) in ("False", "Unknown"), 180, f"{failed} NotReady")
        timeline["NotReady"] = time.monotonic() - started
        wait_for(lambda: any(t["key"] == NOT_READY_TAINT and t["effect"] == "NoExecute"
                             for t in karmada.get("cluster", failed)["spec"].get("taints", [])),
                 120, f"{failed} tainted {NOT_READY_TAINT}:NoExecute")
        timeline["tainted"] = time.monotonic() - started

        def moved():
            binding = karmada.get("resourcebinding", "sample-nginx-deployment", namespace)
            placed = {c["name"]: c.get("replicas", 0) for c in binding["spec"].get("clusters", [])}
            deployment = members[survivor].get("deployment", "sample-nginx", namespace) or {}
            ready = deployment.get("status", {}).get("readyReplicas", 0)
            return placed == {survivor: total} and ready == total

        wait_for(moved, tolerance + 300, f"all {total} replicas ready in {survivor}", interval=1)
        timeline["replicas ready elsewhere"] = time.monotonic() - started
    finally:
        env.start_pod(f"cluster.{failed}")
    MEASUREMENTS["failover drill"] = (f"{failed} API server stopped, sample tolerates NotReady {tolerance:.0f} s: "
                                      + ", ".join(f"{k} at {v:.0f} s" for k, v in timeline.items()))

    env.wait_ready([f"cluster.{failed}"], 180, lambda _m: None, f"{failed} API server")
    wait_for(lambda: _ready(karmada.get("cluster", failed)) == "True", 180, f"{failed} Ready again")
    wait_for(lambda: not any(t["key"] == NOT_READY_TAINT
                             for t in karmada.get("cluster", failed)["spec"].get("taints", [])),
             120, f"{failed} untainted")
    assert members[survivor].get("deployment", "sample-nginx", namespace)["status"]["readyReplicas"] == total
