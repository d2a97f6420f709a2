"""The first retry delay of the Karmada processes that apply Works: karmada-controller-manager and karmada-agent.

Right after such a process starts, and when a member turns Ready, its execution controller may reconcile a Work
before the member's informer exists (karmada-io/karmada#4065, open): the apply fails, the Work gets Applied=False,
and the retry comes ``--rate-limiter-base-delay`` later (5 ms by default). The retry that succeeds writes
Applied=True through a cached read (v1.18.2 ``pkg/util/helper/status.go`` ``UpdateStatus``). Made within the cache's
lag behind its own write, that read still shows the Work as it was before (Applied=True), so nothing is written, and
the Work stays Applied=False with the workload in place: the controller ignores status-only changes, so only a
change of the Work itself corrects it, and its binding stays not FullyApplied.

The binding's status aggregation has the same kind of read: it can keep the failure in the binding after the Work
was marked applied.

Two parts answer it. This delay makes those early reads rarer than Karmada's 5 ms; right after a restart the cache
lags by more than that (make local's e2e/test_13i: 1 to 16 of 40 Works and 1 to 8 of 40 bindings left failed per
restart at 200 ms, none at 5 s). The work healer (functions/work_healer, every minute) heals what is left: a Work
failed that way gets a no-op change of its spec, a binding's applied Work a condition of the healer's own in its
status, and Karmada reconciles them again.

Why not longer: the taint manager's eviction worker paces itself with the same rate limiter (v1.18.2
``pkg/controllers/cluster/eviction_worker.go``): after each eviction each of its 3 workers waits the longest of
1 / ``--resource-eviction-rate``, this base delay and the shared bucket (10/s). The 5 s this once was held the
failover at scale to 0.6 bindings/s whatever the eviction rate said (`make bench-karmada --ablation --groups
retry-delay` measured 0.47/s against 10.8/s with Karmada's 5 ms, docs/PERFORMANCE.md). With 200 ms the 3 workers
could evict 15/s, above the bucket's 10/s, so the eviction rate (charts/karmada/sizing.py, 5/s and up) and the
bucket decide again. Every other failed reconcile also waits this long before its first retry (then 2x, 4x ... as
before).
"""

from __future__ import annotations

WORK_RETRY_BASE_DELAY = "200ms"
BASE_DELAY_FLAG = "rate-limiter-base-delay"  # Karmada's shared rate-limiter flag (pkg/sharedcli/ratelimiterflag)


def rate_limiter_flags() -> list[str]:
    """The flags that set it (both processes take Karmada's shared rate-limiter flags)."""
    return [f"--{BASE_DELAY_FLAG}={WORK_RETRY_BASE_DELAY}"]
