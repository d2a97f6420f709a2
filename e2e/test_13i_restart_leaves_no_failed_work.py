"""Scenario 13i: restarting karmada-controller-manager leaves no Work marked failed (charts/retry_delay.py).

A Push member's token renewal rolls karmada-controller-manager (scenario 13g); so do upgrades and node replacements.
Right after each start its execution controller fails every Work of a member whose informer is not built yet
(karmada-io/karmada#4065) and marks it Applied=False; the retry that then succeeds must mark it Applied=True again.
With Karmada's 5 ms first retry it may read its own Work from a cache that has not seen that write, change nothing,
and leave the Work failed for good (its binding not FullyApplied) although the object is in place. Here twenty
ConfigMaps are propagated to every member and the controller manager is restarted several times: after each restart
every binding is fully applied again.
"""

from __future__ import annotations

import yaml

from e2e.conftest import all_fully_applied, cluster_ready, restart_controller_manager, wait_for

NAMESPACE = "default"
PREFIX = "e2e-restart"
COUNT = 20
RESTARTS = 4


def _objects(members: list[str]) -> str:
    configmaps = [{"apiVersion": "v1", "kind": "ConfigMap", "data": {"scenario": "13i"},
                   "metadata": {"name": f"{PREFIX}-{i}", "namespace": NAMESPACE}} for i in range(COUNT)]
    policy = {"apiVersion": "policy.karmada.io/v1alpha1", "kind": "PropagationPolicy",
              "metadata": {"name": PREFIX, "namespace": NAMESPACE},
              "spec": {"resourceSelectors": [{"apiVersion": "v1", "kind": "ConfigMap", "name": c["metadata"]["name"]}
                                             for c in configmaps],
                       "placement": {"clusterAffinity": {"clusterNames": members}}}}
    return yaml.safe_dump_all([*configmaps, policy], sort_keys=False)


def test_restarts_leave_every_binding_fully_applied(env, karmada, members):
    karmada.apply(_objects(sorted(members)))
    try:
        wait_for(lambda: all_fully_applied(karmada), 180, f"{COUNT} ConfigMaps fully applied to every member")
        left_failed = []
        for restart in range(1, RESTARTS + 1):
            restart_controller_manager(env, karmada)
            wait_for(lambda: all(cluster_ready(c) == "True" for c in karmada.json("get", "clusters")["items"]), 180,
                     "every member Ready after the restart")
            try:
                wait_for(lambda: all_fully_applied(karmada), 60, "every ResourceBinding fully applied")
            except AssertionError as err:
                left_failed.append(f"restart {restart}: {err}")
        assert left_failed == [], "\n".join(left_failed)
    finally:
        karmada.run("delete", "propagationpolicy", PREFIX, "-n", NAMESPACE, "--ignore-not-found")
        karmada.run("delete", "configmap", *(f"{PREFIX}-{i}" for i in range(COUNT)), "-n", NAMESPACE,
                    "--ignore-not-found")
