"""karmada-scheduler: places ResourceBindings onto member clusters.

When scheduler estimators are enabled it dials
``karmada-scheduler-estimator-<member>.<ns>.svc(.cluster.local):10352`` over
mutual TLS: the server is verified against the Karmada CA, and the scheduler
presents its own Karmada client certificate (same CA, client-auth usage). The
gRPC client loads that certificate when a connection is established, so a
renewed certificate is used on reconnects/restarts.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from charts.karmada import names
from charts.karmada.common.mounts import KUBECONFIG, karmada_client_cert, kubeconfig_flags
from charts.karmada.common.objects import emit_all
from charts.karmada.common.pod import Container, HttpProbe, Port, pod_template, standard_deployment_workload
from charts.karmada.common.settings import with_settings
from charts.karmada.props import KarmadaControlPlaneProps

COMPONENT = names.SCHEDULER


def estimator_client_flags(component: str, props: KarmadaControlPlaneProps) -> list[str]:
    """Flags shared by the scheduler and the descheduler to reach the estimators."""
    client = karmada_client_cert(component)
    return [
        f"--scheduler-estimator-service-prefix={names.ESTIMATOR_PREFIX}",
        f"--scheduler-estimator-service-namespace={props.namespace}",
        f"--scheduler-estimator-port={names.ESTIMATOR_GRPC_PORT}",
        f"--scheduler-estimator-ca-file={client.ca}",
        f"--scheduler-estimator-cert-file={client.cert}",
        f"--scheduler-estimator-key-file={client.key}",
    ]


def scheduler_command(props: KarmadaControlPlaneProps) -> list[str]:
    cmd = [
        "/bin/karmada-scheduler",
        *kubeconfig_flags(),
        f"--leader-elect-resource-namespace={props.namespace}",
        f"--metrics-bind-address=:{names.METRICS_PORT}",
        f"--health-probe-bind-address=:{names.SCHEDULER_HEALTH_PORT}",
        f"--enable-scheduler-estimator={str(bool(props.scheduler_estimators)).lower()}",
        *props.throughput.args("scheduler"),
        "--logging-format=json",
        "--v=2",
    ]
    if props.scheduler_estimators:
        cmd += estimator_client_flags(COMPONENT, props)
    return cmd


def scheduler_container(props: KarmadaControlPlaneProps) -> Container:
    return Container(
        name=COMPONENT,
        image=props.karmada_image(COMPONENT),
        pull_policy=props.image_pull_policy,
        command=scheduler_command(props),
        ports=[Port("metrics", names.METRICS_PORT), Port("health", names.SCHEDULER_HEALTH_PORT)],
        mounts=[KUBECONFIG, karmada_client_cert(COMPONENT)],
        resources=props.resources.scheduler,
        # The scheduler's health server only serves /healthz.
        liveness=HttpProbe("/healthz", "health", period=15, timeout=5, failure=3, initial_delay=15),
        readiness=HttpProbe("/healthz", "health", period=10, timeout=5, failure=3),
    )


def scheduler_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    template = pod_template(COMPONENT, props, containers=[scheduler_container(props)])
    workload = standard_deployment_workload(COMPONENT, props, replicas=props.component_replicas, template=template)
    return with_settings(workload, props.settings.scheduler, container=COMPONENT)


class KarmadaScheduler(Construct):
    """karmada-scheduler Deployment (leader-elected), PDB and ServiceAccount."""

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id)
        emit_all(self, scheduler_manifests(props))
