"""ClusterTaintPolicy: taint or untaint member Cluster objects when their status conditions match."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

from . import k8s_syntax, validation
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
    """Creates a ClusterTaintPolicy: adds ``taints`` when all add-on conditions match.

    It removes them when all remove-on conditions match. Taints are never removed just because the policy is
    deleted.

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
        return _cluster_taint_policy_problems(self)


def _cluster_taint_policy_problems(policy: ClusterTaintPolicy) -> Iterator[Problem]:
    """[ctp-webhook] validatePolicyTaints, [crd] taints minItems 1, and the lifted ValidateClusterTaints.

    ValidateClusterTaints (pkg/util/lifted/validateclustertaints.go) is what the Cluster update must pass when
    the taint is applied.
    """
    if policy.target_clusters is not None:
        yield from validation.cluster_affinity_problems(policy.target_clusters, "spec.targetClusters")
    for list_name, conditions in (
        ("addOnConditions", policy.add_on_conditions),
        ("removeOnConditions", policy.remove_on_conditions),
    ):
        for index, condition in enumerate(conditions):
            # [builder] the controller matches statusValues; an empty In list never matches.
            if not condition.status_values:
                yield Problem(
                    f"spec.{list_name}[{index}].statusValues",
                    "is empty; list the condition statuses to match, e.g. [ConditionStatus.FALSE]",
                )
    if not policy.taints:
        yield Problem("spec.taints", "needs at least one Taint; add Taint(key=..., effect=...)")
    seen: dict[tuple[str, str], int] = {}
    for index, taint in enumerate(policy.taints):
        item = f"spec.taints[{index}]"
        if reason := k8s_syntax.label_key_problem(taint.key):
            yield Problem(f"{item}.key", f"taint key {reason}")
        if taint.value and (reason := k8s_syntax.label_value_problem(taint.value)):
            yield Problem(f"{item}.value", f"taint value {reason}")
        if taint.effect == TaintEffect.NO_EXECUTE and not policy.webhook_allows_no_execute:
            yield Problem(
                f"{item}.effect",
                "NoExecute is rejected by karmada-webhook unless it runs with --allow-no-execute-taint-policy; "
                "enable that flag, then pass webhook_allows_no_execute=True",
            )
        key = (taint.key, str(taint.effect))
        if key in seen:
            yield Problem(
                item,
                f"repeats key {taint.key!r} with effect {taint.effect!s} from spec.taints[{seen[key]}]; "
                "taints must be unique by key and effect",
            )
        else:
            seen[key] = index
