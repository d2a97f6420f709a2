"""The semantic rules Karmada v1.18.2 applies to policies, as Problem generators (one function per API area).

Type, enum and required-field checks happen generically in ``struct.py``; this module holds the rules that
relate values to each other. Each rule names its source; paths are in the karmada-io/karmada repo at v1.18.2:

  [validation]   pkg/util/validation/validation.go (called by every policy validating webhook)
  [pp-webhook]   pkg/webhook/propagationpolicy and clusterpropagationpolicy (mutating.go, validating.go)
  [op-webhook]   pkg/webhook/overridepolicy and clusteroverridepolicy
  [ctp-webhook]  pkg/webhook/clustertaintpolicy/validating.go
  [crd]          charts/karmada/_crds/bases/policy/policy.karmada.io_*.yaml (OpenAPI schema)
  [types]        pkg/apis/policy/v1alpha1/*_types.go (documented contracts no webhook checks)
  [runtime]      controller or scheduler code that silently ignores the setting (file named in the rule)
  [apiserver]    Kubernetes object-metadata validation every object gets
  [builder]      this library only: combinations Karmada accepts but that can never take effect

The rules that read a whole policy spec sit next to their kind (propagation.py, override.py, taint.py) and
call the ones here; this module imports only the structs it checks, never the policy kinds, so the policy
modules can import it without a cycle.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from . import k8s_syntax
from .enums import (
    FieldSelectorOperator,
    LabelSelectorOperator,
    OverriderOperator,
    PreemptionBehavior,
    PurgeMode,
    ReplicaDivisionPreference,
    ReplicaSchedulingType,
    SpreadByField,
    TaintEffect,
    TolerationOperator,
)
from .errors import Problem
from .failover import FailoverBehavior, StatePreservation
from .overriders import Overriders, RuleWithCluster
from .placement import (
    ClusterToleration,
    Placement,
    ReplicaSchedulingStrategy,
    SpreadConstraint,
    WorkloadAffinity,
)
from .selectors import ClusterAffinity, ClusterAffinityTerm, LabelSelector, ResourceSelector

INT32_MAX = 2**31 - 1
AFFINITY_NAME_MAX_LENGTH = 32  # [crd] affinityName maxLength

# Built-in Kubernetes kinds without a namespace; a namespaced policy can never match them.
WELL_KNOWN_CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "CertificateSigningRequest",
        "ClusterRole",
        "ClusterRoleBinding",
        "CSIDriver",
        "CSINode",
        "CustomResourceDefinition",
        "FlowSchema",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
    }
)


# --- metadata ------------------------------------------------------------------------------------------------


def metadata_problems(
    name: str, namespace: str | None, labels: Mapping[str, str], annotations: Mapping[str, str]
) -> Iterator[Problem]:
    """Name, namespace (None for a cluster-scoped policy), labels and annotations of any policy."""
    # [apiserver] custom resource names must be DNS-1123 subdomains.
    if reason := k8s_syntax.dns1123_subdomain_problem(name):
        yield Problem("metadata.name", f"{reason}; use a name like 'nginx-weighted'")
    if namespace is not None:
        # [apiserver] namespace names are DNS-1123 labels.
        if reason := k8s_syntax.dns1123_label_problem(namespace):
            yield Problem("metadata.namespace", f"{reason}; use an existing namespace like 'default'")
        # [runtime] pkg/detector/detector.go EventFilter ignores resources in Karmada's reserved namespaces.
        elif k8s_syntax.is_reserved_namespace(namespace):
            yield Problem(
                "metadata.namespace",
                f"{namespace!r} is reserved by Karmada, which never propagates resources from it; "
                "put the policy in the namespace of the resources it selects",
            )
    yield from labels_problems(labels, "metadata.labels")
    yield from annotations_problems(annotations, "metadata.annotations")


def labels_problems(labels: Mapping[str, str], path: str) -> Iterator[Problem]:
    """[apiserver]/[validation] metav1validation.ValidateLabels: qualified-name keys, valid label values."""
    for key, value in labels.items():
        if reason := k8s_syntax.label_key_problem(key):
            yield Problem(f"{path}[{key!r}]", f"label key {reason}")
        elif reason := k8s_syntax.label_value_problem(value):
            yield Problem(f"{path}[{key!r}]", f"label value {reason}")


def annotations_problems(annotations: Mapping[str, str], path: str) -> Iterator[Problem]:
    """[apiserver]/[validation] ValidateAnnotations: qualified-name keys (any case), at most 256 KiB in total."""
    for key in annotations:
        if reason := k8s_syntax.label_key_problem(key.lower()):
            yield Problem(f"{path}[{key!r}]", f"annotation key {reason}")
    total = sum(len(key) + len(value) for key, value in annotations.items())
    if total > k8s_syntax.TOTAL_ANNOTATION_SIZE_LIMIT_BYTES:
        yield Problem(path, f"annotations total {total} bytes, over the 262144-byte limit; store large data elsewhere")


# --- selectors -----------------------------------------------------------------------------------------------


def resource_selectors_problems(
    selectors: Sequence[ResourceSelector],
    path: str,
    *,
    kind: str,
    policy_namespace: str | None,
    required: bool,
    preemption: str | None = None,
) -> Iterator[Problem]:
    """The resourceSelectors of any policy kind."""
    # [crd] PropagationPolicy/ClusterPropagationPolicy resourceSelectors minItems: 1.
    if required and not selectors:
        yield Problem(
            path,
            "needs at least one ResourceSelector (Karmada never propagates 'everything'); "
            "add ResourceSelector(api_version=..., kind=..., name=...)",
        )
    for index, selector in enumerate(selectors):
        item = f"{path}[{index}]"
        if policy_namespace is not None and selector.kind in WELL_KNOWN_CLUSTER_SCOPED_KINDS:
            # [runtime] pkg/detector/detector.go LookForMatchedPolicy skips objects without a namespace.
            yield Problem(
                f"{item}.kind",
                f"{selector.kind} is cluster-scoped and a {kind} only matches resources in its namespace; "
                f"use the Cluster{kind} kind",
            )
        if policy_namespace is not None:
            # [validation] validateResourceSelectors, after the [pp-webhook]/[op-webhook] mutating webhook
            # fills an empty namespace with the policy's own.
            if selector.namespace not in (None, "", policy_namespace):
                yield Problem(
                    f"{item}.namespace",
                    f"{selector.namespace!r} is not the policy namespace {policy_namespace!r}; a {kind} only "
                    "selects resources in its own namespace: leave namespace unset or use a cluster-scoped policy",
                )
        elif selector.namespace and k8s_syntax.is_reserved_namespace(selector.namespace):
            # [runtime] pkg/detector/detector.go EventFilter (karmada-system, karmada-cluster, karmada-es-*).
            yield Problem(
                f"{item}.namespace",
                f"{selector.namespace!r} is reserved by Karmada, which never propagates resources from it; "
                "select resources in another namespace",
            )
        # [validation] validateResourceSelectorsIfPreemptionEnabled.
        if preemption == PreemptionBehavior.ALWAYS and not selector.name:
            yield Problem(
                f"{item}.name",
                "must be set when preemption is Always (an empty name may preempt unrelated resources); "
                "set name=... or drop preemption",
            )
        if selector.label_selector is not None:
            # [types] ResourceSelector: "If name is not empty, labelSelector will be ignored."
            if selector.name:
                yield Problem(
                    f"{item}.labelSelector",
                    "is ignored because name is set; keep either name or label_selector",
                )
            yield from label_selector_problems(selector.label_selector, f"{item}.labelSelector")


def label_selector_problems(selector: LabelSelector, path: str) -> Iterator[Problem]:
    """[runtime] metav1.LabelSelectorAsSelector, which Karmada uses to match: an invalid selector matches nothing."""
    yield from labels_problems(selector.match_labels, f"{path}.matchLabels")
    for index, requirement in enumerate(selector.match_expressions):
        item = f"{path}.matchExpressions[{index}]"
        if reason := k8s_syntax.label_key_problem(requirement.key):
            yield Problem(f"{item}.key", f"label key {reason}")
        needs_values = requirement.operator in (LabelSelectorOperator.IN, LabelSelectorOperator.NOT_IN)
        if needs_values and not requirement.values:
            yield Problem(f"{item}.values", f"must not be empty for operator {requirement.operator}; add values")
        if not needs_values and requirement.values:
            yield Problem(f"{item}.values", f"must be empty for operator {requirement.operator}; drop values")


def cluster_affinity_problems(affinity: ClusterAffinity, path: str) -> Iterator[Problem]:
    """[validation] ValidateClusterAffinity / ValidatePolicyFieldSelector (keys and operators are enums)."""
    # [builder] pkg/apis/cluster/validation ValidateClusterName: other names can never match a cluster.
    for list_name, names in (("clusterNames", affinity.cluster_names), ("exclude", affinity.exclude_clusters)):
        for index, cluster_name in enumerate(names):
            if reason := k8s_syntax.cluster_name_problem(cluster_name):
                yield Problem(f"{path}.{list_name}[{index}]", f"{reason}; check the member cluster name")
    if affinity.label_selector is not None:
        yield from label_selector_problems(affinity.label_selector, f"{path}.labelSelector")
    if affinity.field_selector is not None:
        for index, requirement in enumerate(affinity.field_selector.match_expressions):
            # [crd] NodeSelectorRequirement: "If the operator is In or NotIn, the values array must be non-empty."
            if requirement.operator in (FieldSelectorOperator.IN, FieldSelectorOperator.NOT_IN) and not (
                requirement.values
            ):
                yield Problem(
                    f"{path}.fieldSelector.matchExpressions[{index}].values",
                    f"must not be empty for operator {requirement.operator}; add the {requirement.key} values",
                )


def _is_empty_affinity(affinity: ClusterAffinity) -> bool:
    return (
        affinity.label_selector is None
        and affinity.field_selector is None
        and not affinity.cluster_names
        and not affinity.exclude_clusters
    )


def _affinity_name_problems(name: str, path: str) -> Iterator[Problem]:
    # [validation] ValidateClusterAffinities uses content.IsLabelKey; [crd] maxLength 32.
    if reason := k8s_syntax.label_key_problem(name):
        yield Problem(path, f"affinityName {reason}")
    elif len(name) > AFFINITY_NAME_MAX_LENGTH:
        yield Problem(path, f"affinityName {name!r} is longer than {AFFINITY_NAME_MAX_LENGTH} characters")


def cluster_affinities_problems(
    terms: Sequence[ClusterAffinityTerm],
    path: str,
    replica_scheduling: ReplicaSchedulingStrategy | None,
) -> Iterator[Problem]:
    """[validation] ValidateClusterAffinities, ValidateOverflowAffinities, and ValidatePlacement's overflow check."""
    seen: set[str] = set()
    for index, term in enumerate(terms):
        item = f"{path}[{index}]"
        yield from _affinity_name_problems(term.affinity_name, f"{item}.affinityName")
        if term.affinity_name in seen:
            yield Problem(
                f"{item}.affinityName",
                f"{term.affinity_name!r} is used by an earlier term; give every cluster group a unique affinityName",
            )
        seen.add(term.affinity_name)
        yield from cluster_affinity_problems(term, item)
        if term.overflow_affinities:
            yield from _overflow_problems(term, item, replica_scheduling)


def _overflow_problems(
    term: ClusterAffinityTerm, path: str, replica_scheduling: ReplicaSchedulingStrategy | None
) -> Iterator[Problem]:
    overflow_path = f"{path}.overflowAffinities"
    if not _allows_overflow(replica_scheduling):
        yield Problem(
            overflow_path,
            "only works with Divided replicas using dynamic weights or Aggregated; use "
            "ReplicaSchedulingStrategy.available_replicas_weights() or .aggregated()",
        )
    if _is_empty_affinity(term):
        yield Problem(
            overflow_path,
            "needs the term's own cluster selection (cluster_names, label_selector, field_selector or "
            "exclude_clusters) as the primary group",
        )
    names = {term.affinity_name}
    for index, overflow in enumerate(term.overflow_affinities):
        item = f"{overflow_path}[{index}]"
        yield from _affinity_name_problems(overflow.affinity_name, f"{item}.affinityName")
        if overflow.affinity_name in names:
            yield Problem(
                f"{item}.affinityName",
                f"{overflow.affinity_name!r} repeats the primary or an earlier overflow group name; make it unique",
            )
        names.add(overflow.affinity_name)
        yield from cluster_affinity_problems(overflow, item)


def _allows_overflow(replica_scheduling: ReplicaSchedulingStrategy | None) -> bool:
    """pkg/util/policy.go IsOverflowSchedulingAllowed."""
    if replica_scheduling is None or replica_scheduling.replica_scheduling_type != ReplicaSchedulingType.DIVIDED:
        return False
    if replica_scheduling.replica_division_preference == ReplicaDivisionPreference.AGGREGATED:
        return True
    if replica_scheduling.replica_division_preference == ReplicaDivisionPreference.WEIGHTED:
        preference = replica_scheduling.weight_preference
        return preference is not None and bool(preference.dynamic_weight)
    return False


# --- placement -----------------------------------------------------------------------------------------------


def placement_problems(placement: Placement, path: str) -> Iterator[Problem]:
    """[validation] ValidatePlacement, plus the replica-scheduling rules below."""
    if placement.cluster_affinity is not None and placement.cluster_affinities:
        yield Problem(
            path,
            "clusterAffinity and clusterAffinities cannot both be set; use cluster_affinity for one group "
            "or cluster_affinities for ordered groups",
        )
    if placement.cluster_affinity is not None:
        yield from cluster_affinity_problems(placement.cluster_affinity, f"{path}.clusterAffinity")
    yield from cluster_affinities_problems(
        placement.cluster_affinities, f"{path}.clusterAffinities", placement.replica_scheduling
    )
    yield from spread_constraints_problems(
        placement.spread_constraints, f"{path}.spreadConstraints", placement.replica_scheduling
    )
    yield from workload_affinity_problems(placement.workload_affinity, f"{path}.workloadAffinity")
    yield from cluster_tolerations_problems(placement.cluster_tolerations, f"{path}.clusterTolerations")
    if placement.replica_scheduling is not None:
        yield from replica_scheduling_problems(placement.replica_scheduling, f"{path}.replicaScheduling")


def _effective_spread_field(constraint: SpreadConstraint) -> str | None:
    """The spreadByField after the [pp-webhook] default (SetDefaultSpreadConstraints: empty means cluster)."""
    if constraint.spread_by_field:
        return str(constraint.spread_by_field)
    return None if constraint.spread_by_label else SpreadByField.CLUSTER.value


def spread_constraints_problems(
    constraints: Sequence[SpreadConstraint],
    path: str,
    replica_scheduling: ReplicaSchedulingStrategy | None,
) -> Iterator[Problem]:
    """[validation] ValidateSpreadConstraint, plus the scheduler's static-weight exception."""
    first_index_by_field: dict[str, int] = {}
    for index, constraint in enumerate(constraints):
        item = f"{path}[{index}]"
        if constraint.spread_by_field and constraint.spread_by_label:
            yield Problem(
                item,
                f"spreadByField {constraint.spread_by_field!s} and spreadByLabel {constraint.spread_by_label!r} "
                "cannot both be set; keep one of them",
            )
        min_groups, max_groups = constraint.min_groups or 0, constraint.max_groups or 0
        if min_groups < 0:
            yield Problem(f"{item}.minGroups", f"{min_groups} is negative; use 1 or more")
        if max_groups < 0:
            yield Problem(f"{item}.maxGroups", f"{max_groups} is negative; use 0 (no limit) or more")
        if max_groups > 0 and max_groups < min_groups:
            yield Problem(
                item,
                f"maxGroups {max_groups} is lower than minGroups {min_groups}; raise max_groups or lower min_groups",
            )
        spread_field = _effective_spread_field(constraint)
        if spread_field is not None:
            if spread_field in first_index_by_field:
                yield Problem(
                    item,
                    f"spreadByField {spread_field!r} is already constrained by "
                    f"{path}[{first_index_by_field[spread_field]}]; merge them into one SpreadConstraint",
                )
            else:
                first_index_by_field[spread_field] = index
    if first_index_by_field and SpreadByField.CLUSTER.value not in first_index_by_field:
        first_field, first_index = next(iter(first_index_by_field.items()))
        yield Problem(
            f"{path}[{first_index}]",
            f"spreadByField {first_field!r} needs a spreadByField 'cluster' constraint too; "
            'add SpreadConstraint(spread_by_field="cluster", ...)',
        )
    # [runtime] pkg/scheduler/core/spreadconstraint/select_clusters.go shouldIgnoreSpreadConstraint.
    if constraints and _is_static_weighted(replica_scheduling):
        yield Problem(
            path,
            "the scheduler ignores spread constraints when replicas are divided by static weights; drop the "
            "constraints or use dynamic weights (ReplicaSchedulingStrategy.available_replicas_weights())",
        )


def _is_static_weighted(replica_scheduling: ReplicaSchedulingStrategy | None) -> bool:
    if replica_scheduling is None:
        return False
    divided = replica_scheduling.replica_scheduling_type in (None, ReplicaSchedulingType.DIVIDED)
    weighted = replica_scheduling.replica_division_preference in (None, ReplicaDivisionPreference.WEIGHTED)
    preference = replica_scheduling.weight_preference
    static = preference is None or (bool(preference.static_weight_list) and not preference.dynamic_weight)
    return divided and weighted and static


def replica_scheduling_problems(strategy: ReplicaSchedulingStrategy, path: str) -> Iterator[Problem]:
    """[crd] weight minimum 1; [builder] settings that only apply to some strategies."""
    # An unset type means Divided ([crd] default) and an unset Divided preference means Weighted
    # ([pp-webhook] SetReplicaDivisionPreferenceWeighted).
    divided = strategy.replica_scheduling_type in (None, ReplicaSchedulingType.DIVIDED)
    if not divided and strategy.replica_division_preference is not None:
        yield Problem(
            f"{path}.replicaDivisionPreference",
            "only applies to Divided replicas; drop it or set replica_scheduling_type=Divided",
        )
    preference = strategy.weight_preference
    if preference is None:
        return
    weight_path = f"{path}.weightPreference"
    if not divided or strategy.replica_division_preference == ReplicaDivisionPreference.AGGREGATED:
        yield Problem(
            weight_path,
            "only applies to Divided replicas with the Weighted preference; drop it or use "
            "replica_division_preference=Weighted",
        )
    if preference.static_weight_list and preference.dynamic_weight:
        # [types] ClusterPreferences: "If specified (dynamicWeight), StaticWeightList will be ignored."
        yield Problem(weight_path, "staticWeightList is ignored when dynamicWeight is set; keep one of them")
    if not preference.static_weight_list and not preference.dynamic_weight:
        yield Problem(
            weight_path,
            "is empty; set static_weight_list or dynamic_weight, or drop weight_preference to weight clusters equally",
        )
    for index, static_weight in enumerate(preference.static_weight_list):
        item = f"{weight_path}.staticWeightList[{index}]"
        if static_weight.weight < 1:
            yield Problem(
                f"{item}.weight", f"{static_weight.weight} must be 1 or more; remove clusters you want to skip"
            )
        yield from cluster_affinity_problems(static_weight.target_cluster, f"{item}.targetCluster")


def workload_affinity_problems(affinity: WorkloadAffinity | None, path: str) -> Iterator[Problem]:
    """[validation] ValidateWorkloadAffinity."""
    if affinity is None:
        return
    for name, term in (("affinity", affinity.affinity), ("antiAffinity", affinity.anti_affinity)):
        if term is not None and (reason := k8s_syntax.label_key_problem(term.group_by_label_key)):
            yield Problem(f"{path}.{name}.groupByLabelKey", f"label key {reason}")
    if (
        affinity.affinity is not None
        and affinity.anti_affinity is not None
        and affinity.affinity.group_by_label_key == affinity.anti_affinity.group_by_label_key
    ):
        yield Problem(path, "affinity and antiAffinity must not use the same groupByLabelKey; use different keys")


def cluster_tolerations_problems(tolerations: Sequence[ClusterToleration], path: str) -> Iterator[Problem]:
    """Operators are an enum without Lt/Gt ([validation] validateClusterTolerations).

    The rest is corev1.Toleration semantics ([runtime] the taint manager and TaintToleration filter match
    tolerations with the Kubernetes helpers, so a toleration breaking these rules tolerates nothing or never
    expires).
    """
    for index, toleration in enumerate(tolerations):
        item = f"{path}[{index}]"
        operator = toleration.operator or TolerationOperator.EQUAL
        if operator == TolerationOperator.EXISTS and toleration.value:
            yield Problem(f"{item}.value", "must be empty when operator is Exists; drop value or use operator Equal")
        if not toleration.key and operator != TolerationOperator.EXISTS:
            yield Problem(f"{item}.operator", "must be Exists when key is empty (tolerate every taint); set a key")
        if toleration.toleration_seconds is not None and toleration.effect != TaintEffect.NO_EXECUTE:
            yield Problem(
                f"{item}.tolerationSeconds",
                "only applies to NoExecute taints; set effect=NoExecute or drop toleration_seconds",
            )


# --- propagation policies ------------------------------------------------------------------------------------


def failover_problems(failover: FailoverBehavior, path: str, *, propagate_deps: bool) -> Iterator[Problem]:
    """[validation] ValidatePropagationSpec (propagateDeps) and ValidateFailover."""
    application = failover.application
    if application is not None:
        if not propagate_deps:
            yield Problem(
                "spec.propagateDeps",
                "must be true when failover.application is set (dependencies move with the application); "
                "set propagate_deps=True",
            )
        app_path = f"{path}.application"
        seconds = application.decision_conditions.toleration_seconds
        if seconds is not None and not 0 <= seconds <= INT32_MAX:
            yield Problem(f"{app_path}.decisionConditions.tolerationSeconds", f"{seconds} must be between 0 and 2^31-1")
        # An unset purgeMode is Gracefully ([crd] default); the deprecated Graciously means the same.
        graceful = application.purge_mode in (None, PurgeMode.GRACEFULLY, PurgeMode.GRACIOUSLY)
        grace = application.grace_period_seconds
        if grace is not None and not graceful:
            yield Problem(
                f"{app_path}.gracePeriodSeconds",
                f"only applies when purgeMode is Gracefully, not {application.purge_mode!s}; drop grace_period_seconds",
            )
        if grace is not None and not 0 < grace <= INT32_MAX:
            yield Problem(f"{app_path}.gracePeriodSeconds", f"{grace} must be greater than 0")
        if application.state_preservation is not None:
            yield from state_preservation_problems(application.state_preservation, f"{app_path}.statePreservation")
    if failover.cluster is not None and failover.cluster.state_preservation is not None:
        yield from state_preservation_problems(
            failover.cluster.state_preservation, f"{path}.cluster.statePreservation"
        )


def state_preservation_problems(preservation: StatePreservation, path: str) -> Iterator[Problem]:
    """[validation] validateStatePreservationRule (ValidateLabelName); [builder] at least one rule."""
    if not preservation.rules:
        yield Problem(f"{path}.rules", "is empty; add a StatePreservationRule or drop state_preservation")
    for index, rule in enumerate(preservation.rules):
        if reason := k8s_syntax.label_key_problem(rule.alias_label_name):
            yield Problem(f"{path}.rules[{index}].aliasLabelName", f"label key {reason}")


# --- override policies ---------------------------------------------------------------------------------------


def override_rule_problems(rule: RuleWithCluster, path: str) -> Iterator[Problem]:
    """[validation] ValidateOverrideRules, plus value contracts from [types] override_types.go."""
    if rule.target_cluster is not None:
        yield from cluster_affinity_problems(rule.target_cluster, f"{path}.targetCluster")
    overriders = rule.overriders
    path = f"{path}.overriders"
    if _has_no_overriders(overriders):
        yield Problem(path, "has no overriders, so the rule changes nothing; add at least one overrider")
    for index, plaintext in enumerate(overriders.plaintext):
        item = f"{path}.plaintext[{index}]"
        # [runtime] pkg/util/overridemanager applies plaintext overriders as JSON patches.
        if reason := k8s_syntax.json_pointer_problem(plaintext.path):
            yield Problem(f"{item}.path", reason)
        # [types] PlaintextOverrider.Value: "Must be empty when operator is Remove."
        yield from _operation_value_problems(plaintext.operator, plaintext.value, f"{item}.value")
    for index, image in enumerate(overriders.image_overrider):
        item = f"{path}.imageOverrider[{index}]"
        if image.predicate is not None and (reason := k8s_syntax.json_pointer_problem(image.predicate.path)):
            yield Problem(f"{item}.predicate.path", reason)
        # [types] ImageOverrider.Value: "Must not be empty when operator is 'add' or 'replace'."
        if image.operator != OverriderOperator.REMOVE and not image.value:
            yield Problem(f"{item}.value", f"is required for operator {image.operator}; set the new {image.component}")
    for index, labels in enumerate(overriders.labels_overrider):
        yield from labels_problems(labels.value, f"{path}.labelsOverrider[{index}].value")
    for index, annotations_overrider in enumerate(overriders.annotations_overrider):
        yield from annotations_problems(annotations_overrider.value, f"{path}.annotationsOverrider[{index}].value")
    for index, field_overrider in enumerate(overriders.field_overrider):
        item = f"{path}.fieldOverrider[{index}]"
        if field_overrider.json and field_overrider.yaml:
            yield Problem(item, "has both json and yaml operations; a field holds one format, keep one list")
        if not field_overrider.json and not field_overrider.yaml:
            yield Problem(item, "needs json or yaml operations; add JSONPatchOperation or YAMLPatchOperation items")
        if reason := k8s_syntax.json_pointer_problem(field_overrider.field_path):
            yield Problem(f"{item}.fieldPath", reason)
        for list_name, operations in (("json", field_overrider.json), ("yaml", field_overrider.yaml)):
            for op_index, operation in enumerate(operations):
                op_path = f"{item}.{list_name}[{op_index}]"
                if reason := k8s_syntax.json_pointer_problem(operation.sub_path):
                    yield Problem(f"{op_path}.subPath", reason)
                yield from _operation_value_problems(operation.operator, operation.value, f"{op_path}.value")


def _has_no_overriders(overriders: Overriders) -> bool:
    return not any(
        (
            overriders.plaintext,
            overriders.image_overrider,
            overriders.command_overrider,
            overriders.args_overrider,
            overriders.labels_overrider,
            overriders.annotations_overrider,
            overriders.field_overrider,
        )
    )


def _operation_value_problems(operator: str, value: Any, path: str) -> Iterator[Problem]:
    """[validation] validateOverrideOperator: add/replace need a value, remove must not have one."""
    if operator == OverriderOperator.REMOVE and value is not None:
        yield Problem(path, "is not allowed for operator remove; drop value")
    if operator in (OverriderOperator.ADD, OverriderOperator.REPLACE) and value is None:
        yield Problem(path, f"is required for operator {operator}; set value")

