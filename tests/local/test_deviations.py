"""local_control_plane.deviations: the stand-ins are consistent with what binaries.py builds."""

from __future__ import annotations

import re
from pathlib import Path

from local_control_plane import binaries, deviations
from local_control_plane.pods import image_repository

ROOT = Path(__file__).resolve().parents[2]
BUILT = {name for module in binaries.MODULES for name in module.commands}


def test_every_image_maps_to_built_binaries() -> None:
    assert deviations.IMAGE_FILES
    for repository, files in deviations.IMAGE_FILES.items():
        assert files, repository
        for path, binary in files.items():
            # Besides the binaries, one harness file: the local STS's CA (Environment adds it to the binaries).
            assert binary in BUILT | {deviations.STS_CA_FILE}, \
                f"{repository}: {binary} is built by no module in binaries.MODULES"
            assert path.startswith("/") and not path.endswith("/"), (repository, path)


def test_image_files_keys_are_repositories_without_registry_or_tag() -> None:
    for repository in (*deviations.IMAGE_FILES, *deviations.HOST_TOOL_IMAGES):
        assert image_repository(repository) == repository
        assert image_repository(f"registry.example.com/{repository}:v1") == repository


def test_host_tool_images_have_no_binaries() -> None:
    assert not set(deviations.HOST_TOOL_IMAGES) & set(deviations.IMAGE_FILES)


def test_placeholders_look_like_deploy_time_values() -> None:
    pattern = re.compile(r"^\$\{[A-Za-z][A-Za-z0-9]*\.[A-Za-z][A-Za-z0-9]*\}$")
    assert deviations.PLACEHOLDERS
    for key, value in deviations.PLACEHOLDERS.items():
        assert pattern.match(key), key
        assert value and "${" not in value
    assert deviations.PLACEHOLDERS["${Nlb.DnsName}"] == deviations.NLB_DNS_NAME
    assert deviations.PLACEHOLDERS["${EtcdBackup.BucketName}"] == deviations.BACKUP_BUCKET


def test_member_endpoint_placeholder() -> None:
    assert deviations.member_endpoint_placeholder("member-use1") == "${Member.member-use1.Endpoint}"
    assert deviations.member_endpoint_placeholder("a") != deviations.member_endpoint_placeholder("b")
    assert deviations.member_endpoint_placeholder("a") not in deviations.PLACEHOLDERS


def test_deployment_replicas_is_positive() -> None:
    assert isinstance(deviations.DEPLOYMENT_REPLICAS, int) and deviations.DEPLOYMENT_REPLICAS >= 1


def test_every_image_of_the_local_parent_maps_through_its_pull_through_cache() -> None:
    # config/local.yaml renders the parent's images as ${Parent.AccountId}.dkr.ecr.<region>.amazonaws.com/<host>/...
    # (its pull-through cache); make local fills the placeholder, and each image must still find its stand-in.
    import cdk8s

    from charts.karmada import control_plane_charts
    from charts.karmada.props import CLUSTER_GUARD_IMAGE_PLACEHOLDER
    from eks_karmada.chart_props import control_plane_props
    from eks_karmada.config import load_config
    from eks_karmada.mirrors import _images_in

    config = load_config(ROOT / "config" / "local.yaml")
    charts = control_plane_charts(cdk8s.App(), control_plane_props(config, "nlb", account_token="${Parent.AccountId}"))
    images = {image.replace("${Parent.AccountId}", deviations.PLACEHOLDERS["${Parent.AccountId}"])
              for image in _images_in([o for chart in charts for o in chart.to_json()])}
    cached = {image for image in images if ".dkr.ecr.us-east-1.amazonaws.com/" in image}
    assert any("/registry.k8s.io/etcd:" in image for image in cached)
    for image in images - {CLUSTER_GUARD_IMAGE_PLACEHOLDER}:  # the app's own image: built (tests/local/test_pods.py)
        repository = image_repository(image)
        assert repository in deviations.IMAGE_FILES or repository in deviations.HOST_TOOL_IMAGES, image
