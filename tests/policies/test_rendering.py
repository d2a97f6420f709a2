"""to_manifest(): camelCase keys, API names, unset optionals omitted, free-form JSON kept intact."""

from __future__ import annotations

import yaml

from charts.policies import (
    ClusterAffinity,
    ClusterAffinityTerm,
    ClusterPreferences,
    ClusterPropagationPolicy,
    ClusterTaintPolicy,
    FieldOverrider,
    JSONPatchOperation,
    OverflowClusterAffinity,
    OverridePolicy,
    Overriders,
    Placement,
    PlaintextOverrider,
    PropagationPolicy,
    ReplicaSchedulingStrategy,
    ResourceSelector,
    RuleWithCluster,
    SpreadByField,
    SpreadConstraint,
    StaticClusterWeight,
    Taint,
)

DEPLOYMENT = ResourceSelector(api_version="apps/v1", kind="Deployment", name="nginx")


def test_minimal_propagation_policy_renders_only_what_was_set() -> None:
    manifest = PropagationPolicy(name="nginx", namespace="web", resource_selectors=[DEPLOYMENT]).to_manifest()
    assert manifest == {
        "apiVersion": "policy.karmada.io/v1alpha1",
        "kind": "PropagationPolicy",
        "metadata": {"name": "nginx", "namespace": "web"},
        "spec": {
            "resourceSelectors": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "nginx"}],
            "placement": {},
        },
    }


def test_enums_and_strings_render_the_same_wire_values() -> None:
    with_enum = SpreadConstraint(spread_by_field=SpreadByField.REGION, min_groups=2).to_manifest()
    with_str = SpreadConstraint(spread_by_field="region", min_groups=2).to_manifest()
    assert with_enum == with_str == {"spreadByField": "region", "minGroups": 2}
    assert type(with_enum["spreadByField"]) is str  # plain str, so yaml.safe_dump accepts it


def test_api_names_that_are_not_plain_camel_case() -> None:
    affinity = ClusterAffinity(cluster_names=["a"], exclude_clusters=["b"]).to_manifest()
    assert affinity == {"clusterNames": ["a"], "exclude": ["b"]}


def test_cluster_affinity_terms_put_affinity_name_first_and_inline_the_affinity() -> None:
    term = ClusterAffinityTerm(
        affinity_name="primary",
        cluster_names=["a"],
        overflow_affinities=[OverflowClusterAffinity(affinity_name="burst", cluster_names=["b"])],
    ).to_manifest()
    assert list(term) == ["affinityName", "clusterNames", "overflowAffinities"]
    assert term["overflowAffinities"] == [{"affinityName": "burst", "clusterNames": ["b"]}]


def test_empty_nested_objects_are_kept_because_they_mean_all_clusters() -> None:
    weight = StaticClusterWeight(target_cluster=ClusterAffinity(), weight=1).to_manifest()
    assert weight == {"targetCluster": {}, "weight": 1}


def test_false_booleans_and_empty_lists_are_omitted_true_is_rendered() -> None:
    spec = PropagationPolicy(name="n", resource_selectors=[DEPLOYMENT], propagate_deps=False).to_manifest()["spec"]
    assert "propagateDeps" not in spec and "dependentOverrides" not in spec
    spec = PropagationPolicy(name="n", resource_selectors=[DEPLOYMENT], propagate_deps=True).to_manifest()["spec"]
    assert spec["propagateDeps"] is True


def test_free_form_json_values_keep_falsy_values() -> None:
    policy = OverridePolicy(
        name="n",
        override_rules=[
            RuleWithCluster(
                overriders=Overriders(
                    plaintext=[
                        PlaintextOverrider(path="/spec/paused", operator="replace", value=False),
                        PlaintextOverrider(path="/spec/replicas", operator="replace", value=0),
                    ],
                    field_overrider=[
                        FieldOverrider(
                            field_path="/data/config.json",
                            json=[JSONPatchOperation(sub_path="/features", operator="add", value={"a": [1, {}]})],
                        )
                    ],
                )
            )
        ],
    )
    overriders = policy.to_manifest()["spec"]["overrideRules"][0]["overriders"]
    assert [item["value"] for item in overriders["plaintext"]] == [False, 0]
    assert overriders["fieldOverrider"][0]["json"][0]["value"] == {"a": [1, {}]}


def test_cluster_scoped_kinds_have_no_namespace_and_builder_settings_stay_out() -> None:
    taint_policy = ClusterTaintPolicy(name="t", taints=[Taint(key="k", effect="NoSchedule")]).to_manifest()
    assert taint_policy["metadata"] == {"name": "t"}
    assert taint_policy["spec"] == {"taints": [{"key": "k", "effect": "NoSchedule"}]}
    cluster_policy = ClusterPropagationPolicy(name="c", resource_selectors=[DEPLOYMENT]).to_manifest()
    assert cluster_policy["kind"] == "ClusterPropagationPolicy" and "namespace" not in cluster_policy["metadata"]


def test_metadata_labels_and_annotations_render_under_metadata() -> None:
    manifest = PropagationPolicy(
        name="n", resource_selectors=[DEPLOYMENT], labels={"team": "web"}, annotations={"owner": "sre"}
    ).to_manifest()
    assert manifest["metadata"] == {
        "name": "n",
        "namespace": "default",
        "labels": {"team": "web"},
        "annotations": {"owner": "sre"},
    }


def test_static_weights_helper_targets_one_cluster_per_weight() -> None:
    strategy = ReplicaSchedulingStrategy.static_weights({"a": 2, "b": 1})
    assert strategy.weight_preference == ClusterPreferences(
        static_weight_list=(
            StaticClusterWeight(target_cluster=ClusterAffinity(cluster_names=("a",)), weight=2),
            StaticClusterWeight(target_cluster=ClusterAffinity(cluster_names=("b",)), weight=1),
        )
    )


def test_manifests_are_yaml_safe() -> None:
    policy = PropagationPolicy(
        name="n",
        resource_selectors=[DEPLOYMENT],
        placement=Placement(replica_scheduling=ReplicaSchedulingStrategy.available_replicas_weights()),
    )
    assert yaml.safe_load(yaml.safe_dump(policy.to_manifest())) == policy.to_manifest()


def test_empty_optional_strings_are_omitted() -> None:
    assert ResourceSelector(api_version="v1", kind="Service", namespace="", name="").to_manifest() == {
        "apiVersion": "v1",
        "kind": "Service",
    }
