"""The karmada-cluster-guard image: built from images/karmada-cluster-guard by `cdk deploy`, or a prebuilt one."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_ecr_assets as ecr_assets
from constructs import Construct

from charts.karmada import names
from charts.karmada.props import CLUSTER_GUARD_IMAGE_PLACEHOLDER
from eks_karmada.config import ClusterGuardConfig
from karmada_constructs.rendered_manifests import RenderedManifests

SOURCE = Path(__file__).resolve().parent.parent / "images" / "karmada-cluster-guard"
# The name the asset manifest gives the image (its displayName): the component's.
NAME = names.CLUSTER_GUARD


class ClusterGuardImage(Construct):
    """The image the cluster guard's pods run.

    Without ``config.image``: a DockerImageAsset of ``images/karmada-cluster-guard`` (linux/amd64, the parent's node
    architecture), which `cdk deploy` builds with Docker and pushes to the CDK bootstrap's container assets repository,
    where the nodes' AmazonEC2ContainerRegistryReadOnly policy lets them pull it; its tag is the hash of the folder (and
    of the build arguments), so the image changes exactly when the source does. ``go_image`` is the first stage's
    image (``config.go_image`` through the mirrors). With ``config.image``: that image, as given.
    ``image`` is the reference for the charts; the rendered manifests show an asset's as
    ``${ImageAsset.karmada-cluster-guard}``.
    """

    def __init__(self, scope: Construct, id: str, config: ClusterGuardConfig, *, go_image: str) -> None:
        super().__init__(scope, id)
        if config.image is not None:
            self.image = config.image
            return
        asset = ecr_assets.DockerImageAsset(
            self, "Asset",
            directory=str(SOURCE),
            display_name=NAME,
            platform=ecr_assets.Platform.LINUX_AMD64,
            build_args={"GO_IMAGE": go_image},
        )
        placeholder = CLUSTER_GUARD_IMAGE_PLACEHOLDER[2:-1]  # ${Name} -> Name
        self.image = RenderedManifests.of(self).placeholder(asset.image_uri, placeholder)
