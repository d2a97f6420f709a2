"""A local OCI distribution registry, enough for `HEAD /v2/<name>/manifests/<tag>` and its auth flows.

`public` mode answers like Docker Hub, quay.io or registry.k8s.io: 401 with `WWW-Authenticate: Bearer realm=...,
service=...,scope=...`, a token from the realm for exactly that scope, then the manifest. `basic` mode answers like a
private ECR registry: only `Authorization: Basic <token>` reads. Every repository exists at every tag except
`missing`; its manifest is an OCI index (or, for a client that accepts no index, one platform's manifest: another
digest), so a test can tell which one the client pinned. 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

INDEX = "application/vnd.oci.image.index.v1+json"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
_MANIFESTS = re.compile(r"^/v2/(?P<name>.+)/manifests/(?P<tag>[^/]+)$")


@dataclass
class FakeRegistry:
    """What the registry serves and what it was asked."""

    mode: str = "public"
    """public (anonymous Bearer tokens) or basic (the Authorization header must be `basic_auth`)."""
    basic_auth: str = ""
    send_digest_header: bool = True
    """False: HEAD answers without Docker-Content-Digest, as some registries do."""
    revision: str = "1"
    """Part of every manifest: change it and every tag points to a new digest (a moved tag)."""
    redirect: bool = False
    """True: manifest requests are answered 307 to the same path with ?redirected (as registry.k8s.io does)."""
    url: str = ""
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    """(method, path, Authorization header) of each request."""

    def manifest(self, name: str, tag: str, *, index: bool = True) -> bytes:
        """The bytes served for name:tag (the index, or one platform's manifest)."""
        body = {"schemaVersion": 2, "mediaType": INDEX if index else MANIFEST, "name": name, "tag": tag,
                "revision": self.revision}
        return json.dumps(body, sort_keys=True).encode()

    def digest(self, name: str, tag: str, *, index: bool = True) -> str:
        """The digest of what name:tag serves."""
        return "sha256:" + hashlib.sha256(self.manifest(name, tag, index=index)).hexdigest()

    def token(self, scope: str) -> str:
        return "token-" + hashlib.sha256(scope.encode()).hexdigest()[:16]


def _handler(registry: FakeRegistry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self._answer(body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._answer(body=False)

        def _send(self, status: int, headers: dict[str, str], body: bytes, with_body: bool) -> None:
            self.send_response(status)
            for key, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(key, value)
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def _answer(self, body: bool) -> None:
            auth = self.headers.get("Authorization", "")
            registry.requests.append((self.command, self.path, auth))
            url = urlsplit(self.path)
            if url.path == "/token":
                query = parse_qs(url.query)
                scope = query.get("scope", [""])[0]
                ok = query.get("service") == ["fake-registry"] and scope.endswith(":pull")
                answer = json.dumps({"token": registry.token(scope)} if ok else {}).encode()
                self._send(200 if ok else 400, {"Content-Type": "application/json"}, answer, body)
                return
            match = _MANIFESTS.match(url.path)
            if not match:
                self._send(404, {}, b"{}", body)
                return
            name, tag = match["name"], match["tag"]
            if registry.redirect and url.query != "redirected":
                self._send(307, {"Location": f"{registry.url}{url.path}?redirected"}, b"", body)
                return
            scope = f"repository:{name}:pull"
            if registry.mode == "basic" and auth != registry.basic_auth:
                self._send(401, {"WWW-Authenticate": 'Basic realm="fake-ecr"'}, b"{}", body)
                return
            if registry.mode == "public" and auth != f"Bearer {registry.token(scope)}":
                challenge = f'Bearer realm="{registry.url}/token",service="fake-registry",scope="{scope}"'
                self._send(401, {"WWW-Authenticate": challenge}, b"{}", body)
                return
            if tag == "missing":
                self._send(404, {}, b'{"errors": [{"code": "MANIFEST_UNKNOWN"}]}', body)
                return
            index = INDEX in self.headers.get("Accept", "")
            manifest = registry.manifest(name, tag, index=index)
            headers = {"Content-Type": INDEX if index else MANIFEST}
            if registry.send_digest_header:
                headers["Docker-Content-Digest"] = registry.digest(name, tag, index=index)
            self._send(200, headers, manifest, body)

    return Handler


@contextmanager
def serve(registry: FakeRegistry) -> Iterator[FakeRegistry]:
    """Run `registry` on 127.0.0.1 (its url set) until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(registry))
    registry.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield registry
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
