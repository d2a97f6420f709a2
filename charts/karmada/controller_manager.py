"""karmada-controller-manager: propagation, status, cluster and failover controllers.

Cluster failover is on: the ``Failover`` feature gate (Beta, off by default in
v1.18) starts the taint manager and the clustertaintpolicy controller, and
``--enable-no-execute-taint-eviction`` lets NoExecute cluster taints (added by
the bootstrap chart's ClusterTaintPolicy) evict workloads, gracefully by
default. Its client certificate is re-read from disk by client-go.

With ``multi_cluster_service`` (traffic.enabled) the ``MultiClusterService`` gate (Alpha, off
by default) starts the controllers that propagate MultiClusterServices and copy EndpointSlices
from provider to consumer members; without the gate they stay off even in ``--controllers=*``.
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
from charts.retry_delay import rate_limiter_flags

COMPONENT = names.CONTROLLER_MANAGER
FEATURE_GATES = "Failover=true,GracefulEviction=true"
MULTI_CLUSTER_SERVICE_GATE = "MultiClusterService=true"


def controller_manager_feature_gates(props: KarmadaControlPlaneProps) -> str:
    """The chart's own --feature-gates value (component settings may add to it)."""
    return f"{FEATURE_GATES},{MULTI_CLUSTER_SERVICE_GATE}" if props.multi_cluster_service else FEATURE_GATES


def controller_manager_command(props: KarmadaControlPlaneProps) -> list[str]:
    return [
        "/bin/karmada-controller-manager",
        *kubeconfig_flags(),
        f"--leader-elect-resource-namespace={props.namespace}",
        f"--metrics-bind-address=:{names.METRICS_PORT}",
        f"--health-probe-bind-address=:{names.CONTROLLER_MANAGER_HEALTH_PORT}",
        "--cluster-status-update-frequency=10s",
        f"--feature-gates={controller_manager_feature_gates(props)}",
        "--enable-taint-manager=true",
        "--enable-no-execute-taint-eviction=true",
        "--no-execute-taint-eviction-purge-mode=Gracefully",
        *rate_limiter_flags(),
        *props.throughput.args("controller_manager"),
        "--logging-format=json",
        "--v=2",
    ]


def controller_manager_container(props: KarmadaControlPlaneProps) -> Container:
    health = names.CONTROLLER_MANAGER_HEALTH_PORT
    return Container(
        name=COMPONENT,
        image=props.karmada_image(COMPONENT),
        pull_policy=props.image_pull_policy,
        command=controller_manager_command(props),
        ports=[Port("metrics", names.METRICS_PORT), Port("health", health)],
        mounts=[KUBECONFIG, karmada_client_cert(COMPONENT)],
        resources=props.resources.controller_manager,
        liveness=HttpProbe("/healthz", "health", period=15, timeout=5, failure=3, initial_delay=15),
        # Its health server serves /healthz only (v1.18.2 registers no readyz check): /readyz is a 404.
        readiness=HttpProbe("/healthz", "health", period=10, timeout=5, failure=3),
    )


def controller_manager_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    template = pod_template(COMPONENT, props, containers=[controller_manager_container(props)])
    workload = standard_deployment_workload(COMPONENT, props, replicas=props.component_replicas, template=template)
    return with_settings(workload, props.settings.controller_manager, container=COMPONENT)


class KarmadaControllerManager(Construct):
    """karmada-controller-manager Deployment (leader-elected), PDB and ServiceAccount."""

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id)
        emit_all(self, controller_manager_manifests(props))
