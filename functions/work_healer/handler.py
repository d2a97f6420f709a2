"""The work healer: a Work Karmada applied must not stay marked failed (karmada-io/karmada#4065).

Right after karmada-controller-manager or a karmada-agent starts, and when a member turns Ready, the execution
controller may reconcile a Work before that member's informer exists: the apply fails with "the informer of
cluster(X) has not been initialized" and the Work gets Applied=False. The retry that succeeds may read its own Work
through a cache that has not seen that write yet, find Applied=True, write nothing, and leave the Work failed for good:
the controller ignores status-only changes, so only a change of the Work's spec makes it look again. The first retry
delay (charts/retry_delay.py) makes that read rarely early; this heals what is left.

EventBridge Scheduler invokes this handler every minute with the Input of ``Settings``
(karmada_constructs/work_healer.py). Each run looks every PollSeconds for RunSeconds. A look reads the Clusters and
the Leases of the processes that run an execution controller (karmada-controller-manager's, each Pull member's
agent's, named in the Input) and does nothing more unless a window is open: a Lease acquired
(a process started or took over) or a member turned Ready within the last ``WINDOW_SECONDS``. Then it reads every
Work, a page at a time, and nudges each one that

* is marked Applied=False with that informer failure, for at least ``SETTLE_SECONDS`` (the controller's own retries
  come sooner),
* on a member that is Ready (on one that is not, the controller does not apply; it retries once Ready),
* and is not suspended (a suspended Work is not applied at all).

The nudge flips ``spec.suspendDispatching`` between ``false`` and absent, which mean the same (not suspended), with
the resourceVersion read: the generation changes, the execution controller reconciles the Work, applies it again and
writes Applied=True (or the real failure, if there is one). The binding controller may set the field back to
``false`` on its next sync; that is one more reconcile of the same content.

It reads the Karmada API with its own client certificate (``system:karmada:work-healer``): Clusters and Works
get/list, Works patch, those Leases get; an admission policy lets that user change nothing of a Work but that field,
between those two values (charts/work_healer).
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


def stuck_since(work: dict) -> datetime.datetime | None:
    """When a Work was marked failed by the informer's absence, if it is; None otherwise."""
    applied = condition(work, "Applied")
    if applied is None or applied.get("status") != "False" or INFORMER_FAILURE not in (applied.get("message") or ""):
        return None
    return parse_time(applied.get("lastTransitionTime"))


def nudge(work: dict) -> dict | None:
    """The merge patch that changes the Work's generation and nothing it means; None for a suspended Work."""
    suspend = (work.get("spec") or {}).get("suspendDispatching")
    if suspend is True:
        return None
    return {"spec": {"suspendDispatching": None if suspend is False else False}}


class Healer:
    """One look at the Karmada API, and the nudges that follow from it."""

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
        nudged, stuck_elsewhere = [], 0
        for work in self.karmada.iterate(WORKS, page_size=PAGE_SIZE):
            since = stuck_since(work)
            if since is None or (self.now - since).total_seconds() < SETTLE_SECONDS:
                continue
            meta = work["metadata"]
            if meta["namespace"].removeprefix(EXECUTION_SPACE_PREFIX) not in ready:
                stuck_elsewhere += 1
                continue
            if self._nudge(meta["namespace"], meta["name"], work):
                nudged.append(f"{meta['namespace']}/{meta['name']}")
        if nudged:
            logger.warning("work healer: nudged %d Work(s) left marked failed (%s): %s", len(nudged), why,
                           ", ".join(nudged))
        return (f"window open ({why}): nudged {len(nudged)} Work(s)"
                + (f", {stuck_elsewhere} on members not Ready left to Karmada" if stuck_elsewhere else ""))

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

    def _nudge(self, namespace: str, name: str, work: dict) -> bool:
        """Nudge one Work, unless it changed meanwhile into one that is not stuck; True when nudged."""

        def change(current: dict) -> dict | None:
            return nudge(current) if stuck_since(current) is not None else None

        try:
            return self.karmada.merge_patch_unless_changed(WORKS, name, namespace, change,
                                                           self.settings.access.field_manager, current=work,
                                                           attempts=CONFLICT_RETRIES) is not None
        except ObjectGoneError:
            return False
        except KeptChangingError:
            # Something keeps writing it, so the controller reconciles it anyway; the next look sees the outcome.
            logger.warning("work healer: Work %s/%s kept changing; not nudged", namespace, name)
            return False
