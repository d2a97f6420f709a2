"""Minimal Kubernetes REST client: discovery, get, list, server-side apply, merge patch, delete.

Standard library + urllib3 only (the Lambda runtime has no Kubernetes client and no YAML library).

The client talks to the API server through a *transport*: any callable

    transport(method: str, path: str, headers: dict[str, str], body: bytes | None) -> response

where ``path`` is the request path with its query string (``/api/v1/namespaces?limit=1``) and the
response has ``status`` (int), ``headers`` (mapping) and ``body`` (bytes). A transport raises
``ConnectionError`` (or ``TimeoutError``) when the server could not be reached, and
``TlsVerificationError`` when the server's certificate was rejected. ``Urllib3Transport`` is the
real one; ``FailoverTransport`` tries several; tests pass an in-process fake API server.
"""

from __future__ import annotations

import json
import os
import ssl
import tempfile
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, KeptChangingError, KindNotServedError, ObjectGoneError, TlsVerificationError

APPLY_PATCH_YAML = "application/apply-patch+yaml"
MERGE_PATCH_JSON = "application/merge-patch+json"
JSON = "application/json"

Transport = Callable[[str, str, Mapping[str, str], bytes | None], Any]


@dataclass(frozen=True)
class Resource:
    """One REST resource as discovery describes it."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        """REST path of the collection, or of one object when ``name`` is given."""
        base = group_version_path(self.api_version)
        if self.namespaced:
            if not namespace:
                raise ValueError(f"{self.kind} is namespaced: a namespace is required")
            base += "/namespaces/" + _quote(namespace)
        base += "/" + self.plural
        if name is not None:
            base += "/" + _quote(name)
        return base

    def path_in_every_namespace(self) -> str:
        """REST path of the collection across every namespace (of a cluster-scoped one: the collection)."""
        return f"{group_version_path(self.api_version)}/{self.plural}"


@dataclass(frozen=True)
class HttpResponse:
    """A Kubernetes API answer: status code, headers and raw body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def _quote(segment: str) -> str:
    # RBAC object names may contain ':' (system:foo); keep them readable, escape the rest.
    return urllib.parse.quote(segment, safe=":@")


def group_version_path(api_version: str) -> str:
    """Discovery path of an apiVersion: ``/api/v1`` for core, ``/apis/<group>/<version>`` otherwise."""
    if "/" in api_version:
        group, version = api_version.split("/", 1)
        return f"/apis/{group}/{version}"
    return f"/api/{api_version}"


class KubeClient:
    """A small REST client over a transport. Discovery results are cached for the client's life."""

    def __init__(self, transport: Transport, user_agent: str = "eks-karmada/karmada-manifest") -> None:
        self._transport = transport
        self._user_agent = user_agent
        self._discovery: dict[str, dict[str, Resource]] = {}

    def close(self) -> None:
        """Close the transport if it can be closed."""
        closer = getattr(self._transport, "close", None)
        if callable(closer):
            closer()

    # ---- raw requests -------------------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        content_type: str | None = None,
    ) -> Any:
        """Send one request; return the decoded JSON answer (None when empty); raise ApiError."""
        if query:
            path = path + "?" + urllib.parse.urlencode(list(query.items()))
        headers = {"Accept": JSON, "User-Agent": self._user_agent}
        data: bytes | None = None
        if body is not None:
            if isinstance(body, (dict, list)):
                data = json.dumps(body, separators=(",", ":")).encode()
            elif isinstance(body, str):
                data = body.encode("utf-8")
            else:
                data = bytes(body)
            headers["Content-Type"] = content_type or JSON
        response = self._transport(method, path, headers, data)
        if not 200 <= response.status < 300:
            raise ApiError.from_response(response.status, response.body, method, path)
        if not response.body:
            return None
        try:
            return json.loads(response.body)
        except ValueError:
            return response.body.decode("utf-8", "replace")

    # ---- discovery ----------------------------------------------------------------------
    def discover(self, api_version: str, refresh: bool = False) -> dict[str, Resource]:
        """Kinds served in one group-version, by kind. An unserved group-version gives {}."""
        if not refresh and api_version in self._discovery:
            return self._discovery[api_version]
        group, _, version = api_version.rpartition("/")
        try:
            answer = self.request("GET", group_version_path(api_version)) or {}
        except ApiError as err:
            if err.code != 404:
                raise
            answer = {}
        kinds: dict[str, Resource] = {}
        for item in answer.get("resources") or []:
            name = item.get("name", "")
            if "/" in name:  # subresources (status, scale, proxy) are not objects
                continue
            kinds.setdefault(
                item.get("kind", ""),
                Resource(group, version, item.get("kind", ""), name, bool(item.get("namespaced"))),
            )
        self._discovery[api_version] = kinds
        return kinds

    def resource_for(self, api_version: str, kind: str) -> Resource:
        """Map apiVersion/kind to its REST resource; re-reads discovery once on a cache miss."""
        kinds = self.discover(api_version)
        if kind not in kinds:
            # A CRD created moments ago (maybe by this very invocation) appears in discovery late.
            kinds = self.discover(api_version, refresh=True)
        if kind not in kinds:
            raise KindNotServedError(api_version, kind)
        return kinds[kind]

    # ---- object verbs -------------------------------------------------------------------
    def get(self, resource: Resource, name: str, namespace: str | None = None) -> dict | None:
        """The object, or None when it does not exist."""
        try:
            return self.request("GET", resource.path(namespace, name))
        except ApiError as err:
            if err.code == 404:
                return None
            raise

    def list(
        self,
        resource: Resource,
        namespace: str | None = None,
        label_selector: str | None = None,
    ) -> list:
        """Items of a collection (one page; the collections read here are small)."""
        query = {"labelSelector": label_selector} if label_selector else None
        answer = self.request("GET", resource.path(namespace), query=query) or {}
        return list(answer.get("items") or [])

    def iterate(self, resource: Resource, namespace: str | None = None, page_size: int = 500) -> Iterator[dict]:
        """Every item of a collection (without ``namespace``: in every namespace), a page of ``page_size`` at a time."""
        path = resource.path(namespace) if namespace else resource.path_in_every_namespace()
        query = {"limit": str(page_size)}
        while True:
            answer = self.request("GET", path, query=query) or {}
            yield from answer.get("items") or []
            token = (answer.get("metadata") or {}).get("continue")
            if not token:
                return
            query = {"limit": str(page_size), "continue": token}

    def apply(
        self,
        resource: Resource,
        name: str,
        namespace: str | None,
        body: Any,
        field_manager: str,
        force: bool,
    ) -> dict:
        """Server-side apply. ``body`` is YAML text or a dict (sent as JSON, which is YAML)."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body, separators=(",", ":"))
        return self.request(
            "PATCH",
            resource.path(namespace, name),
            query={"fieldManager": field_manager, "force": "true" if force else "false"},
            body=body,
            content_type=APPLY_PATCH_YAML,
        )

    def merge_patch(
        self, resource: Resource, name: str, namespace: str | None, patch: dict, field_manager: str,
        subresource: str = "",
    ) -> dict:
        """JSON merge patch (RFC 7386), of the object or of ``subresource`` (e.g. "status")."""
        return self.request(
            "PATCH",
            resource.path(namespace, name) + (f"/{subresource}" if subresource else ""),
            query={"fieldManager": field_manager},
            body=patch,
            content_type=MERGE_PATCH_JSON,
        )

    def merge_patch_unless_changed(
        self,
        resource: Resource,
        name: str,
        namespace: str | None,
        change: Callable[[dict], dict | None],
        field_manager: str,
        *,
        current: dict | None = None,
        attempts: int = 5,
        subresource: str = "",
    ) -> dict | None:
        """Merge-patch what ``change(object)`` asks, sent with the resourceVersion it was computed from.

        Reads the object (unless ``current`` is given), computes the patch, and on a 409 Conflict (the object
        changed meanwhile) reads it again and recomputes. The patched object, or None when ``change`` returns
        None (nothing to do). ObjectGoneError when the object is gone; KeptChangingError after ``attempts``.
        """
        for _ in range(attempts):
            if current is None:
                current = self.get(resource, name, namespace)
                if current is None:
                    raise ObjectGoneError(f"{resource.kind} {name} does not exist")
            patch = change(current)
            if patch is None:
                return None
            body = {**patch, "metadata": {**patch.get("metadata", {}),
                                          "resourceVersion": current["metadata"]["resourceVersion"]}}
            try:
                return self.merge_patch(resource, name, namespace, body, field_manager, subresource)
            except ApiError as err:
                if err.code != 409:
                    raise
            current = None
        raise KeptChangingError(f"{resource.kind} {name} kept changing ({attempts} conflicts)")

    def delete(
        self,
        resource: Resource,
        name: str,
        namespace: str | None = None,
        propagation_policy: str = "Background",
        resource_version: str | None = None,
    ) -> bool:
        """Delete one object. True if it was deleted, False if it did not exist (404).

        With ``resource_version``, only that version of the object is deleted: a newer one makes the API
        server answer 409 Conflict (an ``ApiError``).
        """
        options: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": propagation_policy}
        if resource_version:
            options["preconditions"] = {"resourceVersion": resource_version}
        try:
            self.request("DELETE", resource.path(namespace, name), body=options)
        except ApiError as err:
            if err.code == 404:
                return False
            raise
        return True


# ---- transports ---------------------------------------------------------------------------


def build_ssl_context(
    ca_pem: str | bytes,
    client_cert_pem: str | bytes | None = None,
    client_key_pem: str | bytes | None = None,
) -> ssl.SSLContext:
    """TLS context trusting only ``ca_pem``, optionally presenting a client certificate.

    Python's ssl module loads a certificate chain only from files, so the PEMs go to a private
    temporary directory (0700, files 0600) that is removed as soon as they are loaded.
    """
    if isinstance(ca_pem, bytes):
        ca_pem = ca_pem.decode("ascii")
    context = ssl.create_default_context(cadata=ca_pem)
    if client_cert_pem is not None or client_key_pem is not None:
        if not client_cert_pem or not client_key_pem:
            raise ValueError("a client certificate needs both the certificate and the key")
        with tempfile.TemporaryDirectory(prefix="kube-tls-") as directory:
            cert_path = os.path.join(directory, "tls.crt")
            key_path = os.path.join(directory, "tls.key")
            for path, pem in ((cert_path, client_cert_pem), (key_path, client_key_pem)):
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(pem if isinstance(pem, bytes) else pem.encode("ascii"))
            context.load_cert_chain(cert_path, key_path)
    return context


class Urllib3Transport:
    """HTTPS to one host:port through urllib3, with no retries of its own (the caller decides).

    ``server_hostname`` is the name sent in SNI and checked against the certificate when it
    differs from ``host`` (connecting to a pod IP whose certificate names the Service).
    ``token_provider`` returns a bearer token for each request (never logged).
    """

    def __init__(
        self,
        host: str,
        port: int,
        *,
        ca_pem: str | bytes,
        server_hostname: str | None = None,
        client_cert_pem: str | bytes | None = None,
        client_key_pem: str | bytes | None = None,
        token_provider: Callable[[], str] | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
    ) -> None:
        import urllib3  # local import: only the real transport needs it

        self.host = host
        self.port = port
        self._token_provider = token_provider
        context = build_ssl_context(ca_pem, client_cert_pem, client_key_pem)
        extra: dict[str, Any] = {}  # keyword arguments the pool passes on to each HTTPSConnection
        if server_hostname:
            extra = {"server_hostname": server_hostname, "assert_hostname": server_hostname}
        self._pool = urllib3.HTTPSConnectionPool(
            host,
            port,
            ssl_context=context,
            cert_reqs="CERT_REQUIRED",
            retries=False,
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            maxsize=2,
            **extra,
        )

    def __call__(self, method: str, path: str, headers: Mapping[str, str], body: bytes | None) -> HttpResponse:
        from urllib3 import exceptions as u3

        send = dict(headers)
        if self._token_provider is not None:
            send["Authorization"] = "Bearer " + self._token_provider()
        try:
            response = self._pool.urlopen(
                method, path, body=body, headers=send, retries=False, redirect=False, preload_content=True
            )
        except u3.SSLError as err:
            if _is_certificate_rejection(err):
                raise TlsVerificationError(f"TLS handshake with {self.host}:{self.port} failed: {err}") from err
            # Other TLS failures (a pod closing the connection mid-handshake while it starts or
            # stops) are connection problems: fail over and retry.
            raise ConnectionError(f"{self.host}:{self.port}: {err}") from err
        except (u3.HTTPError, OSError) as err:
            raise ConnectionError(f"{self.host}:{self.port}: {err}") from err
        return HttpResponse(response.status, dict(response.headers), response.data or b"")

    def close(self) -> None:
        self._pool.close()


def _is_certificate_rejection(error: BaseException) -> bool:
    """Whether a TLS error means the certificate did not verify (CA or host name mismatch)."""
    seen = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        # ssl.SSLCertVerificationError: unknown CA, expired...; CertificateError (ssl's alias or
        # urllib3's own): host name mismatch.
        if isinstance(current, ssl.SSLCertVerificationError) or type(current).__name__ == "CertificateError":
            return True
        nested = [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
        current = current.__cause__ or current.__context__ or (nested[0] if nested else None)
    return False


class FailoverTransport:
    """Tries each transport in turn on connection errors; sticks to the last one that answered."""

    def __init__(self, transports: Sequence[tuple[str, Transport]]) -> None:
        if not transports:
            raise ValueError("FailoverTransport needs at least one transport")
        self._transports = list(transports)
        self._current = 0

    @property
    def labels(self) -> list[str]:
        return [label for label, _ in self._transports]

    def __call__(self, method: str, path: str, headers: Mapping[str, str], body: bytes | None) -> Any:
        failures = []
        count = len(self._transports)
        for offset in range(count):
            index = (self._current + offset) % count
            label, transport = self._transports[index]
            try:
                response = transport(method, path, headers, body)
            except (ConnectionError, TimeoutError) as err:
                failures.append(f"{label}: {err}")
                continue
            self._current = index
            return response
        raise ConnectionError("no endpoint answered (" + "; ".join(failures) + ")")


def close_all(transports: Iterable[Any]) -> None:
    """Close transports that have a close() (best effort)."""
    for transport in transports:
        closer = getattr(transport, "close", None)
        if closer:
            try:
                closer()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
