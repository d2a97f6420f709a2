"""Air-gapped deploys (config mirrors, docs/air-gap.md): every image, chart and the CRDs from the mirrors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from aws_cdk.assertions import Template

from charts.karmada.props import CLUSTER_GUARD_IMAGE_PLACEHOLDER
from eks_karmada.config import DEFAULT_CLUSTER_GUARD_GO_IMAGE
from eks_karmada.karmada_crds import pinned_crd_files
from eks_karmada.mirrors import Mirror, artifacts, main, mirror_for

# Every internet host the default synth fetches from at deploy time (test_the_default_synth_names_every_host keeps
# this list complete): GitHub (Karmada's CRDs), the Helm repositories, and the public image registries.
INTERNET_HOSTS = (
    "github.com",
    "charts.jetstack.io",
    "aws.github.io",
    "docker.io",
    "registry.k8s.io",
    "quay.io",
    "public.ecr.aws",
)
MIRROR = "123456789012.dkr.ecr.{region}.amazonaws.com"
# Where a reference's registry host is, in an image ("host/path:tag"), a repository URL or an OCI path.
_REFERENCE = re.compile(r'(?:https://|oci://|"image":\s*"|image: |"repository\\?":\s*\\?")([a-z0-9.-]+\.[a-z]+)[/"\\]')


def _cdk_out_text(outdir: Path) -> dict[str, str]:
    """Templates, asset manifests (asset parameters), the cloud assembly manifest, and the rendered manifests.

    The asset.* directories are left out: they are the handlers' code, which fetches only what these name.
    """
    files = [*outdir.glob("*.json"), *outdir.glob("*.out"), *(outdir / "manifests").glob("*.yaml")]
    return {str(p.relative_to(outdir)): p.read_text() for p in files if p.is_file()}


def test_the_default_synth_names_every_host(synthesized):
    text = "\n".join(_cdk_out_text(synthesized.outdir).values())
    for host in INTERNET_HOSTS:
        assert host in text, f"{host} is no longer fetched: drop it from INTERNET_HOSTS and docs/air-gap.md"
    referenced = set(_REFERENCE.findall(text))
    inside = {h for h in referenced if h.endswith((".amazonaws.com", ".svc", ".svc.cluster.local"))}
    assert referenced - inside - set(INTERNET_HOSTS) == set(), "a new internet host: mirror it and list it here"


def test_with_mirrors_nothing_in_cdk_out_names_an_internet_host(mirrored):
    texts = _cdk_out_text(mirrored.outdir)
    assert {"manifest.json", "KarmadaParent.template.json", "KarmadaParent.assets.json",
            "manifests/parent.yaml"} <= set(texts)
    found = {(name, host) for name, text in texts.items() for host in INTERNET_HOSTS
             if re.search(r"(?<![\w/.-])" + re.escape(host), text)}
    assert found == set()


def test_images_are_rewritten_registry_by_registry_in_the_pulling_clusters_region(mirrored):
    parent = "\n".join(json.dumps(o) for o in mirrored.manifests["parent"])
    east = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
    for image in ("registry.k8s.io/etcd:3.6.6-0", "registry.k8s.io/kube-apiserver:v1.35.2",
                  "docker.io/karmada/karmada-scheduler:v1.18.2", "public.ecr.aws/aws-cli/aws-cli:2.36.7"):
        assert f'"image": "{east}/{image}"' in parent
    workloads = json.dumps(mirrored.manifests["karmada"])
    assert f"{east}/public.ecr.aws/nginx/nginx-unprivileged:1.29.3-alpine" in workloads


def _helm_releases(template: dict) -> dict[str, dict]:
    return {r["Properties"]["Chart"]: r["Properties"] for r in template["Resources"].values()
            if r["Type"] == "Custom::AWSCDK-EKS-HelmChart"}


def test_helm_charts_and_their_images_come_from_the_mirror_of_the_region(mirrored):
    parent = _helm_releases(mirrored.templates["KarmadaParent"])
    charts = "oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/charts"
    assert parent["cert-manager"]["Repository"] == f"{charts}/cert-manager"
    assert parent["cert-manager"]["Version"] == "v1.21.2"
    values = json.loads(parent["cert-manager"]["Values"])
    quay = "123456789012.dkr.ecr.us-east-1.amazonaws.com/quay.io/jetstack"
    assert [values["image"], values["webhook"]["image"], values["cainjector"]["image"],
            values["startupapicheck"]["image"], values["acmesolver"]["image"]] == [
        {"repository": f"{quay}/cert-manager-{c}"}
        for c in ("controller", "webhook", "cainjector", "startupapicheck", "acmesolver")]
    assert parent["aws-load-balancer-controller"]["Repository"] == f"{charts}/aws-load-balancer-controller"
    west = _helm_releases(mirrored.templates["KarmadaMember-member-usw2"])["aws-load-balancer-controller"]
    assert west["Repository"] == "oci://123456789012.dkr.ecr.us-west-2.amazonaws.com/charts/aws-load-balancer-controller"
    assert ("123456789012.dkr.ecr.us-west-2.amazonaws.com/public.ecr.aws/eks/aws-load-balancer-controller"
            in json.dumps(west["Values"]))


def test_crds_come_from_the_s3_mirror_which_only_the_manifest_handler_may_read(mirrored):
    template = Template.from_json(mirrored.templates["KarmadaParent"])
    sources = [json.loads(r["Properties"]["Source"])
               for r in template.find_resources("Custom::KarmadaManifest").values() if "Source" in r["Properties"]]
    # Nothing but CRDs is accepted from the mirror (functions/karmada_manifest/manifest_source.py).
    # Each file of the mirror's archive is checked against the digests pinned for the release, as from GitHub.
    assert sources == [{"url": "s3://my-mirror/karmada/v1.18.2/crds.tar.gz", "paths": ["crds/bases/"],
                        "files": dict(pinned_crd_files("v1.18.2")), "kinds": ["CustomResourceDefinition"]}]
    reads = [(logical_id, s) for logical_id, p in template.find_resources("AWS::IAM::Policy").items()
             for s in p["Properties"]["PolicyDocument"]["Statement"] if "s3:GetObject" in json.dumps(s["Action"])
             and "my-mirror" in json.dumps(s["Resource"])]
    assert len(reads) == 1
    logical_id, statement = reads[0]
    assert logical_id.startswith("KarmadaManifestProviderRole")
    assert statement["Action"] == "s3:GetObject"
    assert statement["Resource"] == "arn:aws:s3:::my-mirror/karmada/v1.18.2/crds.tar.gz"


def test_without_mirrors_the_crds_come_from_the_release_and_no_role_reads_s3_for_them(synthesized):
    template = Template.from_json(synthesized.templates["KarmadaParent"])
    sources = [json.loads(r["Properties"]["Source"])["url"]
               for r in template.find_resources("Custom::KarmadaManifest").values() if "Source" in r["Properties"]]
    assert sources == ["https://github.com/karmada-io/karmada/releases/download/v1.18.2/crds.tar.gz"]
    assert "ReadKarmadaCrdsMirror" not in json.dumps(synthesized.templates["KarmadaParent"])


def test_mirrored_templates_pass_cfn_lint_and_cdk_nag(mirrored):
    from tests.test_scanners import (
        test_cdk_nag_reports_no_unacknowledged_findings,
        test_cfn_lint_has_no_errors_and_only_accepted_warnings,
    )

    test_cdk_nag_reports_no_unacknowledged_findings(mirrored)
    test_cfn_lint_has_no_errors_and_only_accepted_warnings(mirrored)


# --- the mapping itself ---------------------------------------------------------------------------------
@pytest.mark.parametrize("image, mirrored", [
    ("registry.k8s.io/etcd:3.6.6-0", "m.example.com/registry.k8s.io/etcd:3.6.6-0"),
    ("docker.io/karmada", "m.example.com/docker.io/karmada"),
    ("karmada/karmada-agent:v1.18.2", "m.example.com/docker.io/karmada/karmada-agent:v1.18.2"),
    ("nginx:1.29", "m.example.com/docker.io/library/nginx:1.29"),
    ("nginx", "m.example.com/docker.io/library/nginx"),
    ("registry.k8s.io", "m.example.com/registry.k8s.io"),
    ("localhost:5000/x:1", "m.example.com/localhost:5000/x:1"),
    ("quay.io/jetstack/cert-manager-controller@sha256:" + "a" * 64,
     "m.example.com/quay.io/jetstack/cert-manager-controller@sha256:" + "a" * 64),
    ("m.example.com/already/there:1", "m.example.com/already/there:1"),
])
def test_image_mapping(image, mirrored):
    assert Mirror(images="m.example.com").image(image) == mirrored
    assert Mirror().image(image) == image


def test_chart_mapping():
    assert Mirror().chart_repository("cert-manager", "https://charts.jetstack.io") == "https://charts.jetstack.io"
    assert Mirror().mirrored_chart("cert-manager") is None
    mirror = Mirror(helm_charts="oci://1.dkr.ecr.r.amazonaws.com/c")
    assert mirror.chart_repository("cert-manager", "https://x") == "oci://1.dkr.ecr.r.amazonaws.com/c/cert-manager"
    assert mirror.mirrored_chart("x") == "oci://1.dkr.ecr.r.amazonaws.com/c/x"


def test_region_placeholder_is_the_pulling_clusters_region(mirrored_config, default_config):
    west = mirror_for(mirrored_config, "us-west-2")
    assert west.images == "123456789012.dkr.ecr.us-west-2.amazonaws.com"
    assert west.helm_charts == "oci://123456789012.dkr.ecr.us-west-2.amazonaws.com/charts"
    assert mirror_for(default_config, "us-west-2") == Mirror()


def test_artifacts_list_every_image_chart_and_the_crds_with_their_mirror(mirrored_config, mirrored):
    listed = artifacts(mirrored_config)
    by_kind = {kind: [a for a in listed if a.kind == kind] for kind in ("image", "chart", "crds")}
    assert [(a.upstream, a.mirrored) for a in by_kind["crds"]] == [(
        "https://github.com/karmada-io/karmada/releases/download/v1.18.2/crds.tar.gz",
        "s3://my-mirror/karmada/v1.18.2/crds.tar.gz")]
    # Every image the rendered objects name is listed, mirrored as synth wrote it.
    rendered = {o for objects in mirrored.manifests.values() for o in re.findall(r'"image": "([^"]+)"',
                                                                                   json.dumps(objects))}
    # (but the app's own image, which `cdk deploy` builds, from the Go image listed and mirrored like the others)
    assert rendered - {CLUSTER_GUARD_IMAGE_PLACEHOLDER} <= {a.mirrored for a in by_kind["image"]}
    assert "quay.io/jetstack/cert-manager-acmesolver:v1.21.2" in {a.upstream for a in by_kind["image"]}
    go_image = next(a for a in by_kind["image"] if a.upstream == DEFAULT_CLUSTER_GUARD_GO_IMAGE)
    assert go_image.mirrored == f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{DEFAULT_CLUSTER_GUARD_GO_IMAGE}"
    build_args = json.loads((mirrored.outdir / "KarmadaParent.assets.json").read_text())["dockerImages"]
    assert [a["source"]["dockerBuildArgs"]["GO_IMAGE"] for a in build_args.values()] == [go_image.mirrored]
    # The load balancer controller's chart in each region that installs it, cert-manager's on the parent.
    assert sorted((a.region, a.mirrored) for a in by_kind["chart"]) == [
        ("us-east-1", "oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/charts/aws-load-balancer-controller@3.2.2"),
        ("us-east-1", "oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/charts/cert-manager@v1.21.2"),
        ("us-west-2", "oci://123456789012.dkr.ecr.us-west-2.amazonaws.com/charts/aws-load-balancer-controller@3.2.2"),
    ]
    for artifact in listed:
        assert not any(artifact.mirrored.startswith(h) or f"://{h}" in artifact.mirrored for h in INTERNET_HOSTS)


def test_the_artifact_list_command_prints_one_line_each_and_refuses_a_bad_config(tmp_path, capsys):
    assert main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "crds\tus-east-1\thttps://github.com/karmada-io/karmada/releases/download/v1.18.2/crds.tar.gz\t" \
           "https://github.com/karmada-io/karmada/releases/download/v1.18.2/crds.tar.gz" in lines
    assert all(len(line.split("\t")) == 4 for line in lines)
    bad = tmp_path / "bad.yaml"
    bad.write_text("mirrors: {crds: http://x/crds.tar.gz}\n")
    assert main([str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: mirrors.crds: ") and err.count("\n") == 1
