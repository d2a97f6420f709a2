"""The capacity benchmark's report: console table, docs/bench-karmada.json, the plot, the PERFORMANCE.md section."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from charts.retry_delay import BASE_DELAY_FLAG

from .configs import ABLATION_PREFIX, FAILOVER_GROUPS, FLAG_GROUPS

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = ROOT / "docs" / "bench-karmada.json"
PLOT = ROOT / "docs" / "bench-karmada.svg"
PUBLISHED_FLAGS = ROOT / "docs" / "bench-karmada-flags.json"  # `--ablation`: each tuned group on its own


def _steps(profile: dict[str, Any]) -> dict[tuple[int, int], dict[str, Any]]:
    return {(s["members"], s["total"]): s for s in profile["steps"]}


def _fmt(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:g}{unit}"


def _p99(step: dict[str, Any] | None, key: str) -> str:
    if not step or "skipped" in step:
        return "skipped"
    value = step[key]["p99"]
    if step["done"] < step["workloads"]:
        return f">{step['seconds']:.0f} ({step['done']}/{step['workloads']} done)"
    return _fmt(value)


def _ratio(ours: float | None, chart: float | None, *, higher_is_better: bool) -> str:
    if not ours or not chart:
        return "-"
    return f"{(ours / chart if higher_is_better else chart / ours):.1f}x"


def rows(result: dict[str, Any]) -> list[list[str]]:
    """One row per step: our profile and the chart's, side by side, and how many times better ours is."""
    by_name = {p["profile"]: _steps(p) for p in result["profiles"]}
    ours, chart = by_name.get("ours", {}), by_name.get("chart", {})
    out = []
    for m, w in [tuple(x) for x in result["plan"]]:
        o, c = ours.get((m, w)), chart.get((m, w))

        def num(step: dict[str, Any] | None, *path: str) -> float | None:
            if not step or "skipped" in step or step["done"] < step["workloads"]:
                return None
            value: Any = step
            for key in path:
                value = value[key]
            return value

        out.append([
            str(m), str(w), str(o["workloads"]) if o and "skipped" not in o else "-",
            _fmt(o["throughput"] if o and "skipped" not in o else None),
            _fmt(c["throughput"] if c and "skipped" not in c else None),
            _ratio(o["throughput"] if o and "skipped" not in o else None,
                   c["throughput"] if c and "skipped" not in c else None, higher_is_better=True),
            _fmt(num(o, "propagated", "p50")), _p99(o, "propagated"), _p99(c, "propagated"),
            _ratio(num(o, "propagated", "p99"), num(c, "propagated", "p99"), higher_is_better=False),
            _p99(o, "status"), _p99(c, "status"),
            " / ".join(_fmt((s or {}).get("cpu_seconds", {}).get("controller-manager")) for s in (o, c)),
            " / ".join(_fmt((s or {}).get("cpu_seconds", {}).get("scheduler")) for s in (o, c)),
            " / ".join(_fmt((s or {}).get("peak_rss_mib", {}).get("controller-manager")) for s in (o, c)),
            " / ".join(_fmt((s or {}).get("etcd_db_growth_mib")) for s in (o, c)),
        ])
    return out


HEADER = ["M", "W", "new", "wl/s ours", "wl/s chart", "ratio", "prop p50 ours", "prop p99 ours", "prop p99 chart",
          "ratio", "status p99 ours", "status p99 chart", "ctrl CPU s ours/chart", "sched CPU s ours/chart",
          "ctrl peak MiB ours/chart", "etcd db growth MiB ours/chart"]


def _table(header: list[str], body: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in body]


def _fleet(failover: dict[str, Any]) -> str:
    """Which fleet a failover ran on and how it settled first (results from before both were recorded: nothing)."""
    if "settled_seconds" not in failover:
        return ""
    settled = failover["settled_seconds"]
    state = (f"never settled within {_fmt(failover.get('deadline_seconds'), ' s')}, so the times include the "
             "steps' backlog" if settled is None else f"settled {_fmt(settled, ' s')} after the steps")
    return f" ({failover.get('members')} members, {state})"


def _moved_in_window(failover: dict[str, Any]) -> int | None:
    """Bindings moved within the window of a reschedule that did not finish in it (None: it finished, or no count)."""
    if failover["rescheduled_seconds"] is not None or failover.get("left") is None or not failover.get(
            "deadline_seconds"):
        return None
    return failover["bindings"] - failover["left"]


def _moved(failover: dict[str, Any]) -> str:
    """For a reschedule not done within its window: how many moved in it, and at what rate."""
    moved = _moved_in_window(failover)
    if moved is None:
        return ""
    return f" ({moved} of {failover['bindings']} moved, {moved / failover['deadline_seconds']:.1f} bindings/s)"


def console(result: dict[str, Any]) -> str:
    lines = ["", "make bench-karmada: ours vs the Karmada Helm chart's flags (times in s, wl = workloads)"]
    lines += _table(HEADER, rows(result))
    if result.get("ablation"):
        lines = ["", "make bench-karmada --ablation: ours, then ours with each tuned group set back to the chart's"]
        lines += _table(FLAG_HEADER, flag_rows(result))
    for profile in result["profiles"]:
        f = profile["failover"]
        failed_over = "no failover" if f is None else (
            f"failover of {f['member']}{_fleet(f)}, {f['bindings']} bindings: rescheduled "
            f"{_fmt(f['rescheduled_seconds'], ' s')}{_moved(f)}, removed {_fmt(f['removed_seconds'], ' s')}, back "
            f"{_fmt(f['restored_seconds'], ' s')}")
        lines.append(f"{profile['profile']}: {failed_over}; reconfigured in {profile['configure_seconds']:.0f} s, "
                     f"workloads removed in {_fmt(profile['cleanup_seconds'], ' s')}")
    lines.append(f"bring-up {result['bring_up_seconds']:.0f} s; whole run: {result['bench_seconds'] / 60:.1f} min")
    return "\n".join(lines)


def plot_svg(result: dict[str, Any]) -> str:
    """Propagation latency percentiles against W (log scale), one line per profile and percentile, per M."""
    width, height, left, bottom, top, right = 760, 380, 70, 50, 30, 200
    series = []
    colours = {"ours": "#1f77b4", "chart": "#d62728"}
    dashes = {"p50": "", "p95": "6,3", "p99": "2,3"}
    for profile in result["profiles"]:
        by_m: dict[int, list[dict[str, Any]]] = {}
        for step in profile["steps"]:
            if "skipped" not in step and step["done"] == step["workloads"]:
                by_m.setdefault(step["members"], []).append(step)
        for m, steps in sorted(by_m.items()):
            for pct in ("p50", "p95", "p99"):
                pts = [(s["total"], s["propagated"][pct]) for s in steps if s["propagated"][pct] is not None]
                if pts:
                    series.append((f"{profile['profile']} M={m} {pct}", colours[profile["profile"]], dashes[pct], pts))
    xs = [x for *_, pts in series for x, _ in pts] or [1]
    ys = [y for *_, pts in series for _, y in pts] or [1]
    import math
    x_lo, x_hi = math.log10(min(xs)) - 0.1, math.log10(max(xs)) + 0.1
    y_hi = max(ys) * 1.1 or 1

    def px(x: float) -> float:
        return left + (math.log10(x) - x_lo) / ((x_hi - x_lo) or 1) * (width - left - right)

    def py(y: float) -> float:
        return height - bottom - y / y_hi * (height - bottom - top)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
           'font-size="11">', f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="18" font-size="13">Propagation latency (apply to every member holds it) against '
           'workloads held</text>',
           f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="black"/>',
           f'<text x="{(width - right + left) / 2}" y="{height - 12}" text-anchor="middle">W (log scale)</text>',
           f'<text x="16" y="{(height - bottom + top) / 2}" transform="rotate(-90 16 {(height - bottom + top) / 2})" '
           'text-anchor="middle">seconds</text>']
    for x in sorted(set(xs)):
        out.append(f'<text x="{px(x):.1f}" y="{height - bottom + 15}" text-anchor="middle">{x}</text>')
    for i in range(6):
        y = y_hi * i / 5
        out.append(f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.0f}</text>')
        out.append(f'<line x1="{left}" y1="{py(y):.1f}" x2="{width - right}" y2="{py(y):.1f}" stroke="#eee"/>')
    for i, (label, colour, dash, pts) in enumerate(series):
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}" '
                   f'points="{path}"/>')
        out += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="{colour}"/>' for x, y in pts]
        ly = top + 14 * i
        out.append(f'<line x1="{width - right + 10}" y1="{ly}" x2="{width - right + 40}" y2="{ly}" stroke="{colour}" '
                   f'stroke-dasharray="{dash}" stroke-width="1.5"/>')
        out.append(f'<text x="{width - right + 45}" y="{ly + 4}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _scheduler_load(load: dict[str, Any] | None, seconds: float) -> str:
    if not load or not load["attempts"]:
        return ""
    return (f"; scheduler: {load['attempts']} attempts ({load['bindings_added']} new bindings, "
            f"{load['bindings_updated']} scheduled again after a spec change), "
            f"{load['busy_seconds'] / load['attempts'] * 1000:.0f} ms each, its one worker busy "
            f"{load['busy_seconds'] / seconds:.2f} of the step")


def _where_the_time_went(result: dict[str, Any]) -> list[str]:
    """Per measured step, the cores each component kept busy: which one the run was bound by."""
    lines = []
    for profile in result["profiles"]:
        for step in profile["steps"]:
            cpu, seconds = step.get("cpu_seconds"), step.get("seconds")
            if not cpu or not seconds:
                continue
            busy = ", ".join(f"{name} {used / seconds:.2f}" for name, used in sorted(cpu.items(), key=lambda i: -i[1]))
            lines.append(f"- {profile['profile']}, M={step['members']} W={step['total']}: cores busy over the step: "
                         f"{busy}{_scheduler_load(step.get('scheduler'), seconds)}.")
    if not lines:
        return []
    return ["Where the time went (CPU seconds over the step's seconds; the machine has "
            f"{result['machine']['cpus']} cores, shared with the members' stand-ins and the benchmark itself):",
            "", *lines, ""]


BEFORE = "## Budget and noise"  # the capacity section comes right before it (bench/report.py render)


FLAG_HEADER = ["profile", "M", "W", "wl/s", "wl/s ours", "prop p99", "prop p99 ours", "status p99",
               "status p99 ours", "failover: rescheduled s", "ours"]


def flag_rows(result: dict[str, Any]) -> list[list[str]]:
    """`--ablation`: each profile's steps beside ours (same M and W), and the failover where it was timed."""
    profiles = {p["profile"]: p for p in result["profiles"]}
    ours = profiles.get("ours")
    ours_steps = _steps(ours) if ours else {}
    out = []
    for name, profile in profiles.items():
        if name == "ours":
            continue
        for key, step in _steps(profile).items():
            if "skipped" in step:
                continue
            o = ours_steps.get(key)
            done = o if o and "skipped" not in o else None
            f, fo = profile["failover"], (ours or {}).get("failover")
            out.append([name, str(key[0]), str(key[1]), _fmt(step["throughput"]),
                        _fmt(done["throughput"] if done else None), _p99(step, "propagated"), _p99(o, "propagated"),
                        _p99(step, "status"), _p99(o, "status"),
                        _rescheduled(f), _rescheduled(fo)])
    return out


def _rescheduled(failover: dict[str, Any] | None) -> str:
    """The failover's reschedule time, or how many moved in a window it did not finish in."""
    if not failover:
        return "not timed"
    moved = _moved_in_window(failover)
    if moved is None:
        return _fmt(failover["rescheduled_seconds"])
    return f">{failover['deadline_seconds']:.0f} ({moved}/{failover['bindings']} moved)"


def ablated_groups(run: dict[str, Any]) -> set[str]:
    """The flag groups an `--ablation` run set back."""
    return {p["profile"].removeprefix(ABLATION_PREFIX) for p in run["profiles"]
            if p["profile"].startswith(ABLATION_PREFIX)}


def _flag_section(runs: list[dict[str, Any]]) -> list[str]:
    if not runs:
        return []
    out = ["### Each tuned flag group on its own (`make bench-karmada BENCH_KARMADA_ARGS=--ablation`)", "",
           "Ours, then ours with one group set back to the chart's value, each in the same invocation. A group earns "
           "its place where its row is slower than ours by more than ours-again (ours once more, run last) differs "
           "from ours: that difference is how far the machine drifted over the run. The failover is timed for ours "
           f"and for {', '.join(f'`{g}`' for g in FAILOVER_GROUPS)} only (no other group acts on it). Each run "
           "below is the newest of its groups.", ""]
    for run in runs:
        done = ablated_groups(run)
        groups = ", ".join(f"`{name}` ({', '.join(f'--{flag}' for _, flag in members)})"
                           for name, members in FLAG_GROUPS.items() if name in done)
        out += [f"On {run['members']} members, whole run {run['bench_seconds'] / 60:.1f} min; the groups: {groups}.",
                "", *_table(FLAG_HEADER, flag_rows(run)), ""]
    return out


def section(result: dict[str, Any] | None, flag_runs: Sequence[dict[str, Any]] = ()) -> list[str]:
    """The capacity section of docs/PERFORMANCE.md (empty list before the first `make bench-karmada`).

    ``flag_runs``: the published `--ablation` runs, each as its own table.
    """
    if not result:
        return []
    mach = result["machine"]
    out = ["## Control-plane capacity (`make bench-karmada`)", "",
           f"Measured on the local control plane (`make local`: the rendered control plane from the pinned binaries) "
           f"with {result['members']} simulated Push members (lean stand-ins: API server, etcd and the controllers "
           f"whose work Karmada reads back, `LOCAL_MEMBERS=lean`), on {mach['cpus']} x {mach['cpu_model']}, "
           f"{mach['memory_gib']} GiB; whole run {result['bench_seconds'] / 60:.1f} min. Each workload is a "
           "Deployment (0 replicas), a Service and a ConfigMap, sent by one PropagationPolicy per series to the "
           "series' first M members (Duplicated). W is what the series holds after the step; 'new' the workloads "
           "the step created. Propagation: from the first create to every member holding all three objects; "
           "status: until every member's Deployment status is back in the ResourceBinding. Ratios: ours over the "
           "chart's (throughput) and the chart's over ours (P99), so above 1x means ours is better. CPU seconds and "
           "peak memory are over the step.", ""]
    out += _table(HEADER, rows(result))
    out += ["", "![propagation latency against W](bench-karmada.svg)", ""]
    out += _where_the_time_went(result)
    out += ["Failover at scale (one member tainted NoExecute, as Karmada's failover does, on the fleet the steps "
            "before the largest member count built, once every workload there was done: the times are the failover's, "
            "not a backlog of the steps; every series holds the member):", ""]
    for profile in result["profiles"]:
        f = profile["failover"]
        if f is None:
            continue
        # An unfinished wait says how long it had: the run's budget sets that, not the profile.
        window = (f"(not within {f['deadline_seconds']:.0f} s)" if f.get("deadline_seconds")
                  else "(not within the time the run left it)")

        def took(seconds: float | None, window: str = window) -> str:
            return window if seconds is None else f"in {_fmt(seconds, ' s')}"

        out.append(f"- {profile['profile']}{_fleet(f)}: {f['bindings']} bindings off {f['member']}: rescheduled "
                   f"{took(f['rescheduled_seconds'])}{_moved(f)}, the member emptied {took(f['removed_seconds'])}, "
                   f"back after the taint went {took(f['restored_seconds'])}.")
    delay = result["flags"].get("controller_manager", {}).get(BASE_DELAY_FLAG)
    if delay:
        out += ["", f"The eviction's pace is not --resource-eviction-rate alone: each of the taint manager's 3 "
                    f"eviction workers waits the longest of 1 / that rate, --{BASE_DELAY_FLAG} (ours {delay['ours']}, "
                    f"the chart's {delay['chart']}) and the rate limiter's bucket after every eviction (v1.18.2 "
                    "pkg/controllers/cluster/eviction_worker.go). A delay longer than 1 / the rate paces the "
                    "failover instead (5 s held it to about 0.6 bindings/s), so ours stays at or below it and the "
                    "work healer clears what a short delay leaves failed after a restart (charts/retry_delay.py); "
                    "the flag-by-flag table below has the same failover with Karmada's delay."]
    out += ["", "The flags that differ (ours for up to 10 members: charts/karmada/sizing.py; the chart's read from "
                "the pinned Karmada module at run time):", ""]
    flag_rows = [[c, f"--{flag}", v["ours"], v["chart"], v["chart_source"]]
                 for c, flags in result["flags"].items() for flag, v in flags.items()]
    out += _table(["component", "flag", "ours", "chart", "chart value from"], flag_rows)
    out += ["",
                "What a 2-core machine cannot show: here the three etcd members, karmada-apiserver, both controller "
                "managers, the scheduler and every member's API server share two cores, so once the client-side "
                "limits are lifted the numbers are CPU-bound, and the latencies include waiting for a core. The "
                "chart's limits are per client and per second (40 requests/s, burst 60, towards the Karmada API and "
                "towards each member), so its throughput is capped by them on any machine: on the default parent node"
                " group (three m6i.large, 2 vCPUs each, components spread over them) the chart's columns stay where "
                "they are and ours rise with the cores until karmada-apiserver's in-flight limits (1500 reads, 500 "
                "writes) or etcd bind. One bound is the same for both profiles: karmada-scheduler runs one worker in "
                "v1.18.2 (no flag adds more) and schedules a binding up to twice (on creation, and again on the spec "
                "change its first result makes, unless both events wait in its queue at once: Duplicated placements "
                "and non-workloads are always rescheduled), each"
                " attempt waiting on one or two writes to the Karmada API; the scheduler lines above (where a run "
                "read them) give its "
                "attempts, their mean time and how busy its worker was. Where that worker is busy all step long, a "
                "step can go no faster than 1 / (attempts per workload x mean attempt time), whatever the flags; at "
                "the few milliseconds a write takes on dedicated nodes the same worker does tens of times more, and "
                "then the scheduler's own client limit binds: about 1.5 writes per attempt and 3 bindings per "
                "workload make the chart's 40 requests/s about 4 workloads/s, ours (100 to 400 by profile) 11 to 44 "
                "(the 1.5: 900 writes for 600 attempts in one run of M=2, W=100). W of 1000 and more needs about 11 "
                "minutes per profile at the ceiling measured here (plus as long again to remove them), which a "
                "30-minute run of both profiles cannot hold: `--budget-minutes 90 --step-minutes 15 --plan "
                "2:100,2:1000` measures it on a machine given the time. Karmada's published scale test (100 "
                "clusters, resource-distribution P99 "
                "about 1.3 s in Push mode) ran on dedicated nodes; the P99 here, with every workload created at once,"
                " measures the backlog a burst builds, not a single object's path.",
            "", "Rerun: `make bench-karmada` (root; about 30 min on 2 cores; `BENCH_KARMADA_ARGS=\"--plan 2:100 "
                "--members 2 --no-publish\"` for a quick look).", ""]
    return out + _flag_section(list(flag_runs))


def load_published(path: Path | None = None) -> dict[str, Any] | None:
    path = path or PUBLISHED  # read when called, so that a test's PUBLISHED applies
    return json.loads(path.read_text()) if path.exists() else None


def published_section() -> list[str]:
    """The capacity section from what is published: the main run and the flag-by-flag runs."""
    return section(load_published(), (load_published(PUBLISHED_FLAGS) or {}).get("runs", []))


def publish(result: dict[str, Any]) -> None:
    if result.get("ablation"):
        # A run of some groups replaces the published runs of any of them and keeps the others' evidence.
        runs = [run for run in (load_published(PUBLISHED_FLAGS) or {}).get("runs", [])
                if not ablated_groups(run) & ablated_groups(result)]
        PUBLISHED_FLAGS.write_text(json.dumps({"runs": [*runs, result]}, indent=1) + "\n")
    else:
        PUBLISHED.write_text(json.dumps(result, indent=1) + "\n")
        PLOT.write_text(plot_svg(result))
    # `make bench` renders the whole file from both benchmarks' full results; docs/bench.json is compacted, so
    # here only this section is replaced (or put where `make bench` puts it).
    performance = ROOT / "docs" / "PERFORMANCE.md"
    if performance.exists():
        performance.write_text(splice(performance.read_text(), published_section()))


def splice(text: str, lines: list[str]) -> str:
    """``text`` with the capacity section replaced by ``lines``, or inserted before the budget section."""
    heading = lines[0]
    document = text.split("\n")
    if heading in document:
        start = document.index(heading)
        end = next((i for i in range(start + 1, len(document)) if document[i].startswith("## ")), len(document))
    else:
        start = end = next((i for i, line in enumerate(document) if line == BEFORE), len(document))
    return "\n".join(document[:start] + lines + document[end:])
