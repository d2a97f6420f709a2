"""A VPC peering connection between two members' VPCs of one account (same or another region)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import CfnTag
from aws_cdk import aws_ec2 as ec2
from constructs import Construct


@dataclass(frozen=True, kw_only=True)
class VpcPeeringConnectionProps:
    """Properties of `VpcPeeringConnection`."""
    vpc_id: str
    """The requester's VPC, in this stack's region."""
    peer_vpc_id: str
    """The accepter's VPC (same account)."""
    peer_region: str | None = None
    """The accepter's region when it is not this stack's. Default: this stack's region."""
    name: str
    """The connection's Name tag, e.g. member-use1-to-member-usw2."""


class VpcPeeringConnection(Construct):
    """An AWS::EC2::VPCPeeringConnection from ``vpc_id`` to ``peer_vpc_id``, with PeerRegion when cross-region.

    Both VPCs are in one account, so CloudFormation accepts the request itself, in the accepter's region as well,
    and the resource is created once the connection is active (AWS::EC2::VPCPeeringConnection: "accepted without a
    peering role"); no PeerOwnerId, no PeerRoleArn, no accepter function. Exposes ``peering_id``.
    """

    RESOURCE_TYPE = ec2.CfnVPCPeeringConnection.CFN_RESOURCE_TYPE_NAME

    def __init__(self, scope: Construct, id: str, props: VpcPeeringConnectionProps) -> None:
        super().__init__(scope, id)
        self.resource = ec2.CfnVPCPeeringConnection(
            self, "Resource", vpc_id=props.vpc_id, peer_vpc_id=props.peer_vpc_id, peer_region=props.peer_region,
            tags=[CfnTag(key="Name", value=props.name)],
        )
        self.peering_id: str = self.resource.ref
