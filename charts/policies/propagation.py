"""PropagationPolicy and ClusterPropagationPolicy: which resources go to which member clusters, and how."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from . import k8s_syntax, validation
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
        return _propagation_spec_problems(self)


@dataclass(frozen=True, kw_only=True)
class PropagationPolicy(_PropagationSpec):
    """Creates a PropagationPolicy: propagates resources of its own namespace to member clusters."""

    KIND: ClassVar[str] = "PropagationPolicy"

    namespace: str = "default"


@dataclass(frozen=True, kw_only=True)
class ClusterPropagationPolicy(_PropagationSpec):
    """Creates a ClusterPropagationPolicy: propagates cluster-scoped resources and resources of any namespace."""

    KIND: ClassVar[str] = "ClusterPropagationPolicy"


def _propagation_spec_problems(policy: _PropagationSpec) -> Iterator[Problem]:
    """[validation] ValidatePropagationSpec for PropagationPolicy and ClusterPropagationPolicy."""
    yield from validation.resource_selectors_problems(
        policy.resource_selectors,
        "spec.resourceSelectors",
        kind=policy.kind,
        policy_namespace=policy.policy_namespace,
        required=True,
        preemption=policy.preemption,
    )
    yield from validation.placement_problems(policy.placement, "spec.placement")
    if policy.priority is not None and not -(2**31) <= policy.priority <= validation.INT32_MAX:
        yield Problem("spec.priority", f"{policy.priority} does not fit int32")  # [crd] format int32
    for index, override_name in enumerate(policy.dependent_overrides):
        if reason := k8s_syntax.dns1123_subdomain_problem(override_name):
            yield Problem(f"spec.dependentOverrides[{index}]", f"{reason}; list names of existing OverridePolicies")
    if policy.failover is not None:
        yield from validation.failover_problems(policy.failover, "spec.failover", propagate_deps=policy.propagate_deps)
    if policy.suspension is not None:
        yield from _suspension_problems(policy.suspension, "spec.suspension")


def _suspension_problems(suspension: Suspension, path: str) -> Iterator[Problem]:
    """[validation] validateSuspension (the Go code reports it at spec.suspension.suspension)."""
    on_clusters = suspension.dispatching_on_clusters
    for index, cluster_name in enumerate(on_clusters.cluster_names if on_clusters else ()):
        if reason := k8s_syntax.cluster_name_problem(cluster_name):  # [builder] see cluster_affinity_problems
            yield Problem(f"{path}.dispatchingOnClusters.clusterNames[{index}]", f"{reason}; check the name")
    if suspension.dispatching and on_clusters is not None and on_clusters.cluster_names:
        yield Problem(
            path,
            "dispatching=True (suspend all clusters) cannot co-exist with dispatchingOnClusters.clusterNames; "
            "keep one of them",
        )
