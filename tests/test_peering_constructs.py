"""The peering constructs on their own stacks: what each creates from its props, nothing more."""

from __future__ import annotations

from aws_cdk import App, Environment, Stack
from aws_cdk.assertions import Match, Template

from karmada_constructs.peer_routes import PeerRoutes, PeerRoutesProps
from karmada_constructs.stack_resource_lookup import StackResourceLookup, StackResourceLookupProps
from karmada_constructs.vpc_peering_connection import VpcPeeringConnection, VpcPeeringConnectionProps


def _stack() -> Stack:
    return Stack(App(), "S", env=Environment(account="123456789012", region="us-east-1"))


def _routes(ports: list[int]) -> Template:
    stack = _stack()
    PeerRoutes(stack, "Routes", PeerRoutesProps(
        peering_id="pcx-0123", peer_cidr="10.2.0.0/16", route_table_ids=["rtb-a", "rtb-b"],
        security_group_id="sg-0123", ports=ports, peer_name="member-usw2",
    ))
    return Template.from_stack(stack)


def test_routes_every_table_to_the_peer_cidr_through_the_connection():
    template = _routes([8080])
    template.resource_count_is("AWS::EC2::Route", 2)
    for table in ("rtb-a", "rtb-b"):
        template.has_resource_properties("AWS::EC2::Route", {
            "RouteTableId": table, "DestinationCidrBlock": "10.2.0.0/16", "VpcPeeringConnectionId": "pcx-0123"})


def test_one_tcp_rule_per_port_from_the_peer_cidr_only():
    template = _routes([80, 9090])
    rules = template.find_resources("AWS::EC2::SecurityGroupIngress")
    assert sorted((r["Properties"]["FromPort"], r["Properties"]["ToPort"]) for r in rules.values()) == [
        (80, 80), (9090, 9090)]
    for rule in rules.values():
        assert rule["Properties"]["CidrIp"] == "10.2.0.0/16"
        assert rule["Properties"]["IpProtocol"] == "tcp"
        assert rule["Properties"]["GroupId"] == "sg-0123"


def test_no_port_no_rule_but_the_routes_stay():
    template = _routes([])
    template.resource_count_is("AWS::EC2::SecurityGroupIngress", 0)
    template.resource_count_is("AWS::EC2::Route", 2)


def test_a_same_region_connection_has_no_peer_region_and_a_cross_region_one_names_it():
    stack = _stack()
    VpcPeeringConnection(stack, "Same", VpcPeeringConnectionProps(vpc_id="vpc-a", peer_vpc_id="vpc-b", name="a-to-b"))
    VpcPeeringConnection(stack, "Cross", VpcPeeringConnectionProps(
        vpc_id="vpc-a", peer_vpc_id="vpc-c", peer_region="us-west-2", name="a-to-c"))
    template = Template.from_stack(stack)
    template.has_resource_properties(VpcPeeringConnection.RESOURCE_TYPE, {
        "VpcId": "vpc-a", "PeerVpcId": "vpc-b", "PeerRegion": Match.absent(), "PeerOwnerId": Match.absent(),
        "PeerRoleArn": Match.absent(), "Tags": [{"Key": "Name", "Value": "a-to-b"}]})
    template.has_resource_properties(VpcPeeringConnection.RESOURCE_TYPE, {
        "VpcId": "vpc-a", "PeerVpcId": "vpc-c", "PeerRegion": "us-west-2"})


def test_the_lookup_reads_one_resource_of_one_stack_in_its_region():
    stack = _stack()
    StackResourceLookup(stack, "Vpc", StackResourceLookupProps(
        stack_name="KarmadaMember-b", logical_id="NetworkVpc7FB7348F", region="us-west-2"))
    template = Template.from_stack(stack)
    template.has_resource_properties("Custom::AWS", {
        "Create": Match.serialized_json(Match.object_like({
            "service": "CloudFormation", "action": "describeStackResource", "region": "us-west-2",
            "parameters": {"StackName": "KarmadaMember-b", "LogicalResourceId": "NetworkVpc7FB7348F"}})),
    })
    template.has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": {"Statement": [{
        "Action": "cloudformation:DescribeStackResource", "Effect": "Allow",
        "Resource": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"},
                                       ":cloudformation:us-west-2:123456789012:stack/KarmadaMember-b/*"]]},
    }]}})
