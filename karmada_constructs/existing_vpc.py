"""A VPC the user already has, imported by id for an EKS cluster (no look-up, so synth stays offline)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import Annotations
from aws_cdk import aws_ec2 as ec2
from constructs import Construct, IConstruct

# eks-karmada preflight checks each subnet's route and its load-balancer tags with AWS.
_CHECKED_BY_PREFLIGHT = "eks-karmada preflight checks the existing subnets' routes and load-balancer tags with AWS"


@dataclass(frozen=True, kw_only=True)
class ExistingVpcProps:
    """Properties of `ExistingVpc`."""
    vpc_id: str
    """The VPC's id."""
    cidr: str
    """The VPC's IPv4 CIDR (as configured; preflight compares it with the VPC's)."""
    availability_zones: list[str]
    """The cluster's AZs, in the order of the subnet lists."""
    private_subnet_ids: list[str]
    """One private subnet with outbound access per AZ."""
    public_subnet_ids: list[str] = field(default_factory=list)
    """One public subnet per AZ, or none. Default: none."""
    private_subnet_cidrs: list[str] = field(default_factory=list)
    """The private subnets' CIDRs, in the same order, or none (then a subnet's ipv4_cidr_block is unknown).
    Default: none."""
    public_subnet_cidrs: list[str] = field(default_factory=list)
    """The public subnets' CIDRs, in the same order, or none. Default: none."""


class ExistingVpc(Construct):
    """An existing VPC and its subnets, as the `ec2.IVpc` the cluster constructs take.

    `ec2.Vpc.from_vpc_attributes` with the configured ids: nothing is created or looked up. The private subnets
    are PRIVATE_WITH_EGRESS (what the cluster, node group, Lambdas and an internal NLB select), so the routes,
    NAT and flow logs stay the VPC owner's; `eks-karmada preflight` checks the subnets against AWS.
    """

    def __init__(self, scope: Construct, id: str, props: ExistingVpcProps) -> None:
        super().__init__(scope, id)
        self.vpc = ec2.Vpc.from_vpc_attributes(
            self,
            "Vpc",
            vpc_id=props.vpc_id,
            vpc_cidr_block=props.cidr,
            availability_zones=props.availability_zones,
            private_subnet_ids=props.private_subnet_ids,
            public_subnet_ids=props.public_subnet_ids or None,
            private_subnet_ipv4_cidr_blocks=props.private_subnet_cidrs or None,
            public_subnet_ipv4_cidr_blocks=props.public_subnet_cidrs or None,
        )
        # The cluster constructs never read route tables; the VPC owner keeps them.
        Annotations.of(self).acknowledge_warning("@aws-cdk/aws-ec2:noSubnetRouteTableId", _CHECKED_BY_PREFLIGHT)

    @staticmethod
    def acknowledge_subnet_tags(cluster: IConstruct) -> None:
        """The cluster cannot tag subnets it does not own: preflight checks the tags instead."""
        Annotations.of(cluster).acknowledge_warning("@aws-cdk/aws-eks:clusterMustManuallyTagSubnet",
                                                    _CHECKED_BY_PREFLIGHT)
