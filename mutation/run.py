"""Mutation testing of the core modules with mutmut (docs/mutation.md).

Each module is mutated in a copy of the project under ``.mutation/<module>/`` and its mutants are run
against the module's focused tests only (mutation/targets.py). The score is killed / (all - equivalent):
a mutant listed in mutation/equivalent.yaml changes no behaviour, so it is left out of the count.
Timed-out mutants count as killed (the tests noticed). Mutants no focused test reaches count as survivors.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from mutation.targets import TARGETS, Target

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
EQUIVALENT_FILE = Path(__file__).resolve().parent / "equivalent.yaml"
# Every top-level package of the app: all of them go into mutants/ so no import falls back to an
# installed copy of the project.
PACKAGES = ("eks_karmada", "karmada_constructs", "stacks", "charts", "functions", "workloads", "bench")
KILLED = {"killed", "timeout", "segfault", "caught by type check"}


class MutationError(Exception):
    """The mutation run could not be set up or read."""


@dataclass(frozen=True)
class Mutant:
    """One mutant as mutmut reports it: its name and its status (killed, survived, ...)."""

    name: str
    status: str
    function: str = ""
    line: int = 0
    removed: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    diff: str = ""
    lines: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Equivalent:
    """An entry of mutation/equivalent.yaml: a surviving mutant that changes no behaviour, and why."""

    module: str
    function: str
    before: str
    after: str
    reason: str

    def matches(self, module: str, mutant: Mutant) -> bool:
        return (
            module == self.module
            and mutant.function == self.function
            and _squash(mutant.removed) == _squash((self.before,))
            and _squash(mutant.added) == _squash((self.after,))
        )


@dataclass
class Result:
    """What one target's run found: its mutants, the score and how long it took."""

    target: Target
    mutants: list[Mutant]
    seconds: float
    complete: bool
    equivalent: list[Mutant] = field(default_factory=list)
    logging_only: list[Mutant] = field(default_factory=list)

    @property
    def counted(self) -> list[Mutant]:
        return [m for m in self.mutants if m not in self.equivalent and m not in self.logging_only]

    @property
    def killed(self) -> int:
        return sum(m.status in KILLED for m in self.counted)

    @property
    def survivors(self) -> list[Mutant]:
        return [m for m in self.counted if m.status not in KILLED]

    @property
    def score(self) -> float:
        return 100.0 * self.killed / len(self.counted) if self.counted else 100.0

    @property
    def passed(self) -> bool:
        return self.complete and self.score >= self.target.minimum


def _squash(lines: tuple[str, ...]) -> str:
    return " ".join(" ".join(line.split()) for line in lines)


def load_equivalents(path: Path = EQUIVALENT_FILE) -> list[Equivalent]:
    """The mutants that change no behaviour, each with the reason why."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    out = []
    for index, entry in enumerate(entries):
        missing = {"module", "function", "before", "after", "reason"} - set(entry)
        if missing or not str(entry.get("reason", "")).strip():
            raise MutationError(f"{path.name}[{index}]: needs module, function, before, after and a reason")
        out.append(Equivalent(**{k: str(entry[k]) for k in ("module", "function", "before", "after", "reason")}))
    return out


def _project_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    skipped = ("node_modules/", "mutants/", ".mutation/")
    return [f for f in listed if f and not f.startswith(skipped) and (ROOT / f).is_file()]


def _mutmut_config(target: Target, isolation: str) -> str:
    tests = ", ".join(f'"{t}"' for t in target.tests)
    also = sorted({f.split("/", 1)[0] for f in _project_files()} - set(PACKAGES) - {"tests", "pyproject.toml"})
    return f"""

[tool.mutmut]
source_paths = [{", ".join(f'"{p}"' for p in PACKAGES)}]
only_mutate = ["{target.module}"]
also_copy = [{", ".join(f'"{p}"' for p in also)}]
pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:xdist"]
pytest_add_cli_args_test_selection = [{tests}]
timeout_multiplier = 5.0
timeout_constant = 3.0
use_git_change_detection = false
process_isolation = "{isolation}"
forkserver_warmup = "none"
"""


def prepare(target: Target, isolation: str) -> Path:
    """A fresh copy of the project for ``target``, with its mutmut configuration."""
    work = WORK / target.slug
    shutil.rmtree(work, ignore_errors=True)
    for name in _project_files():
        dest = work / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, dest)
    with (work / "pyproject.toml").open("a", encoding="utf-8") as handle:
        handle.write(_mutmut_config(target, isolation))
    return work


def _mutmut() -> str:
    return str(Path(sys.executable).parent / "mutmut")


def _function_lines(source: str) -> dict[str, tuple[int, int]]:
    """Mutmut's mangled function name ('x_f', 'xǁCǁm') -> first and last line of its ``def``."""
    lines: dict[str, tuple[int, int]] = {}
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines[f"x_{node.name}"] = (node.lineno, node.end_lineno or node.lineno)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines[f"xǁ{node.name}ǁ{item.name}"] = (item.lineno, item.end_lineno or item.lineno)
    return lines


LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical"}


def logging_lines(source: str) -> set[int]:
    """Lines of the calls like ``logger.info(...)``: a mutant confined to them changes only what is logged."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in LOG_METHODS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"logger", "log", "logging"}
        ):
            lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return lines


def _parse_diff(mutant: Mutant, diff: str, def_lines: dict[str, tuple[int, int]], source: list[str]) -> Mutant:
    mangled = mutant.name.rsplit(".", 1)[-1].rsplit("__mutmut_", 1)[0]
    function = mangled.removeprefix("x_") if mangled.startswith("x_") else mangled[1:].replace("ǁ", ".").strip(".")
    first, last = def_lines.get(mangled, (1, len(source)))
    removed, added, changed, offset = [], [], [], 0
    block: int | None = None

    def locate(text: str, guess: int) -> int:
        """The line of ``text`` in the function's span nearest to ``guess`` (the hunk offsets drift by one)."""
        found = [n for n in range(first, last + 1) if n <= len(source) and source[n - 1].strip() == text]
        return min(found, key=lambda n: abs(n - guess)) if found else guess

    for raw in diff.splitlines():
        hunk = re.match(r"^@@ -(\d+)", raw)
        if hunk:
            offset = int(hunk.group(1))
            continue
        if raw.startswith(("---", "+++")) or not offset:
            continue
        here = first + offset - 1
        if raw.startswith("-"):
            removed.append(raw[1:].strip())
            here = locate(raw[1:].strip(), here)
            changed.append(here)
            block = block if block is not None else here
        elif raw.startswith("+"):
            # An added line takes the place of the removed block it follows.
            added.append(raw[1:].strip())
            changed.append(block if block is not None else here)
        else:
            block = None
        if not raw.startswith("+"):
            offset += 1
    body = "\n".join(raw for raw in diff.splitlines()
                     if raw.startswith(("-", "+", " ")) and not raw.startswith(("---", "+++")))
    line = changed[0] if changed else 0
    return Mutant(mutant.name, mutant.status, function, line, tuple(removed), tuple(added), body, frozenset(changed))


def read_results(work: Path, target: Target) -> list[Mutant]:
    listed = subprocess.run(
        [_mutmut(), "results", "--all", "true"], cwd=work, capture_output=True, text=True, check=False
    )
    mutants = []
    for raw in listed.stdout.splitlines():
        name, _, status = raw.strip().rpartition(": ")
        if name:
            mutants.append(Mutant(name, status))
    source = (work / target.module).read_text(encoding="utf-8")
    def_lines = _function_lines(source)
    unkilled = [m.name for m in mutants]
    diffs: dict[str, str] = {}
    if unkilled:
        shown = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("_diffs.py"))],
            cwd=work, input="\n".join(unkilled), capture_output=True, text=True, check=False,
        )
        if shown.returncode != 0:
            raise MutationError(f"{target.module}: cannot read the mutants' diffs: {shown.stderr.strip()[-500:]}")
        diffs = json.loads(shown.stdout)
    out = [_parse_diff(m, diffs.get(m.name, ""), def_lines, source.splitlines()) for m in mutants]
    return out


def run_target(target: Target, *, max_children: int, timeout: float, isolation: str, log,
               resume: bool = False) -> Result:
    """Mutate ``target`` and run its focused tests against every mutant, for at most ``timeout`` seconds.

    ``resume``: go on in the work directory of a run that was cut off; mutmut tests only the mutants that have
    no result yet (the code and tests must not have changed since).
    """
    work = WORK / target.slug if resume and (WORK / target.slug / "mutants").is_dir() else prepare(target, isolation)
    start = time.monotonic()
    complete = True
    with (work / "mutmut.log").open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            [_mutmut(), "run", "--max-children", str(max_children)],
            cwd=work, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            complete = False
            log(f"  {target.module}: stopped after the module timeout of {timeout:.0f}s")
        else:
            if code != 0:
                tail = (work / "mutmut.log").read_text(encoding="utf-8", errors="replace")[-2000:]
                raise MutationError(f"{target.module}: mutmut run failed (exit {code}); see {work}/mutmut.log\n{tail}")
    seconds = time.monotonic() - start
    mutants = read_results(work, target)
    if not mutants:
        raise MutationError(f"{target.module}: mutmut produced no mutants; see {work}/mutmut.log")
    if any(m.status == "not checked" for m in mutants):
        complete = False
    return Result(target, mutants, seconds, complete)


def apply_equivalents(result: Result, equivalents: list[Equivalent]) -> list[Equivalent]:
    """Mark the listed survivors as equivalent; return the entries of this module that matched none."""
    logged = logging_lines((ROOT / result.target.module).read_text(encoding="utf-8"))
    result.logging_only = [m for m in result.mutants if m.lines and m.lines <= logged]
    mine = [e for e in equivalents if e.module == result.target.module]
    used = set()
    for mutant in result.mutants:
        if mutant.status in KILLED or mutant in result.logging_only:
            continue
        for index, entry in enumerate(mine):
            if entry.matches(result.target.module, mutant):
                result.equivalent.append(mutant)
                used.add(index)
                break
    return [e for i, e in enumerate(mine) if i not in used]


def report(results: list[Result], stale: list[Equivalent], log) -> None:
    for result in results:
        if not result.survivors:
            continue
        log(f"\nSurviving mutants of {result.target.module}:")
        for mutant in sorted(result.survivors, key=lambda m: (m.line, m.name)):
            log(f"  {result.target.module}:{mutant.line} [{mutant.status}] {mutant.name}")
            for raw in mutant.diff.splitlines():
                if raw.startswith(("-", "+")):
                    log(f"      {raw}")
    for entry in stale:
        log(f"\nnote: equivalent entry matches no surviving mutant: {entry.module} {entry.function}: "
            f"{entry.before!r} -> {entry.after!r}")
    log("\n| module | mutants | logging only | equivalent | killed | survived | score | minimum | time |")
    log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        flag = "" if r.complete else " (incomplete)"
        log(
            f"| {r.target.module} | {len(r.mutants)} | {len(r.logging_only)} | {len(r.equivalent)} | {r.killed} "
            f"| {len(r.survivors)} "
            f"| {r.score:.1f}%{flag} | {r.target.minimum:.0f}% | {r.seconds:.0f}s |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mutation", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--only", action="append", default=[],
                        help="a module path from mutation/targets.py (repeatable)")
    parser.add_argument("--tests", nargs="+", help="override the focused tests (with exactly one --only)")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2, help="mutants run in parallel")
    parser.add_argument("--module-timeout", type=float,
                        help="seconds per module before it is cut off (default: the target's, mutation/targets.py)")
    parser.add_argument(
        "--isolation", choices=("fork", "forkserver"), default="fork",
        help="forkserver starts every mutant from a fresh interpreter (for tests that are not fork-safe)",
    )
    parser.add_argument("--report-only", action="store_true", help="read the last run's results again, run nothing")
    parser.add_argument("--resume", action="store_true", help="go on with a run that was cut off (code unchanged)")
    args = parser.parse_args(argv)

    known = {t.module: t for t in TARGETS}
    unknown = [m for m in args.only if m not in known]
    if unknown:
        parser.error(f"unknown module {unknown[0]!r}; use one of {', '.join(known)}")
    targets = [known[m] for m in args.only] if args.only else list(TARGETS)
    if args.tests:
        if len(targets) != 1:
            parser.error("--tests needs exactly one --only")
        targets = [dataclasses.replace(targets[0], tests=tuple(args.tests))]

    log = print
    try:
        equivalents = load_equivalents()
        results, stale = [], []
        for target in targets:
            log(f"mutating {target.module} against {' '.join(target.tests)} ...", flush=True)
            if args.report_only:
                mutants = read_results(WORK / target.slug, target)
                result = Result(target, mutants, 0.0, all(m.status != "not checked" for m in mutants))
            else:
                result = run_target(
                    target, max_children=args.max_children, timeout=args.module_timeout or target.timeout,
                    isolation=args.isolation,
                    log=log, resume=args.resume,
                )
            stale += apply_equivalents(result, equivalents)
            results.append(result)
            log(f"  {result.score:.1f}% ({result.killed} of {len(result.counted)} killed) in {result.seconds:.0f}s",
                flush=True)
    except MutationError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    report(results, stale, log)
    failing = [r.target.module for r in results if not r.passed]
    if failing:
        log(f"\nbelow target or incomplete: {', '.join(failing)}")
        return 1
    return 0
