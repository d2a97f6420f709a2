"""CloudFormation custom resource ``KarmadaManifest``: apply Kubernetes objects to Karmada.

``on_event`` is the ``on_event`` handler of a CDK ``custom_resources.Provider``. It server-side
applies the objects of ``Manifest`` (a JSON list) and of ``Source`` (a release tarball, e.g.
Karmada's CRDs) to the Karmada API server that runs in the parent EKS cluster, prunes objects an
Update dropped, and deletes them all on Delete. It returns ``PhysicalResourceId`` (+ ``Data``) and
raises to fail; the Provider puts ``str(exception)`` in the CloudFormation event, so every error
says which object failed and carries the API server's own message.

ResourceProperties (strings, as CloudFormation delivers them):

The keys are named in properties.py (the construct writes them from there):

* ``ClusterName`` (required): the parent EKS cluster, where the Karmada control plane runs.
* ``Manifest``: JSON list of objects (a single object is accepted too).
* ``Source``: JSON ``{"url": "https://...tar.gz", "sha256": "<hex, optional>",
  "paths": ["crds/bases/"], "patches": [...optional, default: the "patches/" sibling of each
  ".../bases/" path], "patchValues": {"name": ..., "namespace": ...} (optional)}``.
* ``Overwrite``: "true"/"false" (default false), ``FieldManager`` (default "eks-karmada").
* ``AdminSecretName`` (required), ``AdminSecretNamespace`` (default: ``ApiServerNamespace``):
  the kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt, in the parent cluster.
* ``ApiServerNamespace`` (default karmada-system), ``ApiServerService`` (default
  karmada-apiserver), ``ApiServerPort`` (the pods' port, default 5443), ``ApiServerServerName``
  (default ``<service>.<namespace>.svc.cluster.local``): the name checked on the server's certificate.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

from ..errors import MAX_MESSAGE_CHARS, HandlerError
from ..kube.client import KubeClient, Urllib3Transport
from ..kube.connection import KarmadaTransport, TlsMaterial, read_admin_tls
from ..kube.eks_auth import TokenGenerator, describe_cluster
from ..kube.errors import (
    ApiError,
    ClusterNotFoundError,
    KindNotServedError,
    KubeError,
    RetryExhaustedError,
    SecretNotReadyError,
    ServiceGoneError,
    TlsVerificationError,
)
from ..kube.retry import Backoff, Deadline, call_with_retry
from ..provider_framework import CREATE_FAILED_MARKER, is_transient_api_error
from . import properties as keys
from .errors import ControlPlaneGone, KarmadaManifestError, OwnershipError, SourceError, SourceUnavailableError
from .manifest_source import DEFAULT_WEBHOOK_SERVICE, SourceSpec, fetch_url, load_source, render_patch
from .yaml_docs import ObjectIdentity

logger = logging.getLogger("karmada_manifest")
logger.setLevel(logging.INFO)

DEFAULT_BUDGET_SECONDS = 480.0  # waiting for a freshly deployed control plane
SAFETY_MARGIN_SECONDS = 30.0  # leave time to report an error before the Lambda times out
KIND_WAIT_SECONDS = 60.0  # a kind may appear in discovery shortly after its CRD is created
DOWNLOAD_RETRY_SECONDS = 120.0
PATCH_MANAGER_SUFFIX = "-patches"


# ---- properties -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Properties:
    """ResourceProperties, parsed and checked (CloudFormation delivers every value as a string)."""

    cluster_name: str
    manifest: tuple
    source: Optional[SourceSpec]
    overwrite: bool
    field_manager: str
    admin_secret_namespace: str
    admin_secret_name: str
    api_server_namespace: str
    api_server_service: str
    api_server_port: int
    api_server_server_name: str

    @classmethod
    def parse(cls, raw: Optional[dict]) -> "Properties":
        raw = raw or {}
        cluster_name = _text(raw, keys.CLUSTER_NAME)
        if not cluster_name:
            raise KarmadaManifestError(f"{keys.CLUSTER_NAME} is required")
        namespace = _text(raw, keys.API_SERVER_NAMESPACE) or "karmada-system"
        service = _text(raw, keys.API_SERVER_SERVICE) or "karmada-apiserver"
        try:
            port = int(_text(raw, keys.API_SERVER_PORT) or "5443")
        except ValueError:
            raise KarmadaManifestError(f"{keys.API_SERVER_PORT} must be a number, not {raw.get(keys.API_SERVER_PORT)!r}")
        secret_name = _text(raw, keys.ADMIN_SECRET_NAME)
        if not secret_name:
            raise KarmadaManifestError(f"{keys.ADMIN_SECRET_NAME} is required")
        source = None
        if _text(raw, keys.SOURCE):
            try:
                source = SourceSpec.from_json(_text(raw, keys.SOURCE))
            except SourceError as err:
                raise KarmadaManifestError(str(err)) from err
        return cls(
            cluster_name=cluster_name,
            manifest=tuple(_parse_manifest(raw.get(keys.MANIFEST))),
            source=source,
            overwrite=_boolean(raw, keys.OVERWRITE, False),
            field_manager=_text(raw, keys.FIELD_MANAGER) or "eks-karmada",
            admin_secret_namespace=_text(raw, keys.ADMIN_SECRET_NAMESPACE) or namespace,
            admin_secret_name=secret_name,
            api_server_namespace=namespace,
            api_server_service=service,
            api_server_port=port,
            api_server_server_name=_text(raw, keys.API_SERVER_SERVER_NAME) or f"{service}.{namespace}.svc.cluster.local",
        )


def _text(raw: dict, key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value).strip()


def _boolean(raw: dict, key: str, default: bool) -> bool:
    value = _text(raw, key).lower()
    if not value:
        return default
    if value in ("true", "false"):
        return value == "true"
    raise KarmadaManifestError(f"{key} must be \"true\" or \"false\", not {raw.get(key)!r}")


def _parse_manifest(value: Any) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as err:
            raise KarmadaManifestError(f"Manifest is not valid JSON: {err}") from err
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise KarmadaManifestError("Manifest must be a JSON list of Kubernetes objects")
    objects = []
    for index, obj in enumerate(value):
        where = f"Manifest[{index}]"
        if not isinstance(obj, dict):
            raise KarmadaManifestError(f"{where} is not an object")
        metadata = obj.get("metadata") or {}
        if not obj.get("apiVersion") or not obj.get("kind") or not metadata.get("name"):
            raise KarmadaManifestError(f"{where} needs apiVersion, kind and metadata.name")
        objects.append(obj)
    return objects


# ---- desired objects ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Desired:
    """One object to apply: its identity, its body (dict → JSON, str → YAML) and its origin."""

    identity: ObjectIdentity
    body: Any
    origin: str
    patch: bool = False

    def describe(self, namespace: Optional[str] = None) -> str:
        """``Kind namespace/name (apiVersion)``; ``namespace`` is the effective one once known."""
        ident = self.identity
        if namespace is not None:
            ident = ObjectIdentity(ident.api_version, ident.kind, ident.name, namespace or None)
        return f"{ident.describe()} ({ident.api_version})"


# Rendered into Karmada API objects at synth (charts/karmada/bootstrap.py); replaced here by
# base64 of the admin Secret's ca.crt, the CA that signed the Karmada serving certificates.
CA_BUNDLE_PLACEHOLDER = "${Karmada.CaBundle}"


def _manifest_objects(props: Properties) -> list[Desired]:
    desired = []
    for index, obj in enumerate(props.manifest):
        metadata = obj.get("metadata") or {}
        identity = ObjectIdentity(obj["apiVersion"], obj["kind"], metadata["name"], metadata.get("namespace") or None)
        desired.append(Desired(identity, obj, f"Manifest[{index}]"))
    return desired


# ---- runtime (what tests replace) -------------------------------------------------------------


@dataclass
class Runtime:
    """The outside world: AWS, the network, time. Tests pass fakes."""

    parent_transport: Callable[[str], Any]  # cluster name -> transport to its EKS API
    karmada_transport: Callable[[str, int, TlsMaterial, str], Any]  # pod address, port, tls, TLS name
    fetch: Callable[[str], bytes] = fetch_url
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    backoff: Backoff = Backoff()

    @classmethod
    def default(cls) -> "Runtime":
        return cls(parent_transport=_eks_transport, karmada_transport=_karmada_pod_transport)


def _eks_transport(cluster_name: str) -> Urllib3Transport:
    import boto3  # the Lambda runtime has it; imported late so unit tests need no AWS setup

    session = boto3.session.Session()
    cluster = describe_cluster(session.client("eks"), cluster_name)
    tokens = TokenGenerator(session.client("sts"), cluster_name)
    return Urllib3Transport(cluster.host, cluster.port, ca_pem=cluster.ca_pem, token_provider=tokens)


def _karmada_pod_transport(address: str, port: int, tls: TlsMaterial, server_name: str) -> Urllib3Transport:
    return Urllib3Transport(
        address,
        port,
        ca_pem=tls.ca_pem,
        server_hostname=server_name,
        client_cert_pem=tls.cert_pem,
        client_key_pem=tls.key_pem,
    )


# ---- entry point ------------------------------------------------------------------------------


def on_event(event: dict, context: Any) -> dict:
    """Lambda entry point (CDK Provider ``on_event``)."""
    # botocore's DEBUG lines include the canonical request of the presigned token URL (with the
    # session token): keep them out even if the function's log level is set to DEBUG.
    logging.getLogger("botocore").setLevel(max(logging.INFO, logging.getLogger("botocore").level))
    return handle(event, context, Runtime.default())


def handle(event: dict, context: Any, runtime: Runtime) -> dict:
    """Process one CloudFormation event with the given runtime."""
    request_type = event.get("RequestType")
    if request_type not in ("Create", "Update", "Delete"):
        raise KarmadaManifestError(f"unknown RequestType {request_type!r}")
    logical_id = event.get("LogicalResourceId", "")
    physical_id = event.get("PhysicalResourceId")
    if request_type == "Delete" and physical_id == CREATE_FAILED_MARKER:
        logger.info("Delete of %s whose Create failed: nothing to delete", logical_id)
        return {"PhysicalResourceId": physical_id}

    props = Properties.parse(event.get("ResourceProperties"))
    old_props = None
    if request_type == "Update":
        try:
            old_props = Properties.parse(event.get("OldResourceProperties"))
        except KarmadaManifestError as err:
            logger.warning("cannot read OldResourceProperties (%s): nothing will be pruned", err)

    if request_type == "Create" or (old_props is not None and old_props.cluster_name != props.cluster_name):
        # A new parent cluster is a replacement: a new id makes CloudFormation delete the old
        # resource (with its old properties, so on the old cluster) once the update succeeds.
        new_id = _physical_id(event, props.cluster_name)
        if request_type == "Update":
            logger.info("ClusterName changed: replacing %s with %s", physical_id, new_id)
            old_props = None
        physical_id = new_id

    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    budget = runtime.budget_seconds
    if callable(remaining_ms):
        budget = max(0.0, min(budget, remaining_ms() / 1000.0 - SAFETY_MARGIN_SECONDS))
    run = _Run(props, runtime, Deadline(budget, runtime.clock), deleting=request_type == "Delete")
    logger.info(
        "%s %s (%s): cluster %s, Karmada API %s/%s:%d, field manager %s, overwrite %s",
        request_type, logical_id, physical_id, props.cluster_name, props.api_server_namespace,
        props.api_server_service, props.api_server_port, props.field_manager, props.overwrite,
    )
    try:
        count = run.delete_all() if request_type == "Delete" else run.apply_all(old_props)
    except HandlerError:
        raise
    except Exception as err:  # noqa: BLE001 - anything else still reaches CloudFormation, short
        logger.exception("%s failed", request_type)
        raise KarmadaManifestError(f"{request_type} failed: {type(err).__name__}: {err}") from err
    finally:
        run.close()
    return {"PhysicalResourceId": physical_id, "Data": {"ObjectCount": str(count)}}


def _physical_id(event: dict, cluster_name: str) -> str:
    logical_id = event.get("LogicalResourceId") or "KarmadaManifest"
    seed = "|".join([event.get("StackId") or event.get("RequestId") or "", logical_id, cluster_name])
    return f"{logical_id}-{hashlib.sha256(seed.encode()).hexdigest()[:16]}"


# ---- one invocation ---------------------------------------------------------------------------


class _Run:
    """State of one invocation: the clients, the discovery cache, the time budget."""

    def __init__(self, props: Properties, runtime: Runtime, deadline: Deadline, deleting: bool) -> None:
        self.props = props
        self.runtime = runtime
        self.deadline = deadline
        self.deleting = deleting
        self._parent: Optional[KubeClient] = None
        self._karmada: Optional[KubeClient] = None
        self._karmada_transport: Optional[KarmadaTransport] = None
        self._tls: Optional[TlsMaterial] = None

    # -- retries
    def _retry_window(self, error: BaseException) -> Optional[float]:
        if isinstance(error, TlsVerificationError):
            return None
        if isinstance(error, SourceUnavailableError):
            return 0.0 if self.deleting else DOWNLOAD_RETRY_SECONDS
        if isinstance(error, ServiceGoneError) and self.deleting:
            return None  # handled by the caller: the control plane is gone
        if isinstance(error, (ConnectionError, TimeoutError)):
            return math.inf
        if isinstance(error, SecretNotReadyError):
            return None if self.deleting else math.inf
        if isinstance(error, KindNotServedError):
            return None if self.deleting else KIND_WAIT_SECONDS
        if isinstance(error, ApiError) and is_transient_api_error(error.code, error.message):
            return math.inf
        return None

    def retry(self, operation: Callable[[], Any], what: str) -> Any:
        def forget(error: BaseException) -> None:
            # After connection failures, look the pods up again: they may have been replaced.
            if self._karmada_transport is not None and isinstance(error, (ConnectionError, TimeoutError)):
                self._karmada_transport.forget()

        return call_with_retry(
            operation,
            what=what,
            retry_window=self._retry_window,
            deadline=self.deadline,
            sleep=self.runtime.sleep,
            backoff=self.runtime.backoff,
            on_retry=forget,
        )

    # -- connections
    def parent(self) -> KubeClient:
        if self._parent is None:
            self._parent = KubeClient(self.runtime.parent_transport(self.props.cluster_name))
        return self._parent

    def tls(self) -> TlsMaterial:
        """The admin client certificate (waits for cert-manager on Create/Update)."""
        if self._tls is None:
            p = self.props
            what = f"read Secret {p.admin_secret_namespace}/{p.admin_secret_name} in EKS cluster {p.cluster_name}"
            try:
                self._tls = self.retry(
                    lambda: read_admin_tls(self.parent(), p.admin_secret_namespace, p.admin_secret_name),
                    what=what,
                )
            except SecretNotReadyError:
                raise  # Delete treats it as "control plane gone"
            except (ApiError, RetryExhaustedError, ConnectionError, TimeoutError, TlsVerificationError) as err:
                hint = ""
                if isinstance(err, ApiError) and err.code in (401, 403):
                    hint = " (check the Lambda role's EKS access entry and its access to this Secret)"
                raise KarmadaManifestError(f"Failed to {what}: {err}{hint}") from err
        return self._tls

    def karmada(self) -> KubeClient:
        if self._karmada is None:
            p = self.props
            self._karmada_transport = KarmadaTransport(
                self.parent(),
                self.tls(),
                p.api_server_namespace,
                p.api_server_service,
                p.api_server_port,
                p.api_server_server_name,
                self.runtime.karmada_transport,
            )
            self._karmada = KubeClient(self._karmada_transport)
        return self._karmada

    def close(self) -> None:
        if self._karmada_transport is not None:
            self._karmada_transport.close()
        if self._parent is not None:
            self._parent.close()

    # -- what to apply
    def source_bundle(self, spec: SourceSpec):
        return self.retry(lambda: load_source(spec, self.runtime.fetch), what=f"download {spec.url}")

    def desired(self, props: Properties) -> list[Desired]:
        """Source documents (then their rendered patches), then Manifest objects, in order."""
        desired: list[Desired] = []
        if props.source is not None:
            bundle = self.source_bundle(props.source)
            desired.extend(Desired(doc.identity, doc.text, doc.origin) for doc in bundle.documents)
            logger.info("Source %s: %d documents, %d patches", props.source.url, len(bundle.documents),
                        len(bundle.patches))
            if bundle.patches:
                # The patches' {{placeholders}}: the webhook Service (default karmada-webhook in the
                # control plane's namespace) and the CA that signed it, read at run time.
                values = {"name": DEFAULT_WEBHOOK_SERVICE, "namespace": props.api_server_namespace}
                values.update(props.source.patch_values)
                values["caBundle"] = base64.b64encode(self.tls().ca_pem).decode("ascii")
                for patch in bundle.patches:
                    rendered = render_patch(patch, values)
                    desired.append(Desired(rendered.identity, rendered.text, rendered.origin, patch=True))
        manifest = _manifest_objects(props)
        if any(CA_BUNDLE_PLACEHOLDER in json.dumps(item.body) for item in manifest):
            # Webhook configurations, APIServices and cluster-info carry the Karmada CA, known only at run time.
            ca_bundle = base64.b64encode(self.tls().ca_pem).decode("ascii")
            manifest = [
                Desired(item.identity, json.loads(json.dumps(item.body).replace(CA_BUNDLE_PLACEHOLDER, ca_bundle)),
                        item.origin)
                for item in manifest
            ]
        desired.extend(manifest)
        return desired

    # -- Create / Update
    def apply_all(self, old_props: Optional[Properties]) -> int:
        props = self.props
        if props.source is None and not props.manifest:
            logger.warning("neither Manifest nor Source has objects: nothing to apply")
        try:
            desired = self.desired(props)
        except (SourceError, RetryExhaustedError) as err:
            raise KarmadaManifestError(f"Source: {err}") from err
        applied_keys = []
        for item in desired:
            key = self._apply_one(item)
            if not item.patch:
                applied_keys.append(key)
        if old_props is not None:
            self._prune(old_props, set(applied_keys))
        return len(applied_keys)

    def _apply_one(self, item: Desired) -> tuple:
        props = self.props
        ident = item.identity
        manager = props.field_manager + (PATCH_MANAGER_SUFFIX if item.patch else "")
        holder: dict = {}

        def attempt() -> None:
            client = self.karmada()
            resource = client.resource_for(ident.api_version, ident.kind)
            namespace = (ident.namespace or "default") if resource.namespaced else None
            holder["key"] = (resource.group, resource.kind, namespace or "", ident.name)
            holder["namespace"] = namespace or ""
            if not props.overwrite and not item.patch:
                existing = client.get(resource, ident.name, namespace)
                if existing is not None:
                    entries = existing.get("metadata", {}).get("managedFields") or []
                    managers = sorted({entry.get("manager", "") for entry in entries})
                    if props.field_manager not in managers:
                        raise OwnershipError(
                            f"it already exists and is not managed by field manager {props.field_manager!r} "
                            f"(managers: {', '.join(managers) or 'none'}); set overwrite to true to take it over"
                        )
            client.apply(resource, ident.name, namespace, item.body, manager, force=props.overwrite)

        verb = "patch" if item.patch else "apply"
        self._run_object(attempt, verb, item, holder)
        logger.info("%s %s: ok (%s)", "patched" if item.patch else "applied",
                    item.describe(holder["namespace"]), item.origin)
        return holder["key"]

    def _prune(self, old_props: Properties, keep: set) -> None:
        """Delete what the old properties listed and the new ones no longer do (after the applies)."""
        old_desired = _manifest_objects(old_props)
        # An unchanged Source yields the documents just applied: nothing of it to prune.
        if old_props.source is not None and old_props.source != self.props.source:
            try:
                bundle = self.source_bundle(old_props.source)
                old_desired = [Desired(d.identity, d.text, d.origin) for d in bundle.documents] + old_desired
            except (SourceError, RetryExhaustedError, ConnectionError) as err:
                logger.warning("cannot read the previous Source (%s): its objects are not pruned", err)
        for item in reversed(old_desired):
            self._delete_one(item, keep=keep, verb="prune")

    # -- Delete
    def delete_all(self) -> int:
        props = self.props
        desired = _manifest_objects(props)
        if props.source is not None:
            try:
                bundle = self.source_bundle(props.source)
                desired = [Desired(d.identity, d.text, d.origin) for d in bundle.documents] + desired
            except (SourceError, RetryExhaustedError, ConnectionError) as err:
                logger.warning("cannot read Source %s (%s): its objects are left in place", props.source.url, err)
        if not desired:
            logger.info("no objects to delete")
            return 0
        try:
            self.parent()
            self.tls()
        except ClusterNotFoundError as err:
            logger.warning("%s: treating its objects as deleted", err)
            return 0
        except SecretNotReadyError as err:
            logger.warning("%s: the control plane is gone; treating its objects as deleted", err)
            return 0
        deleted = 0
        for item in reversed(desired):
            try:
                if self._delete_one(item, keep=set(), verb="delete"):
                    deleted += 1
            except ControlPlaneGone as gone:
                logger.warning("%s: treating the remaining objects as deleted", gone)
                break
        return deleted

    def _delete_one(self, item: Desired, *, keep: set, verb: str) -> bool:
        ident = item.identity
        holder: dict = {"deleted": False, "skip": False}

        def attempt() -> None:
            client = self.karmada()
            try:
                resource = client.resource_for(ident.api_version, ident.kind)
            except KindNotServedError:
                holder["skip"] = "its kind is no longer served: treated as deleted"
                return
            namespace = (ident.namespace or "default") if resource.namespaced else None
            holder["namespace"] = namespace or ""
            if (resource.group, resource.kind, namespace or "", ident.name) in keep:
                holder["skip"] = "kept"
                return
            holder["deleted"] = client.delete(resource, ident.name, namespace)

        try:
            self._run_object(attempt, verb, item, holder)
        except KarmadaManifestError as err:
            if isinstance(err.__cause__, ServiceGoneError):
                raise ControlPlaneGone(str(err.__cause__)) from err
            raise
        if holder["skip"] == "kept":
            return False
        described = item.describe(holder.get("namespace"))
        if holder["skip"]:
            logger.info("%s %s: %s", verb, described, holder["skip"])
        elif holder["deleted"]:
            logger.info("%s %s: deleted", verb, described)
        else:
            logger.info("%s %s: already absent", verb, described)
        return bool(holder["deleted"])

    def _run_object(self, attempt: Callable[[], None], verb: str, item: Desired, holder: dict) -> None:
        """Run a per-object attempt with retries; turn any failure into a reported error.

        ``holder["namespace"]`` is the effective namespace once discovery has told the scope.
        """
        try:
            self.retry(attempt, what=f"{verb} {item.describe()}")
        except ClusterNotFoundError:
            raise  # not this object's failure: handle() reports it as "<RequestType> failed: ..."
        except (KubeError, OwnershipError, ConnectionError, TimeoutError) as err:
            what = f"{verb} {item.describe(holder.get('namespace'))}"
            raise KarmadaManifestError(f"Failed to {what} [{item.origin}]: {err}") from err
