"""KarmadaPeeringRoutes-<name>: a member's side of the VPC peerings it accepts."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Stack
from constructs import Construct

from eks_karmada import stack_names
from eks_karmada.config import AppConfig, MemberConfig
from eks_karmada.member_peering import PeeredPair
from karmada_constructs.peer_routes import PeerRoutes, PeerRoutesProps
from karmada_constructs.stack_resource_lookup import StackResourceLookup, StackResourceLookupProps
from stacks.member_stack import KarmadaMemberStack
from stacks.naming import member_environment
from stacks.peering_stack import KarmadaPeeringStack


class KarmadaPeeringRoutesStack(Stack):
    """Routes and rules of the accepter side, in the accepter's region, after the requesters' KarmadaPeering stacks.

    For every earlier member (requester): routes from the accepter's private route tables to the requester's CIDR,
    and ingress on the accepter's cluster security group for traffic.cross_member_ports from that CIDR only. The
    connection id comes from the requester's KarmadaPeering stack: by reference in the same region, by a deploy-time
    look-up of that stack's resource in another (no cross-region export).
    """

    def __init__(self, scope: Construct, id: str, *, config: AppConfig, accepter: MemberConfig,
                 pairs: list[PeeredPair], member_stacks: Mapping[str, KarmadaMemberStack],
                 peering_stacks: Mapping[str, KarmadaPeeringStack], **kwargs) -> None:
        super().__init__(
            scope,
            id,
            env=member_environment(config, accepter),
            description=f"eks-karmada: member {accepter.name}'s routes and rules for the VPC peerings it accepts",
            **kwargs,
        )
        own = member_stacks[accepter.name].peering_side()
        for pair in pairs:
            requester = pair.requester
            peering_stack = peering_stacks[requester.name]
            self.add_stack_dependency(peering_stack, f"routes through the peering member {requester.name} requests")
            PeerRoutes(self, f"Routes-{requester.name}", PeerRoutesProps(
                peering_id=self._peering_id(pair, peering_stack), peer_cidr=requester.vpc_cidr,
                route_table_ids=own.route_table_ids, security_group_id=own.security_group_id,
                ports=config.traffic.cross_member_ports, peer_name=requester.name,
            ))

    def _peering_id(self, pair: PeeredPair, peering_stack: KarmadaPeeringStack) -> str:
        connection = peering_stack.connections[pair.accepter.name]
        if not pair.cross_region:
            return connection.peering_id
        return StackResourceLookup(self, f"PeeringFrom-{pair.requester.name}", StackResourceLookupProps(
            stack_name=stack_names.peering_stack(pair.requester),
            logical_id=peering_stack.resolve(connection.resource.logical_id),
            region=pair.requester.region or "",
        )).physical_id
