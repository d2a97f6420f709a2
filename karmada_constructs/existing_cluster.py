"""An existing EKS cluster, imported by name, that this app can apply manifests to."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Vpc vs IVpc, Subnet vs ISubnet):
# pyright: reportArgumentType=false
from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import Annotations, Fn, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from karmada_constructs.deploy_time_lookup import DeployTimeLookup, DeployTimeLookupProps
from karmada_constructs.eks_cluster import acknowledge_kubectl_provider
from karmada_constructs.nag import acknowledge_aws_custom_resource

ENDPOINT = "cluster.endpoint"
VPC_ID = "cluster.resourcesVpcConfig.vpcId"
CLUSTER_SECURITY_GROUP_ID = "cluster.resourcesVpcConfig.clusterSecurityGroupId"
HTTPS = 443


@dataclass(frozen=True, kw_only=True)
class KubectlNetworkProps:
    """Where the kubectl provider runs: private subnets of the imported cluster's own VPC."""
    subnet_ids: list[str]
    """Private subnets of the cluster's VPC (at least two); the provider's Lambdas run there."""
    egress_cidrs: list[str] = field(default_factory=lambda: ["0.0.0.0/0"])
    """Where the Lambdas may connect on 443 besides the cluster (the AWS APIs). Default: 0.0.0.0/0 (through NAT)."""
    egress_prefix_list_ids: list[str] = field(default_factory=list)
    """Managed prefix lists the Lambdas may connect to on 443 (an S3 gateway endpoint's). Default: none."""


@dataclass(frozen=True, kw_only=True)
class ExistingEksClusterProps:
    """Properties of `ExistingEksCluster`."""
    cluster_name: str
    """The EKS cluster's name."""
    kubectl_layer: type
    """The kubectl Lambda layer class matching the cluster's Kubernetes version."""
    kubectl_network: KubectlNetworkProps | None = None
    """Run the kubectl provider in the cluster's VPC. Default: outside any VPC (the public endpoint must admit
    AWS Lambda)."""


class ExistingEksCluster(Construct):
    """Imports an EKS cluster by name and gives it a kubectl provider of its own.

    Imports an EKS cluster by name (no look-up at synth) and gives it a kubectl provider of its own, with an EKS access
    entry that carries no access policy (the stack brackets what the provider applies with a `DeployTimeAdmin`).
    With `kubectl_network`, the provider's Lambdas run in the given private subnets of the cluster's VPC with a
    security group of their own (egress on 443 only), which the cluster's security group admits on 443: they reach
    the private endpoint. Without it they run outside any VPC, so the cluster's public endpoint must admit AWS Lambda
    (docs/operations.md, "existing members"). The VPC and the cluster security group are read at deploy time from
    describeCluster, with the endpoint.
    """

    def __init__(self, scope: Construct, id: str, props: ExistingEksClusterProps) -> None:
        super().__init__(scope, id)
        cluster_name, network = props.cluster_name, props.kubectl_network
        # The endpoint (and the VPC, for a provider inside it) is read at deploy time, no look-up at synth.
        outputs = [ENDPOINT, *([VPC_ID, CLUSTER_SECURITY_GROUP_ID] if network else [])]
        describe = cr.AwsSdkCall(
            service="EKS", action="describeCluster", parameters={"name": cluster_name},
            output_paths=outputs, physical_resource_id=cr.PhysicalResourceId.of(cluster_name),
        )
        arn = Stack.of(self).format_arn(service="eks", resource="cluster", resource_name=cluster_name)
        lookup = DeployTimeLookup(self, "Describe", DeployTimeLookupProps(
            call=describe,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["eks:DescribeCluster"], resources=[arn])]
            ),
        ))
        # The subnets are given one by one, so the VPC's zones are never read (Fn::GetAZs only fills the attribute).
        vpc = ec2.Vpc.from_vpc_attributes(self, "Vpc", vpc_id=lookup.get_response_field(VPC_ID),
                                          availability_zones=Fn.get_azs()) if network else None
        if vpc is not None:
            Annotations.of(vpc).acknowledge_warning(
                "@aws-cdk/aws-ec2:vpcAttributeIsListTokenavailabilityZones",
                "Only the kubectl provider uses this VPC, with its subnets given by id: nothing selects them by zone.")
        bare = eks.Cluster.from_cluster_attributes(self, "Imported", cluster_name=cluster_name, vpc=vpc)
        self.kubectl_rules: list[IConstruct] = []
        """What the provider needs in the network before it applies anything (empty outside a VPC)."""
        self.kubectl_security_group: ec2.SecurityGroup | None = None
        """The provider's own security group (only inside the VPC)."""
        subnets, groups = None, None
        if network is not None and vpc is not None:
            cluster_sg = lookup.get_response_field(CLUSTER_SECURITY_GROUP_ID)
            self.kubectl_security_group = self._kubectl_security_group(vpc, cluster_sg, network)
            subnets = self._kubectl_subnets(network.subnet_ids)
            groups = [self.kubectl_security_group]
        self.kubectl_provider = eks.KubectlProvider(
            self, "Kubectl", cluster=bare, kubectl_layer=props.kubectl_layer(self, "KubectlLayer"),
            private_subnets=subnets, security_groups=groups,
        )
        self.cluster = eks.Cluster.from_cluster_attributes(
            self, "Cluster", cluster_name=cluster_name, kubectl_provider=self.kubectl_provider,
            cluster_endpoint=lookup.get_response_field(ENDPOINT),
        )
        self.access_entry = eks.CfnAccessEntry(
            self,
            "KubectlAccess",
            cluster_name=cluster_name,
            principal_arn=self.kubectl_role.role_arn,
            type="STANDARD",  # no access policy: DeployTimeAdmin associates one only while a deploy applies
        )
        acknowledge_kubectl_provider(self.kubectl_provider)
        acknowledge_aws_custom_resource(Stack.of(self))

    def _kubectl_security_group(self, vpc: ec2.IVpc, cluster_sg: str,
                                network: KubectlNetworkProps) -> ec2.SecurityGroup:
        """The provider's group: 443 out to the cluster and the AWS APIs only; the cluster's group admits it on 443."""
        group = ec2.SecurityGroup(
            self, "KubectlSecurityGroup", vpc=vpc, allow_all_outbound=False,
            description=f"kubectl provider of {self.node.path}: HTTPS to the EKS endpoint and the AWS APIs",
        )
        for cidr in network.egress_cidrs:
            group.add_egress_rule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(HTTPS), "AWS APIs (EKS, Lambda, S3)")
        for prefix_list in network.egress_prefix_list_ids:
            group.add_egress_rule(ec2.Peer.prefix_list(prefix_list), ec2.Port.tcp(HTTPS), "AWS APIs (prefix list)")
        to_cluster = ec2.CfnSecurityGroupEgress(
            self, "KubectlToCluster", group_id=group.security_group_id, ip_protocol="tcp", from_port=HTTPS,
            to_port=HTTPS, destination_security_group_id=cluster_sg, description="The cluster's private endpoint",
        )
        from_kubectl = ec2.CfnSecurityGroupIngress(
            self, "ClusterFromKubectl", group_id=cluster_sg, ip_protocol="tcp", from_port=HTTPS, to_port=HTTPS,
            source_security_group_id=group.security_group_id,
            description="eks-karmada member stack's kubectl provider to the EKS API",
        )
        self.kubectl_rules = [to_cluster, from_kubectl]
        return group

    def _kubectl_subnets(self, subnet_ids: list[str]) -> list[ec2.ISubnet]:
        """The given subnets, imported by id (no look-up at synth)."""
        subnets = [ec2.Subnet.from_subnet_id(self, f"KubectlSubnet{i}", subnet) for i, subnet in enumerate(subnet_ids)]
        for subnet in subnets:
            Annotations.of(subnet).acknowledge_warning(
                "@aws-cdk/aws-ec2:noSubnetRouteTableId",
                "The kubectl provider places its Lambdas in the subnet and never reads its route table.")
        return subnets

    @property
    def kubectl_role(self) -> iam.IRole:
        """The role the kubectl provider's handler runs as (aws_eks_v2 always creates one)."""
        role = self.kubectl_provider.role
        if role is None:
            raise ValueError(f"{self.node.path}: the kubectl provider has no role")
        return role
