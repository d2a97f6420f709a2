"""Placement: where a PropagationPolicy sends resources and how it divides their replicas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .enums import (
    DynamicWeightFactor,
    ReplicaDivisionPreference,
    ReplicaSchedulingType,
    SpreadByField,
    TaintEffect,
    TolerationOperator,
)
from .selectors import ClusterAffinity, ClusterAffinityTerm
from .struct import ApiStruct


@dataclass(frozen=True, kw_only=True)
class SpreadConstraint(ApiStruct):
    """Spread resources over groups of clusters, grouped by a cluster field or label, within [min, max] groups.

    Leaving both ``spread_by_field`` and ``spread_by_label`` unset means ``cluster`` (Karmada's webhook default).
    """

    spread_by_field: SpreadByField | str | None = None
    spread_by_label: str | None = None
    min_groups: int | None = None
    max_groups: int | None = None


@dataclass(frozen=True, kw_only=True)
class StaticClusterWeight(ApiStruct):
    """A fixed weight for the clusters matched by ``target_cluster``."""

    target_cluster: ClusterAffinity
    weight: int


@dataclass(frozen=True, kw_only=True)
class ClusterPreferences(ApiStruct):
    """Weights for Divided/Weighted replicas: a static list, or a dynamic factor (which then wins)."""

    static_weight_list: Sequence[StaticClusterWeight] = ()
    dynamic_weight: DynamicWeightFactor | str | None = None


@dataclass(frozen=True, kw_only=True)
class ReplicaSchedulingStrategy(ApiStruct):
    """How replicas of workloads (Deployments, StatefulSets, ...) are assigned to the selected clusters.

    An unset ``replica_scheduling_type`` means Divided (the CRD default); the class methods build the common cases.
    """

    replica_scheduling_type: ReplicaSchedulingType | str | None = None
    replica_division_preference: ReplicaDivisionPreference | str | None = None
    weight_preference: ClusterPreferences | None = None

    @classmethod
    def duplicated(cls) -> ReplicaSchedulingStrategy:
        """Every selected cluster runs the full replica count."""
        return cls(replica_scheduling_type=ReplicaSchedulingType.DUPLICATED)

    @classmethod
    def static_weights(cls, weight_by_cluster: Mapping[str, int]) -> ReplicaSchedulingStrategy:
        """Divide replicas in proportion to a fixed weight per cluster name."""
        weights = tuple(
            StaticClusterWeight(target_cluster=ClusterAffinity(cluster_names=(cluster,)), weight=weight)
            for cluster, weight in weight_by_cluster.items()
        )
        return cls(
            replica_scheduling_type=ReplicaSchedulingType.DIVIDED,
            replica_division_preference=ReplicaDivisionPreference.WEIGHTED,
            weight_preference=ClusterPreferences(static_weight_list=weights),
        )

    @classmethod
    def available_replicas_weights(cls) -> ReplicaSchedulingStrategy:
        """Divide replicas in proportion to how many more replicas each cluster can still run."""
        return cls(
            replica_scheduling_type=ReplicaSchedulingType.DIVIDED,
            replica_division_preference=ReplicaDivisionPreference.WEIGHTED,
            weight_preference=ClusterPreferences(dynamic_weight=DynamicWeightFactor.AVAILABLE_REPLICAS),
        )

    @classmethod
    def aggregated(cls) -> ReplicaSchedulingStrategy:
        """Divide replicas into as few clusters as their free capacity allows."""
        return cls(
            replica_scheduling_type=ReplicaSchedulingType.DIVIDED,
            replica_division_preference=ReplicaDivisionPreference.AGGREGATED,
        )


@dataclass(frozen=True, kw_only=True)
class ClusterToleration(ApiStruct):
    """Tolerates a cluster taint (a corev1.Toleration); with NoExecute, ``toleration_seconds`` delays eviction."""

    key: str | None = None
    operator: TolerationOperator | str | None = None
    value: str | None = None
    effect: TaintEffect | str | None = None
    toleration_seconds: int | None = None


@dataclass(frozen=True, kw_only=True)
class WorkloadAffinityTerm(ApiStruct):
    """Groups workloads by the value of a label key on their resource templates."""

    group_by_label_key: str


@dataclass(frozen=True, kw_only=True)
class WorkloadAffinity(ApiStruct):
    """Co-locate (affinity) or separate (anti-affinity) workloads of the same group; alpha, feature-gated."""

    affinity: WorkloadAffinityTerm | None = None
    anti_affinity: WorkloadAffinityTerm | None = None


@dataclass(frozen=True, kw_only=True)
class Placement(ApiStruct):
    """Which clusters are candidates, how to spread over them, and how replicas are divided."""

    cluster_affinity: ClusterAffinity | None = None
    cluster_affinities: Sequence[ClusterAffinityTerm] = ()
    cluster_tolerations: Sequence[ClusterToleration] = ()
    spread_constraints: Sequence[SpreadConstraint] = ()
    replica_scheduling: ReplicaSchedulingStrategy | None = None
    workload_affinity: WorkloadAffinity | None = None
