"""The standard volumes of Karmada components (one layout everywhere).

Each cert-manager Secret holds ``tls.crt``, ``tls.key`` and ``ca.crt`` (the
issuing CA), so a component gets its identity *and* the CA that verifies its
peer from a single mount.
"""

from __future__ import annotations

from charts.karmada import names
from charts.karmada.common.pod import ConfigMapMount, SecretMount
from charts.karmada.props import KarmadaControlPlaneProps

# Shared kubeconfig (no credentials inside: it points at CLIENT_CERT_DIR files).
KUBECONFIG = ConfigMapMount("kubeconfig", names.COMPONENT_KUBECONFIG, names.CONFIG_DIR)


def karmada_client_cert(component: str) -> SecretMount:
    """``component``'s client certificate for the Karmada API (read via the kubeconfig)."""
    return SecretMount("karmada-client-cert", names.client_secret(component), names.CLIENT_CERT_DIR)


def serving_cert(component: str) -> SecretMount:
    return SecretMount("serving-cert", names.serving_secret(component), f"{names.PKI_ROOT}/serving")


def etcd_client_cert(component: str) -> SecretMount:
    return SecretMount("etcd-client-cert", names.etcd_client_secret(component), f"{names.PKI_ROOT}/etcd-client")


def kubeconfig_flags(*flags: str) -> list[str]:
    """``--kubeconfig=...`` plus any delegated-auth variants (authentication-, authorization-)."""
    return [f"--{flag}={names.KUBECONFIG_PATH}" for flag in ("kubeconfig", *flags)]


# Flags shared by the Karmada binaries that embed a generic API server
# (aggregated-apiserver, search, metrics-adapter).
def aggregated_server_flags(serving: SecretMount) -> list[str]:
    return [
        *kubeconfig_flags("authentication-kubeconfig", "authorization-kubeconfig"),
        "--bind-address=0.0.0.0",
        f"--secure-port={names.SECURE_PORT}",
        f"--tls-cert-file={serving.cert}",
        f"--tls-private-key-file={serving.key}",
        # Only karmada-apiserver's aggregator and the metrics collector (both Go) dial these servers.
        "--tls-min-version=VersionTLS13",
        "--logging-format=json",
    ]


# The tail of every aggregated server's command: audit to stdout, no profiling.
AGGREGATED_SERVER_LOG_FLAGS = (
    "--audit-log-path=-",
    "--audit-log-maxage=0",
    "--audit-log-maxbackup=0",
    "--profiling=false",
    "--v=2",
)


def etcd_client_flags(etcd: SecretMount, props: KarmadaControlPlaneProps) -> list[str]:
    return [
        f"--etcd-servers={names.etcd_client_urls(props)}",
        f"--etcd-cafile={etcd.ca}",
        f"--etcd-certfile={etcd.cert}",
        f"--etcd-keyfile={etcd.key}",
    ]
