"""An existing VPC for the parent and a new member, and the deployer's access entry (issue 17).

GIVEN a config whose parent and one new member use existing VPCs, and the CDK context deployer_arn,
WHEN the app is synthesized, THEN no VPC, subnet or NAT gateway is created where a VPC is given, the clusters,
node groups and NLB sit in the given subnets, members admit the configured parent egress addresses, and the
deployer gets one cluster-admin access entry on the parent and every new member.
"""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from aws_cdk import App
from aws_cdk.assertions import Match, Template

from eks_karmada.config import DEFAULT_CONFIG_PATH, ConfigError, parse_config
from eks_karmada.deployer import deployer_principal
from tests.synth import synthesize

PARENT_SUBNETS = ["subnet-0a0000000000000a1", "subnet-0a0000000000000a2", "subnet-0a0000000000000a3"]
MEMBER_SUBNETS = ["subnet-0b0000000000000b1", "subnet-0b0000000000000b2"]
DEPLOYER = "arn:aws:iam::123456789012:role/platform/deployer"
ADMIN = "arn:aws:iam::123456789012:role/ops"
EGRESS = "203.0.113.7/32"
ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"


def existing_vpc_config(**parent_extra):
    data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    data["parent"].update(
        vpc_cidr="10.20.0.0/16",
        existing_vpc={"vpc_id": "vpc-0a00000000000000a", "private_subnet_ids": PARENT_SUBNETS,
                      "egress_cidrs": [EGRESS]},
        admin_role_arns=[ADMIN],
        **parent_extra,
    )
    data["members"][0].update(
        availability_zones=["us-east-1a", "us-east-1b"],
        vpc_cidr="10.21.0.0/16",
        existing_vpc={"vpc_id": "vpc-0b00000000000000b", "private_subnet_ids": MEMBER_SUBNETS},
    )
    for member in data["members"]:  # the app peers only VPCs it creates: these members admit the parent publicly
        member["endpoint"] = {"parent_access": "public"}
    return parse_config(data, "existing-vpc.yaml")


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    return synthesize(existing_vpc_config(), tmp_path_factory.mktemp("cdk.out"),
                      context={"deployer_arn": DEPLOYER})


def _template(synthesized, stack: str) -> Template:
    return Template.from_json(synthesized.templates[stack])


def _admin_principals(template: Template) -> list:
    """Principals named literally (people, not the app's own roles) with a cluster-admin access entry."""
    entries = template.find_resources("AWS::EKS::AccessEntry").values()
    return sorted(e["Properties"]["PrincipalArn"] for e in entries
                  if isinstance(e["Properties"]["PrincipalArn"], str) and ADMIN_POLICY in json.dumps(e))


def test_parent_in_an_existing_vpc_creates_no_network(synthesized):
    parent = _template(synthesized, "KarmadaParent")
    for kind in ("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", "AWS::EC2::InternetGateway",
                 "AWS::EC2::FlowLog"):
        parent.resource_count_is(kind, 0)
    _template(synthesized, "KarmadaEgress").resource_count_is("AWS::EC2::EIP", 0)


def test_parent_cluster_node_group_and_nlb_use_the_given_private_subnets(synthesized):
    parent = _template(synthesized, "KarmadaParent")
    parent.has_resource_properties("AWS::EKS::Cluster", {
        "ResourcesVpcConfig": Match.object_like({"SubnetIds": PARENT_SUBNETS})})
    parent.has_resource_properties("AWS::EKS::Nodegroup", {"Subnets": PARENT_SUBNETS})
    parent.has_resource_properties("AWS::ElasticLoadBalancingV2::LoadBalancer", {
        "Scheme": "internal", "Subnets": PARENT_SUBNETS})
    # The NLB's security group admits the configured CIDR of the existing VPC.
    parent.has_resource_properties("AWS::EC2::SecurityGroup", {
        "SecurityGroupIngress": Match.array_with([Match.object_like({"CidrIp": "10.20.0.0/16", "FromPort": 443})])})


def test_member_in_an_existing_vpc_uses_its_subnets_and_admits_the_parent_egress(synthesized):
    member = _template(synthesized, "KarmadaMember-member-use1")
    for kind in ("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway"):
        member.resource_count_is(kind, 0)
    member.has_resource_properties("AWS::EKS::Cluster", {"ResourcesVpcConfig": Match.object_like({
        "SubnetIds": MEMBER_SUBNETS, "PublicAccessCidrs": [EGRESS]})})
    member.has_resource_properties("AWS::EKS::Nodegroup", {"Subnets": MEMBER_SUBNETS})
    # No deploy-time look-up of KarmadaEgress addresses: the config names them.
    assert "describeStackResource" not in json.dumps(synthesized.templates["KarmadaMember-member-use1"])


def test_a_member_without_existing_vpc_still_creates_its_own(synthesized):
    member = _template(synthesized, "KarmadaMember-member-usw2")
    member.resource_count_is("AWS::EC2::VPC", 1)
    member.has_resource_properties("AWS::EKS::Cluster", {"ResourcesVpcConfig": Match.object_like({
        "PublicAccessCidrs": [EGRESS]})})


@pytest.mark.parametrize("stack", ["KarmadaParent", "KarmadaMember-member-use1", "KarmadaMember-member-usw2"])
def test_the_deployer_and_the_admin_roles_are_cluster_admins(synthesized, stack):
    assert _admin_principals(_template(synthesized, stack)) == sorted([ADMIN, DEPLOYER])


def test_without_the_context_only_the_admin_roles_are_cluster_admins(tmp_path):
    app = synthesize(existing_vpc_config(), tmp_path)
    assert _admin_principals(Template.from_json(app.templates["KarmadaParent"])) == [ADMIN]


DEPLOYER_CASES = [
    ("no context", None, {}, None),
    ("empty context", "", {}, None),
    ("a role with a path", DEPLOYER, {}, DEPLOYER),
    ("an IAM user", "arn:aws:iam::123456789012:user/alice", {}, "arn:aws:iam::123456789012:user/alice"),
    ("already an admin role", ADMIN, {}, None),
    ("deployer_access off", DEPLOYER, {"deployer_access": False}, None),
]


@pytest.mark.parametrize("value, parent, expected", [c[1:] for c in DEPLOYER_CASES],
                         ids=[c[0] for c in DEPLOYER_CASES])
def test_deployer_principal_from_the_context(value, parent, expected):
    data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    data["parent"].update(admin_role_arns=[ADMIN], **parent)
    assert deployer_principal(parse_config(data), value) == expected


BAD_DEPLOYERS = [
    "arn:aws:sts::123456789012:assumed-role/deployer/alice",
    "arn:aws:iam::123456789012:root",
    "deployer",
]


@pytest.mark.parametrize("value", BAD_DEPLOYERS)
def test_a_deployer_an_access_entry_refuses_is_one_line(value):
    config = parse_config(yaml.safe_load(DEFAULT_CONFIG_PATH.read_text()))
    with pytest.raises(ConfigError) as caught:
        deployer_principal(config, value)
    assert str(caught.value) == (
        f"-c deployer_arn: '{value}' is not an IAM role or user ARN; pass what `eks-karmada whoami` prints "
        "(an assumed-role session becomes its role), or leave it out")


def test_default_synth_has_no_deployer_entry():
    # The default config synthesized without context (what tests and CI do) grants no human: deterministic.
    app = App(context={})
    config = copy.deepcopy(parse_config(yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())))
    assert deployer_principal(config, app.node.try_get_context("deployer_arn")) is None


def test_apiserver_network_policy_admits_the_existing_vpc_whose_subnet_ranges_the_config_does_not_give(synthesized):
    """Subnet ids only, no CIDRs, in the config: the policy falls back to the VPC's CIDR (issue 13, item 7)."""
    (policy,) = [o for o in synthesized.manifests["parent"]
                 if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "karmada-apiserver"]
    blocks = [p["ipBlock"]["cidr"] for p in policy["spec"]["ingress"][0]["from"] if "ipBlock" in p]
    assert blocks == ["10.20.0.0/16"]


PARENT_SUBNET_CIDRS = ["10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19"]


def test_with_the_subnet_ranges_in_the_config_the_apiserver_admits_only_the_private_subnets(tmp_path):
    config = existing_vpc_config()
    data = config.model_dump(mode="json", exclude_unset=True)
    data["parent"]["existing_vpc"]["private_subnet_cidrs"] = PARENT_SUBNET_CIDRS
    synthesized = synthesize(parse_config(data, "existing-vpc-cidrs.yaml"), tmp_path,
                             context={"deployer_arn": DEPLOYER})
    (policy,) = [o for o in synthesized.manifests["parent"]
                 if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "karmada-apiserver"]
    blocks = [p["ipBlock"]["cidr"] for p in policy["spec"]["ingress"][0]["from"] if "ipBlock" in p]
    assert blocks == PARENT_SUBNET_CIDRS


@pytest.mark.parametrize(("cidrs", "message"), [
    (["10.20.0.0/19"], "existing_vpc.private_subnet_cidrs: give one CIDR per subnet id (3)"),
    (["10.20.0.0/19", "10.20.32.0/19", "10.99.0.0/19"], "10.99.0.0/19 is not inside vpc_cidr 10.20.0.0/16"),
])
def test_subnet_ranges_must_match_the_subnets_and_lie_in_the_vpc(cidrs, message):
    data = existing_vpc_config().model_dump(mode="json", exclude_unset=True)
    data["parent"]["existing_vpc"]["private_subnet_cidrs"] = cidrs
    with pytest.raises(ConfigError) as raised:
        parse_config(data, "bad.yaml")
    assert message in "\n".join(raised.value.lines)
