"""KarmadaParent: the parent ("host") EKS cluster and everything the Karmada control plane stands on."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

import cdk8s
from aws_cdk import CfnOutput, CfnResource, RemovalPolicy, Stack
from constructs import Construct, IConstruct

from charts.karmada import (
    KarmadaApiBootstrapChart,
    KarmadaApiRbacChart,
    KarmadaControlPlaneProps,
    control_plane_charts,
)
from charts.karmada.names import (
    ADMIN_CLIENT_SECRET,
    APISERVER,
    ENCRYPTION_CONFIG_SECRET,
    SELF_SIGNED_ISSUER,
    agent_client_secret,
    push_token_consumers,
)
from charts.karmada.pki import ca_issuers
from charts.load_balancer_binding import ApiServerTargetGroupBindingChart, ApiServerTargetGroupBindingProps
from charts.metrics_collector import DEFAULT_COLLECTOR_IMAGE, ParentMetricsCollectorChart, metrics_reader_rbac
from charts.metrics_collector import SERVICE_ACCOUNT as COLLECTOR_SERVICE_ACCOUNT
from charts.parent_reader_rbac import ParentReaderRbacChart, ParentReaderRbacProps
from charts.storage_class import Gp3StorageClassChart
from eks_karmada.chart_props import (
    alert_settings,
    audit_log_group_name,
    backup_upload_metric,
    control_plane_props,
    manifest_applier_identity,
    metrics_workspace_alias,
    parent_collector_props,
    registrar_identity,
    storage_class_props,
)
from eks_karmada.config import AppConfig, MemberKind, SyncMode
from eks_karmada.image_cache import cache_site, cached_upstreams
from eks_karmada.mirrors import LOAD_BALANCER_CONTROLLER_CHART, cluster_guard_go_image, cluster_mirror
from functions.kube.ca_bundle import CA_BUNDLE_CONFIGMAP
from karmada_constructs.api_load_balancer import KarmadaApiLoadBalancer, KarmadaApiLoadBalancerProps
from karmada_constructs.cert_manager import CHART as CERT_MANAGER_CHART
from karmada_constructs.cert_manager import REPOSITORY as CERT_MANAGER_REPOSITORY
from karmada_constructs.cert_manager import CertManager, CertManagerImages, CertManagerProps
from karmada_constructs.cfn import default_child
from karmada_constructs.chart_manifest import ChartManifest, ChartManifestProps
from karmada_constructs.cluster_guard_image import ClusterGuardImage
from karmada_constructs.cluster_vpc import ClusterVpc, ClusterVpcProps
from karmada_constructs.ebs_csi_driver import EbsCsiDriver, EbsCsiDriverProps
from karmada_constructs.eks_cluster import EksCluster, EksClusterProps, NodeGroupProps
from karmada_constructs.etcd_backup import EtcdBackup, EtcdBackupConstructProps, EtcdBackupSettings
from karmada_constructs.existing_vpc import ExistingVpc, ExistingVpcProps
from karmada_constructs.fleet_alarms import BackupWatch, FleetAlarms, FleetAlarmsProps
from karmada_constructs.fleet_guard import FleetGuard, FleetGuardProps
from karmada_constructs.image_pull_through_cache import ImagePullThroughCache
from karmada_constructs.karmada_audit_log import KarmadaAuditLog, KarmadaAuditLogProps
from karmada_constructs.karmada_certificate_policy import KarmadaCertificatePolicy, KarmadaCertificatePolicyProps
from karmada_constructs.karmada_control_plane import (
    KarmadaApiBootstrap,
    KarmadaApiBootstrapProps,
    KarmadaControlPlane,
    KarmadaControlPlaneManifestsProps,
)
from karmada_constructs.karmada_encryption_key import KarmadaEncryptionKey, KarmadaEncryptionKeyProps
from karmada_constructs.karmada_manifest import KarmadaManifest, KarmadaManifestProps
from karmada_constructs.karmada_manifest_provider import (
    APPLIER_GROUP,
    BOOTSTRAP_APPLIER_GROUP,
    KarmadaManifestProvider,
    KarmadaManifestProviderProps,
)
from karmada_constructs.member_registration_provider import (
    REGISTRAR_GROUP,
    MemberRegistrationProvider,
    MemberRegistrationProviderProps,
)
from karmada_constructs.metrics_collector import MetricsCollector, MetricsCollectorProps
from karmada_constructs.metrics_workspace import MetricsWorkspace, MetricsWorkspaceProps
from karmada_constructs.rendered_manifests import RenderedManifests
from karmada_constructs.scheduled_karmada_function import ScheduledKarmadaFunctionProps
from karmada_constructs.teardown_cleanup import TeardownCleanup, TeardownCleanupProps
from karmada_constructs.vpc_cni import VpcCni, VpcCniProps
from karmada_constructs.work_healer import WorkHealer
from stacks.naming import join_role_name, manifest_applier_role_name, parent_environment, registrar_role_name, role_arn
from stacks.peering_side import PeeringSide, peering_side

PARENT_TARGET = "parent"


class KarmadaParentStack(Stack):
    """Composes the parent cluster and the Karmada control plane on it.

    Composes the parent: VPC over three AZs, the EKS cluster and node group, the EBS CSI driver and gp3 StorageClass,
    the AWS Load Balancer Controller, cert-manager, the NLB bound to the karmada-apiserver Service, the Karmada control
    plane, and the bootstrap of the Karmada API through KarmadaManifest.

    Deletion order (`make destroy`, docs/uninstall.md): every Kubernetes object
    and Helm release on the parent depends on the node group and add-ons, so
    CloudFormation deletes them while nodes, the EBS CSI driver and the load
    balancer controller still run (the TargetGroupBinding before the
    controller); then the add-ons and the node group; then TeardownCleanup
    deletes the EBS volumes and network interfaces the controllers left; then
    the cluster, the NLB and the VPC.
    """

    def __init__(self, scope: Construct, id: str, *, config: AppConfig, nat_eip_allocation_ids: list[str],
                 deployer_arn: str | None = None, **kwargs) -> None:
        super().__init__(
            scope,
            id,
            env=parent_environment(config),
            description="eks-karmada parent: EKS cluster hosting the Karmada control plane",
            **kwargs,
        )
        self._config = config
        # Every image and chart the parent pulls: from the config's mirrors when it names them, else through the
        # pull-through cache of its account and region (KarmadaImageCache) where one serves the host (docs/air-gap.md).
        self._mirror = cluster_mirror(config)
        self._charts = cdk8s.App()
        self._rendered = RenderedManifests.of(self)
        self._deployer_arn = deployer_arn

        network = self._add_network(nat_eip_allocation_ids)
        self.vpc = network.vpc  # privately reached members peer with it (KarmadaControlPeering-<member>)
        eks_cluster = self._add_cluster(network)
        if isinstance(network, ExistingVpc):
            network.acknowledge_subnet_tags(eks_cluster.cluster)
        storage_class = self._add_storage(eks_cluster)
        cert_manager = self._add_cert_manager(eks_cluster)
        api = self._add_api_load_balancer(network, eks_cluster)
        nlb_dns_name = self._rendered.placeholder(api.dns_name, "Nlb.DnsName")
        guard_image = ClusterGuardImage(self, "ClusterGuardImage", config.karmada.cluster_guard,
                                        go_image=cluster_guard_go_image(config)).image
        props = control_plane_props(config, nlb_dns_name, self._apiserver_client_cidrs(network), deployer_arn,
                                    cluster_guard_image=guard_image,
                                    handler_identities=[registrar_identity(self._role_arn(registrar_role_name(config))),
                                                        manifest_applier_identity(
                                                            self._role_arn(manifest_applier_role_name(config)))])
        audit_log = self._add_audit_log(props)
        control_plane = self._add_control_plane(props, depends_on=[cert_manager.chart, storage_class,
                                                                   audit_log.association])
        self._add_teardown_cleanup(network, eks_cluster, props)
        self._add_encryption_key(network, props, control_plane)
        self._add_etcd_backup(props, control_plane)
        self._add_target_group_binding(eks_cluster, api, props, control_plane)
        self._add_handlers(network, props, control_plane)
        self._add_api_bootstrap(props, control_plane)
        self._add_fleet_guard(network, props, control_plane)
        self._add_work_healer(network, props, control_plane)
        self._add_observability(props, control_plane)
        # Last: it pins every Certificate the parent's manifests hold for the Karmada CAs.
        self._add_certificate_policy(props, eks_cluster)
        self.karmada_api_url = f"https://{config.api_endpoint.custom_domain or nlb_dns_name}:443"
        self._add_outputs(api)

    def peering_side(self) -> PeeringSide:
        """What a peering with a privately reached member needs of the parent's network (a VPC made here only)."""
        return peering_side(self, self.vpc, self.cluster)

    def _role_arn(self, role_name: str) -> str:
        """A handler role's ARN (a fixed name), its partition and account shown as placeholders until deployed."""
        rendered = self._rendered
        account = self._config.parent.account or rendered.placeholder(self.account, "Parent.AccountId")
        return role_arn(account, role_name, rendered.placeholder(self.partition, "Parent.Partition"))

    # ---- AWS: network, cluster, storage, add-ons, load balancer ------------------------------------

    def _add_network(self, nat_eip_allocation_ids: list[str]) -> ClusterVpc | ExistingVpc:
        parent = self._config.parent
        if parent.existing_vpc is not None:
            return ExistingVpc(self, "Network", ExistingVpcProps(
                vpc_id=parent.existing_vpc.vpc_id,
                cidr=parent.vpc_cidr,
                availability_zones=parent.availability_zones,
                private_subnet_ids=parent.existing_vpc.private_subnet_ids,
                public_subnet_ids=parent.existing_vpc.public_subnet_ids,
                private_subnet_cidrs=parent.existing_vpc.private_subnet_cidrs,
                public_subnet_cidrs=parent.existing_vpc.public_subnet_cidrs,
            ))
        return ClusterVpc(self, "Network", ClusterVpcProps(
            cidr=parent.vpc_cidr,
            availability_zones=parent.availability_zones,
            nat_gateways=parent.nat_gateways,
            cluster_name=parent.cluster_name,
            flow_log_retention_days=parent.log_retention_days,
            nat_eip_allocation_ids=nat_eip_allocation_ids,
        ))

    def _add_cluster(self, network: ClusterVpc | ExistingVpc) -> EksCluster:
        parent = self._config.parent
        eks_cluster = EksCluster(self, "Eks", EksClusterProps(
            cluster_name=parent.cluster_name,
            kubernetes_version=self._config.versions.kubernetes,
            vpc=network.vpc,
            node_group=NodeGroupProps(**parent.node_group.model_dump()),
            private_endpoint=parent.endpoint.private,
            public_cidrs=parent.endpoint.public_cidrs,
            admin_role_arns=parent.admin_role_arns,
            deployer_arn=self._deployer_arn,
            pod_identity_agent_version=parent.addons.pod_identity_agent,
            load_balancer_controller_version=parent.addons.load_balancer_controller,
            load_balancer_controller_repository=self._mirror.image(parent.addons.load_balancer_controller_repository),
            load_balancer_controller_digest=self._mirror.digest(
                f"{parent.addons.load_balancer_controller_repository}:{parent.addons.load_balancer_controller}"),
            load_balancer_controller_chart_repository=self._mirror.mirrored_chart(LOAD_BALANCER_CONTROLLER_CHART),
            log_retention_days=parent.log_retention_days,
        ))
        self.cluster = eks_cluster.cluster
        self._pod_identity_agent = eks_cluster.pod_identity_agent
        if cache_site(self._config) is not None:
            ImagePullThroughCache.grant_pull_through(eks_cluster.node_group.role,
                                                     [u.host for u in cached_upstreams(self._config)])
        return eks_cluster

    def _add_storage(self, eks_cluster: EksCluster) -> ChartManifest:
        """The EBS CSI driver, the VPC CNI with network policies, and the gp3 StorageClass after both."""
        parent, cluster = self._config.parent, eks_cluster.cluster
        self._ebs = EbsCsiDriver(self, "EbsCsiDriver", EbsCsiDriverProps(
            cluster=cluster,
            addon_version=parent.addons.ebs_csi_driver,
            depends_on=[eks_cluster.node_group, eks_cluster.pod_identity_agent],
            # Retained volumes stay readable only while their key exists.
            volume_key_removal=(RemovalPolicy.RETAIN if self._config.karmada.retain_etcd_volumes
                                else RemovalPolicy.DESTROY),
        ))
        # The network-policy agent enforces the karmada-system NetworkPolicies (charts/karmada/network_policy.py).
        vpc_cni = VpcCni(self, "VpcCni", VpcCniProps(cluster=cluster, addon_version=parent.addons.vpc_cni,
                                                      depends_on=[eks_cluster.node_group]))
        storage_class = ChartManifest(self, "Gp3StorageClass", ChartManifestProps(
            cluster=cluster,
            target=PARENT_TARGET,
            chart=Gp3StorageClassChart(self._charts, "gp3-storage-class", storage_class_props(
                self._config, kms_key_id=self._rendered.placeholder(self._ebs.volume_key.key_arn, "Ebs.VolumeKeyArn"))),
        ))
        # Everything on the parent comes after the storage class (or the node group): so it is applied once
        # volumes can be provisioned and policies enforced, and deleted while the driver can still delete
        # volumes and detach them.
        storage_class.node.add_dependency(self._ebs.addon, vpc_cni.addon)
        return storage_class

    def _add_cert_manager(self, eks_cluster: EksCluster) -> CertManager:
        upstream = CertManagerImages()
        cert_manager = CertManager(self, "CertManager", CertManagerProps(
            cluster=eks_cluster.cluster, version=self._config.parent.addons.cert_manager,
            repository=self._mirror.chart_repository(CERT_MANAGER_CHART, CERT_MANAGER_REPOSITORY),
            # The metrics collector finds the controller by its declared metrics port.
            metrics=self._config.observability.enabled,
            images=CertManagerImages(
                image=self._mirror.image(upstream.image),
                webhook=self._mirror.image(upstream.webhook),
                cainjector=self._mirror.image(upstream.cainjector),
                startupapicheck=self._mirror.image(upstream.startupapicheck),
                acmesolver=self._mirror.image(upstream.acmesolver),
            ),
            digests={component: digest for component, reference
                     in upstream.references(self._config.parent.addons.cert_manager).items()
                     if (digest := self._mirror.digest(reference))},
        ))
        # Its pods need nodes; without this edge only helm's --wait timeout outlasts the node group.
        cert_manager.node.add_dependency(eks_cluster.node_group)
        return cert_manager

    def _add_api_load_balancer(self, network: ClusterVpc | ExistingVpc,
                               eks_cluster: EksCluster) -> KarmadaApiLoadBalancer:
        config = self._config
        api = KarmadaApiLoadBalancer(self, "KarmadaApi", KarmadaApiLoadBalancerProps(
            vpc=network.vpc,
            vpc_cidr=config.parent.vpc_cidr,
            internet_facing=config.api_endpoint.scheme == "internet-facing",
            allowed_cidrs=config.api_endpoint.allowed_cidrs,
        ))
        api.allow_to(eks_cluster.cluster.cluster_security_group)
        self.api = api
        return api

    def _apiserver_client_cidrs(self, network: ClusterVpc | ExistingVpc) -> list[str]:
        """The subnets karmada-apiserver's NetworkPolicy admits: the NLB's and the handlers'.

        The NLB has IP targets with client IP preservation off (KarmadaApiLoadBalancer), so its traffic and
        health checks reach the pods from its own addresses in the subnets it sits in; the Lambda handlers
        (KarmadaManifest, registration) dial the apiserver pods directly from the private subnets. A created
        VPC's subnet CIDRs are known at synth; an existing VPC's when the config lists them, else its whole CIDR.
        """
        internet_facing = self._config.api_endpoint.scheme == "internet-facing"
        existing = self._config.parent.existing_vpc
        if existing is not None and (not existing.private_subnet_cidrs
                                     or (internet_facing and not existing.public_subnet_cidrs)):
            return [self._config.parent.vpc_cidr]
        vpc = network.vpc
        cidrs: list[str] = []
        for subnet in [*(vpc.public_subnets if internet_facing else []), *vpc.private_subnets]:
            if subnet.ipv4_cidr_block not in cidrs:
                cidrs.append(subnet.ipv4_cidr_block)
        return cidrs

    # ---- Kubernetes: the control plane and what runs next to it --------------------------------------

    def _add_audit_log(self, props: KarmadaControlPlaneProps) -> KarmadaAuditLog:
        """The audit log group and its key, and the identity of the shipper beside each karmada-apiserver pod.

        The control plane waits for the Pod Identity association: credentials are injected at pod creation.
        """
        self.audit_log = KarmadaAuditLog(self, "KarmadaAuditLog", KarmadaAuditLogProps(
            cluster=self.cluster, namespace=props.namespace, service_account=APISERVER,
            log_group_name=audit_log_group_name(self._config),
            retention_days=self._config.karmada.audit_log.retention_days,
        ))
        return self.audit_log

    def _add_control_plane(self, props: KarmadaControlPlaneProps, *,
                           depends_on: list[IConstruct]) -> KarmadaControlPlane:
        control_plane = KarmadaControlPlane(self, "KarmadaControlPlane", KarmadaControlPlaneManifestsProps(
            cluster=self.cluster,
            charts=control_plane_charts(self._charts, props),
            target=PARENT_TARGET,
            depends_on=depends_on,
        ))
        if self._config.karmada.retain_etcd_volumes:
            # Deleting the namespace would delete etcd's PVCs and, through reclaimPolicy Delete, their
            # volumes: leave it (and the claims) to go with the cluster, which leaves the volumes detached.
            default_child(control_plane.foundation.manifest, CfnResource).apply_removal_policy(RemovalPolicy.RETAIN)
        return control_plane

    def _add_teardown_cleanup(self, network: ClusterVpc | ExistingVpc, eks_cluster: EksCluster,
                              props: KarmadaControlPlaneProps) -> None:
        """Deletes what the cluster's controllers left behind.

        After the node group, add-ons and every object on the cluster are deleted, before the cluster: the volumes the
        EBS CSI driver and the network interfaces the VPC CNI left behind.
        """
        parent = self._config.parent
        retain_volumes = self._config.karmada.retain_etcd_volumes
        cleanup = TeardownCleanup(self, "TeardownCleanup", TeardownCleanupProps(
            cluster_name=parent.cluster_name,
            vpc=network.vpc,
            clean_volumes=True,
            retain_volume_namespaces=[props.namespace] if retain_volumes else [],
            depends_on=[default_child(self.cluster, CfnResource), self._ebs.volume_key],
            log_retention_days=parent.log_retention_days,
        ))
        # The group only: its role needs no cluster and is created meanwhile.
        default_child(eks_cluster.node_group, CfnResource).node.add_dependency(cleanup.resource)

    def _add_encryption_key(self, network: ClusterVpc | ExistingVpc, props: KarmadaControlPlaneProps,
                            control_plane: KarmadaControlPlane) -> None:
        """The Secret karmada-apiserver's pods wait for: its encryption config, written once at deploy time.

        Nothing waits for it in the template: the apiserver's pods wait for the Secret by themselves, and the
        Karmada API bootstrap for the apiserver, so it is written while the control plane starts.
        """
        self.encryption_key = KarmadaEncryptionKey(self, "KarmadaEncryptionKey", KarmadaEncryptionKeyProps(
            cluster=self.cluster, cluster_name=self._config.parent.cluster_name, vpc=network.vpc,
            charts=self._charts, target=PARENT_TARGET, namespace=props.namespace,
            secret_name=ENCRYPTION_CONFIG_SECRET, depends_on=[control_plane.foundation],
            log_retention_days=self._config.parent.log_retention_days,
        ))

    def _add_etcd_backup(self, props: KarmadaControlPlaneProps, control_plane: KarmadaControlPlane) -> None:
        backup = self._config.karmada.etcd_backup
        if not backup.enabled:
            return
        EtcdBackup(self, "EtcdBackup", EtcdBackupConstructProps(
            cluster=self.cluster, cluster_name=self._config.parent.cluster_name, charts=self._charts,
            control_plane=props, target=PARENT_TARGET,
            settings=EtcdBackupSettings(schedule=backup.schedule, retention_days=backup.retention_days,
                                        lock_mode="COMPLIANCE" if backup.lock_mode == "compliance" else "GOVERNANCE",
                                        lock_days=backup.lock_days,
                                        noncurrent_days=backup.noncurrent_retention_days,
                                        aws_cli_image=self._mirror.image(backup.aws_cli_image),
                                        upload_metric=backup_upload_metric(self._config)),
            # Namespace, etcd CA Issuer and etcd come with the control plane; credentials need the agent.
            depends_on=[control_plane, self._pod_identity_agent],
        ))

    def _add_target_group_binding(self, eks_cluster: EksCluster, api: KarmadaApiLoadBalancer,
                                  props: KarmadaControlPlaneProps, control_plane: KarmadaControlPlane) -> None:
        binding = ChartManifest(self, "ApiServerTargetGroupBinding", ChartManifestProps(
            cluster=self.cluster,
            target=PARENT_TARGET,
            chart=ApiServerTargetGroupBindingChart(
                self._charts,
                "apiserver-target-group-binding",
                ApiServerTargetGroupBindingProps(
                    target_group_arn=self._rendered.placeholder(api.target_group.target_group_arn,
                                                                "Nlb.TargetGroupArn"),
                    namespace=props.namespace,
                    service_port=props.apiserver_port,
                ),
            ),
        ))
        # The TargetGroupBinding CRD and its webhooks (failurePolicy Fail) come with the controller, which must
        # answer first; the Service comes with the control plane.
        binding.node.add_dependency(eks_cluster.load_balancer_webhook_ready)
        binding.node.add_dependency(control_plane.foundation)

    # ---- the Karmada API: handlers, their parent-side RBAC, the bootstrap --------------------------

    def _add_handlers(self, network: ClusterVpc | ExistingVpc, props: KarmadaControlPlaneProps,
                      control_plane: KarmadaControlPlane) -> None:
        """The KarmadaManifest and registration providers, and the RBAC that lets each read its Secrets."""
        config, parent = self._config, self._config.parent
        # Every KarmadaManifest but one signs in with this provider's own role (cluster-admin by a binding) ...
        self.karmada_manifests = KarmadaManifestProvider(self, "KarmadaManifestProvider", KarmadaManifestProviderProps(
            cluster=self.cluster, vpc=network.vpc, karmada_cluster_id=config.karmada_cluster_id,
            role_name=manifest_applier_role_name(config), log_retention_days=parent.log_retention_days))
        # ... which the bootstrap's RBAC, the one use of the break-glass certificate, lets in.
        self.karmada_bootstrap_provider = KarmadaManifestProvider(
            self, "KarmadaBootstrapProvider", KarmadaManifestProviderProps(
                cluster=self.cluster, vpc=network.vpc, kubernetes_group=BOOTSTRAP_APPLIER_GROUP,
                log_retention_days=parent.log_retention_days))
        parent_account = parent.account or self.account
        push_members = any(m.sync_mode is SyncMode.push and m.kind is not MemberKind.external for m in config.members)
        self.registrar = MemberRegistrationProvider(self, "MemberRegistrationProvider", MemberRegistrationProviderProps(
            cluster=self.cluster,
            vpc=network.vpc,
            role_name=registrar_role_name(config),
            karmada_cluster_id=config.karmada_cluster_id,
            join_role_arns=[
                role_arn(m.account or parent_account, join_role_name(config, m), self.partition) for m in config.members
            ],
            log_retention_days=parent.log_retention_days,
            token_consumers=push_token_consumers(props),
        ))
        readers = [
            # The general applier reads the Karmada CA the bootstrap's applier publishes; only the latter reads the
            # break-glass certificate.
            ("karmada-manifest-applier-rbac", ParentReaderRbacProps(
                name="eks-karmada-manifest-applier", group=APPLIER_GROUP, secret_names=[],
                namespace=props.namespace, read_config_maps=[CA_BUNDLE_CONFIGMAP])),
            ("karmada-bootstrap-applier-rbac", ParentReaderRbacProps(
                name="eks-karmada-bootstrap-applier", group=BOOTSTRAP_APPLIER_GROUP, secret_names=[ADMIN_CLIENT_SECRET],
                namespace=props.namespace, published_config_maps=[CA_BUNDLE_CONFIGMAP])),
            ("member-registrar-rbac", ParentReaderRbacProps(
                name="eks-karmada-registrar", group=REGISTRAR_GROUP,
                # The Pull agents' certificates only: the registrar signs in to Karmada with its own role and
                # reads the Karmada CA from the published ConfigMap.
                secret_names=[agent_client_secret(m) for m in props.pull_members],
                namespace=props.namespace, read_config_maps=[CA_BUNDLE_CONFIGMAP],
                # Rolled after it renews a Push member's tokens (they watch members with the old one).
                patched_deployments=push_token_consumers(props) if push_members else [])),
        ]
        self.reader_rbac: dict[str, ChartManifest] = {}
        for chart_id, reader in readers:
            manifest = ChartManifest(self, chart_id, ChartManifestProps(
                cluster=self.cluster,
                target=PARENT_TARGET,
                chart=ParentReaderRbacChart(self._charts, chart_id, reader),
            ))
            manifest.node.add_dependency(control_plane.foundation)
            self.reader_rbac[chart_id] = manifest

    def _add_api_bootstrap(self, props: KarmadaControlPlaneProps, control_plane: KarmadaControlPlane) -> None:
        bootstrap = KarmadaApiBootstrap(self, "KarmadaApiBootstrap", KarmadaApiBootstrapProps(
            provider=self.karmada_manifests,
            rbac_provider=self.karmada_bootstrap_provider,
            karmada_version=self._config.versions.karmada,
            crds_url=self._config.mirrors.crds,
            rbac=KarmadaApiRbacChart(self._charts, "karmada-api-rbac", props),
            bootstrap=KarmadaApiBootstrapChart(self._charts, "karmada-api-bootstrap", props),
            depends_on=[control_plane, self.reader_rbac["karmada-bootstrap-applier-rbac"]],
        ))
        bootstrap.node.add_dependency(self.reader_rbac["karmada-manifest-applier-rbac"])
        self.bootstrap = bootstrap

    def _karmada_api_ready(self) -> list[IConstruct]:
        """What a KarmadaManifest of plain objects needs: the general applier's RBAC in the parent and in Karmada."""
        return [self.reader_rbac["karmada-manifest-applier-rbac"], self.bootstrap.rbac]

    def _scheduled_props(self, network: ClusterVpc | ExistingVpc, props: KarmadaControlPlaneProps,
                         control_plane: KarmadaControlPlane, poll_seconds: int) -> ScheduledKarmadaFunctionProps:
        """What every function run every minute against the Karmada API takes."""
        parent = self._config.parent
        return ScheduledKarmadaFunctionProps(
            cluster=self.cluster, cluster_name=parent.cluster_name, vpc=network.vpc, charts=self._charts,
            target=PARENT_TARGET, control_plane=props, karmada_manifests=self.karmada_manifests,
            # The namespace (and the CA Issuer beside it) for the parent side; the applier's RBAC in the parent and
            # in the Karmada API for the Karmada side, not the rest of the bootstrap (off its path).
            parent_ready=[control_plane.foundation], karmada_ready=self._karmada_api_ready(),
            poll_seconds=poll_seconds, log_retention_days=parent.log_retention_days,
        )

    def _add_fleet_guard(self, network: ClusterVpc | ExistingVpc, props: KarmadaControlPlaneProps,
                         control_plane: KarmadaControlPlane) -> None:
        """Keeps a fleet-wide loss of member Ready (the parent's own network, most likely) from evicting everything."""
        self.fleet_guard: FleetGuard | None = None
        guard = self._config.karmada.fleet_guard
        if guard.enabled:
            self.fleet_guard = FleetGuard(self, "FleetGuard", FleetGuardProps(
                scheduled=self._scheduled_props(network, props, control_plane, guard.poll_seconds),
                outage_percent=guard.outage_percent))

    def _add_work_healer(self, network: ClusterVpc | ExistingVpc, props: KarmadaControlPlaneProps,
                         control_plane: KarmadaControlPlane) -> None:
        """Re-reconciles Works Karmada applied but left marked failed after a start (charts/retry_delay.py)."""
        self.work_healer: WorkHealer | None = None
        healer = self._config.karmada.work_healer
        if healer.enabled:
            self.work_healer = WorkHealer(self, "WorkHealer",
                                          self._scheduled_props(network, props, control_plane, healer.poll_seconds))

    # ---- day 2: metrics, alarms, dashboards (docs/operations.md) ------------------------------------

    def _alarmed_handlers(self) -> dict:
        """Our functions whose errors alarm; the credential refresh exists when a member is registered by us."""
        handlers = {"KarmadaManifest": self.karmada_manifests.function,
                    "KarmadaBootstrap": self.karmada_bootstrap_provider.function,
                    "MemberRegistration": self.registrar.function}
        if any(m.kind is not MemberKind.external for m in self._config.members):
            handlers["CredentialRefresh"] = self.registrar.refresh_function
        return handlers

    def _add_observability(self, props: KarmadaControlPlaneProps, control_plane: KarmadaControlPlane) -> None:
        self.metrics_workspace: MetricsWorkspace | None = None
        if not self._config.observability.enabled:
            return
        parent = self._config.parent
        workspace = MetricsWorkspace(self, "Metrics", MetricsWorkspaceProps(
            alias=metrics_workspace_alias(self._config), log_retention_days=parent.log_retention_days))
        self.metrics_workspace = workspace
        observability, backup = self._config.observability, self._config.karmada.etcd_backup
        self.alarms = FleetAlarms(self, "Alarms", FleetAlarmsProps(
            workspace=workspace,
            settings=alert_settings(self._config),
            target_group=self.api.target_group,
            handlers=self._alarmed_handlers(),
            backup=BackupWatch(cluster_name=parent.cluster_name, schedule=backup.schedule) if backup.enabled else None,
            scheduled=[job.watch() for job in (self.fleet_guard, self.work_healer) if job is not None],
            topic_arn=observability.alarm_topic_arn,
            emails=observability.alarm_emails,
        ))
        # The collector's identity may read /metrics in the Karmada API, nothing else.
        reader = KarmadaManifest(self, "MetricsReaderRbac", KarmadaManifestProps(
            provider=self.karmada_manifests, manifest=metrics_reader_rbac(), overwrite=True))
        # Plain RBAC: it needs the Karmada API's RBAC, not the rest of the bootstrap (beside the CRDs, it stays off the
        # first deploy's longest path).
        reader.node.add_dependency(*self._karmada_api_ready())
        collector_props = parent_collector_props(
            self._config, props,
            remote_write_url=self._rendered.placeholder(workspace.remote_write_url, "Metrics.PrometheusEndpoint"),
            region=self._rendered.placeholder(self.region, "AWS::Region"),
            image=self._mirror.image(DEFAULT_COLLECTOR_IMAGE),
        )
        MetricsCollector(self, "MetricsCollector", MetricsCollectorProps(
            cluster=self.cluster, namespace=props.namespace, service_account=COLLECTOR_SERVICE_ACCOUNT,
            workspace_arn=workspace.workspace_arn,
            chart=ParentMetricsCollectorChart(self._charts, "metrics-collector", collector_props, props),
            target=PARENT_TARGET,
            description=f"Metrics collector of {parent.cluster_name}: remote write to the fleet's AMP workspace "
                        f"(Pod Identity: {props.namespace}/{COLLECTOR_SERVICE_ACCOUNT})",
            # Namespace, CA issuer and the components come with the control plane; credentials need the agent.
            depends_on=[control_plane, self._pod_identity_agent],
        ))

    def _add_certificate_policy(self, props: KarmadaControlPlaneProps, eks_cluster: EksCluster) -> None:
        KarmadaCertificatePolicy(self, "KarmadaCertificatePolicy", KarmadaCertificatePolicyProps(
            cluster=self.cluster, charts=self._charts, target=PARENT_TARGET, namespace=props.namespace,
            issuers=[SELF_SIGNED_ISSUER, *ca_issuers()],
            guarded=[c for c in self.node.find_all() if isinstance(c, ChartManifest)],
            depends_on=[eks_cluster.node_group],
        ))

    def _add_outputs(self, api: KarmadaApiLoadBalancer) -> None:
        parent = self._config.parent
        CfnOutput(self, "KarmadaApiEndpoint", value=f"https://{api.dns_name}:443",
                  description="Karmada API server (NLB, TLS passthrough)")
        CfnOutput(self, "ParentClusterName", value=self.cluster.cluster_name, description="Parent EKS cluster")
        CfnOutput(self, "KarmadaAuditLogGroup", value=self.audit_log.log_group_name,
                  description="The Karmada API's audit log (CloudWatch Logs, one stream per karmada-apiserver pod)")
        CfnOutput(
            self,
            "ParentKubeconfigCommand",
            value=f"aws eks update-kubeconfig --region {parent.region} --name {parent.cluster_name}",
            description="Adds the parent cluster to your kubeconfig",
        )
