"""KarmadaMember-<name>: a member cluster this app creates (member kind `new`)."""

from __future__ import annotations

from aws_cdk import CfnOutput, Environment, Stack
from constructs import Construct

from eks_karmada.config import AppConfig, MemberConfig, SyncMode
from karmada_constructs.cluster_vpc import ClusterVpc, ClusterVpcProps
from karmada_constructs.eks_cluster import EksCluster, EksClusterProps, NodeGroupProps
from karmada_constructs.parent_egress_addresses import ParentEgressAddresses
from stacks.egress_stack import EGRESS_TAG, egress_reader_role_name


class KarmadaMemberStack(Stack):
    """Composes a member: its VPC and EKS cluster with a managed node group,
    hardened like the parent's but without Karmada. In Push mode its EKS
    endpoint admits the parent's egress addresses (looked up from
    KarmadaEgress at deploy time). It has no dependency on the parent, so
    `cdk deploy --all --concurrency N` builds it in parallel.
    """

    def __init__(self, scope: Construct, id: str, *, config: AppConfig, member: MemberConfig, **kwargs) -> None:
        super().__init__(
            scope,
            id,
            env=Environment(account=member.account or config.parent.account, region=member.region),
            description=f"eks-karmada member {member.name}: EKS cluster managed by Karmada",
            **kwargs,
        )
        network = ClusterVpc(
            self,
            "Network",
            ClusterVpcProps(
                cidr=member.vpc_cidr,
                availability_zones=member.zones,
                nat_gateways=member.nat_gateways,
                cluster_name=member.eks_cluster_name,
                flow_log_retention_days=config.parent.log_retention_days,
            ),
        )
        public_cidrs = list(member.endpoint.public_cidrs)
        if member.sync_mode is SyncMode.push:
            # Karmada's controllers in the parent dial this cluster's API through the parent's NAT gateways.
            public_cidrs += ParentEgressAddresses(
                self,
                "ParentEgress",
                region=config.parent.region,
                account=config.parent.account,
                reader_role_name=egress_reader_role_name(config),
                tag_key=EGRESS_TAG,
                tag_value=config.parent.cluster_name,
                count=config.parent.nat_gateways,
            ).cidrs
        eks_cluster = EksCluster(
            self,
            "Eks",
            EksClusterProps(
                cluster_name=member.eks_cluster_name,
                kubernetes_version=config.versions.kubernetes,
                vpc=network.vpc,
                node_group=NodeGroupProps(**member.node_group.model_dump()),
                private_endpoint=member.endpoint.private,
                public_cidrs=public_cidrs,
                admin_role_arns=config.parent.admin_role_arns,
                pod_identity_agent_version=config.parent.addons.pod_identity_agent,
            ),
        )
        self.cluster = eks_cluster.cluster
        CfnOutput(self, "ClusterName", value=self.cluster.cluster_name, description=f"Member {member.name} EKS cluster")
        CfnOutput(
            self,
            "KubeconfigCommand",
            value=f"aws eks update-kubeconfig --region {member.region} --name {member.eks_cluster_name} --alias {member.name}",
            description=f"Adds member {member.name} to your kubeconfig",
        )
