"""The work healer: a Work Karmada applied must not stay marked failed (karmada-io/karmada#4065).

Right after karmada-controller-manager or a karmada-agent starts, and when a member turns Ready, the execution
controller may reconcile a Work before that member's informer exists: the apply fails with "the informer of
cluster(X) has not been initialized" and the Work gets Applied=False; the binding's status controller aggregates
that failure into the binding. Two writes can then be lost, each to a read through a cache that has not seen the
writer's own last write yet (v1.18.2 ``helper.UpdateStatus`` compares with a cached read and writes only a change):

* the retry that succeeds finds the Work still Applied=True in its cache and writes nothing: the Work stays
  Applied=False. The controller ignores status-only changes, so only a change of the Work's spec makes it look again;
* the aggregation after the Work's Applied=True finds the binding without the failure in its cache and writes
  nothing: the binding shows the failure for good. It aggregates again only when a Work's status changes.

The first retry delay (charts/retry_delay.py) makes both rarer; this heals what is left.

EventBridge Scheduler invokes this handler every minute with the Input of ``Settings``
(karmada_constructs/work_healer.py). Each run looks every PollSeconds for RunSeconds. A look reads the Clusters and
the Leases of the processes that run an execution controller (karmada-controller-manager's, each Pull member's
agent's, named in the Input) and does nothing more unless a window is open: one of those Leases taken (a process
started or took over) or a member turned Ready within the last ``WINDOW_SECONDS``. Then, on Ready members only, and
for failures at least ``SETTLE_SECONDS`` old (Karmada's own retries come sooner), it reads a page at a time:

* every Work: one marked Applied=False with that failure, not suspended, is nudged: ``spec.suspendDispatching``
  flips between ``false`` and absent, which mean the same (not suspended). The generation changes, the execution
  controller reconciles the Work, applies it again and writes Applied=True (or the real failure, if there is one).
  The binding controller may set the field back to ``false`` on its next sync: one more reconcile of the same content;
* every ResourceBinding and ClusterResourceBinding: one whose FullyApplied is False and whose aggregated status
  still shows that failure for a member whose Work is Applied=True is refreshed: that Work's status gets the
  healer's own condition ``eks-karmada.io/StatusRefreshed`` (its time changes each time), and Karmada aggregates the
  binding again.

Each write carries the resourceVersion read and is recomputed on a conflict. It reads the Karmada API with its own
client certificate (``system:karmada:work-healer``); admission policies let that user change nothing of a Work but
those two (charts/work_healer).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..kube.client import KubeClient, Resource
from ..kube.errors import KeptChangingError, ObjectGoneError
from ..scheduled_look import InputReader, KarmadaAccess, Pacing, Runtime, run_looks
from .errors import WorkHealerError

logger = logging.getLogger("work_healer")

CLUSTERS = Resource("cluster.karmada.io", "v1alpha1", "Cluster", "clusters", False)
WORKS = Resource("work.karmada.io", "v1alpha1", "Work", "works", True)
# Each binding kind with the label its Works carry its permanent id under (v1.18.2 well_known_constants.go).
BINDINGS = (
    (Resource("work.karmada.io", "v1alpha2", "ResourceBinding", "resourcebindings", True),
     "resourcebinding.karmada.io/permanent-id"),
    (Resource("work.karmada.io", "v1alpha2", "ClusterResourceBinding", "clusterresourcebindings", False),
     "clusterresourcebinding.karmada.io/permanent-id"),
)
# The condition the healer writes on a Work's status to make Karmada aggregate its binding's status again.
REFRESHED = "eks-karmada.io/StatusRefreshed"
LEASES = Resource("coordination.k8s.io", "v1", "Lease", "leases", True)
# v1.18.2 pkg/util/helper/cache.go: what the apply of a Work fails with before the member's informer exists.
INFORMER_FAILURE = "has not been initialized"
EXECUTION_SPACE_PREFIX = "karmada-es-"  # a Work's namespace: karmada-es-<member>
# After a start or a member turning Ready, the execution controller walks every Work of that member; at scale that
# takes minutes, so the window stays open long after the event.
WINDOW_SECONDS = 900
# The controller retries a failed apply itself (first after the retry delay, then doubling); a failure younger than
# this may still be its own to correct.
SETTLE_SECONDS = 10
PAGE_SIZE = 500
CONFLICT_RETRIES = 3


@dataclass(frozen=True)
class Settings:
    """The schedule's Input: where Karmada is (the handlers' keys), the pacing, where the Leases are."""

    access: KarmadaAccess
    pacing: Pacing
    leases: tuple[tuple[str, str], ...]  # (namespace, name)

    @classmethod
    def parse(cls, raw: dict | None) -> Settings:
        reader = InputReader(raw, WorkHealerError)
        leases = []
        for entry in reader.text("Leases").split(","):
            namespace, _, name = entry.strip().partition("/")
            if not namespace or not name:
                raise WorkHealerError(f"Leases: {entry.strip()!r} is not namespace/name")
            leases.append((namespace, name))
        return cls(access=KarmadaAccess.read(reader, "eks-karmada-work-healer"), pacing=Pacing.read(reader),
                   leases=tuple(leases))


def on_event(event: dict, context: object) -> dict:
    """Lambda entry point (EventBridge Scheduler target; the event is the schedule's Input)."""
    return handle(event, context, Runtime.default())


def handle(event: dict, context: object, runtime: Runtime) -> dict:
    settings = Settings.parse(event)
    return run_looks(settings.access, settings.pacing, runtime,
                     lambda karmada: Healer(karmada, settings, runtime.now).look(),
                     name="work healer", error=WorkHealerError, logger=logger)


def parse_time(text: str | None) -> datetime.datetime | None:
    """An RFC 3339 time (Kubernetes' Time or MicroTime), or None."""
    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def condition(obj: dict, kind: str) -> dict | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == kind), None)


def applied(work: dict) -> bool:
    """Whether Karmada marks the Work applied."""
    return (condition(work, "Applied") or {}).get("status") == "True"


def stuck_since(work: dict) -> datetime.datetime | None:
    """When a Work was marked failed by the informer's absence, if it is; None otherwise."""
    state = condition(work, "Applied")
    if state is None or state.get("status") != "False" or INFORMER_FAILURE not in (state.get("message") or ""):
        return None
    return parse_time(state.get("lastTransitionTime"))


def stale_members(binding: dict, now: datetime.datetime) -> list[str]:
    """The members for which a binding still shows the informer failure, settled (FullyApplied False long enough)."""
    fully = condition(binding, "FullyApplied") or {}
    since = parse_time(fully.get("lastTransitionTime"))
    if fully.get("status") != "False" or since is None or (now - since).total_seconds() < SETTLE_SECONDS:
        return []
    return [entry["clusterName"] for entry in (binding.get("status") or {}).get("aggregatedStatus") or []
            if not entry.get("applied") and INFORMER_FAILURE in (entry.get("appliedMessage") or "")]


def refresh(work: dict, now: datetime.datetime) -> dict:
    """The status merge patch that changes the Work's status in a condition of the healer's own and nothing else."""
    kept = [c for c in (work.get("status") or {}).get("conditions") or [] if c.get("type") != REFRESHED]
    mark = {"type": REFRESHED, "status": "True", "reason": "BindingStatusStale",
            "message": "the work healer changed this condition so that Karmada aggregates the binding's status "
                       "again: it still showed a failure this Work no longer has (karmada-io/karmada#4065)",
            "lastTransitionTime": now.strftime("%Y-%m-%dT%H:%M:%SZ")}
    return {"status": {"conditions": [*kept, mark]}}


def nudge(work: dict) -> dict | None:
    """The merge patch that changes the Work's generation and nothing it means; None for a suspended Work."""
    suspend = (work.get("spec") or {}).get("suspendDispatching")
    if suspend is True:
        return None
    return {"spec": {"suspendDispatching": None if suspend is False else False}}


class Healer:
    """One look at the Karmada API, and the nudges and refreshes that follow from it."""

    def __init__(self, karmada: KubeClient, settings: Settings, now: Callable[[], datetime.datetime]) -> None:
        self.karmada = karmada
        self.settings = settings
        self.now = now()

    def look(self) -> str:
        clusters = self.karmada.list(CLUSTERS)
        ready = {c["metadata"]["name"] for c in clusters if (condition(c, "Ready") or {}).get("status") == "True"}
        why = self._window_open(clusters)
        if why is None:
            return f"idle: no start nor member turning Ready in the last {WINDOW_SECONDS} s"
        nudged, not_ready = self._nudge_failed_works(ready)
        refreshed = self._refresh_stale_bindings(ready)
        if nudged:
            logger.warning("work healer: nudged %d Work(s) left marked failed (%s): %s", len(nudged), why,
                           ", ".join(nudged))
        if refreshed:
            logger.warning("work healer: refreshed %d binding(s) left showing a failure (%s): %s", len(refreshed),
                           why, ", ".join(refreshed))
        return (f"window open ({why}): nudged {len(nudged)} Work(s), refreshed {len(refreshed)} binding(s)"
                + (f", {not_ready} Work(s) on members not Ready left to Karmada" if not_ready else ""))

    def _nudge_failed_works(self, ready: set[str]) -> tuple[list[str], int]:
        """Nudge every Work left marked failed by the informer on a Ready member; those nudged, and those elsewhere."""
        nudged, not_ready = [], 0
        for work in self.karmada.iterate(WORKS, page_size=PAGE_SIZE):
            since = stuck_since(work)
            if since is None or (self.now - since).total_seconds() < SETTLE_SECONDS:
                continue
            meta = work["metadata"]
            if meta["namespace"].removeprefix(EXECUTION_SPACE_PREFIX) not in ready:
                not_ready += 1
                continue
            if self._patch(meta["namespace"], meta["name"], work,
                           lambda current: nudge(current) if stuck_since(current) is not None else None):
                nudged.append(f"{meta['namespace']}/{meta['name']}")
        return nudged, not_ready

    def _refresh_stale_bindings(self, ready: set[str]) -> list[str]:
        """Refresh each binding that still shows the informer failure for a Ready member whose Work is applied.

        Karmada aggregates a binding's status when one of its Works' status changes, reading the binding from a
        cache: made right after its own write of the failure, that read may miss it, find nothing to change, and
        leave the failure in place for good. A change in the Work's status makes it aggregate again.
        """
        refreshed = []
        for resource, id_label in BINDINGS:
            for binding in self.karmada.iterate(resource, page_size=PAGE_SIZE):
                binding_id = (binding["metadata"].get("labels") or {}).get(id_label)
                members = [m for m in stale_members(binding, self.now) if m in ready]
                if not binding_id or not members:
                    continue
                works = [w for member in members
                         for w in self.karmada.list(WORKS, EXECUTION_SPACE_PREFIX + member, f"{id_label}={binding_id}")
                         if applied(w)]
                marked = [w for w in works
                          if self._patch(w["metadata"]["namespace"], w["metadata"]["name"], w,
                                         lambda current: refresh(current, self.now) if applied(current) else None,
                                         subresource="status")]
                if marked:
                    namespace = binding["metadata"].get("namespace")
                    refreshed.append(f"{namespace}/{binding['metadata']['name']}" if namespace
                                     else binding["metadata"]["name"])
        return refreshed

    def _window_open(self, clusters: Sequence[dict]) -> str | None:
        """Why Works may have been failed lately, or None: the latest Lease taken over or member turning Ready."""
        events: list[tuple[datetime.datetime, str]] = []
        for namespace, name in self.settings.leases:
            lease = self.karmada.get(LEASES, name, namespace) or {}  # none yet: that process never led
            acquired = parse_time((lease.get("spec") or {}).get("acquireTime"))
            if acquired is not None:
                events.append((acquired, f"Lease {name} taken"))
        for cluster in clusters:
            ready = condition(cluster, "Ready") or {}
            turned = parse_time(ready.get("lastTransitionTime"))
            if ready.get("status") == "True" and turned is not None:
                events.append((turned, f"member {cluster['metadata']['name']} Ready"))
        recent = [(t, what) for t, what in events if (self.now - t).total_seconds() <= WINDOW_SECONDS]
        if not recent:
            return None
        when, what = max(recent)
        return f"{what} {round((self.now - when).total_seconds())} s ago"

    def _patch(self, namespace: str, name: str, work: dict, change: Callable[[dict], dict | None],
               subresource: str = "") -> bool:
        """Merge-patch one Work as ``change`` asks of it (None: no longer), read again on a conflict; True if sent."""
        try:
            return self.karmada.merge_patch_unless_changed(WORKS, name, namespace, change,
                                                           self.settings.access.field_manager, current=work,
                                                           attempts=CONFLICT_RETRIES,
                                                           subresource=subresource) is not None
        except ObjectGoneError:
            return False
        except KeptChangingError:
            # Something keeps writing it, so Karmada looks at it anyway; the next look sees the outcome.
            logger.warning("work healer: Work %s/%s kept changing; left alone", namespace, name)
            return False
