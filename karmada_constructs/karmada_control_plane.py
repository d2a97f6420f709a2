"""The Karmada control plane on the parent cluster and the bootstrap of its API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cdk8s
from aws_cdk import Stack
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from eks_karmada.karmada_crds import pinned_crd_files
from karmada_constructs.chart_manifest import ChartManifest, ChartManifestProps
from karmada_constructs.karmada_manifest import KarmadaManifest, KarmadaManifestProps, ReleaseArchive
from karmada_constructs.karmada_manifest_provider import KarmadaManifestProvider


def crds_release_url(karmada_version: str) -> str:
    """The CRD tarball of a Karmada release on GitHub."""
    return f"https://github.com/karmada-io/karmada/releases/download/{karmada_version}/crds.tar.gz"


@dataclass(frozen=True, kw_only=True)
class KarmadaControlPlaneManifestsProps:
    """Properties of `KarmadaControlPlane`."""
    cluster: eks.ICluster
    """The parent cluster."""
    charts: Sequence[cdk8s.Chart]
    """The control-plane charts, the namespace's first (charts/karmada/charts.py)."""
    target: str
    """The rendered-manifests file they are recorded in."""
    depends_on: Sequence[IConstruct] = ()
    """Applied after these (cert-manager, the StorageClass). Default: none."""


class KarmadaControlPlane(Construct):
    """Applies the control-plane charts to the parent cluster.

    Applies the control-plane charts to the parent cluster, one KubernetesManifest per component (each stays small):
    the first chart (the namespace, the PriorityClass, the kubeconfigs) after `depends_on` (cert-manager, whose CRDs
    and webhook the PKI's Issuers and Certificates need; the StorageClass etcd's claims name), then every other chart
    at once. Only what the API server would reject is ordered: objects in a namespace that does not exist yet, and
    cert-manager kinds before cert-manager. Everything else waits by itself: kubelets retry mounting the Secrets
    cert-manager issues and the ConfigMaps, and the components retry etcd and the apiserver until they answer.

    Deletion runs the other way: every component at once, then the first chart (the namespace, whose deletion takes
    etcd's claims), all while `depends_on` (and the nodes and drivers they stand on) still run.
    """

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneManifestsProps) -> None:
        super().__init__(scope, id)
        self.manifests: list[ChartManifest] = []
        for chart in props.charts:
            manifest = ChartManifest(self, chart.node.id, ChartManifestProps(cluster=props.cluster, chart=chart,
                                                                             target=props.target))
            # The outer prerequisites reach the other charts through the first one.
            for dependency in self.manifests[:1] or props.depends_on:
                manifest.node.add_dependency(dependency)
            self.manifests.append(manifest)

    @property
    def foundation(self) -> ChartManifest:
        """The first manifest: the namespace everything else lives in."""
        return self.manifests[0]


@dataclass(frozen=True, kw_only=True)
class KarmadaApiBootstrapProps:
    """Properties of `KarmadaApiBootstrap`."""
    provider: KarmadaManifestProvider
    """The parent's general KarmadaManifest provider (its own role): the CRDs and the bootstrap objects."""
    rbac_provider: KarmadaManifestProvider
    """The provider with the break-glass admin certificate: the RBAC, which lets `provider` in."""
    karmada_version: str
    """The Karmada release whose CRDs are applied; its CRD digests must be pinned (eks_karmada/karmada_crds.py)."""
    rbac: cdk8s.Chart
    """The Karmada API's RBAC (charts/karmada/bootstrap.py `KarmadaApiRbacChart`)."""
    bootstrap: cdk8s.Chart
    """The bootstrap objects (charts/karmada/bootstrap.py `KarmadaApiBootstrapChart`)."""
    crds_url: str | None = None
    """Where the CRD tarball of `karmada_version` is read: an s3://<bucket>/<key> mirror, which the provider's role
    may then read (that object only), or an https:// mirror. Either must hold the release's files byte for byte.
    Default: the Karmada release on GitHub."""
    depends_on: Sequence[IConstruct] = ()
    """Applied after these (the control plane). Default: none."""


class KarmadaApiBootstrap(Construct):
    """Bootstraps the Karmada API once its apiserver answers.

    Bootstraps the Karmada API once its apiserver answers: first its RBAC (`rbac`), the one KarmadaManifest applied
    with the break-glass admin certificate (`rbac_provider`), which binds among others the general provider's role;
    then, with that role, Karmada's CRDs from the official release tarball of the pinned version (fetched inside AWS
    at deploy time, from GitHub or an S3 or HTTPS mirror, applied by server-side apply, so a version bump or a
    redeploy is idempotent), then the bootstrap objects (APIServices, webhook configurations, the failover
    ClusterTaintPolicy, cluster-info).

    Every file of the tarball is checked against the sha256 pinned for `karmada_version` in
    eks_karmada/karmada_crd_digests.py, and only CustomResourceDefinitions are accepted from it, so neither the
    download nor a mirror can add or change what is applied with cluster-admin rights. A version with no pinned
    digests fails synth (`UnpinnedVersionError`, which says how to pin them).
    """

    def __init__(self, scope: Construct, id: str, props: KarmadaApiBootstrapProps) -> None:
        super().__init__(scope, id)
        files = pinned_crd_files(props.karmada_version)
        url = props.crds_url or crds_release_url(props.karmada_version)
        if url.startswith("s3://"):
            bucket_and_key = url.removeprefix("s3://")
            props.provider.role.add_to_policy(iam.PolicyStatement(
                sid="ReadKarmadaCrdsMirror",
                actions=["s3:GetObject"],
                resources=[f"arn:{Stack.of(self).partition}:s3:::{bucket_and_key}"],
            ))
        self.rbac = KarmadaManifest(self, "Rbac", KarmadaManifestProps(
            provider=props.rbac_provider, manifest=props.rbac.to_json(), overwrite=True))
        for dependency in props.depends_on:
            self.rbac.node.add_dependency(dependency)
        self.crds = KarmadaManifest(self, "Crds", KarmadaManifestProps(
            provider=props.provider,
            # From the release or a mirror: the pinned files only, and nothing but CRDs (and their conversion patches).
            archive=ReleaseArchive(url=url, paths=("crds/bases/",), files=files, kinds=("CustomResourceDefinition",)),
            overwrite=True,
        ))
        self.crds.node.add_dependency(self.rbac)
        self.objects = KarmadaManifest(self, "Objects", KarmadaManifestProps(
            provider=props.provider, manifest=props.bootstrap.to_json(), overwrite=True))
        self.objects.node.add_dependency(self.crds)
