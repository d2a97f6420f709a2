"""`make bench-karmada`: the control plane's capacity, our sizing profile against the Karmada Helm chart's flags.

`make local` once with `--members` Push members (bench/karmada/configs.py); for each profile (ours, then the
chart's): `make local` with the profile's config (which restarts only the reconfigured components), then the steps
of the plan, each in its series (a namespace whose policy sends every workload to the series'
first M members): workloads are created up to the step's W and timed until every member holds them and their
status is back (bench/karmada/series.py); the controller-manager's, scheduler's, apiserver's and etcd's CPU
seconds and peak memory over the step, and etcd's database size after it. Before the first step of the plan's
largest member count (a fleet that 2 cores can still settle), once its series are settled, one member is tainted
(failover at scale) and untainted. At the end the profile's workloads are deleted until no API server holds them,
so the next profile starts from an empty fleet. At the end, `make local-down`.

Bounded: each profile gets its share of `--budget-minutes` after the bring-up; a step gets what is left of it
(at most `--step-minutes`), a step that cannot start in time is reported as skipped, and the profiles run
the same plan in the same invocation so that their numbers share the machine's state. Writes
.bench/karmada.json; with --publish (default) docs/bench-karmada.json, docs/bench-karmada.svg and the capacity
section of docs/PERFORMANCE.md. `--ablation` runs ours, then, instead of the chart's, ours with each tuned flag
group set back to the chart's values on its own, then ours again (the machine's drift over the run):
.bench/karmada-flags.json, docs/bench-karmada-flags.json and its table in the same section.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from local_control_plane import binaries
from local_control_plane.access import ClusterAccess
from local_control_plane.environment import Environment

from . import configs
from .chart_defaults import ChartDefaultsError, chart_defaults
from .observe import ProcessSampler, SchedulerCounters
from .series import FailoverResult, Series, failover

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".bench" / "karmada"
COMPONENTS = {  # reported name -> the local kubelet's pod id
    "controller-manager": "parent.karmada-system.karmada-controller-manager-0",
    "scheduler": "parent.karmada-system.karmada-scheduler-0",
    "apiserver": "parent.karmada-system.karmada-apiserver-0",
    "etcd": "parent.karmada-system.etcd-0",
}
# The rendered karmada-scheduler serves its metrics on --metrics-bind-address=:8080, here on its pod's address.
SCHEDULER_METRICS = "http://{address}:8080/metrics"
ETCD_DB = ROOT / ".local/data/volumes/parent/karmada-system/data-etcd-0/data/member/snap/db"
CLEANUP_SECONDS = 180.0  # deleting a profile's workloads; a profile that leaves more is reported (None)
CONFIGURE_SECONDS = 75.0  # `make local` with a profile's config (39 to 69 s measured with 10 members)
# The shortest wait a failover gets when the steps before it left less: what moved in it still gives the rate. Its
# three waits at this floor are kept out of the steps' time, so that the floor does not overrun the budget.
FAILOVER_FLOOR_SECONDS = 15.0
TEARDOWN_SECONDS = 45.0  # the final `make local-down` (about 20 s with 10 members) and writing the report
DEFAULT_PLAN = "2:100,5:100,10:100,2:1000,5:1000,10:1000,2:5000"


def log(message: str) -> None:
    print(message, flush=True)


def parse_plan(text: str, members: int) -> list[tuple[int, int]]:
    """``"2:100,2:1000"`` -> [(2, 100), (2, 1000)]: (members of the series, workloads it holds after the step)."""
    plan = []
    for item in text.split(","):
        m, _, w = item.partition(":")
        if not (m.isdigit() and w.isdigit()) or not 1 <= int(m) <= members or int(w) < 1:
            raise SystemExit(f"error: --plan: '{item}' is not M:W with 1 <= M <= --members ({members}) and W >= 1; "
                             "write it like 2:100,2:1000")
        plan.append((int(m), int(w)))
    for m in {m for m, _ in plan}:
        ws = [w for mm, w in plan if mm == m]
        if ws != sorted(ws) or len(set(ws)) != len(ws):
            raise SystemExit(f"error: --plan: the steps of M={m} must grow (W is what the series holds after the "
                             f"step): {', '.join(map(str, ws))}")
    return plan


def make(*args: str) -> float:
    started = time.monotonic()
    done = subprocess.run(["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise SystemExit(f"error: make {' '.join(args)} failed:\n{tail}")
    return round(time.monotonic() - started, 1)


def run_profile(name: str, config_path: Path, plan: list[tuple[int, int]], budget: float, step_cap: float,
                failover_cap: float | None) -> dict[str, Any]:
    """One profile on the running control plane: `make local` with its config restarts only what changed.

    ``failover_cap`` None: no failover at scale (a flag group that does not act on it).
    """
    log(f"[{name}] make local ({config_path.name})")
    configured = make("local", f"LOCAL_CONFIG={config_path}")
    log(f"[{name}] control plane configured in {configured:.0f} s")
    env = Environment(binaries=binaries.ensure(lambda _m: None))
    karmada = env.access("karmada")
    members = {m: env.access(m) for m in env.member_names}
    ordered = configs.member_names(len(members))
    ends_at = time.monotonic() + budget
    # etcd's file does not shrink when objects go (no defragmentation here): report what each profile adds.
    db_at_start = ETCD_DB.stat().st_size
    series: dict[int, Series] = {}
    steps: list[dict[str, Any]] = []
    fail: FailoverResult | None = None
    largest = max(m for m, _ in plan)
    # The failover runs on the fleet the smaller member counts built (where every profile can settle in its share),
    # before the largest count's steps, which get what it leaves; with one member count, after its steps (the
    # profile's budget keeps room for it then).
    failover_before = next((i for i, (m, _) in enumerate(plan) if m == largest and i > 0), None)
    timed = failover_cap is not None
    try:
        for index, (m, w) in enumerate(plan):
            if index == failover_before and timed and series:
                # Its three waits stay within what the profile has left.
                cap = min(failover_cap or 0, max(FAILOVER_FLOOR_SECONDS, (ends_at - time.monotonic()) / 3))
                fail = time_failover(name, series, karmada, ordered[0], cap)
            left = ends_at - time.monotonic()
            if left < 30:
                steps.append({"members": m, "total": w, "skipped": "profile budget spent"})
                log(f"[{name}] M={m} W={w}: skipped (budget spent)")
                continue
            if m not in series:
                series[m] = Series(f"{name}-m{m}", karmada, {n: members[n] for n in ordered[:m]})
            first = max((st["total"] for st in steps if st.get("members") == m and "skipped" not in st), default=0)
            sampler = ProcessSampler(env.layout.run / "status", COMPONENTS)
            scheduler = SchedulerCounters(SCHEDULER_METRICS.format(
                address=env.network.address(COMPONENTS["scheduler"])))
            sampler.start()
            result = series[m].step(first, w, min(left, step_cap))
            usage = sampler.stop()
            steps.append(asdict(result) | {"cpu_seconds": usage.cpu_seconds, "peak_rss_mib": usage.peak_rss_mib,
                                           "scheduler": asdict(scheduler.since_start()),
                                           "etcd_db_growth_mib": round((ETCD_DB.stat().st_size - db_at_start) / 2**20,
                                                                       1)})
            log(f"[{name}] M={m} W={w}: {result.done}/{result.workloads} in {result.seconds:.0f} s, "
                f"{result.throughput:.1f}/s, propagated p50/p99 {result.propagated['p50']}/"
                f"{result.propagated['p99']} s, status p99 {result.status['p99']} s")
        if failover_before is None and timed and series:
            fail = time_failover(name, series, karmada, ordered[0], failover_cap or 0)
    finally:
        for s in series.values():
            s.stop()
    # The next profile starts from an empty fleet: its numbers must not include this one's backlog.
    cleaned = remove_series(karmada, members, [s.name for s in series.values()], timeout=CLEANUP_SECONDS)
    log(f"[{name}] workloads removed from the Karmada API and every member in {cleaned} s")
    return {"profile": name, "configure_seconds": configured, "steps": steps,
            "failover": asdict(fail) if fail else None,
            "cleanup_seconds": cleaned}


def steps_budget(share: float, failover_cap: float, *, one_count: bool, timed: bool) -> float:
    """What a profile's steps get of its share, at least a minute.

    Not the reconfiguring, the cleanup, nor what its failover may take beyond the steps: all its cap after the steps
    of a single member count; its floor when it comes before the largest count (it gets what the steps left).
    """
    failover = 3 * (failover_cap if one_count else FAILOVER_FLOOR_SECONDS) if timed else 0
    return max(60.0, share - CONFIGURE_SECONDS - failover - CLEANUP_SECONDS)


def time_failover(name: str, series: dict[int, Series], karmada: ClusterAccess, member: str,
                  cap: float) -> FailoverResult:
    held = sum(s.holding(member) for s in series.values())
    log(f"[{name}] failover: waiting for {len(series)} series to settle, then tainting {member} ({held} bindings)")
    fail = failover(list(series.values()), karmada, member, cap)
    log(f"[{name}] failover: settled in {fail.settled_seconds} s; rescheduled in {fail.rescheduled_seconds} s, "
        f"removed in {fail.removed_seconds} s, back in {fail.restored_seconds} s")
    return fail


def remove_series(karmada: ClusterAccess, members: dict[str, ClusterAccess], names: list[str],
                  timeout: float) -> float | None:
    """Deletes the series' namespaces in the Karmada API; returns the seconds until no API server holds them."""
    started = time.monotonic()
    client = karmada.client("eks-karmada/bench")
    namespaces = client.resource_for("v1", "Namespace")
    for name in names:
        client.delete(namespaces, name)
    clients = [client] + [a.client("eks-karmada/bench") for a in members.values()]
    while time.monotonic() < started + timeout:
        if all(c.get(namespaces, n) is None for c in clients for n in names):
            return round(time.monotonic() - started, 1)
        time.sleep(2)
    return None


def machine() -> dict[str, Any]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_gib": round(memory / 2**20, 1),
            "kernel": platform.release(), "load_before": os.getloadavg()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench-karmada", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10, help="simulated members brought up (default 10)")
    parser.add_argument("--plan", default=DEFAULT_PLAN, help=f"steps M:W in order (default {DEFAULT_PLAN})")
    parser.add_argument("--budget-minutes", type=float, default=30, help="the whole run, every profile (default 30)")
    parser.add_argument("--step-minutes", type=float, default=6, help="at most this long per step (default 6)")
    parser.add_argument("--groups", default="",
                        help=f"with --ablation: the groups to set back, comma-separated (default all: "
                             f"{','.join(configs.FLAG_GROUPS)})")
    parser.add_argument("--ablation", action="store_true",
                        help="instead of the chart's profile, ours with each tuned group set back to the chart's "
                             "values on its own (the flag-by-flag evidence; docs/bench-karmada-flags.json)")
    parser.add_argument("--publish", action=argparse.BooleanOptionalAction, default=True,
                        help="write docs/bench-karmada.json, the plot and docs/PERFORMANCE.md (default on)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("error: make bench-karmada runs the local control plane, which needs root; run it as root")
    if not 2 <= args.members <= 20:
        raise SystemExit(f"error: --members: {args.members} is outside 2..20; a 2-core machine holds about 10")
    plan = parse_plan(args.plan, args.members)
    groups = [g.strip() for g in args.groups.split(",")] if args.groups else None
    unknown = [g for g in groups or [] if g not in configs.FLAG_GROUPS]
    if unknown or (groups and not args.ablation):
        raise SystemExit(f"error: --groups: {', '.join(unknown) or args.groups} "
                         f"{'is not a group' if unknown else 'needs --ablation'}; "
                         f"use --ablation with some of {', '.join(configs.FLAG_GROUPS)}")
    profiles = configs.profile_names(args.ablation, groups)

    started = time.monotonic()
    # Members as API server, etcd and the controllers whose work Karmada reads back (local_control_plane/clusters.py):
    # in EKS their control planes run elsewhere; here they would share the two cores with the Karmada measured.
    # `make local` (through the environment) and this process's Environment both read it.
    os.environ["LOCAL_MEMBERS"] = "lean"
    module = binaries.module_source("karmada", "github.com/karmada-io/karmada")
    tuned = configs.tuned_flags(args.members)
    try:
        defaults = chart_defaults(module, {c: list(flags) for c, flags in tuned.items()})
    except ChartDefaultsError as err:
        raise SystemExit(f"error: reading the chart's defaults from {module}: {err}") from None
    result: dict[str, Any] = {
        "machine": machine(), "members": args.members, "plan": plan, "ablation": args.ablation,
        "flags": {c: {flag: {"ours": tuned[c][flag], "chart": d.value, "chart_source": d.source}
                      for flag, d in flags.items()} for c, flags in defaults.items()},
        "profiles": [],
    }
    paths = {name: configs.write_config(WORK / f"{name}.yaml", configs.bench_config(
        args.members, configs.chart_flags_of(name, defaults))) for name in profiles}
    log(f"bringing up the local control plane with {args.members} members")
    make("local-down")
    try:
        result["bring_up_seconds"] = make("local", f"LOCAL_CONFIG={paths[profiles[0]]}")
        log(f"up in {result['bring_up_seconds']:.0f} s")
        # Each profile's share of what is left pays for reconfiguring and the cleanup; the steps and the failover
        # (three waits of at most a cap each: to settle, the eviction's two both counting from the taint, the return
        # from its removal) get the rest. With one member count in the plan the failover comes after the steps, which
        # then leave room for it; before the largest count, it gets what the steps left, and at least its floor.
        share = (args.budget_minutes * 60 - (time.monotonic() - started) - TEARDOWN_SECONDS) / len(profiles)
        failover_cap = min(240.0, share / 8)
        one_count = len({m for m, _ in plan}) == 1
        for name in profiles:
            # The flag-by-flag runs time the failover where it can differ from ours.
            measured = not args.ablation or name == "ours" or name.removeprefix(
                configs.ABLATION_PREFIX) in configs.FAILOVER_GROUPS
            steps = steps_budget(share, failover_cap, one_count=one_count, timed=measured)
            result["profiles"].append(run_profile(name, paths[name], plan, steps, args.step_minutes * 60,
                                                  failover_cap=failover_cap if measured else None))
    finally:
        make("local-down")
    result["bench_seconds"] = round(time.monotonic() - started, 1)
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK.parent / ("karmada-flags.json" if args.ablation else "karmada.json")).write_text(
        json.dumps(result, indent=1))
    from . import report
    log(report.console(result))
    if args.publish:
        report.publish(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
