"""KarmadaControlPeering-<name>: the VPC peering by which the parent reaches a member's private EKS endpoint."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from eks_karmada import stack_names
from eks_karmada.config import AppConfig, MemberConfig
from karmada_constructs.peer_routes import PeerRoutes, PeerRoutesProps
from karmada_constructs.stack_resource_lookup import StackResourceLookup, StackResourceLookupProps
from karmada_constructs.vpc_peering_connection import VpcPeeringConnection, VpcPeeringConnectionProps
from stacks.member_stack import KarmadaMemberStack
from stacks.naming import member_environment
from stacks.parent_stack import KarmadaParentStack

# The EKS API's port, the only one the parent's VPC is admitted to in the member's.
EKS_API_PORT = 443


class KarmadaControlPeeringStack(Stack):
    """The peering from a privately reached member's VPC to the parent's, and the member's side of it.

    In the member's region (endpoint.parent_access: private): the connection (CloudFormation accepts it: one
    account, PeerRegion when the parent is elsewhere), routes from the member's private route tables to the
    parent's CIDR, and TCP 443 from that CIDR on the control plane's security group (the private endpoint's network
    interfaces, not the nodes; a CIDR, as a peering across regions cannot reference a security group). The parent's
    VPC id comes by reference in the same region, by a deploy-time look-up of KarmadaParent's resource in another.
    The parent's routes are in KarmadaControlPeeringRoutes-<name>. After the member and the parent stacks; neither
    depends on it. Exposes ``connection``.
    """

    def __init__(self, scope: Construct, id: str, *, config: AppConfig, member: MemberConfig,
                 parent: KarmadaParentStack, member_stack: KarmadaMemberStack, **kwargs) -> None:
        super().__init__(
            scope,
            id,
            env=member_environment(config, member),
            description=f"eks-karmada: VPC peering from member {member.name} to the parent, for the parent's calls "
                        f"to its private EKS API",
            **kwargs,
        )
        self.add_stack_dependency(member_stack, "peers the member's VPC")
        self.add_stack_dependency(parent, "peers with the parent's VPC")
        own = member_stack.peering_side()
        parent_name = config.parent.cluster_name
        self.connection = VpcPeeringConnection(self, "ToParent", VpcPeeringConnectionProps(
            vpc_id=own.vpc_id,
            peer_vpc_id=self._parent_vpc_id(config, member, parent),
            peer_region=config.parent.region if member.region != config.parent.region else None,
            name=f"{member.name}-to-{parent_name}",
        ))
        self.routes = PeerRoutes(self, "Routes", PeerRoutesProps(
            peering_id=self.connection.peering_id, peer_cidr=config.parent.vpc_cidr,
            route_table_ids=own.route_table_ids, security_group_id=own.api_security_group_id,
            ports=[EKS_API_PORT], peer_name=parent_name, peer_kind="parent",
            served="EKS API for Karmada and the registrar",
        ))
        CfnOutput(self, "PeeringToParent", value=self.connection.peering_id,
                  description=f"VPC peering {member.name} ({member.region}) to the parent {parent_name} "
                              f"({config.parent.region})")

    def _parent_vpc_id(self, config: AppConfig, member: MemberConfig, parent: KarmadaParentStack) -> str:
        side = parent.peering_side()
        if member.region == config.parent.region:
            return side.vpc_id
        return StackResourceLookup(self, "ParentVpc", StackResourceLookupProps(
            stack_name=stack_names.PARENT, logical_id=side.vpc_logical_id, region=config.parent.region,
        )).physical_id
