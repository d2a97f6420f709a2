"""cert-manager on an EKS cluster: the PKI of the Karmada control plane."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_eks_v2 as eks
from constructs import Construct

REPOSITORY = "https://charts.jetstack.io"


@dataclass(frozen=True, kw_only=True)
class CertManagerProps:
    """Properties of `CertManager`."""
    cluster: eks.ICluster
    """The cluster to install into."""
    version: str
    """Helm chart version (charts.jetstack.io). Default: none, the config pins it."""


class CertManager(Construct):
    """Installs the pinned cert-manager Helm chart and waits until it is ready.

    Installs the pinned cert-manager Helm chart (fetched by the kubectl handler inside AWS at deploy time) with its
    CRDs, two replicas of the controller, webhook and CA injector, and PodDisruptionBudgets, and waits until it is
    ready so Issuers and Certificates can be applied after it.
    """

    def __init__(self, scope: Construct, id: str, props: CertManagerProps) -> None:
        super().__init__(scope, id)
        cluster, version = props.cluster, props.version
        ha = {"replicaCount": 2, "podDisruptionBudget": {"enabled": True, "minAvailable": 1}}
        self.chart = eks.HelmChart(
            self,
            "Chart",
            cluster=cluster,
            repository=REPOSITORY,
            chart="cert-manager",
            version=version,
            release="cert-manager",
            namespace="cert-manager",
            create_namespace=True,
            wait=True,
            timeout=Duration.minutes(10),
            values={
                "crds": {"enabled": True, "keep": True},
                **ha,
                "webhook": ha,
                "cainjector": ha,
                "prometheus": {"enabled": False},
            },
        )
