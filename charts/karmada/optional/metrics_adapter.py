"""karmada-metrics-adapter (``props.metrics_adapter``).

karmada-metrics-adapter (``props.metrics_adapter``): serves metrics.k8s.io and custom.metrics.k8s.io in the Karmada API
(FederatedHPA) from member metrics.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from charts.karmada import names
from charts.karmada.common.mounts import (
    AGGREGATED_SERVER_LOG_FLAGS,
    KUBECONFIG,
    aggregated_server_flags,
    karmada_client_cert,
    serving_cert,
)
from charts.karmada.common.objects import emit_all
from charts.karmada.common.pod import (
    Container,
    HttpProbe,
    Port,
    https_service_workload,
)
from charts.karmada.common.settings import with_settings
from charts.karmada.props import KarmadaControlPlaneProps

COMPONENT = names.METRICS_ADAPTER
METRICS_ADAPTER_API_VERSIONS = (
    ("metrics.k8s.io", "v1beta1"),
    ("custom.metrics.k8s.io", "v1beta1"),
    ("custom.metrics.k8s.io", "v1beta2"),
)


def metrics_adapter_container(props: KarmadaControlPlaneProps) -> Container:
    serving = serving_cert(COMPONENT)
    client = karmada_client_cert(COMPONENT)
    return Container(
        name=COMPONENT,
        image=props.karmada_image(COMPONENT),
        pull_policy=props.image_pull_policy,
        command=[
            "/bin/karmada-metrics-adapter",
            *aggregated_server_flags(serving),
            f"--client-ca-file={client.ca}",
            f"--metrics-bind-address=:{names.METRICS_PORT}",
            *AGGREGATED_SERVER_LOG_FLAGS,
        ],
        ports=[Port("https", names.SECURE_PORT), Port("metrics", names.METRICS_PORT)],
        mounts=[KUBECONFIG, client, serving],
        resources=props.resources.metrics_adapter,
        liveness=HttpProbe("/healthz", "https", scheme="HTTPS", period=10, timeout=15, failure=3, initial_delay=10),
        readiness=HttpProbe("/readyz", "https", scheme="HTTPS", period=5, timeout=15, failure=3),
    )


def metrics_adapter_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    if not props.metrics_adapter:
        return []
    return with_settings(https_service_workload(COMPONENT, props, metrics_adapter_container(props)),
                         props.settings.metrics_adapter, container=COMPONENT)


class KarmadaMetricsAdapter(Construct):
    """karmada-metrics-adapter Deployment, Service (443 -> 8443), PDB and ServiceAccount, if enabled."""

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id)
        emit_all(self, metrics_adapter_manifests(props))
