"""KarmadaParent: the parent ("host") EKS cluster and everything the Karmada control plane stands on."""

from __future__ import annotations

import cdk8s
from aws_cdk import CfnOutput, Environment, Stack
from constructs import Construct

from charts.load_balancer_binding import ApiServerTargetGroupBindingChart, ApiServerTargetGroupBindingProps
from charts.storage_class import Gp3StorageClassChart, Gp3StorageClassProps
from eks_karmada.config import AppConfig
from karmada_constructs.api_load_balancer import KarmadaApiLoadBalancer, KarmadaApiLoadBalancerProps
from karmada_constructs.chart_manifest import ChartManifest
from karmada_constructs.cluster_vpc import ClusterVpc, ClusterVpcProps
from karmada_constructs.ebs_csi_driver import EbsCsiDriver
from karmada_constructs.eks_cluster import EksCluster, EksClusterProps, NodeGroupProps
from karmada_constructs.rendered_manifests import RenderedManifests

PARENT_TARGET = "parent"


class KarmadaParentStack(Stack):
    """Composes the parent: VPC over three AZs, the EKS cluster and node group,
    the EBS CSI driver and gp3 StorageClass, the AWS Load Balancer Controller,
    and the NLB bound to the karmada-apiserver Service.
    """

    def __init__(self, scope: Construct, id: str, *, config: AppConfig, **kwargs) -> None:
        parent = config.parent
        super().__init__(
            scope,
            id,
            env=Environment(account=parent.account, region=parent.region),
            description="eks-karmada parent: EKS cluster hosting the Karmada control plane",
            **kwargs,
        )
        charts = cdk8s.App()
        rendered = RenderedManifests.of(self)

        network = ClusterVpc(
            self,
            "Network",
            ClusterVpcProps(
                cidr=parent.vpc_cidr,
                availability_zones=parent.availability_zones,
                nat_gateways=parent.nat_gateways,
                cluster_name=parent.cluster_name,
                flow_log_retention_days=parent.log_retention_days,
            ),
        )
        eks_cluster = EksCluster(
            self,
            "Eks",
            EksClusterProps(
                cluster_name=parent.cluster_name,
                kubernetes_version=config.versions.kubernetes,
                vpc=network.vpc,
                node_group=NodeGroupProps(**parent.node_group.model_dump()),
                private_endpoint=parent.endpoint.private,
                public_cidrs=parent.endpoint.public_cidrs,
                admin_role_arns=parent.admin_role_arns,
                pod_identity_agent_version=parent.addons.pod_identity_agent,
                load_balancer_controller_version=parent.addons.load_balancer_controller,
            ),
        )
        cluster = eks_cluster.cluster
        self.cluster = cluster

        EbsCsiDriver(
            self,
            "EbsCsiDriver",
            cluster=cluster,
            addon_version=parent.addons.ebs_csi_driver,
            depends_on=[eks_cluster.node_group, cluster.eks_pod_identity_agent],
        )
        ChartManifest(
            self,
            "Gp3StorageClass",
            cluster=cluster,
            target=PARENT_TARGET,
            chart=Gp3StorageClassChart(charts, "gp3-storage-class", Gp3StorageClassProps(**parent.storage_class.model_dump())),
        )

        api = KarmadaApiLoadBalancer(
            self,
            "KarmadaApi",
            KarmadaApiLoadBalancerProps(
                vpc=network.vpc,
                vpc_cidr=parent.vpc_cidr,
                internet_facing=config.api_endpoint.scheme == "internet-facing",
                allowed_cidrs=config.api_endpoint.allowed_cidrs,
            ),
        )
        api.allow_to(cluster.cluster_security_group)
        self.api = api
        binding = ChartManifest(
            self,
            "ApiServerTargetGroupBinding",
            cluster=cluster,
            target=PARENT_TARGET,
            chart=ApiServerTargetGroupBindingChart(
                charts,
                "apiserver-target-group-binding",
                ApiServerTargetGroupBindingProps(
                    target_group_arn=rendered.placeholder(api.target_group.target_group_arn, "Nlb.TargetGroupArn")
                ),
            ),
        )
        # The TargetGroupBinding CRD and its webhook come with the controller.
        binding.node.add_dependency(cluster.alb_controller)

        rendered.placeholder(api.dns_name, "Nlb.DnsName")
        CfnOutput(self, "KarmadaApiEndpoint", value=f"https://{api.dns_name}:443",
                  description="Karmada API server (NLB, TLS passthrough)")
        CfnOutput(self, "ParentClusterName", value=cluster.cluster_name, description="Parent EKS cluster")
        CfnOutput(
            self,
            "ParentKubeconfigCommand",
            value=f"aws eks update-kubeconfig --region {parent.region} --name {parent.cluster_name}",
            description="Adds the parent cluster to your kubeconfig",
        )
