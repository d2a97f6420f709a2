"""PropagationPolicy and ClusterPropagationPolicy: which resources go to which member clusters, and how."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from . import validation
from .enums import ActivationPreference, ConflictResolution, PreemptionBehavior, PriorityClassSource
from .errors import Problem
from .failover import FailoverBehavior
from .placement import Placement
from .policy_base import KarmadaPolicy
from .selectors import ResourceSelector
from .struct import ApiStruct


@dataclass(frozen=True, kw_only=True)
class SuspendClusters(ApiStruct):
    """The member clusters to which dispatching is paused."""

    cluster_names: Sequence[str] = ()


@dataclass(frozen=True, kw_only=True)
class Suspension(ApiStruct):
    """Pause dispatching to all clusters (``dispatching=True``) or to some (``dispatching_on_clusters``)."""

    dispatching: bool | None = None
    dispatching_on_clusters: SuspendClusters | None = None


@dataclass(frozen=True, kw_only=True)
class SchedulePriority(ApiStruct):
    """Scheduling priority taken from a Kubernetes PriorityClass (alpha, PriorityBasedScheduling gate)."""

    priority_class_name: str
    priority_class_source: PriorityClassSource | str = PriorityClassSource.KUBE_PRIORITY_CLASS


@dataclass(frozen=True, kw_only=True)
class _PropagationSpec(KarmadaPolicy):
    """Spec fields shared by PropagationPolicy and ClusterPropagationPolicy (the deprecated association is left out)."""

    resource_selectors: Sequence[ResourceSelector]
    propagate_deps: bool = False
    placement: Placement = field(default_factory=Placement)
    priority: int | None = None
    preemption: PreemptionBehavior | str | None = None
    dependent_overrides: Sequence[str] = ()
    scheduler_name: str | None = None
    failover: FailoverBehavior | None = None
    conflict_resolution: ConflictResolution | str | None = None
    activation_preference: ActivationPreference | str | None = None
    suspension: Suspension | None = None
    preserve_resources_on_deletion: bool = False
    schedule_priority: SchedulePriority | None = None

    def _spec_problems(self) -> Iterator[Problem]:
        return validation.propagation_spec_problems(self)  # type: ignore[arg-type]


@dataclass(frozen=True, kw_only=True)
class PropagationPolicy(_PropagationSpec):
    """Creates a PropagationPolicy: propagates resources of its own namespace to member clusters."""

    KIND: ClassVar[str] = "PropagationPolicy"

    namespace: str = "default"


@dataclass(frozen=True, kw_only=True)
class ClusterPropagationPolicy(_PropagationSpec):
    """Creates a ClusterPropagationPolicy: propagates cluster-scoped resources and resources of any namespace."""

    KIND: ClassVar[str] = "ClusterPropagationPolicy"
