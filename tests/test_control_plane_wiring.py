"""How the parent stack applies the control plane and bootstraps the Karmada API."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk.assertions import Template

from eks_karmada.karmada_crds import pinned_crd_files
from karmada_constructs.karmada_manifest import KarmadaManifest


@pytest.fixture(scope="module")
def parent(synthesized) -> Template:
    return Template.from_json(synthesized.templates["KarmadaParent"])


def _resources(template: Template, type_: str) -> Mapping[str, Mapping[str, Any]]:
    return template.find_resources(type_)


def _manifest_objects(resource: Mapping[str, Any]) -> list[dict]:
    """The objects a KubernetesManifest applies, with deploy-time values replaced by a marker."""
    manifest = resource["Properties"]["Manifest"]
    if isinstance(manifest, dict):  # Fn::Join of literal text and tokens
        parts = manifest["Fn::Join"][1]
        manifest = "".join(p if isinstance(p, str) else "TOKEN" for p in parts)
    return json.loads(manifest)


def _identity(obj: dict) -> tuple:
    return obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"]


def test_rendered_parent_manifest_matches_what_the_template_applies(parent, synthesized):
    # aws_eks_v2's AlbController applies its own ServiceAccount next to its Helm release; like the
    # Helm releases (pinned chart and version in the template) it is not ours to render.
    applied = [
        _identity(o)
        for logical_id, r in _resources(parent, "Custom::AWSCDK-EKS-KubernetesResource").items()
        if "AlbController" not in logical_id
        for o in _manifest_objects(r)
    ]
    rendered = [_identity(o) for o in synthesized.manifests["parent"]]
    assert sorted(applied, key=str) == sorted(rendered, key=str)


def test_rendered_karmada_manifest_matches_what_the_templates_apply(synthesized):
    applied = [
        _identity(o)
        for template in synthesized.templates.values()
        for r in Template.from_json(template).find_resources(KarmadaManifest.RESOURCE_TYPE).values()
        if "Manifest" in r["Properties"]
        for o in _manifest_objects(r)
    ]
    assert sorted(applied, key=str) == sorted((_identity(o) for o in synthesized.manifests["karmada"]), key=str)


def _control_plane(parent: Template) -> dict[str, tuple[str, list[str]]]:
    """Component -> (logical ID, DependsOn) of each control-plane manifest."""
    by_component = {}
    for logical_id, resource in _resources(parent, "Custom::AWSCDK-EKS-KubernetesResource").items():
        match = re.match(r"KarmadaControlPlanekarmada(\w+?)Manifest", logical_id)
        if match:
            by_component[match.group(1)] = (logical_id, resource.get("DependsOn", []))
    return by_component


def test_control_plane_components_wait_for_the_namespace_only(parent):
    by_component = _control_plane(parent)
    assert sorted(by_component) == sorted(["foundation", "pki", "etcd", "apiserver", "aggregatedapiserver",
                                           "clusterguard", "kubecontrollermanager", "controllermanager", "scheduler",
                                           "webhook"])
    foundation_id, foundation_deps = by_component.pop("foundation")
    # The namespace's manifest waits for cert-manager (the PKI's kinds and webhook) and the StorageClass.
    cert_manager = next(k for k, v in _resources(parent, "Custom::AWSCDK-EKS-HelmChart").items()
                        if v["Properties"]["Chart"] == "cert-manager")
    storage_class = next(k for k in _resources(parent, "Custom::AWSCDK-EKS-KubernetesResource")
                         if k.startswith("Gp3StorageClass"))
    assert {cert_manager, storage_class} <= set(foundation_deps)
    # Every other component is applied at once after it: no component waits for another.
    control_plane = {foundation_id} | {logical_id for logical_id, _ in by_component.values()}
    for component, (_, deps) in by_component.items():
        assert set(deps) & control_plane == {foundation_id}, component


def test_cert_manager_is_pinned(parent, default_config):
    parent.has_resource_properties(
        "Custom::AWSCDK-EKS-HelmChart",
        {"Chart": "cert-manager", "Version": default_config.parent.addons.cert_manager,
         "Repository": "https://charts.jetstack.io", "Namespace": "cert-manager"},
    )


def _bootstrap(parent: Template) -> dict[str, tuple[str, Mapping[str, Any]]]:
    """KarmadaApiBootstrap's three custom resources by role (Rbac, Crds, Objects): logical id and resource."""
    return {part: next((k, v) for k, v in _resources(parent, KarmadaManifest.RESOURCE_TYPE).items()
                       if k.startswith(f"KarmadaApiBootstrap{part}"))
            for part in ("Rbac", "Crds", "Objects")}


def test_rbac_then_crds_from_the_pinned_release_then_bootstrap_objects(parent, default_config):
    parts = _bootstrap(parent)
    (rbac_id, rbac), (crds_id, crds), (_, objects) = parts["Rbac"], parts["Crds"], parts["Objects"]
    source = json.loads(crds["Properties"]["Source"])
    assert source["url"] == (
        f"https://github.com/karmada-io/karmada/releases/download/{default_config.versions.karmada}/crds.tar.gz"
    )
    assert source["paths"] == ["crds/bases/"]
    # Every file of the archive pinned (eks_karmada/karmada_crd_digests.py), and nothing but CRDs accepted.
    assert source["files"] == pinned_crd_files(default_config.versions.karmada)
    assert len(source["files"]) == 22 and source["kinds"] == ["CustomResourceDefinition"]
    assert crds_id in objects.get("DependsOn", [])
    assert rbac_id in crds.get("DependsOn", [])
    # The RBAC waits for every component of the control plane (so everything of the bootstrap is deleted first).
    assert {logical_id for logical_id, _ in _control_plane(parent).values()} <= set(rbac.get("DependsOn", []))


def _service_token_function(resource: Mapping[str, Any]) -> str:
    return resource["Properties"]["ServiceToken"]["Fn::GetAtt"][0]


def test_the_break_glass_certificate_applies_only_the_karmada_rbac(parent, synthesized, default_config):
    parts = _bootstrap(parent)
    rbac_id, rbac = parts["Rbac"]
    assert rbac["Properties"]["AdminSecretName"] == "karmada-admin-client"
    assert {o["kind"] for o in _manifest_objects(rbac)} <= {
        "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Namespace"}
    bootstrap_token = _service_token_function(rbac)
    for template in synthesized.templates.values():
        for logical_id, resource in Template.from_json(template).find_resources(
                KarmadaManifest.RESOURCE_TYPE).items():
            if logical_id == rbac_id:
                continue
            # Every other KarmadaManifest signs in with the general provider's own role.
            assert "AdminSecretName" not in resource["Properties"], logical_id
            assert resource["Properties"]["KarmadaClusterId"] == default_config.karmada_cluster_id, logical_id
            if template is synthesized.templates["KarmadaParent"]:
                assert _service_token_function(resource) != bootstrap_token, logical_id


def test_existing_karmada_manifests_keep_their_logical_ids_and_provider(parent):
    """Resources deployed before the bootstrap's RBAC got its own provider keep their logical ids and provider.

    CloudFormation refuses to change a custom resource's ServiceToken ("Modifying service token is not allowed"),
    and a new logical id would delete the old resource's objects.
    """
    resources = _resources(parent, KarmadaManifest.RESOURCE_TYPE)
    for logical_id in ("KarmadaApiBootstrapCrds530EC72B", "KarmadaApiBootstrapObjects51EDDB1E",
                       "MetricsReaderRbac9DB11691", "FleetGuardKarmadaRbacDADA15D5"):
        assert _service_token_function(resources[logical_id]) == "KarmadaManifestProviderframeworkonEvent0A53A926"


def test_karmada_manifest_provider_is_least_privilege_and_in_the_vpc(parent):
    functions = _resources(parent, "AWS::Lambda::Function")
    handler = next(v for v in functions.values()
                   if v["Properties"].get("Handler") == "functions.karmada_manifest.handler.on_event")
    assert handler["Properties"]["Runtime"] == "python3.14"
    assert len(handler["Properties"]["VpcConfig"]["SubnetIds"]) == 3
    parent.has_resource_properties(
        "AWS::EKS::AccessEntry",
        {"Type": "STANDARD", "KubernetesGroups": ["eks-karmada:karmada-manifest-applier"]},
    )
    policies = _resources(parent, "AWS::IAM::Policy")
    statements = [
        s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "eks:DescribeCluster" in json.dumps(s.get("Action"))
    ]
    assert statements and all(s["Resource"] != "*" for s in statements)


def _parent_role(synthesized, name: str) -> dict:
    return next(o for o in synthesized.manifests["parent"] if o["kind"] == "Role" and o["metadata"]["name"] == name)


def test_only_the_bootstrap_applier_reads_the_admin_secret_and_publishes_the_ca(synthesized):
    role = _parent_role(synthesized, "eks-karmada-bootstrap-applier")
    secret_rule = next(r for r in role["rules"] if r["resources"] == ["secrets"])
    assert secret_rule == {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["karmada-admin-client"],
                           "verbs": ["get"]}
    assert all("*" not in r["verbs"] for r in role["rules"])
    # It publishes the Karmada CA (functions/kube/ca_bundle.py): that ConfigMap by name, and create (unnamable).
    config_maps = [r for r in role["rules"] if r["resources"] == ["configmaps"]]
    assert config_maps == [
        {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["karmada-ca-bundle"],
         "verbs": ["get", "patch"]},
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["create"]},
    ]
    # The general applier signs in to Karmada with its own role: no Secret at all, the published CA read only.
    applier = _parent_role(synthesized, "eks-karmada-manifest-applier")
    assert not [r for r in applier["rules"] if r["resources"] == ["secrets"]]
    assert [r for r in applier["rules"] if r["resources"] == ["configmaps"]] == [
        {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["karmada-ca-bundle"], "verbs": ["get"]}]
    registrar = next(o for o in synthesized.manifests["parent"]
                     if o["kind"] == "Role" and o["metadata"]["name"] == "eks-karmada-registrar")
    # The registrar signs in to Karmada with its own role: it reads the published CA, never writes it.
    assert [r for r in registrar["rules"] if r["resources"] == ["configmaps"]] == [
        {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["karmada-ca-bundle"], "verbs": ["get"]}]


def test_apiserver_certificate_carries_the_nlb_name(synthesized):
    cert = next(o for o in synthesized.manifests["parent"]
                if o["kind"] == "Certificate" and o["metadata"]["name"] == "karmada-apiserver-serving")
    assert "${Nlb.DnsName}" in cert["spec"]["dnsNames"]
    info = next(o for o in synthesized.manifests["karmada"] if o["kind"] == "ConfigMap"
                and o["metadata"]["name"] == "cluster-info")
    assert "https://${Nlb.DnsName}:443" in info["data"]["kubeconfig"]


def test_target_group_binding_waits_for_the_namespace_and_the_controller_webhook(parent):
    manifests = _resources(parent, "Custom::AWSCDK-EKS-KubernetesResource")
    binding = next(v for k, v in manifests.items() if k.startswith("ApiServerTargetGroupBinding"))
    deps = binding["DependsOn"]
    # The webhook check itself waits for the controller (tests/test_deploy_and_teardown.py).
    assert any("karmadafoundation" in d for d in deps) and any("LoadBalancerWebhookReady" in d for d in deps)


def test_no_private_key_in_templates_or_manifests(synthesized):
    pem = re.compile(r"-----BEGIN ([A-Z ]+ )?PRIVATE KEY-----")
    for path in synthesized.outdir.rglob("*"):
        if path.is_file() and path.suffix in {".json", ".yaml"}:
            assert not pem.search(path.read_text(errors="ignore")), path
