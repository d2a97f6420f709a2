"""Each preset renders the expected objects (snapshots), passes validation, and guards its own pitfalls."""

from __future__ import annotations

import pytest

from charts.policies import PolicyError, ResourceSelector, presets, traffic
from charts.policies.examples import PRESET_EXAMPLES, render_yaml

WEB = [ResourceSelector(api_version="apps/v1", kind="Deployment", name="web")]


@pytest.mark.parametrize("example", sorted(PRESET_EXAMPLES))
def test_preset_renders_expected_yaml(example: str, snapshot) -> None:
    assert render_yaml(PRESET_EXAMPLES[example]()) == snapshot


@pytest.mark.parametrize("example", sorted(PRESET_EXAMPLES))
def test_preset_passes_builder_validation(example: str) -> None:
    for policy in PRESET_EXAMPLES[example]():
        assert policy.problems() == []


def _public_functions(module) -> set[str]:
    return {
        name
        for name in dir(module)
        if callable(getattr(module, name))
        and not isinstance(getattr(module, name), type)
        and getattr(getattr(module, name), "__module__", "") == module.__name__
        and not name.startswith("_")
    }


def test_every_preset_has_an_example() -> None:
    helpers = {"ecr_registry", "failover_tolerations"}
    public_presets = _public_functions(presets) | _public_functions(traffic)
    # public_entry_point has one example per routing mode.
    examples = {name.removesuffix("-remote-dr") for name in PRESET_EXAMPLES}
    assert {name.replace("_", "-") for name in public_presets - helpers} == examples
    assert {f"public-entry-point-{mode}".removesuffix("-active-active") for mode in traffic.RoutingMode} <= set(
        PRESET_EXAMPLES)


def test_disaster_recovery_tolerates_exactly_the_failover_taints() -> None:
    policy = presets.remote_disaster_recovery(
        "dr", resource_selectors=WEB, primary_clusters=["a"], backup_clusters=["b"]
    )
    taint_keys = {
        taint.key for taint_policy in presets.cluster_failover_taint_policies() for taint in taint_policy.taints
    }
    tolerations = policy.placement.cluster_tolerations
    assert {toleration.key for toleration in tolerations} == taint_keys
    assert {toleration.effect for toleration in tolerations} == {"NoExecute"}
    assert [term.affinity_name for term in policy.placement.cluster_affinities] == ["primary", "backup"]


@pytest.mark.parametrize(("primary", "backup", "path"), [([], ["b"], "[0]"), (["a"], [], "[1]")])
def test_disaster_recovery_rejects_an_empty_group(primary: list[str], backup: list[str], path: str) -> None:
    with pytest.raises(PolicyError) as raised:
        presets.remote_disaster_recovery("dr", resource_selectors=WEB, primary_clusters=primary, backup_clusters=backup)
    assert str(raised.value).startswith(f"PropagationPolicy dr: spec.placement.clusterAffinities{path}.clusterNames:")
    assert "would match every cluster" in str(raised.value)


def test_clusters_by_attributes_needs_some_attribute() -> None:
    with pytest.raises(PolicyError, match=r"^PropagationPolicy w: spec.placement.clusterAffinity: no labels"):
        presets.clusters_by_attributes("w", resource_selectors=WEB)


def test_weighted_split_rejects_zero_weight() -> None:
    with pytest.raises(PolicyError, match=r"staticWeightList\[1\].weight: 0 must be 1 or more"):
        presets.weighted_split("w", resource_selectors=WEB, weight_by_cluster={"a": 1, "b": 0})


def test_geo_redundant_spread_checks_group_bounds() -> None:
    with pytest.raises(PolicyError, match=r"spreadConstraints\[0\]: maxGroups 1 is lower than minGroups 2"):
        presets.geo_redundant_spread("geo", resource_selectors=WEB, max_regions=1)


@pytest.mark.parametrize(
    ("account_id", "region", "fragment"),
    [("12345", "us-west-2", "is not 12 digits"), ("123456789012", "uswest2", "is not an AWS region name")],
)
def test_ecr_registry_rejects_malformed_input(account_id: str, region: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        presets.ecr_registry(account_id, region)


def test_failover_taint_policies_are_declared_allowed_by_the_webhook() -> None:
    policies = presets.cluster_failover_taint_policies()
    assert all(policy.webhook_allows_no_execute for policy in policies)
    assert [policy.name for policy in policies] == ["cluster-not-ready-no-execute", "cluster-unreachable-no-execute"]
