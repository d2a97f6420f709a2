"""The fleet guard: Karmada's failover must not evict workloads from the whole fleet at once.

Karmada v1.18.2's ClusterTaintPolicy (charts/karmada/bootstrap.py ``failover_taint_policy``) taints every NotReady
member ``cluster.karmada.io/not-ready:NoExecute``, and the taint manager evicts what does not tolerate it. When most
members go NotReady together, the likelier cause is the parent's own network, and evicting from all of them would
stop every workload once the partition heals. Karmada has no brake for that; this is one.

EventBridge Scheduler invokes this handler every minute with the Input of ``Settings`` (the schedule's target input,
karmada_constructs/fleet_guard.py). Each run looks at the fleet every PollSeconds for RunSeconds:

* more than OutagePercent % of the members NotReady (Ready False or Unknown, what the policy matches), with at least
  two members: the policy is suspended (its ``spec.targetClusters`` replaced by a selector no cluster matches, the
  previous value kept in the annotation ``eks-karmada.io/fleet-guard`` with the time and the members seen NotReady),
  and the policy's taints are removed from every member, so the taint manager evicts nothing;
* otherwise, a suspended policy is restored: Karmada's controller then taints the members still NotReady with a new
  ``timeAdded``, so their workloads get their full toleration again, and single-member failover works as before.

It reads the Karmada API with its own client certificate (``system:karmada:fleet-guard``, allowed to read and patch
Clusters and to read and patch only this policy). A run that never reached the Karmada API fails (Lambda Errors).
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from ..kube.client import KubeClient, Resource
from ..kube.errors import KeptChangingError, ObjectGoneError
from ..scheduled_look import InputReader, KarmadaAccess, Pacing, Runtime, run_looks
from .errors import FleetGuardError

logger = logging.getLogger("fleet_guard")

CLUSTERS = Resource("cluster.karmada.io", "v1alpha1", "Cluster", "clusters", False)
TAINT_POLICIES = Resource("policy.karmada.io", "v1alpha1", "ClusterTaintPolicy", "clustertaintpolicies", False)
ANNOTATION = "eks-karmada.io/fleet-guard"
SUSPENDED_KEY = "eks-karmada.io/fleet-guard-suspended"
# No cluster has a label both present and absent: while suspended, the policy targets nothing.
MATCHES_NOTHING = {"labelSelector": {"matchExpressions": [{"key": SUSPENDED_KEY, "operator": "Exists"},
                                                          {"key": SUSPENDED_KEY, "operator": "DoesNotExist"}]}}
CONFLICT_RETRIES = 5


@dataclass(frozen=True)
class Settings:
    """The schedule's Input: where Karmada is (the handlers' keys), the pacing and the guard's own settings."""

    access: KarmadaAccess
    pacing: Pacing
    taint_policy: str
    outage_percent: int

    @classmethod
    def parse(cls, raw: dict | None) -> Settings:
        reader = InputReader(raw, FleetGuardError)
        return cls(
            access=KarmadaAccess.read(reader, "eks-karmada-fleet-guard"),
            pacing=Pacing.read(reader),
            taint_policy=reader.text("TaintPolicy", "karmada-cluster-not-ready"),
            outage_percent=int(reader.number("OutagePercent", "50", 1, 99)),
        )


def on_event(event: dict, context: object) -> dict:
    """Lambda entry point (EventBridge Scheduler target; the event is the schedule's Input)."""
    return handle(event, context, Runtime.default())


def handle(event: dict, context: object, runtime: Runtime) -> dict:
    settings = Settings.parse(event)
    return run_looks(settings.access, settings.pacing, runtime,
                     lambda karmada: Guard(karmada, settings, runtime.now).look(),
                     name="fleet guard", error=FleetGuardError, logger=logger)


def _replacing(old: dict | None, new: dict) -> dict:
    """A merge patch turning ``old`` into ``new`` (a merge patch alone would keep old's other fields)."""
    return {**{key: None for key in old or {}}, **new}


def not_ready(cluster: dict) -> bool:
    """What the failover policy matches: Ready False or Unknown (no Ready condition yet is not a loss)."""
    for condition in (cluster.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready":
            return condition.get("status") in ("False", "Unknown")
    return False


class Guard:
    """One look at the fleet, and what follows from it."""

    def __init__(self, karmada: KubeClient, settings: Settings, now: Callable[[], datetime.datetime]) -> None:
        self.karmada = karmada
        self.settings = settings
        self.now = now

    def look(self) -> str:
        """Suspend or restore the failover policy as the fleet's state asks; a one-line verdict."""
        s = self.settings
        clusters = self.karmada.list(CLUSTERS)
        lost = sorted(c["metadata"]["name"] for c in clusters if not_ready(c))
        outage = len(clusters) >= 2 and len(lost) * 100 > s.outage_percent * len(clusters)
        policy = self.karmada.get(TAINT_POLICIES, s.taint_policy)
        if policy is None:
            return f"no ClusterTaintPolicy {s.taint_policy}: nothing to guard"
        suspended = ANNOTATION in ((policy.get("metadata") or {}).get("annotations") or {})
        seen = f"{len(lost)} of {len(clusters)} members not Ready ({', '.join(lost) or 'none'})"
        if outage:
            if not suspended:
                self._suspend(policy, lost)
                logger.warning("fleet guard: %s, more than %d %%: failover suspended", seen, s.outage_percent)
            cleared = self._remove_taints(policy, clusters)
            if cleared:
                logger.warning("fleet guard: removed the taint of %s from %s", s.taint_policy, ", ".join(cleared))
            return f"suspended: {seen}"
        if suspended:
            self._restore(policy)
            logger.warning("fleet guard: %s: failover restored", seen)
            return f"restored: {seen}"
        logger.debug("fleet guard: %s: failover on", seen)
        return f"on: {seen}"

    def _suspend(self, policy: dict, lost: list[str]) -> None:
        record = {"since": self.now().strftime("%Y-%m-%dT%H:%M:%SZ"), "notReady": lost,
                  "targetClusters": (policy.get("spec") or {}).get("targetClusters")}
        self._patch(TAINT_POLICIES, self.settings.taint_policy, policy, lambda _current: {
            "metadata": {"annotations": {ANNOTATION: json.dumps(record, sort_keys=True)}},
            "spec": {"targetClusters": _replacing(record["targetClusters"], MATCHES_NOTHING)}})

    def _restore(self, policy: dict) -> None:
        annotations = (policy.get("metadata") or {}).get("annotations") or {}
        try:
            previous = json.loads(annotations[ANNOTATION]).get("targetClusters")
        except (ValueError, AttributeError):
            previous = None  # unreadable: the rendered policy targets every cluster
        self._patch(TAINT_POLICIES, self.settings.taint_policy, policy, lambda _current: {
            "metadata": {"annotations": {ANNOTATION: None}},
            "spec": {"targetClusters": _replacing(MATCHES_NOTHING, previous) if previous else None}})

    def _remove_taints(self, policy: dict, clusters: list[dict]) -> list[str]:
        """Remove the policy's taints (by key and effect, as its controller does) from every member."""
        theirs = {(t.get("key"), t.get("effect")) for t in (policy.get("spec") or {}).get("taints") or []}

        def without_theirs(cluster: dict) -> dict | None:
            taints = (cluster.get("spec") or {}).get("taints") or []
            kept = [t for t in taints if (t.get("key"), t.get("effect")) not in theirs]
            return {"spec": {"taints": kept}} if len(kept) != len(taints) else None

        return [cluster["metadata"]["name"] for cluster in clusters
                if self._patch(CLUSTERS, cluster["metadata"]["name"], cluster, without_theirs)]

    def _patch(self, resource: Resource, name: str, current: dict, change: Callable[[dict], dict | None]) -> bool:
        """Merge-patch what ``change(object)`` asks, with the resourceVersion read; on a conflict read again.

        False when there was nothing to change (or the object is gone).
        """
        try:
            return self.karmada.merge_patch_unless_changed(resource, name, None, change,
                                                           self.settings.access.field_manager,
                                                           current=current, attempts=CONFLICT_RETRIES) is not None
        except ObjectGoneError:
            return False
        except KeptChangingError:
            raise FleetGuardError(f"{resource.kind} {name} kept changing under the fleet guard") from None
