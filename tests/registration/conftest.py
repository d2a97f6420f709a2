"""Fixtures for the member registration handler: a fake parent cluster, Karmada, member, AWS and time."""

from __future__ import annotations

import base64
import datetime
import json
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from functions.kube.ca_bundle import CA_BUNDLE_CONFIGMAP, CA_BUNDLE_KEY
from functions.kube.connection import BearerAuth, TlsMaterial
from functions.kube.eks_auth import TokenGenerator
from functions.kube.retry import Backoff
from functions.member_registration import handler as handler_module
from functions.member_registration.certinfo import read_certificate
from functions.resource_types import KARMADA_MEMBER_REGISTRATION
from tests.fakes.iam_authenticator import FakeIamAuthenticator, Identity
from tests.fakes.kube_api import FakeKubeApi, FakeResponse, RecordedRequest, unauthorized
from tests.fakes.pki import make_pki
from tests.functions.conftest import FakeClock, endpoint_slice

NAMESPACE = "karmada-system"
ADMIN_SECRET = "karmada-admin-client"
AGENT_SECRET = "karmada-agent-member-1"
SERVICE = "karmada-apiserver"
SERVER_NAME = "karmada-apiserver.karmada-system.svc.cluster.local"
PARENT = "karmada-parent"
MEMBER = "member-1"
MEMBER_CLUSTER = "karmada-member-1"
MEMBER_REGION = "us-west-2"
EXTERNAL_ID = "eks-karmada-0123456789abcdef0123456789abcdef01234567"
MEMBER_ENDPOINT = "https://0123456789ABCDEF0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com"
JOIN_ROLE = "arn:aws:iam::210987654321:role/eks-karmada-join-member-1"
KARMADA_URL = "https://karmada-nlb-0123456789.elb.us-east-1.amazonaws.com:443"
STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/KarmadaMember-member-1/1111-2222"

# Secret material the tests look for in logs and messages (never to be found there).
# The first tokens the fake member issues (tests/fakes/kube_api.py TokenRequest), in the order a Create asks for them.
SA_TOKEN_TEXT = "eyJhbGciOiJSUzI1NiJ9.karmada-cluster.karmada-member-1.1"
IMPERSONATOR_TOKEN_TEXT = "eyJhbGciOiJSUzI1NiJ9.karmada-cluster.karmada-impersonator.2"
SA_TOKEN = base64.b64encode(SA_TOKEN_TEXT.encode()).decode()
IMPERSONATOR_TOKEN = base64.b64encode(IMPERSONATOR_TOKEN_TEXT.encode()).decode()
ASSUMED_KEY_ID = "ASIAJOINROLE00000001"
ASSUMED_SECRET = "assumed-secret-access-key-0123456789abcdef"
ASSUMED_SESSION_TOKEN = "assumed-session-token-FwoGZXIvYXdzEJr-0123456789abcdefghijklmnopqrstuvwxyz"

# The registrar's own role, as the Karmada API's aws-iam-authenticator knows it (charts/karmada/handler_rbac.py).
KARMADA_CLUSTER_ID = "karmada-parent-karmada"
REGISTRAR_ROLE = "arn:aws:iam::123456789012:role/eks-karmada-registrar-karmada-parent-us-east-1"
REGISTRAR_SESSION = ("arn:aws:sts::123456789012:assumed-role/eks-karmada-registrar-karmada-parent-us-east-1/"
                     "eks-karmada-registrar")
REGISTRAR_KEY_ID = "ASIAREGISTRARROLE001"
REGISTRAR_SECRET = "registrar-role-secret-access-key-0123456789"
REGISTRAR_KARMADA_GROUP = "eks-karmada:handlers:registrar"

CLUSTER_PATH = re.compile(r"^/apis/cluster\.karmada\.io/v1alpha1/clusters/([^/]+)$")


@pytest.fixture(scope="session")
def karmada_pki():
    return make_pki()


@pytest.fixture(scope="session")
def agent_pki():
    return make_pki(client_cn=f"system:karmada:agent:{MEMBER}", client_org="system:karmada:agents")


@pytest.fixture(scope="session")
def member_ca():
    return make_pki().ca.cert_pem


@pytest.fixture(scope="session")
def boto_session():
    # One session: its loader caches the service models, so building clients is fast.
    return boto3.session.Session(aws_access_key_id="AKIALAMBDAROLE000001", aws_secret_access_key="lambda-secret",
                                 region_name="us-east-1")


def tls_secret(name: str, pair, ca_pem: bytes) -> dict:
    values = {"tls.crt": pair.cert_pem, "tls.key": pair.key_pem, "ca.crt": ca_pem}
    return {
        "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "data": {k: base64.b64encode(v).decode() for k, v in values.items()},
    }


def ca_bundle_config_map(ca_pem: bytes) -> dict:
    """The Karmada CA the KarmadaManifest handler publishes on the parent (functions/kube/ca_bundle.py)."""
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": CA_BUNDLE_CONFIGMAP, "namespace": NAMESPACE},
            "data": {CA_BUNDLE_KEY: ca_pem.decode("ascii")}}


def service_account(name: str, namespace: str = "karmada-cluster") -> dict:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": namespace}}


def issued_token(harness: Harness, service_account: str, index: int = -1) -> str:
    """A token the member issued for ``service_account`` (the last one by default), base64 as a Secret holds it."""
    tokens = [t for t, (_, name, _, _) in harness.member._tokens.items() if name == service_account]
    return base64.b64encode(tokens[index].encode()).decode()


def controller_manager() -> dict:
    """karmada-controller-manager's Deployment in the parent (the registrar rolls it after new Push tokens)."""
    labels = {"app": "karmada-controller-manager"}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "karmada-controller-manager", "namespace": NAMESPACE, "labels": labels},
        "spec": {"replicas": 2, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "karmada-controller-manager",
                                                       "image": "karmada-controller-manager:v1.18.2"}]}}},
    }


def pull_cluster(name: str = MEMBER, cluster_id: str = "6f1c1f0e-0000-4000-8000-00000000c0de") -> dict:
    """A Pull Cluster as the registrar writes it (no secretRef: the agent runs with --report-secrets=None)."""
    return {
        "apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": name},
        "spec": {"syncMode": "Pull", "id": cluster_id, "apiEndpoint": MEMBER_ENDPOINT},
    }


class FinalizingKarmada(FakeKubeApi):
    """Karmada whose deleted Clusters linger (with a deletionTimestamp) for ``finalizer_polls`` GETs.

    Karmada's finalizers keep them while the execution space is cleaned.
    """

    def __init__(self) -> None:
        super().__init__(karmada=True)
        self.finalizer_polls = 0
        self._terminating: dict[str, int] = {}
        # karmada-controller-manager's cluster status controller, as `make local` showed it: a Cluster whose
        # member answers reports Ready. False: the member never answers (the Cluster stays without Ready).
        self.clusters_become_ready = True
        # Pull Clusters get a status only from their karmada-agent: the members whose agent runs.
        self.agents_running: set[str] = set()

    def request(self, method, path, headers=None, body=None):
        split = urllib.parse.urlsplit(path).path
        match = CLUSTER_PATH.match(split)
        recorded = RecordedRequest(method.upper(), split, {}, dict(headers or {}), body)
        injected = any(i.matches(recorded) for i in self.injections)
        if match and not injected:
            name = match.group(1)
            if method.upper() == "DELETE" and self.finalizer_polls and name not in self._terminating:
                existing = self.get("cluster.karmada.io/v1alpha1", "Cluster", name)
                if existing is not None:
                    existing["metadata"]["deletionTimestamp"] = "2025-01-01T00:10:00Z"
                    existing["metadata"]["finalizers"] = ["karmada.io/cluster-controller"]
                    existing["metadata"].pop("managedFields", None)
                    self.put(existing, manager="karmada-controller-manager")
                    self._terminating[name] = self.finalizer_polls
                    self.requests.append(recorded)
                    return FakeResponse(200, {"Content-Type": "application/json"},
                                        json.dumps({"kind": "Status", "status": "Success"}).encode())
            if method.upper() == "GET" and name in self._terminating:
                self._terminating[name] -= 1
                if self._terminating[name] < 0:
                    del self._terminating[name]
                    super().request("DELETE", split)
                    self.requests.pop()  # the finalizers' own delete is not the handler's request
        response = super().request(method, path, headers, body)
        if match and method.upper() == "GET" and response.status == 200 and self.clusters_become_ready:
            cluster = json.loads(response.body)
            pull = (cluster.get("spec") or {}).get("syncMode") == "Pull"
            if not cluster["metadata"].get("deletionTimestamp") and (not pull or match.group(1) in self.agents_running):
                cluster.setdefault("status", {})["conditions"] = [{
                    "type": "Ready", "status": "True", "reason": "ClusterReady",
                    "message": "cluster is healthy and ready to accept workloads"}]
                response = FakeResponse(200, response.headers, json.dumps(cluster).encode())
        return response


class FakeAws:
    """AWS for the member: STS AssumeRole and EKS DescribeCluster stubbed with botocore's Stubber."""

    def __init__(self, session, member_ca: bytes) -> None:
        self.session = session
        self.member_ca = member_ca
        self.clients: list[tuple[str, str, str | None]] = []  # (service, region, access key id or None)
        self.assume_error: tuple[str, str] | None = None
        self.describe_error: tuple[str, str, int] | None = None
        self.stubbers: list[Stubber] = []
        self.external_id: str | None = EXTERNAL_ID  # what AssumeRole must carry (None: no ExternalId)

    def __call__(self, service: str, region: str, credentials: dict | None):
        kwargs: dict = {"region_name": region}
        if credentials:
            kwargs.update(aws_access_key_id=credentials["AccessKeyId"],
                          aws_secret_access_key=credentials["SecretAccessKey"],
                          aws_session_token=credentials["SessionToken"])
        client = self.session.client(service, **kwargs)
        self.clients.append((service, region, credentials["AccessKeyId"] if credentials else None))
        if service == "sts" and credentials is None:
            stub = Stubber(client)
            expected = {"RoleArn": JOIN_ROLE, "RoleSessionName": "eks-karmada-registrar", "DurationSeconds": 3600}
            if self.external_id is not None:
                expected["ExternalId"] = self.external_id
            if self.assume_error:
                code, message = self.assume_error
                stub.add_client_error("assume_role", service_error_code=code, service_message=message,
                                      http_status_code=403, expected_params=expected)
            else:
                stub.add_response("assume_role", {
                    "Credentials": {
                        "AccessKeyId": ASSUMED_KEY_ID, "SecretAccessKey": ASSUMED_SECRET,
                        "SessionToken": ASSUMED_SESSION_TOKEN,
                        "Expiration": datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC),
                    },
                    "AssumedRoleUser": {"AssumedRoleId": "AROAJOIN:eks-karmada-registrar",
                                        "Arn": "arn:aws:sts::210987654321:assumed-role/eks-karmada-join-member-1/"
                                               "eks-karmada-registrar"},
                }, expected)
            stub.activate()
            self.stubbers.append(stub)
        elif service == "eks":
            stub = Stubber(client)
            if self.describe_error:
                code, message, status = self.describe_error
                stub.add_client_error("describe_cluster", service_error_code=code, service_message=message,
                                      http_status_code=status, expected_params={"name": MEMBER_CLUSTER})
            else:
                stub.add_response("describe_cluster", {"cluster": {
                    "name": MEMBER_CLUSTER, "endpoint": MEMBER_ENDPOINT, "status": "ACTIVE",
                    "certificateAuthority": {"data": base64.b64encode(self.member_ca).decode()},
                }}, {"name": MEMBER_CLUSTER})
            stub.activate()
            self.stubbers.append(stub)
        return client


@dataclass
class Harness:
    """Runs the handler against fakes of the parent, Karmada, the member, AWS and time."""

    parent: FakeKubeApi
    karmada: FinalizingKarmada
    member: FakeKubeApi
    aws: FakeAws
    clock: FakeClock
    karmada_pki: Any
    agent_pki: Any
    member_ca: bytes
    kube_system_uid: str = ""
    member_down: bool = False
    karmada_down: bool = False
    parent_missing: bool = False
    budget: float = 840.0
    member_tokens: list = field(default_factory=list)
    member_endpoints: list = field(default_factory=list)
    karmada_connections: list = field(default_factory=list)
    # The Karmada API's token webhook: only the registrar role's tokens for KARMADA_CLUSTER_ID sign in.
    authenticator: FakeIamAuthenticator = field(default_factory=lambda: FakeIamAuthenticator(
        KARMADA_CLUSTER_ID, keys={REGISTRAR_KEY_ID: Identity(REGISTRAR_SESSION, REGISTRAR_SECRET)},
        mapping={REGISTRAR_ROLE: [REGISTRAR_KARMADA_GROUP]}))
    karmada_users: list = field(default_factory=list)  # who each Karmada request signed in as
    seconds_later: float = 0.0  # how far the handler's wall clock and the member's token clock are moved on
    token_cluster_ids: list = field(default_factory=list)  # the cluster ids the handler asked tokens for

    def _parent_transport(self, name: str):
        if self.parent_missing:
            from functions.kube.errors import ClusterNotFoundError

            raise ClusterNotFoundError(f"EKS cluster {name!r} not found")
        assert name == PARENT
        return self.parent

    def _karmada_transport(self, address, port, auth, server_name):
        self.karmada_connections.append((address, port, server_name))

        def transport(method, path, headers, body):
            if self.karmada_down:
                raise ConnectionRefusedError(111, f"Connection refused ({address}:{port})")
            # The registrar signs in with its role's tokens, trusting the Karmada CA; a client certificate only ever
            # as a Pull agent (the refresh's check that Karmada accepts a renewed one), never the admin's.
            if isinstance(auth, BearerAuth) and auth.ca_pem == self.karmada_pki.ca.cert_pem:
                who = self.authenticator.authenticate("Bearer " + auth.token_provider())
            elif isinstance(auth, TlsMaterial) and auth.ca_pem == self.karmada_pki.ca.cert_pem:
                user = read_certificate(auth.cert_pem).common_name
                who = (user, []) if user.startswith("system:karmada:agent:") else None
            else:
                who = None
            self.karmada_users.append(who[0] if who else None)
            if who is None:
                return FakeResponse(401, {"Content-Type": "application/json"}, json.dumps(unauthorized()).encode())
            return self.karmada(method, path, headers, body)

        return transport

    def _karmada_tokens(self, cluster_id: str):
        self.token_cluster_ids.append(cluster_id)
        sts = self.aws.session.client("sts", region_name="us-east-1", aws_access_key_id=REGISTRAR_KEY_ID,
                                      aws_secret_access_key=REGISTRAR_SECRET, aws_session_token="registrar-session")
        return TokenGenerator(sts, cluster_id)

    def _member_transport(self, endpoint, tokens: Callable[[], str]):
        self.member_endpoints.append(endpoint)

        def transport(method, path, headers, body):
            if self.member_down:
                raise ConnectionError(f"{endpoint.host}:{endpoint.port}: timed out")
            token = tokens()
            self.member_tokens.append(token)
            return self.member(method, path, dict(headers, Authorization="Bearer " + token), body)

        return transport

    def runtime(self) -> handler_module.Runtime:
        return handler_module.Runtime(
            parent_transport=self._parent_transport,
            karmada_transport=self._karmada_transport,
            aws_client=self.aws,
            member_transport=self._member_transport,
            karmada_tokens=self._karmada_tokens,
            sleep=self.clock.sleep,
            clock=self.clock,
            wall_clock=lambda: datetime.datetime.now(datetime.UTC).timestamp() + self.seconds_later,
            budget_seconds=self.budget,
            backoff=Backoff(initial=1.0, factor=2.0, maximum=10.0),
        )

    def run(self, event: dict, context: Any = None) -> dict:
        return handler_module.handle(event, context, self.runtime())

    # conveniences
    def cluster(self, name: str = MEMBER) -> dict | None:
        return self.karmada.get("cluster.karmada.io/v1alpha1", "Cluster", name)

    def karmada_secret(self, name: str) -> dict | None:
        return self.karmada.get("v1", "Secret", name, "karmada-cluster")

    def agent_registers_after(self, sleeps: int, name: str = MEMBER) -> None:
        """karmada-agent starts (and reports its Cluster's status) once the handler has slept ``sleeps`` times."""

        def hook(count: int) -> None:
            if count >= sleeps:
                self.karmada.agents_running.add(name)

        self.clock.on_sleep.append(hook)


def make_props(mode: str = "Push", **extra: Any) -> dict:
    props = {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:registrar-provider",
        "ClusterName": PARENT,
        "AdminSecretNamespace": NAMESPACE,
        "KarmadaClusterId": KARMADA_CLUSTER_ID,
        "ApiServerNamespace": NAMESPACE,
        "ApiServerService": SERVICE,
        "ApiServerPort": "5443",
        "ApiServerServerName": SERVER_NAME,
        "FieldManager": "eks-karmada",
        "MemberName": MEMBER,
        "SyncMode": mode,
        "Provider": "aws",
        "Region": MEMBER_REGION,
        "Zones": json.dumps(["us-west-2a", "us-west-2b"]),
        "Labels": json.dumps({"eks-karmada.io/member": MEMBER, "tier": "prod"}),
        "MemberClusterName": MEMBER_CLUSTER,
        "MemberRegion": MEMBER_REGION,
        "JoinRoleArn": JOIN_ROLE,
        "JoinExternalId": EXTERNAL_ID,
    }
    if mode == "Pull":
        props["AgentCredentialSecret"] = AGENT_SECRET
        props["KarmadaApiServerUrl"] = KARMADA_URL
    props.update(extra)
    return {k: v for k, v in props.items() if v is not None}


def make_event(request_type: str, props: dict, *, old_props: dict | None = None,
               physical_id: str | None = None, logical_id: str = "Registration") -> dict:
    event = {
        "RequestType": request_type,
        "ServiceToken": props["ServiceToken"],
        "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
        "StackId": STACK_ID,
        "RequestId": "6b1a7b7e-0000-4000-8000-000000000002",
        "LogicalResourceId": logical_id,
        "ResourceType": KARMADA_MEMBER_REGISTRATION,
        "ResourceProperties": props,
    }
    if old_props is not None:
        event["OldResourceProperties"] = old_props
    if physical_id is not None:
        event["PhysicalResourceId"] = physical_id
    elif request_type != "Create":
        event["PhysicalResourceId"] = f"{PARENT}/{MEMBER}"
    return event


@pytest.fixture
def harness(karmada_pki, agent_pki, member_ca, boto_session) -> Harness:
    parent = FakeKubeApi()
    # The break-glass admin Secret is there, as in the parent; the registrar must not read it.
    parent.put(tls_secret(ADMIN_SECRET, karmada_pki.client, karmada_pki.ca.cert_pem))
    parent.put(ca_bundle_config_map(karmada_pki.ca.cert_pem))
    parent.put(tls_secret(AGENT_SECRET, agent_pki.client, agent_pki.ca.cert_pem))
    parent.put(endpoint_slice("karmada-apiserver-abcde", [("10.0.1.10", True), ("10.0.2.20", True)]))
    member = FakeKubeApi(user="arn:aws:sts::210987654321:assumed-role/eks-karmada-join-member-1/eks-karmada-registrar")
    kube_system = member.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}})
    member.put(service_account(f"karmada-{MEMBER}"))
    member.put(service_account("karmada-impersonator"))
    parent.put(controller_manager())
    harness = Harness(parent=parent, karmada=FinalizingKarmada(), member=member, aws=FakeAws(boto_session, member_ca),
                      clock=FakeClock(), karmada_pki=karmada_pki, agent_pki=agent_pki, member_ca=member_ca,
                      kube_system_uid=kube_system["metadata"]["uid"])
    member.token_clock = lambda: (datetime.datetime.now(datetime.UTC)
                                  + datetime.timedelta(seconds=harness.seconds_later))
    return harness


def agent_deployment(namespace: str = NAMESPACE) -> dict:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "karmada-agent", "namespace": namespace, "labels": {"app": "karmada-agent"}},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "karmada-agent"}},
                 "template": {"metadata": {"labels": {"app": "karmada-agent"}},
                              "spec": {"serviceAccountName": "karmada-agent",
                                       "containers": [{"name": "karmada-agent", "image": "karmada-agent:v1.18.2"}]}}},
    }


def secret_values_in(text: str, harness: Harness) -> list[str]:
    """Which secret values (tokens, keys, credentials) appear in ``text``."""
    values = {
        "sa token": SA_TOKEN, "sa token text": SA_TOKEN_TEXT,
        "impersonator token": IMPERSONATOR_TOKEN, "impersonator token text": IMPERSONATOR_TOKEN_TEXT,
        "assumed secret": ASSUMED_SECRET, "session token": ASSUMED_SESSION_TOKEN,
    }
    keys = (("agent key", harness.agent_pki.client.key_pem), ("admin key", harness.karmada_pki.client.key_pem))
    for label, pem in keys:
        values[label + " b64"] = base64.b64encode(pem).decode()
        for index, line in enumerate(pem.decode().splitlines()):
            if not line.startswith("-----"):
                values[f"{label} line {index}"] = line
    for index, token in enumerate(harness.member_tokens):
        values[f"eks token {index}"] = token
    for index, token in enumerate(harness.member._tokens):  # the member's ServiceAccount tokens it issued
        values[f"member token {index}"] = token
        values[f"member token {index} b64"] = base64.b64encode(token.encode()).decode()
    return [label for label, value in values.items() if value and value in text]
