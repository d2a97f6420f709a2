"""traffic.interconnect vpc_peering on a synth of config/traffic.yaml: a mesh of three new members in two regions.

member-use1 (us-east-1, 10.1/16), member-usw2 (us-west-2, 10.2/16), member-use1-b (us-east-1, 10.3/16): one
same-region pair (use1 - use1-b, plain references) and two cross-region pairs (deploy-time look-ups).
"""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from eks_karmada import stack_names
from eks_karmada.config import ConfigError, load_config, parse_config
from eks_karmada.destroy_plan import DestroyPlan
from eks_karmada.member_peering import peered_pairs
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
from tests.synth import ROOT, synthesize

TRAFFIC = ROOT / "config" / "traffic.yaml"
CIDR = {"member-use1": "10.1.0.0/16", "member-usw2": "10.2.0.0/16", "member-use1-b": "10.3.0.0/16"}
REGION = {"member-use1": "us-east-1", "member-usw2": "us-west-2", "member-use1-b": "us-east-1"}
PORTS = [8080]
# Each side's private route tables: one per AZ of the member (the defaults give three).
TABLES = 3


@pytest.fixture(scope="module")
def traffic(tmp_path_factory):
    config = load_config(TRAFFIC)
    return config, synthesize(config, tmp_path_factory.mktemp("cdk.out-traffic"))






def _output_of(value: dict) -> tuple[str, str]:
    """(stack, region) a same-region reference (Fn::GetStackOutput) reads."""
    out = value["Fn::GetStackOutput"]
    return out["StackName"], out["Region"]




# --- stacks and their order ------------------------------------------------------------------------------------

def test_a_peering_stack_per_requester_and_a_routes_stack_per_accepter_in_their_regions(traffic):
    config, app = traffic
    peering = sorted(n for n in app.templates if n.startswith("KarmadaPeering"))
    assert peering == ["KarmadaPeering-member-use1", "KarmadaPeering-member-usw2",
                       "KarmadaPeeringRoutes-member-use1-b", "KarmadaPeeringRoutes-member-usw2"]
    for name in peering:
        member = name.split("-", 1)[1]
        assert app.stack(name).region == REGION[member]
    # n(n-1)/2 connections for n members.
    assert len(peered_pairs(config)) == 3
    connections = [c for n in peering for c in resources(app.templates[n], VpcPeeringConnection.RESOURCE_TYPE)]
    assert len(connections) == 3


def test_peering_comes_in_two_waves_after_both_members_and_members_stay_independent(traffic):
    _, app = traffic
    deps = stack_dependencies(app)
    assert deps["KarmadaPeering-member-use1"] == {"KarmadaMember-member-use1", "KarmadaMember-member-usw2",
                                                  "KarmadaMember-member-use1-b"}
    assert deps["KarmadaPeering-member-usw2"] == {"KarmadaMember-member-usw2", "KarmadaMember-member-use1-b"}
    assert deps["KarmadaPeeringRoutes-member-usw2"] == {"KarmadaPeering-member-use1", "KarmadaMember-member-usw2"}
    assert deps["KarmadaPeeringRoutes-member-use1-b"] == {"KarmadaPeering-member-use1", "KarmadaPeering-member-usw2",
                                                          "KarmadaMember-member-use1-b"}
    for name, depends in deps.items():
        if name.startswith("KarmadaMember-"):
            # Reached privately (the default), a member does not even read the parent's egress addresses.
            assert {d for d in depends if not d.startswith("KarmadaImageCache-")} == set(), \
                f"{name} must not wait for the parent or another member"
        if name.startswith(("KarmadaRegistration-", "KarmadaWorkloads", "KarmadaParent")):
            assert not any(d.startswith("KarmadaPeering") for d in depends), name


def test_the_peering_waves_are_two_stacks_deep_whatever_the_number_of_members(traffic):
    _, app = traffic
    deps = stack_dependencies(app)

    def depth(name: str) -> int:
        inner = [depth(d) for d in deps[name] if d.startswith("KarmadaPeering")]
        return 1 + max(inner, default=0)

    assert max(depth(n) for n in deps if n.startswith("KarmadaPeering")) == 2


def test_destroy_removes_routes_then_connections_then_members(traffic):
    config, app = traffic
    order = stack_names.all_stacks(config)
    assert set(order) == set(app.templates)
    deps = stack_dependencies(app)
    for name, depends in deps.items():
        for dependency in depends:
            assert order.index(name) < order.index(dependency), f"{name} must go before {dependency}"
    plan = DestroyPlan.of(config, "config/traffic.yaml")
    assert "KarmadaPeering-member-use1" in plan.stacks and "KarmadaPeeringRoutes-member-usw2" in plan.stacks


def test_traffic_off_or_no_interconnect_adds_no_peering_stack(default_config):
    # (KarmadaControlPeering* are the parent's peerings with each member: tests/test_private_reach.py.)
    assert not any(n.startswith("KarmadaPeering") for n in stack_names.all_stacks(default_config))
    data = yaml.safe_load(TRAFFIC.read_text())
    data["traffic"]["interconnect"] = "none"
    assert not any(n.startswith("KarmadaPeering") for n in stack_names.all_stacks(parse_config(data, "none.yaml")))


# --- the connections -------------------------------------------------------------------------------------------

def test_each_connection_goes_from_the_requesters_vpc_to_the_accepters_in_its_region(traffic):
    _, app = traffic
    template = app.templates["KarmadaPeering-member-use1"]
    connections = resources(template, VpcPeeringConnection.RESOURCE_TYPE)
    by_name = {next(t["Value"] for t in c["Properties"]["Tags"] if t["Key"] == "Name"): c["Properties"]
               for c in connections.values()}
    assert set(by_name) == {"member-use1-to-member-usw2", "member-use1-to-member-use1-b"}
    for props in by_name.values():
        # One account: no PeerOwnerId or PeerRoleArn, CloudFormation accepts the request itself.
        assert not {"PeerOwnerId", "PeerRoleArn"} & set(props)
        assert _output_of(props["VpcId"]) == ("KarmadaMember-member-use1", "us-east-1")
    same_region = by_name["member-use1-to-member-use1-b"]
    assert "PeerRegion" not in same_region
    assert _output_of(same_region["PeerVpcId"]) == ("KarmadaMember-member-use1-b", "us-east-1")
    cross = by_name["member-use1-to-member-usw2"]
    assert cross["PeerRegion"] == "us-west-2"
    call = lookup_call(template, cross["PeerVpcId"]["Fn::GetAtt"][0])
    member = app.stack("KarmadaMember-member-usw2")
    vpc_logical_id = member.resolve(member.vpc.node.default_child.logical_id)
    assert call["action"] == "describeStackResource" and call["region"] == "us-west-2"
    assert call["parameters"] == {"StackName": "KarmadaMember-member-usw2", "LogicalResourceId": vpc_logical_id}
    assert app.templates["KarmadaMember-member-usw2"]["Resources"][vpc_logical_id]["Type"] == "AWS::EC2::VPC"


def test_cross_region_accepters_read_the_connection_from_the_requesters_stack(traffic):
    _, app = traffic
    template = app.templates["KarmadaPeeringRoutes-member-usw2"]
    ids = {json.dumps(r["Properties"]["VpcPeeringConnectionId"]) for r in resources(template, "AWS::EC2::Route")
           .values()}
    (only,) = ids
    call = lookup_call(template, json.loads(only)["Fn::GetAtt"][0])
    requester = app.templates["KarmadaPeering-member-use1"]
    assert call["region"] == "us-east-1" and call["parameters"]["StackName"] == "KarmadaPeering-member-use1"
    connection = requester["Resources"][call["parameters"]["LogicalResourceId"]]
    assert connection["Type"] == VpcPeeringConnection.RESOURCE_TYPE
    assert connection["Properties"]["PeerRegion"] == "us-west-2"


def test_the_look_ups_may_only_read_the_one_stack_they_name(traffic):
    _, app = traffic
    for name in ("KarmadaPeering-member-use1", "KarmadaPeeringRoutes-member-usw2"):
        template = app.templates[name]
        for policy in resources(template, "AWS::IAM::Policy").values():
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                if statement["Action"] != "cloudformation:DescribeStackResource":
                    continue
                arn = json.dumps(statement["Resource"])
                assert ":cloudformation:" in arn and (":stack/KarmadaMember-member-usw2/*" in arn
                                                      or ":stack/KarmadaPeering-member-use1/*" in arn), arn


# --- routes and rules ------------------------------------------------------------------------------------------

def _routes_and_rules(app, stack: str) -> tuple[dict[str, list[str]], dict[str, list[tuple]]]:
    """Per destination CIDR: the route tables (as their output names); per source CIDR: (protocol, from, to, sg)."""
    template = app.templates[stack]
    routes: dict[str, list[str]] = {}
    for route in resources(template, "AWS::EC2::Route").values():
        props = route["Properties"]
        owner, _ = _output_of(props["RouteTableId"])
        assert props["VpcPeeringConnectionId"], stack
        routes.setdefault(props["DestinationCidrBlock"], []).append(
            f"{owner}:{props['RouteTableId']['Fn::GetStackOutput']['OutputName']}")
    rules: dict[str, list[tuple]] = {}
    for rule in resources(template, "AWS::EC2::SecurityGroupIngress").values():
        props = rule["Properties"]
        rules.setdefault(props["CidrIp"], []).append(
            (props["IpProtocol"], props["FromPort"], props["ToPort"], _output_of(props["GroupId"])[0]))
    return routes, rules


@pytest.mark.parametrize(("stack", "own", "peers"), [
    ("KarmadaPeering-member-use1", "member-use1", ["member-usw2", "member-use1-b"]),
    ("KarmadaPeering-member-usw2", "member-usw2", ["member-use1-b"]),
    ("KarmadaPeeringRoutes-member-usw2", "member-usw2", ["member-use1"]),
    ("KarmadaPeeringRoutes-member-use1-b", "member-use1-b", ["member-use1", "member-usw2"]),
])
def test_each_side_routes_its_private_tables_to_each_peer_and_admits_only_the_ports_from_its_cidr(
        traffic, stack, own, peers):
    _, app = traffic
    routes, rules = _routes_and_rules(app, stack)
    assert set(routes) == {CIDR[p] for p in peers}
    for tables in routes.values():
        assert len(set(tables)) == TABLES
        assert all(t.startswith(f"KarmadaMember-{own}:") and "privateSubnet" in t for t in tables)
    assert set(rules) == {CIDR[p] for p in peers}
    for source_rules in rules.values():
        assert sorted(source_rules) == [("tcp", port, port, f"KarmadaMember-{own}") for port in PORTS]
        assert "ClusterSecurityGroupId" in json.dumps(app.templates[stack])


def test_nothing_of_the_peering_is_open_beyond_the_member_cidrs(traffic):
    _, app = traffic
    for name, template in app.templates.items():
        if not name.startswith("KarmadaPeering"):
            continue
        text = json.dumps(template)
        assert "0.0.0.0/0" not in text and "::/0" not in text, name
        for rule in resources(template, "AWS::EC2::SecurityGroupIngress").values():
            assert rule["Properties"]["CidrIp"] in CIDR.values()
            assert rule["Properties"]["IpProtocol"] == "tcp"
        assert not resources(template, "AWS::EC2::SecurityGroupEgress")


# --- scanners --------------------------------------------------------------------------------------------------

def test_the_peering_templates_pass_cfn_lint(traffic):
    _, app = traffic
    problems = cfn_lint_problems(app, "KarmadaPeering")
    assert problems and all(found == [] for found in problems.values()), problems


def test_cdk_nag_has_no_unacknowledged_finding_with_traffic_on(traffic):
    _, app = traffic
    assert nag_violations(app) == []


@pytest.mark.skipif(not CHECKOV.exists(), reason="checkov is not installed in .venv-scan: run `make scan-setup`")
def test_checkov_finds_nothing_new_in_the_peering_templates(traffic, tmp_path):
    _, app = traffic
    unexpected = checkov_unexpected(app, "KarmadaPeering", tmp_path)
    assert unexpected == [], "\n".join(unexpected)


# --- config ----------------------------------------------------------------------------------------------------

def _refused(mutate) -> str:
    data = yaml.safe_load(TRAFFIC.read_text())
    mutate(data)
    with pytest.raises(ConfigError) as raised:
        parse_config(copy.deepcopy(data), "traffic.yaml")
    (message,) = raised.value.lines
    assert "\n" not in message
    return message


def test_a_member_in_another_account_is_refused_with_the_fix():
    def other_account(data):
        data["parent"]["account"] = "111111111111"
        data["members"][1]["account"] = "222222222222"
        data["members"][1]["endpoint"] = {"parent_access": "public"}  # its control peering refuses it too

    message = _refused(other_account)
    assert message.startswith("traffic.yaml: members[1].account: vpc_peering connects members of the parent's "
                              "account only"), message
    assert "traffic.interconnect: none" in message


def test_a_member_on_an_existing_vpc_is_refused_with_the_fix():
    def existing(data):
        data["members"][2]["existing_vpc"] = {"vpc_id": "vpc-0123456789abcdef0",
                                              "private_subnet_ids": [f"subnet-0{i}23456789abcdef0" for i in range(3)]}
        data["members"][2]["endpoint"] = {"parent_access": "public"}  # its control peering refuses it too

    message = _refused(existing)
    assert message.startswith("traffic.yaml: members[2].existing_vpc: vpc_peering adds routes only to VPCs this "
                              "app creates"), message


def test_members_of_one_other_account_are_peered_and_without_peering_nothing_is():
    data = yaml.safe_load(TRAFFIC.read_text())
    for member in data["members"]:
        member["account"] = "222222222222"
        member["endpoint"] = {"parent_access": "public"}
    assert len(peered_pairs(parse_config(data, "one-account.yaml"))) == 3
    data["traffic"]["interconnect"] = "none"
    assert peered_pairs(parse_config(data, "none.yaml")) == []
