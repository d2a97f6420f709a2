"""PolicyChart and add_policy put exactly the rendered policies into cdk8s charts."""

from __future__ import annotations

import cdk8s
from cdk8s import ApiObject, ApiObjectMetadata, Chart

from charts.policies import PolicyChart, ResourceSelector, add_policy, presets

WEB = [ResourceSelector(api_version="apps/v1", kind="Deployment", name="web")]


def test_policy_chart_synthesizes_each_policy_as_rendered() -> None:
    policies = [
        presets.active_active("web", resource_selectors=WEB, namespace="shop"),
        *presets.cluster_failover_taint_policies(),
    ]
    chart = PolicyChart(cdk8s.Testing.app(), "policies", policies=policies)
    assert cdk8s.Testing.synth(chart) == [policy.to_manifest() for policy in policies]


def test_add_policy_mixes_policies_with_your_own_objects() -> None:
    chart = Chart(cdk8s.Testing.app(), "mine")
    ApiObject(chart, "config", api_version="v1", kind="ConfigMap", metadata=ApiObjectMetadata(name="web"))
    policy = presets.dynamic_split("web", resource_selectors=WEB)
    api_object = add_policy(chart, policy)
    assert api_object.kind == "PropagationPolicy"
    assert [m["kind"] for m in cdk8s.Testing.synth(chart)] == ["ConfigMap", "PropagationPolicy"]
    assert cdk8s.Testing.synth(chart)[1] == policy.to_manifest()
