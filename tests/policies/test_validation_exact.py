"""Policy validation from both sides: exact rejections and valid neighbours.

Every rejection of tests/policies/test_validation.py's CASES with its exact one-line message, and the
valid neighbours at each boundary (a comparison turned from < into <=, or a range inverted, fails one
of them).
"""

from __future__ import annotations

import re

import pytest

from charts.policies import (
    ClusterAffinity,
    ClusterPreferences,
    ClusterToleration,
    DecisionConditions,
    FailoverBehavior,
    FieldOverrider,
    ImageOverrider,
    JSONPatchOperation,
    LabelSelector,
    LabelSelectorRequirement,
    OverflowClusterAffinity,
    Overriders,
    Placement,
    PlaintextOverrider,
    PolicyError,
    ReplicaSchedulingStrategy,
    ResourceSelector,
    SpreadConstraint,
    StaticClusterWeight,
    SuspendClusters,
    Suspension,
    Taint,
    WorkloadAffinity,
    WorkloadAffinityTerm,
    YAMLPatchOperation,
)
from tests.policies.test_validation import (
    CASES,
    DYNAMIC,
    app_failover,
    by_field,
    ctp,
    op,
    overflow,
    placed,
    pp,
    ready,
    term,
)

STATIC = ReplicaSchedulingStrategy.static_weights({"member-a": 1, "member-b": 2})
NOT_A_LABEL = ("is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or "
               "digit), so no member cluster can have this name; check the member cluster name")
OVERFLOW_ONLY = ("only works with Divided replicas using dynamic weights or Aggregated; use "
                 "ReplicaSchedulingStrategy.available_replicas_weights() or .aggregated()")


def with_overflow(*overflows, scheduling=DYNAMIC):
    return placed(replica_scheduling=scheduling, cluster_affinities=[term("primary", overflow_affinities=list(overflows))])

EXACT = {
    'name-dns-subdomain': "PropagationPolicy Web_App: metadata.name: 'Web_App' is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit); use a name like 'nginx-weighted'",
    'namespace-dns-label': "PropagationPolicy nginx: metadata.namespace: 'Prod' is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit); use an existing namespace like 'default'",
    'namespace-reserved': "PropagationPolicy nginx: metadata.namespace: 'karmada-es-member-a' is reserved by Karmada, which never propagates resources from it; put the policy in the namespace of the resources it selects",
    'label-key': "PropagationPolicy nginx: metadata.labels['bad key']: label key name part of 'bad key' must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
    'label-value': "PropagationPolicy nginx: metadata.labels['team']: label value 'a b' must be empty or consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
    'annotation-key': "PropagationPolicy nginx: metadata.annotations['a/b/c']: annotation key 'a/b/c' has more than one '/'; use an optional DNS prefix and a name, e.g. 'example.com/name'",
    'annotation-size': 'PropagationPolicy nginx: metadata.annotations: annotations total 300003 bytes, over the 262144-byte limit; store large data elsewhere',
    'enum-value': "PropagationPolicy nginx: spec.placement.spreadConstraints[0].spreadByField: 'regoin' is not supported; use one of: cluster, region, zone, provider",
    'int-type': "PropagationPolicy nginx: spec.placement.spreadConstraints[0].minGroups: expected an int, got str '1'",
    'required-string': 'PropagationPolicy nginx: spec.resourceSelectors[0].apiVersion: is required; set a non-empty value',
    'nested-type': "PropagationPolicy nginx: spec.placement: expected a Placement, got dict {'clusterAffinity': {}}",
    'list-type': "PropagationPolicy nginx: spec.resourceSelectors: expected a list, got ResourceSelector ResourceSelector(api_version='apps/v1', kind='Deployment', namespace=None, name='nginx', label_selector=None)",
    'toleration-operator-lt': "PropagationPolicy nginx: spec.placement.clusterTolerations[0].operator: 'Lt' is not supported; use one of: Exists, Equal",
    'taint-effect': "ClusterTaintPolicy failover: spec.taints[0].effect: 'PreferNoSchedule' is not supported; use one of: NoSchedule, NoExecute",
    'command-operator': "OverridePolicy nginx: spec.overrideRules[0].overriders.commandOverrider[0].operator: 'replace' is not supported; use one of: add, remove",
    'cluster-purge-mode': "PropagationPolicy nginx: spec.failover.cluster.purgeMode: 'Never' is not supported; use one of: Directly, Gracefully",
    'priority-class-source': "PropagationPolicy nginx: spec.schedulePriority.priorityClassSource: 'Pod' is not supported; use one of: KubePriorityClass",
    'field-selector-key': "PropagationPolicy nginx: spec.placement.clusterAffinity.fieldSelector.matchExpressions[0].key: 'cluster' is not supported; use one of: provider, region, zone",
    'field-selector-operator': "PropagationPolicy nginx: spec.placement.clusterAffinity.fieldSelector.matchExpressions[0].operator: 'Exists' is not supported; use one of: In, NotIn",
    'json-value-type': 'OverridePolicy nginx: spec.overrideRules[0].overriders.plaintext[0].value: expected a JSON value (str, int, float, bool, list or dict), got object <object object at 0x7f39e5e6d980>',
    'match-operator': "ClusterTaintPolicy failover: spec.addOnConditions[0].operator: 'Exists' is not supported; use one of: In, NotIn",
    'condition-status': "ClusterTaintPolicy failover: spec.addOnConditions[0].statusValues[0]: 'false' is not supported; use one of: True, False, Unknown",
    'selectors-required': "PropagationPolicy nginx: spec.resourceSelectors: needs at least one ResourceSelector (Karmada never propagates 'everything'); add ResourceSelector(api_version=..., kind=..., name=...)",
    'selector-namespace': "PropagationPolicy nginx: spec.resourceSelectors[0].namespace: 'other' is not the policy namespace 'default'; a PropagationPolicy only selects resources in its own namespace: leave namespace unset or use a cluster-scoped policy",
    'override-selector-namespace': "OverridePolicy nginx: spec.resourceSelectors[0].namespace: 'other' is not the policy namespace 'default'; a OverridePolicy only selects resources in its own namespace: leave namespace unset or use a cluster-scoped policy",
    'cluster-policy-reserved-namespace': "ClusterPropagationPolicy all: spec.resourceSelectors[0].namespace: 'karmada-system' is reserved by Karmada, which never propagates resources from it; select resources in another namespace",
    'namespaced-policy-cluster-scoped-kind': 'PropagationPolicy nginx: spec.resourceSelectors[0].kind: Namespace is cluster-scoped and a PropagationPolicy only matches resources in its namespace; use the ClusterPropagationPolicy kind',
    'preemption-needs-name': 'PropagationPolicy nginx: spec.resourceSelectors[0].name: must be set when preemption is Always (an empty name may preempt unrelated resources); set name=... or drop preemption',
    'name-and-label-selector': 'PropagationPolicy nginx: spec.resourceSelectors[0].labelSelector: is ignored because name is set; keep either name or label_selector',
    'label-expression-needs-values': 'PropagationPolicy nginx: spec.resourceSelectors[0].labelSelector.matchExpressions[0].values: must not be empty for operator In; add values',
    'label-expression-no-values': 'PropagationPolicy nginx: spec.resourceSelectors[0].labelSelector.matchExpressions[0].values: must be empty for operator Exists; drop values',
    'field-selector-values': 'PropagationPolicy nginx: spec.placement.clusterAffinity.fieldSelector.matchExpressions[0].values: must not be empty for operator In; add the region values',
    'cluster-name': "PropagationPolicy nginx: spec.placement.clusterAffinity.clusterNames[0]: 'Member_A' is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit), so no member cluster can have this name; check the member cluster name",
    'excluded-cluster-name': "PropagationPolicy nginx: spec.placement.clusterAffinity.exclude[0]: 'mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm' is longer than 48 characters, so no member cluster can have this name; check the member cluster name",
    'affinity-and-affinities': 'PropagationPolicy nginx: spec.placement: clusterAffinity and clusterAffinities cannot both be set; use cluster_affinity for one group or cluster_affinities for ordered groups',
    'affinity-name-syntax': "PropagationPolicy nginx: spec.placement.clusterAffinities[0].affinityName: affinityName name part of 'primary group' must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
    'affinity-name-length': "PropagationPolicy nginx: spec.placement.clusterAffinities[0].affinityName: affinityName 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is longer than 32 characters",
    'affinity-name-unique': "PropagationPolicy nginx: spec.placement.clusterAffinities[1].affinityName: 'primary' is used by an earlier term; give every cluster group a unique affinityName",
    'overflow-needs-dynamic': 'PropagationPolicy nginx: spec.placement.clusterAffinities[0].overflowAffinities: only works with Divided replicas using dynamic weights or Aggregated; use ReplicaSchedulingStrategy.available_replicas_weights() or .aggregated()',
    'overflow-needs-primary': "PropagationPolicy nginx: spec.placement.clusterAffinities[0].overflowAffinities: needs the term's own cluster selection (cluster_names, label_selector, field_selector or exclude_clusters) as the primary group",
    'overflow-name-unique': "PropagationPolicy nginx: spec.placement.clusterAffinities[0].overflowAffinities[0].affinityName: 'primary' repeats the primary or an earlier overflow group name; make it unique",
    'spread-field-and-label': "PropagationPolicy nginx: spec.placement.spreadConstraints[0]: spreadByField cluster and spreadByLabel 'rack' cannot both be set; keep one of them",
    'spread-min-negative': 'PropagationPolicy nginx: spec.placement.spreadConstraints[0].minGroups: -1 is negative; use 1 or more',
    'spread-max-negative': 'PropagationPolicy nginx: spec.placement.spreadConstraints[0].maxGroups: -2 is negative; use 0 (no limit) or more',
    'spread-max-below-min': 'PropagationPolicy nginx: spec.placement.spreadConstraints[0]: maxGroups 2 is lower than minGroups 3; raise max_groups or lower min_groups',
    'spread-field-duplicate': "PropagationPolicy nginx: spec.placement.spreadConstraints[1]: spreadByField 'cluster' is already constrained by spec.placement.spreadConstraints[0]; merge them into one SpreadConstraint",
    'spread-static-weights': 'PropagationPolicy nginx: spec.placement.spreadConstraints: the scheduler ignores spread constraints when replicas are divided by static weights; drop the constraints or use dynamic weights (ReplicaSchedulingStrategy.available_replicas_weights())',
    'static-weight-positive': 'PropagationPolicy nginx: spec.placement.replicaScheduling.weightPreference.staticWeightList[1].weight: 0 must be 1 or more; remove clusters you want to skip',
    'division-needs-divided': 'PropagationPolicy nginx: spec.placement.replicaScheduling.replicaDivisionPreference: only applies to Divided replicas; drop it or set replica_scheduling_type=Divided',
    'weights-need-weighted': 'PropagationPolicy nginx: spec.placement.replicaScheduling.weightPreference: only applies to Divided replicas with the Weighted preference; drop it or use replica_division_preference=Weighted',
    'static-and-dynamic': 'PropagationPolicy nginx: spec.placement.replicaScheduling.weightPreference: staticWeightList is ignored when dynamicWeight is set; keep one of them',
    'empty-weight-preference': 'PropagationPolicy nginx: spec.placement.replicaScheduling.weightPreference: is empty; set static_weight_list or dynamic_weight, or drop weight_preference to weight clusters equally',
    'workload-affinity-key': "PropagationPolicy nginx: spec.placement.workloadAffinity.affinity.groupByLabelKey: label key name part of 'a b' must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
    'workload-affinity-same-key': 'PropagationPolicy nginx: spec.placement.workloadAffinity: affinity and antiAffinity must not use the same groupByLabelKey; use different keys',
    'toleration-exists-value': 'PropagationPolicy nginx: spec.placement.clusterTolerations[0].value: must be empty when operator is Exists; drop value or use operator Equal',
    'toleration-empty-key': 'PropagationPolicy nginx: spec.placement.clusterTolerations[0].operator: must be Exists when key is empty (tolerate every taint); set a key',
    'toleration-seconds-effect': 'PropagationPolicy nginx: spec.placement.clusterTolerations[0].tolerationSeconds: only applies to NoExecute taints; set effect=NoExecute or drop toleration_seconds',
    'app-failover-propagate-deps': 'PropagationPolicy nginx: spec.propagateDeps: must be true when failover.application is set (dependencies move with the application); set propagate_deps=True',
    'app-failover-toleration': 'PropagationPolicy nginx: spec.failover.application.decisionConditions.tolerationSeconds: -1 must be between 0 and 2^31-1',
    'grace-needs-gracefully': 'PropagationPolicy nginx: spec.failover.application.gracePeriodSeconds: only applies when purgeMode is Gracefully, not Directly; drop grace_period_seconds',
    'grace-positive': 'PropagationPolicy nginx: spec.failover.application.gracePeriodSeconds: 0 must be greater than 0',
    'state-preservation-rules': 'PropagationPolicy nginx: spec.failover.cluster.statePreservation.rules: is empty; add a StatePreservationRule or drop state_preservation',
    'state-preservation-alias': "PropagationPolicy nginx: spec.failover.application.statePreservation.rules[0].aliasLabelName: label key name part of 'bad alias' must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
    'suspension-conflict': 'PropagationPolicy nginx: spec.suspension: dispatching=True (suspend all clusters) cannot co-exist with dispatchingOnClusters.clusterNames; keep one of them',
    'priority-int32': 'PropagationPolicy nginx: spec.priority: 2147483648 does not fit int32',
    'dependent-override-name': "PropagationPolicy nginx: spec.dependentOverrides[0]: 'Not A Name' is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit); list names of existing OverridePolicies",
    'override-rules-required': 'OverridePolicy nginx: spec.overrideRules: is empty, so the policy changes nothing; add a RuleWithCluster',
    'overriders-required': 'OverridePolicy nginx: spec.overrideRules[0].overriders: has no overriders, so the rule changes nothing; add at least one overrider',
    'plaintext-path': "OverridePolicy nginx: spec.overrideRules[0].overriders.plaintext[0].path: 'spec.replicas' is not a JSON pointer; it must start with '/', e.g. '/spec/replicas'",
    'plaintext-remove-value': 'OverridePolicy nginx: spec.overrideRules[0].overriders.plaintext[0].value: is not allowed for operator remove; drop value',
    'plaintext-replace-value': 'OverridePolicy nginx: spec.overrideRules[0].overriders.plaintext[0].value: is required for operator replace; set value',
    'image-predicate-path': "OverridePolicy nginx: spec.overrideRules[0].overriders.imageOverrider[0].predicate.path: 'spec/x' is not a JSON pointer; it must start with '/', e.g. '/spec/replicas'",
    'image-value': 'OverridePolicy nginx: spec.overrideRules[0].overriders.imageOverrider[0].value: is required for operator replace; set the new Registry',
    'labels-overrider': "OverridePolicy nginx: spec.overrideRules[0].overriders.labelsOverrider[0].value['tier']: label value 'a b' must be empty or consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
    'annotations-overrider': "OverridePolicy nginx: spec.overrideRules[0].overriders.annotationsOverrider[0].value['/x']: annotation key '/x' has an empty prefix before '/'",
    'field-overrider-both': 'OverridePolicy nginx: spec.overrideRules[0].overriders.fieldOverrider[0]: has both json and yaml operations; a field holds one format, keep one list',
    'field-overrider-neither': 'OverridePolicy nginx: spec.overrideRules[0].overriders.fieldOverrider[0]: needs json or yaml operations; add JSONPatchOperation or YAMLPatchOperation items',
    'field-path': "OverridePolicy nginx: spec.overrideRules[0].overriders.fieldOverrider[0].fieldPath: 'data/c' is not a JSON pointer; it must start with '/', e.g. '/spec/replicas'",
    'field-sub-path': "OverridePolicy nginx: spec.overrideRules[0].overriders.fieldOverrider[0].json[0].subPath: 'a' is not a JSON pointer; it must start with '/', e.g. '/spec/replicas'",
    'field-operation-value': 'OverridePolicy nginx: spec.overrideRules[0].overriders.fieldOverrider[0].yaml[0].value: is required for operator add; set value',
    'override-target-cluster': "OverridePolicy nginx: spec.overrideRules[0].targetCluster.clusterNames[0]: 'Bad' is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit), so no member cluster can have this name; check the member cluster name",
    'cluster-override-policy': 'ClusterOverridePolicy all: spec.overrideRules[0].overriders: has no overriders, so the rule changes nothing; add at least one overrider',
    'taints-required': 'ClusterTaintPolicy failover: spec.taints: needs at least one Taint; add Taint(key=..., effect=...)',
    'taint-key': "ClusterTaintPolicy failover: spec.taints[0].key: taint key name part of 'not ready' must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
    'taint-value': "ClusterTaintPolicy failover: spec.taints[0].value: taint value 'a b' must be empty or consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
    'taint-no-execute-flag': 'ClusterTaintPolicy failover: spec.taints[0].effect: NoExecute is rejected by karmada-webhook unless it runs with --allow-no-execute-taint-policy; enable that flag, then pass webhook_allows_no_execute=True',
    'taint-duplicate': "ClusterTaintPolicy failover: spec.taints[1]: repeats key 'k' with effect NoSchedule from spec.taints[0]; taints must be unique by key and effect",
    'condition-status-values': 'ClusterTaintPolicy failover: spec.removeOnConditions[0].statusValues: is empty; list the condition statuses to match, e.g. [ConditionStatus.FALSE]',
    'taint-target-clusters': 'ClusterTaintPolicy failover: spec.targetClusters.fieldSelector.matchExpressions[0].values: must not be empty for operator NotIn; add the zone values',
}


@pytest.mark.parametrize("case_id, factory", [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_rejection_is_the_exact_one_line_message(case_id, factory):
    with pytest.raises(PolicyError) as raised:
        built = factory()
        built.to_manifest()
    # Object addresses in a repr differ from run to run.
    assert re.sub(r"0x[0-9a-f]+", "0x…", str(raised.value)) == re.sub(r"0x[0-9a-f]+", "0x…", EXACT[case_id])
    assert "\n" not in str(raised.value)


def test_every_case_has_its_exact_message():
    assert sorted(EXACT) == sorted(c[0] for c in CASES)


INT32_MAX = 2**31 - 1
GOOD_NEIGHBOURS = {
    "priority-int32-min": lambda: pp(priority=-(2**31)),
    "priority-int32-max": lambda: pp(priority=INT32_MAX),
    "priority-zero": lambda: pp(priority=0),
    "annotations-at-the-limit": lambda: pp(annotations={"a": "x" * (256 * 1024 - 1)}),
    "annotation-key-upper-case": lambda: pp(annotations={"Example.COM/Owner": "team"}),
    "affinity-name-32": lambda: placed(cluster_affinities=[term("a" * 32)]),
    "toleration-seconds-zero": lambda: pp(propagate_deps=True, failover=app_failover(
        decision_conditions=DecisionConditions(toleration_seconds=0))),
    "toleration-seconds-int32-max": lambda: pp(propagate_deps=True, failover=app_failover(
        decision_conditions=DecisionConditions(toleration_seconds=INT32_MAX))),
    "grace-one": lambda: pp(propagate_deps=True, failover=app_failover(grace_period_seconds=1)),
    "grace-int32-max": lambda: pp(propagate_deps=True, failover=app_failover(grace_period_seconds=INT32_MAX)),
    "spread-max-equals-min": lambda: placed(spread_constraints=[SpreadConstraint(spread_by_label="zone", min_groups=2,
                                                                                  max_groups=2)],
                                            replica_scheduling=DYNAMIC, cluster_affinity=None),
    "spread-max-one-min-unset": lambda: placed(spread_constraints=[SpreadConstraint(spread_by_field="cluster",
                                                                                     max_groups=1)]),
    "failover-without-application": lambda: pp(failover=FailoverBehavior()),
    "selector-exists-without-values": lambda: pp(resource_selectors=[ResourceSelector(
        api_version="apps/v1", kind="Deployment", label_selector=LabelSelector(
            match_expressions=[LabelSelectorRequirement(key="app", operator="Exists")]))]),
    "selector-in-with-values": lambda: pp(resource_selectors=[ResourceSelector(
        api_version="apps/v1", kind="Deployment", label_selector=LabelSelector(
            match_expressions=[LabelSelectorRequirement(key="app", operator="In", values=["web"])]))]),
    "selector-empty-namespace": lambda: pp(namespace="apps", resource_selectors=[ResourceSelector(
        api_version="apps/v1", kind="Deployment", name="nginx", namespace="")]),
    "overflow-with-aggregated": lambda: placed(cluster_affinities=[term("primary", overflow_affinities=[overflow("burst")])],
                                               replica_scheduling=ReplicaSchedulingStrategy.aggregated()),
    "toleration-no-schedule-without-seconds": lambda: placed(cluster_tolerations=[
        ClusterToleration(key="k", operator="Exists", effect="NoSchedule")]),
    "toleration-no-execute-with-seconds": lambda: placed(cluster_tolerations=[
        ClusterToleration(key="k", operator="Exists", effect="NoExecute", toleration_seconds=30)]),
    "workload-affinity-and-anti-affinity": lambda: pp(placement=Placement(workload_affinity=WorkloadAffinity(
        affinity=WorkloadAffinityTerm(group_by_label_key="app"),
        anti_affinity=WorkloadAffinityTerm(group_by_label_key="tier")))),
    "workload-anti-affinity-only": lambda: pp(placement=Placement(workload_affinity=WorkloadAffinity(
        anti_affinity=WorkloadAffinityTerm(group_by_label_key="tier")))),
    "suspend-some-clusters": lambda: pp(suspension=Suspension(dispatching_on_clusters=SuspendClusters(
        cluster_names=["member-a"]))),
    "suspend-all-without-list": lambda: pp(suspension=Suspension(dispatching=True,
                                                                 dispatching_on_clusters=SuspendClusters())),
    "suspend-all": lambda: pp(suspension=Suspension(dispatching=True)),
    "cluster-field-in": lambda: placed(cluster_affinity=by_field("region", "In", "us-east-1")),
    "cluster-field-not-in": lambda: placed(cluster_affinity=by_field("provider", "NotIn", "gcp", "azure")),
}


@pytest.mark.parametrize("factory", list(GOOD_NEIGHBOURS.values()), ids=list(GOOD_NEIGHBOURS))
def test_valid_neighbour_builds_and_renders(factory):
    manifest = factory().to_manifest()
    assert manifest["kind"] == "PropagationPolicy" and manifest["metadata"]["name"] == "nginx"


OVERRIDE_NEIGHBOURS = {
    "image-remove-without-value": lambda: op(Overriders(image_overrider=[ImageOverrider(component="Tag",
                                                                                        operator="remove")])),
    "plaintext-remove-without-value": lambda: op(Overriders(plaintext=[PlaintextOverrider(path="/spec/replicas",
                                                                                         operator="remove")])),
    "plaintext-add-a-value": lambda: op(Overriders(plaintext=[PlaintextOverrider(path="/metadata/labels/x",
                                                                                operator="add", value="y")])),
    "plaintext-replace-with-zero": lambda: op(Overriders(plaintext=[PlaintextOverrider(path="/spec/replicas",
                                                                                      operator="replace", value=0)])),
    "json-add-a-value": lambda: op(Overriders(field_overrider=[FieldOverrider(
        field_path="/data/config", json=[JSONPatchOperation(sub_path="/x", operator="add", value="y")])])),
    "yaml-replace-a-value": lambda: op(Overriders(field_overrider=[FieldOverrider(
        field_path="/data/config", yaml=[YAMLPatchOperation(sub_path="/x", operator="replace", value={"a": 1})])])),
    "json-remove-without-value": lambda: op(Overriders(field_overrider=[FieldOverrider(
        field_path="/data/config", json=[JSONPatchOperation(sub_path="/x", operator="remove")])])),
}


TAINT_NEIGHBOURS = {
    "same-key-other-effect": lambda: ctp(Taint(key="k", effect="NoSchedule"), Taint(key="k", effect="NoExecute"),
                                         webhook_allows_no_execute=True, add_on_conditions=[ready("In", "False")]),
    "other-key-same-effect": lambda: ctp(Taint(key="a", effect="NoSchedule"), Taint(key="b", effect="NoSchedule"),
                                         add_on_conditions=[ready("In", "False")]),
}


@pytest.mark.parametrize("factory", list(TAINT_NEIGHBOURS.values()), ids=list(TAINT_NEIGHBOURS))
def test_valid_taint_neighbour_builds_and_renders(factory):
    assert len(factory().to_manifest()["spec"]["taints"]) == 2


@pytest.mark.parametrize("factory", list(OVERRIDE_NEIGHBOURS.values()), ids=list(OVERRIDE_NEIGHBOURS))
def test_valid_override_neighbour_builds_and_renders(factory):
    assert factory().to_manifest()["kind"] == "OverridePolicy"


BOUNDARY_CASES = {  # (builder, exact message)
    "affinities-term-cluster-name": (
        lambda: placed(cluster_affinities=[term("primary", "Member_A")]),
        f"PropagationPolicy nginx: spec.placement.clusterAffinities[0].clusterNames[0]: 'Member_A' {NOT_A_LABEL}"),
    "overflow-name-33": (
        lambda: with_overflow(overflow("x" * 33)),
        "PropagationPolicy nginx: spec.placement.clusterAffinities[0].overflowAffinities[0].affinityName: "
        f"affinityName '{'x' * 33}' is longer than 32 characters"),
    "overflow-name-twice": (
        lambda: with_overflow(overflow("burst"), overflow("burst")),
        "PropagationPolicy nginx: spec.placement.clusterAffinities[0].overflowAffinities[1].affinityName: "
        "'burst' repeats the primary or an earlier overflow group name; make it unique"),
    "overflow-cluster-name": (
        lambda: with_overflow(OverflowClusterAffinity(affinity_name="burst", cluster_names=["Member_B"])),
        "PropagationPolicy nginx: spec.placement.clusterAffinities[0].overflowAffinities[0].clusterNames[0]: "
        f"'Member_B' {NOT_A_LABEL}"),
    "overflow-with-static-weights": (
        lambda: with_overflow(overflow("burst"), scheduling=STATIC),
        f"PropagationPolicy nginx: spec.placement.clusterAffinities[0].overflowAffinities: {OVERFLOW_ONLY}"),
    "overflow-with-duplicated": (
        lambda: with_overflow(overflow("burst"), scheduling=ReplicaSchedulingStrategy.duplicated()),
        f"PropagationPolicy nginx: spec.placement.clusterAffinities[0].overflowAffinities: {OVERFLOW_ONLY}"),
    # Divided with no division preference: IsOverflowSchedulingAllowed's default case.
    "overflow-with-divided-and-no-preference": (
        lambda: with_overflow(overflow("burst"), scheduling=ReplicaSchedulingStrategy(replica_scheduling_type="Divided")),
        f"PropagationPolicy nginx: spec.placement.clusterAffinities[0].overflowAffinities: {OVERFLOW_ONLY}"),
    "spread-max-1-below-min-2": (
        lambda: placed(spread_constraints=[SpreadConstraint(spread_by_field="cluster", min_groups=2, max_groups=1)]),
        "PropagationPolicy nginx: spec.placement.spreadConstraints[0]: maxGroups 1 is lower than minGroups 2; "
        "raise max_groups or lower min_groups"),
    "static-weight-target-cluster-name": (
        lambda: placed(replica_scheduling=ReplicaSchedulingStrategy(
            replica_scheduling_type="Divided", replica_division_preference="Weighted",
            weight_preference=ClusterPreferences(static_weight_list=[StaticClusterWeight(
                target_cluster=ClusterAffinity(cluster_names=["Member_A"]), weight=1)]))),
        "PropagationPolicy nginx: spec.placement.replicaScheduling.weightPreference.staticWeightList[0]."
        f"targetCluster.clusterNames[0]: 'Member_A' {NOT_A_LABEL}"),
    "add-on-condition-without-statuses": (
        lambda: ctp(Taint(key="k", effect="NoSchedule"), add_on_conditions=[ready("In")]),
        "ClusterTaintPolicy failover: spec.addOnConditions[0].statusValues: is empty; list the condition statuses "
        "to match, e.g. [ConditionStatus.FALSE]"),
    "priority-below-int32": (lambda: pp(priority=-(2**31) - 1), "PropagationPolicy nginx: spec.priority: -2147483649 does not fit int32"),
    "priority-above-int32": (lambda: pp(priority=2**31), "PropagationPolicy nginx: spec.priority: 2147483648 does not fit int32"),
    "cluster-affinity-label-key": (
        lambda: placed(cluster_affinity=ClusterAffinity(label_selector=LabelSelector(
            match_expressions=[LabelSelectorRequirement(key="bad key", operator="Exists")]))), "PropagationPolicy nginx: spec.placement.clusterAffinity.labelSelector.matchExpressions[0].key: label key name part of 'bad key' must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"),
    "cluster-affinity-label-value": (
        lambda: placed(cluster_affinity=ClusterAffinity(label_selector=LabelSelector(match_labels={"zone": "a b"}))),
        "PropagationPolicy nginx: spec.placement.clusterAffinity.labelSelector.matchLabels['zone']: label value 'a b' must be empty or consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"),
    "suspend-bad-cluster-name": (
        lambda: pp(suspension=Suspension(dispatching_on_clusters=SuspendClusters(cluster_names=["Member_A"]))), "PropagationPolicy nginx: spec.suspension.dispatchingOnClusters.clusterNames[0]: 'Member_A' is not a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit), so no member cluster can have this name; check the name"),
    "anti-affinity-bad-key": (
        lambda: pp(placement=Placement(workload_affinity=WorkloadAffinity(
            anti_affinity=WorkloadAffinityTerm(group_by_label_key="bad key")))), "PropagationPolicy nginx: spec.placement.workloadAffinity.antiAffinity.groupByLabelKey: label key name part of 'bad key' must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"),
}


@pytest.mark.parametrize("case", sorted(BOUNDARY_CASES))
def test_boundary_rejection_is_exact(case):
    factory, message = BOUNDARY_CASES[case]
    with pytest.raises(PolicyError) as raised:
        factory().to_manifest()
    assert str(raised.value) == message


def test_dynamic_weights_beside_a_static_list_are_not_static_for_the_spread_rule():
    both = ReplicaSchedulingStrategy(
        replica_scheduling_type="Divided", replica_division_preference="Weighted",
        weight_preference=ClusterPreferences(
            static_weight_list=[StaticClusterWeight(target_cluster=ClusterAffinity(cluster_names=["member-a"]), weight=1)],
            dynamic_weight="AvailableReplicas"))
    policy = pp()
    # Break the frozen policy after construction, as test_validation does, to see every problem at once.
    object.__setattr__(policy, "placement", Placement(
        replica_scheduling=both, spread_constraints=[SpreadConstraint(spread_by_field="cluster", min_groups=1, max_groups=2)]))
    assert [problem.path for problem in policy.problems()] == ["spec.placement.replicaScheduling.weightPreference"]
