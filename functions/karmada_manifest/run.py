"""One run of a ``KarmadaManifest`` event: apply (and prune), or delete, with retries in a time budget.

``Runtime`` is the outside world (AWS, the network, time) that tests replace; ``Run`` holds one
invocation's clients, discovery cache and deadline, and the objects it applied (``Applied``, what
rollback.py undoes when a Create fails).
"""

from __future__ import annotations

import base64
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ..kube.ca_bundle import CA_BUNDLE_CONFIGMAP, publish_ca_bundle, read_ca_bundle
from ..kube.client import KubeClient, Resource
from ..kube.connection import BearerAuth, KarmadaAuth, KarmadaTransport, TlsMaterial, read_admin_tls
from ..kube.errors import (
    ApiError,
    ClusterNotFoundError,
    KeptChangingError,
    KindNotServedError,
    KubeError,
    RetryExhaustedError,
    SecretNotReadyError,
    ServiceGoneError,
    TlsVerificationError,
)
from ..kube.retry import Backoff, Deadline, call_with_retry
from ..kube.transports import eks_transport, karmada_pod_transport, karmada_tokens
from ..provider_framework import is_transient_api_error
from .desired import CA_BUNDLE_PLACEHOLDER, Desired, manifest_objects
from .errors import (
    ControlPlaneGoneError,
    KarmadaManifestError,
    OwnershipError,
    SourceError,
    SourceUnavailableError,
    YamlSubsetError,
)
from .manifest_source import DEFAULT_WEBHOOK_SERVICE, SourceSpec, fetch_source, load_source, render_patch
from .ownership import owned_body, owner_of
from .properties import Properties

T = TypeVar("T")

logger = logging.getLogger("karmada_manifest")

DEFAULT_BUDGET_SECONDS = 480.0  # waiting for a freshly deployed control plane
KIND_WAIT_SECONDS = 60.0  # a kind may appear in discovery shortly after its CRD is created
# A role the Karmada API's aws-iam-authenticator does not map yet gets 401 until the karmada-apiserver pods that
# read the new mapping serve (a new handler role in a deploy rolls them, and nothing waits for that rollout).
ROLE_MAPPING_WAIT_SECONDS = 300.0
DOWNLOAD_RETRY_SECONDS = 120.0
PATCH_MANAGER_SUFFIX = "-patches"
DELETE_CONFLICT_ATTEMPTS = 5  # reads and deletes of an object that keeps changing in between
DELETED = "deleted"
ABSENT = "already absent"


@dataclass
class Runtime:
    """The outside world: AWS, the network, time. Tests pass fakes."""

    parent_transport: Callable[[str], Any]  # cluster name -> transport to its EKS API
    karmada_transport: Callable[[str, int, KarmadaAuth, str], Any]  # pod address, port, auth, TLS name
    fetch: Callable[[str], bytes] = fetch_source
    # Karmada cluster id -> the Lambda's own IAM tokens for the Karmada API (aws-iam-authenticator)
    karmada_tokens: Callable[[str], Callable[[], str]] = karmada_tokens
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    budget_seconds: float = DEFAULT_BUDGET_SECONDS
    backoff: Backoff = Backoff()

    @classmethod
    def default(cls) -> Runtime:
        return cls(parent_transport=eks_transport, karmada_transport=karmada_pod_transport)


@dataclass(frozen=True)
class Applied:
    """One object a run applied: where it is, with which field manager, and whether the run created it."""

    item: Desired
    resource: Resource
    namespace: str | None  # None for a cluster-scoped object
    manager: str
    created: bool  # absent when read just before this run's apply (read only when the run records creations)

    @property
    def key(self) -> tuple:
        return (self.resource.group, self.resource.kind, self.namespace or "", self.item.identity.name)

    def describe(self) -> str:
        return self.item.describe(self.namespace or "")


class Run:
    """State of one invocation: the clients, the discovery cache, the time budget, what it applied.

    ``record_creations`` (a Create) reads each object before applying it, so that ``applied`` tells the
    objects this run created from those that were already there. ``owner`` is the custom resource's
    PhysicalResourceId: the value of the owner annotation (ownership.py) on what it applies, and the
    only owner whose objects it deletes.
    """

    def __init__(self, props: Properties, runtime: Runtime, deadline: Deadline, deleting: bool,
                 record_creations: bool = False, *, owner: str) -> None:
        if not owner:
            raise ValueError("a run needs its owner, the custom resource's PhysicalResourceId")
        self.props = props
        self.owner = owner
        self.runtime = runtime
        self.deadline = deadline
        self.deleting = deleting
        self.record_creations = record_creations
        self.applied: list[Applied] = []
        self._parent: KubeClient | None = None
        self._karmada: KubeClient | None = None
        self._karmada_transport: KarmadaTransport | None = None
        self._tls: TlsMaterial | None = None
        self._bearer: BearerAuth | None = None

    # -- retries
    def _retry_window(self, error: BaseException) -> float | None:
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
            # Only an apply sees it: _delete_one treats a kind no longer served as deleted, without retrying.
            return KIND_WAIT_SECONDS
        if isinstance(error, ApiError) and is_transient_api_error(error.code, error.message):
            return math.inf
        if (isinstance(error, ApiError) and error.code == 401 and self.props.karmada_cluster_id
                and not self.deleting):
            return ROLE_MAPPING_WAIT_SECONDS
        return None

    def retry(self, operation: Callable[[], T], what: str, deadline: Deadline | None = None) -> T:
        """Run ``operation`` with retries until the run's deadline (or ``deadline``, e.g. a rollback's)."""
        # After a connection failure the pods are looked up again: KarmadaTransport forgets them itself
        # when none of them answers (functions/kube/connection.py).
        return call_with_retry(
            operation,
            what=what,
            retry_window=self._retry_window,
            deadline=deadline or self.deadline,
            sleep=self.runtime.sleep,
            backoff=self.runtime.backoff,
        )

    # -- connections
    def parent(self) -> KubeClient:
        if self._parent is None:
            self._parent = KubeClient(self.runtime.parent_transport(self.props.cluster_name))
        return self._parent

    def _from_parent(self, what: str, read: Callable[[], T], kind: str) -> T:
        """``read()`` with retries; a failure as one error naming ``what`` (on 401/403: the access to check)."""
        try:
            return self.retry(read, what=what)
        except SecretNotReadyError:
            raise  # Delete treats it as "control plane gone"
        except (ApiError, RetryExhaustedError, ConnectionError, TimeoutError, TlsVerificationError) as err:
            hint = ""
            if isinstance(err, ApiError) and err.code in (401, 403):
                hint = f" (check the Lambda role's EKS access entry and its access to this {kind})"
            raise KarmadaManifestError(f"Failed to {what}: {err}{hint}") from err

    def tls(self) -> TlsMaterial:
        """The admin client certificate (waits for cert-manager on Create/Update)."""
        if self._tls is None:
            p = self.props
            self._tls = self._from_parent(
                f"read Secret {p.admin_secret_namespace}/{p.admin_secret_name} in EKS cluster {p.cluster_name}",
                lambda: read_admin_tls(self.parent(), p.admin_secret_namespace, p.admin_secret_name), "Secret")
            if not self.deleting:
                # People's kubeconfigs verify the Karmada API with this CA (functions/kube/ca_bundle.py).
                ca_pem = self._tls.ca_pem
                self.retry(lambda: publish_ca_bundle(self.parent(), p.admin_secret_namespace, ca_pem),
                           what=f"publish the Karmada CA in EKS cluster {p.cluster_name}")
        return self._tls

    def bearer(self) -> BearerAuth:
        """The handler's own IAM role's tokens, and the Karmada CA the bootstrap published (waits for it)."""
        if self._bearer is None:
            p = self.props
            ca_pem = self._from_parent(
                f"read ConfigMap {p.api_server_namespace}/{CA_BUNDLE_CONFIGMAP} in EKS cluster {p.cluster_name}",
                lambda: read_ca_bundle(self.parent(), p.api_server_namespace), "ConfigMap")
            self._bearer = BearerAuth(ca_pem=ca_pem, token_provider=self.runtime.karmada_tokens(p.karmada_cluster_id))
        return self._bearer

    def auth(self) -> KarmadaAuth:
        """How this handler signs in: its role's tokens, or (the bootstrap provider only) the admin certificate."""
        return self.tls() if self.props.admin_secret_name else self.bearer()

    def ca_pem(self) -> bytes:
        return self.auth().ca_pem

    def karmada(self) -> KubeClient:
        if self._karmada is None:
            p = self.props
            self._karmada_transport = KarmadaTransport(
                self.parent(),
                self.auth(),
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
                values["caBundle"] = base64.b64encode(self.ca_pem()).decode("ascii")
                for patch in bundle.patches:
                    rendered = render_patch(patch, values)
                    desired.append(Desired(rendered.identity, rendered.text, rendered.origin, patch=True))
        manifest = manifest_objects(props)
        if any(CA_BUNDLE_PLACEHOLDER in json.dumps(item.body) for item in manifest):
            # Webhook configurations, APIServices and cluster-info carry the Karmada CA, known only at run time.
            ca_bundle = base64.b64encode(self.ca_pem()).decode("ascii")
            manifest = [
                Desired(item.identity, json.loads(json.dumps(item.body).replace(CA_BUNDLE_PLACEHOLDER, ca_bundle)),
                        item.origin)
                for item in manifest
            ]
        desired.extend(manifest)
        return desired

    # -- Create / Update
    def apply_all(self, old_props: Properties | None) -> int:
        props = self.props
        if props.source is None and not props.manifest:
            logger.warning("neither Manifest nor Source has objects: nothing to apply")
        try:
            desired = self.desired(props)
        except (SourceError, RetryExhaustedError) as err:
            raise KarmadaManifestError(f"Source: {err}") from err
        desired = [self._owned(item) for item in desired]  # before any apply: a document it fails on fails early
        applied_keys = []
        for item in desired:
            applied = self._apply_one(item)
            self.applied.append(applied)
            if not item.patch:
                applied_keys.append(applied.key)
        if old_props is not None:
            self._prune(old_props, set(applied_keys))
        return len(applied_keys)

    def _owned(self, item: Desired) -> Desired:
        """``item`` with the owner annotation; a patch as it is (it changes an object another party owns)."""
        if item.patch:
            return item
        try:
            return Desired(item.identity, owned_body(item.body, self.owner), item.origin)
        except YamlSubsetError as err:
            raise KarmadaManifestError(f"Failed to apply {item.describe()} [{item.origin}]: "
                                       f"cannot add the annotation that names its owner: {err}") from err

    def _apply_one(self, item: Desired) -> Applied:
        props = self.props
        ident = item.identity
        manager = props.field_manager + (PATCH_MANAGER_SUFFIX if item.patch else "")
        check_owner = not props.overwrite and not item.patch
        created_keys = {applied.key for applied in self.applied if applied.created}
        holder: dict = {}
        # Once an attempt has found the object absent, a retry that finds it found its own apply (whose
        # answer was lost): the object is still this run's creation.
        seen_absent = False

        def attempt() -> Applied:
            nonlocal seen_absent
            client = self.karmada()
            resource = client.resource_for(ident.api_version, ident.kind)
            namespace = (ident.namespace or "default") if resource.namespaced else None
            holder["namespace"] = namespace or ""
            key = (resource.group, resource.kind, namespace or "", ident.name)
            # A patch on an object this run created needs no read: a rollback deletes that object.
            if check_owner or (self.record_creations and key not in created_keys):
                existing = client.get(resource, ident.name, namespace)
                seen_absent = seen_absent or existing is None
                if check_owner and existing is not None:
                    # The field manager is shared by every KarmadaManifest: the annotation tells them apart.
                    other = owner_of(existing)
                    if other and other != self.owner:
                        raise OwnershipError(f"it is applied by KarmadaManifest {other}; "
                                             "set overwrite to true to take it over")
                    entries = existing["metadata"].get("managedFields") or []
                    managers = sorted({entry.get("manager", "") for entry in entries})
                    if props.field_manager not in managers:
                        raise OwnershipError(
                            f"it already exists and is not managed by field manager {props.field_manager!r} "
                            f"(managers: {', '.join(managers) or 'none'}); set overwrite to true to take it over"
                        )
            client.apply(resource, ident.name, namespace, item.body, manager, force=props.overwrite)
            return Applied(item, resource, namespace, manager, created=self.record_creations and seen_absent)

        verb = "patch" if item.patch else "apply"
        applied = self._run_object(attempt, verb, item, holder)
        logger.info("%s %s: ok (%s)", "patched" if item.patch else "applied",
                    item.describe(holder["namespace"]), item.origin)
        return applied

    def _prune(self, old_props: Properties, keep: set) -> None:
        """Delete what the old properties listed and the new ones no longer do (after the applies)."""
        old_desired = manifest_objects(old_props)
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
        desired = manifest_objects(props)
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
            self.auth()
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
            except ControlPlaneGoneError as gone:
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
            outcome = self.delete_if_owned(resource, ident.name, namespace)
            holder["deleted"] = outcome == DELETED
            if outcome not in (DELETED, ABSENT):
                holder["skip"] = outcome

        try:
            self._run_object(attempt, verb, item, holder)
        except KarmadaManifestError as err:
            if isinstance(err.__cause__, ServiceGoneError):
                raise ControlPlaneGoneError(str(err.__cause__)) from err
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

    def delete_if_owned(self, resource: Resource, name: str, namespace: str | None) -> str:
        """Delete one object unless another KarmadaManifest now applies it (its owner annotation names it).

        Returns DELETED, ABSENT, or ``now applied by <other>: left in place``. An object with no annotation
        (applied before it existed) is ours. The delete is conditional on the version read, so that an
        object another resource applies in between is read again rather than deleted.
        """
        client = self.karmada()
        for _ in range(DELETE_CONFLICT_ATTEMPTS):
            existing = client.get(resource, name, namespace)
            if existing is None:
                return ABSENT
            other = owner_of(existing)
            if other and other != self.owner:
                return f"now applied by {other}: left in place"
            version = (existing.get("metadata") or {}).get("resourceVersion")
            try:
                return DELETED if client.delete(resource, name, namespace, resource_version=version) else ABSENT
            except ApiError as err:
                if err.code != 409:
                    raise
        raise KeptChangingError(f"{resource.kind} {name} kept changing ({DELETE_CONFLICT_ATTEMPTS} conflicts)")

    def _run_object(self, attempt: Callable[[], T], verb: str, item: Desired, holder: dict) -> T:
        """Run a per-object attempt with retries; turn any failure into a reported error.

        ``holder["namespace"]`` is the effective namespace once discovery has told the scope.
        """
        try:
            return self.retry(attempt, what=f"{verb} {item.describe()}")
        except ClusterNotFoundError:
            raise  # not this object's failure: handle() reports it as "<RequestType> failed: ..."
        except (KubeError, OwnershipError, ConnectionError, TimeoutError) as err:
            what = f"{verb} {item.describe(holder.get('namespace'))}"
            hint = ""
            if self.props.karmada_cluster_id and _is_unauthorized(err):
                hint = (f" (the Karmada API does not map this function's role for cluster id "
                        f"{self.props.karmada_cluster_id}: check mapRoles in the karmada-iam-authenticator ConfigMap "
                        f"and that the karmada-apiserver pods rolled)")
            raise KarmadaManifestError(f"Failed to {what} [{item.origin}]: {err}{hint}") from err


def _is_unauthorized(error: BaseException) -> bool:
    """A 401, directly or as the last error of exhausted retries."""
    if isinstance(error, RetryExhaustedError):
        error = error.last_error
    return isinstance(error, ApiError) and error.code == 401
