"""karmada-descheduler (``props.descheduler``).

karmada-descheduler (``props.descheduler``): evicts replicas the estimators report as unschedulable so the scheduler
can place them elsewhere. It needs scheduler estimators to have anything to act on.
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
from charts.karmada.scheduler import estimator_client_flags

COMPONENT = names.DESCHEDULER


def descheduler_container(props: KarmadaControlPlaneProps) -> Container:
    return Container(
        name=COMPONENT,
        image=props.karmada_image(COMPONENT),
        pull_policy=props.image_pull_policy,
        command=[
            "/bin/karmada-descheduler",
            *kubeconfig_flags(),
            f"--leader-elect-resource-namespace={props.namespace}",
            f"--metrics-bind-address=:{names.METRICS_PORT}",
            f"--health-probe-bind-address=:{names.DESCHEDULER_HEALTH_PORT}",
            *estimator_client_flags(COMPONENT, props),
            "--logging-format=json",
            "--v=2",
        ],
        ports=[Port("metrics", names.METRICS_PORT), Port("health", names.DESCHEDULER_HEALTH_PORT)],
        mounts=[KUBECONFIG, karmada_client_cert(COMPONENT)],
        resources=props.resources.descheduler,
        liveness=HttpProbe("/healthz", "health", period=15, timeout=5, failure=3, initial_delay=15),
        readiness=HttpProbe("/healthz", "health", period=10, timeout=5, failure=3),
    )


def descheduler_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    if not props.descheduler:
        return []
    template = pod_template(COMPONENT, props, containers=[descheduler_container(props)])
    workload = standard_deployment_workload(COMPONENT, props, replicas=props.component_replicas, template=template)
    return with_settings(workload, props.settings.descheduler, container=COMPONENT)


class KarmadaDescheduler(Construct):
    """karmada-descheduler Deployment (leader-elected), PDB and ServiceAccount, if enabled."""

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id)
        emit_all(self, descheduler_manifests(props))
