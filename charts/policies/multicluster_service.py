"""MultiClusterService (networking.karmada.io/v1alpha1): a Service's endpoints shared between member clusters.

With ``types=[CrossCluster]`` Karmada v1.18.2 (feature gate MultiClusterService on karmada-controller-manager)
takes the Service of the same name and namespace over from any PropagationPolicy and propagates it itself to the
provider and consumer clusters; it collects the provider clusters' EndpointSlices and writes them into each
consumer cluster as ``<provider>-<slice>`` EndpointSlices of that Service, so clients in a consumer reach the
providers' pods by the Service's usual name (pkg/controllers/multiclusterservice).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

from . import k8s_syntax
from .enums import ExposureType
from .errors import Problem
from .policy_base import KarmadaPolicy
from .struct import ApiStruct, api_field, render_value

NETWORKING_API_VERSION = "networking.karmada.io/v1alpha1"


@dataclass(frozen=True, kw_only=True)
class ExposurePort(ApiStruct):
    """A Service port to expose (``name`` must then be the Service's port name); unlisted ports are filtered out."""

    port: int
    name: str | None = None


@dataclass(frozen=True, kw_only=True)
class MultiClusterService(KarmadaPolicy):
    """Creates a MultiClusterService named after the Service it exposes, in that Service's namespace.

    Empty ``provider_clusters`` means every cluster provides endpoints, empty ``consumer_clusters`` that every
    cluster consumes them (the CRD's documented defaults). The deprecated ``range`` and
    ``serviceProvisionClusters``/``serviceConsumptionClusters`` fields are left out.
    """

    KIND: ClassVar[str] = "MultiClusterService"
    API_VERSION: ClassVar[str] = NETWORKING_API_VERSION

    namespace: str = "default"
    types: Sequence[ExposureType | str] = (ExposureType.CROSS_CLUSTER,)
    ports: Sequence[ExposurePort] = ()
    # Rendered as [{name: ...}] (the CRD's ClusterSelector items); plain names here.
    provider_clusters: Sequence[str] = api_field(default=(), builder_only=True)
    consumer_clusters: Sequence[str] = api_field(default=(), builder_only=True)

    def to_manifest(self) -> dict:
        """The object, with the provider and consumer clusters as ``[{name: ...}]`` lists."""
        manifest = super().to_manifest()
        for key, names in (("providerClusters", self.provider_clusters), ("consumerClusters", self.consumer_clusters)):
            if names:
                manifest["spec"][key] = render_value([{"name": name} for name in names])
        return manifest

    def _spec_problems(self) -> Iterator[Problem]:
        return _multicluster_service_problems(self)


def _multicluster_service_problems(mcs: MultiClusterService) -> Iterator[Problem]:
    """[mcs-webhook] pkg/webhook/multiclusterservice/validating.go validateMCS, plus what can never take effect."""
    # [mcs-webhook] ValidateObjectMeta with NameIsDNS1035Label: the name is the Service's, so a DNS-1035 label.
    if reason := k8s_syntax.dns1035_label_problem(mcs.name):
        yield Problem("metadata.name", f"{reason}; name the MultiClusterService after its Service, e.g. 'web'")
    # [crd] types is required; [mcs-webhook] at most one distinct type.
    if not mcs.types:
        yield Problem("spec.types", "is required; use types=[ExposureType.CROSS_CLUSTER]")
    elif len(set(mcs.types)) > 1:
        yield Problem("spec.types", f"{list(map(str, mcs.types))} holds more than one type; keep exactly one")
    names: set[str] = set()
    for index, port in enumerate(mcs.ports):
        item = f"spec.ports[{index}]"
        # [mcs-webhook] validateExposurePort: IsValidPortNum, DNS-1123 label names, no duplicate names.
        if not 1 <= port.port <= 65535:
            yield Problem(f"{item}.port", f"{port.port} is not a port number; use 1-65535")
        if port.name:
            if reason := k8s_syntax.dns1123_label_problem(port.name):
                yield Problem(f"{item}.name", f"{reason}; use the Service's port name")
            elif port.name in names:
                yield Problem(f"{item}.name", f"{port.name!r} is listed twice; list each port once")
            names.add(port.name)
    for key, clusters in (("providerClusters", mcs.provider_clusters), ("consumerClusters", mcs.consumer_clusters)):
        for index, cluster in enumerate(clusters):
            # [mcs-webhook] ValidateClusterName on every provider and consumer cluster.
            if reason := k8s_syntax.cluster_name_problem(cluster):
                yield Problem(f"spec.{key}[{index}].name", f"{reason}; check the member cluster name")
        if len(set(clusters)) != len(clusters):
            yield Problem(f"spec.{key}", f"{list(clusters)} lists a cluster twice; list each member once")
    # [builder] a CrossCluster service whose only provider is its only consumer shares nothing.
    if (
        ExposureType.CROSS_CLUSTER in mcs.types
        and len(mcs.provider_clusters) == 1
        and list(mcs.provider_clusters) == list(mcs.consumer_clusters)
    ):
        yield Problem(
            "spec.consumerClusters",
            f"the only consumer is the only provider {mcs.provider_clusters[0]!r}, so nothing crosses members; "
            "name another member as consumer",
        )
