"""Control-plane sizing that follows the number of member clusters the config declares.

The components whose load grows with the fleet are etcd and karmada-apiserver (every member's
Cluster, Works and ResourceBindings), and karmada-controller-manager and the scheduler (one
informer set and one scheduling pass per member). The tiers below are the profile table of
docs/PERFORMANCE.md; `make bench` reports what each benchmarked size gets.

| members | etcd, apiserver (request cpu / memory, limit) | controller-manager; scheduler | etcd volume | IOPS / MiB/s |
| --- | --- | --- | --- | --- |
| up to 10   | 500m / 1Gi, 4Gi | 200m / 256Mi, 1Gi; 100m / 128Mi, 512Mi | 20Gi  | 3000 / 125 |
| up to 50   | 1 / 2Gi, 6Gi    | 500m / 512Mi, 2Gi; 250m / 256Mi, 1Gi   | 50Gi  | 4000 / 250 |
| over 50    | 2 / 4Gi, 8Gi    | 1 / 1Gi, 4Gi; 500m / 512Mi, 2Gi        | 100Gi | 6000 / 500 |
"""

from __future__ import annotations

from dataclasses import dataclass

from charts.karmada.props import ComponentResources, Resources, ThroughputFlags


@dataclass(frozen=True)
class ControlPlaneProfile:
    """One tier: component resources, etcd volume size and the gp3 performance etcd needs."""

    name: str
    max_members: int | None
    resources: ComponentResources
    etcd_volume_gib: int
    gp3_iops: int
    gp3_throughput_mibps: int
    throughput: ThroughputFlags


def _throughput(*, karmada_qps: int, member_qps: int, workers: int, scheduler_qps: int,
                eviction_rate: int) -> ThroughputFlags:
    """Client QPS (burst 1.5x), workers of the busiest queues, and bindings evicted per second in a failover.

    QPS towards the Karmada API and each member. Karmada's default eviction rate (0.5/s) takes 10 minutes to
    move 300 bindings off one failed member (`make bench-karmada` saw none moved within its 240 s window); a
    few per second keeps pace with what the profile propagates. Each of the 3 eviction workers also waits the work
    retry delay after each eviction (charts/retry_delay.py), and all share a 10/s bucket: with its 200 ms the
    workers could evict 15/s, so this rate, up to the bucket's 10/s, sets the pace. A fleet-wide loss does not
    evict at that rate or any other: the fleet guard suspends eviction.
    """
    def qps(value: int) -> dict[str, str]:
        return {"qps": str(value), "burst": str(value * 3 // 2)}

    karmada, member, scheduler = qps(karmada_qps), qps(member_qps), qps(scheduler_qps)
    return ThroughputFlags(
        controller_manager={
            "kube-api-qps": karmada["qps"], "kube-api-burst": karmada["burst"],
            "cluster-api-qps": member["qps"], "cluster-api-burst": member["burst"],
            "concurrent-resource-template-syncs": str(workers),
            "concurrent-resourcebinding-syncs": str(workers),
            "concurrent-work-syncs": str(workers),
            "resource-eviction-rate": str(eviction_rate),
        },
        scheduler={"kube-api-qps": scheduler["qps"], "kube-api-burst": scheduler["burst"]},
    )


def _tier(name: str, max_members: int | None, *, core: tuple[str, str, str], controller: tuple[str, str, str],
          scheduler: tuple[str, str, str], volume: int, iops: int, throughput: int,
          flags: ThroughputFlags) -> ControlPlaneProfile:
    def res(spec: tuple[str, str, str]) -> Resources:
        return Resources(cpu_request=spec[0], memory_request=spec[1], memory_limit=spec[2])

    resources = ComponentResources().model_copy(update={
        "etcd": res(core), "apiserver": res(core), "controller_manager": res(controller), "scheduler": res(scheduler),
    })
    return ControlPlaneProfile(name, max_members, resources, volume, iops, throughput, flags)


PROFILES = (
    _tier("small", 10, core=("500m", "1Gi", "4Gi"), controller=("200m", "256Mi", "1Gi"),
          scheduler=("100m", "128Mi", "512Mi"), volume=20, iops=3000, throughput=125,
          flags=_throughput(karmada_qps=200, member_qps=100, workers=20, scheduler_qps=100, eviction_rate=5)),
    _tier("medium", 50, core=("1", "2Gi", "6Gi"), controller=("500m", "512Mi", "2Gi"),
          scheduler=("250m", "256Mi", "1Gi"), volume=50, iops=4000, throughput=250,
          flags=_throughput(karmada_qps=400, member_qps=100, workers=40, scheduler_qps=200, eviction_rate=10)),
    _tier("large", None, core=("2", "4Gi", "8Gi"), controller=("1", "1Gi", "4Gi"),
          scheduler=("500m", "512Mi", "2Gi"), volume=100, iops=6000, throughput=500,
          flags=_throughput(karmada_qps=800, member_qps=100, workers=60, scheduler_qps=400, eviction_rate=20)),
)


def sizing_profile_for_members(members: int) -> ControlPlaneProfile:
    """The smallest tier that holds `members` member clusters."""
    return next(p for p in PROFILES if p.max_members is None or members <= p.max_members)
