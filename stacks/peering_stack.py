"""KarmadaPeering-<name>: the VPC peerings a member requests, and its own side of them."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from eks_karmada import stack_names
from eks_karmada.config import AppConfig, MemberConfig
from eks_karmada.member_peering import PeeredPair
from karmada_constructs.peer_routes import PeerRoutes, PeerRoutesProps
from karmada_constructs.stack_resource_lookup import StackResourceLookup, StackResourceLookupProps
from karmada_constructs.vpc_peering_connection import VpcPeeringConnection, VpcPeeringConnectionProps
from stacks.member_stack import KarmadaMemberStack
from stacks.naming import member_environment


class KarmadaPeeringStack(Stack):
    """The peering connections from one member's VPC to each later member's, in the requester's region.

    For every pair (requester, accepter) it creates the connection (CloudFormation accepts it: one account), routes
    from the requester's private route tables to the accepter's CIDR, and ingress on the requester's cluster security
    group for traffic.cross_member_ports from that CIDR. The accepter's VPC id comes from its member stack: by
    reference in the same region, by a deploy-time look-up in another. After both members' stacks; the members
    never depend on it. Exposes ``connections`` (accepter name -> connection) for KarmadaPeeringRoutes.
    """

    def __init__(self, scope: Construct, id: str, *, config: AppConfig, requester: MemberConfig,
                 pairs: list[PeeredPair], member_stacks: Mapping[str, KarmadaMemberStack], **kwargs) -> None:
        super().__init__(
            scope,
            id,
            env=member_environment(config, requester),
            description=f"eks-karmada: VPC peerings requested by member {requester.name}, with its routes and "
                        f"rules for the cross-member ports",
            **kwargs,
        )
        own = member_stacks[requester.name].peering_side()
        self.connections: dict[str, VpcPeeringConnection] = {}
        for pair in pairs:
            accepter = pair.accepter
            accepter_stack = member_stacks[accepter.name]
            self.add_stack_dependency(accepter_stack, f"peers with the VPC of member {accepter.name}")
            connection = VpcPeeringConnection(self, f"To-{accepter.name}", VpcPeeringConnectionProps(
                vpc_id=own.vpc_id,
                peer_vpc_id=self._accepter_vpc_id(pair, accepter_stack),
                peer_region=accepter.region if pair.cross_region else None,
                name=f"{requester.name}-to-{accepter.name}",
            ))
            PeerRoutes(self, f"Routes-{accepter.name}", PeerRoutesProps(
                peering_id=connection.peering_id, peer_cidr=accepter.vpc_cidr, route_table_ids=own.route_table_ids,
                security_group_id=own.security_group_id, ports=config.traffic.cross_member_ports,
                peer_name=accepter.name,
            ))
            CfnOutput(self, f"PeeringTo-{accepter.name}", value=connection.peering_id,
                      description=f"VPC peering {requester.name} ({requester.region}) to {accepter.name} "
                                  f"({accepter.region})")
            self.connections[accepter.name] = connection

    def _accepter_vpc_id(self, pair: PeeredPair, accepter_stack: KarmadaMemberStack) -> str:
        side = accepter_stack.peering_side()
        if not pair.cross_region:
            return side.vpc_id
        return StackResourceLookup(self, f"VpcOf-{pair.accepter.name}", StackResourceLookupProps(
            stack_name=stack_names.member_stack(pair.accepter), logical_id=side.vpc_logical_id,
            region=pair.accepter.region or "",
        )).physical_id
