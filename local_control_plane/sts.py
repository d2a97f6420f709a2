"""AWS STS's GetCallerIdentity for presigned URLs, answered on this machine with real SigV4 verification.

Stands in for ``https://sts.<region>.amazonaws.com/`` as aws-iam-authenticator v0.7.10 (the Karmada API's token
webhook) calls it: an EKS token is ``k8s-aws-v1.`` + a presigned GetCallerIdentity URL whose signature covers
``x-k8s-aws-id: <cluster id>``; the authenticator GETs that URL with the header set to *its* cluster id, so only a
token made for this cluster matches. Identities come from ``LocalSts``, a registry of local IAM principals (role
sessions as sts:AssumeRole hands them out, IAM users' access keys) kept in ``<data dir>/sts/principals.json``
(mode 0600), so the server, a restarted server and the e2e tests (other processes) see the same principals.

Checked, as STS does, before anything is answered:

- the query-string auth parameters are all there, the algorithm is AWS4-HMAC-SHA256, ``host`` is signed;
- the access key is known (else InvalidClientTokenId), and the session token is the key's own: required for a
  role session's ASIA key, refused for a user's AKIA key (else InvalidClientTokenId);
- the credential scope: the date of X-Amz-Date, the region of the Host name, service ``sts``, ``aws4_request``;
- the signature, recomputed from method, path, the sorted re-encoded query without X-Amz-Signature, the signed
  headers' values as received and the empty payload's SHA-256 (what botocore's SigV4QueryAuth and the Go SDK's
  presigner use for a GET without body), compared in constant time (else SignatureDoesNotMatch);
- time: STS ignores X-Amz-Expires for GetCallerIdentity; a presigned URL is good from 5 minutes before to
  15 minutes after its X-Amz-Date (else SignatureDoesNotMatch, "Signature expired"); a URL signed after its
  role session expired is ExpiredToken.

Answers: 200 with ``GetCallerIdentityResponse`` (JSON for ``accept: application/json``, as the authenticator asks,
else STS's XML); errors with STS's error shapes. Logged: host, result and the resolved ARN; never keys, tokens or
signatures. Not modelled: IAM policies, the global endpoint ``sts.amazonaws.com``, Authorization-header requests.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import signal
import socket
import ssl
import tempfile
import threading
import urllib.parse
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple
from xml.sax.saxutils import escape

from cryptography import x509

from eks_karmada.aws_regions import EKS_REGIONS
from eks_karmada.private_file import write_private

from . import pki
from .layout import HOST_ADDRESS, Layout

LOG = logging.getLogger(__name__)

API_VERSION = "2011-06-15"
ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_PAYLOAD_SHA256 = hashlib.sha256(b"").hexdigest()
URL_LIFETIME = dt.timedelta(minutes=15)
CLOCK_SKEW = dt.timedelta(minutes=5)
DEFAULT_SESSION_SECONDS = 3600
AUTH_PARAMETERS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature")
_ARN = re.compile(r"arn:(?P<partition>aws|aws-cn|aws-us-gov):iam::(?P<account>\d{12}):(?P<kind>role|user)/"
                  r"(?:[\x21-\x7e]*/)?(?P<name>[\w+=,.@-]{1,64})")
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # the characters of IAM's unique and access key ids
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+")


class StsInputError(ValueError):
    """A principal asked of ``LocalSts`` with a malformed field; the message names the field and the fix."""


class StsError(Exception):
    """An STS error answer: HTTP status, code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _unique_id(prefix: str, length: int) -> str:
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


# ------------------------------------------------------------------------------- principals


@dataclass(frozen=True)
class Principal:
    """What an access key stands for: its secret, session token, identity and session expiry."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None
    arn: str
    user_id: str
    account: str
    expiration: dt.datetime | None

    @classmethod
    def from_json(cls, key: str, data: dict) -> Principal:
        expiration = data.get("Expiration")
        return cls(key, data["SecretAccessKey"], data.get("SessionToken"), data["Arn"], data["UserId"],
                   data["Account"], dt.datetime.fromisoformat(expiration) if expiration else None)


class LocalSts:
    """The local IAM principals (role sessions and users' access keys), in one JSON file (mode 0600)."""

    def __init__(self, data_dir: Path, clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.path = Path(data_dir) / "sts" / "principals.json"
        self.clock = clock
        self._lock = threading.Lock()

    def _load(self) -> dict:
        state = json.loads(self.path.read_text()) if self.path.exists() else {}
        for section in ("keys", "users", "roles"):
            state.setdefault(section, {})
        return state

    @contextlib.contextmanager
    def _update(self) -> Iterator[dict]:
        """The state to change, written back atomically; a file lock keeps other processes' writes."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._lock, open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = self._load()
            yield state
            write_private(self.path, json.dumps(state))  # readers never see a half-written file

    def role_session(self, role_arn: str, session_name: str,
                     duration_seconds: int = DEFAULT_SESSION_SECONDS) -> dict:
        """New credentials of a session of ``role_arn``, as sts:AssumeRole's ``Credentials`` (Expiration a datetime).

        The session's identity is ``arn:<partition>:sts::<account>:assumed-role/<role name>/<session name>`` with
        UserId ``<the role's AROA id>:<session name>``; the role keeps its id across sessions.
        """
        found = _parse_arn(role_arn, "role_arn", "role")
        if not _SESSION_NAME.fullmatch(session_name or ""):
            raise StsInputError(f"session_name {session_name!r}: use 2 to 64 letters, digits or +=,.@_- characters")
        if not 900 <= duration_seconds <= 43200:
            raise StsInputError(f"duration_seconds {duration_seconds}: use 900 to 43200 seconds, as AssumeRole allows")
        now = self.clock()
        expiration = (now + dt.timedelta(seconds=duration_seconds)).replace(microsecond=0)
        key = _unique_id("ASIA", 16)
        secret = base64.b64encode(os.urandom(30)).decode()
        token = base64.b64encode(os.urandom(192)).decode()  # like STS's: base64 with + / and =
        with self._update() as state:
            role_id = state["roles"].setdefault(role_arn, _unique_id("AROA", 17))
            # Sessions long gone are dropped, so the file does not grow without end.
            state["keys"] = {k: v for k, v in state["keys"].items()
                             if not v.get("Expiration")
                             or dt.datetime.fromisoformat(v["Expiration"]) > now - dt.timedelta(days=1)}
            state["keys"][key] = {
                "SecretAccessKey": secret, "SessionToken": token, "Account": found["account"],
                "Arn": f"arn:{found['partition']}:sts::{found['account']}:assumed-role/{found['name']}/{session_name}",
                "UserId": f"{role_id}:{session_name}", "Expiration": expiration.isoformat(),
            }
        return {"AccessKeyId": key, "SecretAccessKey": secret, "SessionToken": token, "Expiration": expiration}

    def user(self, user_arn: str) -> dict:
        """The access key of IAM user ``user_arn``: made on first use, the same afterwards.

        AccessKeyId AKIA... and SecretAccessKey, as iam:CreateAccessKey returns them; the identity's UserId is AIDA....
        """
        found = _parse_arn(user_arn, "user_arn", "user")
        with self._update() as state:
            key = state["users"].get(user_arn)
            if key is None or key not in state["keys"]:
                key = _unique_id("AKIA", 16)
                state["users"][user_arn] = key
                state["keys"][key] = {"SecretAccessKey": base64.b64encode(os.urandom(30)).decode(),
                                      "Account": found["account"], "Arn": user_arn,
                                      "UserId": _unique_id("AIDA", 17)}
            secret = state["keys"][key]["SecretAccessKey"]
        return {"AccessKeyId": key, "SecretAccessKey": secret}

    def principal(self, access_key_id: str) -> Principal | None:
        """Who ``access_key_id`` belongs to; None for a key this registry never issued."""
        data = self._load()["keys"].get(access_key_id)
        return Principal.from_json(access_key_id, data) if data else None


def _parse_arn(arn: str, field: str, kind: str) -> dict[str, str]:
    found = _ARN.fullmatch(arn or "")
    if found is None or found["kind"] != kind:
        raise StsInputError(f"{field} {arn!r}: use an IAM {kind} ARN, arn:aws:iam::<12-digit account>:{kind}/<name>")
    return found.groupdict()


# ------------------------------------------------------------------------------- verification


@dataclass(frozen=True)
class PresignedRequest:
    """The parts of an HTTP request SigV4 covers, as received."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]

    def header(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name]


@dataclass(frozen=True)
class Identity:
    """GetCallerIdentity's result."""

    account: str
    arn: str
    user_id: str


def region_of(host: str) -> str | None:
    """``us-east-1`` of ``sts.us-east-1.amazonaws.com`` (a port allowed); None for any other name."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    parts = name.lower().split(".")
    if len(parts) == 4 and parts[0] == "sts" and parts[2:] == ["amazonaws", "com"] and _REGION.fullmatch(parts[1]):
        return parts[1]
    return None


def _parameters(query: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        if key in values:
            raise StsError(400, "MalformedQueryString", f"The parameter {key} appears more than once.")
        values[key] = value
    return values


def _encode(value: str) -> str:
    return urllib.parse.quote(value, safe="-_.~")


def canonical_request(request: PresignedRequest, parameters: dict[str, str], signed_headers: list[str]) -> str:
    """SigV4's canonical request of a presigned URL (X-Amz-Signature left out, the empty payload's hash)."""
    query = "&".join(f"{k}={v}" for k, v in sorted((_encode(k), _encode(v)) for k, v in parameters.items()
                                                      if k != "X-Amz-Signature"))
    headers = "".join(f"{name}:{','.join(' '.join(v.split()) for v in request.header(name))}\n"
                      for name in signed_headers)
    path = urllib.parse.quote(urllib.parse.unquote(request.path) or "/", safe="/~")
    return "\n".join([request.method, path, query, headers, ";".join(signed_headers), EMPTY_PAYLOAD_SHA256])


def _signing_key(secret: str, day: str, region: str) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (day, region, "sts", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def verify(request: PresignedRequest, sts: LocalSts, region: str, now: dt.datetime) -> Identity:
    """The identity that signed ``request`` for ``region``; StsError as STS would answer otherwise."""
    parameters = _parameters(request.query)
    if not any(key.startswith("X-Amz-") for key in parameters):
        raise StsError(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
    missing = [key for key in AUTH_PARAMETERS if not parameters.get(key)]
    if missing:
        raise StsError(400, "IncompleteSignature", "AWS query-string parameters must include "
                       + ", ".join(f"'{key}'" for key in AUTH_PARAMETERS) + ". Missing: " + ", ".join(missing) + ".")
    if parameters["X-Amz-Algorithm"] != ALGORITHM:
        raise StsError(400, "IncompleteSignature", f"Unsupported AWS 'algorithm': '{parameters['X-Amz-Algorithm']}'.")
    try:
        signed_at = dt.datetime.strptime(parameters["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise StsError(400, "IncompleteSignature", "X-Amz-Date must be in the ISO-8601 basic format "
                       "YYYYMMDD'T'HHMMSS'Z'.") from None
    expires = parameters.get("X-Amz-Expires", "0")
    if not expires.isdigit() or int(expires) > 604800:
        raise StsError(400, "IncompleteSignature", "X-Amz-Expires must be a whole number of seconds up to 604800.")
    scope = parameters["X-Amz-Credential"].split("/")
    if len(scope) != 5:
        raise StsError(400, "IncompleteSignature", "Credential must have exactly 5 slash-delimited elements, "
                       "e.g. keyid/date/region/service/term.")
    key_id, day, scope_region, service, terminator = scope
    principal = sts.principal(key_id)
    if principal is None:
        raise StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
    token = parameters.get("X-Amz-Security-Token")
    if principal.session_token is None:
        if token is not None:
            raise StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
    elif token is None or not hmac.compare_digest(token.encode(), principal.session_token.encode()):
        raise StsError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
    if day != parameters["X-Amz-Date"][:8]:
        raise StsError(403, "SignatureDoesNotMatch", f"Date in Credential scope does not match YYYYMMDD from "
                       f"ISO-8601 version of date from HTTP: '{day}' != '{parameters['X-Amz-Date'][:8]}'.")
    if scope_region != region:
        raise StsError(403, "SignatureDoesNotMatch", f"Credential should be scoped to a valid region, "
                       f"not '{scope_region}'.")
    if service != "sts" or terminator != "aws4_request":
        raise StsError(403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'.")
    signed_headers = parameters["X-Amz-SignedHeaders"].split(";")
    if "host" not in signed_headers or signed_headers != sorted(set(signed_headers)):
        raise StsError(403, "SignatureDoesNotMatch", "X-Amz-SignedHeaders must list 'host', in lower case, sorted.")
    canonical = canonical_request(request, parameters, signed_headers)
    string_to_sign = "\n".join([ALGORITHM, parameters["X-Amz-Date"], f"{day}/{region}/sts/aws4_request",
                                hashlib.sha256(canonical.encode()).hexdigest()])
    expected = hmac.new(_signing_key(principal.secret_access_key, day, region), string_to_sign.encode(),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parameters["X-Amz-Signature"]):
        raise StsError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the "
                       "signature you provided. Check your AWS Secret Access Key and signing method.")
    stamp = "%Y%m%dT%H%M%SZ"
    if now > signed_at + URL_LIFETIME:
        raise StsError(403, "SignatureDoesNotMatch", f"Signature expired: {signed_at.strftime(stamp)} is now earlier "
                       f"than {(now - URL_LIFETIME).strftime(stamp)} ({now.strftime(stamp)} - 15 min.)")
    if signed_at > now + CLOCK_SKEW:
        raise StsError(403, "SignatureDoesNotMatch", f"Signature not yet current: {signed_at.strftime(stamp)} is "
                       f"still later than {(now + CLOCK_SKEW).strftime(stamp)} ({now.strftime(stamp)} + 5 min.)")
    if principal.expiration is not None and signed_at >= principal.expiration:
        raise StsError(403, "ExpiredToken", "The security token included in the request is expired")
    if parameters.get("Action") != "GetCallerIdentity" or parameters.get("Version") != API_VERSION:
        raise StsError(400, "InvalidAction", f"Could not find operation {parameters.get('Action')} for version "
                       f"{parameters.get('Version')}")
    return Identity(principal.account, principal.arn, principal.user_id)


# ------------------------------------------------------------------------------- answers


def success_body(identity: Identity, request_id: str, as_json: bool) -> tuple[bytes, str]:
    """GetCallerIdentity's answer, as aws-iam-authenticator's getCallerIdentityWrapper (JSON) or botocore parse it."""
    if as_json:
        return json.dumps({"GetCallerIdentityResponse": {
            "GetCallerIdentityResult": {"Account": identity.account, "Arn": identity.arn, "UserId": identity.user_id},
            "ResponseMetadata": {"RequestId": request_id}}}).encode(), "application/json"
    return (f'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/{API_VERSION}/">'
            f"<GetCallerIdentityResult><Arn>{escape(identity.arn)}</Arn><UserId>{escape(identity.user_id)}</UserId>"
            f"<Account>{identity.account}</Account></GetCallerIdentityResult>"
            f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
            "</GetCallerIdentityResponse>").encode(), "text/xml"


def error_body(error: StsError, request_id: str, as_json: bool) -> tuple[bytes, str]:
    """STS's error document; every error here is the caller's (Type Sender)."""
    if as_json:
        return json.dumps({"Error": {"Code": error.code, "Message": str(error), "Type": "Sender"},
                           "RequestId": request_id}).encode(), "application/json"
    return (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/{API_VERSION}/"><Error><Type>Sender</Type>'
            f"<Code>{error.code}</Code><Message>{escape(str(error))}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>").encode(), "text/xml"


# ------------------------------------------------------------------------------- TLS and the server


class ServingCertificate(NamedTuple):
    """The STS names' serving certificate, its key and the CA that issued it (for SSL_CERT_FILE)."""

    cert_pem: bytes
    key_pem: bytes
    ca_pem: bytes


def host_names(regions: Iterable[str]) -> list[str]:
    """``sts.<region>.amazonaws.com`` of each region; ValueError naming a malformed region."""
    names = []
    for region in sorted(set(regions)):
        if not _REGION.fullmatch(region):
            raise StsInputError(f"region {region!r}: use an AWS region name such as us-east-1")
        names.append(f"sts.{region}.amazonaws.com")
    return names


def serving_certificate(data_dir: Path, regions: Iterable[str]) -> ServingCertificate:
    """A certificate for the regions' STS names from a local CA, both kept under ``<data dir>/sts``.

    The CA stays across calls (the authenticator trusts it by file); the leaf is issued again when the names
    change or it has less than 30 days left.
    """
    names = host_names(regions)
    folder = Path(data_dir) / "sts"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def pair(name: str, make: Callable[[], pki.KeyPair], current: Callable[[bytes], bool]) -> pki.KeyPair:
        cert, key = folder / f"{name}.crt", folder / f"{name}.key"
        if not cert.exists() or not key.exists() or not current(cert.read_bytes()):
            made = make()
            fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(made.key_pem)
            cert.write_bytes(made.cert_pem)
        return pki.KeyPair(cert.read_bytes(), key.read_bytes())

    ca = pair("ca", lambda: pki.new_ca("eks-karmada local STS CA"), lambda _: True)

    def leaf_current(pem: bytes) -> bool:
        cert = x509.load_pem_x509_certificate(pem)
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        issuer = x509.load_pem_x509_certificate(ca.cert_pem)
        return (sorted(sans.get_values_for_type(x509.DNSName)) == names and cert.issuer == issuer.subject
                and cert.not_valid_after_utc - _utcnow() > dt.timedelta(days=30))

    leaf = pair("tls", lambda: pki.issue_leaf(ca, names[0], dns_names=names, server=True), leaf_current)
    return ServingCertificate(leaf.cert_pem, leaf.key_pem, ca.cert_pem)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Go's client reuses connections
    timeout = 30

    @property
    def owner(self) -> StsServer:
        assert isinstance(self.server, _TlsServer)
        return self.server.owner

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.owner.answer(self)

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.owner.refuse(self, StsError(400, "InvalidAction", "this local STS answers presigned GET only"))

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request line holds the signature and the session token: StsServer logs its own line


class _TlsServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: StsServer
    context: ssl.SSLContext

    def finish_request(self, request: Any, client_address: Any) -> None:
        # The TLS handshake runs here, in the connection's own thread, so a slow client holds up no other.
        request.settimeout(_Handler.timeout)
        try:
            connection = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(connection, client_address, self)
        finally:
            with contextlib.suppress(OSError):
                connection.close()


class _TlsServer6(_TlsServer):
    address_family = socket.AF_INET6


class StsServer:
    """The HTTPS endpoint ``sts.<region>.amazonaws.com`` of each region, on one address and port."""

    def __init__(self, sts: LocalSts, regions: Iterable[str], certificate: ServingCertificate,
                 address: str = "127.0.0.1", port: int = 443,
                 clock: Callable[[], dt.datetime] = _utcnow) -> None:
        self.sts = sts
        self.regions = frozenset(regions)
        host_names(self.regions)  # a malformed region fails here, before anything listens
        self.certificate = certificate
        self.address = address
        self.requested_port = port
        self.clock = clock
        self._server: _TlsServer | None = None

    @property
    def port(self) -> int:
        """The port it listens on (the one chosen by the system when asked for 0)."""
        return self._server.server_address[1] if self._server else self.requested_port

    def start(self) -> StsServer:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        # The ssl module loads keys from files only: a private temporary folder (mode 0700), removed at once.
        with tempfile.TemporaryDirectory(prefix="local-sts-") as folder:
            cert, key = Path(folder) / "tls.crt", Path(folder) / "tls.key"
            cert.write_bytes(self.certificate.cert_pem)
            key.write_bytes(self.certificate.key_pem)
            context.load_cert_chain(cert, key)
        server_class = _TlsServer6 if ":" in self.address else _TlsServer
        self._server = server_class((self.address, self.requested_port), _Handler)
        self._server.owner = self
        self._server.context = context
        threading.Thread(target=self._server.serve_forever, name="local-sts", daemon=True).start()
        LOG.info("local STS on %s:%s for %s", self.address, self.port, ", ".join(host_names(self.regions)))
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        host = handler.headers.get("Host", "")
        region = region_of(host)
        if region is None or region not in self.regions:
            self.refuse(handler, StsError(421, "MisdirectedRequest", f"this local STS does not serve {host!r}"))
            return
        path, _, query = handler.path.partition("?")
        request = PresignedRequest(handler.command, path, query, tuple(handler.headers.items()))
        try:
            identity = verify(request, self.sts, region, self.clock())
        except StsError as err:
            self.refuse(handler, err)
            return
        request_id = str(uuid.uuid4())
        body, content_type = success_body(identity, request_id, _wants_json(handler))
        LOG.info("%s GetCallerIdentity: 200 %s", host, identity.arn)
        self._send(handler, 200, body, content_type, request_id)

    def refuse(self, handler: BaseHTTPRequestHandler, error: StsError) -> None:
        request_id = str(uuid.uuid4())
        body, content_type = error_body(error, request_id, _wants_json(handler))
        LOG.info("%s %s: %s %s", handler.headers.get("Host", ""), handler.command, error.status, error.code)
        self._send(handler, error.status, body, content_type, request_id)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str, request_id: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("x-amzn-RequestId", request_id)
        handler.end_headers()
        handler.wfile.write(body)


def _wants_json(handler: BaseHTTPRequestHandler) -> bool:
    return "application/json" in handler.headers.get("Accept", "").lower()


def serve(sts: LocalSts, regions: Iterable[str], certificate: ServingCertificate, address: str, port: int) -> None:
    """Run the server until SIGTERM or SIGINT (a daemon's main)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    server = StsServer(sts, regions, certificate, address, port).start()
    try:
        while not stopping.wait(1.0):
            pass
    finally:
        server.stop()


# ------------------------------------------------------------------------------- the daemon of `make local`

def sts_hosts_entry() -> tuple[str, str]:
    """The /etc/hosts line that sends every region's STS name to the daemon (on the bridge's host address)."""
    return str(HOST_ADDRESS), " ".join(host_names(EKS_REGIONS))


def local_sts_daemon(layout: Layout) -> None:
    """`python -m local_control_plane sts`: every region's STS name on the bridge's host address, port 443."""
    certificate = serving_certificate(layout.data, EKS_REGIONS)
    serve(LocalSts(layout.data), EKS_REGIONS, certificate, str(HOST_ADDRESS), 443)
