"""The failover drill: taint a member as Karmada does when it goes NotReady, watch its workloads move, restore.

Karmada v1.18.2's own failover: the ClusterTaintPolicy of charts/karmada/bootstrap.py adds
``cluster.karmada.io/not-ready:NoExecute`` (with ``timeAdded``) to a NotReady Cluster; the controller-manager's
taint manager (``--enable-no-execute-taint-eviction``) then evicts every ResourceBinding placed there whose applied
placement does not tolerate the taint, at once or after the toleration's ``tolerationSeconds`` from ``timeAdded``
(pkg/controllers/cluster/taint_manager.go), by taking the member out of ``spec.clusters`` (graceful eviction);
the scheduler, whose TaintToleration filter now rejects the member, places the replicas elsewhere.

The drill adds exactly that taint to a Ready member, and an annotation naming it as the drill's, so the same
tolerations and the same eviction path apply. A NotReady cluster also carries the cluster controller's
``not-ready:NoSchedule``, which keeps the scheduler away while the NoExecute taint is tolerated; that controller
removes it from a Ready cluster, so the drill adds ``eks-karmada.io/failover-drill:NoSchedule`` in its place
(without it, a binding without replicas, such as a Service, is put back on the member as soon as it is evicted).
It waits until no binding that should move still lists the
member, reports when each moved and where to, and then, always (timeout, error, Ctrl-C, SIGTERM), removes the
taints it added (matched by key, effect and ``timeAdded``, leaving any other). Karmada does not move divided
replicas back by itself once a member recovers (the scheduler reschedules a divided binding only when its
placement or replicas change), so the drill then sets ``spec.rescheduleTriggeredAt`` on each moved binding, what
a WorkloadRebalancer does, and waits until the scheduler has placed each one again. It triggers only once the
binding's graceful eviction from the member is over (no ``spec.gracefulEvictionTasks`` entry from it: the
evicted replicas are gone because their replacements are ready elsewhere): until then the scheduler's
ClusterEviction filter keeps the member out, and a reschedule would place everything elsewhere again.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from eks_karmada.cli import names
from eks_karmada.cli.clients import Clock
from eks_karmada.cli.errors import CliError
from functions.kube.client import KubeClient, Resource
from functions.kube.errors import KeptChangingError, ObjectGoneError

CLUSTERS = Resource("cluster.karmada.io", "v1alpha1", "Cluster", "clusters", False)
BINDINGS = Resource("work.karmada.io", "v1alpha2", "ResourceBinding", "resourcebindings", True)
# The same collection across every namespace (GET /apis/work.karmada.io/v1alpha2/resourcebindings).
ALL_BINDINGS = Resource("work.karmada.io", "v1alpha2", "ResourceBinding", "resourcebindings", False)
CLUSTER_BINDINGS = Resource("work.karmada.io", "v1alpha2", "ClusterResourceBinding", "clusterresourcebindings", False)
APPLIED_PLACEMENT = "policy.karmada.io/applied-placement"
DRILL_ANNOTATION = "eks-karmada/failover-drill"
FIELD_MANAGER = "eks-karmada-drill"
POLL_SECONDS = 2.0
CONFLICT_RETRIES = 5
REMOVE_BY_HAND = ("karmadactl taint clusters {member} "
                  + f"{names.NOT_READY_TAINT}:{names.NO_EXECUTE}- {names.DRILL_SCHEDULE_TAINT}:{names.NO_SCHEDULE}-")


def rfc3339(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> datetime.datetime | None:
    if not text:
        return None
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def condition(obj: dict, kind: str) -> dict:
    for item in (obj.get("status") or {}).get("conditions") or []:
        if item.get("type") == kind:
            return item
    return {}


def placements(binding: dict) -> dict[str, int]:
    """Member -> replicas of a binding's ``spec.clusters``."""
    return {c["name"]: int(c.get("replicas") or 0) for c in (binding.get("spec") or {}).get("clusters") or []}


def evicting_from(binding: dict, member: str) -> bool:
    """The binding has a graceful eviction task from ``member`` (ResourceBindingSpec.ClusterInGracefulEvictionTasks)."""
    return any(task.get("fromCluster") == member
               for task in (binding.get("spec") or {}).get("gracefulEvictionTasks") or [])


def shown(placed: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" if count else name for name, count in sorted(placed.items())) or "nowhere"


def observed(binding: dict) -> bool:
    """The scheduler has seen the binding's current spec (placed it, or found nowhere to)."""
    meta, status = binding.get("metadata") or {}, binding.get("status") or {}
    return int(status.get("schedulerObservedGeneration") or 0) >= int(meta.get("generation") or 0)


def scheduled(binding: dict) -> bool:
    """The scheduler has seen the binding's current spec and placed it."""
    return observed(binding) and condition(binding, "Scheduled").get("status") == "True"


def unschedulable(binding: dict) -> str:
    """Why the scheduler found no place for the binding ('' when it did, or has not looked yet)."""
    found = condition(binding, "Scheduled")
    if observed(binding) and found.get("status") == "False":
        return found.get("message") or found.get("reason") or "no cluster fits"
    return ""


def tolerates(toleration: dict, taint: dict) -> bool:
    """corev1.Toleration.ToleratesTaint, as Karmada v1.18.2 calls it (no Lt/Gt operators)."""
    if toleration.get("effect") and toleration["effect"] != taint["effect"]:
        return False
    if toleration.get("key") and toleration["key"] != taint["key"]:
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    return operator == "Equal" and (toleration.get("value") or "") == (taint.get("value") or "")


def tolerance(binding: dict, taint: dict) -> float | None:
    """Seconds the binding stays on a member with ``taint`` (0: evicted at once; None: for ever).

    The taint manager's rule: the first toleration of the applied placement that tolerates the taint counts; with
    tolerationSeconds the binding is evicted that long after the taint's timeAdded, without it never.
    """
    raw = ((binding.get("metadata") or {}).get("annotations") or {}).get(APPLIED_PLACEMENT)
    try:
        placement = json.loads(raw) if raw else (binding.get("spec") or {}).get("placement") or {}
    except ValueError:
        placement = {}
    for toleration in placement.get("clusterTolerations") or []:
        if tolerates(toleration, taint):
            seconds = toleration.get("tolerationSeconds")
            return None if seconds is None else max(0.0, float(seconds))
    return 0.0


@dataclass(frozen=True)
class BindingRef:
    """A ResourceBinding (namespaced) or ClusterResourceBinding."""

    namespace: str
    name: str

    @property
    def resource(self) -> Resource:
        return BINDINGS if self.namespace else CLUSTER_BINDINGS

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else f"{self.name} (cluster-scoped)"

    @classmethod
    def of(cls, binding: dict) -> BindingRef:
        meta = binding.get("metadata") or {}
        return cls(meta.get("namespace") or "", meta["name"])


@dataclass
class Watched:
    """A binding the drill expects to leave the member, and what became of it."""

    ref: BindingRef
    before: dict[str, int]
    wait: float
    """Seconds it tolerates the taint before the taint manager evicts it."""
    moved_after: float | None = None
    after: dict[str, int] = field(default_factory=dict)
    gone: bool = False
    back: dict[str, int] | None = None


@dataclass
class Plan:
    """What the checks found: the bindings that will move and the ones that tolerate the taint for ever."""

    member: str
    moving: list[Watched]
    staying: list[BindingRef]


def _ready(cluster: dict) -> bool:
    return condition(cluster, "Ready").get("status") == "True"


def _blocking_taints(cluster: dict) -> list[str]:
    return [f"{t.get('key')}:{t.get('effect')}" for t in (cluster.get("spec") or {}).get("taints") or []
            if t.get("effect") in ("NoSchedule", names.NO_EXECUTE)]


def _drill_taint_on(cluster: dict) -> dict | None:
    for taint in (cluster.get("spec") or {}).get("taints") or []:
        if taint.get("key") == names.NOT_READY_TAINT and taint.get("effect") == names.NO_EXECUTE:
            return taint
    return None


class FailoverDrill:
    """One drill against one member, on a Karmada API client."""

    def __init__(self, client: KubeClient, member: str, clock: Clock, report: Callable[[str], None]) -> None:
        self.client = client
        self.member = member
        self.clock = clock
        self.report = report
        self.added: list[dict] = []
        self.started = 0.0

    # ---- checks ------------------------------------------------------------------------------------------
    def plan(self, timeout: float) -> Plan:
        """Refuse (CliError) unless the drill is safe and meaningful; else what will move."""
        clusters = {c["metadata"]["name"]: c for c in self.client.list(CLUSTERS)}
        target = clusters.get(self.member)
        if target is None:
            known = ", ".join(sorted(clusters)) or "none"
            raise CliError(f"no member cluster named {self.member} in Karmada (registered: {known}); check --member")
        existing = _drill_taint_on(target)
        if existing is not None:
            by_drill = DRILL_ANNOTATION in ((target.get("metadata") or {}).get("annotations") or {})
            who = ("a failover drill" if by_drill else "Karmada (or someone)")
            raise CliError(f"{self.member} already has the taint {names.NOT_READY_TAINT}:{names.NO_EXECUTE}, added by "
                           f"{who} at {existing.get('timeAdded', 'an unknown time')}; if no drill or failover is "
                           f"under way, remove it with `{REMOVE_BY_HAND.format(member=self.member)}`")
        if not _ready(target):
            reason = condition(target, "Ready").get("reason") or "not Ready"
            raise CliError(f"{self.member} is not Ready ({reason}): Karmada is failing it over already; drill a Ready "
                           "member (eks-karmada status)")
        others = {name: c for name, c in clusters.items() if name != self.member}
        usable = [name for name, c in others.items() if _ready(c) and not _blocking_taints(c)]
        unusable = [f"{name} ({', '.join(_blocking_taints(c)) or condition(c, 'Ready').get('reason') or 'not Ready'})"
                    for name, c in sorted(others.items()) if name not in usable]
        if not usable:
            why = f" ({'; '.join(unusable)})" if unusable else ""
            raise CliError(f"{self.member} is the only Ready member{why}: its workloads would have nowhere to go; "
                           "drill when another member is Ready")
        if unusable:
            raise CliError(f"members not Ready: {'; '.join(unusable)}; a drill needs every other member Ready so "
                           "that what moves is the drill's doing (eks-karmada status)")
        taint = {"key": names.NOT_READY_TAINT, "effect": names.NO_EXECUTE}
        moving, staying = [], []
        for binding in self._bindings():
            before = placements(binding)
            if self.member not in before:
                continue
            wait = tolerance(binding, taint)
            if wait is None:
                staying.append(BindingRef.of(binding))
            elif wait >= timeout:
                raise CliError(f"{BindingRef.of(binding)} tolerates the taint for {wait:.0f} s, not less than "
                               f"--timeout {timeout:.0f}: raise --timeout above {wait:.0f}")
            else:
                moving.append(Watched(BindingRef.of(binding), before, wait))
        if not moving:
            raise CliError(f"nothing placed on {self.member} would move (no binding lists it, or every one tolerates "
                           "the taint for ever): the drill would show nothing")
        return Plan(self.member, moving, staying)

    def _bindings(self) -> list[dict]:
        return [*self.client.list(ALL_BINDINGS), *self.client.list(CLUSTER_BINDINGS)]

    # ---- the taint ---------------------------------------------------------------------------------------
    def _patch_cluster(self, change: Callable[[dict], dict | None]) -> dict | None:
        """Read the Cluster, compute a merge patch, send it with the resourceVersion read; retry on conflicts."""
        try:
            return self.client.merge_patch_unless_changed(CLUSTERS, self.member, None, change, FIELD_MANAGER,
                                                          attempts=CONFLICT_RETRIES)
        except ObjectGoneError:
            raise CliError(f"the Cluster {self.member} is gone from Karmada (unjoined during the drill?)") from None
        except KeptChangingError:
            raise CliError(f"the Cluster {self.member} kept changing under the drill ({CONFLICT_RETRIES} "
                           "conflicts)") from None

    def add_taint(self) -> None:
        stamp = rfc3339(self.clock.now())
        added = [{"key": names.NOT_READY_TAINT, "effect": names.NO_EXECUTE, "timeAdded": stamp},
                 {"key": names.DRILL_SCHEDULE_TAINT, "effect": names.NO_SCHEDULE, "timeAdded": stamp}]

        def change(cluster: dict) -> dict:
            if _drill_taint_on(cluster) is not None:
                raise CliError(f"{self.member} was tainted {names.NOT_READY_TAINT} meanwhile: not drilling")
            taints = [*((cluster.get("spec") or {}).get("taints") or []), *added]
            return {"metadata": {"annotations": {DRILL_ANNOTATION: stamp}}, "spec": {"taints": taints}}

        self._patch_cluster(change)
        self.added = added
        self.started = self.clock.monotonic()

    def still_tainted(self) -> bool:
        cluster = self.client.get(CLUSTERS, self.member) or {}
        evicting = self.added[:1]  # the NoExecute taint; the cluster's own controllers may remove it
        return any(self._is_ours(t, evicting) for t in (cluster.get("spec") or {}).get("taints") or [])

    def _is_ours(self, taint: dict, added: list[dict] | None = None) -> bool:
        return any(all(taint.get(k) == a.get(k) for k in ("key", "effect", "timeAdded"))
                   for a in (self.added if added is None else added))

    def remove_taint(self) -> bool:
        """Remove exactly the taint the drill added; False when it was already gone."""
        if not self.added:
            return False
        removed = False

        def change(cluster: dict) -> dict | None:
            nonlocal removed
            taints = (cluster.get("spec") or {}).get("taints") or []
            kept = [t for t in taints if not self._is_ours(t)]
            removed = len(kept) != len(taints)
            annotated = DRILL_ANNOTATION in ((cluster.get("metadata") or {}).get("annotations") or {})
            if not removed and not annotated:
                return None
            patch: dict[str, Any] = {"metadata": {"annotations": {DRILL_ANNOTATION: None}}}
            if removed:
                patch["spec"] = {"taints": kept}
            return patch

        self._patch_cluster(change)
        self.added = []
        return removed

    # ---- watching ------------------------------------------------------------------------------------------
    def elapsed(self) -> float:
        return self.clock.monotonic() - self.started

    def watch(self, plan: Plan, timeout: float) -> bool:
        """Until every moving binding has left the member and is scheduled elsewhere; False on timeout."""
        pending = list(plan.moving)
        while pending:
            for item in list(pending):
                binding = self.client.get(item.ref.resource, item.ref.name, item.ref.namespace or None)
                if binding is None:
                    item.gone, item.moved_after = True, self.elapsed()
                    self.report(f"  {item.moved_after:6.1f} s  {item.ref}: deleted")
                    pending.remove(item)
                    continue
                placed = placements(binding)
                # Left the member once the scheduler has seen the eviction: placed elsewhere, or nowhere to go (a
                # placement that allows only this member: that is what a real failover would do to it too).
                why = unschedulable(binding) if self.member not in placed else ""
                if self.member not in placed and (scheduled(binding) or why):
                    item.moved_after, item.after = self.elapsed(), placed
                    where = shown(placed) if not why else f"{shown(placed)} (unschedulable: {why})"
                    self.report(f"  {item.moved_after:6.1f} s  {item.ref}: {shown(item.before)} -> {where}")
                    pending.remove(item)
            if not pending:
                return True
            if not self.still_tainted():
                raise CliError(f"the drill's taint left {self.member} after {self.elapsed():.0f} s, removed by someone "
                               "else (Karmada's ClusterTaintPolicy controller removes it from a Ready member when "
                               "it reconciles one): the drill stopped")
            if self.elapsed() >= timeout:
                return False
            self.clock.sleep(POLL_SECONDS)
        return True

    def _wait_each(self, items: list[Watched], timeout: float, done: Callable[[Watched, dict, float], bool]
                   ) -> list[Watched]:
        """Poll each item's binding until ``done(item, binding, seconds)`` or it is deleted. Returns the rest."""
        start = self.clock.monotonic()
        pending = list(items)
        while pending:
            for item in list(pending):
                binding = self.client.get(item.ref.resource, item.ref.name, item.ref.namespace or None)
                if binding is None or done(item, binding, self.clock.monotonic() - start):
                    pending.remove(item)
            if not pending or self.clock.monotonic() - start >= timeout:
                break
            self.clock.sleep(POLL_SECONDS)
        return pending

    def evictions_done(self, moved: list[Watched], timeout: float) -> list[Watched]:
        """Wait until no moved binding has a graceful eviction task from the member. Returns the ones still evicting."""

        def done(item: Watched, binding: dict, seconds: float) -> bool:
            if evicting_from(binding, self.member):
                return False
            self.report(f"  {seconds:6.1f} s  {item.ref}: evicted from {self.member}")
            return True

        return self._wait_each(moved, timeout, done)

    def rebalance(self, moved: list[Watched], timeout: float) -> list[Watched]:
        """Reschedule each moved binding from scratch; wait until each is placed again. Returns the ones not."""
        triggered: dict[BindingRef, tuple[str | None, int]] = {}
        for item in moved:
            binding = self.client.get(item.ref.resource, item.ref.name, item.ref.namespace or None)
            if binding is None:
                continue
            last = (binding.get("status") or {}).get("lastScheduledTime")
            # The scheduler acts only on a trigger after lastScheduledTime (util.RescheduleRequired), which its own
            # clock wrote: a second past it at least, whatever this machine's clock says.
            moment = self.clock.now().replace(microsecond=0)
            previous = parse_time(last)
            if previous is not None and previous >= moment:
                moment = previous + datetime.timedelta(seconds=1)
            patched = self.client.merge_patch(item.ref.resource, item.ref.name, item.ref.namespace or None,
                                              {"spec": {"rescheduleTriggeredAt": rfc3339(moment)}}, FIELD_MANAGER)
            triggered[item.ref] = (last, int(((patched or {}).get("metadata") or {}).get("generation") or 0))

        def done(item: Watched, binding: dict, seconds: float) -> bool:
            last, generation = triggered[item.ref]
            status = binding.get("status") or {}
            # Scheduled since the trigger: the scheduler observed the triggered generation (or, where the
            # generation is not kept, wrote a new lastScheduledTime).
            seen = (int(status.get("schedulerObservedGeneration") or 0) >= generation
                    or status.get("lastScheduledTime") != last)
            if not (seen and scheduled(binding)):
                return False
            item.back = placements(binding)
            self.report(f"  {seconds:6.1f} s  {item.ref}: {shown(item.back)}")
            return True

        return self._wait_each([item for item in moved if item.ref in triggered], timeout, done)


@contextlib.contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt like Ctrl-C, so a killed drill still restores (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def uninterruptible() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait while the taint comes off (a second Ctrl-C must not leave it behind)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
