"""The config mapped to chart props: the one place where AppConfig becomes what charts take.

Stacks, the backup/restore CLI (charts/etcd_backup/cli.py) and tests import it; it imports no
stack and no aws-cdk-lib, so the CLI starts fast and nothing imports upward from stacks/.
"""

from __future__ import annotations

from collections.abc import Sequence

from charts.etcd_backup.props import UploadMetric
from charts.external_dns import DEFAULT_IMAGE as EXTERNAL_DNS_IMAGE
from charts.external_dns import ExternalDnsProps
from charts.karmada import (
    AuditShippingProps,
    ComponentResources,
    ComponentSettings,
    IamIdentity,
    KarmadaControlPlaneProps,
    PodSettings,
    Resources,
    Toleration,
    names,
    sizing_profile_for_members,
)
from charts.karmada.props import CLUSTER_GUARD_IMAGE_PLACEHOLDER
from charts.metrics_collector import (
    CLUSTER_LABEL,
    MEMBER_LABEL,
    MetricsCollectorProps,
    agent_scrape_job,
    parent_scrape_jobs,
)
from charts.storage_class import VOLUME_CLUSTER_TAG, Gp3StorageClassProps
from eks_karmada.config import (
    COMPONENT_BINARIES,
    AppConfig,
    ComponentResourcesConfig,
    KarmadaComponentSettings,
    MemberConfig,
    SyncMode,
)
from eks_karmada.config import ComponentSettings as ComponentSettingsConfig
from eks_karmada.mirrors import cluster_mirror
from observability.cloudwatch import BACKUP_METRIC_DIMENSION, BACKUP_METRIC_NAME, BACKUP_METRIC_NAMESPACE
from observability.rules import AlertSettings


def control_plane_props(config: AppConfig, nlb_dns_name: str, apiserver_client_cidrs: Sequence[str] | None = None,
                        deployer_arn: str | None = None,
                        handler_identities: Sequence[IamIdentity] = (),
                        account_token: str | None = None,
                        cluster_guard_image: str = CLUSTER_GUARD_IMAGE_PLACEHOLDER) -> KarmadaControlPlaneProps:
    """The chart props from the config: the charts know nothing of AWS, only names and sizes.

    ``deployer_arn``: joins karmada.access.users as an admin of the Karmada API, as on the parent EKS cluster.
    ``handler_identities``: the deploy-time handlers' roles (fixed usernames and groups: ``registrar_identity``).
    ``apiserver_client_cidrs``: the subnets karmada-apiserver's NetworkPolicy admits (the NLB's and the
    handlers', which the parent stack knows from its VPC); default: the parent VPC's whole CIDR.
    ``cluster_guard_image``: the cluster guard's image (the parent stack's ClusterGuardImage).
    ``account_token``: the parent's account in its pull-through cache's registry when the config names none
    (default: CDK's AWS::AccountId of the stack that applies the charts).
    """
    karmada = config.karmada
    # Sizes that grow with the fleet (charts/karmada/sizing.py); the config can only raise them.
    profile = sizing_profile_for_members(len(config.members))
    pull_members = [m.name for m in config.members if m.sync_mode is SyncMode.pull]
    external_hosts = [nlb_dns_name] + ([config.api_endpoint.custom_domain] if config.api_endpoint.custom_domain else [])
    etcd = karmada.etcd
    mirror = cluster_mirror(config, account_token=account_token)
    return KarmadaControlPlaneProps(
        karmada_version=config.versions.karmada,
        kubernetes_version=config.versions.kube_components,
        etcd_image_tag=config.versions.etcd,
        kube_registry=mirror.image(karmada.image_registries.kubernetes),
        karmada_registry=mirror.image(karmada.image_registries.karmada),
        iam_authenticator_registry=mirror.image(karmada.image_registries.aws_iam_authenticator),
        image_digests=mirror.digests_by_location(),
        zones=config.parent.availability_zones,
        pod_security_version=f"v{config.versions.kubernetes}",
        etcd_replicas=karmada.etcd_replicas,
        etcd_storage_class=config.parent.storage_class.name,
        etcd_storage_size=f"{max(karmada.etcd_volume_gib, profile.etcd_volume_gib)}Gi",
        etcd_quota_backend_bytes=etcd.quota_backend_gib * 1024**3,
        etcd_auto_compaction_mode=etcd.auto_compaction_mode,
        etcd_auto_compaction_retention=etcd.auto_compaction_retention,
        etcd_snapshot_count=etcd.snapshot_count,
        etcd_heartbeat_interval_ms=etcd.heartbeat_interval_ms,
        etcd_election_timeout_ms=etcd.election_timeout_ms,
        apiserver_replicas=karmada.apiserver_replicas,
        external_hosts=external_hosts,
        descheduler=karmada.components.descheduler,
        search=karmada.components.search,
        metrics_adapter=karmada.components.metrics_adapter,
        scheduler_estimators=[m.name for m in config.members] if karmada.components.scheduler_estimators else [],
        pull_members=pull_members,
        multi_cluster_service=config.traffic.enabled,
        resources=component_resources(profile.resources, karmada.component_settings),
        throughput=profile.throughput,
        settings=component_settings(karmada.component_settings),
        # The NLB's IP targets, its health checks and the deploy-time handlers come from these subnets.
        apiserver_client_cidrs=list(apiserver_client_cidrs or [config.parent.vpc_cidr]),
        iam_cluster_id=config.karmada_cluster_id,
        iam_identities=[*(IamIdentity(arn=user.arn, groups=user.groups) for user in config.karmada_users(deployer_arn)),
                        *handler_identities],
        cluster_guard_image=cluster_guard_image,
        audit_shipping=AuditShippingProps(log_group_name=audit_log_group_name(config), region=config.parent.region,
                                          image=mirror.image(karmada.audit_log.collector_image)),
    )


def audit_log_group_name(config: AppConfig) -> str:
    """The Karmada API's audit log group: karmada.audit_log.log_group_name, else one named after the parent cluster."""
    default = f"/eks-karmada/{config.parent.cluster_name}/karmada-apiserver/audit"
    return config.karmada.audit_log.log_group_name or default


def registrar_identity(role_arn: str) -> IamIdentity:
    """The registrar's role in the Karmada API: user eks-karmada:handler:registrar (charts/karmada/handler_rbac.py)."""
    return IamIdentity(arn=role_arn, username=names.REGISTRAR_USER, groups=[names.REGISTRAR_GROUP])


def manifest_applier_identity(role_arn: str) -> IamIdentity:
    """The KarmadaManifest provider's role: user eks-karmada:handler:karmada-manifest, cluster-admin by a binding."""
    return IamIdentity(arn=role_arn, username=names.MANIFEST_APPLIER_USER, groups=[names.MANIFEST_APPLIER_GROUP])


def component_resources(profile: ComponentResources, settings: KarmadaComponentSettings) -> ComponentResources:
    """The sizing profile's resources, with each component's configured resources in place of its own."""
    given: dict[str, Resources] = {}
    for component in COMPONENT_BINARIES:
        configured: ComponentResourcesConfig | None = getattr(settings, component).resources
        if configured is not None:
            given[component] = Resources(
                cpu_request=configured.requests.cpu,
                memory_request=configured.requests.memory,
                cpu_limit=configured.limits.cpu,
                memory_limit=configured.limits.memory,
            )
    return profile.model_copy(update=given)


def _pod_settings(settings: ComponentSettingsConfig) -> PodSettings:
    return PodSettings(
        replicas=settings.replicas,
        node_selector=settings.node_selector,
        tolerations=[Toleration(**t.model_dump()) for t in settings.tolerations],
        pod_labels=settings.pod_labels,
        pod_annotations=settings.pod_annotations,
        feature_gates=settings.feature_gates,
        extra_args=settings.flag_values(),
    )


def component_settings(settings: KarmadaComponentSettings) -> ComponentSettings:
    """Each component's configured pod settings as the charts take them."""
    return ComponentSettings(**{c: _pod_settings(getattr(settings, c)) for c in COMPONENT_BINARIES})


def storage_class_props(config: AppConfig, kms_key_id: str | None = None) -> Gp3StorageClassProps:
    """The configured gp3 class, sized for etcd and encrypted with `kms_key_id`.

    The configured gp3 class, with IOPS and throughput raised to what etcd needs for the fleet's size, encrypted with
    `kms_key_id` and tagged with the cluster's name (TeardownCleanup finds its volumes by it).
    """
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


def alert_settings(config: AppConfig) -> AlertSettings:
    """The alert rules' thresholds: the config's observability section."""
    observability = config.observability
    return AlertSettings(
        member_not_ready_minutes=observability.member_not_ready_minutes,
        certificate_expiry_days=observability.certificate_expiry_days,
        etcd_quota_percent=observability.etcd_quota_percent,
        availability_objective=observability.apiserver_availability_objective,
        latency_objective_seconds=observability.apiserver_latency_objective_seconds,
        namespace=KarmadaControlPlaneProps().namespace,
    )


def backup_upload_metric(config: AppConfig) -> UploadMetric | None:
    """The metric the backup counts its uploads in, when observability (and so the backup alarm) is on."""
    if not config.observability.enabled:
        return None
    return UploadMetric(namespace=BACKUP_METRIC_NAMESPACE, name=BACKUP_METRIC_NAME, dimension=BACKUP_METRIC_DIMENSION)


def metrics_workspace_alias(config: AppConfig) -> str:
    """The fleet's AMP workspace alias (what a member's collector looks the workspace up by)."""
    return f"{config.parent.cluster_name}-karmada"


def parent_collector_props(config: AppConfig, control_plane: KarmadaControlPlaneProps, *, remote_write_url: str,
                           region: str, image: str) -> MetricsCollectorProps:
    """The parent's collector: every control-plane job, its series labelled with the parent cluster's name."""
    return MetricsCollectorProps(
        jobs=parent_scrape_jobs(control_plane),
        remote_write_url=remote_write_url,
        region=region,
        external_labels={CLUSTER_LABEL: config.parent.cluster_name},
        namespace=control_plane.namespace,
        scrape_interval_seconds=config.observability.scrape_interval_seconds,
        image=image,
        image_pull_policy=control_plane.image_pull_policy,
        priority_class_name=control_plane.priority_class_name,
    )


def agent_collector_props(config: AppConfig, member: str, *, remote_write_url: str, region: str,
                          image: str) -> MetricsCollectorProps:
    """A Pull member's collector: its karmada-agent, its series labelled with the member's name."""
    job = agent_scrape_job()
    return MetricsCollectorProps(
        jobs=[job],
        remote_write_url=remote_write_url,
        region=region,
        external_labels={MEMBER_LABEL: member},
        namespace=job.namespace,
        scrape_interval_seconds=config.observability.scrape_interval_seconds,
        image=image,
    )


def external_dns_props(config: AppConfig, member: MemberConfig) -> ExternalDnsProps:
    """A `new` member's ExternalDNS (traffic.enabled): owner = the member, the traffic zone and domain."""
    traffic = config.traffic
    if traffic.hosted_zone_id is None or traffic.domain is None:
        raise ValueError("traffic: hosted_zone_id and domain must be set when traffic.enabled is true")
    region = member.region or config.parent.region
    return ExternalDnsProps(
        owner_id=member.name,
        domain=traffic.domain,
        hosted_zone_id=traffic.hosted_zone_id,
        region=region,
        image=cluster_mirror(config, member).image(EXTERNAL_DNS_IMAGE),
    )
