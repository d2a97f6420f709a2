"""members[].endpoint.parent_access, on a synth of the default config with three members.

member-use1 (us-east-1, the parent's region, 10.1/16) and member-usw2 (us-west-2, 10.2/16) keep the default and are
reached privately: a VPC peering with the parent's VPC (10.0/16), plain references in one region, deploy-time
look-ups across two. member-euw1 (eu-west-1, 10.3/16) opts out: a public endpoint for the parent's NAT addresses.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml

from eks_karmada import stack_names
from eks_karmada.cli.members import peering_stacks
from eks_karmada.config import DEFAULT_CONFIG_PATH, ConfigError, MemberKind, parse_config
from eks_karmada.member_peering import privately_reached
from karmada_constructs.vpc_peering_connection import VpcPeeringConnection
from tests.security.checkov_gate import CHECKOV
from tests.stack_checks import (
    cfn_lint_problems,
    checkov_unexpected,
    lookup_call,
    nag_violations,
    resources,
    stack_dependencies,
)
from tests.synth import synthesize

PARENT_CIDR = "10.0.0.0/16"
CIDR = {"member-use1": "10.1.0.0/16", "member-usw2": "10.2.0.0/16", "member-euw1": "10.3.0.0/16"}
REGION = {"member-use1": "us-east-1", "member-usw2": "us-west-2", "member-euw1": "eu-west-1"}
PRIVATE = ["member-use1", "member-usw2"]
# Private route tables: one per zone (three for the parent and for each member, from the defaults).
TABLES = 3


def _data() -> dict:
    data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    for member in data["members"]:
        member["endpoint"] = {}  # the default: parent_access private
    data["members"].append({"name": "member-euw1", "kind": "new", "region": "eu-west-1", "vpc_cidr": CIDR[
        "member-euw1"], "endpoint": {"parent_access": "public"}})
    return data


@pytest.fixture(scope="module")
def private(tmp_path_factory):
    config = parse_config(_data(), "private.yaml")
    return config, synthesize(config, tmp_path_factory.mktemp("cdk.out-private"))






def _produced(app, value: dict) -> tuple[str, Any]:
    """(producing stack, its expression) of a same-region reference (Fn::GetStackOutput)."""
    out = value["Fn::GetStackOutput"]
    return out["StackName"], app.templates[out["StackName"]]["Outputs"][out["OutputName"]]["Value"]




def _cluster_vpc_config(app, member: str) -> dict:
    (cluster,) = resources(app.templates[f"KarmadaMember-{member}"], "AWS::EKS::Cluster").values()
    return cluster["Properties"]["ResourcesVpcConfig"]


# --- the endpoint --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("member", PRIVATE)
def test_a_privately_reached_member_has_no_public_endpoint_and_reads_no_parent_address(private, member):
    _, app = private
    vpc_config = _cluster_vpc_config(app, member)
    assert vpc_config["EndpointPrivateAccess"] is True
    assert vpc_config["EndpointPublicAccess"] is False
    assert "PublicAccessCidrs" not in vpc_config
    text = json.dumps(app.templates[f"KarmadaMember-{member}"])
    assert "ParentEgress" not in text and "KarmadaEgress" not in text


def test_a_member_left_public_still_admits_the_parents_nat_addresses_only(private):
    _, app = private
    vpc_config = _cluster_vpc_config(app, "member-euw1")
    assert vpc_config["EndpointPublicAccess"] is True and vpc_config["EndpointPrivateAccess"] is True
    cidrs = vpc_config["PublicAccessCidrs"]
    assert len(cidrs) == 3 and all("ParentEgress" in json.dumps(c) and "/32" in json.dumps(c) for c in cidrs)
    template = app.templates["KarmadaMember-member-euw1"]
    lookups = [json.dumps(r["Properties"]["Create"]) for r in resources(template, "Custom::AWS").values()
               if "describeStackResource" in json.dumps(r["Properties"]["Create"])]
    # One lookup per NAT address, in the parent's region (tests/test_deploy_and_teardown.py: slots and order).
    assert len(lookups) == 3 and all('\\"region\\":\\"us-east-1\\"' in call for call in lookups)
    assert "KarmadaEgress" in stack_dependencies(app)["KarmadaMember-member-euw1"]


@pytest.mark.parametrize("member", PRIVATE)
def test_the_members_own_kubectl_handler_runs_in_its_private_subnets(private, member):
    _, app = private
    template = app.templates[f"KarmadaMember-{member}"]
    handlers = {k: v for k, v in resources(template, "AWS::Lambda::Function").items()
                if "kubectl resource provider" in v["Properties"].get("Description", "")}
    assert handlers, "aws_eks_v2's kubectl handler"
    for handler in handlers.values():
        subnets = handler["Properties"]["VpcConfig"]["SubnetIds"]
        assert len(subnets) == TABLES
        for subnet in subnets:
            assert "privateSubnet" in subnet["Ref"]
            assert template["Resources"][subnet["Ref"]]["Properties"]["MapPublicIpOnLaunch"] is False


# --- stacks and their order ----------------------------------------------------------------------------------

def test_two_stacks_per_private_member_in_the_members_and_the_parents_regions(private):
    config, app = private
    assert [m.name for m in privately_reached(config)] == PRIVATE
    control = sorted(n for n in app.templates if n.startswith("KarmadaControlPeering"))
    assert control == ["KarmadaControlPeering-member-use1", "KarmadaControlPeering-member-usw2",
                       "KarmadaControlPeeringRoutes-member-use1", "KarmadaControlPeeringRoutes-member-usw2"]
    for member in PRIVATE:
        assert app.stack(f"KarmadaControlPeering-{member}").region == REGION[member]
        assert app.stack(f"KarmadaControlPeeringRoutes-{member}").region == "us-east-1"


@pytest.mark.parametrize("member", PRIVATE)
def test_the_registration_waits_for_the_routes_which_wait_for_the_peering(private, member):
    _, app = private
    deps = stack_dependencies(app)
    assert deps[f"KarmadaControlPeering-{member}"] == {f"KarmadaMember-{member}", "KarmadaParent"}
    assert deps[f"KarmadaControlPeeringRoutes-{member}"] == {f"KarmadaControlPeering-{member}", "KarmadaParent"}
    assert f"KarmadaControlPeeringRoutes-{member}" in deps[f"KarmadaRegistration-{member}"]
    # The member still builds beside the parent, and no longer waits for the egress addresses it does not read.
    assert not {d for d in deps[f"KarmadaMember-{member}"] if not d.startswith("KarmadaImageCache-")}
    assert "KarmadaEgress" in deps["KarmadaMember-member-euw1"]
    assert not any(d.startswith("KarmadaControl") for d in deps["KarmadaRegistration-member-euw1"])


def test_destroy_removes_registration_then_routes_then_peering_then_clusters(private):
    config, app = private
    order = stack_names.all_stacks(config)
    assert set(order) == set(app.templates)
    for name, depends in stack_dependencies(app).items():
        for dependency in depends:
            assert order.index(name) < order.index(dependency), f"{name} must go before {dependency}"


def test_members_remove_destroys_the_control_peering_before_the_cluster(private):
    config, _ = private
    member = next(m for m in config.members if m.name == "member-usw2")
    assert peering_stacks(config, member) == ["KarmadaControlPeering-member-usw2",
                                              "KarmadaControlPeeringRoutes-member-usw2"]
    public = next(m for m in config.members if m.name == "member-euw1")
    assert peering_stacks(config, public) == []


# --- the connection ------------------------------------------------------------------------------------------

def _connection(app, member: str) -> tuple[str, dict]:
    (item,) = resources(app.templates[f"KarmadaControlPeering-{member}"],
                         VpcPeeringConnection.RESOURCE_TYPE).items()
    return item[0], item[1]["Properties"]


def _vpc_logical_id(app, stack: str) -> str:
    (logical_id,) = resources(app.templates[stack], "AWS::EC2::VPC")
    return logical_id


def test_in_the_parents_region_the_connection_joins_the_two_vpcs_by_reference(private):
    _, app = private
    _, props = _connection(app, "member-use1")
    assert "PeerRegion" not in props and not {"PeerOwnerId", "PeerRoleArn"} & set(props)
    assert _produced(app, props["VpcId"]) == ("KarmadaMember-member-use1",
                                              {"Ref": _vpc_logical_id(app, "KarmadaMember-member-use1")})
    assert _produced(app, props["PeerVpcId"]) == ("KarmadaParent", {"Ref": _vpc_logical_id(app, "KarmadaParent")})


def test_across_regions_the_parents_vpc_is_read_from_its_stack_at_deploy_time(private):
    _, app = private
    template = app.templates["KarmadaControlPeering-member-usw2"]
    _, props = _connection(app, "member-usw2")
    assert props["PeerRegion"] == "us-east-1"
    call = lookup_call(template, props["PeerVpcId"]["Fn::GetAtt"][0])
    assert call["action"] == "describeStackResource" and call["region"] == "us-east-1"
    assert call["parameters"] == {"StackName": "KarmadaParent",
                                  "LogicalResourceId": _vpc_logical_id(app, "KarmadaParent")}
    statements = [s for p in resources(template, "AWS::IAM::Policy").values()
                  for s in p["Properties"]["PolicyDocument"]["Statement"]
                  if s["Action"] == "cloudformation:DescribeStackResource"]
    assert len(statements) == 1 and ":stack/KarmadaParent/*" in json.dumps(statements[0]["Resource"])


# --- routes both ways, and 443 from the parent only ----------------------------------------------------------

def _routes(app, stack: str) -> list[dict]:
    return [r["Properties"] for r in resources(app.templates[stack], "AWS::EC2::Route").values()]


@pytest.mark.parametrize("member", PRIVATE)
def test_the_members_private_tables_route_the_parents_cidr_through_the_peering(private, member):
    _, app = private
    connection_id, _ = _connection(app, member)
    routes = _routes(app, f"KarmadaControlPeering-{member}")
    assert len(routes) == TABLES
    tables = set()
    for route in routes:
        assert route["DestinationCidrBlock"] == PARENT_CIDR
        assert route["VpcPeeringConnectionId"] == {"Ref": connection_id}
        owner, table = _produced(app, route["RouteTableId"])
        assert owner == f"KarmadaMember-{member}" and "privateSubnet" in table["Ref"]
        tables.add(table["Ref"])
    assert len(tables) == TABLES


@pytest.mark.parametrize("member", PRIVATE)
def test_the_parents_private_tables_route_the_members_cidr_through_the_peering(private, member):
    _, app = private
    template = app.templates[f"KarmadaControlPeeringRoutes-{member}"]
    connection_id, _ = _connection(app, member)
    routes = _routes(app, f"KarmadaControlPeeringRoutes-{member}")
    assert len(routes) == TABLES
    tables = set()
    for route in routes:
        assert route["DestinationCidrBlock"] == CIDR[member]
        owner, table = _produced(app, route["RouteTableId"])
        assert owner == "KarmadaParent" and "privateSubnet" in table["Ref"]
        tables.add(table["Ref"])
        peering = route["VpcPeeringConnectionId"]
        if REGION[member] == "us-east-1":
            assert _produced(app, peering) == (f"KarmadaControlPeering-{member}", {"Ref": connection_id})
        else:
            call = lookup_call(template, peering["Fn::GetAtt"][0])
            assert call["region"] == REGION[member]
            assert call["parameters"] == {"StackName": f"KarmadaControlPeering-{member}",
                                          "LogicalResourceId": connection_id}
    assert len(tables) == TABLES
    # Nothing is opened on the parent's side: its egress is open and answers need no rule.
    assert not resources(template, "AWS::EC2::SecurityGroupIngress")


@pytest.mark.parametrize("member", PRIVATE)
def test_only_443_from_the_parents_cidr_on_the_control_planes_own_group(private, member):
    _, app = private
    template = app.templates[f"KarmadaControlPeering-{member}"]
    (rule,) = resources(template, "AWS::EC2::SecurityGroupIngress").values()
    props = rule["Properties"]
    assert (props["IpProtocol"], props["FromPort"], props["ToPort"], props["CidrIp"]) == ("tcp", 443, 443,
                                                                                          PARENT_CIDR)
    owner, group = _produced(app, props["GroupId"])
    assert owner == f"KarmadaMember-{member}"
    logical_id, attribute = group["Fn::GetAtt"]
    member_template = app.templates[owner]
    # aws_eks_v2's ControlPlaneSecurityGroup: on the endpoint's network interfaces, not the nodes'.
    assert attribute == "GroupId" and "ControlPlaneSecurityGroup" in logical_id
    assert member_template["Resources"][logical_id]["Type"] == "AWS::EC2::SecurityGroup"
    (cluster,) = resources(member_template, "AWS::EKS::Cluster").values()
    assert {"Fn::GetAtt": [logical_id, "GroupId"]} in cluster["Properties"]["ResourcesVpcConfig"]["SecurityGroupIds"]
    assert not resources(template, "AWS::EC2::SecurityGroupEgress")
    assert "0.0.0.0/0" not in json.dumps(template)


# --- scanners ------------------------------------------------------------------------------------------------

def test_the_control_peering_templates_pass_cfn_lint(private):
    _, app = private
    problems = cfn_lint_problems(app, "KarmadaControlPeering")
    assert len(problems) == 4 and all(found == [] for found in problems.values()), problems


def test_cdk_nag_has_no_unacknowledged_finding_with_private_members(private):
    _, app = private
    assert nag_violations(app) == []


@pytest.mark.skipif(not CHECKOV.exists(), reason="checkov is not installed in .venv-scan: run `make scan-setup`")
def test_checkov_finds_nothing_new_in_the_control_peering_templates(private, tmp_path):
    _, app = private
    unexpected = checkov_unexpected(app, "KarmadaControlPeering", tmp_path)
    assert unexpected == [], "\n".join(unexpected)


# --- config --------------------------------------------------------------------------------------------------

def test_private_is_the_default_and_public_adds_no_stack(default_config, private):
    assert [m.name for m in privately_reached(default_config)] == [m.name for m in default_config.members]
    config, _ = private
    assert "member-euw1" not in [m.name for m in privately_reached(config)]
    assert not [n for n in stack_names.all_stacks(config) if "Control" in n and n.endswith("member-euw1")]


def _refused(mutate) -> str:
    data = _data()
    mutate(data)
    with pytest.raises(ConfigError) as raised:
        parse_config(copy.deepcopy(data), "private.yaml")
    (message,) = raised.value.lines
    assert "\n" not in message
    return message


def test_public_cidrs_are_refused_because_dns_would_give_the_parent_the_public_addresses():
    def public(data):
        data["members"][1]["endpoint"]["public_cidrs"] = ["203.0.113.0/24"]

    message = _refused(public)
    assert message.startswith(
        "private.yaml: members[1].endpoint.public_cidrs: with parent_access: private (the default)"), message
    assert "set parent_access: public" in message


def test_a_member_in_another_account_is_refused_with_the_fix():
    def other(data):
        data["parent"]["account"] = "111111111111"
        data["members"][0]["account"] = "222222222222"

    message = _refused(other)
    assert message.startswith(
        "private.yaml: members[0].account: endpoint.parent_access: private (the default) peers"), message
    assert "remove account, or set endpoint.parent_access: public" in message


def test_a_member_on_an_existing_vpc_is_refused_with_the_fix():
    def existing(data):
        data["members"][1]["existing_vpc"] = {"vpc_id": "vpc-0123456789abcdef0",
                                              "private_subnet_ids": [f"subnet-0{i}23456789abcdef0" for i in range(3)]}

    message = _refused(existing)
    assert message.startswith("private.yaml: members[1].existing_vpc: endpoint.parent_access: private"), message


def test_an_existing_parent_vpc_is_refused_with_the_fix():
    data = _data()
    data["parent"]["existing_vpc"] = {
        "vpc_id": "vpc-0123456789abcdef0",
        "private_subnet_ids": [f"subnet-0{i}23456789abcdef0" for i in range(3)],
        "egress_cidrs": ["203.0.113.7/32"],
    }
    with pytest.raises(ConfigError) as raised:
        parse_config(data, "private.yaml")
    problems = [line for line in raised.value.lines if "parent_access" in line]
    assert [p.split(" private ")[0] for p in problems] == [
        "private.yaml: members[0].endpoint.parent_access:", "private.yaml: members[1].endpoint.parent_access:"]
    assert "remove parent.existing_vpc, or set endpoint.parent_access: public" in problems[0]


def test_an_overlap_with_the_parents_vpc_is_refused():
    def overlapping(data):
        data["members"][0]["vpc_cidr"] = "10.0.128.0/17"

    message = _refused(overlapping)
    assert message.startswith("private.yaml: members[0].vpc_cidr: 10.0.128.0/17 overlaps parent.vpc_cidr"), message


def test_on_an_existing_member_the_setting_is_refused():
    def existing(data):
        data["members"][0] = {"name": "prod", "kind": "existing", "region": "us-east-1", "cluster_name": "prod-eks",
                              "endpoint": {"parent_access": "private"}}

    message = _refused(existing)
    assert message.startswith("private.yaml: members[0].endpoint: has no effect on an existing member"), message
    config = parse_config(_data(), "private.yaml")
    assert all(m.kind is MemberKind.new for m in privately_reached(config))
