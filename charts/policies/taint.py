"""ClusterTaintPolicy: taint or untaint member Cluster objects when their status conditions match."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

from . import validation
from .enums import ConditionStatus, MatchConditionOperator, TaintEffect
from .errors import Problem
from .policy_base import KarmadaPolicy
from .selectors import ClusterAffinity
from .struct import ApiStruct, api_field


@dataclass(frozen=True, kw_only=True)
class MatchCondition(ApiStruct):
    """Matches when the cluster's ``condition_type`` condition has (In) or lacks (NotIn) one of the statuses."""

    condition_type: str
    operator: MatchConditionOperator | str
    status_values: Sequence[ConditionStatus | str]


@dataclass(frozen=True, kw_only=True)
class Taint(ApiStruct):
    """A taint to put on (or take off) a member Cluster object."""

    key: str
    effect: TaintEffect | str
    value: str | None = None


@dataclass(frozen=True, kw_only=True)
class ClusterTaintPolicy(KarmadaPolicy):
    """Creates a ClusterTaintPolicy: adds ``taints`` when all add-on conditions match, removes them when all
    remove-on conditions match. Taints are never removed just because the policy is deleted.

    NoExecute taints evict workloads, so karmada-webhook rejects them unless it runs with
    ``--allow-no-execute-taint-policy``; set ``webhook_allows_no_execute=True`` to say the control plane does.
    Karmada only runs this policy when karmada-controller-manager has the ``Failover`` feature gate on.
    """

    KIND: ClassVar[str] = "ClusterTaintPolicy"

    target_clusters: ClusterAffinity | None = None
    add_on_conditions: Sequence[MatchCondition] = ()
    remove_on_conditions: Sequence[MatchCondition] = ()
    taints: Sequence[Taint]
    webhook_allows_no_execute: bool = api_field(builder_only=True, default=False)

    def _spec_problems(self) -> Iterator[Problem]:
        return validation.cluster_taint_policy_problems(self)
