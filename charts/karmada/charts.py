"""Wiring: component constructs -> cdk8s Charts for the PARENT cluster.

``control_plane_charts`` returns one Chart per component, the foundation (the
namespace everything else lives in) first; every other chart depends on the
foundation only, as the API server would reject its objects without the
namespace and nothing else (the parent applies each through its own
KubernetesManifest, which keeps every manifest far below the custom-resource
size limits). ``KarmadaControlPlaneChart`` puts the same objects into a single
Chart.
"""

from __future__ import annotations

from collections.abc import Callable

import cdk8s
from constructs import Construct

from charts.karmada.aggregated_apiserver import KarmadaAggregatedApiServer
from charts.karmada.apiserver import KarmadaApiServer
from charts.karmada.cluster_guard import KarmadaClusterGuard
from charts.karmada.controller_manager import KarmadaControllerManager
from charts.karmada.etcd import EtcdCluster
from charts.karmada.foundation import KarmadaFoundation
from charts.karmada.kube_controller_manager import KubeControllerManager
from charts.karmada.optional import (
    KarmadaDescheduler,
    KarmadaMetricsAdapter,
    KarmadaSchedulerEstimators,
    KarmadaSearch,
)
from charts.karmada.pki import KarmadaPki
from charts.karmada.props import KarmadaControlPlaneProps
from charts.karmada.scheduler import KarmadaScheduler
from charts.karmada.webhook import KarmadaWebhook

ComponentFactory = Callable[[Construct, str, KarmadaControlPlaneProps], Construct]


def components(props: KarmadaControlPlaneProps) -> list[tuple[str, ComponentFactory]]:
    """(chart suffix, construct), the foundation first; optional ones only when enabled."""
    parts: list[tuple[str, ComponentFactory]] = [
        ("foundation", KarmadaFoundation),  # namespace + priority class + kubeconfigs
        ("pki", KarmadaPki),
        ("etcd", EtcdCluster),
        ("apiserver", KarmadaApiServer),
        ("aggregated-apiserver", KarmadaAggregatedApiServer),
        ("cluster-guard", KarmadaClusterGuard),  # the admission of Clusters, in front of the aggregated API server
        ("kube-controller-manager", KubeControllerManager),
        ("controller-manager", KarmadaControllerManager),
        ("scheduler", KarmadaScheduler),
        ("webhook", KarmadaWebhook),
    ]
    if props.descheduler:
        parts.append(("descheduler", KarmadaDescheduler))
    if props.search:
        parts.append(("search", KarmadaSearch))
    if props.metrics_adapter:
        parts.append(("metrics-adapter", KarmadaMetricsAdapter))
    if props.scheduler_estimators:
        parts.append(("scheduler-estimators", KarmadaSchedulerEstimators))
    return parts


def control_plane_charts(
    app: Construct, props: KarmadaControlPlaneProps, *, id_prefix: str = "karmada"
) -> list[cdk8s.Chart]:
    """One Chart per component, the foundation first; every other chart depends on the foundation only."""
    charts: list[cdk8s.Chart] = []
    for suffix, factory in components(props):
        chart = cdk8s.Chart(app, f"{id_prefix}-{suffix}", disable_resource_name_hashes=True)
        factory(chart, "Resources", props)
        if charts:
            chart.add_dependency(charts[0])
        charts.append(chart)
    return charts


class KarmadaControlPlaneChart(cdk8s.Chart):
    """Every object the Karmada control plane needs in the PARENT cluster, in one Chart.

    Every object the Karmada control plane needs in the PARENT cluster, in one Chart: namespace, PriorityClass,
    cert-manager PKI, etcd, karmada-apiserver, the aggregated apiserver, kube-controller-manager,
    karmada-controller-manager, scheduler, webhook and the enabled optional components.
    """

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id, disable_resource_name_hashes=True)
        for suffix, factory in components(props):
            factory(self, suffix, props)
