"""The base of the five policy kinds: metadata, validation on construction, and rendering to a manifest."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from . import validation
from .errors import PolicyError, Problem
from .struct import ApiStruct, field_type_problems, is_builder_only, json_name, render_fields

API_VERSION = "policy.karmada.io/v1alpha1"

_METADATA_FIELDS = ("name", "namespace", "labels", "annotations")


@dataclass(frozen=True, kw_only=True)
class KarmadaPolicy(ApiStruct):
    """A policy.karmada.io/v1alpha1 object. Construction validates it and raises PolicyError on the first problem.

    Subclasses take their metadata (name, labels, annotations and, when namespaced, namespace) and their spec
    fields directly as keyword arguments.
    """

    KIND: ClassVar[str]
    # networking.karmada.io kinds (MultiClusterService) share the builder machinery with their own group.
    API_VERSION: ClassVar[str] = API_VERSION

    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.validate()

    @property
    def kind(self) -> str:
        """The Kubernetes kind, e.g. ``PropagationPolicy``."""
        return self.KIND

    @property
    def api_version(self) -> str:
        """``policy.karmada.io/v1alpha1`` for the policy kinds; the kind's own group otherwise."""
        return self.API_VERSION

    @property
    def policy_namespace(self) -> str | None:
        """The namespace of a namespaced policy; None for cluster-scoped kinds."""
        return getattr(self, "namespace", None)

    def problems(self) -> list[Problem]:
        """Everything wrong with this policy, in field order; empty when Karmada v1.18.2 would accept it."""
        type_problems = list(self._type_problems())
        if type_problems:
            return type_problems  # the semantic rules below assume well-typed values
        metadata = validation.metadata_problems(self.name, self.policy_namespace, self.labels, self.annotations)
        return list(metadata) + list(self._spec_problems())

    def validate(self) -> None:
        """Raise PolicyError naming the first problem, if any."""
        problems = self.problems()
        if problems:
            raise PolicyError(self.KIND, str(self.name), problems[0])

    def to_manifest(self) -> dict[str, Any]:
        """The Kubernetes object: apiVersion, kind, metadata and spec (validated again, in case of mutation)."""
        self.validate()
        metadata: dict[str, Any] = {"name": self.name}
        if self.policy_namespace is not None:
            metadata["namespace"] = self.policy_namespace
        if self.labels:
            metadata["labels"] = dict(self.labels)
        if self.annotations:
            metadata["annotations"] = dict(self.annotations)
        spec_fields = [f for f in dataclasses.fields(self) if f.name not in _METADATA_FIELDS]
        return {
            "apiVersion": self.API_VERSION,
            "kind": self.KIND,
            "metadata": metadata,
            "spec": render_fields(self, spec_fields),
        }

    def _type_problems(self) -> Iterator[Problem]:
        for policy_field in dataclasses.fields(self):
            if policy_field.name in _METADATA_FIELDS:
                path = f"metadata.{policy_field.name}"
            elif is_builder_only(policy_field):
                path = policy_field.name
            else:
                path = f"spec.{json_name(policy_field)}"
            yield from field_type_problems(self, policy_field, path)

    def _spec_problems(self) -> Iterator[Problem]:
        raise NotImplementedError
