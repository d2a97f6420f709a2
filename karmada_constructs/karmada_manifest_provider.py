"""The custom resource provider that applies objects to the Karmada API server (one per parent)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from constructs import Construct

from karmada_constructs.parent_cluster_provider import (
    KarmadaApiAccess,
    ParentClusterProvider,
    ParentClusterProviderProps,
)

# The Kubernetes group the handler's IAM role maps to in the parent cluster; the
# RBAC chart (charts/parent_reader_rbac.py) grants it exactly what it reads.
APPLIER_GROUP = "eks-karmada:karmada-manifest-applier"


@dataclass(frozen=True, kw_only=True)
class KarmadaManifestProviderProps:
    """Properties of `KarmadaManifestProvider`."""
    cluster: eks.ICluster
    """The parent cluster."""
    vpc: ec2.IVpc
    """The parent's VPC."""
    access: KarmadaApiAccess | None = None
    """Where the Karmada API and its credential are. Default: KarmadaApiAccess()."""
    log_retention_days: int = 90
    """Retention of the provider's logs. Default: 90."""


class KarmadaManifestProvider(ParentClusterProvider):
    """The provider behind every `KarmadaManifest`.

    The provider behind every `KarmadaManifest`: functions/karmada_manifest, server-side apply to the Karmada API with
    the admin credential read at run time.
    """

    def __init__(self, scope: Construct, id: str, props: KarmadaManifestProviderProps) -> None:
        super().__init__(scope, id, ParentClusterProviderProps(
            cluster=props.cluster,
            vpc=props.vpc,
            handler="functions.karmada_manifest.handler.on_event",
            kubernetes_group=APPLIER_GROUP,
            description="KarmadaManifest: server-side apply to the Karmada API",
            access=props.access,
            log_retention_days=props.log_retention_days,
        ))
