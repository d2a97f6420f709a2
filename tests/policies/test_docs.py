"""docs/policies.md shows exactly what the code renders, and its "add your own" example runs."""

from __future__ import annotations

import re
from pathlib import Path

import cdk8s
import yaml

from charts.policies.examples import MEMBER_EAST, MEMBER_WEST, PRESET_EXAMPLES, render_yaml
from charts.policies.sample import SampleWorkloadChart

DOC = (Path(__file__).resolve().parents[2] / "docs" / "policies.md").read_text()


def fenced_block(marker: str, language: str) -> str:
    """The fenced code block right after ``<!-- marker -->``."""
    match = re.search(rf"<!-- {re.escape(marker)} -->\n```{language}\n(.*?)```", DOC, re.DOTALL)
    assert match, f"docs/policies.md has no ```{language} block after <!-- {marker} -->"
    return match.group(1)


def test_every_preset_example_yaml_matches_the_code() -> None:
    documented = set(re.findall(r"<!-- example: ([a-z-]+) -->", DOC))
    assert documented == set(PRESET_EXAMPLES)
    for name, build in PRESET_EXAMPLES.items():
        assert fenced_block(f"example: {name}", "yaml") == render_yaml(build()), name


def test_sample_yaml_matches_the_chart() -> None:
    chart = SampleWorkloadChart(cdk8s.Testing.app(), "sample", member_names=[MEMBER_WEST, MEMBER_EAST])
    assert fenced_block("sample", "yaml") == yaml.safe_dump_all(cdk8s.Testing.synth(chart), sort_keys=False)


def test_add_your_own_example_runs_and_synthesizes() -> None:
    namespace: dict[str, object] = {}
    exec(compile(fenced_block("add-your-own", "python"), "docs/policies.md", "exec"), namespace)  # noqa: S102
    kinds = [manifest["kind"] for manifest in cdk8s.Testing.synth(namespace["chart"])]
    assert kinds == ["Deployment", "PropagationPolicy", "OverridePolicy", "OverridePolicy"]
