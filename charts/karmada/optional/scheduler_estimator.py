"""karmada-scheduler-estimator per member (``props.scheduler_estimators``).

Each estimator watches ONE member cluster through the kubeconfig in Secret
``<member>-kubeconfig`` (key ``<member>-kubeconfig``, karmadactl's convention),
which the registration step creates - it is referenced, never rendered here.
The kubeconfig must be self-contained (e.g. a service-account token): the
image has no cloud CLI for exec-based auth.

The scheduler dials ``karmada-scheduler-estimator-<member>`` on 10352 with
mutual TLS; the estimator verifies clients against the Karmada CA. The gRPC
server loads its certificate at start-up, so a renewed certificate is only
used after a restart (renewal happens 30 days before expiry).
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from charts.karmada import names
from charts.karmada.common.mounts import serving_cert
from charts.karmada.common.objects import emit_all
from charts.karmada.common.pod import (
    Container,
    HttpProbe,
    Port,
    SecretMount,
    ServicePort,
    pod_template,
    service,
    standard_deployment_workload,
)
from charts.karmada.common.settings import with_settings
from charts.karmada.props import KarmadaControlPlaneProps

IMAGE = "karmada-scheduler-estimator"


def member_kubeconfig(member: str) -> SecretMount:
    # Whole-Secret mount (no subPath) so a rotated member credential is picked up.
    return SecretMount("member-kubeconfig", names.member_kubeconfig_secret(member), "/etc/karmada/member")


def estimator_container(member: str, props: KarmadaControlPlaneProps) -> Container:
    name = names.estimator_name(member)
    serving = serving_cert(name)
    kubeconfig = member_kubeconfig(member)
    return Container(
        name="karmada-scheduler-estimator",
        image=props.karmada_image(IMAGE),
        pull_policy=props.image_pull_policy,
        command=[
            "/bin/karmada-scheduler-estimator",
            f"--kubeconfig={kubeconfig.file(names.member_kubeconfig_secret(member))}",
            f"--cluster-name={member}",
            f"--server-port={names.ESTIMATOR_GRPC_PORT}",
            f"--grpc-auth-cert-file={serving.cert}",
            f"--grpc-auth-key-file={serving.key}",
            f"--grpc-client-ca-file={serving.ca}",
            f"--metrics-bind-address=:{names.METRICS_PORT}",
            f"--health-probe-bind-address=:{names.ESTIMATOR_HEALTH_PORT}",
            "--logging-format=json",
            "--v=2",
        ],
        ports=[
            Port("grpc", names.ESTIMATOR_GRPC_PORT),
            Port("metrics", names.METRICS_PORT),
            Port("health", names.ESTIMATOR_HEALTH_PORT),
        ],
        mounts=[serving, kubeconfig],
        resources=props.resources.scheduler_estimator,
        liveness=HttpProbe("/healthz", "health", period=15, timeout=5, failure=3, initial_delay=15),
        readiness=HttpProbe("/healthz", "health", period=10, timeout=5, failure=3),
    )


def estimator_manifests(member: str, props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    name = names.estimator_name(member)
    template = pod_template(name, props, containers=[estimator_container(member, props)])
    workload = standard_deployment_workload(
        name,
        props,
        replicas=props.component_replicas,
        template=template,
        services=[service(name, name, props, ports=[ServicePort("grpc", names.ESTIMATOR_GRPC_PORT, "grpc")])],
    )
    return with_settings(workload, props.settings.scheduler_estimator, container="karmada-scheduler-estimator")


def scheduler_estimator_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    return [m for member in props.scheduler_estimators for m in estimator_manifests(member, props)]


class KarmadaSchedulerEstimators(Construct):
    """One karmada-scheduler-estimator Deployment, Service, PDB and ServiceAccount per member."""

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id)
        emit_all(self, scheduler_estimator_manifests(props))
