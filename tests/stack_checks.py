"""Reading a synthesized app's stacks, and cfn-lint, cdk-nag and checkov over a family of them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from cfnlint.api import ManualArgs, lint

from tests.security.checkov_gate import Verdict, load_skips, run_checkov
from tests.test_scanners import CFN_LINT_ACCEPTED_WARNINGS


def resources(template: dict, kind: str) -> dict[str, dict[str, Any]]:
    """Logical id -> resource, for the resources of ``kind`` in a template."""
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def stack_dependencies(app: Any) -> dict[str, set[str]]:
    """Each stack of the assembly -> the stacks it depends on (manifest.json)."""
    manifest = json.loads((Path(app.outdir) / "manifest.json").read_text())
    stacks = {k: v for k, v in manifest["artifacts"].items() if v["type"] == "aws:cloudformation:stack"}
    return {k: {d for d in v.get("dependencies", []) if d in stacks} for k, v in stacks.items()}


def lookup_call(template: dict, logical_id: str) -> dict:
    """The SDK call of a deploy-time look-up (an AwsCustomResource), by its logical id."""
    return json.loads(template["Resources"][logical_id]["Properties"]["Create"])


def stacks_named(app: Any, prefix: str) -> list[str]:
    return [name for name in app.templates if name.startswith(prefix)]


def cfn_lint_problems(app: Any, prefix: str) -> dict[str, list[str]]:
    """Each stack whose name starts with ``prefix`` -> cfn-lint's errors and unaccepted warnings, in its region."""
    out: dict[str, list[str]] = {}
    for name in stacks_named(app, prefix):
        region = app.stack(name).region
        matches = lint(json.dumps(app.templates[name]), regions=[region], config=ManualArgs(regions=[region]))
        out[name] = [f"{m.rule.id} {m.message}" for m in matches
                     if not m.rule.id.startswith("I") and m.rule.id not in CFN_LINT_ACCEPTED_WARNINGS]
    return out


def nag_violations(app: Any) -> list[tuple[str, list[str]]]:
    """cdk-nag's unacknowledged findings in the app's validation report (rule, construct paths)."""
    report = json.loads((Path(app.outdir) / "validation-report.json").read_text())
    return [(v["ruleName"], [r["constructPath"] for r in v["violatingResources"]])
            for plugin in report["pluginReports"] for v in plugin.get("violations", [])]


def checkov_unexpected(app: Any, prefix: str, folder: Path) -> list[str]:
    """Checkov over the templates of the stacks named ``prefix``*: what load_skips() does not explain."""
    names = stacks_named(app, prefix)
    for name in names:
        shutil.copy(Path(app.outdir) / f"{name}.template.json", folder)
    scan = run_checkov(folder)
    assert sorted(scan.files) == sorted(f"{n}.template.json" for n in names)
    assert scan.parsing_errors == [] and scan.passed["cloudformation"] > 0
    return [str(finding) for finding in Verdict.of([scan], load_skips()).unexpected]
