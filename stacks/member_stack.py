"""KarmadaMember-<name>: a member cluster (created here, or an existing EKS cluster) made joinable."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from typing import cast

import cdk8s
from aws_cdk import CfnOutput, CfnResource, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from constructs import Construct, IConstruct

from charts.external_dns import ExternalDnsChart
from eks_karmada import stack_names
from eks_karmada.chart_props import external_dns_props
from eks_karmada.config import AppConfig, MemberConfig, MemberKind
from eks_karmada.image_cache import cache_site, cached_upstreams
from eks_karmada.member_objects import member_chart, member_target
from eks_karmada.mirrors import LOAD_BALANCER_CONTROLLER_CHART, cluster_mirror
from karmada_constructs.cfn import default_child
from karmada_constructs.cluster_vpc import ClusterVpc, ClusterVpcProps
from karmada_constructs.deploy_time_admin import DeployTimeAdmin, DeployTimeAdminProps
from karmada_constructs.eks_cluster import KUBECTL_LAYERS, EksCluster, EksClusterProps, NodeGroupProps
from karmada_constructs.existing_cluster import ExistingEksCluster, ExistingEksClusterProps, KubectlNetworkProps
from karmada_constructs.existing_vpc import ExistingVpc, ExistingVpcProps
from karmada_constructs.external_dns import ExternalDns, ExternalDnsProps
from karmada_constructs.image_pull_through_cache import ImagePullThroughCache
from karmada_constructs.member_access import KarmadaMemberAccess, KarmadaMemberAccessProps
from karmada_constructs.metrics_server import MetricsServer, MetricsServerProps
from karmada_constructs.parent_egress_addresses import ParentEgressAddresses, ParentEgressAddressesProps
from karmada_constructs.rendered_manifests import RenderedManifests
from karmada_constructs.teardown_cleanup import TeardownCleanup, TeardownCleanupProps
from stacks.egress_stack import nat_address_logical_id
from stacks.naming import (
    egress_reader_role_name,
    join_external_id,
    join_role_name,
    member_environment,
    registrar_role_name,
    role_arn,
)
from stacks.peering_side import PeeringSide, peering_side


def _kubectl_network_props(member: MemberConfig) -> KubectlNetworkProps | None:
    """Where an existing member's kubectl provider runs (members[].kubectl_network); None: outside any VPC."""
    network = member.kubectl_network
    if network is None:
        return None
    return KubectlNetworkProps(subnet_ids=list(network.subnet_ids), egress_cidrs=list(network.egress_cidrs),
                               egress_prefix_list_ids=list(network.egress_prefix_list_ids))


class KarmadaMemberStack(Stack):
    """Composes a member in its own region (and account).

    For `new` members a VPC and EKS cluster hardened like the parent's, for `existing` ones the cluster imported by
    name; the add-ons the member asks for (`members[].addons`: metrics-server, and on `new` members the AWS Load
    Balancer Controller set up as the parent's, and ExternalDNS when `traffic.enabled`); then what registration needs
    inside it (join role, access entry, member-side objects), applied by a kubectl provider that is cluster admin only
    while a deploy applies (`DeployTimeAdmin`). A `new` member's EKS endpoint is private only: the parent reaches it
    through KarmadaControlPeering-<name> (stacks/control_peering_stack.py), which needs this stack's VPC. With
    `endpoint.parent_access: public` it admits the parent's egress addresses, looked up from KarmadaEgress at deploy
    time (an existing member's endpoint is its owner's to open: docs/operations.md). Either way the stack never
    depends on the parent stack and deploys in parallel with it.
    """

    def __init__(self, scope: Construct, id: str, *, config: AppConfig, member: MemberConfig,
                 deployer_arn: str | None = None, **kwargs) -> None:
        super().__init__(
            scope,
            id,
            env=member_environment(config, member),
            description=f"eks-karmada member {member.name}: EKS cluster managed by Karmada",
            **kwargs,
        )
        charts = cdk8s.App()
        existing = None
        self.vpc: ec2.IVpc | None = None  # the VPC created or imported for a `new` member (peering reads it)
        if member.kind is MemberKind.new:
            eks_cluster = self._new_cluster(config, member, deployer_arn)
            cluster = eks_cluster.cluster
            self._add_metrics_server(config, member, depends_on=[eks_cluster.node_group])
            self._add_external_dns(charts, config, member, eks_cluster)
        else:
            existing = ExistingEksCluster(self, "Eks", ExistingEksClusterProps(
                cluster_name=member.eks_cluster_name, kubectl_layer=KUBECTL_LAYERS[config.versions.kubernetes],
                kubectl_network=_kubectl_network_props(member),
            ))
            cluster = existing.cluster
            self._add_metrics_server(config, member, depends_on=[])
        self.cluster = cluster
        endpoint = RenderedManifests.of(self).placeholder(cluster.cluster_endpoint, f"Member.{member.name}.Endpoint")
        parent_account = config.parent.account or self.account
        self.access = KarmadaMemberAccess(self, "KarmadaAccess", KarmadaMemberAccessProps(
            cluster=cluster,
            chart=member_chart(charts, config, member, endpoint),
            target=member_target(member),
            join_role_name=join_role_name(config, member),
            registrar_role_arn=role_arn(parent_account, registrar_role_name(config), self.partition),
            registrar_account=parent_account,
            external_id=join_external_id(config, member),
        ))
        # The kubectl provider is cluster admin only while a deploy applies, updates or deletes what it applies.
        if existing is None:
            # A `new` member (the cluster EksCluster created). Last: it brackets every kubectl resource of the stack.
            admin = DeployTimeAdmin.for_cluster(self, "KubectlAdmin", cast(eks.Cluster, cluster),
                                                cluster_name=member.eks_cluster_name,
                                                log_retention_days=config.parent.log_retention_days)
        else:
            # It applies only once it can reach the endpoint (inside the VPC).
            self.access.objects.node.add_dependency(*existing.kubectl_rules)
            admin = DeployTimeAdmin(self, "KubectlAdmin", DeployTimeAdminProps(
                cluster_name=member.eks_cluster_name, principal=existing.kubectl_role,
                access_entry=existing.access_entry, applied=[self.access.objects],
                log_retention_days=config.parent.log_retention_days,
            ))
        CfnOutput(self, "KubectlRoleArn", value=admin.principal_arn,
                  description=f"Member {member.name}'s kubectl provider: cluster admin only while a deploy applies")
        CfnOutput(self, "ClusterName", value=cluster.cluster_name, description=f"Member {member.name} EKS cluster")
        CfnOutput(
            self,
            "KubeconfigCommand",
            value=f"aws eks update-kubeconfig --region {member.region} --name {member.eks_cluster_name} --alias "
                  f"{member.name}",
            description=f"Adds member {member.name} to your kubeconfig",
        )

    def peering_side(self) -> PeeringSide:
        """What a peering needs of this member's network; only `new` members with a VPC made here are peered."""
        return peering_side(self, self.vpc, self.cluster)

    def _add_metrics_server(self, config: AppConfig, member: MemberConfig, *,
                            depends_on: list[IConstruct]) -> None:
        """metrics-server, when the member wants it: on a cluster created here, taking over nothing else's."""
        if not member.metrics_server:
            return
        MetricsServer(self, "MetricsServer", MetricsServerProps(
            cluster_name=member.eks_cluster_name,
            addon_version=config.parent.addons.metrics_server,
            take_over_existing=member.kind is MemberKind.new,
            depends_on=depends_on,
        ))

    def _add_external_dns(self, charts: cdk8s.App, config: AppConfig, member: MemberConfig,
                          eks_cluster: EksCluster) -> None:
        """ExternalDNS, when traffic is on: this member's records for its public Services (docs/traffic.md)."""
        if not config.traffic.enabled:
            return
        props = external_dns_props(config, member)
        ExternalDns(self, "ExternalDns", ExternalDnsProps(
            cluster=eks_cluster.cluster,
            chart=ExternalDnsChart(charts, f"{member.name}-external-dns", props),
            target=member_target(member),
            hosted_zone_id=props.hosted_zone_id,
            domain=props.domain,
            depends_on=[eks_cluster.node_group, eks_cluster.pod_identity_agent],
        ))

    def _network(self, config: AppConfig, member: MemberConfig) -> ClusterVpc | ExistingVpc:
        if member.existing_vpc is not None:
            return ExistingVpc(self, "Network", ExistingVpcProps(
                vpc_id=member.existing_vpc.vpc_id,
                cidr=member.vpc_cidr,
                availability_zones=member.zones,
                private_subnet_ids=member.existing_vpc.private_subnet_ids,
                public_subnet_ids=member.existing_vpc.public_subnet_ids,
            ))
        return ClusterVpc(self, "Network", ClusterVpcProps(
            cidr=member.vpc_cidr,
            availability_zones=member.zones,
            nat_gateways=member.nat_gateways,
            cluster_name=member.eks_cluster_name,
            flow_log_retention_days=config.parent.log_retention_days,
        ))

    def _parent_egress_cidrs(self, config: AppConfig) -> list[str]:
        """The parent's outbound addresses: Karmada's controllers (Push) and the registrar dial from them."""
        if config.parent.existing_vpc is not None:
            return config.parent.existing_vpc.egress_cidrs
        return ParentEgressAddresses(
            self,
            "ParentEgress",
            ParentEgressAddressesProps(
                region=config.parent.region,
                account=config.parent.account,
                reader_role_name=egress_reader_role_name(config),
                egress_stack_name=stack_names.EGRESS,
                logical_ids=[nat_address_logical_id(i) for i in range(config.parent.nat_gateways)],
            ),
        ).cidrs

    def _new_cluster(self, config: AppConfig, member: MemberConfig, deployer_arn: str | None) -> EksCluster:
        mirror = cluster_mirror(config, member)
        network = self._network(config, member)
        self.vpc = network.vpc
        # Reached privately (a VPC peering with the parent's), the endpoint admits no parent address: none public.
        parent_egress_cidrs = [] if member.privately_reached else self._parent_egress_cidrs(config)
        eks_cluster = EksCluster(
            self,
            "Eks",
            EksClusterProps(
                cluster_name=member.eks_cluster_name,
                kubernetes_version=config.versions.kubernetes,
                vpc=network.vpc,
                node_group=NodeGroupProps(**member.node_group.model_dump()),
                private_endpoint=member.endpoint.private,
                public_cidrs=[*member.endpoint.public_cidrs, *parent_egress_cidrs],
                admin_role_arns=config.parent.admin_role_arns,
                deployer_arn=deployer_arn,
                pod_identity_agent_version=config.parent.addons.pod_identity_agent,
                log_retention_days=config.parent.log_retention_days,
                load_balancer_controller_version=(
                    config.parent.addons.load_balancer_controller if member.load_balancer_controller else None),
                load_balancer_controller_repository=mirror.image(
                    config.parent.addons.load_balancer_controller_repository),
                load_balancer_controller_digest=mirror.digest(
                    f"{config.parent.addons.load_balancer_controller_repository}:"
                    f"{config.parent.addons.load_balancer_controller}"),
                load_balancer_controller_chart_repository=mirror.mirrored_chart(LOAD_BALANCER_CONTROLLER_CHART),
            ),
        )
        if isinstance(network, ExistingVpc):
            network.acknowledge_subnet_tags(eks_cluster.cluster)
        # After the node group, before the cluster and VPC: network interfaces the VPC CNI left behind
        # (no volumes: members get no EBS CSI driver or StorageClass from this app).
        cleanup = TeardownCleanup(self, "TeardownCleanup", TeardownCleanupProps(
            cluster_name=member.eks_cluster_name,
            vpc=network.vpc,
            clean_volumes=False,
            depends_on=[default_child(eks_cluster.cluster, CfnResource)],
            log_retention_days=config.parent.log_retention_days,
        ))
        # The group only: its role needs no cluster and is created meanwhile.
        default_child(eks_cluster.node_group, CfnResource).node.add_dependency(cleanup.resource)
        if cache_site(config, member) is not None:
            ImagePullThroughCache.grant_pull_through(eks_cluster.node_group.role,
                                                     [u.host for u in cached_upstreams(config)])
        return eks_cluster
