"""docs/policies.md shows exactly what the code renders, and every Python example on it runs and is valid.

Every ```python block is one of: an example that must fail (followed by the ```text of its error), the selectors
the presets use, a preset call (followed by <!-- example: NAME --> and the YAML it renders), or the "add your own"
module. Each runs; what it builds is checked against config/default.yaml by the workload validator, so an example
naming a cluster that is not a member, a namespace nobody creates or a selector that selects nothing fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import cdk8s
import yaml

import charts.policies
from charts.policies import PolicyError
from charts.policies.examples import MEMBER_EAST, MEMBER_WEST, PRESET_EXAMPLES, render_yaml
from charts.policies.sample import SampleWorkloadChart
from eks_karmada.config import load_config
from eks_karmada.workload_checks import WorkloadManifest, workload_problems
from eks_karmada.workload_sources import checked_charts
from workloads import WORKLOADS

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


def python_blocks() -> list[tuple[str, str]]:
    """(code, what follows it up to the next block) for every ```python block."""
    return re.findall(r"```python\n(.*?)```\n(.*?)(?=```python|\Z)", DOC, re.DOTALL)


def _web_app_objects() -> tuple[dict, ...]:
    """What the preset examples select: the Deployment and Service `web` in `default`."""
    return tuple({"apiVersion": api, "kind": kind, "metadata": {"name": "web", "namespace": "default"}}
                 for api, kind in (("apps/v1", "Deployment"), ("v1", "Service")))


def test_every_python_example_runs_and_is_valid_against_the_default_config() -> None:
    members = [member.name for member in load_config().members]
    names: dict[str, object] = {name: getattr(charts.policies, name) for name in charts.policies.__all__}
    names["presets"] = charts.policies.presets
    kinds = {"error": 0, "selectors": 0, "preset": 0, "module": 0}
    for code, after in python_blocks():
        if after.lstrip().startswith("```text"):
            expected = re.match(r"\s*```text\n(.*?)\n```", after, re.DOTALL).group(1)
            try:
                eval(code, dict(names))  # noqa: S307 - the documentation's own example
            except PolicyError as err:
                assert f"{type(err).__module__}.{type(err).__name__}: {err}" == expected
            else:
                raise AssertionError(f"docs/policies.md: this example should fail as documented:\n{code}")
            kinds["error"] += 1
        elif code.startswith("_WEB_APP = "):
            exec(code, names)  # noqa: S102
            kinds["selectors"] += 1
        elif marker := re.match(r"\s*<!-- example: ([a-z-]+) -->\n```yaml\n(.*?)```", after, re.DOTALL):
            built = eval(code, dict(names))  # noqa: S307
            policies = list(built) if isinstance(built, tuple | list) else [built]
            assert render_yaml(policies) == marker.group(2), marker.group(1)
            rendered = tuple(policy.to_manifest() for policy in policies)
            manifests = [WorkloadManifest(f"example {marker.group(1)}", _web_app_objects() + rendered)]
            assert workload_problems(manifests, members) == [], marker.group(1)
            kinds["preset"] += 1
        elif "\nWORKLOADS = [" in code:
            kinds["module"] += 1
        else:
            raise AssertionError(f"docs/policies.md: a ```python block this test does not run; mark it:\n{code}")
    assert kinds == {"error": 1, "selectors": 1, "preset": len(PRESET_EXAMPLES), "module": 1}


def _add_your_own_module() -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(fenced_block("add-your-own", "python"), "docs/policies.md", "exec"), namespace)  # noqa: S102
    return namespace


def test_add_your_own_module_builds_valid_workloads_next_to_the_sample() -> None:
    config = load_config()
    module = _add_your_own_module()
    charts_built = checked_charts(cdk8s.App(), config, [*WORKLOADS, *module["WORKLOADS"]])  # raises on any problem
    shop = next(chart for chart in charts_built if chart.node.id == "shop")
    kinds = [manifest["kind"] for manifest in shop.to_json()]
    assert kinds == ["Namespace", "ClusterPropagationPolicy", "Deployment", "PropagationPolicy", "OverridePolicy",
                     "OverridePolicy"]
    placed = {name for manifest in shop.to_json() if manifest["kind"] == "PropagationPolicy"
              for name in manifest["spec"]["placement"]["clusterAffinity"]["clusterNames"]}
    assert placed == {member.name for member in config.members}
