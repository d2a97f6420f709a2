"""cert-manager on an EKS cluster: the PKI of the Karmada control plane."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from aws_cdk import Duration
from aws_cdk import aws_eks_v2 as eks
from constructs import Construct

REPOSITORY = "https://charts.jetstack.io"
CHART = "cert-manager"


@dataclass(frozen=True, kw_only=True)
class CertManagerImages:
    """The image repositories of cert-manager's components (no tag: the chart version is the tag)."""
    image: str = "quay.io/jetstack/cert-manager-controller"
    """The controller. Default: the chart's own."""
    webhook: str = "quay.io/jetstack/cert-manager-webhook"
    """The webhook. Default: the chart's own."""
    cainjector: str = "quay.io/jetstack/cert-manager-cainjector"
    """The CA injector. Default: the chart's own."""
    startupapicheck: str = "quay.io/jetstack/cert-manager-startupapicheck"
    """The post-install check Job. Default: the chart's own."""
    acmesolver: str = "quay.io/jetstack/cert-manager-acmesolver"
    """The ACME HTTP-01 solver the controller would start (this app issues no ACME certificates).
    Default: the chart's own."""

    def references(self, version: str) -> dict[str, str]:
        """Each component's image reference at chart `version` (the chart's appVersion, its images' tag)."""
        return {component: f"{repository}:{version}" for component, repository in asdict(self).items()}


@dataclass(frozen=True, kw_only=True)
class CertManagerProps:
    """Properties of `CertManager`."""
    cluster: eks.ICluster
    """The cluster to install into."""
    version: str
    """Helm chart version (charts.jetstack.io). Default: none, the config pins it."""
    repository: str = REPOSITORY
    """The chart's repository: Jetstack's, or an OCI path ending in /cert-manager (a mirror). Default: Jetstack's."""
    images: CertManagerImages = field(default_factory=CertManagerImages)
    """Where the components' images come from. Default: the chart's own repositories (quay.io)."""
    digests: Mapping[str, str] = field(default_factory=dict)
    """The digest of a component's image (keys: the fields of `CertManagerImages`), the chart's
    `<component>.image.digest`. The chart then writes `<repository>@<digest>`: its image template drops the tag when
    a digest is set; the chart version still names it. Default: none, every image by the chart version's tag."""
    metrics: bool = False
    """Declare the controller's metrics port (9402) and its Service, for a scraper; no ServiceMonitor or PodMonitor.
    Default: False."""


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
        # Written out even when they are the chart's defaults, so cdk.out names every registry a deploy pulls from.
        images = {component: {"image": {"repository": repository,
                                         **({"digest": props.digests[component]} if component in props.digests
                                            else {})}}
                  for component, repository in asdict(props.images).items()}
        self.chart = eks.HelmChart(
            self,
            "Chart",
            cluster=cluster,
            repository=props.repository,
            chart=CHART,
            version=version,
            release="cert-manager",
            namespace="cert-manager",
            create_namespace=True,
            wait=True,
            timeout=Duration.minutes(10),
            values={
                "crds": {"enabled": True, "keep": True},
                **ha,
                **images["image"],
                "webhook": {**ha, **images["webhook"]},
                "cainjector": {**ha, **images["cainjector"]},
                "startupapicheck": images["startupapicheck"],
                "acmesolver": images["acmesolver"],
                "prometheus": {"enabled": props.metrics, "servicemonitor": {"enabled": False},
                               "podmonitor": {"enabled": False}},
            },
        )
