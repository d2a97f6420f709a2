"""karmada-aggregated-apiserver: serves cluster.karmada.io (Clusters, cluster proxy).

It stores Cluster objects in the same etcd (own etcd client certificate) and is
reached by karmada-apiserver's aggregator through the APIService
v1alpha1.cluster.karmada.io (bootstrap chart) -> ExternalName Service in the
Karmada API -> this Service in the host cluster (port 443 -> 8443).
Serving and client certificates are reloaded from disk by the generic API
server library.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from charts.karmada import names
from charts.karmada.common.mounts import (
    AGGREGATED_SERVER_LOG_FLAGS,
    KUBECONFIG,
    aggregated_server_flags,
    etcd_client_cert,
    etcd_client_flags,
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

COMPONENT = names.AGGREGATED_APISERVER


def aggregated_apiserver_container(props: KarmadaControlPlaneProps) -> Container:
    serving = serving_cert(COMPONENT)
    etcd = etcd_client_cert(COMPONENT)
    return Container(
        name=COMPONENT,
        image=props.karmada_image(COMPONENT),
        pull_policy=props.image_pull_policy,
        command=[
            "/bin/karmada-aggregated-apiserver",
            *aggregated_server_flags(serving),
            *etcd_client_flags(etcd, props),
            *AGGREGATED_SERVER_LOG_FLAGS,
        ],
        ports=[Port("https", names.SECURE_PORT)],
        mounts=[KUBECONFIG, karmada_client_cert(COMPONENT), serving, etcd],
        resources=props.resources.aggregated_apiserver,
        liveness=HttpProbe("/livez", "https", scheme="HTTPS", period=10, timeout=15, failure=3, initial_delay=10),
        readiness=HttpProbe("/readyz", "https", scheme="HTTPS", period=5, timeout=15, failure=3),
    )


def aggregated_apiserver_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    return with_settings(https_service_workload(COMPONENT, props, aggregated_apiserver_container(props)),
                         props.settings.aggregated_apiserver, container=COMPONENT)


class KarmadaAggregatedApiServer(Construct):
    """karmada-aggregated-apiserver Deployment, Service (443 -> 8443), PDB and ServiceAccount."""

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id)
        emit_all(self, aggregated_apiserver_manifests(props))
