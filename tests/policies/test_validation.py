"""Every validation rule raises one clear PolicyError line naming the object, the field path and the fix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from charts.policies import (
    ApplicationFailoverBehavior,
    ClusterAffinity,
    ClusterAffinityTerm,
    ClusterFailoverBehavior,
    ClusterOverridePolicy,
    ClusterPreferences,
    ClusterPropagationPolicy,
    ClusterTaintPolicy,
    ClusterToleration,
    CommandArgsOverrider,
    DecisionConditions,
    FailoverBehavior,
    FieldOverrider,
    FieldSelector,
    FieldSelectorRequirement,
    ImageOverrider,
    ImagePredicate,
    JSONPatchOperation,
    LabelAnnotationOverrider,
    LabelSelector,
    LabelSelectorRequirement,
    MatchCondition,
    OverflowClusterAffinity,
    OverridePolicy,
    Overriders,
    Placement,
    PlaintextOverrider,
    PolicyError,
    PropagationPolicy,
    ReplicaSchedulingStrategy,
    ResourceSelector,
    RuleWithCluster,
    SchedulePriority,
    SpreadConstraint,
    StatePreservation,
    StatePreservationRule,
    StaticClusterWeight,
    SuspendClusters,
    Suspension,
    Taint,
    WorkloadAffinity,
    WorkloadAffinityTerm,
    YAMLPatchOperation,
)

DEPLOYMENT = ResourceSelector(api_version="apps/v1", kind="Deployment", name="nginx")


def pp(**spec: Any) -> PropagationPolicy:
    spec.setdefault("resource_selectors", [DEPLOYMENT])
    return PropagationPolicy(name=spec.pop("name", "nginx"), **spec)


def placed(**placement: Any) -> PropagationPolicy:
    return pp(placement=Placement(**placement))


def op(*overriders: Overriders, **spec: Any) -> OverridePolicy:
    spec.setdefault("override_rules", [RuleWithCluster(overriders=o) for o in overriders])
    spec.setdefault("resource_selectors", [DEPLOYMENT])
    return OverridePolicy(name="nginx", **spec)


def ctp(*taints: Taint, **spec: Any) -> ClusterTaintPolicy:
    return ClusterTaintPolicy(name="failover", taints=list(taints), **spec)


def term(name: str, *clusters: str, **extra: Any) -> ClusterAffinityTerm:
    return ClusterAffinityTerm(affinity_name=name, cluster_names=clusters or ("member-a",), **extra)


def app_failover(**kwargs: Any) -> FailoverBehavior:
    return FailoverBehavior(application=ApplicationFailoverBehavior(**kwargs))


def by_field(key: str, operator: str, *values: str) -> ClusterAffinity:
    requirement = FieldSelectorRequirement(key=key, operator=operator, values=values)
    return ClusterAffinity(field_selector=FieldSelector(match_expressions=[requirement]))


def by_app_label(operator: str, *values: str) -> ResourceSelector:
    expression = LabelSelectorRequirement(key="app", operator=operator, values=values)
    selector = LabelSelector(match_expressions=[expression])
    return ResourceSelector(api_version="apps/v1", kind="Deployment", label_selector=selector)


def ready(operator: str, *statuses: str) -> MatchCondition:
    return MatchCondition(condition_type="Ready", operator=operator, status_values=statuses)


def overflow(name: str) -> OverflowClusterAffinity:
    return OverflowClusterAffinity(affinity_name=name, cluster_names=["member-b"])


def field_overrider(
    field_path: str, *, json: tuple[str, str] | None = None, yaml: tuple[str, str] | None = None
) -> Overriders:
    """A fieldOverrider with at most one (sub_path, operator) json and/or yaml operation."""
    return Overriders(
        field_overrider=[
            FieldOverrider(
                field_path=field_path,
                json=[JSONPatchOperation(sub_path=json[0], operator=json[1])] if json else (),
                yaml=[YAMLPatchOperation(sub_path=yaml[0], operator=yaml[1])] if yaml else (),
            )
        ]
    )


DYNAMIC = ReplicaSchedulingStrategy.available_replicas_weights()
REPLACE_TAG = ImageOverrider(component="Tag", operator="replace", value="1.29.3")
NO_SCHEDULE = Taint(key="k", effect="NoSchedule")

PP = "PropagationPolicy nginx: "
OP = "OverridePolicy nginx: "
CTP = "ClusterTaintPolicy failover: "
PLACEMENT = PP + "spec.placement."
OVERRIDERS = OP + "spec.overrideRules[0].overriders"

# (test id, builder call that must fail, expected message start, fragment the message must also contain)
CASES: list[tuple[str, Callable[[], object], str, str]] = [
    # --- metadata ([apiserver], [runtime] reserved namespaces) ---
    (
        "name-dns-subdomain",
        lambda: pp(name="Web_App"),
        "PropagationPolicy Web_App: metadata.name:",
        "DNS-1123 subdomain",
    ),
    (
        "namespace-dns-label",
        lambda: pp(namespace="Prod"),
        PP + "metadata.namespace:",
        "DNS-1123 label",
    ),
    (
        "namespace-reserved",
        lambda: pp(namespace="karmada-es-member-a"),
        PP + "metadata.namespace:",
        "reserved by Karmada",
    ),
    (
        "label-key",
        lambda: pp(labels={"bad key": "x"}),
        PP + "metadata.labels['bad key']:",
        "label key",
    ),
    (
        "label-value",
        lambda: pp(labels={"team": "a b"}),
        PP + "metadata.labels['team']:",
        "label value",
    ),
    (
        "annotation-key",
        lambda: pp(annotations={"a/b/c": "x"}),
        PP + "metadata.annotations['a/b/c']:",
        "more than one '/'",
    ),
    (
        "annotation-size",
        lambda: pp(annotations={"big": "x" * 300_000}),
        PP + "metadata.annotations:",
        "262144-byte limit",
    ),
    # --- types, enums and required fields (struct.py, from the CRD schema) ---
    (
        "enum-value",
        lambda: placed(spread_constraints=[SpreadConstraint(spread_by_field="regoin")]),
        PLACEMENT + "spreadConstraints[0].spreadByField:",
        "'regoin' is not supported; use one of: cluster, region, zone, provider",
    ),
    (
        "int-type",
        lambda: placed(spread_constraints=[SpreadConstraint(min_groups="1")]),
        PLACEMENT + "spreadConstraints[0].minGroups:",
        "expected an int, got str '1'",
    ),
    (
        "required-string",
        lambda: pp(resource_selectors=[ResourceSelector(api_version="", kind="Deployment")]),
        PP + "spec.resourceSelectors[0].apiVersion:",
        "is required",
    ),
    (
        "nested-type",
        lambda: pp(placement={"clusterAffinity": {}}),
        PP + "spec.placement:",
        "expected a Placement, got dict",
    ),
    (
        "list-type",
        lambda: pp(resource_selectors=DEPLOYMENT),
        PP + "spec.resourceSelectors:",
        "expected a list",
    ),
    (
        "toleration-operator-lt",
        lambda: placed(cluster_tolerations=[ClusterToleration(key="k", operator="Lt", value="5")]),
        PLACEMENT + "clusterTolerations[0].operator:",
        "'Lt' is not supported; use one of: Exists, Equal",
    ),
    (
        "taint-effect",
        lambda: ctp(Taint(key="k", effect="PreferNoSchedule")),
        CTP + "spec.taints[0].effect:",
        "use one of: NoSchedule, NoExecute",
    ),
    (
        "command-operator",
        lambda: op(Overriders(command_overrider=[CommandArgsOverrider(container_name="nginx", operator="replace")])),
        OVERRIDERS + ".commandOverrider[0].operator:",
        "use one of: add, remove",
    ),
    (
        "cluster-purge-mode",
        lambda: pp(failover=FailoverBehavior(cluster=ClusterFailoverBehavior(purge_mode="Never"))),
        PP + "spec.failover.cluster.purgeMode:",
        "use one of: Directly, Gracefully",
    ),
    (
        "priority-class-source",
        lambda: pp(schedule_priority=SchedulePriority(priority_class_name="hi", priority_class_source="Pod")),
        PP + "spec.schedulePriority.priorityClassSource:",
        "use one of: KubePriorityClass",
    ),
    (
        "field-selector-key",
        lambda: placed(cluster_affinity=by_field("cluster", "In", "a")),
        PLACEMENT + "clusterAffinity.fieldSelector.matchExpressions[0].key:",
        "use one of: provider, region, zone",
    ),
    (
        "field-selector-operator",
        lambda: placed(cluster_affinity=by_field("region", "Exists")),
        PLACEMENT + "clusterAffinity.fieldSelector.matchExpressions[0].operator:",
        "use one of: In, NotIn",
    ),
    (
        "json-value-type",
        lambda: op(Overriders(plaintext=[PlaintextOverrider(path="/spec/x", operator="replace", value=object())])),
        OVERRIDERS + ".plaintext[0].value:",
        "expected a JSON value",
    ),
    (
        "match-operator",
        lambda: ctp(NO_SCHEDULE, add_on_conditions=[ready("Exists", "False")]),
        CTP + "spec.addOnConditions[0].operator:",
        "use one of: In, NotIn",
    ),
    (
        "condition-status",
        lambda: ctp(NO_SCHEDULE, add_on_conditions=[ready("In", "false")]),
        CTP + "spec.addOnConditions[0].statusValues[0]:",
        "use one of: True, False, Unknown",
    ),
    # --- resource selectors ---
    (
        "selectors-required",
        lambda: pp(resource_selectors=[]),
        PP + "spec.resourceSelectors:",
        "needs at least one ResourceSelector",
    ),
    (
        "selector-namespace",
        lambda: pp(resource_selectors=[ResourceSelector(api_version="v1", kind="Service", namespace="other")]),
        PP + "spec.resourceSelectors[0].namespace:",
        "'other' is not the policy namespace 'default'",
    ),
    (
        "override-selector-namespace",
        lambda: op(
            Overriders(image_overrider=[REPLACE_TAG]),
            resource_selectors=[ResourceSelector(api_version="v1", kind="Service", namespace="other")],
        ),
        OP + "spec.resourceSelectors[0].namespace:",
        "only selects resources in its own namespace",
    ),
    (
        "cluster-policy-reserved-namespace",
        lambda: ClusterPropagationPolicy(
            name="all",
            resource_selectors=[ResourceSelector(api_version="v1", kind="ConfigMap", namespace="karmada-system")],
        ),
        "ClusterPropagationPolicy all: spec.resourceSelectors[0].namespace:",
        "reserved by Karmada",
    ),
    (
        "namespaced-policy-cluster-scoped-kind",
        lambda: pp(resource_selectors=[ResourceSelector(api_version="v1", kind="Namespace", name="shop")]),
        PP + "spec.resourceSelectors[0].kind:",
        "Namespace is cluster-scoped and a PropagationPolicy only matches resources in its namespace; "
        "use the ClusterPropagationPolicy kind",
    ),
    (
        "preemption-needs-name",
        lambda: pp(preemption="Always", resource_selectors=[by_app_label("In", "web")]),
        PP + "spec.resourceSelectors[0].name:",
        "must be set when preemption is Always",
    ),
    (
        "name-and-label-selector",
        lambda: pp(resource_selectors=[replace(by_app_label("Exists"), name="a")]),
        PP + "spec.resourceSelectors[0].labelSelector:",
        "ignored because name is set",
    ),
    (
        "label-expression-needs-values",
        lambda: pp(resource_selectors=[by_app_label("In")]),
        PP + "spec.resourceSelectors[0].labelSelector.matchExpressions[0].values:",
        "must not be empty for operator In",
    ),
    (
        "label-expression-no-values",
        lambda: pp(resource_selectors=[by_app_label("Exists", "a")]),
        PP + "spec.resourceSelectors[0].labelSelector.matchExpressions[0].values:",
        "must be empty for operator Exists",
    ),
    (
        "field-selector-values",
        lambda: placed(cluster_affinity=by_field("region", "In")),
        PLACEMENT + "clusterAffinity.fieldSelector.matchExpressions[0].values:",
        "must not be empty for operator In",
    ),
    (
        "cluster-name",
        lambda: placed(cluster_affinity=ClusterAffinity(cluster_names=["Member_A"])),
        PLACEMENT + "clusterAffinity.clusterNames[0]:",
        "no member cluster can have this name",
    ),
    (
        "excluded-cluster-name",
        lambda: placed(cluster_affinity=ClusterAffinity(exclude_clusters=["m" * 49])),
        PLACEMENT + "clusterAffinity.exclude[0]:",
        "longer than 48 characters",
    ),
    # --- placement: cluster affinities ---
    (
        "affinity-and-affinities",
        lambda: placed(cluster_affinity=ClusterAffinity(), cluster_affinities=[term("primary")]),
        PP + "spec.placement:",
        "clusterAffinity and clusterAffinities cannot both be set",
    ),
    (
        "affinity-name-syntax",
        lambda: placed(cluster_affinities=[term("primary group")]),
        PLACEMENT + "clusterAffinities[0].affinityName:",
        "affinityName name part",
    ),
    (
        "affinity-name-length",
        lambda: placed(cluster_affinities=[term("a" * 33)]),
        PLACEMENT + "clusterAffinities[0].affinityName:",
        "longer than 32 characters",
    ),
    (
        "affinity-name-unique",
        lambda: placed(cluster_affinities=[term("primary", "a"), term("primary", "b")]),
        PLACEMENT + "clusterAffinities[1].affinityName:",
        "'primary' is used by an earlier term",
    ),
    (
        "overflow-needs-dynamic",
        lambda: placed(cluster_affinities=[term("primary", overflow_affinities=[overflow("burst")])]),
        PLACEMENT + "clusterAffinities[0].overflowAffinities:",
        "only works with Divided replicas using dynamic weights or Aggregated",
    ),
    (
        "overflow-needs-primary",
        lambda: placed(
            replica_scheduling=DYNAMIC,
            cluster_affinities=[ClusterAffinityTerm(affinity_name="primary", overflow_affinities=[overflow("burst")])],
        ),
        PLACEMENT + "clusterAffinities[0].overflowAffinities:",
        "needs the term's own cluster selection",
    ),
    (
        "overflow-name-unique",
        lambda: placed(
            replica_scheduling=DYNAMIC,
            cluster_affinities=[term("primary", overflow_affinities=[overflow("primary")])],
        ),
        PLACEMENT + "clusterAffinities[0].overflowAffinities[0].affinityName:",
        "repeats the primary or an earlier overflow group name",
    ),
    # --- placement: spread constraints ---
    (
        "spread-field-and-label",
        lambda: placed(spread_constraints=[SpreadConstraint(spread_by_field="cluster", spread_by_label="rack")]),
        PLACEMENT + "spreadConstraints[0]:",
        "spreadByField cluster and spreadByLabel 'rack' cannot both be set",
    ),
    (
        "spread-min-negative",
        lambda: placed(spread_constraints=[SpreadConstraint(min_groups=-1)]),
        PLACEMENT + "spreadConstraints[0].minGroups:",
        "-1 is negative",
    ),
    (
        "spread-max-negative",
        lambda: placed(spread_constraints=[SpreadConstraint(max_groups=-2)]),
        PLACEMENT + "spreadConstraints[0].maxGroups:",
        "-2 is negative",
    ),
    (
        "spread-max-below-min",
        lambda: placed(spread_constraints=[SpreadConstraint(min_groups=3, max_groups=2)]),
        PLACEMENT + "spreadConstraints[0]:",
        "maxGroups 2 is lower than minGroups 3",
    ),
    (
        "spread-field-duplicate",
        lambda: placed(spread_constraints=[SpreadConstraint(spread_by_field="cluster"), SpreadConstraint()]),
        PLACEMENT + "spreadConstraints[1]:",
        "spreadByField 'cluster' is already constrained by spec.placement.spreadConstraints[0]",
    ),
    (
        "spread-static-weights",
        lambda: placed(
            spread_constraints=[SpreadConstraint(spread_by_field="cluster")],
            replica_scheduling=ReplicaSchedulingStrategy.static_weights({"a": 1}),
        ),
        PLACEMENT + "spreadConstraints:",
        "ignores spread constraints when replicas are divided by static weights",
    ),
    # --- placement: replica scheduling ---
    (
        "static-weight-positive",
        lambda: placed(replica_scheduling=ReplicaSchedulingStrategy.static_weights({"a": 1, "b": 0})),
        PLACEMENT + "replicaScheduling.weightPreference.staticWeightList[1].weight:",
        "0 must be 1 or more",
    ),
    (
        "division-needs-divided",
        lambda: placed(
            replica_scheduling=ReplicaSchedulingStrategy(
                replica_scheduling_type="Duplicated", replica_division_preference="Aggregated"
            )
        ),
        PLACEMENT + "replicaScheduling.replicaDivisionPreference:",
        "only applies to Divided replicas",
    ),
    (
        "weights-need-weighted",
        lambda: placed(
            replica_scheduling=replace(DYNAMIC, replica_division_preference="Aggregated"),
        ),
        PLACEMENT + "replicaScheduling.weightPreference:",
        "only applies to Divided replicas with the Weighted preference",
    ),
    (
        "static-and-dynamic",
        lambda: placed(
            replica_scheduling=ReplicaSchedulingStrategy(
                weight_preference=ClusterPreferences(
                    dynamic_weight="AvailableReplicas",
                    static_weight_list=[StaticClusterWeight(target_cluster=ClusterAffinity(), weight=1)],
                )
            )
        ),
        PLACEMENT + "replicaScheduling.weightPreference:",
        "staticWeightList is ignored when dynamicWeight is set",
    ),
    (
        "empty-weight-preference",
        lambda: placed(replica_scheduling=ReplicaSchedulingStrategy(weight_preference=ClusterPreferences())),
        PLACEMENT + "replicaScheduling.weightPreference:",
        "is empty",
    ),
    # --- placement: workload affinity and tolerations ---
    (
        "workload-affinity-key",
        lambda: placed(workload_affinity=WorkloadAffinity(affinity=WorkloadAffinityTerm(group_by_label_key="a b"))),
        PLACEMENT + "workloadAffinity.affinity.groupByLabelKey:",
        "label key",
    ),
    (
        "workload-affinity-same-key",
        lambda: placed(
            workload_affinity=WorkloadAffinity(
                affinity=WorkloadAffinityTerm(group_by_label_key="app"),
                anti_affinity=WorkloadAffinityTerm(group_by_label_key="app"),
            )
        ),
        PLACEMENT + "workloadAffinity:",
        "must not use the same groupByLabelKey",
    ),
    (
        "toleration-exists-value",
        lambda: placed(cluster_tolerations=[ClusterToleration(key="k", operator="Exists", value="v")]),
        PLACEMENT + "clusterTolerations[0].value:",
        "must be empty when operator is Exists",
    ),
    (
        "toleration-empty-key",
        lambda: placed(cluster_tolerations=[ClusterToleration(value="v")]),
        PLACEMENT + "clusterTolerations[0].operator:",
        "must be Exists when key is empty",
    ),
    (
        "toleration-seconds-effect",
        lambda: placed(
            cluster_tolerations=[ClusterToleration(key="k", effect="NoSchedule", toleration_seconds=60)]
        ),
        PLACEMENT + "clusterTolerations[0].tolerationSeconds:",
        "only applies to NoExecute taints",
    ),
    # --- failover, suspension and other spec fields ---
    (
        "app-failover-propagate-deps",
        lambda: pp(failover=app_failover()),
        PP + "spec.propagateDeps:",
        "must be true when failover.application is set",
    ),
    (
        "app-failover-toleration",
        lambda: pp(
            propagate_deps=True, failover=app_failover(decision_conditions=DecisionConditions(toleration_seconds=-1))
        ),
        PP + "spec.failover.application.decisionConditions.tolerationSeconds:",
        "-1 must be between 0",
    ),
    (
        "grace-needs-gracefully",
        lambda: pp(propagate_deps=True, failover=app_failover(purge_mode="Directly", grace_period_seconds=60)),
        PP + "spec.failover.application.gracePeriodSeconds:",
        "only applies when purgeMode is Gracefully, not Directly",
    ),
    (
        "grace-positive",
        lambda: pp(propagate_deps=True, failover=app_failover(purge_mode="Gracefully", grace_period_seconds=0)),
        PP + "spec.failover.application.gracePeriodSeconds:",
        "0 must be greater than 0",
    ),
    (
        "state-preservation-rules",
        lambda: pp(
            failover=FailoverBehavior(cluster=ClusterFailoverBehavior(state_preservation=StatePreservation(rules=[])))
        ),
        PP + "spec.failover.cluster.statePreservation.rules:",
        "is empty",
    ),
    (
        "state-preservation-alias",
        lambda: pp(
            propagate_deps=True,
            failover=app_failover(
                state_preservation=StatePreservation(
                    rules=[StatePreservationRule(alias_label_name="bad alias", json_path="{.replicas}")]
                )
            ),
        ),
        PP + "spec.failover.application.statePreservation.rules[0].aliasLabelName:",
        "label key",
    ),
    (
        "suspension-conflict",
        lambda: pp(
            suspension=Suspension(dispatching=True, dispatching_on_clusters=SuspendClusters(cluster_names=["member-a"]))
        ),
        PP + "spec.suspension:",
        "cannot co-exist with dispatchingOnClusters.clusterNames",
    ),
    (
        "priority-int32",
        lambda: pp(priority=2**31),
        PP + "spec.priority:",
        "does not fit int32",
    ),
    (
        "dependent-override-name",
        lambda: pp(dependent_overrides=["Not A Name"]),
        PP + "spec.dependentOverrides[0]:",
        "DNS-1123 subdomain",
    ),
    # --- override policies ---
    (
        "override-rules-required",
        lambda: op(),
        OP + "spec.overrideRules:",
        "is empty, so the policy changes nothing",
    ),
    (
        "overriders-required",
        lambda: op(Overriders()),
        OVERRIDERS + ":",
        "has no overriders",
    ),
    (
        "plaintext-path",
        lambda: op(Overriders(plaintext=[PlaintextOverrider(path="spec.replicas", operator="replace", value=2)])),
        OVERRIDERS + ".plaintext[0].path:",
        "must start with '/'",
    ),
    (
        "plaintext-remove-value",
        lambda: op(Overriders(plaintext=[PlaintextOverrider(path="/spec/replicas", operator="remove", value=2)])),
        OVERRIDERS + ".plaintext[0].value:",
        "not allowed for operator remove",
    ),
    (
        "plaintext-replace-value",
        lambda: op(Overriders(plaintext=[PlaintextOverrider(path="/spec/replicas", operator="replace")])),
        OVERRIDERS + ".plaintext[0].value:",
        "is required for operator replace",
    ),
    (
        "image-predicate-path",
        lambda: op(Overriders(image_overrider=[replace(REPLACE_TAG, predicate=ImagePredicate(path="spec/x"))])),
        OVERRIDERS + ".imageOverrider[0].predicate.path:",
        "must start with '/'",
    ),
    (
        "image-value",
        lambda: op(Overriders(image_overrider=[ImageOverrider(component="Registry", operator="replace")])),
        OVERRIDERS + ".imageOverrider[0].value:",
        "is required for operator replace; set the new Registry",
    ),
    (
        "labels-overrider",
        lambda: op(Overriders(labels_overrider=[LabelAnnotationOverrider(operator="add", value={"tier": "a b"})])),
        OVERRIDERS + ".labelsOverrider[0].value['tier']:",
        "label value",
    ),
    (
        "annotations-overrider",
        lambda: op(Overriders(annotations_overrider=[LabelAnnotationOverrider(operator="add", value={"/x": "y"})])),
        OVERRIDERS + ".annotationsOverrider[0].value['/x']:",
        "empty prefix",
    ),
    (
        "field-overrider-both",
        lambda: op(field_overrider("/data/c", json=("/a", "remove"), yaml=("/a", "remove"))),
        OVERRIDERS + ".fieldOverrider[0]:",
        "has both json and yaml operations",
    ),
    (
        "field-overrider-neither",
        lambda: op(field_overrider("/data/c")),
        OVERRIDERS + ".fieldOverrider[0]:",
        "needs json or yaml operations",
    ),
    (
        "field-path",
        lambda: op(field_overrider("data/c", yaml=("/a", "remove"))),
        OVERRIDERS + ".fieldOverrider[0].fieldPath:",
        "must start with '/'",
    ),
    (
        "field-sub-path",
        lambda: op(field_overrider("/data/c", json=("a", "remove"))),
        OVERRIDERS + ".fieldOverrider[0].json[0].subPath:",
        "must start with '/'",
    ),
    (
        "field-operation-value",
        lambda: op(field_overrider("/data/c", yaml=("/a", "add"))),
        OVERRIDERS + ".fieldOverrider[0].yaml[0].value:",
        "is required for operator add",
    ),
    (
        "override-target-cluster",
        lambda: op(
            override_rules=[
                RuleWithCluster(
                    target_cluster=ClusterAffinity(cluster_names=["Bad"]),
                    overriders=Overriders(image_overrider=[REPLACE_TAG]),
                )
            ]
        ),
        OP + "spec.overrideRules[0].targetCluster.clusterNames[0]:",
        "no member cluster can have this name",
    ),
    (
        "cluster-override-policy",
        lambda: ClusterOverridePolicy(name="all", override_rules=[RuleWithCluster(overriders=Overriders())]),
        "ClusterOverridePolicy all: spec.overrideRules[0].overriders:",
        "has no overriders",
    ),
    # --- cluster taint policies ---
    (
        "taints-required",
        lambda: ctp(),
        CTP + "spec.taints:",
        "needs at least one Taint",
    ),
    (
        "taint-key",
        lambda: ctp(Taint(key="not ready", effect="NoSchedule")),
        CTP + "spec.taints[0].key:",
        "taint key",
    ),
    (
        "taint-value",
        lambda: ctp(Taint(key="k", value="a b", effect="NoSchedule")),
        CTP + "spec.taints[0].value:",
        "taint value",
    ),
    (
        "taint-no-execute-flag",
        lambda: ctp(Taint(key="k", effect="NoExecute")),
        CTP + "spec.taints[0].effect:",
        "--allow-no-execute-taint-policy",
    ),
    (
        "taint-duplicate",
        lambda: ctp(Taint(key="k", effect="NoSchedule"), Taint(key="k", value="x", effect="NoSchedule")),
        CTP + "spec.taints[1]:",
        "taints must be unique by key and effect",
    ),
    (
        "condition-status-values",
        lambda: ctp(NO_SCHEDULE, remove_on_conditions=[ready("In")]),
        CTP + "spec.removeOnConditions[0].statusValues:",
        "is empty",
    ),
    (
        "taint-target-clusters",
        lambda: ctp(NO_SCHEDULE, target_clusters=by_field("zone", "NotIn")),
        CTP + "spec.targetClusters.fieldSelector.matchExpressions[0].values:",
        "must not be empty for operator NotIn",
    ),
]


@pytest.mark.parametrize(
    ("factory", "start", "fragment"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_rule_raises_one_clear_line(factory: Callable[[], object], start: str, fragment: str) -> None:
    with pytest.raises(PolicyError) as raised:
        factory()
    message = str(raised.value)
    assert message.startswith(start), message
    assert fragment in message, message
    assert "\n" not in message
    assert isinstance(raised.value, ValueError)


def test_spread_by_field_without_cluster_constraint_message_is_exact() -> None:
    with pytest.raises(PolicyError) as raised:
        placed(
            spread_constraints=[
                SpreadConstraint(spread_by_label="rack"),
                SpreadConstraint(spread_by_field="region", min_groups=2),
            ],
            replica_scheduling=DYNAMIC,
        )
    assert str(raised.value) == (
        "PropagationPolicy nginx: spec.placement.spreadConstraints[1]: spreadByField 'region' needs a spreadByField "
        "'cluster' constraint too; add SpreadConstraint(spread_by_field=\"cluster\", ...)"
    )


def test_error_exposes_kind_name_path_and_reason() -> None:
    with pytest.raises(PolicyError) as raised:
        pp(priority=2**31)
    error = raised.value
    assert (error.kind, error.name, error.path) == ("PropagationPolicy", "nginx", "spec.priority")
    assert error.reason == "2147483648 does not fit int32"


def test_unset_spread_field_counts_as_cluster_like_the_webhook_default() -> None:
    policy = placed(
        spread_constraints=[SpreadConstraint(min_groups=2), SpreadConstraint(spread_by_field="region", min_groups=2)],
        replica_scheduling=DYNAMIC,
    )
    assert policy.problems() == []


def test_grace_period_allowed_with_default_purge_mode() -> None:
    policy = pp(propagate_deps=True, failover=app_failover(grace_period_seconds=300))
    assert policy.problems() == []


def test_no_execute_taint_allowed_when_webhook_flag_is_declared() -> None:
    policy = ctp(Taint(key="k", effect="NoExecute"), webhook_allows_no_execute=True)
    assert "webhookAllowsNoExecute" not in str(policy.to_manifest())


def test_cluster_scoped_policies_select_any_namespace() -> None:
    policy = ClusterPropagationPolicy(
        name="shared-config",
        resource_selectors=[ResourceSelector(api_version="v1", kind="ConfigMap", namespace="team-a")],
    )
    assert "namespace" not in policy.to_manifest()["metadata"]


def test_overflow_affinities_allowed_with_dynamic_weights() -> None:
    policy = placed(
        replica_scheduling=DYNAMIC,
        cluster_affinities=[term("primary", overflow_affinities=[overflow("burst")])],
    )
    assert policy.problems() == []


def test_to_manifest_revalidates_after_a_list_is_mutated() -> None:
    selectors = [DEPLOYMENT]
    policy = pp(resource_selectors=selectors)
    selectors.clear()
    with pytest.raises(PolicyError, match="spec.resourceSelectors: needs at least one ResourceSelector"):
        policy.to_manifest()


def test_problems_lists_everything_wrong_in_field_order() -> None:
    policy = pp()
    object.__setattr__(policy, "name", "Bad_Name")  # bypass the frozen dataclass to break two fields at once
    object.__setattr__(policy, "priority", 2**31)
    assert [problem.path for problem in policy.problems()] == ["metadata.name", "spec.priority"]


def test_nested_builders_must_have_the_exact_type() -> None:
    expected = r"spec.placement.clusterAffinity: expected a ClusterAffinity, got ClusterAffinityTerm"
    with pytest.raises(PolicyError, match=expected):
        placed(cluster_affinity=term("primary"))
