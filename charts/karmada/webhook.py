"""karmada-webhook: admission (and CRD conversion) for Karmada's APIs.

karmada-apiserver calls it by URL (https://karmada-webhook.<ns>.svc:443/...),
resolved through the host cluster's DNS; the Service maps 443 to the
container's 8443. controller-runtime's certificate watcher reloads the serving
certificate from --cert-dir when cert-manager renews it.
``--allow-no-execute-taint-policy`` is required for the bootstrap chart's
failover ClusterTaintPolicy (NoExecute) to pass validation.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from charts.karmada import names
from charts.karmada.common.mounts import KUBECONFIG, karmada_client_cert, kubeconfig_flags, serving_cert
from charts.karmada.common.objects import emit_all
from charts.karmada.common.pod import (
    Container,
    HttpProbe,
    Port,
    https_service_workload,
)
from charts.karmada.common.settings import with_settings
from charts.karmada.props import KarmadaControlPlaneProps

COMPONENT = names.WEBHOOK


def webhook_command(props: KarmadaControlPlaneProps) -> list[str]:
    serving = serving_cert(COMPONENT)
    return [
        "/bin/karmada-webhook",
        *kubeconfig_flags(),
        "--bind-address=0.0.0.0",
        f"--secure-port={names.SECURE_PORT}",
        f"--cert-dir={serving.path}",
        "--tls-cert-file-name=tls.crt",
        "--tls-private-key-file-name=tls.key",
        "--tls-min-version=1.3",
        f"--metrics-bind-address=:{names.METRICS_PORT}",
        f"--health-probe-bind-address=:{names.WEBHOOK_HEALTH_PORT}",
        "--allow-no-execute-taint-policy=true",
        "--logging-format=json",
        "--v=2",
    ]


def webhook_container(props: KarmadaControlPlaneProps) -> Container:
    return Container(
        name=COMPONENT,
        image=props.karmada_image(COMPONENT),
        pull_policy=props.image_pull_policy,
        command=webhook_command(props),
        ports=[
            Port("https", names.SECURE_PORT),
            Port("metrics", names.METRICS_PORT),
            Port("health", names.WEBHOOK_HEALTH_PORT),
        ],
        mounts=[KUBECONFIG, karmada_client_cert(COMPONENT), serving_cert(COMPONENT)],
        resources=props.resources.webhook,
        # Both on the TLS listener: the health-probe port has no check registered in v1.18.2 and answers
        # 404 to /healthz, so a liveness probe there restarts a healthy webhook forever.
        liveness=HttpProbe("/readyz/", "https", scheme="HTTPS", period=10, timeout=5, failure=3, initial_delay=10),
        # Ready means the listener serves with the loaded certificate.
        readiness=HttpProbe("/readyz/", "https", scheme="HTTPS", period=5, timeout=5, failure=3),
    )


def webhook_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    return with_settings(https_service_workload(COMPONENT, props, webhook_container(props)), props.settings.webhook,
                         container=COMPONENT)


class KarmadaWebhook(Construct):
    """karmada-webhook Deployment, Service (443 -> 8443), PDB and ServiceAccount."""

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id)
        emit_all(self, webhook_manifests(props))
