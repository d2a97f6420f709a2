"""KarmadaManifest: like eks.KubernetesManifest, but the objects go to the Karmada API server."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aws_cdk import CustomResource, Stack
from constructs import Construct

from eks_karmada.manifest_checks import check_manifest
from functions import resource_types
from functions.karmada_manifest import properties as keys
from karmada_constructs.karmada_manifest_provider import KarmadaManifestProvider
from karmada_constructs.rendered_manifests import RenderedManifests

KARMADA_TARGET = "karmada"
FIELD_MANAGER = "eks-karmada"


@dataclass(frozen=True)
class ReleaseArchive:
    """Objects to fetch at deploy time, inside AWS, from a release tarball (e.g. Karmada's CRDs)."""

    url: str
    """https:// or s3://<bucket>/<key> of the tarball."""
    paths: tuple[str, ...]
    """Path prefixes in the tarball whose YAML documents are applied."""
    files: Mapping[str, str]
    """Path in the tarball -> sha256 of every file it holds: the handler refuses an archive with a file that is not
    here, whose bytes differ, or that lacks one of these (e.g. eks_karmada.karmada_crds.pinned_crd_files)."""
    sha256: str | None = None
    """sha256 of the tarball itself. Default: none (the files are pinned, however the archive was packed)."""
    kinds: tuple[str, ...] = ()
    """The only kinds the archive may hold (the handler refuses anything else). Default: any."""


@dataclass(frozen=True, kw_only=True)
class KarmadaManifestProps:
    """Properties of a KarmadaManifest."""

    provider: KarmadaManifestProvider
    """The parent's provider (functions/karmada_manifest)."""
    manifest: list[dict[str, Any]] | None = None
    """Objects to apply. Default: none (then `archive`)."""
    archive: ReleaseArchive | None = None
    """Objects to fetch at deploy time from a release tarball. Default: none (then `manifest`)."""
    overwrite: bool = False
    """Take over objects that already exist (otherwise creating one fails). Default: False."""


class KarmadaManifest(Construct):
    """Applies Kubernetes objects to the Karmada API server by server-side apply.

    The field manager is `eks-karmada`; the apply goes through the parent's `KarmadaManifestProvider`.

    Same shape as `eks.KubernetesManifest`: a list of manifests and `overwrite`
    (when false, creating an object that already exists fails instead of taking
    it over). Removing the construct deletes its objects; objects dropped from
    the list on update are pruned. The API server's error message is the
    CloudFormation failure reason. Objects are recorded for
    cdk.out/manifests/karmada.yaml; `archive` objects are fetched at deploy time
    and so are not.

    Every object (not the archive's patches) carries the annotation
    `eks-karmada.io/applied-by: <this resource's physical id>`, and a delete or
    prune leaves an object whose annotation names another KarmadaManifest: moving
    an object from one KarmadaManifest to another in one deployment is safe (the
    receiving one needs `overwrite` once the object carries the other's
    annotation). The annotation is added at deploy time, so cdk.out/manifests
    does not show it.

    Malformed objects (no apiVersion, kind or name, names that are not DNS-1123,
    a namespace on a cluster-scoped kind, a Secret with data) fail synth with a
    one-line `ManifestError` naming the object and the field
    (eks_karmada/manifest_checks.py).
    """

    RESOURCE_TYPE = resource_types.KARMADA_MANIFEST

    def __init__(self, scope: Construct, id: str, props: KarmadaManifestProps) -> None:
        super().__init__(scope, id)
        provider, manifest, archive = props.provider, props.manifest, props.archive
        if not manifest and archive is None:
            raise ValueError(f"KarmadaManifest {id}: give manifest objects or a release archive")
        if archive is not None and not archive.files:
            raise ValueError(f"KarmadaManifest {id}: the release archive needs files, the sha256 of every file in it")
        if manifest:
            check_manifest(manifest, self.node.path)
        properties: dict[str, Any] = {
            **provider.access.properties(provider.cluster.cluster_name, FIELD_MANAGER),
            keys.OVERWRITE: "true" if props.overwrite else "false",
        }
        if manifest:
            RenderedManifests.of(self).record(KARMADA_TARGET, manifest)
            # to_json_string keeps deploy-time values (tokens) valid inside the JSON text.
            properties[keys.MANIFEST] = Stack.of(self).to_json_string(manifest)
        if archive is not None:
            source: dict[str, Any] = {"url": archive.url, "paths": list(archive.paths),
                                      "files": dict(sorted(archive.files.items()))}
            if archive.sha256:
                source["sha256"] = archive.sha256
            if archive.kinds:
                source["kinds"] = list(archive.kinds)
            properties[keys.SOURCE] = Stack.of(self).to_json_string(source)
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=self.RESOURCE_TYPE,
            properties=properties,
        )
        # The handler can only reach the cluster once its access entry exists.
        self.resource.node.add_dependency(provider.access_entry)
