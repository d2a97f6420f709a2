"""The fleet guard: a Lambda run every minute that keeps a fleet-wide outage from evicting every workload."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import cdk8s
from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct, IConstruct

from charts.fleet_guard import CLIENT_CERT_SECRET, TAINT_POLICY, FleetGuardCertificateChart, karmada_rbac
from charts.karmada.props import KarmadaControlPlaneProps
from charts.parent_reader_rbac import ParentReaderRbacChart, ParentReaderRbacProps
from karmada_constructs.chart_manifest import ChartManifest, ChartManifestProps
from karmada_constructs.karmada_manifest import KarmadaManifest, KarmadaManifestProps
from karmada_constructs.karmada_manifest_provider import KarmadaManifestProvider
from karmada_constructs.lambda_schedule import LambdaSchedule, LambdaScheduleProps
from karmada_constructs.parent_cluster_function import (
    KarmadaApiAccess,
    ParentClusterFunction,
    ParentClusterFunctionProps,
)

HANDLER = "functions.fleet_guard.handler.on_event"
# The Kubernetes group the function's role maps to in the parent; ParentReaderRbacChart grants it its Secret.
GUARD_GROUP = "eks-karmada:fleet-guard"
FIELD_MANAGER = "eks-karmada-fleet-guard"
# The schedule's input beside the Karmada access keys (KarmadaApiAccess.properties); every value is a string.
TAINT_POLICY_KEY = "TaintPolicy"
OUTAGE_PERCENT_KEY = "OutagePercent"
POLL_SECONDS_KEY = "PollSeconds"
RUN_SECONDS_KEY = "RunSeconds"
# A run polls for 50 s of its minute and should end before the next starts: the timeout leaves 20 s for the
# connection and a last patch, and reserved concurrency 1 makes a next run wait (60 s at most) rather than overlap.
RUN_SECONDS = 50
TIMEOUT = Duration.seconds(70)
SCHEDULE_EXPRESSION = "rate(1 minute)"
SCHEDULE_NAME = "fleet-guard"
_NAME_LIMIT = 64  # schedule group names: 1-64 of [0-9A-Za-z._-]


def schedule_group_name(cluster_name: str) -> str:
    """`<cluster>-fleet-guard`, the guard's own schedule group; long cluster names are cut and keep a hash."""
    name = f"{cluster_name}-{SCHEDULE_NAME}"
    if len(name) <= _NAME_LIMIT:
        return name
    digest = hashlib.sha256(cluster_name.encode()).hexdigest()[:8]
    keep = _NAME_LIMIT - len(f"-{digest}-{SCHEDULE_NAME}")
    return f"{cluster_name[:keep]}-{digest}-{SCHEDULE_NAME}"


@dataclass(frozen=True, kw_only=True)
class FleetGuardSettings:
    """When the guard suspends taint eviction."""
    outage_percent: int = 50
    """Suspend while more than this percentage of the member Clusters is not Ready. Default: 50."""
    poll_seconds: int = 10
    """Seconds between two looks at the Clusters within a run. Default: 10."""


@dataclass(frozen=True, kw_only=True)
class FleetGuardProps:
    """Properties of `FleetGuard`."""
    cluster: eks.ICluster
    """The parent cluster."""
    cluster_name: str
    """Its name (the schedule group's name and the function's Karmada access carry it)."""
    vpc: ec2.IVpc
    """The parent's VPC; the function runs in its private subnets."""
    charts: cdk8s.App
    """The cdk8s app the parent-side charts are rendered in."""
    target: str
    """The rendered-manifests file of the parent (e.g. "parent")."""
    control_plane: KarmadaControlPlaneProps
    """The control plane (namespace, certificate lifetimes)."""
    karmada_manifests: KarmadaManifestProvider
    """The provider that applies the guard's RBAC to the Karmada API."""
    parent_ready: Sequence[IConstruct]
    """What the parent-side objects need first (the control plane's namespace)."""
    karmada_ready: Sequence[IConstruct]
    """What the Karmada RBAC needs first (the Karmada API, the applier's parent RBAC)."""
    settings: FleetGuardSettings = FleetGuardSettings()
    """The threshold and the polling interval. Default: FleetGuardSettings()."""
    log_retention_days: int = 90
    """Retention of the function's logs. Default: 90."""


class FleetGuard(Construct):
    """Suspends Karmada's taint eviction while too many members are not Ready at once, and restores it after.

    Creates:

    - the function (functions/fleet_guard, a `ParentClusterFunction` of group `eks-karmada:fleet-guard`): 70 s
      timeout, reserved concurrency 1 so runs never overlap, asynchronous invocations never retried after an error
      nor kept past 60 s (the next run supersedes a lost one);
    - its own schedule group holding one EventBridge Scheduler schedule, `rate(1 minute)`, no flexible window, no
      retries, whose input is the Karmada access (with the guard's own client Secret), the failover policy's name
      and the thresholds; the role it invokes the function with trusts scheduler.amazonaws.com for that group of
      this account only and may only lambda:InvokeFunction that function;
    - the guard's Karmada client Certificate in the parent (`FleetGuardCertificateChart`, user
      `system:karmada:fleet-guard`, no group) and the parent RBAC that lets the function read that one Secret and
      the apiserver's EndpointSlices (`ParentReaderRbacChart`);
    - its Karmada RBAC (`charts.fleet_guard.karmada_rbac`): Clusters get/list/patch, the failover
      ClusterTaintPolicy get/patch, nothing else.

    The schedule starts once the function can reach and read Karmada (access entry, Secret, both RBACs), off the
    Karmada API bootstrap's path; it is deleted before them.
    """

    def __init__(self, scope: Construct, id: str, props: FleetGuardProps) -> None:
        super().__init__(scope, id)
        namespace = props.control_plane.namespace
        self.access = KarmadaApiAccess(namespace=namespace, admin_secret=CLIENT_CERT_SECRET)
        self.handler = ParentClusterFunction(self, "Function", ParentClusterFunctionProps(
            cluster=props.cluster,
            vpc=props.vpc,
            handler=HANDLER,
            kubernetes_group=GUARD_GROUP,
            description="Fleet guard: suspends Karmada taint eviction during a fleet-wide outage",
            access=self.access,
            timeout=TIMEOUT,
            reserved_concurrency=1,
            log_retention_days=props.log_retention_days,
        ))
        self.function = self.handler.function
        # A run throttled past 60 s (the previous still runs) or failed is not worth replaying: the next looks again.
        self.function.configure_async_invoke(retry_attempts=0, max_event_age=Duration.seconds(60))
        ready = self._add_kubernetes_objects(props)
        self.schedule = self._add_schedule(props)
        self.schedule.node.add_dependency(self.handler.access_entry, *ready)

    def schedule_input(self, props: FleetGuardProps) -> dict[str, str]:
        """What each run reads: how to reach Karmada with the guard's credential, the policy, the thresholds."""
        return {
            **self.access.properties(props.cluster_name, FIELD_MANAGER),
            TAINT_POLICY_KEY: TAINT_POLICY,
            OUTAGE_PERCENT_KEY: str(props.settings.outage_percent),
            POLL_SECONDS_KEY: str(props.settings.poll_seconds),
            RUN_SECONDS_KEY: str(RUN_SECONDS),
        }

    def _add_kubernetes_objects(self, props: FleetGuardProps) -> list[IConstruct]:
        namespace = props.control_plane.namespace
        certificate = ChartManifest(self, "ClientCertificate", ChartManifestProps(
            cluster=props.cluster, target=props.target,
            chart=FleetGuardCertificateChart(props.charts, "fleet-guard-client-certificate", props.control_plane),
        ))
        reader = ChartManifest(self, "ParentRbac", ChartManifestProps(
            cluster=props.cluster, target=props.target,
            chart=ParentReaderRbacChart(props.charts, "fleet-guard-rbac", ParentReaderRbacProps(
                name="eks-karmada-fleet-guard", group=GUARD_GROUP, secret_names=[CLIENT_CERT_SECRET],
                namespace=namespace)),
        ))
        for manifest in (certificate, reader):
            manifest.node.add_dependency(*props.parent_ready)
        # Plain RBAC: it needs the Karmada API, not its bootstrap (RBAC may name resources not served yet).
        self.karmada_rbac = KarmadaManifest(self, "KarmadaRbac", KarmadaManifestProps(
            provider=props.karmada_manifests, manifest=karmada_rbac(), overwrite=True))
        self.karmada_rbac.node.add_dependency(*props.karmada_ready)
        return [certificate, reader, self.karmada_rbac]

    def _add_schedule(self, props: FleetGuardProps) -> scheduler.CfnSchedule:
        scheduled = LambdaSchedule(self, "Scheduled", LambdaScheduleProps(
            function=self.function,
            expression=SCHEDULE_EXPRESSION,
            input=json.dumps(self.schedule_input(props), sort_keys=True),
            description="fleet guard: suspends Karmada taint eviction while too many members are not Ready",
            group_name=schedule_group_name(props.cluster_name),
            schedule_name=SCHEDULE_NAME,
            # A run missed is not worth replaying after the next one.
            max_event_age_seconds=60,
        ))
        self.role = scheduled.role
        return scheduled.schedule
