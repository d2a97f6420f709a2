"""Apply a cdk8s chart to an EKS cluster and record it in the rendered manifests."""

from __future__ import annotations

from dataclasses import dataclass

import cdk8s
from aws_cdk import aws_eks_v2 as eks
from constructs import Construct

from eks_karmada.manifest_checks import check_manifest
from karmada_constructs.rendered_manifests import RenderedManifests


@dataclass(frozen=True, kw_only=True)
class ChartManifestProps:
    """Properties of `ChartManifest`."""
    cluster: eks.ICluster
    """The cluster to apply the chart to."""
    chart: cdk8s.Chart
    """The chart whose objects are applied."""
    target: str
    """The rendered-manifests file the objects are recorded in (e.g. "parent")."""
    overwrite: bool = True
    """Take over objects that already exist. Default: True."""


class ChartManifest(Construct):
    """One `KubernetesManifest` holding a cdk8s chart's objects.

    Keeps one chart per manifest so each stays far below the template and
    last-applied-annotation size limits, and records the objects under `target`
    (e.g. "parent") for cdk.out/manifests/<target>.yaml. Malformed objects fail
    synth with a one-line `ManifestError` (eks_karmada/manifest_checks.py).
    """

    def __init__(self, scope: Construct, id: str, props: ChartManifestProps) -> None:
        super().__init__(scope, id)
        objects = props.chart.to_json()
        check_manifest(objects, self.node.path)
        self.objects: list[dict] = objects
        """The chart's objects, as applied."""
        RenderedManifests.of(self).record(props.target, objects)
        self.manifest = eks.KubernetesManifest(
            self,
            "Manifest",
            cluster=props.cluster,
            manifest=objects,
            overwrite=props.overwrite,
            prune=True,
        )
