"""The CLI's only way out: AWS clients and Kubernetes transports. Tests replace this class.

Commands get a `Clients` from the factory in the typer context (`ctx.obj`, default this class),
so a test passes `obj=lambda profile: FakeClients(...)` to `CliRunner.invoke` and every AWS and
Kubernetes call lands in moto, a botocore Stubber or the fake Kubernetes API.
"""

from __future__ import annotations

import datetime
import socket
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from eks_karmada.cli.errors import CliError
from functions.kube.client import Transport, Urllib3Transport
from functions.kube.connection import KarmadaAuth, karmada_api_transport
from functions.kube.eks_auth import ClusterEndpoint

USER_AGENT = "eks-karmada/cli"


class Clock:
    """Time for the commands that wait (the drills): tests give one that advances when it sleeps."""

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def now(self) -> datetime.datetime:
        """The current time in UTC."""
        return datetime.datetime.now(datetime.UTC)


class Clients:
    """boto3 clients from one session (the caller's own identity) and HTTPS transports."""

    def __init__(self, profile: str | None = None) -> None:
        self.profile = profile
        self._session: Any = None
        self._clients: dict[tuple[str, str], Any] = {}
        self.clock = Clock()

    def _boto_session(self) -> Any:
        if self._session is None:
            import boto3.session  # late: `--help` and `cost` without --live never load it

            self._session = boto3.session.Session(profile_name=self.profile)
        return self._session

    def aws(self, service: str, region: str) -> Any:
        """A boto3 client for ``service`` in ``region`` (one per pair, reused)."""
        key = (service, region)
        if key not in self._clients:
            from botocore.config import Config

            config = Config(user_agent_extra=USER_AGENT, retries={"mode": "standard", "max_attempts": 5},
                            connect_timeout=10, read_timeout=30)
            self._clients[key] = self._boto_session().client(service, region_name=region, config=config)
        return self._clients[key]

    def eks_transport(self, cluster: ClusterEndpoint, token_provider: Callable[[], str]) -> Transport:
        """HTTPS to an EKS cluster's API server: its own CA, a fresh EKS token on every request."""
        return Urllib3Transport(cluster.host, cluster.port, ca_pem=cluster.ca_pem, token_provider=token_provider,
                                connect_timeout=10.0)

    def karmada_transport(self, server: str, auth: KarmadaAuth, server_name: str | None = None) -> Transport:
        """TLS to the Karmada API server at ``server`` (https://host:port), as ``auth`` says.

        ``auth`` is the Karmada CA with bearer tokens (an IAM identity's, fresh per request) or a client
        certificate (a kubeconfig's). ``server_name`` is the name to check the certificate against when it
        differs from the host (a kubeconfig's ``tls-server-name``).
        """
        parts = urllib.parse.urlsplit(server)
        if parts.scheme != "https" or not parts.hostname:
            raise CliError(f"the Karmada API address {server!r} is not an https:// URL")
        return karmada_api_transport(parts.hostname, parts.port or 443, auth, server_name, connect_timeout=10.0)

    def connect(self, host: str, port: int, timeout: float) -> str | None:
        """A TCP connect test: None when ``host:port`` accepts within ``timeout`` seconds, else why not."""
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return None
        except TimeoutError:
            return f"no answer within {timeout:g} s"
        except OSError as err:
            return err.strerror or str(err)


ClientsFactory = Callable[[str | None], Clients]
