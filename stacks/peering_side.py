"""A cluster's network as a VPC peering sees it: what KarmadaPeering* and KarmadaControlPeering* stacks read."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks


@dataclass(frozen=True, kw_only=True)
class PeeringSide:
    """A cluster's network as its VPC peerings see it (tokens of the cluster's stack, same-region references)."""

    vpc_id: str
    """The VPC's id."""
    vpc_logical_id: str
    """The VPC's logical id in the cluster's stack (another region's look-up reads its physical id)."""
    route_table_ids: list[str]
    """The private subnets' route tables."""
    security_group_id: str
    """The EKS cluster security group (nodes, and pods on the VPC CNI)."""
    api_security_group_id: str
    """The control plane's own security group (aws_eks_v2's ControlPlaneSecurityGroup): on the private endpoint's
    network interfaces only, not on the nodes."""


def peering_side(stack: Stack, vpc: ec2.IVpc | None, cluster: eks.ICluster) -> PeeringSide:
    """What a peering needs of a cluster's network; only a VPC this app creates can be peered (its route tables)."""
    if vpc is None or not isinstance(vpc.node.default_child, ec2.CfnVPC):
        raise ValueError(f"{stack.stack_name}: only a cluster whose VPC this app creates can be peered")
    return PeeringSide(
        vpc_id=vpc.vpc_id,
        vpc_logical_id=stack.resolve(vpc.node.default_child.logical_id),
        route_table_ids=[subnet.route_table.route_table_id for subnet in vpc.private_subnets],
        security_group_id=cluster.cluster_security_group_id,
        api_security_group_id=_control_plane_security_group(cluster).security_group_id,
    )


def _control_plane_security_group(cluster: eks.ICluster) -> ec2.ISecurityGroup:
    """aws_eks_v2's own group for the control plane (resourcesVpcConfig.securityGroupIds), not the cluster's."""
    group = next((g for g in cluster.connections.security_groups if g.node.id == "ControlPlaneSecurityGroup"), None)
    if group is None:
        raise ValueError(f"{cluster.node.path}: no ControlPlaneSecurityGroup (a cluster this app does not create)")
    return group
