"""Scenario 13i: restarting karmada-controller-manager leaves no Work marked failed (charts/retry_delay.py).

A Push member's token renewal rolls karmada-controller-manager (scenario 13g); so do upgrades and node replacements.
Right after each start its execution controller fails every Work of a member whose informer is not built yet
(karmada-io/karmada#4065) and marks it Applied=False; the retry that then succeeds must mark it Applied=True again.
It may read its own Work from a cache that has not seen that write, change nothing, and leave the Work failed for
good (its binding not FullyApplied) although the object is in place. The 200 ms first retry makes that rare; the work
healer (functions/work_healer, run every minute by the local EventBridge Scheduler) nudges what is left.

The same cached read can lose the binding's next aggregation: the Work is Applied=True, the binding keeps showing
the failure; the healer then changes a condition of its own in the Work's status, and Karmada aggregates again.

Here twenty ConfigMaps are propagated to every member and the controller manager is restarted several times: after
each restart every binding is fully applied again within a minute and a half (a healer's run included). Then a Work,
and a binding, are put in exactly those states by hand: the healer clears both. And the healer's identity can do
nothing else to a Work: its admission policies refuse every change but the nudge and its own condition.
"""

from __future__ import annotations

import datetime
import json

import yaml

from e2e.conftest import all_fully_applied, cluster_ready, restart_controller_manager, wait_for

NAMESPACE = "default"
PREFIX = "e2e-restart"
COUNT = 20
RESTARTS = 4
# A Work left failed waits for the healer's next look: up to its poll (10 s) past the settle time (10 s), or a run's
# gap; with the members' return to Ready after a restart, 90 s.
HEALED_WITHIN = 90
HEALER = "system:karmada:work-healer"
REFRESHED = "eks-karmada.io/StatusRefreshed"
INFORMER_FAILURE = "Failed to apply all manifests (0/1): the informer of cluster({}) has not been initialized"


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
                wait_for(lambda: all_fully_applied(karmada), HEALED_WITHIN, "every ResourceBinding fully applied")
            except AssertionError as err:
                left_failed.append(f"restart {restart}: {err}")
        assert left_failed == [], "\n".join(left_failed)
    finally:
        karmada.run("delete", "propagationpolicy", PREFIX, "-n", NAMESPACE, "--ignore-not-found")
        karmada.run("delete", "configmap", *(f"{PREFIX}-{i}" for i in range(COUNT)), "-n", NAMESPACE,
                    "--ignore-not-found")


def binding_fully_applied(karmada, binding: str) -> bool:
    """The binding FullyApplied and its aggregated status free of failures."""
    status = karmada.get("resourcebinding", binding, NAMESPACE)["status"]
    fully = next((c for c in status.get("conditions", []) if c["type"] == "FullyApplied"), {})
    return fully.get("status") == "True" and all(e.get("applied") for e in status.get("aggregatedStatus", []))


def _works(karmada, name: str) -> list[dict]:
    return [w for w in karmada.json("get", "works", "-A")["items"]
            if (w["spec"]["workload"]["manifests"][0].get("metadata") or {}).get("name") == name]


def _applied(work: dict) -> dict:
    return next((c for c in work.get("status", {}).get("conditions", []) if c["type"] == "Applied"), {})


def test_the_work_healer_clears_a_work_left_marked_failed_and_may_do_nothing_else(env, karmada, members):
    name = f"{PREFIX}-healed"
    member = sorted(members)[0]
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"scenario": "13i"},
                 "metadata": {"name": name, "namespace": NAMESPACE}}
    policy = {"apiVersion": "policy.karmada.io/v1alpha1", "kind": "PropagationPolicy",
              "metadata": {"name": name, "namespace": NAMESPACE},
              "spec": {"resourceSelectors": [{"apiVersion": "v1", "kind": "ConfigMap", "name": name}],
                       "placement": {"clusterAffinity": {"clusterNames": [member]}}}}
    karmada.apply(yaml.safe_dump_all([configmap, policy], sort_keys=False))
    try:
        (work,) = wait_for(lambda: [w for w in _works(karmada, name) if _applied(w).get("status") == "True"], 120,
                           f"the Work of ConfigMap {name} applied on {member}")
        namespace, work_name = work["metadata"]["namespace"], work["metadata"]["name"]

        # Its identity may only nudge: RBAC lets it patch Works, its admission policies take the rest back.
        def as_healer(patch: dict, *subresource: str):
            return karmada.run("patch", "work", work_name, "-n", namespace, "--as", HEALER, "--type", "merge",
                               "-p", json.dumps(patch), "--dry-run=server", *subresource, check=False)

        for patch, refusal in [
            ({"spec": {"suspendDispatching": True}}, "may not suspend a Work's dispatching"),
            ({"metadata": {"labels": {"e2e": "x"}}}, "may not change a Work's labels"),
            ({"spec": {"preserveResourcesOnDeletion": True}}, "may not change spec.preserveResourcesOnDeletion"),
            ({"spec": {"workload": {"manifests": [{**configmap, "data": {"scenario": "stolen"}}]}}},
             "may not change a Work's workload"),
        ]:
            done = as_healer(patch)
            assert done.returncode != 0 and refusal in done.stderr, (patch, done.stderr)
        assert as_healer({"spec": {"suspendDispatching": None}}).returncode == 0  # the nudge itself
        conditions = work["status"]["conditions"]
        mark = {"type": REFRESHED, "status": "True", "reason": "BindingStatusStale", "message": "e2e",
                "lastTransitionTime": work["metadata"]["creationTimestamp"]}
        for patch, refusal in [
            ({"status": {"conditions": [{**c, "status": "False"} if c["type"] == "Applied" else c
                                        for c in conditions]}}, f"may change no condition of a Work but {REFRESHED}"),
            ({"status": {"manifestStatuses": []}}, "may not change a Work's manifestStatuses"),
        ]:
            done = as_healer(patch, "--subresource=status")
            assert done.returncode != 0 and refusal in done.stderr, (patch, done.stderr)
        assert as_healer({"status": {"conditions": [*conditions, mark]}}, "--subresource=status").returncode == 0
        denied = karmada.run("delete", "work", work_name, "-n", namespace, "--as", HEALER, "--dry-run=server",
                             check=False)
        assert denied.returncode != 0 and "forbidden" in denied.stderr.lower(), denied.stderr

        # The state #4065 leaves behind, made by hand: Applied=False with the informer failure, the object in place.
        # A restart first, so a healer's window is open whatever ran before (it looks only after a start).
        restart_controller_manager(env, karmada)
        wait_for(lambda: all(cluster_ready(c) == "True" for c in karmada.json("get", "clusters")["items"]), 180,
                 "every member Ready after the restart")
        generation = karmada.get("work", work_name, namespace)["metadata"]["generation"]
        failed_at = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=60)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        failed = {"status": {"conditions": [{
            "type": "Applied", "status": "False", "reason": "AppliedFailed", "lastTransitionTime": failed_at,
            "message": INFORMER_FAILURE.format(member)}]}}
        karmada.run("patch", "work", work_name, "-n", namespace, "--subresource=status", "--type", "merge",
                    "-p", json.dumps(failed))
        assert _applied(karmada.get("work", work_name, namespace))["status"] == "False"
        assert members[member].get("configmap", name, NAMESPACE) is not None  # in place all along

        healed = wait_for(lambda: (w := karmada.get("work", work_name, namespace)) and
                          _applied(w).get("status") == "True" and w, HEALED_WITHIN,
                          f"the work healer clearing Work {namespace}/{work_name}")
        assert healed["metadata"]["generation"] > generation  # nudged: Karmada looked at it again
        assert healed["spec"]["workload"] == work["spec"]["workload"]
        wait_for(lambda: all_fully_applied(karmada), 60, "every ResourceBinding fully applied")

        # The binding's side: its Work applied, the binding showing the failure for that member, FullyApplied False.
        # Karmada aggregates again only when a Work's status changes.
        binding = karmada.get("resourcebinding", f"{name}-configmap", NAMESPACE)
        stale = {"status": {
            "aggregatedStatus": [{"clusterName": member, "appliedMessage": INFORMER_FAILURE.format(member),
                                  "health": "Unknown"}],
            "conditions": [c for c in binding["status"]["conditions"] if c["type"] != "FullyApplied"] + [{
                "type": "FullyApplied", "status": "False", "reason": "FullyAppliedFailed",
                "message": "Failed to apply all works, see status.aggregatedStatus for details",
                "lastTransitionTime": failed_at}]}}
        karmada.run("patch", "resourcebinding", f"{name}-configmap", "-n", NAMESPACE, "--subresource=status",
                    "--type", "merge", "-p", json.dumps(stale))
        assert not binding_fully_applied(karmada, f"{name}-configmap")
        wait_for(lambda: binding_fully_applied(karmada, f"{name}-configmap"), HEALED_WITHIN,
                 f"the work healer refreshing ResourceBinding {NAMESPACE}/{name}-configmap")
        refreshed = _applied(karmada.get("work", work_name, namespace))
        marks = [c for c in karmada.get("work", work_name, namespace)["status"]["conditions"]
                 if c["type"] == REFRESHED]
        assert refreshed["status"] == "True" and len(marks) == 1, marks
    finally:
        karmada.run("delete", "propagationpolicy", name, "-n", NAMESPACE, "--ignore-not-found")
        karmada.run("delete", "configmap", name, "-n", NAMESPACE, "--ignore-not-found")
