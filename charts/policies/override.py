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
        return validation.override_spec_problems(self)  # type: ignore[arg-type]


@dataclass(frozen=True, kw_only=True)
class OverridePolicy(_OverrideSpec):
    """Creates an OverridePolicy: overrides resources of its own namespace per target cluster."""

    KIND: ClassVar[str] = "OverridePolicy"

    namespace: str = "default"


@dataclass(frozen=True, kw_only=True)
class ClusterOverridePolicy(_OverrideSpec):
    """Creates a ClusterOverridePolicy: overrides cluster-scoped resources and resources of any namespace."""

    KIND: ClassVar[str] = "ClusterOverridePolicy"
