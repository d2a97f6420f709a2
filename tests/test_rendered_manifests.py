"""cdk.out/manifests/: a clean set per synth, each file headed by what reaches its API server by other means."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from aws_cdk import App

from eks_karmada.manifest_notes import header, notes_by_target, target_of_stack
from karmada_constructs.rendered_manifests import RenderedManifests

CONFIG_MAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}}


def test_each_write_leaves_only_the_current_targets(tmp_path: Path) -> None:
    first = RenderedManifests.of(App())
    first.record("parent", [CONFIG_MAP])
    first.record("member-old", [CONFIG_MAP])
    first.write(tmp_path)
    (tmp_path / "manifests" / "notes.txt").write_text("left by hand")
    second = RenderedManifests.of(App())
    second.record("parent", [CONFIG_MAP])
    written = second.write(tmp_path)
    assert sorted(p.name for p in (tmp_path / "manifests").iterdir()) == ["parent.yaml"] == [p.name for p in written]


def test_templates_an_earlier_synth_left_bring_no_file_back(tmp_path: Path) -> None:
    # The CDK does not remove a removed member's template from the output folder; only manifest.json says
    # which stacks this synth has.
    stack = {"type": "aws:cloudformation:stack", "properties": {"templateFile": "KarmadaParent.template.json"}}
    (tmp_path / "manifest.json").write_text(json.dumps({"artifacts": {"KarmadaParent": stack}}))
    (tmp_path / "KarmadaParent.template.json").write_text(json.dumps({"Resources": {}}))
    (tmp_path / "KarmadaMember-old.template.json").write_text(json.dumps({"Resources": {"Cni": ADDON}}))
    rendered = RenderedManifests.of(App())
    rendered.record("parent", [CONFIG_MAP])
    assert [p.name for p in rendered.write(tmp_path)] == ["parent.yaml"]


def test_a_file_is_its_header_then_the_objects(tmp_path: Path) -> None:
    rendered = RenderedManifests.of(App())
    rendered.record("karmada", [CONFIG_MAP])
    (path,) = rendered.write(tmp_path)
    text = path.read_text()
    assert text.startswith("# cdk.out/manifests/karmada.yaml: the Kubernetes objects this app applies, object by "
                           "object, to the Karmada API server.\n")
    assert list(yaml.safe_load_all(text)) == [CONFIG_MAP]


HELM = {"Type": "Custom::AWSCDK-EKS-HelmChart", "Properties": {
    "Release": "lbc", "Chart": "aws-load-balancer-controller", "Version": "3.2.2", "Namespace": "kube-system",
    "Repository": "https://aws.github.io/eks-charts",
    "Values": {"Fn::Join": ["", ["{\"clusterName\":\"", {"Ref": "EksCluster"}, "\",\"role\":\"",
                                 {"Fn::GetAtt": ["Role", "Arn"]}, "\",\"other\":\"", {"Fn::Sub": "x"}, "\"}"]]}}}
ADDON = {"Type": "AWS::EKS::Addon", "Properties": {"AddonName": "vpc-cni", "AddonVersion": "v1.21.2-eksbuild.2",
                                                   "ConfigurationValues": "{\"enableNetworkPolicy\":\"true\"}"}}
CRDS = {"Type": "Custom::KarmadaManifest", "Properties": {"Source": json.dumps(
    {"url": "https://example.com/crds.tar.gz", "paths": ["crds/bases/"], "sha256": "ab" * 32,
     "files": {"crds/patches/p.yaml": "cd" * 32, "crds/bases/a.yaml": "ef" * 32}})}}
OBJECTS = {"Type": "Custom::KarmadaManifest", "Properties": {"Manifest": "[]"}}


def registration(name: str, mode: str) -> dict:
    return {"Type": "Custom::KarmadaMemberRegistration", "Properties": {
        "MemberName": name, "SyncMode": mode, "Provider": "aws", "Region": "us-west-2",
        "Zones": json.dumps(["us-west-2a", "us-west-2b"]), "Labels": json.dumps({"env": "prod"})}}


def test_what_reaches_each_api_server_by_other_means_is_named_with_its_data() -> None:
    notes = notes_by_target({
        "KarmadaParent": {"Resources": {"Lbc": HELM, "Cni": ADDON, "Crds": CRDS, "Objects": OBJECTS}},
        "KarmadaMember-edge": {"Resources": {"Cni": ADDON}},
        "KarmadaRegistration-west": {"Resources": {"Registration": registration("west", "Push")}},
        "KarmadaRegistration-edge": {"Resources": {"Registration": registration("edge", "Pull")}},
        "KarmadaWorkloads": {"Resources": {"Objects": OBJECTS}},
    })
    assert sorted(notes) == ["karmada", "member-edge", "parent"]
    helm, addon = notes["parent"]
    assert helm.splitlines() == [
        "- Helm release lbc: chart aws-load-balancer-controller 3.2.2 from https://aws.github.io/eks-charts into "
        "namespace kube-system; its objects are the chart's, rendered by Helm at deploy time (helm template with "
        "these values):",
        "    clusterName: ${EksCluster}", "    role: ${Role.Arn}", "    other: ${DeployTimeValue}"]
    assert addon == ("- EKS add-on vpc-cni v1.21.2-eksbuild.2, installed and managed by EKS with the configuration:\n"
                     "    enableNetworkPolicy: 'true'")
    crds, edge, west = notes["karmada"]  # stacks in name order
    assert crds == ("- the CustomResourceDefinitions under crds/bases/ of https://example.com/crds.tar.gz, checked "
                    f"against sha256 {'ab' * 32}, applied by server-side apply (KarmadaManifest); list them with: "
                    "kubectl --context karmada get crd; the archive must hold exactly these 2 files, each with this "
                    "sha256 (anything else fails the deploy):\n"
                    f"    crds/patches/p.yaml: {'cd' * 32}\n    crds/bases/a.yaml: {'ef' * 32}")
    cluster = yaml.safe_load("\n".join(line[4:] for line in west.splitlines()[1:]))
    assert cluster == {"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster",
                       "metadata": {"name": "west", "labels": {"env": "prod"}},
                       "spec": {"syncMode": "Push", "apiEndpoint": "${Member.west.Endpoint}",
                                "id": "${Member.west.KubeSystemUid}",
                                "secretRef": {"namespace": "karmada-cluster", "name": "west"},
                                "impersonatorSecretRef": {"namespace": "karmada-cluster", "name": "west-impersonator"},
                                "provider": "aws", "region": "us-west-2", "zones": ["us-west-2a", "us-west-2b"]}}
    assert "never rendered" in west.splitlines()[0]
    assert edge.startswith("- member edge (Pull): the registration creates the Cluster edge (syncMode Pull, no "
                           "secretRef)")
    assert notes["member-edge"] == [ADDON_NOTE, (
        "- Secret karmada-system/karmada-kubeconfig, written by the registration (stack KarmadaRegistration-edge): "
        "the karmada-agent's kubeconfig with its client key, never rendered")]


ADDON_NOTE = ("- EKS add-on vpc-cni v1.21.2-eksbuild.2, installed and managed by EKS with the configuration:\n"
              "    enableNetworkPolicy: 'true'")


def test_stacks_map_to_their_targets() -> None:
    assert [target_of_stack(s) for s in ("KarmadaParent", "KarmadaMember-a-b", "KarmadaWorkloads", "KarmadaEgress")] \
        == ["parent", "member-a-b", None, None]


def test_the_header_is_comments_only() -> None:
    text = header("member-edge", [ADDON_NOTE])
    assert all(line.startswith("#") for line in text.splitlines())
    assert yaml.safe_load(text) is None
    assert "the member cluster edge" in text.splitlines()[0]


def test_the_synthesized_files_name_the_helm_releases_the_crds_and_the_clusters(synthesized) -> None:
    folder = synthesized.outdir / "manifests"
    assert sorted(p.stem for p in folder.glob("*")) == sorted(synthesized.manifests)
    parent = (folder / "parent.yaml").read_text()
    assert "# - Helm release cert-manager: chart cert-manager v1.21.2 from https://charts.jetstack.io" in parent
    assert "# - Helm release aws-load-balancer-controller: chart aws-load-balancer-controller" in parent
    karmada = (folder / "karmada.yaml").read_text()
    assert "releases/download/v1.18.2/crds.tar.gz" in karmada
    for member in ("member-use1", "member-usw2"):
        assert f"#       apiEndpoint: ${{Member.{member}.Endpoint}}" in karmada


def test_the_target_group_bindings_namespace_injects_pod_readiness_gates(synthesized) -> None:
    """The Load Balancer Controller injects its readiness gate only into namespaces labelled for it."""
    objects = [o for o in yaml.safe_load_all((synthesized.outdir / "manifests" / "parent.yaml").read_text()) if o]
    bindings = [o for o in objects if o["kind"] == "TargetGroupBinding"]
    assert bindings
    namespaces = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Namespace"}
    for binding in bindings:
        labels = namespaces[binding["metadata"]["namespace"]]["metadata"]["labels"]
        assert labels["elbv2.k8s.aws/pod-readiness-gate-inject"] == "enabled", binding["metadata"]["name"]
