"""OverridePolicy and ClusterOverridePolicy: per-cluster changes to resources as they are propagated."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

from . import validation
from .errors import Problem
from .overriders import RuleWithCluster
from .policy_base import KarmadaPolicy
from .selectors import ResourceSelector


@dataclass(frozen=True, kw_only=True)
class _OverrideSpec(KarmadaPolicy):
    """Spec fields shared by OverridePolicy and ClusterOverridePolicy.

    The deprecated spec.targetCluster and spec.overriders are left out; use ``override_rules``.
    An empty ``resource_selectors`` matches every resource.
    """

    resource_selectors: Sequence[ResourceSelector] = ()
    override_rules: Sequence[RuleWithCluster] = ()

    def _spec_problems(self) -> Iterator[Problem]:
        return _override_spec_problems(self)


@dataclass(frozen=True, kw_only=True)
class OverridePolicy(_OverrideSpec):
    """Creates an OverridePolicy: overrides resources of its own namespace per target cluster."""

    KIND: ClassVar[str] = "OverridePolicy"

    namespace: str = "default"


@dataclass(frozen=True, kw_only=True)
class ClusterOverridePolicy(_OverrideSpec):
    """Creates a ClusterOverridePolicy: overrides cluster-scoped resources and resources of any namespace."""

    KIND: ClassVar[str] = "ClusterOverridePolicy"


def _override_spec_problems(policy: _OverrideSpec) -> Iterator[Problem]:
    """[validation] ValidateOverrideSpec for OverridePolicy and ClusterOverridePolicy.

    The deprecated spec.targetCluster/spec.overriders are not offered by the builders, so the rules that forbid
    mixing them with overrideRules cannot be broken.
    """
    yield from validation.resource_selectors_problems(
        policy.resource_selectors,
        "spec.resourceSelectors",
        kind=policy.kind,
        policy_namespace=policy.policy_namespace,
        required=False,
    )
    if not policy.override_rules:
        yield Problem("spec.overrideRules", "is empty, so the policy changes nothing; add a RuleWithCluster")
    for index, rule in enumerate(policy.override_rules):
        yield from validation.override_rule_problems(rule, f"spec.overrideRules[{index}]")
