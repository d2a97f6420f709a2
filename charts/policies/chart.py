"""Put policy builders into cdk8s charts, next to any workloads you define there."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cdk8s import ApiObject, ApiObjectMetadata, Chart, JsonPatch
from constructs import Construct

from .policy_base import KarmadaPolicy


def add_policy(scope: Construct, policy: KarmadaPolicy) -> ApiObject:
    """Add ``policy`` (validated and rendered) to ``scope`` (usually a Chart) as an ApiObject."""
    namespace = policy.policy_namespace
    construct_id = f"{policy.kind}-{namespace}-{policy.name}" if namespace else f"{policy.kind}-{policy.name}"
    return manifest_api_object(scope, construct_id, policy.to_manifest())


def manifest_api_object(scope: Construct, construct_id: str, manifest: Mapping[str, Any]) -> ApiObject:
    """An ApiObject carrying exactly ``manifest`` (internal: the bridge from rendered dicts to cdk8s)."""
    metadata = manifest["metadata"]
    api_object = ApiObject(
        scope,
        construct_id,
        api_version=manifest["apiVersion"],
        kind=manifest["kind"],
        metadata=ApiObjectMetadata(
            name=metadata["name"],
            namespace=metadata.get("namespace"),
            labels=metadata.get("labels"),
            annotations=metadata.get("annotations"),
        ),
    )
    for key, value in manifest.items():
        if key not in ("apiVersion", "kind", "metadata"):
            api_object.add_json_patch(JsonPatch.add(f"/{key}", value))
    return api_object


class PolicyChart(Chart):
    """A cdk8s Chart holding the given Karmada policies (one ApiObject each); add your own objects to it too.

    The chart sets no namespace of its own: namespaced policies carry theirs, and cluster-scoped ones must have none.
    """

    def __init__(self, scope: Construct, construct_id: str, *, policies: Sequence[KarmadaPolicy]) -> None:
        super().__init__(scope, construct_id)
        self.policy_objects = [add_policy(self, policy) for policy in policies]
