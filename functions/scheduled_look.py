"""What our scheduled handlers share: the schedule's Input naming the Karmada API, and a run of looks at it.

EventBridge Scheduler invokes such a handler every minute (karmada_constructs/scheduled_karmada_function.py). Its
Input carries the handlers' Karmada access keys (``KarmadaApiAccess.properties``) and the handler's own settings, all
strings. A run connects with the client certificate the Input names and calls ``look`` every PollSeconds for
RunSeconds; a lost connection is made again at the next look. A run in which no look reached the Karmada API fails
(the function's Errors metric).
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import HandlerError
from .karmada_manifest import properties as keys
from .kube.client import KubeClient
from .kube.connection import KarmadaTransport, read_admin_tls
from .kube.errors import KubeError
from .kube.transports import eks_transport, karmada_pod_transport
from .provider_framework import property_text


class InputReader:
    """Reads the schedule's Input; a missing or malformed value raises ``error`` naming the key."""

    def __init__(self, raw: dict | None, error: type[HandlerError]) -> None:
        self.raw = raw or {}
        self.error = error

    def text(self, key: str, default: str = "") -> str:
        value = property_text(self.raw, key) or default
        if not value:
            raise self.error(f"the schedule's Input has no {key}")
        return value

    def number(self, key: str, default: str, low: float, high: float) -> float:
        value = self.text(key, default)
        try:
            parsed = float(value)
        except ValueError:
            raise self.error(f"{key} must be a number, not {value!r}") from None
        if not low <= parsed <= high:
            raise self.error(f"{key} must be between {low:g} and {high:g}, not {value}")
        return parsed


@dataclass(frozen=True)
class KarmadaAccess:
    """Where the Karmada API is and which client certificate to read from the parent."""

    cluster_name: str
    secret_namespace: str
    secret_name: str
    api_namespace: str
    api_service: str
    api_port: int
    api_server_name: str
    field_manager: str

    @classmethod
    def read(cls, reader: InputReader, field_manager: str) -> KarmadaAccess:
        namespace = reader.text(keys.API_SERVER_NAMESPACE, "karmada-system")
        service = reader.text(keys.API_SERVER_SERVICE, "karmada-apiserver")
        return cls(
            cluster_name=reader.text(keys.CLUSTER_NAME),
            secret_namespace=reader.text(keys.ADMIN_SECRET_NAMESPACE, namespace),
            secret_name=reader.text(keys.ADMIN_SECRET_NAME),
            api_namespace=namespace,
            api_service=service,
            api_port=int(reader.number(keys.API_SERVER_PORT, "5443", 1, 65535)),
            api_server_name=reader.text(keys.API_SERVER_SERVER_NAME, f"{service}.{namespace}.svc.cluster.local"),
            field_manager=reader.text(keys.FIELD_MANAGER, field_manager),
        )


@dataclass(frozen=True)
class Pacing:
    """How often a run looks, and for how long."""

    poll_seconds: float
    run_seconds: float

    @classmethod
    def read(cls, reader: InputReader) -> Pacing:
        return cls(poll_seconds=reader.number("PollSeconds", "10", 1, 60),
                   run_seconds=reader.number("RunSeconds", "50", 0, 840))


@dataclass
class Runtime:
    """The outside world: the parent's EKS API, the Karmada API server pods, time. Tests pass fakes."""

    parent_transport: Callable[[str], Any]  # parent EKS cluster name -> transport (the Lambda's own role)
    karmada_transport: Callable[..., Any]  # pod address, port, tls, TLS name -> transport
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime.datetime] = lambda: datetime.datetime.now(datetime.UTC)

    @classmethod
    def default(cls) -> Runtime:
        return cls(parent_transport=eks_transport, karmada_transport=karmada_pod_transport)


def run_looks(access: KarmadaAccess, pacing: Pacing, runtime: Runtime, look: Callable[[KubeClient], str], *,
              name: str, error: type[HandlerError], logger: logging.Logger) -> dict:
    """Call ``look`` with a Karmada client every poll for the run's length; the count and the last verdict."""
    user_agent = f"eks-karmada/{name.replace(' ', '-')}"
    parent = KubeClient(runtime.parent_transport(access.cluster_name), user_agent=user_agent)
    karmada: KubeClient | None = None
    started = runtime.clock()
    looks, last_error, verdict = 0, "", ""
    try:
        while True:
            try:
                if karmada is None:
                    karmada = _connect(parent, access, runtime, user_agent)
                verdict = look(karmada)
                looks += 1
            except (KubeError, ConnectionError, TimeoutError) as err:
                last_error = str(err)
                logger.warning("%s: could not look at the Karmada API: %s", name, err)
                karmada = None
            if runtime.clock() - started + pacing.poll_seconds > pacing.run_seconds:
                break
            runtime.sleep(pacing.poll_seconds)
    finally:
        parent.close()
        if karmada is not None:
            karmada.close()
    if not looks:
        raise error(f"the {name} never reached the Karmada API in this run: {last_error}")
    logger.info("%s: %d look(s), last: %s", name, looks, verdict)
    return {"looks": looks, "verdict": verdict}


def _connect(parent: KubeClient, access: KarmadaAccess, runtime: Runtime, user_agent: str) -> KubeClient:
    tls = read_admin_tls(parent, access.secret_namespace, access.secret_name)
    transport = KarmadaTransport(parent, tls, access.api_namespace, access.api_service, access.api_port,
                                 access.api_server_name, runtime.karmada_transport)
    return KubeClient(transport, user_agent=user_agent)
