"""Selectors: which resources a policy matches and which member clusters it targets.

ResourceSelector for the former; ClusterAffinity and ClusterAffinityTerm for the latter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .enums import ClusterField, FieldSelectorOperator, LabelSelectorOperator
from .struct import ApiStruct, api_field


@dataclass(frozen=True, kw_only=True)
class LabelSelectorRequirement(ApiStruct):
    """One ``matchExpressions`` entry of a label selector."""

    key: str
    operator: LabelSelectorOperator | str
    values: Sequence[str] = ()


@dataclass(frozen=True, kw_only=True)
class LabelSelector(ApiStruct):
    """A metav1.LabelSelector: ``matchLabels`` and ``matchExpressions``, ANDed."""

    match_labels: Mapping[str, str] = field(default_factory=dict)
    match_expressions: Sequence[LabelSelectorRequirement] = ()


@dataclass(frozen=True, kw_only=True)
class FieldSelectorRequirement(ApiStruct):
    """Matches a Cluster field (provider, region or zone) with In or NotIn."""

    key: ClusterField | str
    operator: FieldSelectorOperator | str
    values: Sequence[str] = ()


@dataclass(frozen=True, kw_only=True)
class FieldSelector(ApiStruct):
    """Selects member clusters by their ``spec.provider``, ``spec.region`` or ``spec.zones``."""

    match_expressions: Sequence[FieldSelectorRequirement] = ()


@dataclass(frozen=True, kw_only=True)
class ResourceSelector(ApiStruct):
    """Selects resource templates by apiVersion and kind, then by name or else by labels."""

    api_version: str
    kind: str
    namespace: str | None = None
    name: str | None = None
    label_selector: LabelSelector | None = None


@dataclass(frozen=True, kw_only=True)
class ClusterAffinity(ApiStruct):
    """A filter over member clusters (all set criteria must match); empty selects every cluster."""

    label_selector: LabelSelector | None = None
    field_selector: FieldSelector | None = None
    cluster_names: Sequence[str] = ()
    exclude_clusters: Sequence[str] = api_field(json_name="exclude", default=())


@dataclass(frozen=True, kw_only=True)
class OverflowClusterAffinity(ClusterAffinity):
    """An extra cluster group a ClusterAffinityTerm may grow into when its own group is short of capacity."""

    affinity_name: str

    def to_manifest(self) -> dict[str, Any]:
        rendered = super().to_manifest()
        return {"affinityName": rendered.pop("affinityName"), **rendered}


@dataclass(frozen=True, kw_only=True)
class ClusterAffinityTerm(ClusterAffinity):
    """A named cluster group of ``placement.clusterAffinities``; groups are tried in order."""

    affinity_name: str
    overflow_affinities: Sequence[OverflowClusterAffinity] = ()

    def to_manifest(self) -> dict[str, Any]:
        rendered = super().to_manifest()
        return {"affinityName": rendered.pop("affinityName"), **rendered}
