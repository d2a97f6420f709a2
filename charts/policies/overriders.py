"""Overriders: per-cluster changes an OverridePolicy applies to resources before they reach a member cluster."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .enums import CommandArgsOperator, ImageComponent, OverriderOperator
from .selectors import ClusterAffinity
from .struct import ApiStruct, JSONValue, api_field


@dataclass(frozen=True, kw_only=True)
class PlaintextOverrider(ApiStruct):
    """A JSON-patch style operation on ``path`` (a JSON pointer such as ``/spec/replicas``)."""

    path: str
    operator: OverriderOperator | str
    value: JSONValue = api_field(json_value=True, default=None)


@dataclass(frozen=True, kw_only=True)
class ImagePredicate(ApiStruct):
    """Restricts an imageOverrider to the image at ``path`` (a JSON pointer)."""

    path: str


@dataclass(frozen=True, kw_only=True)
class ImageOverrider(ApiStruct):
    """Changes the registry, repository or tag of container images (all containers unless a predicate is set)."""

    component: ImageComponent | str
    operator: OverriderOperator | str
    value: str | None = None
    predicate: ImagePredicate | None = None


@dataclass(frozen=True, kw_only=True)
class CommandArgsOverrider(ApiStruct):
    """Appends to (add) or deletes from (remove) the command or args of one container."""

    container_name: str
    operator: CommandArgsOperator | str
    value: Sequence[str] = ()


@dataclass(frozen=True, kw_only=True)
class LabelAnnotationOverrider(ApiStruct):
    """Adds, removes or replaces labels or annotations of the resource."""

    operator: OverriderOperator | str
    value: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class JSONPatchOperation(ApiStruct):
    """One operation inside a JSON document held in a field (see FieldOverrider)."""

    sub_path: str
    operator: OverriderOperator | str
    value: JSONValue = api_field(json_value=True, default=None)


@dataclass(frozen=True, kw_only=True)
class YAMLPatchOperation(ApiStruct):
    """One operation inside a YAML document held in a field (see FieldOverrider)."""

    sub_path: str
    operator: OverriderOperator | str
    value: JSONValue = api_field(json_value=True, default=None)


@dataclass(frozen=True, kw_only=True)
class FieldOverrider(ApiStruct):
    """Patches a JSON or YAML document stored in one field, e.g. ``/data/config.yaml`` of a ConfigMap."""

    field_path: str
    json: Sequence[JSONPatchOperation] = ()
    yaml: Sequence[YAMLPatchOperation] = ()


@dataclass(frozen=True, kw_only=True)
class Overriders(ApiStruct):
    """The overriders of one rule; Karmada applies them in the order of these fields, plaintext last."""

    plaintext: Sequence[PlaintextOverrider] = ()
    image_overrider: Sequence[ImageOverrider] = ()
    command_overrider: Sequence[CommandArgsOverrider] = ()
    args_overrider: Sequence[CommandArgsOverrider] = ()
    labels_overrider: Sequence[LabelAnnotationOverrider] = ()
    annotations_overrider: Sequence[LabelAnnotationOverrider] = ()
    field_overrider: Sequence[FieldOverrider] = ()


@dataclass(frozen=True, kw_only=True)
class RuleWithCluster(ApiStruct):
    """One override rule: the overriders to apply on clusters matched by ``target_cluster`` (unset: all)."""

    target_cluster: ClusterAffinity | None = None
    overriders: Overriders
