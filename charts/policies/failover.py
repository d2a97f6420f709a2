"""Failover: how Karmada moves an application when it, or the cluster it runs on, fails."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .enums import ClusterFailoverPurgeMode, PurgeMode
from .struct import ApiStruct


@dataclass(frozen=True, kw_only=True)
class StatePreservationRule(ApiStruct):
    """Copies a value out of the failed application's status (``json_path``) into a label on the new one."""

    alias_label_name: str
    json_path: str


@dataclass(frozen=True, kw_only=True)
class StatePreservation(ApiStruct):
    """State to carry over during failover (needs the StatefulFailoverInjection feature gate)."""

    rules: Sequence[StatePreservationRule]


@dataclass(frozen=True, kw_only=True)
class DecisionConditions(ApiStruct):
    """When to fail over: after the application has been unhealthy for ``toleration_seconds`` (default 300)."""

    toleration_seconds: int | None = None


@dataclass(frozen=True, kw_only=True)
class ApplicationFailoverBehavior(ApiStruct):
    """Fail an unhealthy application over to another cluster; needs ``propagate_deps=True`` on the policy.

    ``grace_period_seconds`` applies only to the Gracefully purge mode (Karmada's webhook defaults it to 600).
    """

    decision_conditions: DecisionConditions = field(default_factory=DecisionConditions)
    purge_mode: PurgeMode | str | None = None
    grace_period_seconds: int | None = None
    state_preservation: StatePreservation | None = None


@dataclass(frozen=True, kw_only=True)
class ClusterFailoverBehavior(ApiStruct):
    """How applications leave a failed cluster when it is tainted NoExecute (needs the Failover feature gate)."""

    purge_mode: ClusterFailoverPurgeMode | str | None = None
    state_preservation: StatePreservation | None = None


@dataclass(frozen=True, kw_only=True)
class FailoverBehavior(ApiStruct):
    """Application and/or cluster failover settings of a propagation policy."""

    application: ApplicationFailoverBehavior | None = None
    cluster: ClusterFailoverBehavior | None = None
