"""kube-controller-manager for the Karmada API (a subset of the stock controllers).

Karmada needs: namespace (deletion), garbagecollector (ownerReferences of
Works/Bindings), serviceaccount-token (legacy token Secrets), ttl-after-finished
and clusterrole-aggregation (karmada-view/-edit aggregate into view/edit).
Never bootstrapsigner/tokencleaner or csrsigning/csrcleaner: Pull agents get their
client certificates from cert-manager in the parent (renewed there, copied into the
member by the registrar's daily refresh), so no pod here holds the CA private key.

It authenticates as ``system:kube-controller-manager`` so the apiserver's
built-in bootstrap RBAC applies, and with --use-service-account-credentials
each controller uses its own service account.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from charts.karmada import names
from charts.karmada.common.mounts import KUBECONFIG, karmada_client_cert, kubeconfig_flags
from charts.karmada.common.objects import emit_all
from charts.karmada.common.pod import (
    Container,
    HttpProbe,
    Port,
    SecretMount,
    pod_template,
    standard_deployment_workload,
)
from charts.karmada.common.settings import with_settings
from charts.karmada.props import KarmadaControlPlaneProps

COMPONENT = names.KUBE_CONTROLLER_MANAGER

BASE_CONTROLLERS = ("namespace", "garbagecollector", "serviceaccount-token", "ttl-after-finished",
                    "clusterrole-aggregation")

SERVICE_ACCOUNT_KEY = SecretMount(
    "service-account-key", names.SERVICE_ACCOUNT_KEY_SECRET, f"{names.PKI_ROOT}/service-account"
)


def controllers(props: KarmadaControlPlaneProps) -> list[str]:
    return list(BASE_CONTROLLERS)


def kcm_command(props: KarmadaControlPlaneProps) -> list[str]:
    client = karmada_client_cert(COMPONENT)
    return [
        "kube-controller-manager",
        *kubeconfig_flags("authentication-kubeconfig", "authorization-kubeconfig"),
        "--bind-address=0.0.0.0",
        f"--secure-port={names.KCM_SECURE_PORT}",
        f"--client-ca-file={client.ca}",
        f"--root-ca-file={client.ca}",
        "--cluster-name=karmada",
        f"--controllers={','.join(controllers(props))}",
        "--leader-elect=true",
        f"--service-account-private-key-file={SERVICE_ACCOUNT_KEY.key}",
        "--use-service-account-credentials=true",
        "--profiling=false",
        "--logging-format=json",
        "--v=2",
    ]


def kcm_container(props: KarmadaControlPlaneProps) -> Container:
    mounts = [KUBECONFIG, karmada_client_cert(COMPONENT), SERVICE_ACCOUNT_KEY]
    port = names.KCM_SECURE_PORT
    return Container(
        name="kube-controller-manager",
        image=props.kube_controller_manager_image,
        pull_policy=props.image_pull_policy,
        command=kcm_command(props),
        ports=[Port("https", port)],
        mounts=mounts,
        resources=props.resources.kube_controller_manager,
        # /healthz is in --authorization-always-allow-paths by default.
        liveness=HttpProbe("/healthz", port, scheme="HTTPS", period=10, timeout=15, failure=8, initial_delay=10),
        readiness=HttpProbe("/healthz", port, scheme="HTTPS", period=10, timeout=15, failure=3),
    )


def kcm_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    template = pod_template(COMPONENT, props, containers=[kcm_container(props)])
    return with_settings(standard_deployment_workload(COMPONENT, props, replicas=props.component_replicas,
                                                      template=template),
                         props.settings.kube_controller_manager, container="kube-controller-manager")


class KubeControllerManager(Construct):
    """kube-controller-manager Deployment (leader-elected), PDB and ServiceAccount."""

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id)
        emit_all(self, kcm_manifests(props))
