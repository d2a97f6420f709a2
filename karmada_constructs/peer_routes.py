"""One side of a VPC peering: routes to the peer's CIDR and ingress for the given ports only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import aws_ec2 as ec2
from constructs import Construct


@dataclass(frozen=True, kw_only=True)
class PeerRoutesProps:
    """Properties of `PeerRoutes`."""
    peering_id: str
    """The VPC peering connection (pcx-...) the routes go through."""
    peer_cidr: str
    """The peer VPC's IPv4 CIDR: the routes' destination and the rules' only source."""
    route_table_ids: Sequence[str]
    """This side's private route tables (where the nodes and pods are)."""
    security_group_id: str
    """The security group the ports are opened on: this side's EKS cluster security group (on the nodes, so on VPC
    CNI pods) for member services, the control plane's for the EKS API."""
    peer_name: str
    """The peer member's name, for the rules' descriptions."""
    ports: Sequence[int] = ()
    """TCP ports served to the peer (traffic.cross_member_ports). Default: none opened (routes only)."""
    served: str = "cross-member service"
    """What the ports serve, for the rules' descriptions. Default: "cross-member service"."""
    peer_kind: str = "member"
    """What the peer is, for the rules' descriptions ("member", "the parent"). Default: "member"."""


class PeerRoutes(Construct):
    """Routes to the peer VPC through the peering connection, and TCP ingress on ``ports`` from its CIDR only.

    One AWS::EC2::Route per private route table (destination = the peer's CIDR) and one
    AWS::EC2::SecurityGroupIngress per port on the cluster security group (source = the peer's CIDR, never wider).
    Security groups are stateful: the answers to this side's own calls need no rule.
    """

    def __init__(self, scope: Construct, id: str, props: PeerRoutesProps) -> None:
        super().__init__(scope, id)
        self.routes = [
            ec2.CfnRoute(self, f"Route{index}", route_table_id=table, destination_cidr_block=props.peer_cidr,
                         vpc_peering_connection_id=props.peering_id)
            for index, table in enumerate(props.route_table_ids)
        ]
        self.rules = [
            ec2.CfnSecurityGroupIngress(
                self, f"Port{port}", group_id=props.security_group_id, ip_protocol="tcp", from_port=port,
                to_port=port, cidr_ip=props.peer_cidr,
                description=f"TCP {port} from {props.peer_kind} {props.peer_name} ({props.served}, VPC peering)")
            for port in props.ports
        ]
