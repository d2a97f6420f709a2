"""images.digests in the synthesized app: every image of the config written `<reference>:<tag>@sha256:...`.

One synth of a config with every optional image (the Karmada add-on components, a Pull member's karmada-agent and
collector, the etcd backups), through a mirror, with a digest for every image `python -m eks_karmada.image_digests`
lists. The default config pins nothing (its snapshots, tests/test_snapshots.py, are unchanged).
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest
import yaml

from charts.karmada.props import CLUSTER_GUARD_IMAGE_PLACEHOLDER
from eks_karmada.config import parse_config
from eks_karmada.image_digests import config_images
from eks_karmada.mirrors import Mirror, artifacts, mirror_for
from tests.observability.synths import config_data
from tests.synth import ROOT, synthesize

MIRROR = "123456789012.dkr.ecr.{region}.amazonaws.com"
_IMAGE = re.compile(r'"image": "([^"]+)"')
_PINNED = re.compile(r".+:[A-Za-z0-9_][A-Za-z0-9_.-]*@sha256:[0-9a-f]{64}")


def _fake_digest(reference: str) -> str:
    return "sha256:" + hashlib.sha256(reference.encode()).hexdigest()


def _every_component() -> dict:
    """The default config with a Pull member, metrics, and every optional Karmada component."""
    data = config_data(pull_member=True, enabled=True)
    data["karmada"]["components"] = {"descheduler": True, "search": True, "metrics_adapter": True,
                                     "scheduler_estimators": True}
    return data


def _traffic() -> dict:
    """config/traffic.yaml: ExternalDNS in each new member, the sample's traffic client."""
    return yaml.safe_load((ROOT / "config" / "traffic.yaml").read_text())


@pytest.fixture(scope="module", params=[_every_component, _traffic], ids=["components-pull-metrics", "traffic"])
def pinned_config(request):
    data = request.param()
    data["mirrors"] = {"images": MIRROR}
    images = config_images(parse_config(data))
    data["images"] = {"digests": {image: _fake_digest(image) for image in images}}
    return parse_config(data, "pinned")


@pytest.fixture(scope="module")
def pinned(pinned_config, tmp_path_factory):
    return synthesize(pinned_config, tmp_path_factory.mktemp("cdk.out-pinned"))


def test_every_rendered_image_is_its_tag_and_digest_through_the_mirror(pinned_config, pinned):
    digests = pinned_config.images.digests
    assert {"docker.io/karmada/karmada-agent:v1.18.2", "docker.io/karmada/karmada-scheduler-estimator:v1.18.2",
            "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"} <= set(digests) or {
        "registry.k8s.io/external-dns/external-dns:v0.21.0", "public.ecr.aws/docker/library/busybox:1.37.0",
    } <= set(digests)
    rendered = {image for objects in pinned.manifests.values() for image in _IMAGE.findall(json.dumps(objects))}
    # The app's own image is pinned by its content: the asset's tag is the hash of its folder.
    rendered.discard(CLUSTER_GUARD_IMAGE_PLACEHOLDER)
    assert rendered and all(_PINNED.fullmatch(image) for image in rendered), sorted(rendered)
    # Each is the mirrored upstream reference with the digest pinned for that reference.
    expected = {f"{mirror_for(pinned_config, region).location(ref)}@{digest}"
                for ref, digest in digests.items() for region in ("us-east-1", "us-west-2")}
    assert rendered <= expected
    # And `python -m eks_karmada.mirrors` lists exactly what synth wrote.
    listed = {a.mirrored for a in artifacts(pinned_config) if a.kind == "image"}
    assert rendered <= listed and all(_PINNED.fullmatch(image) for image in listed)


def test_no_pinned_image_is_left_by_tag_anywhere_in_cdk_out(pinned_config, pinned):
    texts = [p.read_text() for p in (*pinned.outdir.glob("*.json"), *(pinned.outdir / "manifests").glob("*.yaml"))]
    text = "\n".join(texts)
    for reference in pinned_config.images.digests:
        for region in ("us-east-1", "us-west-2"):
            location = mirror_for(pinned_config, region).location(reference)
            for found in re.finditer(re.escape(location) + r"(?![\w.-])", text):
                assert text.startswith("@sha256:", found.end()), f"{location} without its digest"


def _helm_values(template: dict, chart: str) -> dict:
    (release,) = [r["Properties"] for r in template["Resources"].values()
                  if r["Type"] == "Custom::AWSCDK-EKS-HelmChart" and r["Properties"]["Chart"] == chart]
    return json.loads(release["Values"]) if isinstance(release["Values"], str) else release["Values"]


def test_cert_manager_takes_each_components_digest(pinned_config, pinned):
    values = _helm_values(pinned.templates["KarmadaParent"], "cert-manager")
    quay = "123456789012.dkr.ecr.us-east-1.amazonaws.com/quay.io/jetstack"
    images = [values["image"], values["webhook"]["image"], values["cainjector"]["image"],
              values["startupapicheck"]["image"], values["acmesolver"]["image"]]
    for image, component in zip(images, ("controller", "webhook", "cainjector", "startupapicheck", "acmesolver"),
                                strict=True):
        reference = f"quay.io/jetstack/cert-manager-{component}:v1.21.2"
        assert image == {"repository": f"{quay}/cert-manager-{component}",
                         "digest": pinned_config.images.digests[reference]}


def _load_balancer_values(template: dict) -> dict:
    (release,) = [r["Properties"] for r in template["Resources"].values()
                  if r["Type"] == "Custom::AWSCDK-EKS-HelmChart"
                  and r["Properties"]["Chart"] == "aws-load-balancer-controller"]
    values = release["Values"]
    # Overridden whole (karmada_constructs/load_balancer_controller.py): a JSON string, or Fn::Join of one.
    text = values if isinstance(values, str) else "".join(p for p in values["Fn::Join"][1] if isinstance(p, str))
    return json.loads(re.sub(r'"(region|vpcId|clusterName)":"[^"]*"', r'"\1":""', text))


@pytest.mark.parametrize("stack, region", [("KarmadaParent", "us-east-1"), ("KarmadaMember-member-usw2", "us-west-2")])
def test_the_load_balancer_controller_carries_its_digest_in_the_tag(pinned_config, pinned, stack, region):
    digest = pinned_config.images.digests["public.ecr.aws/eks/aws-load-balancer-controller:v3.2.2"]
    image = _load_balancer_values(pinned.templates[stack])["image"]
    assert image == {"repository": f"123456789012.dkr.ecr.{region}.amazonaws.com/public.ecr.aws/eks/"
                                   "aws-load-balancer-controller", "tag": f"v3.2.2@{digest}"}


# --- the mapping ------------------------------------------------------------------------------------------
DIGEST = "sha256:" + "d" * 64


@pytest.mark.parametrize("image, pulled", [
    ("registry.k8s.io/etcd:3.6.6-0", f"m.example.com/registry.k8s.io/etcd:3.6.6-0@{DIGEST}"),
    ("karmada/karmada-agent:v1.18.2", f"m.example.com/docker.io/karmada/karmada-agent:v1.18.2@{DIGEST}"),
    ("registry.k8s.io/etcd:3.6.7-0", "m.example.com/registry.k8s.io/etcd:3.6.7-0"),  # another tag: not pinned
    ("registry.k8s.io/etcd", "m.example.com/registry.k8s.io/etcd"),  # a repository: no tag, no digest
    # A reference that carries its own digest keeps it.
    (f"registry.k8s.io/etcd:3.6.6-0@sha256:{'e' * 64}",
     f"m.example.com/registry.k8s.io/etcd:3.6.6-0@sha256:{'e' * 64}"),
])
def test_a_pinned_reference_keeps_its_digest_through_the_mirror(image, pulled):
    digests = {"registry.k8s.io/etcd:3.6.6-0": DIGEST, "docker.io/karmada/karmada-agent:v1.18.2": DIGEST}
    assert Mirror(images="m.example.com", digests=digests).image(image) == pulled
    assert Mirror(digests=digests).image(image) == pulled.removeprefix("m.example.com/").replace(
        "docker.io/karmada/", "karmada/")
    assert Mirror(images="m.example.com").image(image) == pulled.replace(f"@{DIGEST}", "")


def test_the_control_plane_charts_get_the_digests_by_where_they_pull():
    mirror = Mirror(images="m.example.com", digests={"registry.k8s.io/etcd:3.6.6-0": DIGEST})
    assert mirror.digests_by_location() == {"m.example.com/registry.k8s.io/etcd:3.6.6-0": DIGEST}
    assert Mirror(digests={"registry.k8s.io/etcd:3.6.6-0": DIGEST}).digests_by_location() == {
        "registry.k8s.io/etcd:3.6.6-0": DIGEST}
