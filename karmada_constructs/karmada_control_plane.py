"""The Karmada control plane on the parent cluster and the bootstrap of its API."""

from __future__ import annotations

import cdk8s
from aws_cdk import aws_eks_v2 as eks
from constructs import Construct, IConstruct

from karmada_constructs.chart_manifest import ChartManifest
from karmada_constructs.karmada_manifest import KarmadaManifest, ReleaseArchive
from karmada_constructs.karmada_manifest_provider import KarmadaManifestProvider


class KarmadaControlPlane(Construct):
    """Applies the control-plane charts to the parent cluster, one
    KubernetesManifest per component (each stays small) and each after the one
    before it (namespace and PKI, etcd, apiserver, then the controllers), all
    after `after` (cert-manager, the StorageClass).
    """

    def __init__(self, scope: Construct, id: str, *, cluster: eks.ICluster, charts: list[cdk8s.Chart],
                 target: str, after: list[IConstruct]) -> None:
        super().__init__(scope, id)
        self.manifests: list[ChartManifest] = []
        for chart in charts:
            manifest = ChartManifest(self, chart.node.id, cluster=cluster, chart=chart, target=target)
            for dependency in [*after, *self.manifests[-1:]]:
                manifest.node.add_dependency(dependency)
            self.manifests.append(manifest)

    @property
    def foundation(self) -> ChartManifest:
        """The first manifest: the namespace everything else lives in."""
        return self.manifests[0]


class KarmadaApiBootstrap(Construct):
    """Bootstraps the Karmada API once its apiserver answers: Karmada's CRDs
    from the official release tarball of the pinned version (fetched inside
    AWS at deploy time, applied by server-side apply, so a version bump or a
    redeploy is idempotent), then the bootstrap objects (APIServices, webhook
    configurations, RBAC, the failover ClusterTaintPolicy, cluster-info).
    """

    def __init__(self, scope: Construct, id: str, *, provider: KarmadaManifestProvider, karmada_version: str,
                 bootstrap: cdk8s.Chart, after: IConstruct) -> None:
        super().__init__(scope, id)
        self.crds = KarmadaManifest(
            self,
            "Crds",
            provider=provider,
            archive=ReleaseArchive(
                url=f"https://github.com/karmada-io/karmada/releases/download/{karmada_version}/crds.tar.gz",
                paths=("crds/bases/",),
            ),
            overwrite=True,
        )
        self.crds.node.add_dependency(after)
        self.objects = KarmadaManifest(
            self, "Objects", provider=provider, manifest=bootstrap.to_json(), overwrite=True
        )
        self.objects.node.add_dependency(self.crds)
