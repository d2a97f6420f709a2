"""The custom resource providers that apply objects to the Karmada API server (two per parent)."""

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

# The Kubernetes groups the handlers' IAM roles map to in the parent cluster; the RBAC chart
# (charts/parent_reader_rbac.py) grants each exactly what it reads.
APPLIER_GROUP = "eks-karmada:karmada-manifest-applier"
BOOTSTRAP_APPLIER_GROUP = "eks-karmada:karmada-bootstrap-applier"


@dataclass(frozen=True, kw_only=True)
class KarmadaManifestProviderProps:
    """Properties of `KarmadaManifestProvider`."""
    cluster: eks.ICluster
    """The parent cluster."""
    vpc: ec2.IVpc
    """The parent's VPC."""
    karmada_cluster_id: str | None = None
    """Sign in to the Karmada API with the provider's own IAM role: the cluster id of the Karmada API's
    aws-iam-authenticator, which maps `role_name` (charts/karmada/handler_rbac.py binds it to cluster-admin).
    Default: none, the break-glass admin certificate: the provider of the bootstrap's RBAC only."""
    role_name: str | None = None
    """A fixed role name, so the authenticator maps a stable ARN. Default: generated."""
    kubernetes_group: str = APPLIER_GROUP
    """The group the role maps to in the parent (what it may read there). Default: APPLIER_GROUP."""
    log_retention_days: int = 90
    """Retention of the provider's logs. Default: 90."""


class KarmadaManifestProvider(ParentClusterProvider):
    """A provider behind `KarmadaManifest`s: functions/karmada_manifest, server-side apply to the Karmada API.

    A parent has two. The general one signs in with its own role (`karmada_cluster_id`) and applies every
    KarmadaManifest but one; the bootstrap's signs in with the break-glass admin certificate, read at run time, and
    applies only the RBAC that lets the general one in (charts/karmada/bootstrap.py `KarmadaApiRbacChart`).
    """

    def __init__(self, scope: Construct, id: str, props: KarmadaManifestProviderProps) -> None:
        # The security group takes this description, and changing a group's description replaces it: the general
        # provider keeps the one it has always had.
        description = ("KarmadaManifest: server-side apply to the Karmada API" if props.karmada_cluster_id else
                       "KarmadaManifest bootstrap: RBAC of the Karmada API, with the break-glass certificate")
        super().__init__(scope, id, ParentClusterProviderProps(
            cluster=props.cluster,
            vpc=props.vpc,
            handler="functions.karmada_manifest.handler.on_event",
            kubernetes_group=props.kubernetes_group,
            description=description,
            access=KarmadaApiAccess(karmada_cluster_id=props.karmada_cluster_id),
            role_name=props.role_name,
            log_retention_days=props.log_retention_days,
        ))
