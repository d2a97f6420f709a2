"""Our code calls no deprecated aws-cdk-lib API: the app synthesizes with jsii's deprecation warnings as errors.

jsii reports a deprecated API only when it is called across the language boundary, that is from our Python
code (aws-cdk-lib's and cdk-nag's own internal calls are never reported), so whatever this catches is ours.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

# Every member kind and sync mode, so every stack kind's code path runs.
EVERY_KIND = {
    "api_endpoint": {"scheme": "internet-facing", "allowed_cidrs": ["203.0.113.0/24"]},
    "members": [
        {"name": "fresh", "region": "us-east-1"},
        {"name": "pulled", "region": "us-west-2", "sync_mode": "Pull"},
        {"name": "prod", "kind": "existing", "region": "us-west-2", "cluster_name": "prod-eks"},
        {"name": "onprem", "kind": "external", "sync_mode": "Pull"},
    ],
}


def _synth(code: str, tmp_path: Path, config: Path | None = None) -> subprocess.CompletedProcess:
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    env = {**os.environ, "JSII_DEPRECATED": "fail", "CDK_OUTDIR": str(tmp_path / "cdk.out"),
           "CDK_CONTEXT_JSON": json.dumps(context)}
    if config:
        env["CONFIG"] = str(config)
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900)


def test_the_app_uses_no_deprecated_api(tmp_path):
    config = tmp_path / "every-kind.yaml"
    config.write_text(yaml.safe_dump(EVERY_KIND))
    result = _synth("import sys, app; sys.exit(app.main())", tmp_path, config)
    deprecated = [line for line in result.stderr.splitlines() if "deprecated" in line.lower()]
    assert deprecated == [], "\n".join(deprecated)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "cdk.out" / "KarmadaMember-prod.template.json").exists()


def test_a_deprecated_call_would_fail_this_synth(tmp_path):
    """The control: the same settings turn Stack.add_dependency (deprecated) into an error."""
    code = ("from eks_karmada.bundled_node import use_bundled_node; use_bundled_node()\n"
            "from aws_cdk import App, Stack\n"
            "app = App(); a = Stack(app, 'A'); b = Stack(app, 'B'); b.add_dependency(a)\n")
    result = _synth(code, tmp_path)
    assert result.returncode != 0
    assert "aws-cdk-lib.Stack#addDependency is deprecated" in result.stderr
