"""The first retry delay of the Karmada processes that apply Works: karmada-controller-manager and karmada-agent.

Right after such a process starts, and when a member turns Ready, its execution controller may reconcile a Work
before the member's informer exists (karmada-io/karmada#4065, open): the apply fails, the Work gets Applied=False,
and the retry comes ``--rate-limiter-base-delay`` later (5 ms by default). The retry that succeeds writes
Applied=True through a cached read (v1.18.2 ``pkg/util/helper/status.go`` ``UpdateStatus``). Made within the cache's
lag behind its own write, that read still shows the Work as it was before (Applied=True), so nothing is written, and
the Work stays Applied=False with the workload in place: the controller ignores status-only changes, so only a
change of the Work itself corrects it, and its binding stays not FullyApplied.

Two parts answer it. This delay makes that early read rare: 200 ms is longer than the lag make local saw in most
restarts (55 ms, 180 ms), though a loaded machine saw more than 1 s. The work healer (functions/work_healer, every
minute) nudges what is left: a Work failed that way, on a Ready member, gets a no-op change of its spec, and the
controller reconciles it again.

Why not longer: the taint manager's eviction worker paces itself with the same rate limiter (v1.18.2
``pkg/controllers/cluster/eviction_worker.go``): after each eviction each of its 3 workers waits the longest of
1 / ``--resource-eviction-rate``, this base delay and the shared bucket (10/s). The 5 s this once was held the
failover at scale to 0.6 bindings/s whatever the eviction rate said (`make bench-karmada --ablation --groups
retry-delay` measured 0.47/s against 10.8/s with Karmada's 5 ms, docs/PERFORMANCE.md). 200 ms is at or below
1 / the eviction rate of every sizing profile (5/s and up, charts/karmada/sizing.py), so the eviction rate decides
again. Every other failed reconcile also waits this long before its first retry (then 2x, 4x ... as before).
"""

from __future__ import annotations

WORK_RETRY_BASE_DELAY = "200ms"
BASE_DELAY_FLAG = "rate-limiter-base-delay"  # Karmada's shared rate-limiter flag (pkg/sharedcli/ratelimiterflag)


def rate_limiter_flags() -> list[str]:
    """The flags that set it (both processes take Karmada's shared rate-limiter flags)."""
    return [f"--{BASE_DELAY_FLAG}={WORK_RETRY_BASE_DELAY}"]
