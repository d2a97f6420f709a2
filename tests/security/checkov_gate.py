"""Run checkov over a synth output and hold its findings against scan/checkov-skips.yaml.

checkov lives in its own venv (.venv-scan): its dependency pins clash with the
app's. Used by tests/security/test_checkov.py and, for people, by

    .venv/bin/python -m tests.security.checkov_gate cdk.out

which prints the counts and every unexpected finding and exits 1 if there is one.
"""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SCAN_VENV = ROOT / ".venv-scan"
CHECKOV = SCAN_VENV / "bin" / "checkov"
SKIPS_FILE = ROOT / "scan" / "checkov-skips.yaml"
FRAMEWORKS = ("cloudformation", "kubernetes")
STATUSES = {"accepted", "false-positive", "not-applicable", "proposed-fix"}
TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class Finding:
    framework: str
    check_id: str
    check_name: str
    resource: str
    file: str

    def __str__(self) -> str:
        return f"{self.check_id} {self.resource} ({self.file}): {self.check_name}"


@dataclass(frozen=True)
class Skip:
    check: str
    resources: tuple[str, ...]
    reason: str
    status: str
    files: tuple[str, ...] = ()
    fix: str = ""

    def matches(self, finding: Finding) -> bool:
        return (
            finding.check_id == self.check
            and any(fnmatch.fnmatchcase(finding.resource, p) for p in self.resources)
            and (not self.files or any(fnmatch.fnmatchcase(finding.file, p) for p in self.files))
        )

    def label(self) -> str:
        return f"{self.check} [{', '.join(self.resources)}]"


def load_skips(path: Path = SKIPS_FILE) -> list[Skip]:
    """The skip list; raises ValueError on an entry without a specific reason (or fix, when proposed)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    skips = []
    for index, entry in enumerate(data.get("skips", [])):
        unknown = set(entry) - {"check", "resources", "files", "reason", "status", "fix"}
        where = f"{path.name} skips[{index}] ({entry.get('check')})"
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        skip = Skip(
            check=str(entry.get("check", "")),
            resources=tuple(entry.get("resources") or ()),
            files=tuple(entry.get("files") or ()),
            reason=" ".join(str(entry.get("reason", "")).split()),
            status=str(entry.get("status", "")),
            fix=" ".join(str(entry.get("fix", "")).split()),
        )
        if not skip.check.startswith("CKV") or not skip.resources:
            raise ValueError(f"{where}: needs a check id and at least one resource pattern")
        if "*" == "".join(skip.resources):
            raise ValueError(f"{where}: a bare '*' skips the check everywhere; name the resources")
        if skip.status not in STATUSES:
            raise ValueError(f"{where}: status must be one of {sorted(STATUSES)}")
        if len(skip.reason) < 60 or " " not in skip.reason:
            raise ValueError(f"{where}: the reason must say specifically why ({skip.reason!r})")
        if skip.status == "proposed-fix" and len(skip.fix) < 40:
            raise ValueError(f"{where}: a proposed-fix entry must describe the fix")
        skips.append(skip)
    return skips


def scan_targets(outdir: Path) -> list[Path]:
    """Every synthesized template and every rendered manifest of a cloud assembly directory."""
    return sorted(outdir.glob("*.template.json")) + sorted((outdir / "manifests").glob("*.yaml"))


@dataclass
class Scan:
    """What one checkov run reported, per framework."""

    passed: Counter = field(default_factory=Counter)
    failed: list[Finding] = field(default_factory=list)
    parsing_errors: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def run_checkov(outdir: Path, checkov: Path = CHECKOV) -> Scan:
    """One checkov run per file, merged: a template is one stack and a manifest one cluster.

    checkov's graph checks pair resources across every file of a run: a NetworkPolicy with an
    empty podSelector in the parent's karmada-system would "cover" the sample's pods in the
    Karmada API (CKV2_K8S_6), which live in another cluster. Separate runs keep each check to
    what can actually reach each other.
    """
    targets = scan_targets(outdir)
    if not targets:
        raise FileNotFoundError(f"no templates or manifests under {outdir}")
    scan = Scan(files=[str(t.relative_to(outdir)) for t in targets])
    with tempfile.TemporaryDirectory(prefix="checkov-home-") as home, ThreadPoolExecutor(max_workers=4) as pool:
        for reports in pool.map(lambda target: _checkov_file(outdir, target, checkov, home), targets):
            for report in reports:
                framework = report["check_type"]
                summary = report["summary"]
                scan.passed[framework] += summary["passed"]
                if summary.get("parsing_errors"):
                    scan.parsing_errors += [f"{framework}: {p}" for p in report["results"].get("parsing_errors", [])]
                for failed in report["results"]["failed_checks"]:
                    scan.failed.append(
                        Finding(framework, failed["check_id"], failed["check_name"], failed["resource"],
                                Path(failed["file_path"]).name)
                    )
    return scan


def _checkov_file(outdir: Path, target: Path, checkov: Path, home: str) -> list[dict]:
    framework = "kubernetes" if target.suffix == ".yaml" else "cloudformation"
    command = [
        str(checkov), "-f", str(target.relative_to(outdir)),
        "--framework", framework,
        "-o", "json", "--compact", "--quiet",
        # Offline: no Prisma Cloud look-ups (guidelines, severities, suppressions).
        "--skip-download",
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=outdir, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
        # Its own HOME keeps its caches out of outdir.
        env={"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "LOG_LEVEL": "WARNING"},
    )  # fmt: skip
    # 0: nothing failed, 1: some check failed; anything else is checkov itself failing.
    if done.returncode not in (0, 1):
        raise RuntimeError(f"checkov exited {done.returncode} on {target.name}: {done.stderr[-4000:]}")
    reports = json.loads(done.stdout) if done.stdout.strip() else []
    reports = reports if isinstance(reports, list) else [reports]
    # A file with no resources checkov knows (e.g. only custom resources) yields a bare summary.
    return [r for r in reports if "check_type" in r]


@dataclass
class Verdict:
    suppressed: list[tuple[Finding, Skip]]
    unexpected: list[Finding]
    used: set[int]

    @classmethod
    def of(cls, scans: list[Scan], skips: list[Skip]) -> Verdict:
        suppressed, unexpected, used = [], [], set()
        for scan in scans:
            for finding in scan.failed:
                index = next((i for i, s in enumerate(skips) if s.matches(finding)), None)
                if index is None:
                    unexpected.append(finding)
                else:
                    used.add(index)
                    suppressed.append((finding, skips[index]))
        return cls(suppressed, unexpected, used)


def summary_lines(scans: list[Scan], verdict: Verdict) -> list[str]:
    lines = []
    for framework in FRAMEWORKS:
        passed = sum(s.passed[framework] for s in scans)
        failed = [f for s in scans for f in s.failed if f.framework == framework]
        suppressed = [f for f, _ in verdict.suppressed if f.framework == framework]
        lines.append(
            f"checkov {framework}: {passed + len(failed)} checks run, {passed} passed, {len(failed)} failed, "
            f"{len(suppressed)} suppressed by scan/checkov-skips.yaml, {len(failed) - len(suppressed)} unexpected"
        )
    by_check = Counter(f"{skip.check} ({skip.status})" for _, skip in verdict.suppressed)
    lines += [f"  suppressed {name}: {count}" for name, count in sorted(by_check.items())]
    lines += [f"  UNEXPECTED {finding}" for finding in verdict.unexpected]
    return lines


def main(argv: list[str] | None = None) -> int:
    dirs = [Path(a) for a in (argv if argv is not None else sys.argv[1:])] or [ROOT / "cdk.out"]
    if not CHECKOV.exists():
        print(f"checkov is not installed in {SCAN_VENV} (make scan-setup)", file=sys.stderr)
        return 2
    skips = load_skips()
    scans = [run_checkov(d) for d in dirs]
    verdict = Verdict.of(scans, skips)
    print("\n".join(summary_lines(scans, verdict)))
    return 1 if verdict.unexpected or any(s.parsing_errors for s in scans) else 0


if __name__ == "__main__":
    sys.exit(main())
