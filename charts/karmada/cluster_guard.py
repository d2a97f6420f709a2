"""karmada-cluster-guard: the admission of Clusters, which karmada-aggregated-apiserver lacks.

karmada-aggregated-apiserver serves cluster.karmada.io and runs no admission plugin, so no
ValidatingAdmissionPolicy or webhook of the Karmada API sees a Cluster, and Karmada v1.18.2 stores
whatever spec a write of ``clusters/status`` carries: a Pull agent, which must write its Cluster's
status, could point its Cluster at a Push member's Secret and an address of its choice.

The APIService v1alpha1.cluster.karmada.io (bootstrap chart) names this guard instead, and the guard
passes every request on to karmada-aggregated-apiserver (images/karmada-cluster-guard). Each write of
a Cluster is first sent there as a dry run with the caller's identity; the guard refuses it (422) if
the Cluster it would store names a Secret other than its own (``karmada-cluster/<name>``,
``karmada-cluster/<name>-impersonator``), skips TLS verification, or, on the status subresource,
has another spec. Only the aggregator may call it (its front-proxy certificate); upstream it presents
its own front-proxy certificate and passes on the aggregator's identity headers, so RBAC is unchanged.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from charts.karmada import names
from charts.karmada.common.mounts import serving_cert
from charts.karmada.common.objects import emit_all
from charts.karmada.common.pod import Container, HttpProbe, Port, SecretMount, https_service_workload
from charts.karmada.props import KarmadaControlPlaneProps

COMPONENT = names.CLUSTER_GUARD
BINARY = "/karmada-cluster-guard"
# Its front-proxy client certificate; the Secret's ca.crt (the front-proxy CA) also verifies the aggregator.
FRONT_PROXY_CERT = SecretMount("front-proxy-client-cert", names.CLUSTER_GUARD_PROXY_SECRET,
                               f"{names.PKI_ROOT}/front-proxy-client")


def cluster_guard_container(props: KarmadaControlPlaneProps) -> Container:
    serving = serving_cert(COMPONENT)
    upstream = f"https://{names.AGGREGATED_APISERVER}.{props.namespace}.svc:{names.SERVICE_HTTPS_PORT}"
    return Container(
        name=COMPONENT,
        image=props.cluster_guard_image,
        pull_policy=props.image_pull_policy,
        command=[
            BINARY,
            f"--listen=:{names.SECURE_PORT}",
            f"--tls-cert-file={serving.cert}",
            f"--tls-private-key-file={serving.key}",
            f"--requestheader-client-ca-file={FRONT_PROXY_CERT.ca}",
            f"--requestheader-allowed-names={names.FRONT_PROXY_CLIENT_CN}",
            f"--upstream={upstream}",
            # karmada-ca, which signs both serving certificates (the Secret's ca.crt).
            f"--upstream-ca-file={serving.ca}",
            f"--proxy-client-cert-file={FRONT_PROXY_CERT.cert}",
            f"--proxy-client-key-file={FRONT_PROXY_CERT.key}",
            f"--cluster-secret-namespace={names.CLUSTER_CREDENTIALS_NAMESPACE}",
        ],
        ports=[Port("https", names.SECURE_PORT)],
        mounts=[serving, FRONT_PROXY_CERT],
        resources=props.resources.cluster_guard,
        liveness=HttpProbe("/healthz", "https", scheme="HTTPS", period=10, timeout=5, failure=3, initial_delay=5),
        readiness=HttpProbe("/healthz", "https", scheme="HTTPS", period=5, timeout=5, failure=3),
    )


def cluster_guard_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    return https_service_workload(COMPONENT, props, cluster_guard_container(props))


class KarmadaClusterGuard(Construct):
    """karmada-cluster-guard Deployment, Service (443 -> 8443), PDB and ServiceAccount."""

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id)
        emit_all(self, cluster_guard_manifests(props))
