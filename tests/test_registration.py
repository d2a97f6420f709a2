"""Member registration: stacks, ordering, and what each side of a member holds."""

from __future__ import annotations

import copy
import json
import re

import pytest
import yaml
from aws_cdk.assertions import Template

from eks_karmada.config import DEFAULT_CONFIG_PATH, parse_config
from karmada_constructs.karmada_manifest import KarmadaManifest
from karmada_constructs.member_registration import MemberRegistration
from stacks.naming import join_external_id
from tests.synth import synthesize


def _graph(synthesized) -> dict[str, list[str]]:
    manifest = json.loads((synthesized.outdir / "manifest.json").read_text())
    return {
        name: sorted(d for d in a.get("dependencies", []) if not d.endswith(".assets"))
        for name, a in manifest["artifacts"].items()
        if a["type"] == "aws:cloudformation:stack"
    }


def test_each_registration_waits_only_for_its_member_the_parent_and_their_peering(synthesized):
    graph = _graph(synthesized)
    for member in ("member-use1", "member-usw2"):
        assert graph[f"KarmadaRegistration-{member}"] == sorted(
            [f"KarmadaMember-{member}", "KarmadaParent", f"KarmadaControlPeeringRoutes-{member}"])
    assert graph["KarmadaWorkloads"] == sorted(
        ["KarmadaParent", "KarmadaRegistration-member-use1", "KarmadaRegistration-member-usw2"]
    )


def test_registration_runs_in_the_parent_region_and_names_the_member(synthesized):
    stack = synthesized.stack("KarmadaRegistration-member-usw2")
    assert stack.region == "us-east-1"
    template = Template.from_json(synthesized.templates["KarmadaRegistration-member-usw2"])
    (registration,) = template.find_resources(MemberRegistration.RESOURCE_TYPE).values()
    props = registration["Properties"]
    assert props["MemberName"] == "member-usw2" and props["SyncMode"] == "Push"
    assert (props["MemberClusterName"], props["MemberRegion"]) == ("karmada-member-usw2", "us-west-2")
    assert json.loads(props["Zones"]) == ["us-west-2a", "us-west-2b", "us-west-2c"]
    assert "eks-karmada-join-member-usw2-karmada-parent-us-east-1" in json.dumps(props["JoinRoleArn"])
    # The registrar signs in to Karmada with its own role: no admin Secret, the authenticator's cluster id.
    assert "AdminSecretName" not in props and props["KarmadaClusterId"] == "karmada-parent-karmada"
    assert "AgentCredentialSecret" not in props
    assert not any(k.lower().endswith(("token", "key", "password")) for k in props if k != "ServiceToken")


def test_join_role_trusts_only_the_registrar_and_maps_to_the_registrar_group(synthesized):
    template = Template.from_json(synthesized.templates["KarmadaMember-member-usw2"])
    roles = template.find_resources("AWS::IAM::Role")
    (join,) = [r for r in roles.values() if r["Properties"].get("RoleName", "").startswith("eks-karmada-join-")]
    (statement,) = join["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    condition = json.dumps(statement["Condition"])
    assert "aws:PrincipalArn" in condition and "eks-karmada-registrar-karmada-parent-us-east-1" in condition
    template.has_resource_properties(
        "AWS::EKS::AccessEntry", {"Type": "STANDARD", "KubernetesGroups": ["eks-karmada:registrar"]}
    )


def test_the_join_role_requires_the_external_id_the_registration_passes(synthesized, default_config):
    """Confused-deputy protection: the member's trust and the registrar's AssumeRole name the same ExternalId."""
    member = next(m for m in default_config.members if m.name == "member-usw2")
    external_id = join_external_id(default_config, member)
    roles = Template.from_json(synthesized.templates["KarmadaMember-member-usw2"]).find_resources("AWS::IAM::Role")
    (join,) = [r for r in roles.values() if r["Properties"].get("RoleName", "").startswith("eks-karmada-join-")]
    (statement,) = join["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"]["StringEquals"] == {"sts:ExternalId": external_id}
    template = Template.from_json(synthesized.templates["KarmadaRegistration-member-usw2"])
    (registration,) = template.find_resources(MemberRegistration.RESOURCE_TYPE).values()
    assert registration["Properties"]["JoinExternalId"] == external_id


def test_external_ids_are_stable_and_differ_per_member_and_parent(default_config):
    first, second = default_config.members[:2]
    assert join_external_id(default_config, first) == join_external_id(default_config, first)
    assert join_external_id(default_config, first) != join_external_id(default_config, second)
    moved = default_config.model_copy(update={"parent": default_config.parent.model_copy(
        update={"cluster_name": "another-parent"})})
    assert join_external_id(moved, first) != join_external_id(default_config, first)
    assert re.fullmatch(r"[\w+=,.@:/-]{2,1224}", join_external_id(default_config, first))


def test_push_members_hold_no_token_secret_and_the_registrar_may_only_request_expiring_ones(synthesized):
    objects = synthesized.manifests["member-member-use1"]
    assert [o for o in objects if o["kind"] == "Secret"] == []  # karmadactl join's non-expiring token Secrets
    accounts = {o["metadata"]["name"] for o in objects if o["kind"] == "ServiceAccount"}
    assert accounts == {"karmada-member-use1", "karmada-impersonator"}
    registrar = next(o for o in objects if o["kind"] == "Role" and o["metadata"]["name"] == "eks-karmada:registrar")
    assert registrar["metadata"]["namespace"] == "karmada-cluster"
    assert registrar["rules"] == [{"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"],
                                   "resourceNames": ["karmada-member-use1", "karmada-impersonator"]}]


def test_registrar_may_assume_only_the_join_roles(synthesized):
    template = synthesized.templates["KarmadaParent"]
    statements = [
        s for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"
        for s in r["Properties"]["PolicyDocument"]["Statement"] if s["Action"] == "sts:AssumeRole"
    ]
    (statement,) = statements
    text = json.dumps(statement["Resource"])
    assert "eks-karmada-join-member-use1" in text and "eks-karmada-join-member-usw2" in text and '"*"' not in text


def test_sample_workload_is_applied_to_karmada_after_registration(synthesized):
    template = Template.from_json(synthesized.templates["KarmadaWorkloads"])
    (sample,) = template.find_resources(KarmadaManifest.RESOURCE_TYPE).values()
    assert "PropagationPolicy" in json.dumps(sample["Properties"]["Manifest"])
    policy = next(o for o in synthesized.manifests["karmada"] if o["kind"] == "PropagationPolicy")
    weights = policy["spec"]["placement"]["replicaScheduling"]["weightPreference"]["staticWeightList"]
    assert sorted(w["targetCluster"]["clusterNames"][0] for w in weights) == ["member-use1", "member-usw2"]
    assert len({w["weight"] for w in weights}) == 1


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """Pull, existing and external members next to a Push one."""
    data = copy.deepcopy(yaml.safe_load(DEFAULT_CONFIG_PATH.read_text()))
    data["api_endpoint"].update(scheme="internet-facing", allowed_cidrs=["198.51.100.0/24"])
    data["members"] = [
        {"name": "push-1", "region": "us-east-1", "vpc_cidr": "10.1.0.0/16"},
        {"name": "pull-1", "region": "eu-west-1", "sync_mode": "Pull", "vpc_cidr": "10.2.0.0/16"},
        {"name": "old-1", "kind": "existing", "region": "us-west-2", "cluster_name": "prod-west", "sync_mode": "Pull"},
        {"name": "edge-1", "kind": "external", "sync_mode": "Pull"},
    ]
    return synthesize(parse_config(data), tmp_path_factory.mktemp("mixed"))


def test_the_sample_goes_to_new_members_only_in_its_own_namespace(mixed):
    karmada = mixed.manifests["karmada"]
    policy = next(o for o in karmada if o["kind"] == "PropagationPolicy" and o["metadata"]["name"] == "sample-nginx")
    namespace_policy = next(o for o in karmada if o["kind"] == "ClusterPropagationPolicy"
                            and o["metadata"]["name"] == "sample-nginx-namespace")
    for placed in (policy, namespace_policy):
        assert placed["spec"]["placement"]["clusterAffinity"]["clusterNames"] == ["push-1", "pull-1"]
    assert policy["metadata"]["namespace"] == "eks-karmada-sample"
    assert {o["metadata"].get("namespace") for o in karmada if o["metadata"]["name"] == "sample-nginx"} == {
        "eks-karmada-sample"}


def test_pull_member_gets_an_agent_and_a_parent_side_credential(mixed):
    agent = next(o for o in mixed.manifests["member-pull-1"] if o["kind"] == "Deployment")
    command = agent["spec"]["template"]["spec"]["containers"][0]["command"]
    assert "--cluster-name=pull-1" in command and "--cluster-region=eu-west-1" in command
    assert "--cluster-api-endpoint=${Member.pull-1.Endpoint}" in command
    assert agent["spec"]["template"]["spec"]["containers"][0]["image"] == "docker.io/karmada/karmada-agent:v1.18.2"
    # karmada-agent v1.18.2 serves /healthz only on its health port: a /readyz probe never passes (make local).
    container = agent["spec"]["template"]["spec"]["containers"][0]
    for probe in ("livenessProbe", "readinessProbe"):
        assert (container[probe]["httpGet"]["path"], container[probe]["httpGet"]["port"]) == ("/healthz", 10357)
    cert = next(o for o in mixed.manifests["parent"]
                if o["kind"] == "Certificate" and o["metadata"]["name"] == "karmada-agent-pull-1-client")
    assert cert["spec"]["commonName"] == "system:karmada:agent:pull-1"
    registrar = next(o for o in mixed.manifests["parent"]
                     if o["kind"] == "Role" and o["metadata"]["name"] == "eks-karmada-registrar")
    secrets = next(r for r in registrar["rules"] if r["resources"] == ["secrets"])["resourceNames"]
    # The Pull agents' certificates only: never the break-glass admin Secret.
    assert sorted(secrets) == ["karmada-agent-edge-1-client", "karmada-agent-old-1-client",
                               "karmada-agent-pull-1-client"]
    config_maps = next(r for r in registrar["rules"] if r["resources"] == ["configmaps"])
    assert (config_maps["resourceNames"], config_maps["verbs"]) == (["karmada-ca-bundle"], ["get"])
    (registration,) = Template.from_json(mixed.templates["KarmadaRegistration-pull-1"]).find_resources(
        MemberRegistration.RESOURCE_TYPE).values()
    assert registration["Properties"]["AgentCredentialSecret"] == "karmada-agent-pull-1-client"
    assert "KarmadaApiServerUrl" in registration["Properties"]


def test_existing_member_is_imported_not_created(mixed):
    template = Template.from_json(mixed.templates["KarmadaMember-old-1"])
    template.resource_count_is("AWS::EKS::Cluster", 0)
    template.resource_count_is("AWS::EC2::VPC", 0)
    template.has_resource_properties("AWS::EKS::AccessEntry", {"ClusterName": "prod-west",
                                                               "KubernetesGroups": ["eks-karmada:registrar"]})


def test_external_member_gets_its_agent_authorised_and_a_rendered_bundle(mixed):
    assert "KarmadaMember-edge-1" not in mixed.templates
    assert _graph(mixed)["KarmadaRegistration-edge-1"] == ["KarmadaParent"]
    template = Template.from_json(mixed.templates["KarmadaRegistration-edge-1"])
    (access,) = template.find_resources(KarmadaManifest.RESOURCE_TYPE).values()
    rbac = json.loads(json.dumps(access["Properties"]["Manifest"]))
    assert "system:karmada:agent:edge-1" in json.dumps(rbac)
    kinds = sorted(o["kind"] for o in mixed.manifests["member-edge-1"])
    assert "Deployment" in kinds and "Secret" not in kinds


def test_your_own_workloads_are_applied_next_to_the_sample(tmp_path):
    import cdk8s

    from charts.policies import ClusterAffinity, PolicyChart, ResourceSelector, presets
    from workloads import WORKLOADS

    def shop(app: cdk8s.App, config) -> cdk8s.Chart:
        policy = presets.active_active(
            "shop", namespace="default",
            resource_selectors=[ResourceSelector(api_version="apps/v1", kind="Deployment", name="shop")],
            target_clusters=ClusterAffinity(cluster_names=[m.name for m in config.members]),
        )
        chart = PolicyChart(app, "shop", policies=[policy])
        cdk8s.ApiObject(chart, "shop", api_version="apps/v1", kind="Deployment",
                        metadata={"name": "shop", "namespace": "default"})
        return chart

    data = copy.deepcopy(yaml.safe_load(DEFAULT_CONFIG_PATH.read_text()))
    data["sample_workload"]["enabled"] = False
    result = synthesize(parse_config(data), tmp_path, workloads=[*WORKLOADS, shop])
    names = [(o["kind"], o["metadata"]["name"]) for o in result.manifests["karmada"]]
    assert ("PropagationPolicy", "shop") in names
    assert not any(name == "nginx" for _, name in names), "the sample is switched off"
    template = Template.from_json(result.templates["KarmadaWorkloads"])
    template.resource_count_is(KarmadaManifest.RESOURCE_TYPE, 1)


def test_every_deploy_time_read_runs_again_on_every_deploy(mixed):
    """A look-up whose properties never change would never run again.

    A look-up (describe*, get*, list*) whose properties never change would never run again: each one carries the
    per-synth Refresh value (pinned to "synth" by tests/synth.py).
    """
    reads = 0
    for stack, template in mixed.templates.items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] != "Custom::AWS":
                continue
            action = re.search(r'\\"action\\":\\"(\w+)\\"', json.dumps(resource["Properties"]["Create"]))[1]
            if action.startswith(("describe", "get", "list")):
                assert resource["Properties"].get("Refresh") == "synth", f"{stack}/{logical_id} ({action})"
                reads += 1
    # The existing member's describeCluster and one egress look-up per parent NAT address per Push member.
    assert reads >= 4


def test_the_registrar_signs_in_to_karmada_with_its_own_role_and_reads_no_secret_in_a_push_fleet(synthesized):
    parent = synthesized.manifests["parent"]
    registrar = next(o for o in parent if o["kind"] == "Role" and o["metadata"]["name"] == "eks-karmada-registrar")
    # No Pull member: no Secret rule at all (an empty resourceNames list would allow every Secret). It rolls the
    # controller manager, which watches Push members with their tokens, after it renews them.
    assert [r["resources"] for r in registrar["rules"]] == [["endpointslices"], ["configmaps"], ["deployments"]]
    assert registrar["rules"][2] == {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["patch"],
                                     "resourceNames": ["karmada-controller-manager"]}
    authenticator = next(o for o in parent if o["kind"] == "ConfigMap"
                         and o["metadata"]["name"] == "karmada-iam-authenticator")
    roles = yaml.safe_load(authenticator["data"]["config.yaml"])["server"]["mapRoles"]
    mapped = next(r for r in roles if r["username"] == "eks-karmada:handler:registrar")
    # The role's fixed name; the account is a deploy-time value (no parent.account), shown as a placeholder.
    assert mapped == {"roleARN": "arn:aws:iam::${Parent.AccountId}:role/"
                                 "eks-karmada-registrar-karmada-parent-us-east-1",
                      "username": "eks-karmada:handler:registrar", "groups": ["eks-karmada:handlers:registrar"]}
    bindings = [o for o in synthesized.manifests["karmada"] if o["kind"] == "ClusterRoleBinding"
                and o["metadata"]["name"] == "eks-karmada:handler:registrar"]
    assert [b["subjects"][0]["name"] for b in bindings] == ["eks-karmada:handlers:registrar"]
