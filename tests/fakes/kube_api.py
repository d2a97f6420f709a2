"""An in-process fake Kubernetes API server for unit tests.

``FakeKubeApi`` is a *transport*: call it as ``fake(method, path, headers, body)`` (``path`` with
its query string) and it answers with a ``FakeResponse`` (``status``, ``headers``, ``body``), the
way a real API server would over HTTP. Point any client whose transport is injectable at it; or
call ``serve()`` to put it behind a loopback HTTP server for clients that need a URL.

What it does:

* discovery (``/api``, ``/apis``, ``/api/v1``, ``/apis/<group>[/<version>]``) for the built-in
  groups core, apps, rbac, apiextensions, apiregistration, admissionregistration, discovery.k8s.io,
  coordination.k8s.io, and (``karmada=True``) Karmada's groups. Applying or creating a
  CustomResourceDefinition serves its kind; deleting it stops serving it (and drops its objects);
* an object store with GET, LIST (label/field selectors), POST, PUT, DELETE (with its uid and
  resourceVersion preconditions), JSON merge patch and server-side apply
  (``application/apply-patch+yaml``, JSON or YAML body) with per-manager
  ``managedFields``, shared ownership of equal values, 409 ``Conflict`` with the real message and
  causes when another manager owns a changed field and ``force`` is not true, ``force=true``
  taking ownership, removal of fields a manager stops applying, and resourceVersion bumped only
  on real changes (so re-applying is a no-op);
* the API server's Status bodies for its errors (404 NotFound, 409 AlreadyExists, 400, ...);
* a record of every request (``requests``) for assertions;
* ServiceAccount tokens: ``serviceaccounts/<name>/token`` (TokenRequest) issues a token bound to the ServiceAccount's
  uid, for ``expirationSeconds`` (at least 600; at most ``max_token_seconds`` when set, like
  ``--service-account-max-token-expiration``); a request bearing such a token is that ServiceAccount, and gets 401
  once it expires (``token_clock``, real time by default) or the ServiceAccount is deleted or re-created;
  ``selfsubjectreviews`` answers who the requester is (other requests are ``user``);
* failure injection with ``fail_next``: the next N matching requests get a real-shaped error
  (403 Forbidden with the RBAC wording, 404, 409 AlreadyExists/Conflict, 422 Invalid with causes,
  429 from priority-and-fairness, 500, 503) or raise an exception (e.g. ConnectionRefusedError).

Simplifications (good enough for tests): lists are atomic for field ownership (no list-map keys),
no admission, no defaulting, no watch, no conversion between versions, deletes are immediate.
"""

from __future__ import annotations

import copy
import datetime
import itertools
import json
import re
import threading
import urllib.parse
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = [
    "ApiResource",
    "BUILTIN_RESOURCES",
    "FakeKubeApi",
    "FakeResponse",
    "Injection",
    "KARMADA_RESOURCES",
    "RecordedRequest",
    "already_exists",
    "apply_conflict",
    "bad_request",
    "conflict",
    "forbidden",
    "internal_error",
    "invalid",
    "not_found",
    "path_not_found",
    "service_unavailable",
    "status_failure",
    "too_many_requests_text",
    "unauthorized",
]

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
APPLY_PATCH = "application/apply-patch+yaml"
MERGE_PATCHES = ("application/merge-patch+json", "application/strategic-merge-patch+json")


# ---- API resources ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiResource:
    """One served resource, as discovery lists it."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool = True
    short_names: tuple = ()
    subresources: tuple = ()
    custom: bool = False  # served from a CustomResourceDefinition
    verbs: tuple = ALL_VERBS

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def group_resource(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def group_kind(self) -> str:
        return f"{self.kind}.{self.group}" if self.group else self.kind


def _r(gv: str, kind: str, plural: str, namespaced: bool = True, short=(), sub=(), custom=False) -> ApiResource:
    group, _, version = gv.rpartition("/")
    return ApiResource(group, version, kind, plural, namespaced, tuple(short), tuple(sub), custom)


BUILTIN_RESOURCES: tuple[ApiResource, ...] = (
    _r("v1", "Namespace", "namespaces", False, ("ns",), ("status", "finalize")),
    _r("v1", "ConfigMap", "configmaps", short=("cm",)),
    _r("v1", "Secret", "secrets"),
    _r("v1", "Service", "services", short=("svc",), sub=("status", "proxy")),
    _r("v1", "ServiceAccount", "serviceaccounts", short=("sa",), sub=("token",)),
    _r("v1", "Endpoints", "endpoints", short=("ep",)),
    _r("v1", "Pod", "pods", short=("po",), sub=("status", "log", "exec")),
    _r("v1", "Event", "events", short=("ev",)),
    _r("v1", "PersistentVolumeClaim", "persistentvolumeclaims", short=("pvc",), sub=("status",)),
    _r("v1", "Node", "nodes", False, ("no",), ("status", "proxy")),
    _r("apps/v1", "Deployment", "deployments", short=("deploy",), sub=("status", "scale")),
    _r("apps/v1", "StatefulSet", "statefulsets", short=("sts",), sub=("status", "scale")),
    _r("apps/v1", "DaemonSet", "daemonsets", short=("ds",), sub=("status",)),
    _r("apps/v1", "ReplicaSet", "replicasets", short=("rs",), sub=("status", "scale")),
    _r("rbac.authorization.k8s.io/v1", "Role", "roles"),
    _r("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings"),
    _r("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", False),
    _r("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "clusterrolebindings", False),
    _r("apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions", False,
       ("crd", "crds"), ("status",)),
    _r("apiregistration.k8s.io/v1", "APIService", "apiservices", False, (), ("status",)),
    _r("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "mutatingwebhookconfigurations", False),
    _r("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "validatingwebhookconfigurations", False),
    _r("discovery.k8s.io/v1", "EndpointSlice", "endpointslices"),
    _r("coordination.k8s.io/v1", "Lease", "leases"),
    _r("authentication.k8s.io/v1", "SelfSubjectReview", "selfsubjectreviews", False),
)

# Karmada's API: cluster.karmada.io is served by karmada-aggregated-apiserver, the rest are CRDs.
KARMADA_RESOURCES: tuple[ApiResource, ...] = (
    _r("cluster.karmada.io/v1alpha1", "Cluster", "clusters", False, (), ("status", "proxy")),
    _r("policy.karmada.io/v1alpha1", "PropagationPolicy", "propagationpolicies", short=("pp",), custom=True),
    _r("policy.karmada.io/v1alpha1", "ClusterPropagationPolicy", "clusterpropagationpolicies", False, ("cpp",),
       custom=True),
    _r("policy.karmada.io/v1alpha1", "OverridePolicy", "overridepolicies", short=("op",), custom=True),
    _r("policy.karmada.io/v1alpha1", "ClusterOverridePolicy", "clusteroverridepolicies", False, ("cop",), custom=True),
    _r("policy.karmada.io/v1alpha1", "FederatedResourceQuota", "federatedresourcequotas", short=("frq",),
       sub=("status",), custom=True),
    _r("policy.karmada.io/v1alpha1", "ClusterTaintPolicy", "clustertaintpolicies", False, custom=True),
    _r("work.karmada.io/v1alpha1", "Work", "works", short=("wk",), sub=("status",), custom=True),
    _r("work.karmada.io/v1alpha1", "ResourceBinding", "resourcebindings", short=("rb",), sub=("status",), custom=True),
    _r("work.karmada.io/v1alpha1", "ClusterResourceBinding", "clusterresourcebindings", False, ("crb",),
       ("status",), custom=True),
    _r("work.karmada.io/v1alpha2", "ResourceBinding", "resourcebindings", short=("rb",), sub=("status",), custom=True),
    _r("work.karmada.io/v1alpha2", "ClusterResourceBinding", "clusterresourcebindings", False, ("crb",),
       ("status",), custom=True),
    _r("config.karmada.io/v1alpha1", "ResourceInterpreterCustomization", "resourceinterpretercustomizations",
       False, ("ric",), custom=True),
    _r("config.karmada.io/v1alpha1", "ResourceInterpreterWebhookConfiguration",
       "resourceinterpreterwebhookconfigurations", False, custom=True),
    _r("networking.karmada.io/v1alpha1", "MultiClusterIngress", "multiclusteringresses", short=("mci",),
       sub=("status",), custom=True),
    _r("networking.karmada.io/v1alpha1", "MultiClusterService", "multiclusterservices", short=("mcs",),
       sub=("status",), custom=True),
    _r("autoscaling.karmada.io/v1alpha1", "FederatedHPA", "federatedhpas", short=("fhpa",), sub=("status",),
       custom=True),
    _r("autoscaling.karmada.io/v1alpha1", "CronFederatedHPA", "cronfederatedhpas", short=("cronfhpa",),
       sub=("status",), custom=True),
    _r("apps.karmada.io/v1alpha1", "WorkloadRebalancer", "workloadrebalancers", False, sub=("status",), custom=True),
    _r("remedy.karmada.io/v1alpha1", "Remedy", "remedies", False, custom=True),
    _r("multicluster.x-k8s.io/v1alpha1", "ServiceExport", "serviceexports", sub=("status",), custom=True),
    _r("multicluster.x-k8s.io/v1alpha1", "ServiceImport", "serviceimports", sub=("status",), custom=True),
)


# ---- Status bodies (the API server's own wording) ----------------------------------------------


def status_failure(code: int, reason: str, message: str, details: dict | None = None) -> dict:
    """A ``Status`` failure body exactly as the API server serializes it."""
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason}
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


def _qualified(plural: str, group: str) -> str:
    return f"{plural}.{group}" if group else plural


def _details(name: str, group: str, kind: str) -> dict:
    details: dict = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    if kind:
        details["kind"] = kind
    return details


def not_found(plural: str, name: str, group: str = "") -> dict:
    """404: ``propagationpolicies.policy.karmada.io "nginx" not found``."""
    return status_failure(404, "NotFound", f'{_qualified(plural, group)} "{name}" not found',
                          _details(name, group, plural))


def path_not_found() -> dict:
    """404 for a path the server does not serve (unknown group, version or resource)."""
    return status_failure(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(plural: str, name: str, group: str = "") -> dict:
    """409: ``configmaps "x" already exists``."""
    return status_failure(409, "AlreadyExists", f'{_qualified(plural, group)} "{name}" already exists',
                          _details(name, group, plural))


def conflict(plural: str, name: str, group: str = "",
             detail: str = "the object has been modified; please apply your changes to the latest version and try "
                           "again") -> dict:
    """409 optimistic-concurrency conflict (update with a stale resourceVersion)."""
    return status_failure(409, "Conflict",
                          f'Operation cannot be fulfilled on {_qualified(plural, group)} "{name}": {detail}',
                          _details(name, group, plural))


def _print_manager(manager: str, operation: str, api_version: str) -> str:
    if operation == "Update":
        return f'"{manager}" using {api_version}'
    return f'"{manager}"'


def apply_conflict(conflicts: Iterable[tuple[str, str, str, str]]) -> dict:
    """409 server-side apply conflict; ``conflicts`` are (manager, operation, apiVersion, field)."""
    conflicts = list(conflicts)
    causes = [{"reason": "FieldManagerConflict", "message": f"conflict with {_print_manager(m, o, v)}", "field": f}
              for m, o, v, f in conflicts]
    if len(conflicts) == 1:
        m, o, v, f = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {_print_manager(m, o, v)}: {f}"
    else:
        by_manager: dict[str, list[str]] = {}
        for m, o, v, f in conflicts:
            by_manager.setdefault(_print_manager(m, o, v), []).append(f)
        parts = []
        for printed in sorted(by_manager):
            parts.append(f"conflicts with {printed}:")
            parts.extend(f"- {f}" for f in by_manager[printed])
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(parts)
    return status_failure(409, "Conflict", message, {"causes": causes})


def forbidden(plural: str, name: str = "", *, verb: str, user: str = "system:anonymous", group: str = "",
              namespace: str | None = None, subresource: str = "") -> dict:
    """403 with the RBAC authorizer's wording."""
    resource = f"{plural}/{subresource}" if subresource else plural
    if namespace:
        why = (f'User "{user}" cannot {verb} resource "{resource}" in API group "{group}" '
               f'in the namespace "{namespace}"')
    else:
        why = f'User "{user}" cannot {verb} resource "{resource}" in API group "{group}" at the cluster scope'
    qualified = _qualified(plural, group)
    message = f'{qualified} "{name}" is forbidden: {why}' if name else f"{qualified} is forbidden: {why}"
    return status_failure(403, "Forbidden", message, _details(name, group, plural))


def invalid(kind: str, name: str, causes: Iterable[dict], group: str = "") -> dict:
    """422: ``PropagationPolicy.policy.karmada.io "x" is invalid: spec.a: Required value``.

    Each cause is ``{"field": ..., "reason": "FieldValueRequired", "message": "Required value"}``
    (``reason`` defaults to FieldValueInvalid).
    """
    causes = [{"reason": c.get("reason", "FieldValueInvalid"), "message": c["message"], "field": c["field"]}
              for c in causes]
    errors = [f"{c['field']}: {c['message']}" for c in causes]
    qualified = f"{kind}.{group}" if group else kind
    if not errors:
        message = f'{qualified} "{name}" is invalid'
    elif len(errors) == 1:
        message = f'{qualified} "{name}" is invalid: {errors[0]}'
    else:
        message = f'{qualified} "{name}" is invalid: [{", ".join(errors)}]'
    details = _details(name, group, kind)
    details["causes"] = causes
    return status_failure(422, "Invalid", message, details)


def bad_request(message: str) -> dict:
    return status_failure(400, "BadRequest", message)


def unauthorized() -> dict:
    return status_failure(401, "Unauthorized", "Unauthorized")


def internal_error(message: str) -> dict:
    return status_failure(500, "InternalError", f"Internal error occurred: {message}",
                          {"causes": [{"message": message}]})


def service_unavailable(message: str = "the server is currently unable to handle the request") -> dict:
    return status_failure(503, "ServiceUnavailable", message)


def too_many_requests_text() -> str:
    """The priority-and-fairness filter answers 429 in plain text, with ``Retry-After: 1``."""
    return "Too many requests, please try again later.\n"


# ---- requests and responses -------------------------------------------------------------------


@dataclass
class FakeResponse:
    status: int
    headers: dict
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class RecordedRequest:
    """One request as the fake received it."""

    method: str
    path: str  # without the query string
    query: dict  # first value of each parameter
    headers: dict
    body: bytes | None

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None

    @property
    def content_type(self) -> str | None:
        value = self.header("Content-Type")
        return value.split(";")[0].strip() if value else None

    @property
    def text(self) -> str:
        return (self.body or b"").decode("utf-8")

    def parsed_body(self) -> Any:
        """The body as data: JSON, or YAML (server-side apply accepts both)."""
        if not self.body:
            return None
        return yaml.safe_load(self.text)

    def __repr__(self) -> str:
        query = ("?" + urllib.parse.urlencode(self.query)) if self.query else ""
        return f"<{self.method} {self.path}{query}>"


@dataclass
class Injection:
    """A rule that makes matching requests fail. ``remaining`` None means forever."""

    error: Any
    remaining: int | None
    method: str | None
    path: re.Pattern | None
    options: dict = field(default_factory=dict)
    hits: int = 0

    def matches(self, request: RecordedRequest) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method and self.method.upper() != request.method.upper():
            return False
        if self.path is not None and not self.path.search(request.path):
            return False
        return True


@dataclass
class _Route:
    kind: str  # "api", "apis", "group", "groupversion", "resource", "health", "version"
    group: str = ""
    version: str = ""
    resource: ApiResource | None = None
    namespace: str | None = None
    name: str | None = None
    subresource: str = ""


class _StatusError(Exception):
    def __init__(self, status: dict, headers: dict | None = None) -> None:
        super().__init__(status.get("message"))
        self.status = status
        self.headers = headers or {}


@dataclass
class _Managed:
    manager: str
    operation: str
    api_version: str
    time: str
    fields: set
    subresource: str = ""


# Fields no manager owns: identity and server-set metadata, and status on the main resource.
_UNOWNED = {
    ("apiVersion",), ("kind",), ("status",),
    ("metadata", "name"), ("metadata", "namespace"), ("metadata", "uid"), ("metadata", "resourceVersion"),
    ("metadata", "generation"), ("metadata", "creationTimestamp"), ("metadata", "managedFields"),
    ("metadata", "deletionTimestamp"), ("metadata", "selfLink"),
}


# ---- the fake server ---------------------------------------------------------------------------


class FakeKubeApi:
    """A fake API server. See the module docstring."""

    def __init__(
        self,
        resources: Iterable[ApiResource] | None = None,
        *,
        karmada: bool = False,
        user: str = "system:anonymous",
        strict_namespaces: bool = False,
        server_address: str = "10.0.0.1:443",
    ) -> None:
        """A fake API server; the options change what it serves.

        ``resources`` replaces the built-in set; ``karmada`` adds Karmada's groups; ``user`` is who the 403 messages
        name; ``strict_namespaces`` makes writes into a missing namespace fail with 404 as on a real cluster (off by
        default so tests need not create namespaces).
        """
        base = list(BUILTIN_RESOURCES if resources is None else resources)
        if karmada:
            base.extend(KARMADA_RESOURCES)
        self.user = user
        self.strict_namespaces = strict_namespaces
        self.server_address = server_address
        self.requests: list[RecordedRequest] = []
        self.injections: list[Injection] = []
        self._served: dict[tuple[str, str], dict[str, ApiResource]] = {}
        self._objects: dict[tuple[str, str, str, str], dict] = {}
        self._managed: dict[tuple[str, str, str, str], list[_Managed]] = {}
        self._rv = itertools.count(1000)
        self._last_rv = 1000
        self._lock = threading.RLock()
        self._epoch = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
        # TokenRequest: token -> (namespace, service account, its uid, expiry); who the current request is.
        self.max_token_seconds: int | None = None
        self.token_clock = lambda: datetime.datetime.now(datetime.UTC)
        self._tokens: dict[str, tuple[str, str, str, datetime.datetime]] = {}
        self._token_serial = itertools.count(1)
        self._requester = user
        for resource in base:
            self.serve_resource(resource)

    # ---- configuration ------------------------------------------------------------------------
    def serve_resource(self, resource: ApiResource) -> None:
        """Serve a resource in discovery and for object requests."""
        with self._lock:
            self._served.setdefault((resource.group, resource.version), {})[resource.plural] = resource

    def stop_serving(self, group: str, version: str | None = None, plural: str | None = None) -> None:
        """Stop serving a resource, a version, or a whole group (objects stay stored)."""
        with self._lock:
            for gv in list(self._served):
                if gv[0] != group or (version is not None and gv[1] != version):
                    continue
                if plural is None:
                    del self._served[gv]
                else:
                    self._served[gv].pop(plural, None)
                    if not self._served[gv]:
                        del self._served[gv]

    def fail_next(
        self,
        error: Any,
        times: int | None = 1,
        *,
        method: str | None = None,
        path: str | None = None,
        **options: Any,
    ) -> Injection:
        """Make the next ``times`` requests matching ``method`` and ``path`` fail.

        Make the next ``times`` requests matching ``method`` and ``path`` (a regex searched in the path, no query)
        fail; ``times=None`` means every one from now on.

        ``error`` is an HTTP status code (the fake writes the API server's Status for that code
        from the request: 400, 401, 403, 404, 409 — AlreadyExists, or ``reason="Conflict"`` for
        an apply conflict —, 422 with ``causes=[...]``, 429, 500, 503, 504), a Status dict sent
        as is, or an exception (class or instance) to raise, e.g. ``ConnectionRefusedError``.
        ``message=`` overrides the message of a generated Status.
        """
        injection = Injection(error, times, method, re.compile(path) if path else None, dict(options))
        with self._lock:
            self.injections.append(injection)
        return injection

    def clear_failures(self) -> None:
        with self._lock:
            self.injections.clear()

    # ---- direct store access (no request recorded) ------------------------------------------------
    def put(self, obj: dict, *, manager: str = "kubectl-client-side-apply", operation: str = "Update") -> dict:
        """Store an object as if ``manager`` had written it (owning all its fields)."""
        with self._lock:
            resource = self._resource_for(obj["apiVersion"], obj["kind"])
            namespace = (obj.get("metadata", {}).get("namespace") or "default") if resource.namespaced else ""
            key = self._key(resource, namespace, obj["metadata"]["name"])
            new = copy.deepcopy(obj)
            self._init_metadata(new, resource, namespace, existing=self._objects.get(key))
            self._managed[key] = [_Managed(manager, operation, resource.group_version, self._now(), _fields(new))]
            self._store(resource, key, new)
            return self._render(resource, key)

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict | None:
        """The stored object (with managedFields), or None."""
        with self._lock:
            resource = self._resource_for(api_version, kind)
            ns = (namespace or "default") if resource.namespaced else ""
            key = self._key(resource, ns, name)
            return self._render(resource, key) if key in self._objects else None

    def objects(self, kind: str | None = None) -> list[dict]:
        """All stored objects (optionally of one kind), in storage order."""
        with self._lock:
            return [copy.deepcopy(o) for o in self._objects.values() if kind is None or o.get("kind") == kind]

    def managers(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict:
        """Field manager name -> operation for one object."""
        obj = self.get(api_version, kind, name, namespace) or {}
        return {e.get("manager", ""): e["operation"] for e in obj.get("metadata", {}).get("managedFields", [])}

    def is_served(self, api_version: str, kind: str) -> bool:
        try:
            self._resource_for(api_version, kind)
            return True
        except KeyError:
            return False

    def requests_matching(self, method: str | None = None, path: str | None = None) -> list[RecordedRequest]:
        """Recorded requests with this method and a path matching the regex ``path``."""
        pattern = re.compile(path) if path else None
        return [r for r in self.requests
                if (method is None or r.method == method.upper()) and (pattern is None or pattern.search(r.path))]

    # ---- the transport --------------------------------------------------------------------------
    def __call__(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None) -> FakeResponse:
        return self.request(method, path, headers, body)

    def request(self, method: str, path: str, headers: dict | None = None, body: bytes | None = None) -> FakeResponse:
        """Handle one request. ``path`` may carry a query string (and a scheme/host, ignored)."""
        split = urllib.parse.urlsplit(path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(split.query, keep_blank_values=True).items()}
        if isinstance(body, str):
            body = body.encode()
        recorded = RecordedRequest(method.upper(), split.path, query, dict(headers or {}), body)
        with self._lock:
            self.requests.append(recorded)
            injection = next((i for i in self.injections if i.matches(recorded)), None)
            if injection is not None:
                if injection.remaining is not None:
                    injection.remaining -= 1
                injection.hits += 1
                return self._injected(injection, recorded)
            try:
                self._requester = self._authenticate(recorded)
                route = self._route(recorded.path)
                status, payload = self._dispatch(route, recorded)
            except _StatusError as err:
                return _json_response(err.status["code"], err.status, err.headers)
            return _json_response(status, payload)

    # ---- HTTP front (for clients that need a URL) -------------------------------------------------
    def serve(self) -> _HttpFront:
        """Serve this fake over plain HTTP on 127.0.0.1 (a context manager; ``.url``)."""
        return _HttpFront(self)

    # ---- routing ----------------------------------------------------------------------------------
    def _route(self, path: str) -> _Route:
        parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/") if p]
        if parts in (["healthz"], ["readyz"], ["livez"]):
            return _Route("health")
        if parts == ["version"]:
            return _Route("version")
        if parts == ["api"]:
            return _Route("api")
        if parts == ["apis"]:
            return _Route("apis")
        if len(parts) >= 2 and parts[0] == "api":
            group, version, rest = "", parts[1], parts[2:]
        elif len(parts) >= 2 and parts[0] == "apis":
            if len(parts) == 2:
                if not any(g == parts[1] for g, _ in self._served):
                    raise _StatusError(path_not_found())
                return _Route("group", group=parts[1])
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise _StatusError(path_not_found())
        served = self._served.get((group, version))
        if served is None:
            raise _StatusError(path_not_found())
        if not rest:
            return _Route("groupversion", group, version)
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        plural, name = rest[0], (rest[1] if len(rest) > 1 else None)
        subresource = rest[2] if len(rest) > 2 else ""
        resource = served.get(plural)
        if resource is None or len(rest) > 3:
            raise _StatusError(path_not_found())
        if namespace is not None and not resource.namespaced:
            raise _StatusError(path_not_found())
        if subresource and subresource not in resource.subresources:
            raise _StatusError(path_not_found())
        return _Route("resource", group, version, resource, namespace, name, subresource)

    def _dispatch(self, route: _Route, request: RecordedRequest) -> tuple[int, Any]:
        method = request.method
        if route.kind == "health":
            return 200, "ok"
        if route.kind == "version":
            return 200, {"major": "1", "minor": "33", "gitVersion": "v1.33.0-fake", "platform": "linux/amd64"}
        if route.kind == "api":
            return 200, {"kind": "APIVersions", "versions": ["v1"],
                         "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                         "serverAddress": self.server_address}]}
        if route.kind == "apis":
            return 200, self._group_list()
        if route.kind == "group":
            return 200, next(g for g in self._group_list()["groups"] if g["name"] == route.group) | {
                "kind": "APIGroup", "apiVersion": "v1"}
        if route.kind == "groupversion":
            return 200, self._resource_list(route.group, route.version)
        resource = route.resource
        assert resource is not None
        if route.subresource == "status":
            return self._status_subresource(route, request)
        if route.subresource == "token" and resource.plural == "serviceaccounts" and method == "POST":
            return 201, self._token_request(route, request)
        if resource.plural == "selfsubjectreviews" and method == "POST":
            return 201, {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
                         "status": {"userInfo": {"username": self._requester}}}
        if route.subresource:
            raise _StatusError(status_failure(405, "MethodNotAllowed",
                                              f"the fake does not implement {resource.plural}/{route.subresource}"))
        if method == "GET":
            if route.name is None:
                return 200, self._list(route, request)
            return 200, self._get(route)
        if method == "POST" and route.name is None:
            return 201, self._create(route, request)
        if method == "PUT" and route.name is not None:
            return 200, self._update(route, request)
        if method == "PATCH" and route.name is not None:
            content_type = request.content_type
            if content_type == APPLY_PATCH:
                return self._apply(route, request)
            if content_type in MERGE_PATCHES:
                return 200, self._merge_patch(route, request)
            raise _StatusError(status_failure(415, "UnsupportedMediaType",
                                              "the body of the request was in an unknown format - accepted media types "
                                              "include: "
                                              "application/json-patch+json, application/merge-patch+json, "
                                              "application/apply-patch+yaml"))
        if method == "DELETE":
            if route.name is None:
                return 200, self._delete_collection(route, request)
            return 200, self._delete(route, request)
        raise _StatusError(status_failure(405, "MethodNotAllowed",
                                          "the server does not allow this method on the requested resource"))

    # ---- ServiceAccount tokens -----------------------------------------------------------------------
    def _authenticate(self, request: RecordedRequest) -> str:
        """Who sends ``request``: the ServiceAccount of a token this server issued (401 once invalid), else ``user``."""
        token = (request.header("Authorization") or "").removeprefix("Bearer ").strip()
        if token not in self._tokens:
            return self.user
        namespace, name, uid, expires = self._tokens[token]
        account = self._objects.get(self._key(self._resource_for("v1", "ServiceAccount"), namespace, name))
        if account is None or account["metadata"]["uid"] != uid or self.token_clock() >= expires:
            raise _StatusError(unauthorized())
        return f"system:serviceaccount:{namespace}:{name}"

    def _token_request(self, route: _Route, request: RecordedRequest) -> dict:
        assert route.resource is not None and route.name is not None
        namespace = route.namespace or "default"
        account = self._objects.get(self._key(route.resource, namespace, route.name))
        if account is None:
            raise _StatusError(not_found("serviceaccounts", route.name))
        body = request.parsed_body() or {}
        seconds = int((body.get("spec") or {}).get("expirationSeconds") or 3600)
        if seconds < 600:
            raise _StatusError(invalid("TokenRequest", route.name, [{
                "reason": "FieldValueInvalid", "field": "spec.expirationSeconds",
                "message": "Invalid value: may not specify a duration less than 10 minutes"}],
                group="authentication.k8s.io"))
        if self.max_token_seconds is not None:
            seconds = min(seconds, self.max_token_seconds)
        expires = self.token_clock().replace(microsecond=0) + datetime.timedelta(seconds=seconds)
        token = f"eyJhbGciOiJSUzI1NiJ9.{namespace}.{route.name}.{next(self._token_serial)}"  # JWT-shaped, predictable
        self._tokens[token] = (namespace, route.name, account["metadata"]["uid"], expires)
        return {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "metadata": {"name": route.name},
                "spec": {**(body.get("spec") or {}), "expirationSeconds": seconds},
                "status": {"token": token, "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}}

    # ---- discovery --------------------------------------------------------------------------------
    def _group_list(self) -> dict:
        groups: dict[str, list[str]] = {}
        for group, version in self._served:
            if group:
                groups.setdefault(group, []).append(version)
        items = []
        for group in sorted(groups):
            versions = sorted(groups[group], key=_version_rank)
            entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
            items.append({"name": group, "versions": entries, "preferredVersion": entries[0]})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": items}

    def _resource_list(self, group: str, version: str) -> dict:
        resources = []
        for resource in self._served.get((group, version), {}).values():
            entry = {"name": resource.plural, "singularName": resource.singular, "namespaced": resource.namespaced,
                     "kind": resource.kind, "verbs": list(resource.verbs)}
            if resource.short_names:
                entry["shortNames"] = list(resource.short_names)
            resources.append(entry)
            for sub in resource.subresources:
                resources.append({"name": f"{resource.plural}/{sub}", "singularName": "",
                                  "namespaced": resource.namespaced, "kind": resource.kind,
                                  "verbs": ["get", "patch", "update"] if sub in ("status", "scale") else ["get"]})
        gv = f"{group}/{version}" if group else version
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}

    # ---- verbs ------------------------------------------------------------------------------------
    def _list(self, route: _Route, request: RecordedRequest) -> dict:
        resource = route.resource
        selector = _parse_selector(request.query.get("labelSelector", ""))
        fields = _parse_field_selector(request.query.get("fieldSelector", ""))
        items = []
        for key, obj in self._objects.items():
            if key[:2] != (resource.group, resource.plural):
                continue
            if route.namespace is not None and key[2] != route.namespace:
                continue
            if not _matches(obj.get("metadata", {}).get("labels") or {}, selector):
                continue
            if any(_field_value(obj, f) != v for f, v in fields):
                continue
            item = self._render(resource, key, route.version)
            if not resource.custom:
                # Built-in list items carry no apiVersion/kind (only the list does).
                item.pop("apiVersion", None)
                item.pop("kind", None)
            items.append(item)
        meta: dict[str, Any] = {"resourceVersion": str(self._last_rv)}
        if "limit" in request.query:  # a page, and an opaque token for the rest (here: where it starts)
            start = int(request.query.get("continue") or 0)
            end = start + int(request.query["limit"])
            items, rest = items[start:end], items[end:]
            if rest:
                meta["continue"] = str(end)
        return {"kind": f"{resource.kind}List", "apiVersion": _gv(route), "metadata": meta, "items": items}

    def _get(self, route: _Route) -> dict:
        key = self._route_key(route)
        if key not in self._objects:
            raise _StatusError(not_found(route.resource.plural, route.name, route.group))
        return self._render(route.resource, key, route.version)

    def _create(self, route: _Route, request: RecordedRequest) -> dict:
        resource = route.resource
        obj = self._body_object(request, resource, route)
        metadata = obj.setdefault("metadata", {})
        if not metadata.get("name"):
            if metadata.get("generateName"):
                metadata["name"] = metadata["generateName"] + uuid.uuid4().hex[:5]
            else:
                causes = [{"field": "metadata.name", "reason": "FieldValueRequired",
                           "message": "Required value: name or generateName is required"}]
                raise _StatusError(invalid(resource.kind, "", causes, resource.group))
        route = _Route(route.kind, route.group, route.version, resource, route.namespace, metadata["name"])
        namespace = self._namespace_for(route, obj)
        key = self._key(resource, namespace, metadata["name"])
        if key in self._objects:
            raise _StatusError(already_exists(resource.plural, metadata["name"], resource.group))
        self._init_metadata(obj, resource, namespace, None)
        manager = self._manager_name(request)
        self._managed[key] = [_Managed(manager, "Update", _gv(route), self._now(), _fields(obj))]
        self._store(resource, key, obj)
        return self._render(resource, key, route.version)

    def _update(self, route: _Route, request: RecordedRequest) -> dict:
        resource = route.resource
        key = self._route_key(route)
        existing = self._objects.get(key)
        if existing is None:
            raise _StatusError(not_found(resource.plural, route.name, resource.group))
        obj = self._body_object(request, resource, route)
        sent_rv = obj.get("metadata", {}).get("resourceVersion")
        if sent_rv and sent_rv != existing["metadata"]["resourceVersion"]:
            raise _StatusError(conflict(resource.plural, route.name, resource.group))
        # Status is written through the status subresource only.
        if "status" in existing:
            obj["status"] = copy.deepcopy(existing["status"])
        else:
            obj.pop("status", None)
        self._write_update(route, request, key, existing, obj)
        return self._render(resource, key, route.version)

    def _merge_patch(self, route: _Route, request: RecordedRequest) -> dict:
        resource = route.resource
        key = self._route_key(route)
        existing = self._objects.get(key)
        if existing is None:
            raise _StatusError(not_found(resource.plural, route.name, resource.group))
        patch = request.parsed_body()
        if not isinstance(patch, dict):
            raise _StatusError(bad_request("the request body is not a JSON object"))
        # A resourceVersion in the patch is a precondition, as in an update.
        sent_rv = (patch.get("metadata") or {}).get("resourceVersion")
        if sent_rv and sent_rv != existing["metadata"]["resourceVersion"]:
            raise _StatusError(conflict(resource.plural, route.name, resource.group))
        merged = _merge(copy.deepcopy(existing), patch)
        merged.setdefault("metadata", {})["name"] = existing["metadata"]["name"]
        self._write_update(route, request, key, existing, merged)
        return self._render(resource, key, route.version)

    def _write_update(self, route: _Route, request: RecordedRequest, key: tuple, existing: dict, new: dict) -> None:
        resource = route.resource
        for meta in ("uid", "creationTimestamp", "resourceVersion", "generation", "namespace", "name"):
            if meta in existing["metadata"]:
                new.setdefault("metadata", {})[meta] = existing["metadata"][meta]
        new["metadata"].pop("managedFields", None)
        new["apiVersion"], new["kind"] = existing["apiVersion"], existing["kind"]
        changed = {p for p in _fields(new) | _fields(existing) if _get_path(new, p) != _get_path(existing, p)}
        if not changed:
            return
        manager = self._manager_name(request)
        entries = self._managed.setdefault(key, [])
        for entry in entries:
            entry.fields -= changed
        mine = next((e for e in entries if e.manager == manager and e.operation == "Update"), None)
        if mine is None:
            mine = _Managed(manager, "Update", _gv(route), self._now(), set())
            entries.append(mine)
        mine.fields |= {p for p in changed if _get_path(new, p) is not _MISSING}
        mine.time = self._now()
        self._managed[key] = [e for e in entries if e.fields]
        self._bump(existing, new)
        self._store(resource, key, new)

    def _apply(self, route: _Route, request: RecordedRequest) -> tuple[int, dict]:
        resource = route.resource
        manager = request.query.get("fieldManager", "")
        if not manager:
            raise _StatusError(invalid("PatchOptions", "", [{"field": "fieldManager", "reason": "FieldValueRequired",
                                                             "message": "Required value: is required for apply patch"}],
                                       "meta.k8s.io"))
        force = request.query.get("force", "false").lower() == "true"
        config = self._body_object(request, resource, route)
        if config.get("apiVersion") is None or config.get("kind") is None:
            raise _StatusError(bad_request("apiVersion and kind must be set in an apply patch"))
        namespace = self._namespace_for(route, config)
        key = self._key(resource, namespace, route.name)
        applied = _fields(config)
        existing = self._objects.get(key)
        if existing is None:
            obj = copy.deepcopy(config)
            self._init_metadata(obj, resource, namespace, None)
            self._managed[key] = [_Managed(manager, "Apply", _gv(route), self._now(), applied)]
            self._store(resource, key, obj)
            return 201, self._render(resource, key, route.version)

        entries = self._managed.setdefault(key, [])
        conflicts = []
        for entry in entries:
            if entry.manager == manager and entry.operation == "Apply":
                continue
            for path in sorted(applied & entry.fields):
                if _get_path(existing, path) != _get_path(config, path):
                    conflicts.append((entry, path))
        if conflicts and not force:
            raise _StatusError(apply_conflict(
                (e.manager, e.operation, e.api_version, "." + ".".join(p)) for e, p in conflicts))
        for entry, path in conflicts:
            entry.fields.discard(path)
        mine = next((e for e in entries if e.manager == manager and e.operation == "Apply"), None)
        previously = set(mine.fields) if mine else set()
        others = set().union(*[e.fields for e in entries if e is not mine]) if entries else set()
        new = copy.deepcopy(existing)
        for path in sorted(previously - applied - others, key=len, reverse=True):
            _delete_path(new, path)
        for path in applied:
            _set_path(new, path, copy.deepcopy(_get_path(config, path)))
        before = [(e.manager, e.operation, frozenset(e.fields)) for e in entries]
        if mine is None:
            mine = _Managed(manager, "Apply", _gv(route), self._now(), set())
            entries.append(mine)
        mine.fields = set(applied)
        self._managed[key] = [e for e in entries if e.fields]
        after = [(e.manager, e.operation, frozenset(e.fields)) for e in self._managed[key]]
        if _strip(new) != _strip(existing) or before != after:
            mine.time = self._now()
            self._bump(existing, new)
            self._store(resource, key, new)
        return 200, self._render(resource, key, route.version)

    def _delete(self, route: _Route, request: RecordedRequest) -> dict:
        resource = route.resource
        key = self._route_key(route)
        obj = self._objects.get(key)
        if obj is None:
            raise _StatusError(not_found(resource.plural, route.name, resource.group))
        options = request.parsed_body()
        preconditions = (options or {}).get("preconditions") or {}
        for field_name, actual in (("uid", obj["metadata"].get("uid")),
                                   ("resourceVersion", obj["metadata"].get("resourceVersion"))):
            wanted = preconditions.get(field_name)
            if wanted is not None and wanted != actual:
                label = "UID" if field_name == "uid" else "ResourceVersion"
                raise _StatusError(conflict(resource.plural, route.name, resource.group,
                                            f"Precondition failed: {label} in precondition: {wanted}, "
                                            f"{label} in object meta: {actual}"))
        self._remove(resource, key)
        details = _details(route.name, resource.group, resource.plural)
        details["uid"] = obj["metadata"].get("uid", "")
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}

    def _delete_collection(self, route: _Route, request: RecordedRequest) -> dict:
        resource = route.resource
        selector = _parse_selector(request.query.get("labelSelector", ""))
        for key in [k for k in self._objects if k[:2] == (resource.group, resource.plural)]:
            if route.namespace is not None and key[2] != route.namespace:
                continue
            if _matches(self._objects[key].get("metadata", {}).get("labels") or {}, selector):
                self._remove(resource, key)
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success"}

    def _status_subresource(self, route: _Route, request: RecordedRequest) -> tuple[int, dict]:
        resource = route.resource
        key = self._route_key(route)
        existing = self._objects.get(key)
        if existing is None:
            raise _StatusError(not_found(resource.plural, route.name, resource.group))
        if request.method == "GET":
            return 200, self._render(resource, key, route.version)
        body = request.parsed_body() or {}
        if request.method not in ("PUT", "PATCH"):
            raise _StatusError(status_failure(405, "MethodNotAllowed",
                                              "the server does not allow this method on the requested resource"))
        sent_rv = (body.get("metadata") or {}).get("resourceVersion")
        if sent_rv and sent_rv != existing["metadata"]["resourceVersion"]:
            raise _StatusError(conflict(resource.plural, route.name, resource.group))
        new = copy.deepcopy(existing)
        if request.method == "PUT" or request.content_type == APPLY_PATCH:
            new["status"] = copy.deepcopy(body.get("status"))
        else:
            new["status"] = _merge(copy.deepcopy(existing.get("status") or {}), body.get("status") or {})
        if _strip(new) != _strip(existing):
            self._bump(existing, new, status_only=True)
            self._store(resource, key, new)
        return 200, self._render(resource, key, route.version)

    # ---- failure injection ------------------------------------------------------------------------
    def _injected(self, injection: Injection, request: RecordedRequest) -> FakeResponse:
        error = injection.error
        if isinstance(error, type) and issubclass(error, BaseException):
            raise error(f"injected {error.__name__} for {request.method} {request.path}")
        if isinstance(error, BaseException):
            raise error
        if isinstance(error, dict):
            return _json_response(int(error.get("code", 500)), error)
        code = int(error)
        options = injection.options
        if code == 429:
            return FakeResponse(429, {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "1",
                                      "X-Content-Type-Options": "nosniff"},
                                (options.get("message") or too_many_requests_text()).encode())
        status = self._status_for(code, request, options)
        if "message" in options:
            status["message"] = options["message"]
        return _json_response(code, status)

    def _status_for(self, code: int, request: RecordedRequest, options: dict) -> dict:
        try:
            route = self._route(request.path)
        except _StatusError:
            route = _Route("unknown")
        resource = route.resource
        plural = resource.plural if resource else ""
        group = resource.group if resource else route.group
        name = route.name or ""
        if not name and request.method in ("POST", "PATCH", "PUT"):
            try:
                name = (request.parsed_body() or {}).get("metadata", {}).get("name", "")
            except Exception:  # noqa: BLE001 - a fake: an unreadable body just has no name
                name = ""
        if code == 400:
            return bad_request(options.get("message", "the request is invalid"))
        if code == 401:
            return unauthorized()
        if code == 403:
            if resource is None:
                return status_failure(403, "Forbidden",
                                      f'forbidden: User "{self.user}" cannot {request.method.lower()} path '
                                      f'"{request.path}"',
                                      {})
            return forbidden(plural, route.name or "", verb=_verb(request, route), user=self.user, group=group,
                             namespace=route.namespace, subresource=route.subresource)
        if code == 404:
            return not_found(plural, name, group) if resource else path_not_found()
        if code == 409:
            if options.get("reason") == "Conflict":
                return apply_conflict(options.get("conflicts") or [("kubectl-client-side-apply", "Update",
                                                                    resource.group_version if resource else "v1",
                                                                    ".spec")])
            return already_exists(plural, name, group)
        if code == 422:
            kind = resource.kind if resource else "Object"
            return invalid(kind, name, options.get("causes") or [{"field": "spec", "message": "Invalid value"}], group)
        if code == 500:
            return internal_error(options.get("message", "unexpected error"))
        if code == 503:
            return service_unavailable()
        if code == 504:
            return status_failure(504, "Timeout", "Timeout: request did not complete within requested timeout",
                                  {"retryAfterSeconds": 1})
        return status_failure(code, "Unknown", f"injected HTTP {code}")

    # ---- storage helpers --------------------------------------------------------------------------
    def _resource_for(self, api_version: str, kind: str) -> ApiResource:
        group, _, version = api_version.rpartition("/")
        for resource in self._served.get((group, version), {}).values():
            if resource.kind == kind:
                return resource
        raise KeyError(f"{api_version} {kind} is not served")

    @staticmethod
    def _key(resource: ApiResource, namespace: str, name: str) -> tuple[str, str, str, str]:
        return (resource.group, resource.plural, namespace if resource.namespaced else "", name)

    def _route_key(self, route: _Route) -> tuple:
        resource = route.resource
        if resource.namespaced and route.namespace is None:
            raise _StatusError(path_not_found())
        return self._key(resource, route.namespace or "", route.name)

    def _namespace_for(self, route: _Route, obj: dict) -> str:
        resource = route.resource
        sent = obj.get("metadata", {}).get("namespace")
        if not resource.namespaced:
            return ""
        if route.namespace is None:
            raise _StatusError(path_not_found())
        if sent and sent != route.namespace:
            raise _StatusError(bad_request("the namespace of the provided object does not match the namespace "
                                           "sent on the request"))
        if self.strict_namespaces and ("", "namespaces", "", route.namespace) not in self._objects:
            raise _StatusError(not_found("namespaces", route.namespace))
        return route.namespace

    def _body_object(self, request: RecordedRequest, resource: ApiResource, route: _Route) -> dict:
        try:
            obj = request.parsed_body()
        except yaml.YAMLError as err:
            raise _StatusError(bad_request(f"error decoding YAML: {err}")) from err
        if not isinstance(obj, dict):
            raise _StatusError(bad_request("the body of the request is not an object"))
        kind = obj.get("kind")
        if kind is not None and kind != resource.kind:
            raise _StatusError(bad_request(f"the kind of the object ({kind}) does not match the kind of the "
                                           f"resource ({resource.kind})"))
        api_version = obj.get("apiVersion")
        expected = f"{route.group}/{route.version}" if route.group else route.version
        if api_version is not None and api_version != expected:
            raise _StatusError(bad_request(f"the API version in the data ({api_version}) does not match the "
                                           f"expected API version ({expected})"))
        name = obj.get("metadata", {}).get("name")
        if route.name is not None and name is not None and name != route.name:
            raise _StatusError(bad_request(f"the name of the object ({name}) does not match the name on the URL "
                                           f"({route.name})"))
        obj = copy.deepcopy(obj)
        if route.name is not None:
            obj.setdefault("metadata", {})["name"] = route.name
        return obj

    def _manager_name(self, request: RecordedRequest) -> str:
        if request.query.get("fieldManager"):
            return request.query["fieldManager"]
        agent = request.header("User-Agent") or "unknown"
        return agent.split("/")[0] or "unknown"

    def _now(self) -> str:
        return (self._epoch + datetime.timedelta(seconds=self._last_rv - 1000)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _next_rv(self) -> str:
        self._last_rv = next(self._rv)
        return str(self._last_rv)

    def _init_metadata(self, obj: dict, resource: ApiResource, namespace: str, existing: dict | None) -> None:
        metadata = obj.setdefault("metadata", {})
        metadata.pop("managedFields", None)
        if resource.namespaced:
            metadata["namespace"] = namespace
        else:
            metadata.pop("namespace", None)
        metadata["uid"] = (existing or {}).get("metadata", {}).get("uid") or str(uuid.uuid4())
        metadata["resourceVersion"] = self._next_rv()
        metadata["creationTimestamp"] = (existing or {}).get("metadata", {}).get("creationTimestamp") or self._now()
        metadata["generation"] = 1
        obj["apiVersion"] = resource.group_version
        obj["kind"] = resource.kind
        if resource.kind == "Namespace":
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
            obj["status"] = {"phase": "Active"}

    def _bump(self, existing: dict, new: dict, status_only: bool = False) -> None:
        new["metadata"]["resourceVersion"] = self._next_rv()
        if not status_only and new.get("spec") != existing.get("spec"):
            new["metadata"]["generation"] = int(existing["metadata"].get("generation", 1)) + 1

    def _store(self, resource: ApiResource, key: tuple, obj: dict) -> None:
        obj.get("metadata", {}).pop("managedFields", None)
        self._objects[key] = obj
        if resource.group == "apiextensions.k8s.io" and resource.kind == "CustomResourceDefinition":
            self._serve_crd(obj)

    def _remove(self, resource: ApiResource, key: tuple) -> None:
        obj = self._objects.pop(key)
        self._managed.pop(key, None)
        if resource.group == "apiextensions.k8s.io" and resource.kind == "CustomResourceDefinition":
            spec = obj.get("spec") or {}
            group, plural = spec.get("group", ""), (spec.get("names") or {}).get("plural", "")
            self.stop_serving(group, plural=plural)
            for other in [k for k in self._objects if k[:2] == (group, plural)]:
                self._objects.pop(other)
                self._managed.pop(other, None)
        if resource.group == "" and resource.kind == "Namespace":
            for other in [k for k in self._objects if k[2] == key[3] and k[2]]:
                self._objects.pop(other)
                self._managed.pop(other, None)

    def _serve_crd(self, crd: dict) -> None:
        spec = crd.get("spec") or {}
        names = spec.get("names") or {}
        group, plural, kind = spec.get("group"), names.get("plural"), names.get("kind")
        if not (group and plural and kind):
            return
        self.stop_serving(group, plural=plural)
        for version in spec.get("versions") or []:
            if version.get("served", True) is False or not version.get("name"):
                continue
            subresources = tuple(sorted((version.get("subresources") or {}).keys()))
            self.serve_resource(ApiResource(group, version["name"], kind, plural, spec.get("scope") != "Cluster",
                                            tuple(names.get("shortNames") or ()), subresources, custom=True))
        storage = [v["name"] for v in spec.get("versions") or [] if v.get("storage")]
        crd["status"] = {
            "acceptedNames": copy.deepcopy(names),
            "conditions": [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                 "message": "no conflicts found"},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted"},
            ],
            "storedVersions": storage,
        }

    def _render(self, resource: ApiResource, key: tuple, version: str | None = None) -> dict:
        obj = copy.deepcopy(self._objects[key])
        if version:
            obj["apiVersion"] = f"{resource.group}/{version}" if resource.group else version
        entries = self._managed.get(key) or []
        if entries:
            # Like the API server's JSON (``manager,omitempty``), an entry with no manager name has no key.
            obj.setdefault("metadata", {})["managedFields"] = [
                ({"manager": e.manager} if e.manager else {})
                | {"operation": e.operation, "apiVersion": e.api_version, "time": e.time,
                   "fieldsType": "FieldsV1", "fieldsV1": _fields_v1(e.fields)}
                | ({"subresource": e.subresource} if e.subresource else {})
                for e in entries
            ]
        return obj


# ---- HTTP front ---------------------------------------------------------------------------------


class _HttpFront:
    """``with fake.serve() as front: front.url`` — plain HTTP on an ephemeral loopback port."""

    def __init__(self, fake: FakeKubeApi) -> None:
        import http.server

        outer = fake

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                try:
                    response = outer.request(self.command, self.path, dict(self.headers.items()), body)
                except (ConnectionError, OSError):
                    self.close_connection = True
                    self.connection.close()
                    return
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

            # BaseHTTPRequestHandler dispatches to do_<METHOD>: the names are its API.
            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> _HttpFront:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# ---- helpers ------------------------------------------------------------------------------------

_MISSING = object()


def _json_response(code: int, payload: Any, headers: dict | None = None) -> FakeResponse:
    if isinstance(payload, str):
        return FakeResponse(code, {"Content-Type": "text/plain; charset=utf-8"}, payload.encode())
    base = {"Content-Type": "application/json", "Audit-Id": str(uuid.uuid4())}
    base.update(headers or {})
    return FakeResponse(code, base, json.dumps(payload).encode())


def _gv(route: _Route) -> str:
    return f"{route.group}/{route.version}" if route.group else route.version


def _version_rank(version: str) -> tuple:
    """Kubernetes version priority: GA > beta > alpha, then higher numbers first."""
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if not match:
        return (3, 0, 0, version)
    major, stage, minor = int(match.group(1)), match.group(2), int(match.group(3) or 0)
    return ({None: 0, "beta": 1, "alpha": 2}[stage], -major, -minor, version)


def _verb(request: RecordedRequest, route: _Route) -> str:
    method = request.method
    if method == "GET":
        if route.name:
            return "get"
        return "watch" if request.query.get("watch") in ("1", "true") else "list"
    if method == "DELETE":
        return "delete" if route.name else "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(method, method.lower())


def _fields(obj: Any, prefix: tuple = ()) -> set:
    """Leaf field paths of an object (maps are walked, lists and scalars are leaves)."""
    paths: set = set()
    if isinstance(obj, dict) and (obj or not prefix):
        for key, value in obj.items():
            path = prefix + (str(key),)
            if path in _UNOWNED:
                continue
            sub = _fields(value, path)
            if sub:
                paths |= sub
            elif not (isinstance(value, dict) and value):
                paths.add(path)  # a scalar, a list, or an empty map is a leaf
    elif prefix:
        paths.add(prefix)
    return paths


def _fields_v1(paths: set) -> dict:
    tree: dict = {}
    for path in sorted(paths):
        node = tree
        for part in path:
            node = node.setdefault(f"f:{part}", {})
    return tree


def _get_path(obj: Any, path: tuple) -> Any:
    for part in path:
        if not isinstance(obj, dict) or part not in obj:
            return _MISSING
        obj = obj[part]
    return obj


def _set_path(obj: dict, path: tuple, value: Any) -> None:
    for part in path[:-1]:
        if not isinstance(obj.get(part), dict):
            obj[part] = {}
        obj = obj[part]
    obj[path[-1]] = value


def _delete_path(obj: dict, path: tuple) -> None:
    parents = []
    node = obj
    for part in path[:-1]:
        if not isinstance(node.get(part), dict):
            return
        parents.append((node, part))
        node = node[part]
    node.pop(path[-1], None)
    # Drop maps the removal left empty, but keep the top-level metadata and spec.
    for parent, part in reversed(parents):
        if parent[part] != {} or (parent is obj and part in ("metadata", "spec")):
            break
        parent.pop(part)


def _merge(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = _merge(target.get(key), value)
    return target


def _strip(obj: dict) -> dict:
    clean = copy.deepcopy(obj)
    clean.get("metadata", {}).pop("managedFields", None)
    clean.get("metadata", {}).pop("resourceVersion", None)
    clean.get("metadata", {}).pop("generation", None)
    return clean


_SELECTOR_TERM = re.compile(
    r"^\s*(?P<neg>!)?\s*(?P<key>[A-Za-z0-9._/-]+)\s*(?:(?P<op>==|=|!=)\s*(?P<value>[A-Za-z0-9._-]*)|"
    r"\s+(?P<setop>in|notin)\s*\((?P<set>[^)]*)\))?\s*$"
)


def _parse_selector(text: str) -> list[tuple[str, str, Any]]:
    """Label selector terms as (key, op, value): op is =, !=, exists, !exists, in, notin."""
    terms = []
    for raw in _split_selector(text):
        match = _SELECTOR_TERM.match(raw)
        if not match:
            raise _StatusError(bad_request(f"unable to parse requirement: {raw!r}"))
        key = match.group("key")
        if match.group("op"):
            terms.append((key, "!=" if match.group("op") == "!=" else "=", match.group("value")))
        elif match.group("setop"):
            values = {v.strip() for v in match.group("set").split(",") if v.strip()}
            terms.append((key, match.group("setop"), values))
        else:
            terms.append((key, "!exists" if match.group("neg") else "exists", None))
    return terms


def _split_selector(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current)
    return [p for p in parts if p.strip()]


def _matches(labels: dict, terms: list) -> bool:
    for key, op, value in terms:
        present = key in labels
        if op == "=" and labels.get(key) != value:
            return False
        if op == "!=" and present and labels.get(key) == value:
            return False
        if op == "exists" and not present:
            return False
        if op == "!exists" and present:
            return False
        if op == "in" and labels.get(key) not in value:
            return False
        if op == "notin" and present and labels.get(key) in value:
            return False
    return True


def _parse_field_selector(text: str) -> list[tuple[str, str]]:
    terms = []
    for raw in _split_selector(text):
        key, sep, value = raw.partition("=")
        if not sep:
            raise _StatusError(bad_request(f"invalid field selector: {raw!r}"))
        terms.append((key.strip().rstrip("="), value.lstrip("=").strip()))
    return terms


def _field_value(obj: dict, path: str) -> Any:
    value = _get_path(obj, tuple(path.split(".")))
    return None if value is _MISSING else value
