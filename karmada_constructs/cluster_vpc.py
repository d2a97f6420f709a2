"""A three-tier VPC for an EKS cluster, with flow logs."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from karmada_constructs.cfn import default_child
from karmada_constructs.log_encryption import RETENTION, admit_cloudwatch_logs


@dataclass(frozen=True, kw_only=True)
class ClusterVpcProps:
    """Properties of `ClusterVpc`."""
    cidr: str
    """The VPC's IPv4 CIDR."""
    availability_zones: list[str]
    """Explicit AZ names (no look-up at synth)."""
    nat_gateways: int
    """How many NAT gateways, one per AZ from the first."""
    cluster_name: str
    """The EKS cluster the subnets are tagged for."""
    flow_log_retention_days: int = 90
    """Retention of the VPC flow logs. Default: 90."""
    nat_eip_allocation_ids: list[str] | None = None
    """Fixed NAT addresses (e.g. from KarmadaEgress). Default: addresses the VPC allocates."""

class ClusterVpc(Construct):
    """A VPC over the given AZs, with all traffic logged.

    A VPC over the given AZs: public subnets (NLB, NAT gateways) and private subnets with egress (nodes, pods,
    Lambdas), tagged for the AWS Load Balancer Controller, with all traffic logged to a KMS-encrypted CloudWatch log
    group.

    AZ names come from the config so synth needs no AZ look-up.
    """

    def __init__(self, scope: Construct, id: str, props: ClusterVpcProps) -> None:
        super().__init__(scope, id)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(props.cidr),
            availability_zones=props.availability_zones,
            nat_gateways=props.nat_gateways,
            nat_gateway_provider=ec2.NatProvider.gateway(eip_allocation_ids=props.nat_eip_allocation_ids),
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=22),
                ec2.SubnetConfiguration(name="private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=19),
            ],
            restrict_default_security_group=True,
        )
        for subnet in self.vpc.public_subnets:
            default_child(subnet, ec2.CfnSubnet).tags.set_tag("kubernetes.io/role/elb", "1")
        for subnet in self.vpc.private_subnets:
            default_child(subnet, ec2.CfnSubnet).tags.set_tag("kubernetes.io/role/internal-elb", "1")

        self.flow_log_key = kms.Key(
            self,
            "FlowLogKey",
            description=f"Encrypts the VPC flow logs of {props.cluster_name}",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        admit_cloudwatch_logs(self.flow_log_key)
        log_group = logs.LogGroup(
            self,
            "FlowLogs",
            encryption_key=self.flow_log_key,
            retention=RETENTION[props.flow_log_retention_days],
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(log_group),
            traffic_type=ec2.FlowLogTrafficType.ALL,
            max_aggregation_interval=ec2.FlowLogMaxAggregationInterval.ONE_MINUTE,
        )

    @property
    def private_subnets(self) -> ec2.SubnetSelection:
        return ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)

    @property
    def public_subnets(self) -> ec2.SubnetSelection:
        return ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)
