"""`make bench` / `python -m bench.run`: synth the app at N = 1, 2, 10, 50, 100 members and report.

For each N: a config built with the config model (bench/configs.py); `cdk synth --quiet -c
config=<file> -o <fresh outdir>` run `--runs` times (default 3) through bench/measure.py (wall
time, CPU time, peak memory of the whole process tree); then, on the last run's cloud assembly:
per-stack resources, template bytes, outputs, parameters, Lambda functions and custom
resources; the modelled deploy critical path (bench/critical_path.py); the control-plane sizing
from the rendered manifests (bench/sizing.py). Finally the checks (bench/checks.py), bench.json
and docs/PERFORMANCE.md (bench/report.py).

Runs are interleaved (round 1 of every N, then round 2, ...) so a burst of load from something
else on the machine spreads over the sizes instead of skewing one of them.

Outputs:
- `--json` (default .bench/bench.json, git-ignored): everything measured, for tooling;
- with `--publish` (the default; `--no-publish` for experiments): docs/PERFORMANCE.md and a copy
  of the JSON at docs/bench.json, committed so a PR that changes how the app scales shows the
  new numbers next to the code.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench import checks as checks_mod
from bench import estimates
from bench.assembly import load_assembly, summarize
from bench.configs import DEFAULT_SIZES, build_config, check_unique, write_config
from bench.critical_path import FLOOR_TOLERANCE, PARENT_BEFORE, model_app, parent_floor
from bench.measure import measure_in_fresh_process
from bench.report import render, stack_groups, summary_lines
from bench.sizing import describe, workloads

ROOT = Path(__file__).resolve().parent.parent


def bench_environment() -> None:
    """What the Makefile exports, so `python -m bench.run` behaves the same outside make."""
    venv_bin = str(Path(sys.executable).parent)
    node_bin = str(ROOT / "node_modules" / ".bin")
    os.environ["PATH"] = os.pathsep.join([venv_bin, node_bin, os.environ.get("PATH", "")])
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    os.environ.setdefault("CDK_DISABLE_CLI_TELEMETRY", "true")


def _version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=ROOT)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "unknown"


def _dirty() -> bool:
    """Whether the work tree differs from HEAD (read-only git query)."""
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
                             timeout=60, cwd=ROOT)
        return bool(out.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return False


def _package_version(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "cpu_model": cpu,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": _version(["node", "--version"]),
        "cdk_cli": _version(["cdk", "--version"]),
        "aws_cdk_lib": _package_version("aws-cdk-lib"),
        "cdk_nag": _package_version("cdk-nag"),
        "cdk8s": _package_version("cdk8s"),
        "git_commit": _version(["git", "rev-parse", "--short", "HEAD"]) + ("+uncommitted" if _dirty() else ""),
    }


def synth_command(config_path: Path, outdir: Path) -> list[str]:
    return ["cdk", "synth", "--quiet", "-c", f"config={config_path}", "-o", str(outdir)]


def _loadavg() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def analyze(outdir: Path, member_names: list[str], concurrencies: list[int]) -> dict[str, Any]:
    stacks = load_assembly(outdir)
    model = model_app(stacks, member_names, concurrencies)
    per_stack = {}
    for sid, info in stacks.items():
        entry = summarize(info)
        entry["model_minutes"] = round(model.stacks[sid].minutes, 2)
        entry["resource_path"] = [list(step) for step in model.stacks[sid].resource_path]
        per_stack[sid] = entry
    unestimated = sorted({r.type for s in stacks.values() for r in s.resources.values()
                          if not estimates.is_estimated(r.type)})
    parent = stacks.get("KarmadaParent")
    floor = parent_floor(parent) if parent else None
    parent_path = None
    if parent and floor:
        parent_path = {
            "minutes": round(model.stacks[parent.artifact_id].minutes, 2),
            "floor_minutes": round(floor.total, 2),
            "floor_parts": {k: round(v, 2) for k, v in floor.parts.items()},
            "ratio": round(model.stacks[parent.artifact_id].minutes / floor.total, 3),
            "target_ratio": 1 + FLOOR_TOLERANCE,
            "before": asdict(PARENT_BEFORE),
        }
    return {
        "stacks": per_stack,
        "totals": {
            "stacks": len(stacks),
            "resources": sum(s["resources"] for s in per_stack.values()),
            "template_bytes": sum(s["template_bytes"] for s in per_stack.values()),
            "lambda_functions": sum(s["lambda_functions"] for s in per_stack.values()),
            "custom_resources": sum(s["custom_resources"] for s in per_stack.values()),
        },
        "model": {
            "parallel_minutes": round(model.parallel.total, 2),
            "parallel_chain": model.parallel.chain,
            "limited_minutes": {str(k): round(s.total, 2) for k, s in model.limited.items()},
            "sequential_minutes": round(model.sequential_minutes, 2),
            "sequential_parts": {k: round(v, 2) for k, v in model.sequential_parts.items()},
            "virtual_joins": len(model.virtual_joins),
            "concurrency_needed": model.concurrency_needed,
            "unestimated_types": unestimated,
            "parent_floor": parent_path,
        },
        "sizing": workloads(outdir / "manifests" / "parent.yaml"),
    }


def compact(result: dict[str, Any]) -> dict[str, Any]:
    """The committed docs/bench.json: every number of PERFORMANCE.md, without the bulk.

    Member stacks are summarized per kind and shape (stack_groups) instead of one entry per
    stack; per-resource sizes (summarized in resource_growth), per-process memory and stderr
    tails are dropped; .bench/bench.json has everything.
    """
    out = json.loads(json.dumps(result, default=str))
    for entry in out["results"].values():
        for run in entry.get("runs", []):
            run.pop("processes", None)
            run.pop("stderr_tail", None)
            run.pop("command", None)
        if not entry.get("stacks"):
            continue
        chain = set(entry["model"]["parallel_chain"])
        groups = {}
        for kind, count, example in stack_groups(entry):
            groups.setdefault(kind, []).append(
                {"count": count, **{k: v for k, v in example.items() if k not in ("resource_path", "resource_bytes")}})
        entry["stack_groups"] = groups
        entry["stacks"] = {sid: {k: v for k, v in info.items() if k != "resource_bytes"} for sid,
                           info in entry["stacks"].items()
                           if sid in chain or not any(sid.endswith(f"-{m}") for m in entry["member_names"])}
        entry.pop("member_names", None)
        entry.pop("member_shapes", None)
    out["compact"] = "member stacks summarized in stack_groups; full detail in .bench/bench.json of the run"
    return out


def _probe_sizing_function(sizes: list[int]) -> dict[str, Any]:
    try:
        out = subprocess.run([sys.executable, "-m", "bench.sizing", *map(str, sizes)], capture_output=True, text=True,
                             timeout=300, cwd=ROOT)
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError) as err:
        return {"function": None, "by_members": {}, "error": str(err)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="member counts, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="synths per size (median reported)")
    parser.add_argument("--concurrency", default="8", help="--concurrency values to model besides unlimited")
    parser.add_argument("--workdir", type=Path, default=ROOT / ".bench", help="configs and cloud assemblies")
    parser.add_argument("--json", type=Path, default=ROOT / ".bench" / "bench.json", help="machine-readable result")
    parser.add_argument("--publish", action=argparse.BooleanOptionalAction, default=True,
                        help="write docs/PERFORMANCE.md and docs/bench.json")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per synth")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    concurrencies = [int(c) for c in args.concurrency.split(",") if c.strip()]

    started = time.perf_counter()
    bench_environment()
    machine = machine_info()
    workdir: Path = args.workdir.resolve()
    shutil.rmtree(workdir / "synth", ignore_errors=True)  # our scratch space: assemblies of the previous run
    print(f"bench: N = {sizes}, {args.runs} synths each, on {machine['nproc']} CPUs ({machine['cpu_model']})",
          flush=True)

    by_n: dict[int, dict[str, Any]] = {}
    for n in sizes:
        config = build_config(n)
        check_unique(config)
        path = write_config(config, workdir / "configs" / f"members-{n}.yaml")
        by_n[n] = {
            "members": n,
            "config": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path),
            "member_names": [m.name for m in config.members],
            "member_shapes": {m.name: f"{m.sync_mode.value}, {len(m.zones)} AZ" for m in config.members},
            "regions": dict(Counter(m.region for m in config.members)),
            "sync_modes": dict(Counter(m.sync_mode.value for m in config.members)),
            "runs": [],
            "error": None,
        }

    for round_index in range(args.runs):
        for n in sizes:
            entry = by_n[n]
            if entry["error"]:
                continue
            outdir = workdir / "synth" / f"members-{n}" / f"run-{round_index + 1}"
            shutil.rmtree(outdir, ignore_errors=True)
            outdir.parent.mkdir(parents=True, exist_ok=True)
            load = _loadavg()
            result = measure_in_fresh_process(synth_command(ROOT / entry["config"], outdir),
                                              outdir.parent / f"measure-{round_index + 1}.json", cwd=str(ROOT),
                                              timeout=args.timeout)
            run = asdict(result)
            run.update(outdir=str(outdir), loadavg_before=load)
            entry["runs"].append(run)
            status = "ok" if result.returncode == 0 else f"FAILED ({result.returncode})"
            print(f"  N={n:<4} run {round_index + 1}: {result.wall_seconds:6.1f} s wall, {result.cpu_seconds:6.1f} s "
                  "CPU, "
                  f"tree peak {result.tree_peak_rss_kib / 1024:6.0f} MiB  {status}", flush=True)
            if result.returncode != 0:
                entry["error"] = result.stderr_tail.strip().splitlines()[-1:] or ["synth failed"]

    for n in sizes:
        entry = by_n[n]
        good = [r for r in entry["runs"] if r["returncode"] == 0]
        if good:
            walls = [r["wall_seconds"] for r in good]
            entry["synth"] = {
                "median_seconds": round(statistics.median(walls), 2),
                "min_seconds": min(walls),
                "max_seconds": max(walls),
                "cpu_seconds_median": round(statistics.median(r["cpu_seconds"] for r in good), 2),
                "tree_peak_rss_mib": round(max(r["tree_peak_rss_kib"] for r in good) / 1024, 1),
                "sum_of_hwm_mib": round(max(r["sum_of_hwm_kib"] for r in good) / 1024, 1),
                "largest_process_mib": round(max(r["largest_process_kib"] for r in good) / 1024, 1),
                "runs": len(good),
            }
            last = Path(good[-1]["outdir"])
            entry.update(analyze(last, entry["member_names"], concurrencies))
            for r in good[:-1]:  # keep one assembly per size for inspection
                shutil.rmtree(r["outdir"], ignore_errors=True)
        else:
            entry["synth"] = {"median_seconds": None}

    measured = [n for n in sizes if by_n[n].get("sizing") is not None]
    sizing = {
        "probe": _probe_sizing_function([min(sizes), max(sizes)]),
        "at": max(measured) if measured else None,
        "verdict": describe(by_n[min(measured)]["sizing"], by_n[max(measured)]["sizing"]) if measured else "unknown",
    }
    if sizing["probe"].get("function") and sizing["verdict"] == "not yet sized by member count":
        sizing["verdict"] = (f"sizing function {sizing['probe']['function']} found, "
                             "but the rendered workloads do not change with N")

    elapsed = time.perf_counter() - started
    checks = checks_mod.run_all(by_n, elapsed, concurrencies)
    measured_n = {n: by_n[n] for n in sizes if by_n[n].get("stacks")}
    shared = checks_mod.shared_stacks(measured_n)
    growth = checks_mod.resource_growth(measured_n, shared)
    result = {
        "schema": 1,
        "machine": machine,
        "parameters": {"sizes": sizes, "runs": args.runs, "concurrency": concurrencies,
                       "stack_overhead_minutes": estimates.STACK_OVERHEAD.minutes,
                       "join_member_minutes": estimates.JOIN_MEMBER.minutes},
        "bench_seconds": round(elapsed, 1),
        "results": {str(n): by_n[n] for n in sizes},
        "sizing": sizing,
        "checks": [asdict(c) for c in checks],
        "resource_growth": growth[:15],
        "estimates": {t: asdict(e) for t, e in estimates.BY_TYPE.items()},
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1, default=str))
    written = [args.json]
    if args.publish:
        docs = ROOT / "docs"
        (docs / "bench.json").write_text(json.dumps(compact(result), indent=1, default=str))
        (docs / "PERFORMANCE.md").write_text(render(result))
        written += [docs / "bench.json", docs / "PERFORMANCE.md"]
    print()
    print("\n".join(summary_lines(result)))
    print("\nwrote " + ", ".join(str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
