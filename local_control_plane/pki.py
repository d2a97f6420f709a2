"""Issue X.509 certificates the way cert-manager v1.21 does, without cert-manager.

The local control plane runs the rendered manifests for real but has no cert-manager: this module
reads the rendered ``cert-manager.io/v1`` Issuer and Certificate objects and produces the
``kubernetes.io/tls`` Secrets cert-manager would write for them. Only cert-manager semantics live
here; nothing knows about the objects' names or what they are used for.

Behaviour re-implemented from cert-manager v1.21 (``pkg/util/pki``, the CA and selfSigned
CertificateRequest issuers, the issuing controller's Secret writer and the trigger policies):

- Defaults: duration 2160h, usages "digital signature" + "key encipherment" ("cert sign" is added
  when isCA), RSA 2048 / ECDSA P-256, PKCS1 encoding, rotationPolicy Always.
- Every certificate carries a critical BasicConstraints (CA:FALSE on leaves), a critical KeyUsage
  when any key usage is set and the ExtendedKeyUsage list in spec order. CA certificates get a
  SubjectKeyIdentifier (Go 1.25: leftmost 160 bits of SHA-256 of the public key); certificates
  whose issuer DN differs from their subject get the signer's SKI as AuthorityKeyIdentifier.
- The subject is built like Go's ``pkix.Name``: C, ST, L, STREET, POSTALCODE, O, OU, CN,
  SERIALNUMBER, several values of one attribute in one multi-valued RDN, PrintableString when the
  value allows it. The SAN extension is critical when the subject is empty.
- The signature hash follows the *signer's* key (RSA >= 4096: SHA-512, >= 3072: SHA-384, else
  SHA-256; ECDSA by curve), serial numbers are 159 random bits, NotBefore = now,
  NotAfter = now + duration.
- selfSigned: signed by the certificate's own key, ``ca.crt`` is the certificate itself.
  CA issuer: signed by the key in ``spec.ca.secretName``; ``tls.crt`` is the leaf plus any
  non-self-signed CA certificates of that Secret; ``ca.crt`` is the top of the chain built from
  the CA Secret's ``tls.crt`` and ``ca.crt`` (its root when it has one).
- An existing Secret is kept while it still matches the Certificate (what cert-manager checks
  against the Secret and its CertificateRequest: key pair, key algorithm and size, issuer and
  certificate-name annotations, subject, SANs, isCA, usages, duration) and is not due for renewal
  (renewBefore, renewBeforePercentage, or 2/3 of the lifetime).

One deliberate addition: a Secret issued by a CA issuer whose certificate no longer verifies
against that issuer's current CA is re-issued. cert-manager keeps such a leaf until its next
renewal; a local control plane never wants a chain that does not verify.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding, PrivateFormat, PublicFormat
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

__all__ = [
    "IssuedSecret",
    "KeyPair",
    "PkiError",
    "issue",
    "issue_leaf",
    "new_ca",
    "new_service_account_key",
]

log = logging.getLogger(__name__)

API_VERSION = "cert-manager.io/v1"
GROUP = "cert-manager.io"
# cert-manager's --cluster-resource-namespace default: where a ClusterIssuer's CA Secret lives.
CLUSTER_RESOURCE_NAMESPACE = "cert-manager"

DEFAULT_DURATION = dt.timedelta(hours=2160)
MINIMUM_DURATION = dt.timedelta(hours=1)
MINIMUM_RENEW_BEFORE = dt.timedelta(minutes=5)
DEFAULT_USAGES = ("digital signature", "key encipherment")

ANN_CERTIFICATE_NAME = "cert-manager.io/certificate-name"
ANN_ISSUER_NAME = "cert-manager.io/issuer-name"
ANN_ISSUER_KIND = "cert-manager.io/issuer-kind"
ANN_ISSUER_GROUP = "cert-manager.io/issuer-group"
LABEL_FAO = "controller.cert-manager.io/fao"

# cert-manager usage name -> cryptography KeyUsage argument.
_KEY_USAGES = {
    "signing": "digital_signature",
    "digital signature": "digital_signature",
    "content commitment": "content_commitment",
    "key encipherment": "key_encipherment",
    "key agreement": "key_agreement",
    "data encipherment": "data_encipherment",
    "cert sign": "key_cert_sign",
    "crl sign": "crl_sign",
    "encipher only": "encipher_only",
    "decipher only": "decipher_only",
}
_EXT_KEY_USAGES = {
    "any": ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
    "server auth": ExtendedKeyUsageOID.SERVER_AUTH,
    "client auth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "code signing": ExtendedKeyUsageOID.CODE_SIGNING,
    "email protection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "s/mime": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "ipsec end system": ObjectIdentifier("1.3.6.1.5.5.7.3.5"),
    "ipsec tunnel": ObjectIdentifier("1.3.6.1.5.5.7.3.6"),
    "ipsec user": ObjectIdentifier("1.3.6.1.5.5.7.3.7"),
    "timestamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "ocsp signing": ExtendedKeyUsageOID.OCSP_SIGNING,
    "microsoft sgc": ObjectIdentifier("1.3.6.1.4.1.311.10.3.3"),
    "netscape sgc": ObjectIdentifier("2.16.840.1.113730.4.1"),
}
_ALL_KEY_USAGE_ARGS = sorted(set(_KEY_USAGES.values()))

# spec.subject field -> OID, in the order Go's pkix.Name.ToRDNSequence emits them (CN and
# serialNumber are placed between organizationalUnits and nothing, see _subject).
_SUBJECT_FIELDS = (
    ("countries", NameOID.COUNTRY_NAME),
    ("provinces", NameOID.STATE_OR_PROVINCE_NAME),
    ("localities", NameOID.LOCALITY_NAME),
    ("streetAddresses", NameOID.STREET_ADDRESS),
    ("postalCodes", NameOID.POSTAL_CODE),
    ("organizations", NameOID.ORGANIZATION_NAME),
    ("organizationalUnits", NameOID.ORGANIZATIONAL_UNIT_NAME),
)
_SUBJECT_ANNOTATIONS = {
    "organizations": "cert-manager.io/subject-organizations",
    "organizationalUnits": "cert-manager.io/subject-organizationalunits",
    "countries": "cert-manager.io/subject-countries",
    "provinces": "cert-manager.io/subject-provinces",
    "localities": "cert-manager.io/subject-localities",
    "postalCodes": "cert-manager.io/subject-postalcodes",
    "streetAddresses": "cert-manager.io/subject-streetaddresses",
}
# Certificate fields this module does not implement (subject and SAN extensions, output formats,
# and v1.21's spec.renewal, whose policy Disabled or cron windows change when a certificate renews):
# refusing them is better than issuing or renewing something cert-manager would not.
_UNSUPPORTED_SPEC_FIELDS = (
    "renewal",
    "literalSubject",
    "otherNames",
    "nameConstraints",
    "keystores",
    "additionalOutputFormats",
)

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


class PkiError(ValueError):
    """A Certificate or Issuer cannot be issued as written; the message names object and field."""


@dataclass(frozen=True)
class IssuedSecret:
    """One ``kubernetes.io/tls`` Secret, as cert-manager writes it for a Certificate.

    ``manifest`` is a complete v1 Secret (base64 ``data`` with ``tls.crt``, ``tls.key`` and, when
    the issuer provides one, ``ca.crt``); ``certificate`` is the Certificate object's name.
    """

    namespace: str
    name: str
    certificate: str
    manifest: dict


@dataclass(frozen=True)
class KeyPair:
    """A PEM certificate (or public key) and its PEM private key."""

    cert_pem: bytes
    key_pem: bytes


# --------------------------------------------------------------------------- Go durations

_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,  # U+00B5 micro sign
    "μs": 1e-6,  # U+03BC greek mu
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_DURATION_TERM = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def _parse_duration(value: object, where: str) -> dt.timedelta:
    """Parse a Go ``time.ParseDuration`` string ("2160h", "720h0m0s", "1.5h")."""
    if not isinstance(value, str):
        raise PkiError(f"{where}: {value!r} is not a duration string such as '2160h'")
    sign = -1 if value.startswith("-") else 1
    body = value[1:] if value[:1] in ("+", "-") else value
    if body == "0":
        return dt.timedelta(0)
    pos, seconds = 0, 0.0
    while pos < len(body):
        match = _DURATION_TERM.match(body, pos)
        if not match:
            break
        seconds += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    if not body or pos != len(body):
        raise PkiError(f"{where}: invalid duration {value!r}")
    return dt.timedelta(seconds=sign * seconds)


# --------------------------------------------------------------------------- object access


def _meta(obj: dict) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return meta.get("namespace") or "default", meta.get("name") or ""


def _ident(obj: dict) -> str:
    namespace, name = _meta(obj)
    if obj.get("kind") == "ClusterIssuer":
        return f"ClusterIssuer {name}"
    return f"{obj.get('kind')} {namespace}/{name}"


def _strings(value: object, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PkiError(f"{where}: expected a list of strings, got {value!r}")
    return list(value)


# --------------------------------------------------------------------------- Certificate spec


@dataclass(frozen=True, eq=False)  # identity-hashed: used as a dict key
class _Spec:
    """A Certificate with cert-manager's defaults applied and its webhook validation done."""

    obj: dict
    namespace: str
    name: str
    secret_name: str
    common_name: str
    subject: dict[str, list[str]]
    serial_number: str
    dns_names: list[str]
    ip_addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address]
    uris: list[str]
    emails: list[str]
    is_ca: bool
    key_usages: frozenset[str]
    ext_key_usages: tuple[ObjectIdentifier, ...]
    duration: dt.timedelta
    renew_before: dt.timedelta | None
    renew_before_percentage: int | None
    key_algorithm: str
    key_size: int
    key_encoding: str
    rotation_policy: str
    issuer_name: str
    issuer_kind: str
    issuer_group: str
    template_labels: dict[str, str] = field(default_factory=dict)
    template_annotations: dict[str, str] = field(default_factory=dict)

    @property
    def ident(self) -> str:
        return f"Certificate {self.namespace}/{self.name}"

    @property
    def secret_key(self) -> tuple[str, str]:
        return self.namespace, self.secret_name


def _parse_spec(obj: dict) -> _Spec:
    namespace, name = _meta(obj)
    ident = f"Certificate {namespace}/{name}"
    spec = obj.get("spec") or {}
    for unsupported in _UNSUPPORTED_SPEC_FIELDS:
        if spec.get(unsupported):
            raise PkiError(f"{ident}: spec.{unsupported} is not supported by the local issuer")
    secret_name = spec.get("secretName") or ""
    if not secret_name:
        raise PkiError(f"{ident}: spec.secretName must be specified")
    subject_obj = spec.get("subject") or {}
    subject = {f: _strings(subject_obj.get(f), f"{ident}: spec.subject.{f}") for f, _ in _SUBJECT_FIELDS}
    common_name = spec.get("commonName") or ""
    dns_names = _strings(spec.get("dnsNames"), f"{ident}: spec.dnsNames")
    ip_strings = _strings(spec.get("ipAddresses"), f"{ident}: spec.ipAddresses")
    ips = [_parse_ip(v, f"{ident}: spec.ipAddresses[{i}]") for i, v in enumerate(ip_strings)]
    uris = _strings(spec.get("uris"), f"{ident}: spec.uris")
    emails = _strings(spec.get("emailAddresses"), f"{ident}: spec.emailAddresses")
    if not (common_name or dns_names or ips or uris or emails):
        raise PkiError(
            f"{ident}: at least one of spec.commonName, spec.dnsNames, spec.uris, spec.ipAddresses "
            "or spec.emailAddresses must be set"
        )
    is_ca = bool(spec.get("isCA", False))
    key_usages, ext_key_usages = _usages(spec.get("usages"), is_ca, ident)
    duration, renew_before, percentage = _lifetime(spec, ident)
    algorithm, size, encoding, rotation = _private_key_spec(spec.get("privateKey") or {}, ident)
    issuer_ref = spec.get("issuerRef") or {}
    if not issuer_ref.get("name"):
        raise PkiError(f"{ident}: spec.issuerRef.name must be specified")
    template = spec.get("secretTemplate") or {}
    return _Spec(
        obj=obj,
        namespace=namespace,
        name=name,
        secret_name=secret_name,
        common_name=common_name,
        subject=subject,
        serial_number=subject_obj.get("serialNumber") or "",
        dns_names=dns_names,
        ip_addresses=ips,
        uris=uris,
        emails=emails,
        is_ca=is_ca,
        key_usages=key_usages,
        ext_key_usages=ext_key_usages,
        duration=duration,
        renew_before=renew_before,
        renew_before_percentage=percentage,
        key_algorithm=algorithm,
        key_size=size,
        key_encoding=encoding,
        rotation_policy=rotation,
        issuer_name=issuer_ref["name"],
        issuer_kind=issuer_ref.get("kind") or "",
        issuer_group=issuer_ref.get("group") or "",
        template_labels=dict(template.get("labels") or {}),
        template_annotations=dict(template.get("annotations") or {}),
    )


def _parse_ip(value: str, where: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        raise PkiError(f"{where}: invalid IP address {value!r}") from None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            raise PkiError(f"{where}: IP address {value!r} must not carry a zone")
        # Go encodes an IPv4-mapped IPv6 address as the 4-byte IPv4 address.
        if ip.ipv4_mapped:
            return ip.ipv4_mapped
    return ip


def _usages(raw: object, is_ca: bool, ident: str) -> tuple[frozenset[str], tuple[ObjectIdentifier, ...]]:
    usages = _strings(raw, f"{ident}: spec.usages") or list(DEFAULT_USAGES)
    key_usages = {"key_cert_sign"} if is_ca else set()
    ext_key_usages: list[ObjectIdentifier] = []
    for i, usage in enumerate(usages):
        if usage in _KEY_USAGES:
            key_usages.add(_KEY_USAGES[usage])
        elif usage in _EXT_KEY_USAGES:
            ext_key_usages.append(_EXT_KEY_USAGES[usage])
        else:
            raise PkiError(f"{ident}: spec.usages[{i}]: unknown key usage {usage!r}")
    if key_usages & {"encipher_only", "decipher_only"} and "key_agreement" not in key_usages:
        # Go would encode it; RFC 5280 and the cryptography package do not allow it.
        raise PkiError(f"{ident}: spec.usages: 'encipher only'/'decipher only' need 'key agreement'")
    return frozenset(key_usages), tuple(ext_key_usages)


def _lifetime(spec: dict, ident: str) -> tuple[dt.timedelta, dt.timedelta | None, int | None]:
    duration = DEFAULT_DURATION
    if spec.get("duration") is not None:
        duration = _parse_duration(spec["duration"], f"{ident}: spec.duration")
    if duration < MINIMUM_DURATION:
        raise PkiError(f"{ident}: spec.duration: certificate duration must be greater than 1h0m0s")
    renew_before = None
    if spec.get("renewBefore") is not None:
        renew_before = _parse_duration(spec["renewBefore"], f"{ident}: spec.renewBefore")
        if renew_before < MINIMUM_RENEW_BEFORE:
            raise PkiError(f"{ident}: spec.renewBefore: must be greater than 5m0s")
        if renew_before >= duration:
            raise PkiError(f"{ident}: spec.renewBefore: must be less than spec.duration")
    percentage = spec.get("renewBeforePercentage")
    if percentage is not None:
        if renew_before is not None:
            raise PkiError(f"{ident}: spec.renewBefore and spec.renewBeforePercentage are mutually exclusive")
        if not isinstance(percentage, int) or not 0 < percentage < 100:
            raise PkiError(f"{ident}: spec.renewBeforePercentage: must be an integer between 1 and 99")
    return duration, renew_before, percentage


def _private_key_spec(pk: dict, ident: str) -> tuple[str, int, str, str]:
    algorithm = pk.get("algorithm") or "RSA"
    size = pk.get("size") or 0
    if algorithm == "RSA":
        size = size or 2048
        if not 2048 <= size <= 8192:
            raise PkiError(f"{ident}: spec.privateKey.size: must be between 2048 and 8192 for RSA")
    elif algorithm == "ECDSA":
        size = size or 256
        if size not in (256, 384, 521):
            raise PkiError(f"{ident}: spec.privateKey.size: must be 256, 384 or 521 for ECDSA")
    elif algorithm == "Ed25519":
        size = 0
    else:
        raise PkiError(f"{ident}: spec.privateKey.algorithm: must be RSA, ECDSA or Ed25519, not {algorithm!r}")
    encoding = pk.get("encoding") or "PKCS1"
    if encoding not in ("PKCS1", "PKCS8"):
        raise PkiError(f"{ident}: spec.privateKey.encoding: must be PKCS1 or PKCS8, got {encoding!r}")
    rotation = pk.get("rotationPolicy") or "Always"  # cert-manager >= 1.18 default
    if rotation not in ("Always", "Never"):
        raise PkiError(f"{ident}: spec.privateKey.rotationPolicy: must be Always or Never, got {rotation!r}")
    return algorithm, size, encoding, rotation


# --------------------------------------------------------------------------- issuers


@dataclass(frozen=True)
class _Issuer:
    """A resolved issuer: selfSigned (ca_secret None) or CA (ca_secret = the Secret's key)."""

    ident: str
    ca_secret: tuple[str, str] | None


def _index_issuers(objects: Iterable[dict]) -> dict[tuple[str, str, str], dict]:
    issuers: dict[tuple[str, str, str], dict] = {}
    for obj in objects:
        if obj.get("kind") not in ("Issuer", "ClusterIssuer") or not _is_cert_manager(obj):
            continue
        namespace, name = _meta(obj)
        key = (obj["kind"], "" if obj["kind"] == "ClusterIssuer" else namespace, name)
        if key in issuers:
            raise PkiError(f"{_ident(obj)}: defined twice")
        issuers[key] = obj
    return issuers


def _is_cert_manager(obj: dict) -> bool:
    api_version = obj.get("apiVersion") or ""
    if api_version.startswith(GROUP + "/") and api_version != API_VERSION:
        raise PkiError(f"{_ident(obj)}: apiVersion {api_version} is not served by cert-manager v1.21")
    return api_version == API_VERSION


def _resolve_issuer(spec: _Spec, issuers: dict[tuple[str, str, str], dict]) -> _Issuer:
    if spec.issuer_group not in ("", GROUP):
        raise PkiError(f"{spec.ident}: spec.issuerRef.group: external issuers ({spec.issuer_group}) are not supported")
    kind = spec.issuer_kind or "Issuer"
    if kind not in ("Issuer", "ClusterIssuer"):
        raise PkiError(f"{spec.ident}: spec.issuerRef.kind: must be Issuer or ClusterIssuer, got {kind!r}")
    namespace = spec.namespace if kind == "Issuer" else ""
    obj = issuers.get((kind, namespace, spec.issuer_name))
    if obj is None:
        where = f" in namespace {spec.namespace}" if kind == "Issuer" else ""
        raise PkiError(f"{spec.ident}: spec.issuerRef.name: {kind} {spec.issuer_name!r} not found{where}")
    issuer_spec = obj.get("spec") or {}
    if "selfSigned" in issuer_spec:
        return _Issuer(_ident(obj), None)
    if "ca" in issuer_spec:
        secret_name = (issuer_spec["ca"] or {}).get("secretName")
        if not secret_name:
            raise PkiError(f"{_ident(obj)}: spec.ca.secretName must be specified")
        resource_namespace = namespace or CLUSTER_RESOURCE_NAMESPACE
        return _Issuer(_ident(obj), (resource_namespace, secret_name))
    kinds = ", ".join(sorted(issuer_spec)) or "none"
    raise PkiError(f"{_ident(obj)}: spec: only selfSigned and ca issuers are supported (found {kinds})")


def _issue_order(specs: list[_Spec], issuers: dict[_Spec, _Issuer], existing: dict) -> list[_Spec]:
    """Certificates in dependency order: a CA issuer's Secret is issued before its leaves."""
    producers: dict[tuple[str, str], _Spec] = {}
    for spec in specs:
        other = producers.setdefault(spec.secret_key, spec)
        if other is not spec:
            raise PkiError(
                f"{spec.ident}: spec.secretName {spec.secret_name!r} is also written by {other.ident}"
            )
    order: list[_Spec] = []
    state: dict[str, str] = {}  # ident -> "visiting" | "done"

    def visit(spec: _Spec, path: list[str]) -> None:
        if state.get(spec.ident) == "done":
            return
        if state.get(spec.ident) == "visiting":
            cycle = " -> ".join(path[path.index(spec.ident):] + [spec.ident])
            raise PkiError(f"{spec.ident}: issuer cycle: {cycle}")
        state[spec.ident] = "visiting"
        issuer = issuers[spec]
        if issuer.ca_secret is not None:
            producer = producers.get(issuer.ca_secret)
            if producer is not None:
                visit(producer, path + [spec.ident, issuer.ident])
            elif issuer.ca_secret not in existing:
                ns, name = issuer.ca_secret
                raise PkiError(
                    f"{issuer.ident}: spec.ca.secretName: Secret {ns}/{name} (needed by {spec.ident}) "
                    "is neither issued by a Certificate nor in the existing Secrets"
                )
        state[spec.ident] = "done"
        order.append(spec)

    for spec in specs:
        visit(spec, [])
    return order


# --------------------------------------------------------------------------- keys


def _generate_key(algorithm: str, size: int) -> PrivateKey:
    if algorithm == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=size)
    if algorithm == "ECDSA":
        curve = {256: ec.SECP256R1(), 384: ec.SECP384R1(), 521: ec.SECP521R1()}[size]
        return ec.generate_private_key(curve)
    return ed25519.Ed25519PrivateKey.generate()


def _encode_key(key: PrivateKey, encoding: str) -> bytes:
    # PKCS1 means "RSA PRIVATE KEY" for RSA and SEC1 "EC PRIVATE KEY" for ECDSA; Ed25519 has no
    # PKCS1 form, so cert-manager writes PKCS8 for it whatever the encoding says.
    traditional = encoding == "PKCS1" and not isinstance(key, ed25519.Ed25519PrivateKey)
    fmt = PrivateFormat.TraditionalOpenSSL if traditional else PrivateFormat.PKCS8
    return key.private_bytes(Encoding.PEM, fmt, serialization.NoEncryption())


def _load_key(pem: bytes) -> PrivateKey:
    # OpenSSL's RSA consistency check costs 50-350 ms per load and every leaf reloads its CA key;
    # callers compare the key with its certificate's public key instead.
    key = serialization.load_pem_private_key(pem, password=None, unsafe_skip_rsa_key_validation=True)
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)):
        raise ValueError(f"unsupported private key type {type(key).__name__}")
    return key


def _key_mismatch(key: PrivateKey, spec: _Spec) -> str | None:
    """The spec.privateKey field the key violates, as cert-manager's PrivateKeyMatchesSpec."""
    if spec.key_algorithm == "RSA":
        if not isinstance(key, rsa.RSAPrivateKey):
            return "spec.privateKey.algorithm"
        return None if key.key_size == spec.key_size else "spec.privateKey.size"
    if spec.key_algorithm == "ECDSA":
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            return "spec.privateKey.algorithm"
        return None if key.curve.key_size == spec.key_size else "spec.privateKey.size"
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else "spec.privateKey.algorithm"


def _spki(public_key: CertificatePublicKeyTypes) -> bytes:
    return public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def _key_id(public_key: CertificatePublicKeyTypes) -> bytes:
    """Go 1.25's generated SubjectKeyId: leftmost 160 bits of SHA-256 of subjectPublicKey."""
    if isinstance(public_key, rsa.RSAPublicKey):
        raw = public_key.public_bytes(Encoding.DER, PublicFormat.PKCS1)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        raw = public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    else:
        raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:20]


_SignatureHash = hashes.SHA256 | hashes.SHA384 | hashes.SHA512


def _signature_hash(signer: PrivateKey) -> _SignatureHash | None:
    """The hash cert-manager picks from the signing key (not from the signed certificate's key)."""
    if isinstance(signer, rsa.RSAPrivateKey):
        if signer.key_size >= 4096:
            return hashes.SHA512()
        return hashes.SHA384() if signer.key_size >= 3072 else hashes.SHA256()
    if isinstance(signer, ec.EllipticCurvePrivateKey):
        by_curve_size: dict[int, _SignatureHash] = {521: hashes.SHA512(), 384: hashes.SHA384()}
        return by_curve_size.get(signer.curve.key_size, hashes.SHA256())
    return None  # Ed25519 signs the message itself


# --------------------------------------------------------------------------- building certificates


@dataclass(frozen=True)
class _Template:
    subject: x509.Name
    sans: list[x509.GeneralName]
    is_ca: bool
    key_usages: frozenset[str]
    ext_key_usages: tuple[ObjectIdentifier, ...]
    not_before: dt.datetime
    not_after: dt.datetime


def _attribute(oid: ObjectIdentifier, value: str) -> x509.NameAttribute:
    # Go marshals a subject string as PrintableString when every character allows it, else as
    # UTF8String, and does not check lengths (e.g. of a country): mirror both so DNs match.
    printable = all(c.isascii() and (c.isalnum() or c in " '()+,-./:=?") for c in value)
    asn1_type = _ASN1Type.PrintableString if printable else _ASN1Type.UTF8String
    return x509.NameAttribute(oid, value, asn1_type, _validate=False)


def _subject(common_name: str, fields: dict[str, list[str]], serial_number: str = "") -> x509.Name:
    """A subject laid out like Go's pkix.Name.ToRDNSequence (one multi-valued RDN per attribute)."""
    groups = [(oid, fields.get(name) or []) for name, oid in _SUBJECT_FIELDS]
    groups.append((NameOID.COMMON_NAME, [common_name] if common_name else []))
    groups.append((NameOID.SERIAL_NUMBER, [serial_number] if serial_number else []))
    # An RDN is a DER SET OF: cryptography sorts its members by encoding on output, as Go does.
    return x509.Name(
        [x509.RelativeDistinguishedName([_attribute(oid, v) for v in values]) for oid, values in groups if values]
    )


def _sans(
    dns_names: Sequence[str],
    ip_addresses: Sequence[ipaddress.IPv4Address | ipaddress.IPv6Address],
    uris: Sequence[str] = (),
    emails: Sequence[str] = (),
) -> list[x509.GeneralName]:
    # Go's marshalSANs order: DNS names, e-mail addresses, IP addresses, URIs.
    names: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
    return (
        names
        + [x509.RFC822Name(e) for e in emails]
        + [x509.IPAddress(ip) for ip in ip_addresses]
        + [x509.UniformResourceIdentifier(u) for u in uris]
    )


def _template_for(spec: _Spec, now: dt.datetime) -> _Template:
    return _Template(
        subject=_subject(spec.common_name, spec.subject, spec.serial_number),
        sans=_sans(spec.dns_names, spec.ip_addresses, spec.uris, spec.emails),
        is_ca=spec.is_ca,
        key_usages=spec.key_usages,
        ext_key_usages=spec.ext_key_usages,
        not_before=now,
        not_after=now + spec.duration,
    )


def _sign(
    template: _Template,
    public_key: CertificatePublicKeyTypes,
    signer: PrivateKey,
    issuer_cert: x509.Certificate | None,
) -> x509.Certificate:
    """Sign like Go's x509.CreateCertificate with cert-manager's template (issuer None: self-signed)."""
    issuer_name = issuer_cert.subject if issuer_cert is not None else template.subject
    builder = (
        x509.CertificateBuilder()
        .subject_name(template.subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())  # 159 random bits, as Go's default
        .not_valid_before(template.not_before)
        .not_valid_after(template.not_after)
    )
    # Go's extension order: KeyUsage, ExtKeyUsage, BasicConstraints, SKI, AKI, then the SAN that
    # cert-manager copies from the CSR.
    if template.key_usages:
        flags = {arg: arg in template.key_usages for arg in _ALL_KEY_USAGE_ARGS}
        builder = builder.add_extension(x509.KeyUsage(**flags), critical=True)
    if template.ext_key_usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(template.ext_key_usages)), critical=False)
    builder = builder.add_extension(x509.BasicConstraints(ca=template.is_ca, path_length=None), critical=True)
    if template.is_ca:
        builder = builder.add_extension(x509.SubjectKeyIdentifier(_key_id(public_key)), critical=False)
    authority_key_id = _authority_key_id(issuer_cert, template.subject)
    if authority_key_id is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier(authority_key_id, None, None), critical=False
        )
    if template.sans:
        empty_subject = len(template.subject) == 0
        builder = builder.add_extension(x509.SubjectAlternativeName(template.sans), critical=empty_subject)
    return builder.sign(signer, _signature_hash(signer))


def _authority_key_id(issuer_cert: x509.Certificate | None, subject: x509.Name) -> bytes | None:
    # Go copies the parent's SubjectKeyId unless the certificate's issuer DN equals its subject.
    if issuer_cert is None or issuer_cert.subject == subject:
        return None
    try:
        return issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return None


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(Encoding.PEM)


def _self_signed(cert: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _bundle(leaf: x509.Certificate, pool: list[x509.Certificate]) -> tuple[bytes, bytes]:
    """(tls.crt, ca.crt) for a leaf signed by pool[0], as cert-manager's ParseSingleCertificateChain.

    The chain climbs through the pool; tls.crt is every certificate on it except self-signed ones
    and ca.crt is its topmost certificate (the root when the pool holds one).
    """
    path = [leaf]
    remaining = [c for c in pool if c != leaf]
    while remaining:
        parent = next((c for c in remaining if _issued_by(path[-1], c)), None)
        if parent is None:
            break
        path.append(parent)
        remaining.remove(parent)
        if _self_signed(parent):
            break
    chain = [leaf] + [c for c in path[1:] if not _self_signed(c)]
    return b"".join(_pem(c) for c in chain), _pem(path[-1])


# --------------------------------------------------------------------------- Secrets


@dataclass(frozen=True)
class _Material:
    """A parsed tls Secret: its certificate chain, key and raw data."""

    certs: list[x509.Certificate]
    key: PrivateKey
    data: dict[str, bytes]
    annotations: dict[str, str]
    secret_type: str


def _decode_data(secret: dict) -> dict[str, bytes]:
    data = {}
    for k, v in (secret.get("data") or {}).items():
        data[k] = v if isinstance(v, bytes) else base64.b64decode(v, validate=True)
    return data


def _read_secret(secret: dict) -> _Material:
    """Parse a tls Secret; raises ValueError when it is missing data or holds garbage."""
    data = _decode_data(secret)
    if not data.get("tls.crt") or not data.get("tls.key"):
        raise ValueError("Secret is missing tls.crt or tls.key")
    certs = x509.load_pem_x509_certificates(data["tls.crt"])
    key = _load_key(data["tls.key"])
    meta = secret.get("metadata") or {}
    return _Material(
        certs=certs,
        key=key,
        data=data,
        annotations=dict(meta.get("annotations") or {}),
        secret_type=secret.get("type") or "kubernetes.io/tls",
    )


def _ca_material(
    issuer: _Issuer, secrets: dict[tuple[str, str], dict]
) -> tuple[list[x509.Certificate], PrivateKey]:
    """The CA issuer's signing chain (tls.crt then ca.crt) and key, as the CA issuer loads them."""
    if issuer.ca_secret is None:
        raise PkiError(f"{issuer.ident}: a selfSigned issuer has no CA Secret")
    ns, name = issuer.ca_secret
    where = f"{issuer.ident}: spec.ca.secretName: Secret {ns}/{name}"
    try:
        material = _read_secret(secrets[(ns, name)])
        extra = material.data.get("ca.crt")
        ca_pool = material.certs + (x509.load_pem_x509_certificates(extra) if extra else [])
    except (KeyError, ValueError) as exc:
        raise PkiError(f"{where} is not a usable key pair: {exc}") from None
    if _spki(material.certs[0].public_key()) != _spki(material.key.public_key()):
        raise PkiError(f"{where}: tls.key does not match tls.crt")
    if not _is_ca(material.certs[0]):
        raise PkiError(f"{where}: certificate is not a CA")
    return ca_pool, material.key


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def _go_csv(values: Sequence[str]) -> str:
    """One record as Go's encoding/csv writes it (cert-manager's JoinWithEscapeCSV)."""

    def quote(v: str) -> str:
        needs = v == "\\." or any(c in v for c in ',"\r\n') or (v[:1].isspace() if v else False)
        return '"' + v.replace('"', '""') + '"' if needs else v

    return ",".join(quote(v) for v in values)


def _cert_annotations(cert: x509.Certificate) -> dict[str, str]:
    """The certificate-detail annotations cert-manager's AnnotationsForCertificate writes."""
    subject = cert.subject

    def values(oid: ObjectIdentifier) -> list[str]:
        return [str(a.value) for a in subject.get_attributes_for_oid(oid)]

    common_names = values(NameOID.COMMON_NAME)
    annotations = {"cert-manager.io/common-name": common_names[0] if common_names else ""}
    serial = values(NameOID.SERIAL_NUMBER)
    if serial and serial[0]:
        annotations["cert-manager.io/subject-serialnumber"] = serial[0]
    for name, oid in _SUBJECT_FIELDS:
        if values(oid):
            annotations[_SUBJECT_ANNOTATIONS[name]] = _go_csv(values(oid))
    sans = _cert_sans(cert)
    if sans["emails"]:
        annotations["cert-manager.io/email-sans"] = _go_csv(sans["emails"])
    annotations["cert-manager.io/alt-names"] = _go_csv(sans["dns"])
    annotations["cert-manager.io/ip-sans"] = _go_csv(sans["ips"])
    annotations["cert-manager.io/uri-sans"] = _go_csv(sans["uris"])
    return annotations


def _cert_sans(cert: x509.Certificate) -> dict[str, list[str]]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return {"dns": [], "ips": [], "uris": [], "emails": []}
    return {
        "dns": san.get_values_for_type(x509.DNSName),
        "ips": [str(ip) for ip in san.get_values_for_type(x509.IPAddress)],
        "uris": san.get_values_for_type(x509.UniformResourceIdentifier),
        "emails": san.get_values_for_type(x509.RFC822Name),
    }


def _manifest(spec: _Spec, data: dict[str, bytes], secret_type: str) -> dict:
    """The Secret cert-manager applies: template metadata, its own labels/annotations and data."""
    leaf = x509.load_pem_x509_certificates(data["tls.crt"])[0]
    labels = {**spec.template_labels, LABEL_FAO: "true"}
    annotations = {
        **spec.template_annotations,
        **_cert_annotations(leaf),
        ANN_CERTIFICATE_NAME: spec.name,
        ANN_ISSUER_NAME: spec.issuer_name,
        ANN_ISSUER_KIND: spec.issuer_kind,
        ANN_ISSUER_GROUP: spec.issuer_group,
    }
    encoded = {k: base64.b64encode(data[k]).decode() for k in ("ca.crt", "tls.crt", "tls.key") if data.get(k)}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": spec.secret_name,
            "namespace": spec.namespace,
            "labels": dict(sorted(labels.items())),
            "annotations": dict(sorted(annotations.items())),
        },
        "type": secret_type,
        "data": encoded,
    }


# --------------------------------------------------------------------------- re-issue decision


def _renewal_due(cert: x509.Certificate, spec: _Spec, now: dt.datetime) -> bool:
    """cert-manager's RenewalTime: renewBefore, else renewBeforePercentage, else 1/3 of lifetime."""
    not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    lifetime = not_after - not_before
    if spec.renew_before is not None and dt.timedelta(0) < spec.renew_before < lifetime:
        renew_before = spec.renew_before
    elif spec.renew_before_percentage is not None:
        renew_before = lifetime * spec.renew_before_percentage / 100
    else:
        renew_before = lifetime / 3
    renewal = (not_after - renew_before).replace(microsecond=0)
    return renewal <= now


def _spec_mismatch(spec: _Spec, material: _Material) -> str | None:
    """The first field whose value differs between the Certificate and the issued Secret."""
    cert = material.certs[0]
    if _spki(cert.public_key()) != _spki(material.key.public_key()):
        return "private key does not match the certificate"
    ann = material.annotations
    if ANN_ISSUER_NAME in ann or ANN_ISSUER_KIND in ann or ANN_ISSUER_GROUP in ann:
        if (
            ann.get(ANN_ISSUER_NAME) != spec.issuer_name
            or (ann.get(ANN_ISSUER_KIND) or "Issuer") != (spec.issuer_kind or "Issuer")
            or (ann.get(ANN_ISSUER_GROUP) or GROUP) != (spec.issuer_group or GROUP)
        ):
            return "spec.issuerRef"
    if ann.get(ANN_CERTIFICATE_NAME, spec.name) != spec.name:
        return "certificate-name annotation"
    key_field = _key_mismatch(material.key, spec)
    if key_field:
        return key_field
    return _x509_mismatch(spec, cert)


def _x509_mismatch(spec: _Spec, cert: x509.Certificate) -> str | None:
    # cert-manager compares the spec with the CertificateRequest that produced the Secret; the
    # certificate carries the same fields, so compare against it (unordered, like EqualUnsorted).
    def attrs(oid: ObjectIdentifier) -> list[str]:
        return sorted(str(a.value) for a in cert.subject.get_attributes_for_oid(oid))

    common_names = attrs(NameOID.COMMON_NAME)
    if (common_names[0] if common_names else "") != spec.common_name:
        return "spec.commonName"
    serials = attrs(NameOID.SERIAL_NUMBER)
    if (serials[0] if serials else "") != spec.serial_number:
        return "spec.subject.serialNumber"
    for name, oid in _SUBJECT_FIELDS:
        if attrs(oid) != sorted(spec.subject[name]):
            return f"spec.subject.{name}"
    sans = _cert_sans(cert)
    wanted = {
        "spec.dnsNames": (sans["dns"], spec.dns_names),
        "spec.ipAddresses": (sans["ips"], [str(ip) for ip in spec.ip_addresses]),
        "spec.uris": (sans["uris"], spec.uris),
        "spec.emailAddresses": (sans["emails"], spec.emails),
    }
    for name, (have, want) in wanted.items():
        if sorted(have) != sorted(want):
            return name
    if _is_ca(cert) != spec.is_ca:
        return "spec.isCA"
    if _cert_key_usages(cert) != spec.key_usages or sorted(
        o.dotted_string for o in _cert_ext_key_usages(cert)
    ) != sorted(o.dotted_string for o in spec.ext_key_usages):
        return "spec.usages"
    # Validity is stored in whole seconds: allow the truncation of a fractional duration.
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    if abs(lifetime - spec.duration) >= dt.timedelta(seconds=1):
        return "spec.duration"
    return None


def _cert_key_usages(cert: x509.Certificate) -> frozenset[str]:
    try:
        ku = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return frozenset()
    agreement = ku.key_agreement
    found = set()
    for arg in _ALL_KEY_USAGE_ARGS:
        if arg in ("encipher_only", "decipher_only") and not agreement:
            continue  # cryptography refuses to read these unless key_agreement is set
        if getattr(ku, arg):
            found.add(arg)
    return frozenset(found)


def _cert_ext_key_usages(cert: x509.Certificate) -> list[ObjectIdentifier]:
    try:
        return list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return []


def _reissue_reason(
    spec: _Spec,
    secret: dict | None,
    ca_pool: list[x509.Certificate] | None,
    now: dt.datetime,
) -> tuple[str | None, _Material | None]:
    """Why the Secret must be (re-)issued (None: keep it), and the parsed Secret if readable."""
    if secret is None:
        return "Secret does not exist", None
    try:
        material = _read_secret(secret)
    except ValueError as exc:
        return f"Secret holds no valid key pair ({exc})", None
    reason = _spec_mismatch(spec, material)
    if reason:
        return f"Secret is not up to date for {reason}", material
    if _renewal_due(material.certs[0], spec, now):
        return "renewal time reached", material
    if ca_pool is not None and not _issued_by(material.certs[0], ca_pool[0]):
        return "certificate is not signed by the issuer's current CA", material
    return None, material


# --------------------------------------------------------------------------- issue


def issue(
    objects: list[dict],
    *,
    existing: dict[tuple[str, str], dict] | None = None,
    renew: Callable[[dict], bool] | None = None,
    now: dt.datetime | None = None,
) -> list[IssuedSecret]:
    """Issue (or keep) the Secret of every ``cert-manager.io/v1`` Certificate in ``objects``.

    ``objects`` are Kubernetes objects as parsed from a manifest; Issuers, ClusterIssuers and
    Certificates are read, everything else is ignored. Supported issuers: ``selfSigned`` and
    ``ca``. ``existing`` maps (namespace, name) to Secrets issued earlier (as returned here or as
    read from an API server); one that still matches its Certificate and is not due for renewal
    is returned unchanged, so re-runs are idempotent. A CA issuer may also sign with a Secret that
    only exists in ``existing``. ``renew(certificate)`` returning True forces re-issuance of that
    Certificate (``rotationPolicy: Never`` keeps its private key, ``Always`` makes a new one);
    its issuer's CA is left alone. ``now`` (timezone-aware, default: the current UTC time) is the
    issuance and renewal-check time.

    Returns one IssuedSecret per Certificate, CA Secrets before the Secrets they sign.
    Raises PkiError naming the object and field for anything cert-manager would refuse or leave
    pending (unknown issuer, issuer cycle, no subject or SAN, invalid spec, Never rotation with a
    key that no longer fits the spec).
    """
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    existing = dict(existing or {})
    issuers = _index_issuers(objects)
    specs = [
        _parse_spec(obj)
        for obj in objects
        if obj.get("kind") == "Certificate" and _is_cert_manager(obj)
    ]
    _check_unique(specs)
    resolved = {spec: _resolve_issuer(spec, issuers) for spec in specs}
    secrets = dict(existing)  # grows as Secrets are issued, so leaves see their fresh CA
    results = []
    for spec in _issue_order(specs, resolved, existing):
        manifest = _issue_one(spec, resolved[spec], secrets, renew, now)
        secrets[spec.secret_key] = manifest
        results.append(IssuedSecret(spec.namespace, spec.secret_name, spec.name, manifest))
    return results


def _check_unique(specs: list[_Spec]) -> None:
    seen: set[str] = set()
    for spec in specs:
        if spec.ident in seen:
            raise PkiError(f"{spec.ident}: defined twice")
        seen.add(spec.ident)


def _issue_one(
    spec: _Spec,
    issuer: _Issuer,
    secrets: dict[tuple[str, str], dict],
    renew: Callable[[dict], bool] | None,
    now: dt.datetime,
) -> dict:
    ca = _ca_material(issuer, secrets) if issuer.ca_secret is not None else None
    reason, material = _reissue_reason(spec, secrets.get(spec.secret_key), ca[0] if ca else None, now)
    if reason is None and renew is not None and renew(spec.obj):
        reason = "renewal requested"
    if reason is None:
        assert material is not None  # _reissue_reason keeps only a Secret it could read
        return _manifest(spec, material.data, material.secret_type)
    log.info("issuing %s: %s", spec.ident, reason)
    key = _next_key(spec, material)
    leaf_template = _template_for(spec, now)
    if ca is None:
        cert = _sign(leaf_template, key.public_key(), key, None)
        tls_crt = ca_crt = _pem(cert)
    else:
        ca_pool, ca_key = ca
        cert = _sign(leaf_template, key.public_key(), ca_key, ca_pool[0])
        tls_crt, ca_crt = _bundle(cert, ca_pool)
    data = {"tls.crt": tls_crt, "tls.key": _encode_key(key, spec.key_encoding), "ca.crt": ca_crt}
    return _manifest(spec, data, material.secret_type if material else "kubernetes.io/tls")


def _next_key(spec: _Spec, material: _Material | None) -> PrivateKey:
    """The private key for the next issuance, following spec.privateKey.rotationPolicy."""
    if spec.rotation_policy == "Never" and material is not None:
        mismatch = _key_mismatch(material.key, spec)
        if mismatch:
            # cert-manager stops here and asks for user intervention rather than rotating.
            raise PkiError(
                f"{spec.ident}: {mismatch}: the existing private key in Secret {spec.secret_name} "
                "does not match the spec and spec.privateKey.rotationPolicy is Never"
            )
        return material.key
    return _generate_key(spec.key_algorithm, spec.key_size)


# --------------------------------------------------------------------------- plain helpers
# For the clusters that are not cert-manager based (the local parent and member API servers).
# ECDSA P-256 keys: fast to generate and accepted by every Kubernetes and etcd component.


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_ca(common_name: str, *, days: int = 3650) -> KeyPair:
    """A self-signed ECDSA P-256 root CA (key usages: digital signature, key encipherment, cert sign)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _utcnow()
    template = _Template(
        subject=_subject(common_name, {}),
        sans=[],
        is_ca=True,
        key_usages=frozenset({"digital_signature", "key_encipherment", "key_cert_sign"}),
        ext_key_usages=(),
        not_before=now,
        not_after=now + dt.timedelta(days=days),
    )
    cert = _sign(template, key.public_key(), key, None)
    return KeyPair(_pem(cert), _encode_key(key, "PKCS1"))


def issue_leaf(
    ca: KeyPair,
    common_name: str,
    *,
    organizations: Sequence[str] = (),
    dns_names: Sequence[str] = (),
    ip_addresses: Sequence[str] = (),
    server: bool = False,
    client: bool = False,
    days: int = 365,
) -> KeyPair:
    """An ECDSA P-256 leaf signed by ``ca``.

    An ECDSA P-256 leaf signed by ``ca``: CN, O (Kubernetes groups), DNS/IP SANs, and the "server auth" / "client auth"
    extended key usages as requested.
    """
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem)
    ca_key = _load_key(ca.key_pem)
    key = ec.generate_private_key(ec.SECP256R1())
    now = _utcnow()
    ips = [_parse_ip(ip, f"issue_leaf({common_name!r}): ip_addresses") for ip in ip_addresses]
    ekus = ((ExtendedKeyUsageOID.SERVER_AUTH,) if server else ()) + (
        (ExtendedKeyUsageOID.CLIENT_AUTH,) if client else ()
    )
    template = _Template(
        subject=_subject(common_name, {"organizations": list(organizations)}),
        sans=_sans(dns_names, ips),
        is_ca=False,
        key_usages=frozenset({"digital_signature", "key_encipherment"}),
        ext_key_usages=ekus,
        not_before=now,
        not_after=now + dt.timedelta(days=days),
    )
    cert = _sign(template, key.public_key(), ca_key, ca_cert)
    return KeyPair(_pem(cert), _encode_key(key, "PKCS1"))


def new_service_account_key() -> KeyPair:
    """An RSA 2048 service-account signing key; ``cert_pem`` holds its public key PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return KeyPair(public, _encode_key(key, "PKCS1"))
