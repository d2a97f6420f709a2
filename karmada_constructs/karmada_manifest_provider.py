"""The custom resource provider that applies objects to the Karmada API server (one per parent)."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from constructs import Construct

from karmada_constructs.parent_cluster_provider import KarmadaApiAccess, ParentClusterProvider

# The Kubernetes group the handler's IAM role maps to in the parent cluster; the
# RBAC chart (charts/parent_reader_rbac.py) grants it exactly what it reads.
APPLIER_GROUP = "eks-karmada:karmada-manifest-applier"


class KarmadaManifestProvider(ParentClusterProvider):
    """The provider behind every `KarmadaManifest`: functions/karmada_manifest,
    server-side apply to the Karmada API with the admin credential read at run time.
    """

    def __init__(self, scope: Construct, id: str, *, cluster: eks.Cluster, vpc: ec2.IVpc,
                 access: KarmadaApiAccess | None = None, log_retention_days: int = 90) -> None:
        super().__init__(
            scope,
            id,
            cluster=cluster,
            vpc=vpc,
            handler="functions.karmada_manifest.handler.on_event",
            kubernetes_group=APPLIER_GROUP,
            description="KarmadaManifest: server-side apply to the Karmada API",
            access=access,
            log_retention_days=log_retention_days,
        )
