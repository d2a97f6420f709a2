"""Fixtures for the KarmadaManifest handler: a fake parent cluster, a fake Karmada, fake time."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from functions.karmada_manifest import handler as handler_module
from functions.kube.connection import BearerAuth
from functions.kube.eks_auth import TokenGenerator
from functions.kube.retry import Backoff
from functions.resource_types import KARMADA_MANIFEST
from tests.fakes.iam_authenticator import FakeIamAuthenticator, Identity
from tests.fakes.kube_api import FakeKubeApi, FakeResponse, unauthorized
from tests.fakes.pki import make_pki

NAMESPACE = "karmada-system"
SECRET = "karmada-admin-client"
SERVICE = "karmada-apiserver"
SERVER_NAME = "karmada-apiserver.karmada-system.svc.cluster.local"
CLUSTER = "parent-1"
STACK_ID = "arn:aws:cloudformation:eu-west-1:123456789012:stack/karmada/11111111-2222-3333-4444-555555555555"
# A handler that signs in with its own role (KarmadaClusterId instead of AdminSecretName).
KARMADA_CLUSTER_ID = "parent-1-karmada"
APPLIER_ROLE = "arn:aws:iam::123456789012:role/eks-karmada-manifest-parent-1"
APPLIER_SESSION = "arn:aws:sts::123456789012:assumed-role/eks-karmada-manifest-parent-1/handler"
APPLIER_KEY_ID = "ASIAAPPLIERROLE00001"
APPLIER_SECRET = "applier-role-secret-access-key-0123456789"
# The PhysicalResourceId a Create of make_event's default resource returns: its later events carry it, and
# the objects it applies name it in their owner annotation.
PHYSICAL_ID = "PoliciesManifest-4c9e50c921b8dae7"


@pytest.fixture(scope="session")
def pki():
    return make_pki()


class FakeClock:
    """Time that only moves when the code under test sleeps. ``on_sleep`` hooks run after a sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.on_sleep: list[Callable[[int], None]] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        for hook in list(self.on_sleep):
            hook(len(self.sleeps))


def endpoint_slice(name: str, endpoints: list[tuple[str, bool | None]], *, terminating: tuple = (),
                   service: str = SERVICE, port: int = 5443) -> dict:
    """An EndpointSlice of ``service``; each endpoint is (address, ready) — ready None leaves it unset."""
    items = []
    for address, ready in endpoints:
        conditions: dict = {}
        if ready is not None:
            conditions["ready"] = ready
        if address in terminating:
            conditions["terminating"] = True
        items.append({"addresses": [address], "conditions": conditions})
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"kubernetes.io/service-name": service}},
        "addressType": "IPv4",
        "endpoints": items,
        "ports": [{"name": "https", "port": port, "protocol": "TCP"}],
    }


def tls_secret(pki, *, name: str = SECRET, keys: tuple = ("tls.crt", "tls.key", "ca.crt")) -> dict:
    values = {"tls.crt": pki.client.cert_pem, "tls.key": pki.client.key_pem, "ca.crt": pki.ca.cert_pem}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "data": {k: base64.b64encode(values[k]).decode() for k in keys},
    }


@dataclass
class Harness:
    """Runs the handler against a fake parent cluster and a fake Karmada API server."""

    parent: FakeKubeApi
    karmada: FakeKubeApi
    clock: FakeClock
    pki: Any
    down: set = field(default_factory=set)  # pod addresses that refuse connections
    connections: list = field(default_factory=list)  # (address, port, tls, server_name) per transport built
    fetched: list = field(default_factory=list)
    archives: dict = field(default_factory=dict)  # url -> bytes
    budget: float = 480.0
    # The Karmada API's token webhook: only the applier role's tokens for KARMADA_CLUSTER_ID sign in.
    authenticator: FakeIamAuthenticator = field(default_factory=lambda: FakeIamAuthenticator(
        KARMADA_CLUSTER_ID, keys={APPLIER_KEY_ID: Identity(APPLIER_SESSION, APPLIER_SECRET)},
        mapping={APPLIER_ROLE: ["eks-karmada:handlers:karmada-manifest"]}))
    bearer_users: list = field(default_factory=list)  # who each bearer-token request signed in as (None: 401)

    def _pod_transport(self, address: str, port: int, tls, server_name: str):
        self.connections.append((address, port, tls, server_name))

        def transport(method, path, headers, body):
            if address in self.down:
                raise ConnectionRefusedError(111, f"Connection refused ({address}:{port})")
            if isinstance(tls, BearerAuth):
                who = (self.authenticator.authenticate("Bearer " + tls.token_provider())
                       if tls.ca_pem == self.pki.ca.cert_pem else None)
                self.bearer_users.append(who[0] if who else None)
                if who is None:
                    return FakeResponse(401, {"Content-Type": "application/json"}, json.dumps(unauthorized()).encode())
            return self.karmada(method, path, headers, body)

        return transport

    def _karmada_tokens(self, cluster_id: str):
        import boto3.session

        sts = boto3.session.Session().client("sts", region_name="eu-west-1", aws_access_key_id=APPLIER_KEY_ID,
                                             aws_secret_access_key=APPLIER_SECRET, aws_session_token="applier")
        return TokenGenerator(sts, cluster_id)

    def _fetch(self, url: str) -> bytes:
        self.fetched.append(url)
        if url not in self.archives:
            from functions.karmada_manifest.errors import SourceError

            raise SourceError(f"downloading {url} failed: HTTP 404 Not Found")
        return self.archives[url]

    def runtime(self) -> handler_module.Runtime:
        return handler_module.Runtime(
            parent_transport=lambda name: self.parent,
            karmada_transport=self._pod_transport,
            fetch=self._fetch,
            karmada_tokens=self._karmada_tokens,
            sleep=self.clock.sleep,
            clock=self.clock,
            budget_seconds=self.budget,
            backoff=Backoff(initial=1.0, factor=2.0, maximum=30.0),
        )

    def run(self, event: dict, context: Any = None) -> dict:
        return handler_module.handle(event, context, self.runtime())


def make_props(manifest: list | None = None, *, source: dict | None = None, overwrite: bool = False,
               **extra: str) -> dict:
    props = {
        "ServiceToken": "arn:aws:lambda:eu-west-1:123456789012:function:provider",
        "ClusterName": CLUSTER,
        "Overwrite": "true" if overwrite else "false",
        "FieldManager": "eks-karmada",
        "AdminSecretNamespace": NAMESPACE,
        "AdminSecretName": SECRET,
        "ApiServerNamespace": NAMESPACE,
        "ApiServerService": SERVICE,
        "ApiServerPort": "5443",
        "ApiServerServerName": SERVER_NAME,
    }
    if manifest is not None:
        props["Manifest"] = json.dumps(manifest)
    if source is not None:
        props["Source"] = json.dumps(source)
    props.update(extra)
    return props


def make_event(request_type: str, props: dict, *, old_props: dict | None = None,
               physical_id: str | None = None, logical_id: str = "PoliciesManifest") -> dict:
    event = {
        "RequestType": request_type,
        "ServiceToken": props["ServiceToken"],
        "ResponseURL": "https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x?X-Amz-Signature=abc",
        "StackId": STACK_ID,
        "RequestId": "6b1a7b7e-0000-4000-8000-000000000001",
        "LogicalResourceId": logical_id,
        "ResourceType": KARMADA_MANIFEST,
        "ResourceProperties": props,
    }
    if old_props is not None:
        event["OldResourceProperties"] = old_props
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    return event


@pytest.fixture
def harness(pki) -> Harness:
    parent = FakeKubeApi()
    parent.put(tls_secret(pki))
    parent.put(endpoint_slice("karmada-apiserver-abcde", [("10.0.1.10", True), ("10.0.2.20", True)]))
    karmada = FakeKubeApi(karmada=True)
    return Harness(parent=parent, karmada=karmada, clock=FakeClock(), pki=pki)
