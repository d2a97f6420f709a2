"""Kubernetes metrics-server as an EKS community add-on: the resource metrics API of a cluster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import aws_eks_v2 as eks
from constructs import Construct, IConstruct

ADDON_NAME = "metrics-server"


@dataclass(frozen=True, kw_only=True)
class MetricsServerProps:
    """Properties of `MetricsServer`."""
    cluster_name: str
    """The EKS cluster to install the add-on into (created here or imported)."""
    addon_version: str
    """metrics-server add-on build. Default: none, the config pins it (parent.addons.metrics_server)."""
    take_over_existing: bool = True
    """True: objects of a metrics-server already in the cluster become the add-on's (OVERWRITE), right for a
    cluster created here. False: the add-on fails to create instead of changing them (NONE), right for an
    existing cluster that may run its own. Default: True."""
    depends_on: Sequence[IConstruct] = ()
    """Created after these (the add-on turns ACTIVE once its pods run on nodes). Default: none."""


class MetricsServer(Construct):
    """The metrics-server EKS add-on at a pinned version.

    Serves `metrics.k8s.io` (HorizontalPodAutoscaler, `kubectl top`) from the EKS community add-on, whose images
    come from the add-on's own ECR registry in the cluster's region (no public registry). It needs no AWS
    permissions, so it gets no IAM role.
    """

    def __init__(self, scope: Construct, id: str, props: MetricsServerProps) -> None:
        super().__init__(scope, id)
        self.addon = eks.CfnAddon(
            self,
            "Addon",
            cluster_name=props.cluster_name,
            addon_name=ADDON_NAME,
            addon_version=props.addon_version,
            resolve_conflicts="OVERWRITE" if props.take_over_existing else "NONE",
        )
        for dependency in props.depends_on:
            self.addon.node.add_dependency(dependency)
