"""The first deploy orders only what must be ordered (issue 18), in the parent and the member stacks.

The EKS cluster waits for its subnets, not for the NAT gateways' routes; the node group, and every Lambda function
in the VPC, waits for those routes; what needs no cluster (the node group's role, the log group calls' policies)
is created beside it. tests/bench/test_parent_floor.py models what this is worth.
"""

from __future__ import annotations

import pytest

from functions.resource_types import TEARDOWN_CLEANUP
from tests.template_graph import closure, edges, references

STACKS = ["KarmadaParent", "KarmadaMember-member-use1"]
# The VPC's way out: what only the nodes and the functions in the VPC need.
EGRESS_TYPES = {"AWS::EC2::NatGateway", "AWS::EC2::EIP", "AWS::EC2::Route", "AWS::EC2::InternetGateway",
                "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::RouteTable", "AWS::EC2::SubnetRouteTableAssociation",
                "AWS::EC2::FlowLog"}


def _of_type(template: dict, type_: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def _one(template: dict, type_: str) -> str:
    (logical_id,) = _of_type(template, type_)
    return logical_id


def _nat_routes(template: dict, subnets: set[str]) -> set[str]:
    """The default routes through a NAT gateway of the route tables `subnets` are associated with."""
    tables = {v["Properties"]["RouteTableId"]["Ref"]
              for v in _of_type(template, "AWS::EC2::SubnetRouteTableAssociation").values()
              if v["Properties"]["SubnetId"]["Ref"] in subnets}
    return {k for k, v in _of_type(template, "AWS::EC2::Route").items()
            if "NatGatewayId" in v["Properties"] and v["Properties"]["RouteTableId"]["Ref"] in tables}


@pytest.fixture(params=STACKS)
def stack(request, synthesized) -> dict:
    return synthesized.templates[request.param]


def test_the_cluster_waits_for_its_subnets_and_not_for_the_way_out(stack):
    graph = edges(stack)
    cluster = _one(stack, "AWS::EKS::Cluster")
    subnets = references(stack["Resources"][cluster]["Properties"]["ResourcesVpcConfig"]["SubnetIds"])
    assert len(subnets) >= 2 and subnets <= closure(graph, cluster)
    waited = {stack["Resources"][k]["Type"] for k in closure(graph, cluster)}
    assert not waited & EGRESS_TYPES
    assert "AWS::EC2::Subnet" in waited and "AWS::EC2::VPC" in waited


def test_the_node_group_waits_for_the_routes_through_the_nat_gateways(stack):
    graph = edges(stack)
    node_group = _one(stack, "AWS::EKS::Nodegroup")
    subnets = references(stack["Resources"][node_group]["Properties"]["Subnets"])
    routes = _nat_routes(stack, subnets)
    assert len(routes) >= 1 and routes <= graph[node_group]
    assert _one(stack, "AWS::EKS::Cluster") in closure(graph, node_group)


def test_every_function_in_the_vpc_waits_for_the_routes_so_kubectl_outlives_them(stack):
    """The kubectl handler and our providers reach AWS APIs through the NAT gateways, at create and delete."""
    graph = edges(stack)
    functions = {k: v for k, v in _of_type(stack, "AWS::Lambda::Function").items() if "VpcConfig" in v["Properties"]}
    assert functions
    for logical_id, function in functions.items():
        subnets = references(function["Properties"]["VpcConfig"]["SubnetIds"])
        routes = _nat_routes(stack, subnets)
        assert routes and routes <= closure(graph, logical_id), logical_id


def test_what_needs_no_cluster_is_created_beside_it(stack):
    graph = edges(stack)
    cluster, node_group = _one(stack, "AWS::EKS::Cluster"), _one(stack, "AWS::EKS::Nodegroup")
    cleanup = _one(stack, TEARDOWN_CLEANUP)
    # The node group waits for the cleanup (so it is deleted first); its role does not.
    assert cleanup in graph[node_group]
    (role,) = references(stack["Resources"][node_group]["Properties"]["NodeRole"])
    assert not {cluster, cleanup} & closure(graph, role)
    # The log group calls before the cluster: the later two wait for the group, their policies do not.
    calls = {k for k in _of_type(stack, "Custom::AWS") if k.startswith("EksControlPlaneLogs")}
    (group,) = [k for k in calls if k.startswith("EksControlPlaneLogsGroup")]
    assert calls <= closure(graph, cluster)
    for call in calls - {group}:
        assert group in graph[call]
        policies = {d for d in graph[call] if stack["Resources"][d]["Type"] == "AWS::IAM::Policy"}
        assert policies and all(group not in closure(graph, p) for p in policies), call
