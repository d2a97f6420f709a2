"""KarmadaApiBootstrap on its own stack: the CRD source it writes, from the release or a mirror, always pinned."""

from __future__ import annotations

import json

import cdk8s
import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk.assertions import Template

from eks_karmada.karmada_crds import UnpinnedVersionError, pinned_crd_files
from karmada_constructs.karmada_control_plane import KarmadaApiBootstrap, KarmadaApiBootstrapProps
from karmada_constructs.karmada_manifest import KarmadaManifest
from karmada_constructs.karmada_manifest_provider import KarmadaManifestProvider, KarmadaManifestProviderProps

REGION, ACCOUNT = "us-east-1", "111122223333"
PINNED = "v1.18.2"


def _bootstrap(version: str = PINNED, crds_url: str | None = None) -> Stack:
    stack = Stack(App(), "BootstrapTest", env=Environment(account=ACCOUNT, region=REGION))
    kubectl = eks.KubectlProvider.from_kubectl_provider_attributes(
        stack, "KubectlProvider", service_token=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:kubectl-provider")
    cluster = eks.Cluster.from_cluster_attributes(stack, "Cluster", cluster_name="karmada-parent",
                                                  cluster_security_group_id="sg-0123456789abcdef0",
                                                  kubectl_provider=kubectl)
    vpc = ec2.Vpc.from_vpc_attributes(stack, "Vpc", vpc_id="vpc-0123abcd", availability_zones=["us-east-1a"],
                                      private_subnet_ids=["subnet-0123abcd"])
    provider = KarmadaManifestProvider(stack, "KarmadaManifestProvider", KarmadaManifestProviderProps(
        cluster=cluster, vpc=vpc, karmada_cluster_id="karmada-parent-karmada"))
    rbac_provider = KarmadaManifestProvider(stack, "KarmadaBootstrapProvider",
                                            KarmadaManifestProviderProps(cluster=cluster, vpc=vpc))
    charts = cdk8s.App()
    rbac = cdk8s.Chart(charts, "rbac")
    cdk8s.ApiObject(rbac, "ns", api_version="v1", kind="Namespace", metadata={"name": "karmada-cluster"})
    objects = cdk8s.Chart(charts, "bootstrap")
    cdk8s.ApiObject(objects, "ns", api_version="v1", kind="Namespace", metadata={"name": "karmada-system"})
    KarmadaApiBootstrap(stack, "KarmadaApiBootstrap", KarmadaApiBootstrapProps(
        provider=provider, rbac_provider=rbac_provider, karmada_version=version, rbac=rbac, bootstrap=objects,
        crds_url=crds_url))
    return stack


def _source(stack: Stack) -> dict:
    resources = Template.from_stack(stack).find_resources(KarmadaManifest.RESOURCE_TYPE)
    [source] = [json.loads(r["Properties"]["Source"]) for r in resources.values() if "Source" in r["Properties"]]
    return source


def _reads_s3(stack: Stack) -> bool:
    return "ReadKarmadaCrdsMirror" in json.dumps(Template.from_stack(stack).to_json())


def test_the_release_is_read_with_every_file_pinned_and_only_crds_accepted():
    stack = _bootstrap()
    assert _source(stack) == {
        "url": f"https://github.com/karmada-io/karmada/releases/download/{PINNED}/crds.tar.gz",
        "paths": ["crds/bases/"], "files": dict(pinned_crd_files(PINNED)), "kinds": ["CustomResourceDefinition"]}
    assert not _reads_s3(stack)


def test_an_https_mirror_is_read_with_the_same_digests_and_no_s3_permission():
    url = "https://mirror.corp.example.com/karmada/v1.18.2/crds.tar.gz"
    stack = _bootstrap(crds_url=url)
    source = _source(stack)
    assert source["url"] == url and source["files"] == pinned_crd_files(PINNED)
    assert not _reads_s3(stack)


def test_an_s3_mirror_is_read_with_the_same_digests_and_that_object_only():
    stack = _bootstrap(crds_url="s3://my-mirror/karmada/v1.18.2/crds.tar.gz")
    assert _source(stack)["files"] == pinned_crd_files(PINNED)
    statements = [s for p in Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
                  for s in p["Properties"]["PolicyDocument"]["Statement"] if s.get("Sid") == "ReadKarmadaCrdsMirror"]
    arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::my-mirror/karmada/v1.18.2/crds.tar.gz"]]}
    assert [(s["Action"], s["Resource"]) for s in statements] == [("s3:GetObject", arn)]


def test_a_version_without_pinned_digests_fails_synth_saying_how_to_pin_it():
    with pytest.raises(UnpinnedVersionError, match=r"^no CRD digests are pinned for Karmada v1\.18\.9 .*"
                                                   r"python -m eks_karmada\.karmada_crds v1\.18\.9"):
        _bootstrap(version="v1.18.9")
