"""Connecting to the Karmada API server through the parent EKS cluster.

The parent cluster's API gives us two things: the Karmada admin client certificate (a
kubernetes.io/tls Secret issued by cert-manager) and the Karmada API server's pod addresses (the
Service's EndpointSlices). ``KarmadaTransport`` turns those into a transport for ``KubeClient``
that fails over between pods and looks the pods up again when none of them answers.

``karmada_api_transport`` is the one transport to a single Karmada API address (a pod, or the NLB),
authenticated either by a client certificate (``TlsMaterial``) or by bearer tokens (``BearerAuth``: an
IAM identity's tokens, which aws-iam-authenticator checks, so nothing secret is stored).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .client import FailoverTransport, KubeClient, Resource, Urllib3Transport, close_all
from .endpoints import ready_addresses, service_selector
from .errors import NoReadyEndpointsError, SecretNotReadyError, ServiceGoneError

# The logger keeps the name it had in karmada_manifest: a child of the handler's logger (level INFO).
logger = logging.getLogger("karmada_manifest.connection")

SECRETS = Resource("", "v1", "Secret", "secrets", True)
ENDPOINT_SLICES = Resource("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", True)
TLS_KEYS = ("tls.crt", "tls.key", "ca.crt")


@dataclass(frozen=True)
class TlsMaterial:
    """The admin client certificate, its key and the CA. Never printed (repr hides them)."""

    ca_pem: bytes = field(repr=False)
    cert_pem: bytes = field(repr=False)
    key_pem: bytes = field(repr=False)

    def __repr__(self) -> str:
        return "TlsMaterial(<redacted>)"


@dataclass(frozen=True)
class BearerAuth:
    """The Karmada CA and where bearer tokens come from (called once per request, so tokens stay fresh)."""

    ca_pem: bytes = field(repr=False)
    token_provider: Callable[[], str] = field(repr=False, compare=False)

    def __repr__(self) -> str:
        return "BearerAuth(<redacted>)"


KarmadaAuth = TlsMaterial | BearerAuth
"""How a client proves who it is to the Karmada API: a client certificate or bearer tokens."""


def karmada_api_transport(host: str, port: int, auth: KarmadaAuth, server_name: str | None = None,
                          connect_timeout: float = 5.0) -> Urllib3Transport:
    """HTTPS to one Karmada API address, as ``auth`` says: a client certificate or a fresh bearer token per request.

    The server's certificate is checked against the Karmada CA, and against ``server_name`` when the address is
    not a name in the certificate (a pod IP).
    """
    if isinstance(auth, BearerAuth):
        return Urllib3Transport(host, port, ca_pem=auth.ca_pem, server_hostname=server_name,
                                token_provider=auth.token_provider, connect_timeout=connect_timeout)
    return Urllib3Transport(host, port, ca_pem=auth.ca_pem, server_hostname=server_name,
                            client_cert_pem=auth.cert_pem, client_key_pem=auth.key_pem,
                            connect_timeout=connect_timeout)


def read_admin_tls(parent: KubeClient, namespace: str, name: str) -> TlsMaterial:
    """tls.crt, tls.key and ca.crt from a kubernetes.io/tls Secret in the parent cluster."""
    secret = parent.get(SECRETS, name, namespace)
    if secret is None:
        raise SecretNotReadyError(f"Secret {namespace}/{name} not found in the parent cluster")
    data = secret.get("data") or {}
    missing = [key for key in TLS_KEYS if not data.get(key)]
    if missing:
        raise SecretNotReadyError(f"Secret {namespace}/{name} has no {', '.join(missing)}")
    try:
        decoded = [base64.b64decode(data[key], validate=True) for key in TLS_KEYS]
    except ValueError as err:
        raise SecretNotReadyError(f"Secret {namespace}/{name} has data that is not base64") from err
    logger.info("read the client certificate from Secret %s/%s", namespace, name)
    return TlsMaterial(ca_pem=decoded[2], cert_pem=decoded[0], key_pem=decoded[1])


def api_server_addresses(parent: KubeClient, namespace: str, service: str) -> list[str]:
    """Ready pod addresses of a Service, from its EndpointSlices in the parent cluster."""
    slices = parent.list(ENDPOINT_SLICES, namespace, label_selector=service_selector(service))
    if not slices:
        raise ServiceGoneError(f"Service {namespace}/{service} has no EndpointSlices in the parent cluster")
    addresses = ready_addresses(slices)
    if not addresses:
        raise NoReadyEndpointsError(f"Service {namespace}/{service} has no ready endpoints")
    return addresses


class KarmadaTransport:
    """Transport to the Karmada API server pods, resolved lazily and re-resolved after failures.

    ``endpoint_transport(address, port, auth, server_name)`` builds the transport to one pod; ``auth`` is a client
    certificate (the break-glass admin, the agent) or an IAM identity's bearer tokens (a handler's own role).
    """

    def __init__(
        self,
        parent: KubeClient,
        tls: KarmadaAuth,
        namespace: str,
        service: str,
        port: int,
        server_name: str,
        endpoint_transport: Callable[[str, int, KarmadaAuth, str], Any],
    ) -> None:
        self._parent = parent
        self._tls = tls
        self._namespace = namespace
        self._service = service
        self._port = port
        self._server_name = server_name
        self._endpoint_transport = endpoint_transport
        self._failover: FailoverTransport | None = None
        self._built: list[Any] = []

    def _connect(self) -> FailoverTransport:
        addresses = api_server_addresses(self._parent, self._namespace, self._service)
        logger.info(
            "Karmada API server endpoints (%s/%s): %s, port %d, TLS name %s",
            self._namespace, self._service, ", ".join(addresses), self._port, self._server_name,
        )
        transports = []
        for address in addresses:
            transport = self._endpoint_transport(address, self._port, self._tls, self._server_name)
            self._built.append(transport)
            label = f"[{address}]:{self._port}" if ":" in address else f"{address}:{self._port}"
            transports.append((label, transport))
        return FailoverTransport(transports)

    def forget(self) -> None:
        """Drop the endpoint list so the next request looks the pods up again."""
        self._failover = None

    def __call__(self, method: str, path: str, headers: Mapping[str, str], body: bytes | None) -> Any:
        if self._failover is None:
            self._failover = self._connect()
        try:
            return self._failover(method, path, headers, body)
        except (ConnectionError, TimeoutError):
            # Every known pod failed: they may have been replaced (new IPs) — look again next time.
            self._failover = None
            raise

    def close(self) -> None:
        close_all(self._built)
        self._built = []


__all__ = [
    "BearerAuth",
    "KarmadaAuth",
    "KarmadaTransport",
    "TlsMaterial",
    "api_server_addresses",
    "karmada_api_transport",
    "read_admin_tls",
]
