"""KarmadaParent: the parent ("host") EKS cluster and everything the Karmada control plane stands on."""

from __future__ import annotations

import cdk8s
from aws_cdk import CfnOutput, Environment, RemovalPolicy, Stack
from constructs import Construct

from charts.karmada import (
    KarmadaApiBootstrapChart,
    KarmadaControlPlaneProps,
    control_plane_charts,
    sizing_profile_for_members,
)
from charts.load_balancer_binding import ApiServerTargetGroupBindingChart, ApiServerTargetGroupBindingProps
from charts.karmada.names import ADMIN_CLIENT_SECRET, agent_client_secret
from charts.parent_reader_rbac import ParentReaderRbacChart, ParentReaderRbacProps
from charts.storage_class import Gp3StorageClassChart, Gp3StorageClassProps
from eks_karmada.config import AppConfig, SyncMode
from karmada_constructs.cert_manager import CertManager
from karmada_constructs.api_load_balancer import KarmadaApiLoadBalancer, KarmadaApiLoadBalancerProps
from karmada_constructs.chart_manifest import ChartManifest
from karmada_constructs.cluster_vpc import ClusterVpc, ClusterVpcProps
from karmada_constructs.ebs_csi_driver import EbsCsiDriver
from karmada_constructs.etcd_backup import EtcdBackup, EtcdBackupSettings
from karmada_constructs.eks_cluster import EksCluster, EksClusterProps, NodeGroupProps
from karmada_constructs.karmada_control_plane import KarmadaApiBootstrap, KarmadaControlPlane
from karmada_constructs.karmada_manifest_provider import APPLIER_GROUP, KarmadaManifestProvider
from karmada_constructs.member_registration_provider import REGISTRAR_GROUP, MemberRegistrationProvider
from karmada_constructs.rendered_manifests import RenderedManifests
from karmada_constructs.teardown_cleanup import VOLUME_CLUSTER_TAG, TeardownCleanup
from karmada_constructs.vpc_cni import VpcCni
from stacks.naming import join_role_name, registrar_role_name, role_arn

PARENT_TARGET = "parent"


class KarmadaParentStack(Stack):
    """Composes the parent: VPC over three AZs, the EKS cluster and node group,
    the EBS CSI driver and gp3 StorageClass, the AWS Load Balancer Controller,
    cert-manager, the NLB bound to the karmada-apiserver Service, the Karmada
    control plane, and the bootstrap of the Karmada API through KarmadaManifest.

    Deletion order (`make destroy`, docs/uninstall.md): every Kubernetes object
    and Helm release on the parent depends on the node group and add-ons, so
    CloudFormation deletes them while nodes, the EBS CSI driver and the load
    balancer controller still run (the TargetGroupBinding before the
    controller); then the add-ons and the node group; then TeardownCleanup
    deletes the EBS volumes and network interfaces the controllers left; then
    the cluster, the NLB and the VPC.
    """

    def __init__(self, scope: Construct, id: str, *, config: AppConfig, nat_eip_allocation_ids: list[str],
                 **kwargs) -> None:
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
                nat_eip_allocation_ids=nat_eip_allocation_ids,
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
                load_balancer_controller_repository=parent.addons.load_balancer_controller_repository,
                log_retention_days=parent.log_retention_days,
            ),
        )
        cluster = eks_cluster.cluster
        self.cluster = cluster

        retain_volumes = config.karmada.retain_etcd_volumes
        ebs = EbsCsiDriver(
            self,
            "EbsCsiDriver",
            cluster=cluster,
            addon_version=parent.addons.ebs_csi_driver,
            depends_on=[eks_cluster.node_group, cluster.eks_pod_identity_agent],
            # Retained volumes stay readable only while their key exists.
            volume_key_removal=RemovalPolicy.RETAIN if retain_volumes else RemovalPolicy.DESTROY,
        )
        # The network-policy agent enforces the karmada-system NetworkPolicies (charts/karmada/network_policy.py).
        vpc_cni = VpcCni(self, "VpcCni", cluster=cluster, addon_version=parent.addons.vpc_cni,
                         depends_on=[eks_cluster.node_group])
        storage_class = ChartManifest(
            self,
            "Gp3StorageClass",
            cluster=cluster,
            target=PARENT_TARGET,
            chart=Gp3StorageClassChart(charts, "gp3-storage-class", storage_class_props(
                config, kms_key_id=rendered.placeholder(ebs.volume_key.key_arn, "Ebs.VolumeKeyArn"))),
        )
        # Everything on the parent comes after the storage class (or the node group): so it is applied once
        # volumes can be provisioned and policies enforced, and deleted while the driver can still delete
        # volumes and detach them.
        storage_class.node.add_dependency(ebs.addon, vpc_cni.addon)
        cert_manager = CertManager(self, "CertManager", cluster=cluster, version=parent.addons.cert_manager)
        # Its pods need nodes; without this edge only helm's --wait timeout outlasts the node group.
        cert_manager.node.add_dependency(eks_cluster.node_group)

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
        nlb_dns_name = rendered.placeholder(api.dns_name, "Nlb.DnsName")

        props = control_plane_props(config, nlb_dns_name)
        control_plane = KarmadaControlPlane(
            self,
            "KarmadaControlPlane",
            cluster=cluster,
            charts=control_plane_charts(charts, props),
            target=PARENT_TARGET,
            after=[cert_manager.chart, storage_class],
        )
        if retain_volumes:
            # Deleting the namespace would delete etcd's PVCs and, through reclaimPolicy Delete, their
            # volumes: leave it (and the claims) to go with the cluster, which leaves the volumes detached.
            control_plane.foundation.manifest.node.default_child.apply_removal_policy(RemovalPolicy.RETAIN)
        # After the node group, add-ons and every object on the cluster are deleted, before the cluster:
        # the volumes the EBS CSI driver and the network interfaces the VPC CNI left behind.
        TeardownCleanup(
            self,
            "TeardownCleanup",
            cluster_name=parent.cluster_name,
            vpc=network.vpc,
            clean_volumes=True,
            retain_volume_namespaces=[props.namespace] if retain_volumes else [],
            delete_before=[cluster.node.default_child, ebs.volume_key],
            delete_after=[eks_cluster.node_group],
            log_retention_days=parent.log_retention_days,
        )
        backup = config.karmada.etcd_backup
        if backup.enabled:
            EtcdBackup(
                self, "EtcdBackup", cluster=cluster, cluster_name=parent.cluster_name, charts=charts,
                control_plane=props, target=PARENT_TARGET,
                settings=EtcdBackupSettings(schedule=backup.schedule, retention_days=backup.retention_days,
                                            aws_cli_image=backup.aws_cli_image),
                # Namespace, etcd CA Issuer and etcd come with the control plane; credentials need the agent.
                after=[control_plane, cluster.eks_pod_identity_agent],
            )
        binding = ChartManifest(
            self,
            "ApiServerTargetGroupBinding",
            cluster=cluster,
            target=PARENT_TARGET,
            chart=ApiServerTargetGroupBindingChart(
                charts,
                "apiserver-target-group-binding",
                ApiServerTargetGroupBindingProps(
                    target_group_arn=rendered.placeholder(api.target_group.target_group_arn, "Nlb.TargetGroupArn"),
                    namespace=props.namespace,
                    service_port=props.apiserver_port,
                ),
            ),
        )
        # The TargetGroupBinding CRD and its webhooks (failurePolicy Fail) come with the controller, which must
        # answer first; the Service comes with the control plane.
        binding.node.add_dependency(eks_cluster.load_balancer_webhook_ready)
        binding.node.add_dependency(control_plane.foundation)

        self.karmada_manifests = KarmadaManifestProvider(self, "KarmadaManifestProvider", cluster=cluster, vpc=network.vpc,
                                                         log_retention_days=parent.log_retention_days)
        parent_account = parent.account or self.account
        self.registrar = MemberRegistrationProvider(
            self,
            "MemberRegistrationProvider",
            cluster=cluster,
            vpc=network.vpc,
            role_name=registrar_role_name(config),
            join_role_arns=[
                role_arn(m.account or parent_account, join_role_name(config, m), self.partition) for m in config.members
            ],
            log_retention_days=parent.log_retention_days,
        )
        readers = [
            ("karmada-manifest-applier-rbac", "eks-karmada-manifest-applier", APPLIER_GROUP, [ADMIN_CLIENT_SECRET]),
            ("member-registrar-rbac", "eks-karmada-registrar", REGISTRAR_GROUP,
             [ADMIN_CLIENT_SECRET, *(agent_client_secret(m) for m in props.pull_members)]),
        ]
        reader_rbac = []
        for chart_id, name, group, secrets in readers:
            manifest = ChartManifest(
                self,
                chart_id,
                cluster=cluster,
                target=PARENT_TARGET,
                chart=ParentReaderRbacChart(charts, chart_id, ParentReaderRbacProps(
                    name=name, group=group, secret_names=secrets, namespace=props.namespace,
                )),
            )
            manifest.node.add_dependency(control_plane.foundation)
            reader_rbac.append(manifest)
        self.reader_rbac = reader_rbac
        bootstrap = KarmadaApiBootstrap(
            self,
            "KarmadaApiBootstrap",
            provider=self.karmada_manifests,
            karmada_version=config.versions.karmada,
            bootstrap=KarmadaApiBootstrapChart(charts, "karmada-api-bootstrap", props),
            after=control_plane,
        )
        bootstrap.node.add_dependency(reader_rbac[0])
        self.bootstrap = bootstrap
        self.karmada_api_url = f"https://{config.api_endpoint.custom_domain or nlb_dns_name}:443"

        CfnOutput(self, "KarmadaApiEndpoint", value=f"https://{api.dns_name}:443",
                  description="Karmada API server (NLB, TLS passthrough)")
        CfnOutput(self, "ParentClusterName", value=cluster.cluster_name, description="Parent EKS cluster")
        CfnOutput(
            self,
            "ParentKubeconfigCommand",
            value=f"aws eks update-kubeconfig --region {parent.region} --name {parent.cluster_name}",
            description="Adds the parent cluster to your kubeconfig",
        )


def control_plane_props(config: AppConfig, nlb_dns_name: str) -> KarmadaControlPlaneProps:
    """The chart props from the config: the charts know nothing of AWS, only names and sizes."""
    karmada = config.karmada
    # Sizes that grow with the fleet (charts/karmada/sizing.py); the config can only raise them.
    profile = sizing_profile_for_members(len(config.members))
    pull_members = [m.name for m in config.members if m.sync_mode is SyncMode.pull]
    external_hosts = [nlb_dns_name] + ([config.api_endpoint.custom_domain] if config.api_endpoint.custom_domain else [])
    return KarmadaControlPlaneProps(
        karmada_version=config.versions.karmada,
        kubernetes_version=config.versions.kube_components,
        etcd_image_tag=config.versions.etcd,
        kube_registry=karmada.image_registries.kubernetes,
        karmada_registry=karmada.image_registries.karmada,
        zones=config.parent.availability_zones,
        pod_security_version=f"v{config.versions.kubernetes}",
        etcd_replicas=karmada.etcd_replicas,
        etcd_storage_class=config.parent.storage_class.name,
        etcd_storage_size=f"{max(karmada.etcd_volume_gib, profile.etcd_volume_gib)}Gi",
        apiserver_replicas=karmada.apiserver_replicas,
        external_hosts=external_hosts,
        descheduler=karmada.components.descheduler,
        search=karmada.components.search,
        metrics_adapter=karmada.components.metrics_adapter,
        scheduler_estimators=[m.name for m in config.members] if karmada.components.scheduler_estimators else [],
        pull_mode_registration=bool(pull_members),
        pull_members=pull_members,
        resources=profile.resources,
        # The NLB's IP targets, its health checks and the deploy-time handlers come from the VPC.
        apiserver_client_cidrs=[config.parent.vpc_cidr],
    )


def storage_class_props(config: AppConfig, kms_key_id: str | None = None) -> Gp3StorageClassProps:
    """The configured gp3 class, with IOPS and throughput raised to what etcd needs for the fleet's size,
    encrypted with `kms_key_id` and tagged with the cluster's name (TeardownCleanup finds its volumes by it)."""
    storage = config.parent.storage_class
    profile = sizing_profile_for_members(len(config.members))
    return Gp3StorageClassProps(
        name=storage.name,
        iops=max(storage.iops, profile.gp3_iops),
        throughput_mibps=max(storage.throughput_mibps, profile.gp3_throughput_mibps),
        make_default=storage.make_default,
        kms_key_id=kms_key_id,
        volume_tags={VOLUME_CLUSTER_TAG: config.parent.cluster_name},
    )
