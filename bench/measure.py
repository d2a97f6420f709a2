"""Run one command and measure its wall time, CPU time and peak memory over its whole process tree.

`cdk synth` is a tree: the node CLI starts the Python app (cdk.json "app"), and the Python app
starts its own node process (the jsii kernel that runs aws-cdk-lib). Three memory numbers:

- tree_peak_rss: the largest *sum* of VmRSS over every live process of the tree, sampled from
  /proc every `interval` seconds (0.05 s). This is the number to compare with the machine's
  memory. It is a lower bound of the true peak (a peak shorter than the interval can fall
  between samples), and RSS counts shared pages (libnode, libpython) once per process.
- sum_of_hwm: the sum over the tree's processes of each one's VmHWM (the kernel's own per-process
  RSS high-water mark, exact between samples, last value seen before the process exited). An
  upper bound: the per-process peaks need not coincide.
- largest_process: getrusage(RUSAGE_CHILDREN).ru_maxrss, the kernel's exact peak RSS of the
  single largest process in the tree. RUSAGE_CHILDREN is a maximum over the caller's whole
  life, so every measurement runs in a fresh helper process (`python -m bench.measure`) that
  makes itself a child subreaper (prctl PR_SET_CHILD_SUBREAPER): an orphaned grandchild is
  re-parented to the helper and reaped by it, so its usage is counted too.

CPU seconds (user + sys) come from the same RUSAGE_CHILDREN and cover the whole tree.

Usage: python -m bench.measure --out result.json -- cdk synth ...
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
PROC = Path("/proc")


@dataclass
class Measurement:
    """Time and memory of one measured command."""
    command: list[str]
    returncode: int
    wall_seconds: float
    cpu_seconds: float
    tree_peak_rss_kib: int
    sum_of_hwm_kib: int
    largest_process_kib: int
    processes: dict[str, int] = field(default_factory=dict)  # "<pid> <comm>" -> VmHWM KiB
    samples: int = 0
    stderr_tail: str = ""


def _status(pid: int) -> dict[str, str]:
    try:
        text = (PROC / str(pid) / "status").read_text()
    except OSError:
        return {}
    fields = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def _kib(value: str | None) -> int:
    return int(value.split()[0]) if value else 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _children_by_scan(pid: int) -> list[int]:
    # Fallback for kernels without /proc/<pid>/task/<tid>/children.
    kids = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(entry.name))
    return kids


def descendants(root: int) -> list[int]:
    own_children = PROC / str(os.getpid()) / "task" / str(os.getpid()) / "children"
    lister = _children if own_children.exists() else _children_by_scan
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        for child in lister(pid):
            if child not in out:
                out.append(child)
                todo.append(child)
    return out


class TreeSampler(threading.Thread):
    """Samples the RSS of every descendant of this process until stopped."""

    def __init__(self, interval: float) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.stop_event = threading.Event()
        self.peak = 0
        self.samples = 0
        self.hwm: dict[int, int] = {}
        self.names: dict[int, str] = {}

    def run(self) -> None:
        me = os.getpid()
        while not self.stop_event.is_set():
            total = 0
            for pid in descendants(me):
                status = _status(pid)
                if not status:
                    continue
                total += _kib(status.get("VmRSS"))
                # Keyed by pid: an exec (fork of python, exec of node) resets VmHWM, the max keeps the larger.
                self.hwm[pid] = max(self.hwm.get(pid, 0), _kib(status.get("VmHWM")))
                self.names[pid] = status.get("Name", "?")
            self.peak = max(self.peak, total)
            self.samples += 1
            self.stop_event.wait(self.interval)


def _become_subreaper() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: orphans are reaped by init and their usage is not counted


def measure(command: list[str], interval: float = 0.05, cwd: str | None = None,
            timeout: float | None = None) -> Measurement:
    """Run `command` in this process (call it in a fresh process: see the module docstring)."""
    _become_subreaper()
    sampler = TreeSampler(interval)
    sampler.start()
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, stderr = proc.communicate()
    wall = time.perf_counter() - started
    # Reap re-parented orphans (e.g. a jsii kernel outliving its parent) so RUSAGE_CHILDREN counts them.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            time.sleep(0.05)
    sampler.stop_event.set()
    sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Measurement(
        command=command,
        returncode=proc.returncode,
        wall_seconds=round(wall, 3),
        cpu_seconds=round(usage.ru_utime + usage.ru_stime, 2),
        tree_peak_rss_kib=sampler.peak,
        sum_of_hwm_kib=sum(sampler.hwm.values()),
        largest_process_kib=usage.ru_maxrss,  # KiB on Linux
        processes={f"{pid} {sampler.names[pid]}": kib for pid, kib in sampler.hwm.items()},
        samples=sampler.samples,
        stderr_tail=(stderr or "")[-4000:],
    )


def measure_in_fresh_process(command: list[str], out: Path, cwd: str | None = None,
                             timeout: float | None = None) -> Measurement:
    """Run `python -m bench.measure` so RUSAGE_CHILDREN starts from zero for this command."""
    helper = [sys.executable, "-m", "bench.measure", "--out", str(out)]
    if timeout:
        helper += ["--timeout", str(timeout)]
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    subprocess.run(helper + ["--", *command], cwd=cwd, env=env, check=True)
    return Measurement(**json.loads(out.read_text()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=None)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command after --")
    result = measure(command, interval=args.interval, timeout=args.timeout)
    args.out.write_text(json.dumps(asdict(result), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
