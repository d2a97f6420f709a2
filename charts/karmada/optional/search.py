"""karmada-search (``props.search``).

karmada-search (``props.search``): aggregated API search.karmada.io (resource cache across members and the
multi-cluster proxy). Stores ResourceRegistries in etcd, like the aggregated apiserver.
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

COMPONENT = names.SEARCH
# (group, version) pairs registered as APIServices in the Karmada API.
SEARCH_API_VERSIONS = (("search.karmada.io", "v1alpha1"),)


def search_container(props: KarmadaControlPlaneProps) -> Container:
    serving = serving_cert(COMPONENT)
    etcd = etcd_client_cert(COMPONENT)
    return Container(
        name=COMPONENT,
        image=props.karmada_image(COMPONENT),
        pull_policy=props.image_pull_policy,
        command=[
            "/bin/karmada-search",
            *aggregated_server_flags(serving),
            *etcd_client_flags(etcd, props),
            *AGGREGATED_SERVER_LOG_FLAGS,
        ],
        ports=[Port("https", names.SECURE_PORT)],
        mounts=[KUBECONFIG, karmada_client_cert(COMPONENT), serving, etcd],
        resources=props.resources.search,
        liveness=HttpProbe("/livez", "https", scheme="HTTPS", period=15, timeout=5, failure=3, initial_delay=15),
        readiness=HttpProbe("/readyz", "https", scheme="HTTPS", period=5, timeout=5, failure=3),
    )


def search_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    if not props.search:
        return []
    return with_settings(https_service_workload(COMPONENT, props, search_container(props)), props.settings.search,
                         container=COMPONENT)


class KarmadaSearch(Construct):
    """karmada-search Deployment, Service (443 -> 8443), PDB and ServiceAccount, if enabled."""

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id)
        emit_all(self, search_manifests(props))
