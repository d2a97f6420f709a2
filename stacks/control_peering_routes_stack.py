"""KarmadaControlPeeringRoutes-<name>: the parent's routes to a privately reached member's VPC."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from aws_cdk import Stack
from constructs import Construct

from eks_karmada import stack_names
from eks_karmada.config import AppConfig, MemberConfig
from karmada_constructs.peer_routes import PeerRoutes, PeerRoutesProps
from karmada_constructs.stack_resource_lookup import StackResourceLookup, StackResourceLookupProps
from stacks.control_peering_stack import KarmadaControlPeeringStack
from stacks.naming import parent_environment
from stacks.parent_stack import KarmadaParentStack


class KarmadaControlPeeringRoutesStack(Stack):
    """Routes from the parent's private route tables to one privately reached member's CIDR, in the parent's region.

    Karmada's Push controllers (pods on the parent's nodes), the registrar and the agent-certificate refresh
    (Lambdas in the parent's private subnets) dial the member's private endpoint through them; no security-group
    rule on the parent's side (their egress is open, and answers need none). The connection id comes from the
    member's KarmadaControlPeering stack: by reference in the same region, by a deploy-time look-up of that stack's
    resource in another (no cross-region export). The member's registration waits for this stack.
    """

    def __init__(self, scope: Construct, id: str, *, config: AppConfig, member: MemberConfig,
                 parent: KarmadaParentStack, peering: KarmadaControlPeeringStack, **kwargs) -> None:
        super().__init__(
            scope,
            id,
            env=parent_environment(config),
            description=f"eks-karmada: the parent's routes to member {member.name}'s VPC (its private EKS API)",
            **kwargs,
        )
        self.add_stack_dependency(parent, "routes from the parent's private route tables")
        self.add_stack_dependency(peering, f"routes through the peering of member {member.name}")
        own = parent.peering_side()
        self.routes = PeerRoutes(self, "Routes", PeerRoutesProps(
            peering_id=self._peering_id(config, member, peering), peer_cidr=member.vpc_cidr,
            route_table_ids=own.route_table_ids, security_group_id=own.security_group_id, peer_name=member.name,
        ))

    def _peering_id(self, config: AppConfig, member: MemberConfig, peering: KarmadaControlPeeringStack) -> str:
        connection = peering.connection
        if member.region == config.parent.region:
            return connection.peering_id
        return StackResourceLookup(self, "PeeringOf-" + member.name, StackResourceLookupProps(
            stack_name=stack_names.control_peering_stack(member),
            logical_id=peering.resolve(connection.resource.logical_id),
            region=member.region or "",
        )).physical_id
