"""ScheduledKarmadaFunction: a Lambda run every minute that looks at the Karmada API with an identity of its own."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cdk8s
from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct, IConstruct

from charts.client_certificate import ClientCertificateChart
from charts.karmada.pki import CertificateRequest
from charts.karmada.props import KarmadaControlPlaneProps
from charts.parent_reader_rbac import ParentReaderRbacChart, ParentReaderRbacProps
from karmada_constructs.chart_manifest import ChartManifest, ChartManifestProps
from karmada_constructs.fleet_alarms import ScheduledWatch
from karmada_constructs.karmada_manifest import KarmadaManifest, KarmadaManifestProps
from karmada_constructs.karmada_manifest_provider import KarmadaManifestProvider
from karmada_constructs.lambda_schedule import LambdaSchedule, LambdaScheduleProps
from karmada_constructs.parent_cluster_function import (
    KarmadaApiAccess,
    ParentClusterFunction,
    ParentClusterFunctionProps,
)

# A run polls for 50 s of its minute and should end before the next starts: the timeout leaves 20 s for the
# connection and a last write, and reserved concurrency 1 makes a next run wait (60 s at most) rather than overlap.
RUN_SECONDS = 50
TIMEOUT = Duration.seconds(70)
SCHEDULE_EXPRESSION = "rate(1 minute)"
POLL_SECONDS_KEY = "PollSeconds"
RUN_SECONDS_KEY = "RunSeconds"
_NAME_LIMIT = 64  # schedule group names: 1-64 of [0-9A-Za-z._-]


def schedule_group_name(cluster_name: str, name: str) -> str:
    """`<cluster>-<name>`, the function's own schedule group; long cluster names are cut and keep a hash."""
    group = f"{cluster_name}-{name}"
    if len(group) <= _NAME_LIMIT:
        return group
    digest = hashlib.sha256(cluster_name.encode()).hexdigest()[:8]
    keep = _NAME_LIMIT - len(f"-{digest}-{name}")
    return f"{cluster_name[:keep]}-{digest}-{name}"


@dataclass(frozen=True, kw_only=True)
class ScheduledKarmadaFunctionProps:
    """Where a scheduled Karmada function runs, and what its Kubernetes objects need first."""
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
    """The provider that applies the function's RBAC to the Karmada API."""
    parent_ready: Sequence[IConstruct]
    """What the parent-side objects need first (the control plane's namespace)."""
    karmada_ready: Sequence[IConstruct]
    """What the Karmada RBAC needs first (the Karmada API, the applier's parent RBAC)."""
    poll_seconds: int = 10
    """Seconds between two looks within a run. Default: 10."""
    log_retention_days: int = 90
    """Retention of the function's logs. Default: 90."""


@dataclass(frozen=True, kw_only=True)
class ScheduledKarmadaJob:
    """What one scheduled function is: its handler, its identities and what its Karmada user may do."""
    name: str
    """Short name: the schedule's name, its group's suffix, the parent RBAC's and the charts' names."""
    handler: str
    """The Lambda handler (functions.<package>.handler.on_event)."""
    kubernetes_group: str
    """The Kubernetes group its role maps to in the parent (it may read its own client Secret only)."""
    field_manager: str
    """The field manager of its writes to the Karmada API."""
    description: str
    """What it does (the function's and the schedule's descriptions)."""
    impact: str
    """What its failing means, in its errors alarm's description."""
    client_certificate: CertificateRequest
    """Its Karmada client certificate (its own user, no group)."""
    karmada_objects: Sequence[dict[str, Any]]
    """What that user may do in the Karmada API: its RBAC (and any admission policy narrowing it)."""
    settings: dict[str, str]
    """The schedule's input beside the Karmada access keys and the pacing; every value is a string."""


class ScheduledKarmadaFunction(Construct):
    """A function EventBridge Scheduler runs every minute against the Karmada API, with its own least privilege.

    Creates:

    - the function (a `ParentClusterFunction` of the job's Kubernetes group): 70 s timeout, reserved concurrency 1
      so runs never overlap, asynchronous invocations never retried after an error nor kept past 60 s (the next run
      supersedes a lost one);
    - its own schedule group holding one EventBridge Scheduler schedule, `rate(1 minute)`, no flexible window, no
      retries, whose input is the Karmada access (with the job's own client Secret), the pacing and the job's
      settings; the role it invokes the function with trusts scheduler.amazonaws.com for that group of this account
      only and may only lambda:InvokeFunction that function;
    - the job's Karmada client Certificate in the parent (`ClientCertificateChart`) and the parent RBAC that lets the
      function read that one Secret and the apiserver's EndpointSlices (`ParentReaderRbacChart`);
    - the job's Karmada objects (its RBAC), applied by `KarmadaManifest`.

    The schedule starts once the function can reach and read Karmada (access entry, Secret, both RBACs), off the
    Karmada API bootstrap's path; it is deleted before them.
    """

    def __init__(self, scope: Construct, id: str, props: ScheduledKarmadaFunctionProps,
                 job: ScheduledKarmadaJob) -> None:
        super().__init__(scope, id)
        self.job = job
        self.access = KarmadaApiAccess(namespace=props.control_plane.namespace,
                                       admin_secret=job.client_certificate.secret_name)
        self.handler = ParentClusterFunction(self, "Function", ParentClusterFunctionProps(
            cluster=props.cluster,
            vpc=props.vpc,
            handler=job.handler,
            kubernetes_group=job.kubernetes_group,
            description=job.description,
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

    def watch(self) -> ScheduledWatch:
        """What its alarms watch: named after the construct (`<id>Errors`, `<id>NotRunning`)."""
        return ScheduledWatch(name=self.node.id, title=self.job.name.replace("-", " "), impact=self.job.impact,
                              function=self.function, schedule=self.schedule)

    def schedule_input(self, props: ScheduledKarmadaFunctionProps) -> dict[str, str]:
        """What each run reads: how to reach Karmada with the job's credential, the pacing, the job's settings."""
        return {
            **self.access.properties(props.cluster_name, self.job.field_manager),
            POLL_SECONDS_KEY: str(props.poll_seconds),
            RUN_SECONDS_KEY: str(RUN_SECONDS),
            **self.job.settings,
        }

    def _add_kubernetes_objects(self, props: ScheduledKarmadaFunctionProps) -> list[IConstruct]:
        job, namespace = self.job, props.control_plane.namespace
        certificate = ChartManifest(self, "ClientCertificate", ChartManifestProps(
            cluster=props.cluster, target=props.target,
            chart=ClientCertificateChart(props.charts, f"{job.name}-client-certificate", job.client_certificate,
                                         props.control_plane),
        ))
        reader = ChartManifest(self, "ParentRbac", ChartManifestProps(
            cluster=props.cluster, target=props.target,
            chart=ParentReaderRbacChart(props.charts, f"{job.name}-rbac", ParentReaderRbacProps(
                name=f"eks-karmada-{job.name}", group=job.kubernetes_group,
                secret_names=[job.client_certificate.secret_name], namespace=namespace)),
        ))
        for manifest in (certificate, reader):
            manifest.node.add_dependency(*props.parent_ready)
        # Plain RBAC: it needs the Karmada API, not its bootstrap (RBAC may name resources not served yet).
        self.karmada_rbac = KarmadaManifest(self, "KarmadaRbac", KarmadaManifestProps(
            provider=props.karmada_manifests, manifest=list(job.karmada_objects), overwrite=True))
        self.karmada_rbac.node.add_dependency(*props.karmada_ready)
        return [certificate, reader, self.karmada_rbac]

    def _add_schedule(self, props: ScheduledKarmadaFunctionProps) -> scheduler.CfnSchedule:
        scheduled = LambdaSchedule(self, "Scheduled", LambdaScheduleProps(
            function=self.function,
            expression=SCHEDULE_EXPRESSION,
            input=json.dumps(self.schedule_input(props), sort_keys=True),
            description=self.job.description,
            group_name=schedule_group_name(props.cluster_name, self.job.name),
            schedule_name=self.job.name,
            # A run missed is not worth replaying after the next one.
            max_event_age_seconds=60,
        ))
        self.role = scheduled.role
        return scheduled.schedule
