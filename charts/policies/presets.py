"""Scenario presets: each call returns validated policy builders for one common multi-cluster pattern.

docs/policies.md shows the YAML every preset renders and when to use it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .enums import (
    ClusterFailoverPurgeMode,
    ClusterField,
    ConditionStatus,
    FieldSelectorOperator,
    ImageComponent,
    MatchConditionOperator,
    OverriderOperator,
    PurgeMode,
    SpreadByField,
    TaintEffect,
    TolerationOperator,
)
from .errors import PolicyError, Problem
from .failover import ApplicationFailoverBehavior, ClusterFailoverBehavior, DecisionConditions, FailoverBehavior
from .override import OverridePolicy
from .overriders import ImageOverrider, Overriders, RuleWithCluster
from .placement import ClusterToleration, Placement, ReplicaSchedulingStrategy, SpreadConstraint
from .propagation import PropagationPolicy
from .selectors import (
    ClusterAffinity,
    ClusterAffinityTerm,
    FieldSelector,
    FieldSelectorRequirement,
    LabelSelector,
    ResourceSelector,
)
from .taint import ClusterTaintPolicy, MatchCondition, Taint

# Karmada's own taint keys for unhealthy clusters (pkg/apis/cluster/v1alpha1/well_known_constants.go). The
# cluster controller puts them on with NoSchedule; cluster_failover_taint_policies() adds the NoExecute twins.
NOT_READY_TAINT_KEY = "cluster.karmada.io/not-ready"
UNREACHABLE_TAINT_KEY = "cluster.karmada.io/unreachable"

_AWS_ACCOUNT_ID = re.compile(r"^\d{12}$")
_AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


def active_active(
    name: str,
    *,
    resource_selectors: Sequence[ResourceSelector],
    namespace: str = "default",
    target_clusters: ClusterAffinity | None = None,
) -> PropagationPolicy:
    """Every selected cluster (all clusters when ``target_clusters`` is None) runs the full replica count."""
    return PropagationPolicy(
        name=name,
        namespace=namespace,
        resource_selectors=resource_selectors,
        placement=Placement(
            cluster_affinity=target_clusters,
            replica_scheduling=ReplicaSchedulingStrategy.duplicated(),
        ),
    )


def weighted_split(
    name: str,
    *,
    resource_selectors: Sequence[ResourceSelector],
    weight_by_cluster: Mapping[str, int],
    namespace: str = "default",
) -> PropagationPolicy:
    """Divide replicas over the named clusters in proportion to fixed weights (only those clusters are used)."""
    return PropagationPolicy(
        name=name,
        namespace=namespace,
        resource_selectors=resource_selectors,
        placement=Placement(
            cluster_affinity=ClusterAffinity(cluster_names=tuple(weight_by_cluster)),
            replica_scheduling=ReplicaSchedulingStrategy.static_weights(weight_by_cluster),
        ),
    )


def dynamic_split(
    name: str,
    *,
    resource_selectors: Sequence[ResourceSelector],
    namespace: str = "default",
    target_clusters: ClusterAffinity | None = None,
) -> PropagationPolicy:
    """Divide replicas in proportion to each cluster's free capacity (dynamicWeight: AvailableReplicas)."""
    return PropagationPolicy(
        name=name,
        namespace=namespace,
        resource_selectors=resource_selectors,
        placement=Placement(
            cluster_affinity=target_clusters,
            replica_scheduling=ReplicaSchedulingStrategy.available_replicas_weights(),
        ),
    )


def aggregated_split(
    name: str,
    *,
    resource_selectors: Sequence[ResourceSelector],
    namespace: str = "default",
    target_clusters: ClusterAffinity | None = None,
) -> PropagationPolicy:
    """Pack replicas into as few clusters as their free capacity allows (Divided, Aggregated)."""
    return PropagationPolicy(
        name=name,
        namespace=namespace,
        resource_selectors=resource_selectors,
        placement=Placement(
            cluster_affinity=target_clusters,
            replica_scheduling=ReplicaSchedulingStrategy.aggregated(),
        ),
    )


def failover_tolerations(toleration_seconds: int) -> tuple[ClusterToleration, ...]:
    """Tolerate the NoExecute not-ready and unreachable cluster taints for ``toleration_seconds``, then fail over.

    The tolerations name the NoExecute effect only, so the NoSchedule twins still keep new work off a sick cluster.
    """
    return tuple(
        ClusterToleration(
            key=key,
            operator=TolerationOperator.EXISTS,
            effect=TaintEffect.NO_EXECUTE,
            toleration_seconds=toleration_seconds,
        )
        for key in (NOT_READY_TAINT_KEY, UNREACHABLE_TAINT_KEY)
    )


def remote_disaster_recovery(
    name: str,
    *,
    resource_selectors: Sequence[ResourceSelector],
    primary_clusters: Sequence[str],
    backup_clusters: Sequence[str],
    namespace: str = "default",
    cluster_failure_toleration_seconds: int = 120,
    application_failure_toleration_seconds: int = 120,
    grace_period_seconds: int = 600,
) -> PropagationPolicy:
    """Run on the primary clusters; move to the backup clusters when a primary cluster or the application fails.

    Cluster failover: once a primary cluster has carried a NoExecute not-ready/unreachable taint (see
    cluster_failover_taint_policies) for ``cluster_failure_toleration_seconds``, Karmada evicts the workload and the
    scheduler falls through to the backup group. Application failover: once the workload has been unhealthy for
    ``application_failure_toleration_seconds``, it moves too. Either way the old copy is removed only after the new
    one is healthy or ``grace_period_seconds`` pass (Gracefully).
    """
    for index, (group, clusters) in enumerate((("primary", primary_clusters), ("backup", backup_clusters))):
        if not clusters:
            # An empty cluster group would silently match every cluster.
            raise PolicyError(
                PropagationPolicy.KIND,
                name,
                Problem(
                    f"spec.placement.clusterAffinities[{index}].clusterNames",
                    f"the {group} group is empty and would match every cluster; pass {group}_clusters=[...]",
                ),
            )
    return PropagationPolicy(
        name=name,
        namespace=namespace,
        resource_selectors=resource_selectors,
        propagate_deps=True,  # application failover requires it: dependencies move with the workload
        placement=Placement(
            cluster_affinities=(
                ClusterAffinityTerm(affinity_name="primary", cluster_names=tuple(primary_clusters)),
                ClusterAffinityTerm(affinity_name="backup", cluster_names=tuple(backup_clusters)),
            ),
            cluster_tolerations=failover_tolerations(cluster_failure_toleration_seconds),
            replica_scheduling=ReplicaSchedulingStrategy.duplicated(),
        ),
        failover=FailoverBehavior(
            application=ApplicationFailoverBehavior(
                decision_conditions=DecisionConditions(toleration_seconds=application_failure_toleration_seconds),
                purge_mode=PurgeMode.GRACEFULLY,
                grace_period_seconds=grace_period_seconds,
            ),
            cluster=ClusterFailoverBehavior(purge_mode=ClusterFailoverPurgeMode.GRACEFULLY),
        ),
    )


def geo_redundant_spread(
    name: str,
    *,
    resource_selectors: Sequence[ResourceSelector],
    namespace: str = "default",
    target_clusters: ClusterAffinity | None = None,
    min_regions: int = 2,
    max_regions: int = 2,
    min_zones: int = 2,
    max_zones: int = 4,
    min_clusters: int = 2,
    max_clusters: int = 4,
) -> PropagationPolicy:
    """Spread replicas over several regions, zones and clusters, dividing them by free capacity.

    Member Cluster objects need ``spec.region`` and ``spec.zones`` set, or the scheduler filters them out.
    """
    return PropagationPolicy(
        name=name,
        namespace=namespace,
        resource_selectors=resource_selectors,
        placement=Placement(
            cluster_affinity=target_clusters,
            spread_constraints=(
                SpreadConstraint(spread_by_field=SpreadByField.REGION, min_groups=min_regions, max_groups=max_regions),
                SpreadConstraint(spread_by_field=SpreadByField.ZONE, min_groups=min_zones, max_groups=max_zones),
                SpreadConstraint(
                    spread_by_field=SpreadByField.CLUSTER, min_groups=min_clusters, max_groups=max_clusters
                ),
            ),
            # Spread constraints are ignored with static weights, so divide by available replicas.
            replica_scheduling=ReplicaSchedulingStrategy.available_replicas_weights(),
        ),
    )


def clusters_by_attributes(
    name: str,
    *,
    resource_selectors: Sequence[ResourceSelector],
    namespace: str = "default",
    match_labels: Mapping[str, str] | None = None,
    providers: Sequence[str] = (),
    regions: Sequence[str] = (),
    zones: Sequence[str] = (),
    replica_scheduling: ReplicaSchedulingStrategy | None = None,
) -> PropagationPolicy:
    """Send resources only to clusters with all the given labels and one of the given providers/regions/zones.

    ``replica_scheduling`` defaults to Duplicated (every matching cluster runs the full replica count).
    """
    wanted = ((ClusterField.PROVIDER, providers), (ClusterField.REGION, regions), (ClusterField.ZONE, zones))
    requirements = tuple(
        FieldSelectorRequirement(key=key, operator=FieldSelectorOperator.IN, values=tuple(values))
        for key, values in wanted
        if values
    )
    if not match_labels and not requirements:
        raise PolicyError(
            PropagationPolicy.KIND,
            name,
            Problem(
                "spec.placement.clusterAffinity",
                "no labels, providers, regions or zones given, so every cluster would match; pass at least one "
                "(or use active_active for all clusters)",
            ),
        )
    return PropagationPolicy(
        name=name,
        namespace=namespace,
        resource_selectors=resource_selectors,
        placement=Placement(
            cluster_affinity=ClusterAffinity(
                label_selector=LabelSelector(match_labels=dict(match_labels)) if match_labels else None,
                field_selector=FieldSelector(match_expressions=requirements) if requirements else None,
            ),
            replica_scheduling=replica_scheduling or ReplicaSchedulingStrategy.duplicated(),
        ),
    )


def ecr_registry(account_id: str, region: str) -> str:
    """The private ECR registry host of an account and region, e.g. ``123456789012.dkr.ecr.us-west-2.amazonaws.com``."""
    if not _AWS_ACCOUNT_ID.match(account_id):
        raise ValueError(f"ecr_registry: account_id {account_id!r} is not 12 digits")
    if not _AWS_REGION.match(region):
        raise ValueError(f"ecr_registry: region {region!r} is not an AWS region name like 'us-west-2'")
    return f"{account_id}.dkr.ecr.{region}.amazonaws.com"


def regional_image_registries(
    name: str,
    *,
    resource_selectors: Sequence[ResourceSelector],
    registry_by_region: Mapping[str, str],
    namespace: str = "default",
) -> OverridePolicy:
    """Pull images from a registry in each member cluster's own region (e.g. an ECR mirror per region).

    One rule per region: clusters whose ``spec.region`` is that region get the image registry replaced.
    """
    rules = tuple(
        RuleWithCluster(
            target_cluster=ClusterAffinity(
                field_selector=FieldSelector(
                    match_expressions=(
                        FieldSelectorRequirement(
                            key=ClusterField.REGION, operator=FieldSelectorOperator.IN, values=(region,)
                        ),
                    )
                )
            ),
            overriders=Overriders(
                image_overrider=(
                    ImageOverrider(
                        component=ImageComponent.REGISTRY, operator=OverriderOperator.REPLACE, value=registry
                    ),
                )
            ),
        )
        for region, registry in registry_by_region.items()
    )
    return OverridePolicy(
        name=name, namespace=namespace, resource_selectors=resource_selectors, override_rules=rules
    )


def cluster_failover_taint_policies(
    target_clusters: ClusterAffinity | None = None,
) -> tuple[ClusterTaintPolicy, ClusterTaintPolicy]:
    """NoExecute-taint clusters whose Ready condition is False (not-ready) or Unknown (unreachable).

    These drive cluster failover (see failover_tolerations). The control plane must run karmada-webhook with
    ``--allow-no-execute-taint-policy`` and karmada-controller-manager with ``--feature-gates=Failover=true``.
    Like Karmada's cluster controller does for its NoSchedule taints, each taint is removed as soon as Ready
    leaves its status, so a cluster carries at most one of the two.
    """

    def policy(name: str, status: ConditionStatus, key: str) -> ClusterTaintPolicy:
        return ClusterTaintPolicy(
            name=name,
            target_clusters=target_clusters,
            add_on_conditions=(
                MatchCondition(condition_type="Ready", operator=MatchConditionOperator.IN, status_values=(status,)),
            ),
            remove_on_conditions=(
                MatchCondition(condition_type="Ready", operator=MatchConditionOperator.NOT_IN, status_values=(status,)),
            ),
            taints=(Taint(key=key, effect=TaintEffect.NO_EXECUTE),),
            webhook_allows_no_execute=True,
        )

    return (
        policy("cluster-not-ready-no-execute", ConditionStatus.FALSE, NOT_READY_TAINT_KEY),
        policy("cluster-unreachable-no-execute", ConditionStatus.UNKNOWN, UNREACHABLE_TAINT_KEY),
    )
