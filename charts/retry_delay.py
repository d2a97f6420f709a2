"""The first retry delay of the Karmada processes that apply Works: karmada-controller-manager and karmada-agent.

Right after such a process starts, its execution controller reconciles every Work before the member's informer
exists (karmada-io/karmada#4065, open): the apply fails, the Work gets Applied=False, and the retry comes
``--rate-limiter-base-delay`` later (5 ms by default). The retry that succeeds writes Applied=True through a cached
read (v1.18.2 ``pkg/util/helper/status.go`` ``UpdateStatus``). Made within the cache's lag behind its own write, that
read still shows the Work as it was before the restart (Applied=True), so nothing is written, and the Work stays
Applied=False with the workload in place: the controller ignores status-only changes, so only a change of the Work
itself would correct it, and its binding stays not FullyApplied. A first retry later than the cache's lag reads its
own Applied=False and writes True. Restarts come with every upgrade or node replacement, and for
karmada-controller-manager whenever a Push member's token is renewed (functions/member_registration/push_tokens.py).

The cost: every other failed reconcile also waits this long before its first retry (then 2x, 4x ... as before), and
the failover at scale is slow. The taint manager's eviction worker paces itself with the same rate limiter (v1.18.2
``pkg/controllers/cluster/eviction_worker.go``): after each eviction each of its 3 workers waits the longest of
1 / ``--resource-eviction-rate``, this base delay and the shared bucket, so with 5 s it evicts 0.6 bindings/s
whatever the eviction rate says. `make bench-karmada --ablation --groups retry-delay` measured 0.47 bindings/s off a
tainted member against 10.8/s with Karmada's 5 ms (docs/PERFORMANCE.md). v1.18.2 has no flag that separates the two.
docs/troubleshooting.md says how to choose the other side.
"""

from __future__ import annotations

# Karmada's informers see a write within milliseconds on a healthy control plane. Right after a restart, while the new
# leader walks every object, make local saw the retry read a stale Work 55 ms and 180 ms after its own write, and a
# fresh-clone CI run more than 1 s after it (e2e/test_13i_*, with 1 s here). Per item the delay still doubles on each
# failure, so the wait after a long outage is about the outage's length whatever the base.
WORK_RETRY_BASE_DELAY = "5s"
BASE_DELAY_FLAG = "rate-limiter-base-delay"  # Karmada's shared rate-limiter flag (pkg/sharedcli/ratelimiterflag)


def rate_limiter_flags() -> list[str]:
    """The flags that set it (both processes take Karmada's shared rate-limiter flags)."""
    return [f"--{BASE_DELAY_FLAG}={WORK_RETRY_BASE_DELAY}"]
