"""CloudFormation custom resource ``KarmadaMemberRegistration``: register ONE member cluster with Karmada.

``on_event`` is the ``on_event`` handler of a CDK ``custom_resources.Provider`` (handler string
``member_registration.handler.on_event``, asset root = the repository's ``functions/`` directory).
It returns ``PhysicalResourceId`` (``<ClusterName>/<MemberName>``) and ``Data`` ``{"ClusterName":
<MemberName>, "SyncMode": ...}``, and raises to fail: every error names the object and carries the
API server's own message, under 1000 characters, with no secret material.

ResourceProperties (strings):

* Karmada, as for KarmadaManifest: ``ClusterName`` (the parent EKS cluster, required),
  ``AdminSecretNamespace`` (default ``ApiServerNamespace``: where the agent credentials are),
  ``ApiServerNamespace`` (karmada-system), ``ApiServerService`` (karmada-apiserver),
  ``ApiServerPort`` (5443), ``ApiServerServerName`` (<service>.<namespace>.svc.cluster.local),
  ``FieldManager`` (eks-karmada), ``KarmadaClusterId`` (required: the cluster id of the Karmada API's
  aws-iam-authenticator). The registrar signs in to the Karmada API with its own role's IAM tokens (user
  ``eks-karmada:handler:registrar``, its RBAC in charts/karmada/bootstrap.py) and trusts the Karmada CA published
  in the parent's ConfigMap ``<ApiServerNamespace>/karmada-ca-bundle``: it never reads the break-glass admin Secret.
* The member: ``MemberName`` (the Karmada Cluster name, required), ``SyncMode`` (Push | Pull,
  default Push), ``Provider``, ``Region``, ``Zones`` (JSON list), ``Labels`` (JSON object),
  ``MemberClusterName``, ``MemberRegion`` and ``JoinRoleArn`` (required: the member EKS cluster and
  the role the registrar assumes to reach it), ``JoinExternalId`` (the ExternalId that role's trust requires).
* Pull: ``AgentCredentialSecret`` (required; kubernetes.io/tls Secret in the parent with tls.crt,
  tls.key, ca.crt for CN ``system:karmada:agent:<member>``, O ``system:karmada:agents``),
  ``AgentCredentialSecretNamespace`` (default ``AdminSecretNamespace``), ``AgentCertificateIssuer`` (the CN
  of the CA that must have signed it: waited for while cert-manager re-issues it, then refused; default: not
  checked), ``KarmadaApiServerUrl``
  (required, https://host[:port]), ``AgentNamespace`` (karmada-system), ``AgentKubeconfigKey``
  (karmada-kubeconfig), ``AgentDeploymentName`` (karmada-agent).
* Push: ``TokenLifetimeSeconds`` (604800: the lifetime asked of the member's TokenRequest API),
  ``TokenConsumers`` (JSON list of Deployments in ``ApiServerNamespace`` rolled after new tokens; default
  ``["karmada-controller-manager"]``).
* Bounded waits, seconds: ``AgentWaitSeconds`` (300; 0 = don't wait for the agent), ``DeleteWaitSeconds`` (300),
  ``ReadyWaitSeconds`` (300).

Push, Create/Update (``karmadactl join``, with expiring tokens): reads the member's kube-system UID (the Cluster
id); keeps the tokens Karmada holds unless they must be renewed (push_tokens.py: none yet, no expiry, past
half-life, another lifetime asked, refused by the member), else requests new ones of the ServiceAccounts
``karmada-cluster/karmada-<member>`` and ``karmada-cluster/karmada-impersonator`` (TokenRequest); server-side
applies in Karmada the namespace karmada-cluster, the Secrets ``<member>`` (caBundle, token) and
``<member>-impersonator`` (token), controlled by the ``Cluster`` it applies (syncMode Push, apiEndpoint, id,
secretRef, impersonatorSecretRef, provider, region, zones, labels), and, when it replaced the tokens of an
existing Cluster, rolls the ``TokenConsumers``. refresh.py (an hourly schedule, same role) renews them.

Pull, Create/Update (``karmadactl register``): applies the agent's per-member RBAC in Karmada (its
own Cluster's status, no Secrets, no Cluster create), creates the Cluster (syncMode Pull, apiEndpoint,
id, provider, region, zones, labels, no secretRef: exactly what the agent would write, so it never
needs to), writes the Secret ``karmada-kubeconfig`` (server = KarmadaApiServerUrl, the Karmada CA from
the karmada-ca-bundle ConfigMap, the agent certificate and key) into the member's agent namespace, restarts the agent
Deployment if that Secret changed and waits for the agent to report the Cluster's status. After
cert-manager renews the agent certificate, refresh.py (a daily schedule, same role) copies it in.

Delete (both): deletes the Cluster (Pull: its Works first, as ``karmadactl unregister``) and waits
for Karmada's finalizers, then the Secrets (Pull: the agent RBAC, and ``karmada-kubeconfig`` in the
member). 404s are success; an unreachable or refusing parent, Karmada or member is logged as a
warning and the Delete succeeds: it never wedges a stack deletion. A failed Create undoes what it
created (the Provider framework does not send the Delete of a failed Create to the handler).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..aws_clients import aws_client
from ..errors import HandlerError
from ..kube import ca_bundle, connection, eks_auth, retry
from ..kube.client import KubeClient, Urllib3Transport
from ..kube.connection import BearerAuth, KarmadaAuth, KarmadaTransport, TlsMaterial
from ..kube.errors import (
    ApiError,
    ClusterNotFoundError,
    NoReadyEndpointsError,
    RetryExhaustedError,
    SecretNotReadyError,
    ServiceGoneError,
    TlsVerificationError,
)
from ..kube.retry import Backoff, Deadline, root_cause
from ..kube.transports import eks_transport, karmada_pod_transport, karmada_tokens
from ..provider_framework import CREATE_FAILED_MARKER, is_transient_api_error
from . import member_access, push_tokens
from . import objects as obj
from .certinfo import read_certificate
from .errors import CertificateFormatError, MemberAccessError, PropertiesError, RegistrationError
from .properties import PULL, PUSH, Properties

logger = logging.getLogger("member_registration")
logger.setLevel(logging.INFO)

DEFAULT_BUDGET_SECONDS = 840.0
SAFETY_MARGIN_SECONDS = 30.0  # time left to report an error (or undo a failed Create) before the timeout
SECRET_WAIT_SECONDS = 180.0  # cert-manager issuing the admin or agent certificate
DELETE_CONNECT_SECONDS = 60.0  # on Delete, how long an unreachable API is retried before giving up
POLL_INTERVAL_SECONDS = 5.0
REGISTRAR_GROUP = "eks-karmada:registrar"  # Kubernetes group of the join role's access entry in members
USER_AGENT = "eks-karmada/member-registration"
# Who the registrar is in the Karmada API (charts/karmada/names.py maps and binds them; named here for messages).
KARMADA_USER = "eks-karmada:handler:registrar"
KARMADA_ROLE = "eks-karmada:handler:registrar"
# On the member's karmada-kubeconfig: which registration (physical id) wrote it.
REGISTRATION_ANNOTATION = "eks-karmada.io/registration"
CONNECT_ERRORS = (ApiError, RetryExhaustedError, ConnectionError, TimeoutError, TlsVerificationError,
                   SecretNotReadyError)


class _Redactor:
    """Secret strings seen in this invocation; scrubbed from every message and warning."""

    def __init__(self) -> None:
        self._values: set[str] = set()

    def add(self, *values: Any) -> None:
        for value in values:
            if isinstance(value, bytes):
                value = value.decode("ascii", "replace")
            if isinstance(value, str) and len(value) >= 8:
                self._values.add(value)
                # PEM bodies may be echoed line by line or re-encoded
                for line in value.splitlines():
                    if len(line) >= 16 and not line.startswith("-----"):
                        self._values.add(line)

    def __call__(self, text: Any) -> str:
        text = str(text)
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, "<redacted>")
        return text


# ---- runtime (what tests replace) -------------------------------------------------------------


@dataclass
class Runtime:
    """The outside world: AWS, the network, time. Tests pass fakes."""

    parent_transport: Callable[[str], Any]  # parent EKS cluster name -> transport (Lambda's own role)
    karmada_transport: Callable[[str, int, KarmadaAuth, str], Any]  # pod address, port, auth, TLS name
    aws_client: member_access.AwsClientFactory
    member_transport: member_access.MemberTransportFactory
    # Karmada cluster id -> the Lambda's own IAM tokens for the Karmada API (aws-iam-authenticator)
    karmada_tokens: Callable[[str], Callable[[], str]] = karmada_tokens
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    wall_clock: Callable[[], float] = time.time
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    backoff: Backoff = Backoff()

    @classmethod
    def default(cls) -> Runtime:
        return cls(
            parent_transport=eks_transport,
            karmada_transport=karmada_pod_transport,
            aws_client=aws_client,
            member_transport=_member_transport,
        )


def _member_transport(endpoint: eks_auth.ClusterEndpoint, tokens: Callable[[], str]) -> Urllib3Transport:
    return Urllib3Transport(endpoint.host, endpoint.port, ca_pem=endpoint.ca_pem, token_provider=tokens)


# ---- entry point ------------------------------------------------------------------------------


def on_event(event: dict, context: Any) -> dict:
    """Lambda entry point (CDK Provider ``on_event``)."""
    quiet_aws_sdk_logs()
    return handle(event, context, Runtime.default())


def quiet_aws_sdk_logs() -> None:
    """Keep botocore's DEBUG lines out of the logs, even when the function's log level is DEBUG.

    They hold signed requests and the AssumeRole answer.
    """
    for name in ("botocore", "boto3", "urllib3"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger(name).level))


def physical_id_for(props: Properties) -> str:
    return f"{props.cluster_name}/{props.member_name}"


def _issuer(cert_pem: bytes) -> str | None:
    """The issuer CN of a PEM certificate; None when unreadable (check_agent_certificate then says why)."""
    try:
        return read_certificate(cert_pem).issuer_common_name
    except CertificateFormatError:
        return None


def budget_seconds(context: Any, runtime: Runtime) -> float:
    """Seconds this invocation may work: the runtime's budget, less than the Lambda's remaining time."""
    # The Lambda context's get_remaining_time_in_millis(); tests and local runs may pass no context.
    remaining_ms: Callable[[], int] | None = getattr(context, "get_remaining_time_in_millis", None)
    budget = runtime.budget_seconds
    if callable(remaining_ms):
        budget = max(0.0, min(budget, remaining_ms() / 1000.0 - SAFETY_MARGIN_SECONDS))
    return budget


def handle(event: dict, context: Any, runtime: Runtime) -> dict:
    """Process one CloudFormation event with the given runtime."""
    request_type = event.get("RequestType")
    if request_type not in ("Create", "Update", "Delete"):
        raise RegistrationError(f"unknown RequestType {request_type!r}")
    logical_id = event.get("LogicalResourceId", "")
    physical_id = event.get("PhysicalResourceId")
    if request_type == "Delete" and physical_id == CREATE_FAILED_MARKER:
        logger.info("Delete of %s whose Create failed: nothing to delete", logical_id)
        return {"PhysicalResourceId": physical_id}

    try:
        props = Properties.parse(event.get("ResourceProperties"))
    except PropertiesError as err:
        if request_type == "Delete":
            logger.warning("Delete of %s: unreadable properties (%s): nothing to delete", logical_id, err)
            return {"PhysicalResourceId": physical_id}
        raise RegistrationError(str(err)) from None
    old_props = None
    if request_type == "Update":
        try:
            old_props = Properties.parse(event.get("OldResourceProperties"))
        except PropertiesError as err:
            logger.warning("cannot read OldResourceProperties (%s): nothing of the old registration is cleaned", err)

    # A Delete keeps the id CloudFormation knows; Create and Update report the id of what they register. An
    # Update to another parent or member name is thereby a replacement: CloudFormation then deletes the old
    # registration (with its old properties).
    if request_type != "Delete" or not physical_id:
        physical_id = physical_id_for(props)

    run = Run(props, runtime, Deadline(budget_seconds(context, runtime), runtime.clock), request_type, physical_id)
    logger.info(
        "%s %s (%s): member %s (%s, EKS cluster %s in %s), Karmada in EKS cluster %s (%s/%s:%d)",
        request_type, logical_id, physical_id, props.member_name, props.sync_mode, props.member_cluster_name,
        props.member_region, props.cluster_name, props.api_server_namespace, props.api_server_service,
        props.api_server_port,
    )
    if request_type == "Delete":
        try:
            run.unregister(props)
        except Exception as err:  # noqa: BLE001 - unregister warns on its own; this is a last resort
            logger.warning("Delete: %s: %s; succeeding anyway", type(err).__name__, run.redact(err))
        finally:
            run.close()
        return {"PhysicalResourceId": physical_id}
    try:
        data = run.register(old_props)
    except HandlerError as err:
        if request_type == "Create":
            run.undo()
        raise RegistrationError(run.redact(err)) from None
    except Exception as err:  # noqa: BLE001 - anything else still reaches CloudFormation, short and clean
        logger.error("%s failed: %s: %s", request_type, type(err).__name__, run.redact(err))
        if request_type == "Create":
            run.undo()
        raise RegistrationError(run.redact(f"{request_type} failed: {type(err).__name__}: {err}")) from None
    finally:
        run.close()
    return {"PhysicalResourceId": physical_id, "Data": data}


# ---- one invocation ---------------------------------------------------------------------------


def describe(resource: Any, name: str, namespace: str | None) -> str:
    where = f"{namespace}/{name}" if namespace else name
    return f"{resource.kind} {where}"


@dataclass
class _Member:
    client: KubeClient
    endpoint: eks_auth.ClusterEndpoint
    where: str  # "EKS cluster <name> (<region>)"


class Run:
    """State of one invocation: clients, the time budget, what a failed Create must undo."""

    def __init__(self, props: Properties, runtime: Runtime, deadline: Deadline, request_type: str,
                 physical_id: str) -> None:
        self.props = props
        self.runtime = runtime
        self.deadline = deadline
        self.request_type = request_type
        self.physical_id = physical_id
        self.deleting = False
        self.redact = _Redactor()
        self._parent: KubeClient | None = None
        self._karmada: KubeClient | None = None
        self._karmada_transport: KarmadaTransport | None = None
        self._karmada_ca: bytes | None = None
        self._members: dict[tuple, _Member] = {}
        self._undo: list[tuple[str, Callable[[], Any]]] = []
        self.waited = 0.0  # how long the last poll() waited

    # -- retries and errors
    def _retry_window(self, error: BaseException) -> float | None:
        if isinstance(error, TlsVerificationError):
            return None
        if isinstance(error, ServiceGoneError) and self.deleting:
            return None
        if isinstance(error, (ConnectionError, TimeoutError)):
            return DELETE_CONNECT_SECONDS if self.deleting else math.inf
        if isinstance(error, SecretNotReadyError):
            return None if self.deleting else SECRET_WAIT_SECONDS
        if isinstance(error, ApiError) and is_transient_api_error(error.code, error.message):
            return DELETE_CONNECT_SECONDS if self.deleting else math.inf
        return None

    def retry(self, operation: Callable[[], Any], what: str) -> Any:
        def forget(error: BaseException) -> None:
            if self._karmada_transport is not None and isinstance(error, (ConnectionError, TimeoutError)):
                self._karmada_transport.forget()

        return retry.call_with_retry(
            operation, what=what, retry_window=self._retry_window, deadline=self.deadline,
            sleep=self.runtime.sleep, backoff=self.runtime.backoff, on_retry=forget,
        )

    def fail(self, what: str, error: BaseException, hint: str = "") -> RegistrationError:
        return RegistrationError(self.redact(f"Failed to {what}: {error}{hint}"))

    # -- the parent cluster and Karmada
    def parent(self) -> KubeClient:
        if self._parent is None:
            p = self.props
            try:
                self._parent = KubeClient(self.runtime.parent_transport(p.cluster_name), user_agent=USER_AGENT)
            except ClusterNotFoundError as err:
                raise RegistrationError(f"Failed to reach the parent: {err}") from err
            except Exception as err:  # noqa: BLE001 - botocore errors: report them, short
                raise self.fail(f"reach the parent EKS cluster {p.cluster_name}", err) from err
        return self._parent

    def read_tls(self, namespace: str, name: str) -> TlsMaterial:
        p = self.props
        what = f"read Secret {namespace}/{name} in the parent EKS cluster {p.cluster_name}"
        try:
            tls = self.retry(lambda: connection.read_admin_tls(self.parent(), namespace, name), what=what)
        except CONNECT_ERRORS as err:
            root = root_cause(err)
            hint = ""
            if isinstance(root, ApiError) and root.code in (401, 403):
                hint = " (check the registrar role's access entry in the parent and its RBAC: get on this Secret)"
            elif isinstance(root, SecretNotReadyError):
                hint = " (cert-manager issues it from its Certificate; check that Certificate's status)"
            raise self.fail(what, err, hint) from err
        self.redact.add(tls.key_pem)  # the certificate is public
        return tls

    def karmada_ca(self) -> bytes:
        """The Karmada CA, from the parent's karmada-ca-bundle ConfigMap (public: no Secret is read for it)."""
        if self._karmada_ca is None:
            p = self.props
            what = (f"read ConfigMap {p.api_server_namespace}/{ca_bundle.CA_BUNDLE_CONFIGMAP} in the parent EKS "
                    f"cluster {p.cluster_name}")
            try:
                ca: bytes = self.retry(
                    lambda: ca_bundle.read_ca_bundle(self.parent(), p.api_server_namespace), what=what)
            except CONNECT_ERRORS as err:
                root = root_cause(err)
                hint = ""
                if isinstance(root, ApiError) and root.code in (401, 403):
                    hint = (" (check the registrar role's access entry in the parent and its RBAC: get on this "
                            "ConfigMap)")
                raise self.fail(what, err, hint) from err
            self._karmada_ca = ca
        return self._karmada_ca

    def karmada_auth(self) -> BearerAuth:
        """The registrar's own IAM identity: aws-iam-authenticator maps its role to eks-karmada:handler:registrar."""
        return BearerAuth(ca_pem=self.karmada_ca(), token_provider=self.runtime.karmada_tokens(
            self.props.karmada_cluster_id))

    def karmada(self) -> KubeClient:
        if self._karmada is None:
            p = self.props
            self._karmada_transport = KarmadaTransport(
                self.parent(), self.karmada_auth(), p.api_server_namespace, p.api_server_service,
                p.api_server_port, p.api_server_server_name, self.runtime.karmada_transport,
            )
            self._karmada = KubeClient(self._karmada_transport, user_agent=USER_AGENT)
        return self._karmada

    def k_call(self, operation: Callable[[KubeClient], Any], what: str) -> Any:
        """Run ``operation(karmada_client)`` with retries; report failures with the server's message."""
        try:
            return self.retry(lambda: operation(self.karmada()), what=what)
        except RegistrationError:
            raise
        except (*CONNECT_ERRORS, NoReadyEndpointsError) as err:
            root = root_cause(err)
            hint = ""
            if isinstance(root, ApiError) and root.code == 401:
                hint = (f" (the Karmada API's aws-iam-authenticator does not accept the registrar role's token for "
                        f"cluster id {self.props.karmada_cluster_id!r}: check its mapping of the registrar role and "
                        "KarmadaClusterId)")
            elif isinstance(root, ApiError) and root.code == 403:
                hint = (f" (the registrar's Karmada user {KARMADA_USER} needs this right from the ClusterRole "
                        f"{KARMADA_ROLE}: update the KarmadaParent stack, which binds it)")
            raise self.fail(what, err, hint) from err

    def k_get(self, resource: Any, name: str, namespace: str | None = None) -> dict | None:
        return self.k_call(lambda c: c.get(resource, name, namespace),
                           f"read {describe(resource, name, namespace)} in Karmada")

    def k_apply(self, resource: Any, body: dict) -> dict:
        """Server-side apply ``body``; the object as Karmada stored it."""
        metadata = body["metadata"]
        name, namespace = metadata["name"], metadata.get("namespace")
        described = describe(resource, name, namespace)
        result = self.k_call(
            lambda c: c.apply(resource, name, namespace, body, self.props.field_manager, force=True),
            f"apply {described} ({resource.api_version}) in Karmada",
        )
        logger.info("applied %s in Karmada", described)
        return result

    def k_delete(self, resource: Any, name: str, namespace: str | None = None) -> bool:
        described = describe(resource, name, namespace)
        deleted = self.k_call(lambda c: c.delete(resource, name, namespace), f"delete {described} in Karmada")
        logger.info("%s %s in Karmada", "deleted" if deleted else "already absent:", described)
        return deleted

    # -- the member cluster
    def member(self, props: Properties) -> _Member:
        target = props.member_target()
        if target not in self._members:
            where = f"EKS cluster {props.member_cluster_name} ({props.member_region})"
            try:
                reached = member_access.connect(
                    cluster_name=props.member_cluster_name, region=props.member_region,
                    role_arn=props.join_role_arn, external_id=props.join_external_id,
                    aws_client=self.runtime.aws_client,
                    member_transport=self.runtime.member_transport, remember_secret=self.redact.add,
                )
            except MemberAccessError as err:
                raise RegistrationError(self.redact(f"Failed to reach the member {where}: {err}")) from None
            client = KubeClient(reached.transport, user_agent=USER_AGENT)
            self._members[target] = _Member(client, reached.endpoint, where)
        return self._members[target]

    def m_call(self, member: _Member, operation: Callable[[KubeClient], Any], what: str) -> Any:
        """Run ``operation(member_client)`` with retries; 401/403 get a hint about the join role's access."""
        what = f"{what} in the member {member.where}"
        try:
            return self.retry(lambda: operation(member.client), what=what)
        except CONNECT_ERRORS as err:
            root = root_cause(err)
            hint = ""
            if isinstance(root, ApiError) and root.code == 401:
                hint = (f" (the member does not accept the join role {self.props.join_role_arn}: "
                        "it needs an EKS access entry in this cluster)")
            elif isinstance(root, ApiError) and root.code == 403:
                hint = (f" (the join role {self.props.join_role_arn} needs an EKS access entry in this cluster "
                        f"mapped to the Kubernetes group {REGISTRAR_GROUP}, and that group the RBAC for this request)")
            raise self.fail(what, err, hint) from err

    # -- waiting
    def poll(self, check: Callable[[], bool], seconds: float, what: str) -> bool:
        """Call ``check`` every few seconds until it is true (True) or ``seconds``/the budget run out (False)."""
        clock = self.runtime.clock
        started = clock()
        while True:
            if check():
                return True
            elapsed = self.waited = clock() - started
            if elapsed + POLL_INTERVAL_SECONDS > seconds or POLL_INTERVAL_SECONDS > self.deadline.remaining():
                return False
            logger.info("waiting for %s (%.0fs so far)", what, elapsed)
            self.runtime.sleep(POLL_INTERVAL_SECONDS)

    def close(self) -> None:
        if self._karmada_transport is not None:
            self._karmada_transport.close()
        for client in [m.client for m in self._members.values()] + ([self._parent] if self._parent else []):
            try:
                client.close()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass

    # ================================================================================ Create / Update
    def register(self, old: Properties | None) -> dict:
        p = self.props
        if old is not None:
            self.clean_old(old)
        if p.sync_mode == PUSH:
            self.register_push()
        else:
            self.register_pull()
        if p.sync_mode == PUSH or p.agent_wait_seconds > 0:  # without the agent's wait, no agent may run yet
            self.wait_cluster_ready()
        return {"ClusterName": p.member_name, "SyncMode": p.sync_mode}

    def wait_cluster_ready(self) -> None:
        """Return once Karmada reports the Cluster Ready: workloads applied before would skip it for good."""
        p = self.props
        if p.ready_wait_seconds <= 0:
            logger.info("ReadyWaitSeconds is 0: not waiting for Cluster %s to be Ready", p.member_name)
            return
        holder: dict = {}

        def ready() -> bool:
            cluster = self.k_get(obj.CLUSTERS, p.member_name) or {}
            conditions = (cluster.get("status") or {}).get("conditions") or []
            holder["condition"] = next((c for c in conditions if c.get("type") == "Ready"), None)
            return bool(holder["condition"]) and holder["condition"].get("status") == "True"

        if not self.poll(ready, p.ready_wait_seconds, f"Cluster {p.member_name} to be Ready"):
            condition = holder.get("condition")
            if condition:
                detail = ": ".join(filter(None, (condition.get("reason"), condition.get("message"))))
                state = f"Ready is {condition.get('status')}" + (f" ({detail})" if detail else "")
            else:
                state = "it has no Ready condition yet"
            raise RegistrationError(
                f"Cluster {p.member_name} is registered but not Ready after {self.waited:.0f}s ({state}): Karmada "
                "places no workload on it; check that karmada-controller-manager (Push) or karmada-agent (Pull) "
                "reaches the member's API server"
            )
        logger.info("Cluster %s is Ready", p.member_name)

    def clean_old(self, old: Properties) -> None:
        """What an Update must remove of the old registration before registering the new one."""
        p = self.props
        same_karmada = old.cluster_name == p.cluster_name
        if same_karmada and old.member_name == p.member_name and old.sync_mode != p.sync_mode:
            logger.info("SyncMode %s -> %s: unregistering the %s registration first", old.sync_mode, p.sync_mode,
                        old.sync_mode)
            self.unregister(old, keep_going=False)
            return
        if same_karmada and old.member_name != p.member_name and old.member_target() == p.member_target():
            # A rename of the same member cluster: its id (and, in Pull, its agent) cannot serve two names.
            logger.info("member %s renamed to %s: unregistering the old name first", old.member_name, p.member_name)
            self.unregister(old, keep_going=False)
            return
        if old.pull and p.pull and (old.member_target() != p.member_target()
                                    or old.agent_namespace != p.agent_namespace):
            self.remove_kubeconfig(old, best_effort=True)

    # -- Push
    def register_push(self) -> None:
        p = self.props
        member = self.member(p)
        cluster_id = self.m_call(
            member, lambda c: ((c.get(obj.NAMESPACES, "kube-system") or {}).get("metadata") or {}).get("uid"),
            "read Namespace kube-system (the Cluster id)",
        )
        if not cluster_id:
            raise RegistrationError(f"Namespace kube-system has no uid in the member {member.where}")
        existing = self.existing_cluster(p.member_name)
        self.check_cluster_id(cluster_id, member)
        previous_id = ((existing or {}).get("spec") or {}).get("id")
        if previous_id and previous_id != cluster_id:
            logger.warning("Cluster %s was registered for another cluster (id %s): re-pointing it to the member %s "
                           "(id %s)", p.member_name, previous_id, member.where, cluster_id)
        tokens, renewal = push_tokens.held_or_new(self, member)
        self.k_apply(obj.NAMESPACES, obj.namespace(obj.CLUSTER_NAMESPACE))
        if self.request_type == "Create":
            for name in (p.member_name, obj.impersonator_secret(p.member_name)):
                if self.k_get(obj.SECRETS, name, obj.CLUSTER_NAMESPACE) is None:
                    self.on_undo(f"Secret {obj.CLUSTER_NAMESPACE}/{name}",
                                 lambda n=name: self.k_delete(obj.SECRETS, n, obj.CLUSTER_NAMESPACE))
        owner = obj.owner_reference(existing) if existing else None
        self.write_push_secrets(member, tokens, owner)
        cluster = self.k_apply(obj.CLUSTERS, obj.push_cluster(
            p.member_name, api_endpoint=member.endpoint.endpoint, cluster_id=cluster_id, provider=p.provider,
            region=p.region, zones=p.zones, labels=p.label_map,
        ))
        if existing is None and self.request_type == "Create":
            self.on_undo(f"Cluster {p.member_name}", lambda: self.k_delete(obj.CLUSTERS, p.member_name))
        new_owner = obj.owner_reference(cluster)
        if new_owner != owner:  # join's controller reference: the Secrets go with the Cluster
            self.write_push_secrets(member, tokens, new_owner)
        if renewal and existing is not None:
            # The controllers watch this member with the token they started with: hand them the new one.
            push_tokens.roll_consumers(self, tokens)
        logger.info("registered %s (Push, id %s, endpoint %s)", p.member_name, cluster_id, member.endpoint.endpoint)

    def write_push_secrets(self, member: _Member, tokens: push_tokens.PushTokens, owner: dict | None) -> None:
        """Karmada's Secrets of a Push member: ``<member>`` (its CA and the controllers' token), the impersonator's."""
        p = self.props
        controller, impersonator = tokens.controller, tokens.impersonator
        self.k_apply(obj.SECRETS, obj.credential_secret(
            p.member_name, {obj.CA_BUNDLE_KEY: base64.b64encode(member.endpoint.ca_pem).decode("ascii"),
                            obj.TOKEN_KEY: controller.data}, owner, controller.annotations))
        self.k_apply(obj.SECRETS, obj.credential_secret(
            obj.impersonator_secret(p.member_name), {obj.TOKEN_KEY: impersonator.data}, owner,
            impersonator.annotations))

    def existing_cluster(self, name: str) -> dict | None:
        """The Cluster, or None; one being deleted is waited for (bounded) first."""
        existing = self.k_get(obj.CLUSTERS, name)
        if existing and existing["metadata"].get("deletionTimestamp"):
            logger.info("Cluster %s is being deleted: waiting for it to go before registering again", name)
            gone = self.poll(lambda: self.k_get(obj.CLUSTERS, name) is None, self.props.delete_wait_seconds,
                             f"Cluster {name} to be deleted")
            if not gone:
                raise RegistrationError(
                    f"Cluster {name} is still being deleted in Karmada after {self.waited:.0f}s "
                    f"(its execution space karmada-es-{name} is being cleaned); retry later"
                )
            return None
        return existing

    def check_cluster_id(self, cluster_id: str, member: _Member) -> None:
        """As karmadactl join: a member cluster (kube-system UID) is registered under one name only."""
        p = self.props
        clusters = self.k_call(lambda c: c.list(obj.CLUSTERS), "list Clusters in Karmada")
        for cluster in clusters:
            name = cluster["metadata"]["name"]
            if name != p.member_name and (cluster.get("spec") or {}).get("id") == cluster_id:
                raise RegistrationError(
                    f"The member {member.where} (kube-system UID {cluster_id}) is already registered with Karmada "
                    f"as Cluster {name!r}; unregister it first (karmadactl unjoin {name}) or use that name"
                )

    # -- Pull
    def register_pull(self) -> None:
        p = self.props
        agent = self.agent_tls()
        server_ca = self.karmada_ca()

        cluster_role = obj.agent_role_names(p.member_name)[0]
        if self.request_type == "Create" and self.k_get(obj.CLUSTER_ROLES, cluster_role) is None:
            self.on_undo(f"the agent RBAC of {p.member_name} in Karmada", lambda: self.remove_agent_rbac(p))
        for resource, body in obj.agent_rbac(p.member_name):
            self.k_apply(resource, body)
        for resource, body in obj.legacy_agent_rbac(p.member_name):  # Secret rights earlier versions granted
            self.k_delete(resource, body["metadata"]["name"], body["metadata"]["namespace"])

        member = self.member(p)
        self.create_pull_cluster(member)
        body = self.agent_kubeconfig_secret(server_ca, agent)
        described = describe(obj.SECRETS, obj.AGENT_KUBECONFIG_SECRET, p.agent_namespace)
        existing = self.m_call(member, lambda c: c.get(obj.SECRETS, obj.AGENT_KUBECONFIG_SECRET, p.agent_namespace),
                               f"read {described}")
        changed = existing is None or (existing.get("data") or {}) != body["data"] or (
            (existing["metadata"].get("annotations") or {}).get(REGISTRATION_ANNOTATION) != self.physical_id)
        if changed:
            self.m_call(member, lambda c: c.apply(obj.SECRETS, obj.AGENT_KUBECONFIG_SECRET, p.agent_namespace, body,
                                                  p.field_manager, force=True), f"apply {described}")
            logger.info("wrote %s in the member %s (server %s)", described, member.where, p.karmada_api_server_url)
            if existing is None and self.request_type == "Create":
                self.on_undo(described, lambda: self.remove_kubeconfig(p, best_effort=False))
            if existing is not None:
                self.restart_agent(member, server_ca, agent.cert_pem)
        else:
            logger.info("%s in the member %s is up to date", described, member.where)

        if p.agent_wait_seconds <= 0:
            logger.info("AgentWaitSeconds is 0: not waiting for karmada-agent to register %s", p.member_name)
            return
        holder: dict = {}

        def reported() -> bool:
            # The registrar created the Cluster; the agent's cluster status controller is the only writer
            # of a Pull Cluster's status, so a condition there is the agent's first sign of life.
            cluster = self.k_get(obj.CLUSTERS, p.member_name)
            holder["cluster"] = cluster
            return bool(cluster) and bool((cluster.get("status") or {}).get("conditions")) and not cluster[
                "metadata"].get("deletionTimestamp")

        if not self.poll(reported, p.agent_wait_seconds, f"karmada-agent to report Cluster {p.member_name}"):
            found = holder.get("cluster")
            if not found:
                state = "does not exist"
            elif found["metadata"].get("deletionTimestamp"):
                state = "is being deleted"
            else:
                state = "has no status yet"
            raise RegistrationError(
                f"karmada-agent did not report the status of Cluster {p.member_name} within {self.waited:.0f}s "
                f"(the Cluster {state}): check Deployment {p.agent_namespace}/{p.agent_deployment} in the member "
                f"{member.where} (its pods and logs), that it mounts {described} key "
                f"{p.agent_kubeconfig_key!r} and runs with --cluster-name={p.member_name}, and that it can reach "
                f"{p.karmada_api_server_url}"
            )
        logger.info("karmada-agent reports Cluster %s (Pull)", p.member_name)

    def create_pull_cluster(self, member: _Member) -> None:
        """Pull: the registrar, not the agent, writes the Cluster (the agent may not create or update one)."""
        p = self.props
        cluster_id = self.m_call(
            member, lambda c: ((c.get(obj.NAMESPACES, "kube-system") or {}).get("metadata") or {}).get("uid"),
            "read Namespace kube-system (the Cluster id)",
        )
        if not cluster_id:
            raise RegistrationError(f"Namespace kube-system has no uid in the member {member.where}")
        existing = self.existing_cluster(p.member_name)
        spec = (existing or {}).get("spec") or {}
        if existing is not None and spec.get("syncMode") != PULL:
            raise RegistrationError(
                f"Cluster {p.member_name} already exists in Karmada with syncMode {spec.get('syncMode')!r}, not "
                f"registered by this stack: unregister it first (karmadactl unjoin {p.member_name}) or use another name"
            )
        self.check_cluster_id(cluster_id, member)
        if spec.get("secretRef") or spec.get("impersonatorSecretRef"):
            # Written by an agent of an earlier version (--report-secrets default): the member's token goes.
            self.k_call(lambda c: c.merge_patch(obj.CLUSTERS, p.member_name, None, {
                "spec": {"secretRef": None, "impersonatorSecretRef": None}}, p.field_manager),
                f"remove the secret references of Cluster {p.member_name} in Karmada")
            for secret in (p.member_name, obj.impersonator_secret(p.member_name)):
                self.k_delete(obj.SECRETS, secret, obj.CLUSTER_NAMESPACE)
        self.k_apply(obj.CLUSTERS, obj.pull_cluster(
            p.member_name, api_endpoint=member.endpoint.endpoint, cluster_id=cluster_id, provider=p.provider,
            region=p.region, zones=p.zones, labels=p.label_map,
        ))
        if existing is None and self.request_type == "Create":
            self.on_undo(f"Cluster {p.member_name}", lambda: self.k_delete(obj.CLUSTERS, p.member_name))
        logger.info("registered %s (Pull, id %s, endpoint %s)", p.member_name, cluster_id, member.endpoint.endpoint)

    def agent_tls(self) -> TlsMaterial:
        """The agent's certificate and key from the parent, once they come from the expected CA.

        A parent deployed before the client CA existed has its agent certificates re-issued by cert-manager when
        their issuer changes, in the same deploy, seconds before this registration re-runs: wait for that.
        """
        p = self.props
        read: list[TlsMaterial] = []

        def from_expected_issuer() -> bool:
            read[:] = [self.read_tls(p.agent_credential_namespace, p.agent_credential_secret)]
            return not p.agent_certificate_issuer or _issuer(read[0].cert_pem) in (p.agent_certificate_issuer, None)

        self.poll(from_expected_issuer, SECRET_WAIT_SECONDS,
                  f"cert-manager to re-issue the agent certificate from {p.agent_certificate_issuer}")
        self.check_agent_certificate(read[0].cert_pem)
        return read[0]

    def check_agent_certificate(self, cert_pem: bytes) -> None:
        p = self.props
        where = f"Secret {p.agent_credential_namespace}/{p.agent_credential_secret} in the parent"
        try:
            info = read_certificate(cert_pem)
        except CertificateFormatError as err:
            raise RegistrationError(f"{where}: tls.crt is not a certificate this handler can read: {err}") from None
        if p.agent_certificate_issuer and info.issuer_common_name != p.agent_certificate_issuer:
            raise RegistrationError(
                f"{where} holds a certificate signed by {info.issuer_common_name!r}, not by "
                f"{p.agent_certificate_issuer!r}, the only CA Karmada accepts client certificates from: check its "
                "Certificate's issuerRef and status (cert-manager re-issues it when the issuer changes)"
            )
        expected = obj.agent_user(p.member_name)
        if info.common_name != expected or obj.AGENT_GROUP not in info.organizations:
            raise RegistrationError(
                f"{where} holds a certificate for CN={info.common_name!r}, O={list(info.organizations)}; "
                f"the karmada-agent of {p.member_name} must be CN={expected!r}, O={obj.AGENT_GROUP!r} "
                "(the user its Karmada RBAC names)"
            )
        now = datetime.datetime.fromtimestamp(self.runtime.wall_clock(), datetime.UTC)
        if info.not_after <= now:
            raise RegistrationError(f"{where}: the agent certificate expired at {info.not_after.isoformat()}")

    def agent_kubeconfig_secret(self, server_ca: bytes, agent: TlsMaterial) -> dict:
        """The member's agent kubeconfig Secret for this certificate, marked as this registration's (and redacted)."""
        p = self.props
        kubeconfig = obj.agent_kubeconfig(p.karmada_api_server_url, server_ca, agent.cert_pem, agent.key_pem)
        body = obj.kubeconfig_secret(p.agent_namespace, p.agent_kubeconfig_key, kubeconfig)
        body["metadata"]["annotations"] = {REGISTRATION_ANNOTATION: self.physical_id}
        self.redact.add(body["data"][p.agent_kubeconfig_key])
        return body

    def restart_agent(self, member: _Member, server_ca: bytes, cert_pem: bytes) -> None:
        """The agent reads its kubeconfig at start only: roll its Deployment when the Secret changed.

        The pod template gets the kubeconfig's fingerprint (its public parts only: a renewed certificate, another URL
        or CA change it) and the certificate's serial; a new value rolls the pods.
        """
        p = self.props
        fingerprint = hashlib.sha256(b"\n".join(
            [p.karmada_api_server_url.encode(), server_ca, cert_pem])).hexdigest()[:16]
        annotations = {obj.KUBECONFIG_HASH_ANNOTATION: fingerprint,
                       obj.AGENT_CERTIFICATE_ANNOTATION: read_certificate(cert_pem).serial_hex}
        patch = {"spec": {"template": {"metadata": {"annotations": annotations}}}}
        described = describe(obj.DEPLOYMENTS, p.agent_deployment, p.agent_namespace)
        try:
            self.m_call(member, lambda c: c.merge_patch(obj.DEPLOYMENTS, p.agent_deployment, p.agent_namespace,
                                                        patch, p.field_manager), f"restart {described}")
        except RegistrationError as err:
            cause = root_cause(err.__cause__)
            if isinstance(cause, ApiError) and cause.code == 404:
                logger.info("%s does not exist (yet): nothing to restart", described)
                return
            raise
        logger.info("restarted %s: its kubeconfig changed", described)

    # ================================================================================ Delete
    def unregister(self, props: Properties, keep_going: bool = True) -> None:
        """Remove a registration. With ``keep_going`` (Delete), failures are warnings, never errors."""
        self.deleting = keep_going
        try:
            try:
                self.remove_from_karmada(props)
            except Exception as err:  # noqa: BLE001 - on Delete nothing may wedge the stack
                if not keep_going:
                    raise
                logger.warning("Karmada: %s; the Cluster %s is treated as unregistered", self.redact(err),
                               props.member_name)
            if props.pull:
                self.remove_kubeconfig(props, best_effort=keep_going)
        finally:
            self.deleting = False

    def remove_from_karmada(self, props: Properties) -> None:
        """Delete the Cluster, wait for it, then its Secrets / agent RBAC (left to Karmada while it terminates)."""
        name = props.member_name
        cluster = self.k_get(obj.CLUSTERS, name)
        if cluster is not None:
            if props.pull:
                self.delete_works(props)
            self.k_delete(obj.CLUSTERS, name)
            gone = self.poll(lambda: self.k_get(obj.CLUSTERS, name) is None, props.delete_wait_seconds,
                             f"Cluster {name} to be deleted (Karmada cleans its execution space)")
            if not gone:
                leftovers = "its Secrets" if props.sync_mode == PUSH else "the agent RBAC and its Secrets"
                logger.warning(
                    "Cluster %s is still terminating after %.0fs: Karmada finishes the clean-up on its own; "
                    "%s are left for it (the Secrets are garbage-collected with the Cluster)",
                    name, self.waited, leftovers,
                )
                return
            logger.info("Cluster %s is gone", name)
        else:
            logger.info("Cluster %s does not exist in Karmada", name)
        for secret in (name, obj.impersonator_secret(name)):
            self.k_delete(obj.SECRETS, secret, obj.CLUSTER_NAMESPACE)
        if props.pull:
            self.remove_agent_rbac(props)

    def delete_works(self, props: Properties) -> None:
        """Pull: delete the Works first, while the agent still has the RBAC to finalize them."""
        namespace = obj.execution_space(props.member_name)

        def remaining() -> bool:
            works = self.k_call(lambda c: c.list(obj.WORKS, namespace), f"list Works in {namespace}")
            for work in works:
                if not work["metadata"].get("deletionTimestamp"):
                    self.k_delete(obj.WORKS, work["metadata"]["name"], namespace)
            return not works

        if not self.poll(remaining, props.delete_wait_seconds, f"the Works in {namespace} to be deleted"):
            logger.warning("Works remain in %s after %.0fs: deleting the Cluster anyway", namespace, self.waited)

    def remove_agent_rbac(self, props: Properties) -> None:
        for resource, body in reversed(obj.agent_rbac(props.member_name)):
            metadata = body["metadata"]
            if resource is obj.NAMESPACES and metadata["name"] == obj.CLUSTER_NAMESPACE:
                continue  # shared by every member (and cluster leases)
            self.k_delete(resource, metadata["name"], metadata.get("namespace"))

    def remove_kubeconfig(self, props: Properties, best_effort: bool) -> None:
        """Delete the member's karmada-kubeconfig, unless another registration wrote it."""
        described = describe(obj.SECRETS, obj.AGENT_KUBECONFIG_SECRET, props.agent_namespace)
        try:
            member = self.member(props)
            existing = self.m_call(member, lambda c: c.get(obj.SECRETS, obj.AGENT_KUBECONFIG_SECRET,
                                                           props.agent_namespace), f"read {described}")
            if existing is None:
                logger.info("%s does not exist in the member %s", described, member.where)
                return
            owner = (existing["metadata"].get("annotations") or {}).get(REGISTRATION_ANNOTATION)
            if owner and owner != self.physical_id and owner != physical_id_for(props):
                logger.warning("%s in the member %s was written by registration %s: left in place", described,
                               member.where, owner)
                return
            deleted = self.m_call(member, lambda c: c.delete(obj.SECRETS, obj.AGENT_KUBECONFIG_SECRET,
                                                             props.agent_namespace), f"delete {described}")
            logger.info("%s %s in the member %s", "deleted" if deleted else "already absent:", described,
                        member.where)
        except Exception as err:  # noqa: BLE001 - unreachable member on Delete: warn
            if not best_effort:
                raise
            logger.warning("member %s: cannot delete %s (%s): left in place", props.member_cluster_name, described,
                           self.redact(err))

    # ================================================================================ undo
    def on_undo(self, what: str, action: Callable[[], Any]) -> None:
        self._undo.append((what, action))

    def undo(self) -> None:
        """A Create failed: remove what it created (best effort; the Provider drops the later Delete)."""
        if not self._undo:
            return
        self.deleting = True
        for what, action in reversed(self._undo):
            try:
                action()
                logger.info("undid %s after the failed Create", what)
            except Exception as err:  # noqa: BLE001 - best effort
                logger.warning("could not undo %s after the failed Create: %s", what, self.redact(err))
        self._undo.clear()
        self.deleting = False
