"""checkov over every synthesized template and rendered manifest, held against scan/checkov-skips.yaml.

checkov runs from its own venv (.venv-scan; its pins clash with the app's), as a
subprocess, over a fresh synth of the default config and of the etcd backup on
its own (until the parent stack composes it, the default synth does not hold it).
"""

from __future__ import annotations

import pytest

from tests.backup.stack import synthesize_backup
from tests.security.checkov_gate import CHECKOV, FRAMEWORKS, SKIPS_FILE, Verdict, load_skips, run_checkov, summary_lines

needs_checkov = pytest.mark.skipif(
    not CHECKOV.exists(),
    reason=f"checkov is not installed in {CHECKOV.parent.parent.name}: run `make scan-setup` "
    "(python3 -m venv .venv-scan && .venv-scan/bin/pip install -r scan/requirements-checkov.txt)",
)


@pytest.fixture(scope="module")
def skips():
    return load_skips()


@pytest.fixture(scope="module")
def scans(synthesized, tmp_path_factory):
    backup = synthesize_backup(tmp_path_factory.mktemp("backup-cdk.out"))
    return [run_checkov(synthesized.outdir), run_checkov(backup.outdir)]


@pytest.fixture(scope="module")
def verdict(scans, skips):
    verdict = Verdict.of(scans, skips)
    print("\n" + "\n".join(summary_lines(scans, verdict)))
    return verdict


def test_skip_list_gives_each_skip_a_specific_reason(skips):
    # load_skips raises on an entry without a specific reason, status, or (proposed-fix) fix.
    assert skips, f"{SKIPS_FILE} should list the accepted findings"
    assert len({(s.check, s.resources, s.files) for s in skips}) == len(skips), "duplicate entries"


@needs_checkov
def test_checkov_scanned_every_template_and_manifest(scans, synthesized):
    default = scans[0]
    assert sorted(f for f in default.files if f.endswith(".template.json")) == sorted(
        f"{name}.template.json" for name in synthesized.templates
    )
    assert {f"manifests/{t}.yaml" for t in synthesized.manifests} <= set(default.files)
    assert default.parsing_errors == [] and scans[1].parsing_errors == []
    for framework in FRAMEWORKS:
        assert default.passed[framework] > 100, f"checkov ran almost no {framework} checks"


@needs_checkov
def test_no_failed_check_outside_the_skip_list(verdict):
    assert verdict.unexpected == [], "new checkov findings (fix them, or add a specific skip):\n" + "\n".join(
        map(str, verdict.unexpected)
    )


@needs_checkov
def test_every_skip_still_matches_a_finding(verdict, skips):
    stale = [skips[i].label() for i in range(len(skips)) if i not in verdict.used]
    assert stale == [], f"remove these from {SKIPS_FILE.name}, nothing fails them any more: {stale}"
