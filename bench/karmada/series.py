"""One series of the capacity benchmark: workloads applied to the Karmada API in steps, each step measured.

A series is a namespace whose PropagationPolicy sends every workload to the same M members. A step creates
workloads [first, last) as fast as `APPLIERS` clients can, and waits (up to its deadline) until, for each,
every member holds its three objects (``propagated``) and its Deployment's status from every member is back
in the Karmada API (``status``). Times are per workload, from the moment its first object was sent.
"""

from __future__ import annotations

import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from functions.kube.client import ApiError, KubeClient
from local_control_plane.access import ClusterAccess

from . import workloads
from .observe import Watch

APPLIERS = 8  # concurrent clients creating objects; enough to keep the API busy on 2 cores
_COLLECTIONS = {"Deployment": "/apis/apps/v1", "Service": "/api/v1", "ConfigMap": "/api/v1"}


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None}
    if len(values) == 1:
        return {"p50": values[0], "p95": values[0], "p99": values[0]}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 3), "p95": round(cuts[94], 3), "p99": round(cuts[98], 3)}


@dataclass
class StepResult:
    """One step's numbers: latencies in seconds (P50/P95/P99 over the workloads done), throughput in workloads/s."""

    series: str
    members: int
    workloads: int  # created in this step
    total: int  # held by the series after the step
    seconds: float  # first create sent -> last workload done (or the deadline)
    done: int  # workloads propagated and with status back within the deadline
    propagated: dict[str, float | None] = field(default_factory=dict)
    status: dict[str, float | None] = field(default_factory=dict)
    throughput: float = 0.0  # done workloads per second over `seconds`
    apply_seconds: float = 0.0  # time the clients took to create every object


@dataclass
class FailoverResult:
    """Seconds from the taint (or its removal) until the bindings moved; None: not within the deadline."""

    member: str
    bindings: int  # ResourceBindings that held the member when it was tainted
    rescheduled_seconds: float | None  # taint -> no binding lists the member
    removed_seconds: float | None  # taint -> the member holds none of the series' Deployments
    restored_seconds: float | None  # taint removed -> every binding lists the member again
    deadline_seconds: float | None = None  # how long each wait had (the run's budget sets it)
    settled_seconds: float | None = None  # waited before the taint for every workload to be done; None: never was
    members: int = 0  # the largest series' member count: the fleet the failover ran on
    left: int | None = None  # bindings still listing the member when the wait to reschedule ended (0: all moved)


class Series:
    """A namespace, its policy and the watches that see its workloads land."""

    def __init__(self, name: str, karmada: ClusterAccess, members: dict[str, ClusterAccess]) -> None:
        self.name = name
        self.karmada = karmada
        self.members = members
        self.applied_at: dict[str, float] = {}
        self.held: dict[str, dict[str, float]] = {}  # workload -> member -> time all three objects were there
        self._objects: dict[tuple[str, str], set[str]] = {}  # (member, workload) -> kinds seen
        self.status_at: dict[str, float] = {}
        self.bindings: dict[str, dict[str, Any]] = {}  # ResourceBinding name -> latest object
        self.member_deployments: dict[str, set[str]] = {m: set() for m in members}
        self.lock = threading.Lock()
        self.watches: list[Watch] = []
        client = karmada.client("eks-karmada/bench")
        for obj in (workloads.namespace(name), workloads.propagation_policy(name, list(members))):
            _create(client, obj)
        self._start_watches()

    # -- watches
    def _start_watches(self) -> None:
        for member, access in self.members.items():
            for kind, prefix in _COLLECTIONS.items():
                plural = f"{kind.lower()}s"
                self.watches.append(Watch(access, f"{prefix}/namespaces/{self.name}/{plural}",
                                          self._member_seen(member, kind), self._member_deleted(member, kind)))
        bindings = f"/apis/work.karmada.io/v1alpha2/namespaces/{self.name}/resourcebindings"
        self.watches.append(Watch(self.karmada, bindings, self._binding_seen))
        for watch in self.watches:
            watch.start()
        for watch in self.watches:
            if not watch.synced.wait(60):
                raise RuntimeError(f"{watch.name}: no list within 60 s")

    def _member_seen(self, member: str, kind: str):
        def seen(name: str, _obj: dict, now: float) -> None:
            with self.lock:
                kinds = self._objects.setdefault((member, name), set())
                kinds.add(kind)
                if kind == "Deployment":
                    self.member_deployments[member].add(name)
                if len(kinds) == len(_COLLECTIONS):
                    self.held.setdefault(name, {}).setdefault(member, now)
        return seen

    def _member_deleted(self, member: str, kind: str):
        def deleted(name: str, _now: float) -> None:
            with self.lock:
                self._objects.get((member, name), set()).discard(kind)
                if kind == "Deployment":
                    self.member_deployments[member].discard(name)
                self.held.get(name, {}).pop(member, None)
        return deleted

    def _binding_seen(self, name: str, obj: dict, now: float) -> None:
        with self.lock:
            self.bindings[name] = obj
            workload = name.removesuffix("-deployment")
            if workload != name and workload not in self.status_at and workloads.status_collected(
                    obj, len(self.members)):
                self.status_at[workload] = now

    def stop(self) -> None:
        for watch in self.watches:
            watch.stop()

    # -- a step
    def step(self, first: int, last: int, deadline_seconds: float) -> StepResult:
        names = [workloads.workload_name(i) for i in range(first, last)]
        started = time.monotonic()
        with ThreadPoolExecutor(APPLIERS) as pool:
            clients = threading.local()

            def create(index: int) -> None:
                if not hasattr(clients, "client"):
                    clients.client = self.karmada.client("eks-karmada/bench")
                sent = time.monotonic()
                for obj in workloads.workload(self.name, index):
                    _create(clients.client, obj)
                with self.lock:
                    self.applied_at[workloads.workload_name(index)] = sent

            list(pool.map(create, range(first, last)))
        applied = time.monotonic() - started
        deadline = started + deadline_seconds
        while time.monotonic() < deadline and not self._all_done(names):
            time.sleep(0.5)
        with self.lock:
            done = [n for n in names if self._done(n)]
            propagated = [max(self.held[n].values()) - self.applied_at[n] for n in done]
            status = [self.status_at[n] - self.applied_at[n] for n in done]
            finished = max((max(max(self.held[n].values()), self.status_at[n]) for n in done), default=started)
        seconds = (finished if len(done) == len(names) else min(time.monotonic(), deadline)) - started
        return StepResult(
            series=self.name, members=len(self.members), workloads=len(names), total=last, seconds=round(seconds, 2),
            done=len(done), propagated=percentiles(propagated), status=percentiles(status),
            throughput=round(len(done) / seconds, 2) if seconds > 0 else 0.0, apply_seconds=round(applied, 2))

    def _done(self, name: str) -> bool:
        return len(self.held.get(name, {})) == len(self.members) and name in self.status_at and name in self.applied_at

    def _all_done(self, names: list[str]) -> bool:
        with self.lock:
            return all(self._done(n) for n in names)

    # -- failover at scale
    def settled(self) -> bool:
        """Every workload created so far is propagated with its status back: no backlog left."""
        return self._all_done(list(self.applied_at))

    def holding(self, member: str) -> int:
        with self.lock:
            return sum(1 for b in self.bindings.values() if _placed_on(b, member))


def _placed_on(binding: dict[str, Any], member: str) -> bool:
    return any(c.get("name") == member for c in binding.get("spec", {}).get("clusters") or [])


def _create(client: KubeClient, obj: dict[str, Any]) -> None:
    api_version, kind = obj["apiVersion"], obj["kind"]
    resource = client.resource_for(api_version, kind)
    try:
        client.request("POST", resource.path(obj["metadata"].get("namespace")), body=obj)
    except ApiError as err:
        if err.code != 409:  # already there from an earlier run of the same step
            raise


# NoExecute evicts (the taint manager); NoSchedule keeps the scheduler from placing the evicted bindings back
# (a NotReady cluster carries both, the NoSchedule one from the cluster controller).
TAINT_KEY = "bench.eks-karmada.io/failover"
TAINTS = ({"key": TAINT_KEY, "effect": "NoExecute"}, {"key": TAINT_KEY, "effect": "NoSchedule"})


def failover(series: list[Series], karmada: ClusterAccess, member: str, deadline_seconds: float) -> FailoverResult:
    """Taints ``member`` NoExecute and NoSchedule, as a NotReady member is, and times the series' workloads leaving.

    First it waits (up to ``deadline_seconds``) for the series to settle, so that the times are the failover's
    and not a backlog of the steps before. Then removes the taint and times their return.
    """
    waiting = time.monotonic()
    settled = _wait(lambda: all(s.settled() for s in series), waiting, deadline_seconds)
    client = karmada.client("eks-karmada/bench")
    clusters = client.resource_for("cluster.karmada.io/v1alpha1", "Cluster")
    bindings = sum(s.holding(member) for s in series)
    tainted = time.monotonic()
    _set_taint(client, clusters, member, add=True)
    rescheduled = _wait(lambda: all(s.holding(member) == 0 for s in series), tainted, deadline_seconds)
    left = sum(s.holding(member) for s in series)  # an unfinished wait still gives the rate: moved / deadline
    removed = _wait(lambda: all(not s.member_deployments.get(member) for s in series), tainted, deadline_seconds)
    untainted = time.monotonic()
    _set_taint(client, clusters, member, add=False)
    restored = _wait(lambda: sum(s.holding(member) for s in series) >= bindings, untainted, deadline_seconds)
    return FailoverResult(member, bindings, rescheduled, removed, restored, round(deadline_seconds), settled,
                          max(len(s.members) for s in series), left)


def _set_taint(client: KubeClient, clusters: Any, member: str, *, add: bool) -> None:
    cluster = client.get(clusters, member)
    assert cluster is not None, f"no Cluster {member}"
    taints = [t for t in cluster["spec"].get("taints") or [] if t.get("key") != TAINT_KEY]
    if add:
        taints += [dict(t) for t in TAINTS]
    client.merge_patch(clusters, member, None, {"spec": {"taints": taints}}, "eks-karmada-bench")


def _wait(condition, since: float, deadline_seconds: float) -> float | None:
    while time.monotonic() < since + deadline_seconds:
        if condition():
            return round(time.monotonic() - since, 2)
        time.sleep(0.2)
    return None
