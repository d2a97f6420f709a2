"""local_control_plane.pki: certificates issued as cert-manager v1.21 would issue them."""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import inspect
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from local_control_plane import pki
from local_control_plane.pki import PkiError, issue

NS = "pki-test"
NOW = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)
REPO = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- object builders


def issuer(name: str, spec: dict, namespace: str = NS) -> dict:
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Issuer",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def selfsigned(name: str = "selfsigned") -> dict:
    return issuer(name, {"selfSigned": {}})


def ca_issuer(name: str, secret: str) -> dict:
    return issuer(name, {"ca": {"secretName": secret}})


def certificate(name: str, issuer_name: str, *, secret: str | None = None, **spec) -> dict:
    """A Certificate with an ECDSA P-256 key unless spec says otherwise (RSA is slow to generate)."""
    body = {
        "secretName": secret or name,
        "issuerRef": {"name": issuer_name, "kind": "Issuer", "group": "cert-manager.io"},
        "privateKey": {"algorithm": "ECDSA", "size": 256},
        **spec,
    }
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": name, "namespace": NS},
        "spec": body,
    }


def root_ca(name: str = "root", **spec) -> list[dict]:
    """SelfSigned issuer + CA Certificate + CA issuer named `name`."""
    spec.setdefault("commonName", f"{name}-ca")
    return [selfsigned(), certificate(name, "selfsigned", isCA=True, **spec), ca_issuer(name, name)]


def by_name(secrets: list[pki.IssuedSecret]) -> dict[str, pki.IssuedSecret]:
    return {s.name: s for s in secrets}


def data(secret: pki.IssuedSecret | dict, key: str) -> bytes:
    manifest = secret.manifest if isinstance(secret, pki.IssuedSecret) else secret
    return base64.b64decode(manifest["data"][key])


def certs(secret, key: str = "tls.crt") -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(data(secret, key))


def leaf(secret) -> x509.Certificate:
    return certs(secret)[0]


def private_key(secret):
    # Skip OpenSSL's slow RSA consistency check: tests compare the key with the certificate.
    return serialization.load_pem_private_key(data(secret, "tls.key"), None, unsafe_skip_rsa_key_validation=True)


def ext(cert: x509.Certificate, kind):
    return cert.extensions.get_extension_for_class(kind)


def verify_chain(secret) -> None:
    """tls.crt is leaf-first with each certificate signed by the next, the last one by ca.crt."""
    chain, (ca_cert,) = certs(secret), certs(secret, "ca.crt")
    for child, parent in zip(chain, chain[1:] + [ca_cert], strict=True):
        child.verify_directly_issued_by(parent)


def existing_of(secrets: list[pki.IssuedSecret]) -> dict[tuple[str, str], dict]:
    return {(s.namespace, s.name): s.manifest for s in secrets}


_RSA_KEYS: dict[int, rsa.RSAPrivateKey] = {}


def rsa_key(size: int) -> rsa.RSAPrivateKey:
    """One RSA key per size for the whole module (generation is slow)."""
    if size not in _RSA_KEYS:
        _RSA_KEYS[size] = rsa.generate_private_key(public_exponent=65537, key_size=size)
    return _RSA_KEYS[size]


def renew_only(*names: str):
    return lambda crt: crt["metadata"]["name"] in names


# ----------------------------------------------------------------------------- a small PKI, issued once

SERVER_SPEC = {
    "commonName": "server",
    "dnsNames": ["server", "server.pki-test.svc", "localhost"],
    "ipAddresses": ["127.0.0.1", "::1"],
    "uris": ["spiffe://cluster.local/ns/pki-test/sa/server"],
    "emailAddresses": ["ops@example.com"],
    "usages": ["digital signature", "key encipherment", "server auth", "client auth"],
    "duration": "720h0m0s",
    "renewBefore": "100h",  # not the default 1/3 of the lifetime (240h)
}


@pytest.fixture(scope="module")
def objects() -> list[dict]:
    return [
        # Leaves first: issue() must still sign the CA before them.
        certificate("server", "root", **SERVER_SPEC),
        certificate(
            "client",
            "root",
            commonName="system:client",
            subject={"organizations": ["team-b", "team-a"]},
            usages=["digital signature", "key encipherment", "client auth"],
            secretTemplate={"labels": {"app": "demo"}, "annotations": {"owner": "me"}},
        ),
        certificate(
            "rsa-leaf",
            "root",
            commonName="rsa-leaf",
            privateKey={"algorithm": "RSA", "encoding": "PKCS8"},
        ),
        certificate(
            "never", "root", commonName="never", privateKey={"algorithm": "ECDSA", "rotationPolicy": "Never"}
        ),
        *root_ca("root", privateKey={"algorithm": "ECDSA", "size": 384}, duration="87600h"),
    ]


@pytest.fixture(scope="module")
def issued(objects) -> dict[str, pki.IssuedSecret]:
    return by_name(issue(objects, now=NOW))


# ----------------------------------------------------------------------------- chain


def test_every_certificate_gets_one_secret_and_cas_come_first(objects):
    secrets = issue(objects, now=NOW)
    assert [s.name for s in secrets][0] == "root"
    assert sorted(s.name for s in secrets) == ["client", "never", "root", "rsa-leaf", "server"]
    assert all((s.namespace, s.certificate) == (NS, s.name) for s in secrets)


def test_self_signed_ca_is_its_own_ca_crt(issued):
    root = issued["root"]
    assert data(root, "ca.crt") == data(root, "tls.crt")
    cert = leaf(root)
    assert cert.issuer == cert.subject
    cert.verify_directly_issued_by(cert)


def test_leaves_verify_against_the_ca_and_carry_its_certificate(issued):
    ca_cert = leaf(issued["root"])
    for name in ("server", "client", "rsa-leaf", "never"):
        secret = issued[name]
        assert len(certs(secret)) == 1, "a root's leaf chain holds the leaf only"
        leaf(secret).verify_directly_issued_by(ca_cert)
        assert data(secret, "ca.crt") == data(issued["root"], "tls.crt")


def test_a_foreign_ca_does_not_verify_the_leaf(issued):
    other = pki.new_ca("other")
    # A foreign CA's subject is not the leaf's issuer (a matching name would fail on the signature instead).
    with pytest.raises((ValueError, InvalidSignature)):
        leaf(issued["server"]).verify_directly_issued_by(x509.load_pem_x509_certificate(other.cert_pem))


def test_intermediate_ca_chain_and_root_as_ca_crt():
    objects = [
        *root_ca("root"),
        certificate("intermediate", "root", commonName="intermediate", isCA=True),
        ca_issuer("intermediate", "intermediate"),
        certificate("leaf", "intermediate", dnsNames=["leaf.example"]),
    ]
    out = by_name(issue(objects, now=NOW))
    chain = certs(out["leaf"])
    assert [c.subject for c in chain] == [leaf(out["leaf"]).subject, leaf(out["intermediate"]).subject]
    chain[0].verify_directly_issued_by(chain[1])
    chain[1].verify_directly_issued_by(leaf(out["root"]))
    assert data(out["leaf"], "ca.crt") == data(out["root"], "tls.crt")
    assert data(out["intermediate"], "ca.crt") == data(out["root"], "tls.crt")


def test_ca_issuer_can_sign_with_a_secret_only_in_existing():
    ca = pki.new_ca("external")
    api_secret = {  # as read back from an API server
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "external-ca", "namespace": NS, "resourceVersion": "42", "uid": "x"},
        "type": "kubernetes.io/tls",
        "data": {"tls.crt": base64.b64encode(ca.cert_pem).decode(), "tls.key": base64.b64encode(ca.key_pem).decode()},
    }
    objects = [ca_issuer("external", "external-ca"), certificate("leaf", "external", commonName="leaf")]
    (out,) = issue(objects, existing={(NS, "external-ca"): api_secret}, now=NOW)
    leaf(out).verify_directly_issued_by(x509.load_pem_x509_certificate(ca.cert_pem))
    assert data(out, "ca.crt") == ca.cert_pem


# ----------------------------------------------------------------------------- contents


def test_subject_and_sans_exactly_as_requested(issued):
    cert = leaf(issued["server"])
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "server"
    san = ext(cert, x509.SubjectAlternativeName)
    assert not san.critical
    assert san.value.get_values_for_type(x509.DNSName) == SERVER_SPEC["dnsNames"]
    assert [str(i) for i in san.value.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "::1"]
    assert san.value.get_values_for_type(x509.UniformResourceIdentifier) == SERVER_SPEC["uris"]
    assert san.value.get_values_for_type(x509.RFC822Name) == ["ops@example.com"]


def test_organizations_share_one_rdn_sorted_like_go(issued):
    cert = leaf(issued["client"])
    rdns = list(cert.subject.rdns)
    assert [[a.value for a in rdn] for rdn in rdns] == [["team-a", "team-b"], ["system:client"]]
    assert {a.oid for a in rdns[0]} == {NameOID.ORGANIZATION_NAME}
    assert all(a._type.name == "PrintableString" for rdn in rdns for a in rdn)


def test_client_certificate_has_no_san_extension(issued):
    with pytest.raises(x509.ExtensionNotFound):
        ext(leaf(issued["client"]), x509.SubjectAlternativeName)


def test_san_is_critical_when_the_subject_is_empty():
    objects = [*root_ca(), certificate("nameless", "root", dnsNames=["only.example"])]
    cert = leaf(by_name(issue(objects, now=NOW))["nameless"])
    assert len(cert.subject) == 0
    assert ext(cert, x509.SubjectAlternativeName).critical


def test_key_usages_and_extended_key_usages_are_split(issued):
    cert = leaf(issued["server"])
    ku = ext(cert, x509.KeyUsage)
    assert ku.critical
    assert (ku.value.digital_signature, ku.value.key_encipherment, ku.value.key_cert_sign) == (True, True, False)
    eku = ext(cert, x509.ExtendedKeyUsage)
    assert not eku.critical
    assert list(eku.value) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]


def test_default_usages_are_digital_signature_and_key_encipherment_without_eku(issued):
    cert = leaf(issued["rsa-leaf"])
    ku = ext(cert, x509.KeyUsage).value
    assert (ku.digital_signature, ku.key_encipherment, ku.key_cert_sign, ku.crl_sign) == (True, True, False, False)
    with pytest.raises(x509.ExtensionNotFound):
        ext(cert, x509.ExtendedKeyUsage)


def test_usages_without_key_usage_give_no_key_usage_extension():
    objects = [*root_ca(), certificate("eku-only", "root", commonName="x", usages=["server auth"])]
    cert = leaf(by_name(issue(objects, now=NOW))["eku-only"])
    with pytest.raises(x509.ExtensionNotFound):
        ext(cert, x509.KeyUsage)
    assert list(ext(cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.SERVER_AUTH]


def test_ca_has_critical_ca_basic_constraints_and_cert_sign(issued):
    cert = leaf(issued["root"])
    bc = ext(cert, x509.BasicConstraints)
    assert bc.critical and bc.value.ca and bc.value.path_length is None
    ku = ext(cert, x509.KeyUsage).value
    assert ku.key_cert_sign and ku.digital_signature and ku.key_encipherment


def test_leaf_has_critical_non_ca_basic_constraints(issued):
    bc = ext(leaf(issued["server"]), x509.BasicConstraints)
    assert bc.critical and not bc.value.ca


def test_key_identifiers_as_go_1_25_writes_them(issued):
    ca_cert, server = leaf(issued["root"]), leaf(issued["server"])
    point = ca_cert.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    ski = ext(ca_cert, x509.SubjectKeyIdentifier).value.digest
    assert ski == hashlib.sha256(point).digest()[:20]
    with pytest.raises(x509.ExtensionNotFound):
        ext(ca_cert, x509.AuthorityKeyIdentifier)  # self-signed: no AKI
    with pytest.raises(x509.ExtensionNotFound):
        ext(server, x509.SubjectKeyIdentifier)  # Go only generates one for CAs
    assert ext(server, x509.AuthorityKeyIdentifier).value.key_identifier == ski


def test_signature_hash_follows_the_signing_key(issued):
    # The CA key is P-384: cert-manager signs with ECDSA-SHA384 whatever the leaf's key.
    assert isinstance(leaf(issued["server"]).signature_hash_algorithm, hashes.SHA384)
    assert isinstance(leaf(issued["rsa-leaf"]).signature_hash_algorithm, hashes.SHA384)


def test_serial_numbers_are_random_and_positive_159_bits(issued):
    serials = [leaf(s).serial_number for s in issued.values()]
    assert len(set(serials)) == len(serials)
    assert all(0 < s < 2**159 for s in serials)


# ----------------------------------------------------------------------------- lifetimes


def test_not_before_is_now_and_default_duration_is_90_days(issued):
    cert = leaf(issued["client"])
    assert cert.not_valid_before_utc == NOW
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(hours=2160)


def test_go_durations_are_parsed(issued):
    server, root = leaf(issued["server"]), leaf(issued["root"])
    assert server.not_valid_after_utc - server.not_valid_before_utc == dt.timedelta(hours=720)
    assert root.not_valid_after_utc - root.not_valid_before_utc == dt.timedelta(hours=87600)
    assert pki._parse_duration("1h30m", "x") == dt.timedelta(minutes=90)
    assert pki._parse_duration("1.5h", "x") == dt.timedelta(minutes=90)
    assert pki._parse_duration("2h45m30.5s", "x") == dt.timedelta(hours=2, minutes=45, seconds=30.5)


@pytest.mark.parametrize("bad", ["90d", "h", "", "1h 30m", 3600])
def test_bad_durations_name_the_field(bad):
    objects = [*root_ca(), certificate("leaf", "root", commonName="leaf", duration=bad)]
    with pytest.raises(PkiError, match=r"Certificate pki-test/leaf: spec\.duration"):
        issue(objects, now=NOW)


def test_duration_under_one_hour_is_refused():
    objects = [*root_ca(), certificate("leaf", "root", commonName="leaf", duration="59m")]
    with pytest.raises(PkiError, match=r"pki-test/leaf: spec\.duration"):
        issue(objects, now=NOW)


# ----------------------------------------------------------------------------- keys


def test_pkcs1_ecdsa_key_is_a_sec1_pem(issued):
    pem = data(issued["server"], "tls.key")
    assert pem.startswith(b"-----BEGIN EC PRIVATE KEY-----\n")
    assert private_key(issued["server"]).curve.name == "secp256r1"


def test_pkcs8_rsa_key_with_default_size(issued):
    pem = data(issued["rsa-leaf"], "tls.key")
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    key = private_key(issued["rsa-leaf"])
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048


def test_key_matches_certificate(issued):
    for secret in issued.values():
        assert private_key(secret).public_key() == leaf(secret).public_key()


def test_ecdsa_size_selects_the_curve(issued):
    key = private_key(issued["root"])
    assert isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp384r1"


def test_ed25519_is_written_as_pkcs8_even_when_pkcs1_is_asked():
    ed = {"algorithm": "Ed25519", "encoding": "PKCS1"}
    objects = [*root_ca(), certificate("ed", "root", commonName="ed", privateKey=ed)]
    out = by_name(issue(objects, now=NOW))["ed"]
    assert data(out, "tls.key").startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert isinstance(private_key(out), ed25519.Ed25519PrivateKey)


@pytest.mark.parametrize("size, digest", [(2048, hashes.SHA256), (3072, hashes.SHA384), (4096, hashes.SHA512)])
def test_rsa_signature_hash_follows_the_signer_size(size, digest):
    signer = rsa_key(size)
    template = pki._template_for(pki._parse_spec(certificate("c", "i", commonName="c")), NOW)
    cert = pki._sign(template, signer.public_key(), signer, None)
    assert isinstance(cert.signature_hash_algorithm, digest)


def test_self_signed_ed25519_has_no_signature_hash():
    objects = [selfsigned(), certificate("ed", "selfsigned", commonName="ed", privateKey={"algorithm": "Ed25519"})]
    (out,) = issue(objects, now=NOW)
    assert leaf(out).signature_hash_algorithm is None


def test_rsa_pkcs1_default_encoding():
    objects = [selfsigned(), certificate("r", "selfsigned", commonName="r", privateKey={})]  # RSA 2048 PKCS1
    (out,) = issue(objects, now=NOW)
    assert data(out, "tls.key").startswith(b"-----BEGIN RSA PRIVATE KEY-----\n")
    assert isinstance(leaf(out).signature_hash_algorithm, hashes.SHA256)


# ----------------------------------------------------------------------------- the Secret object


def test_secret_manifest_as_cert_manager_writes_it(issued):
    manifest = issued["client"].manifest
    assert manifest["apiVersion"] == "v1" and manifest["kind"] == "Secret"
    assert manifest["type"] == "kubernetes.io/tls"
    assert sorted(manifest["data"]) == ["ca.crt", "tls.crt", "tls.key"]
    meta = manifest["metadata"]
    assert (meta["namespace"], meta["name"]) == (NS, "client")
    assert meta["labels"] == {"app": "demo", "controller.cert-manager.io/fao": "true"}
    assert meta["annotations"] == {
        "owner": "me",
        "cert-manager.io/alt-names": "",
        "cert-manager.io/certificate-name": "client",
        "cert-manager.io/common-name": "system:client",
        "cert-manager.io/ip-sans": "",
        "cert-manager.io/issuer-group": "cert-manager.io",
        "cert-manager.io/issuer-kind": "Issuer",
        "cert-manager.io/issuer-name": "root",
        "cert-manager.io/subject-organizations": "team-a,team-b",
        "cert-manager.io/uri-sans": "",
    }


def test_san_annotations(issued):
    annotations = issued["server"].manifest["metadata"]["annotations"]
    assert annotations["cert-manager.io/alt-names"] == "server,server.pki-test.svc,localhost"
    assert annotations["cert-manager.io/ip-sans"] == "127.0.0.1,::1"
    assert annotations["cert-manager.io/uri-sans"] == "spiffe://cluster.local/ns/pki-test/sa/server"
    assert annotations["cert-manager.io/email-sans"] == "ops@example.com"


def test_annotation_values_are_csv_escaped_like_go():
    assert pki._go_csv(["Acme, Inc.", 'say "hi"', " lead", "plain"]) == '"Acme, Inc.","say ""hi"""," lead",plain'


# ----------------------------------------------------------------------------- idempotency and renewal


def test_second_run_with_existing_returns_identical_secrets(objects, issued):
    again = by_name(issue(objects, existing=existing_of(list(issued.values())), now=NOW + dt.timedelta(days=1)))
    assert {n: s.manifest for n, s in again.items()} == {n: s.manifest for n, s in issued.items()}


def test_existing_secret_read_from_an_api_server_is_kept(objects, issued):
    existing = existing_of(list(issued.values()))
    api_view = {}
    for key, manifest in existing.items():
        manifest = copy.deepcopy(manifest)
        manifest["metadata"].update(resourceVersion="7", uid="abc", creationTimestamp="2026-03-01T12:00:00Z")
        api_view[key] = manifest
    again = by_name(issue(objects, existing=api_view, now=NOW))
    assert all(again[n].manifest["data"] == issued[n].manifest["data"] for n in issued)
    assert "resourceVersion" not in again["server"].manifest["metadata"]


def test_renewing_a_leaf_keeps_its_ca(objects, issued):
    again = by_name(issue(objects, existing=existing_of(list(issued.values())), renew=renew_only("server"), now=NOW))
    assert again["root"].manifest == issued["root"].manifest
    assert leaf(again["server"]).serial_number != leaf(issued["server"]).serial_number
    assert data(again["server"], "ca.crt") == data(issued["server"], "ca.crt")
    leaf(again["server"]).verify_directly_issued_by(leaf(issued["root"]))
    assert again["client"].manifest == issued["client"].manifest


def test_rotation_policy_always_makes_a_new_key(objects, issued):
    again = by_name(issue(objects, existing=existing_of(list(issued.values())), renew=renew_only("server"), now=NOW))
    assert data(again["server"], "tls.key") != data(issued["server"], "tls.key")


def test_rotation_policy_never_keeps_the_key(objects, issued):
    again = by_name(issue(objects, existing=existing_of(list(issued.values())), renew=renew_only("never"), now=NOW))
    assert leaf(again["never"]).serial_number != leaf(issued["never"]).serial_number
    assert data(again["never"], "tls.key") == data(issued["never"], "tls.key")


def test_never_reencodes_the_kept_key_in_the_current_encoding(objects, issued):
    changed = copy.deepcopy(objects)
    never = next(o for o in changed if o["metadata"]["name"] == "never")
    never["spec"]["privateKey"]["encoding"] = "PKCS8"
    again = by_name(issue(changed, existing=existing_of(list(issued.values())), renew=renew_only("never"), now=NOW))
    assert data(again["never"], "tls.key").startswith(b"-----BEGIN PRIVATE KEY-----")
    assert private_key(again["never"]).private_numbers() == private_key(issued["never"]).private_numbers()


def test_never_refuses_a_key_that_no_longer_fits_the_spec(objects, issued):
    changed = copy.deepcopy(objects)
    never = next(o for o in changed if o["metadata"]["name"] == "never")
    never["spec"]["privateKey"]["size"] = 384
    with pytest.raises(PkiError, match=r"Certificate pki-test/never: spec\.privateKey\.size.*Never"):
        issue(changed, existing=existing_of(list(issued.values())), now=NOW)


def test_spec_change_reissues_only_that_certificate(objects, issued):
    changed = copy.deepcopy(objects)
    server = next(o for o in changed if o["metadata"]["name"] == "server")
    server["spec"]["dnsNames"].append("extra.example")
    again = by_name(issue(changed, existing=existing_of(list(issued.values())), now=NOW))
    san = ext(leaf(again["server"]), x509.SubjectAlternativeName).value
    assert "extra.example" in san.get_values_for_type(x509.DNSName)
    for name in ("root", "client", "rsa-leaf", "never"):
        assert again[name].manifest == issued[name].manifest


@pytest.mark.parametrize(
    "field, value",
    [
        ("commonName", "renamed"),
        ("usages", ["digital signature", "server auth"]),
        ("duration", "721h"),
        ("isCA", True),
        ("subject", {"organizations": ["new-group"]}),
        ("ipAddresses", ["127.0.0.1"]),
    ],
)
def test_any_certificate_field_change_reissues(objects, issued, field, value):
    changed = copy.deepcopy(objects)
    next(o for o in changed if o["metadata"]["name"] == "server")["spec"][field] = value
    again = by_name(issue(changed, existing=existing_of(list(issued.values())), now=NOW))
    assert again["server"].manifest["data"]["tls.crt"] != issued["server"].manifest["data"]["tls.crt"]


def test_secret_template_change_updates_metadata_without_reissue(objects, issued):
    changed = copy.deepcopy(objects)
    client = next(o for o in changed if o["metadata"]["name"] == "client")
    client["spec"]["secretTemplate"]["labels"]["tier"] = "gold"
    again = by_name(issue(changed, existing=existing_of(list(issued.values())), now=NOW))
    assert again["client"].manifest["data"] == issued["client"].manifest["data"]
    assert again["client"].manifest["metadata"]["labels"]["tier"] == "gold"


def test_renew_before_window_triggers_renewal(objects, issued):
    existing = existing_of(list(issued.values()))
    renewal_time = leaf(issued["server"]).not_valid_after_utc - dt.timedelta(hours=100)
    before = by_name(issue(objects, existing=existing, now=renewal_time - dt.timedelta(seconds=1)))
    at = by_name(issue(objects, existing=existing, now=renewal_time))
    assert before["server"].manifest == issued["server"].manifest
    assert at["server"].manifest["data"]["tls.crt"] != issued["server"].manifest["data"]["tls.crt"]
    assert at["server"].manifest["data"]["tls.key"] != issued["server"].manifest["data"]["tls.key"]
    assert at["root"].manifest == issued["root"].manifest


def test_default_renewal_is_two_thirds_through_the_lifetime(objects, issued):
    existing = existing_of(list(issued.values()))
    lifetime = dt.timedelta(hours=2160)
    kept = by_name(issue(objects, existing=existing, now=NOW + lifetime * 2 / 3 - dt.timedelta(minutes=1)))
    renewed = by_name(issue(objects, existing=existing, now=NOW + lifetime * 2 / 3))
    assert kept["client"].manifest == issued["client"].manifest
    assert renewed["client"].manifest != issued["client"].manifest


def test_issuer_change_reissues_from_the_new_issuer(objects, issued):
    changed = copy.deepcopy(objects) + root_ca("other")[1:]
    next(o for o in changed if o["metadata"]["name"] == "client")["spec"]["issuerRef"]["name"] = "other"
    again = by_name(issue(changed, existing=existing_of(list(issued.values())), now=NOW))
    leaf(again["client"]).verify_directly_issued_by(leaf(again["other"]))
    assert again["client"].manifest["metadata"]["annotations"]["cert-manager.io/issuer-name"] == "other"


def test_issuer_ref_change_alone_reissues(objects, issued):
    # Same CA Secret behind another Issuer name: only the issuer annotations tell the difference.
    changed = copy.deepcopy(objects) + [ca_issuer("root-alias", "root")]
    next(o for o in changed if o["metadata"]["name"] == "client")["spec"]["issuerRef"]["name"] = "root-alias"
    again = by_name(issue(changed, existing=existing_of(list(issued.values())), now=NOW))
    assert leaf(again["client"]).serial_number != leaf(issued["client"]).serial_number
    assert again["client"].manifest["metadata"]["annotations"]["cert-manager.io/issuer-name"] == "root-alias"
    assert again["server"].manifest == issued["server"].manifest


def test_renamed_certificate_reissues_its_secret(objects, issued):
    changed = copy.deepcopy(objects)
    client = next(o for o in changed if o["metadata"]["name"] == "client")
    client["metadata"]["name"] = "client-v2"  # same spec.secretName
    again = by_name(issue(changed, existing=existing_of(list(issued.values())), now=NOW))
    assert again["client"].certificate == "client-v2"
    assert again["client"].manifest["metadata"]["annotations"]["cert-manager.io/certificate-name"] == "client-v2"
    assert leaf(again["client"]).serial_number != leaf(issued["client"]).serial_number


def test_broken_existing_secret_is_reissued(objects, issued):
    existing = existing_of(list(issued.values()))
    broken = copy.deepcopy(existing[(NS, "server")])
    broken["data"]["tls.key"] = existing[(NS, "client")]["data"]["tls.key"]  # key of another cert
    existing[(NS, "server")] = broken
    again = by_name(issue(objects, existing=existing, now=NOW))
    assert private_key(again["server"]).public_key() == leaf(again["server"]).public_key()
    assert data(again["server"], "tls.key") != data(issued["server"], "tls.key")


def test_rotated_ca_key_reissues_its_leaves(objects, issued):
    # cert-manager would keep the leaves until their renewal; locally a broken chain is never wanted.
    again = by_name(issue(objects, existing=existing_of(list(issued.values())), renew=renew_only("root"), now=NOW))
    assert data(again["root"], "tls.key") != data(issued["root"], "tls.key")
    for name in ("server", "client", "never"):
        leaf(again[name]).verify_directly_issued_by(leaf(again["root"]))
        assert data(again[name], "ca.crt") == data(again["root"], "tls.crt")


# ----------------------------------------------------------------------------- refusals


def test_missing_issuer_is_named():
    objects = [certificate("orphan", "nowhere", commonName="orphan")]
    expected = r"Certificate pki-test/orphan: spec\.issuerRef\.name: Issuer 'nowhere' not found"
    with pytest.raises(PkiError, match=expected):
        issue(objects)


def test_issuer_in_another_namespace_is_not_found():
    elsewhere = selfsigned() | {"metadata": {"name": "selfsigned", "namespace": "elsewhere"}}
    objects = [elsewhere, certificate("c", "selfsigned", commonName="c")]
    with pytest.raises(PkiError, match="not found in namespace pki-test"):
        issue(objects)


def test_ca_secret_nobody_issues_is_named():
    objects = [ca_issuer("ghost", "ghost-ca"), certificate("leaf", "ghost", commonName="leaf")]
    expected = (
        r"Issuer pki-test/ghost: spec\.ca\.secretName: Secret pki-test/ghost-ca "
        r"\(needed by Certificate pki-test/leaf\)"
    )
    with pytest.raises(PkiError, match=expected):
        issue(objects)


def test_issuer_cycle_is_detected():
    objects = [
        ca_issuer("a", "a-ca"),
        ca_issuer("b", "b-ca"),
        certificate("a-ca", "b", commonName="a", isCA=True),
        certificate("b-ca", "a", commonName="b", isCA=True),
    ]
    expected = (
        "issuer cycle: Certificate pki-test/a-ca -> Issuer pki-test/b -> Certificate pki-test/b-ca"
        " -> Issuer pki-test/a -> Certificate pki-test/a-ca"
    )
    with pytest.raises(PkiError, match=expected):
        issue(objects)


def test_self_issued_ca_is_a_cycle():
    objects = [ca_issuer("loop", "loop"), certificate("loop", "loop", commonName="loop", isCA=True)]
    with pytest.raises(PkiError, match="issuer cycle"):
        issue(objects)


def test_certificate_without_cn_or_san_is_refused():
    objects = [*root_ca(), certificate("empty", "root", subject={"organizations": ["o"]})]
    with pytest.raises(PkiError, match=r"Certificate pki-test/empty: at least one of spec\.commonName"):
        issue(objects)


def test_unsupported_issuer_type_is_named():
    objects = [issuer("acme", {"acme": {"server": "https://acme.example"}}), certificate("c", "acme", commonName="c")]
    with pytest.raises(PkiError, match=r"Issuer pki-test/acme: spec: only selfSigned and ca"):
        issue(objects)


def test_external_issuer_group_is_refused():
    c = certificate("c", "x", commonName="c")
    c["spec"]["issuerRef"]["group"] = "awspca.cert-manager.io"
    with pytest.raises(PkiError, match=r"pki-test/c: spec\.issuerRef\.group"):
        issue([c])


def test_two_certificates_writing_one_secret_are_refused():
    objects = [
        *root_ca(),
        certificate("a", "root", commonName="a", secret="same"),
        certificate("b", "root", commonName="b", secret="same"),
    ]
    expected = r"Certificate pki-test/b: spec\.secretName 'same' is also written by Certificate pki-test/a"
    with pytest.raises(PkiError, match=expected):
        issue(objects)


@pytest.mark.parametrize(
    "spec, field",
    [
        ({"usages": ["server auth", "teleport"]}, r"spec\.usages\[1\]"),
        ({"privateKey": {"algorithm": "RSA", "size": 1024}}, r"spec\.privateKey\.size"),
        ({"privateKey": {"algorithm": "ECDSA", "size": 255}}, r"spec\.privateKey\.size"),
        ({"privateKey": {"algorithm": "DSA"}}, r"spec\.privateKey\.algorithm"),
        ({"privateKey": {"encoding": "DER"}}, r"spec\.privateKey\.encoding"),
        ({"ipAddresses": ["300.1.1.1"]}, r"spec\.ipAddresses\[0\]"),
        ({"renewBefore": "2160h"}, r"spec\.renewBefore"),
        ({"literalSubject": "CN=x"}, r"spec\.literalSubject"),
        # cert-manager v1.21: policy Disabled never renews; refused rather than renewed here.
        ({"renewal": {"policy": "Disabled"}}, r"spec\.renewal"),
    ],
)
def test_invalid_specs_name_the_field(spec, field):
    objects = [*root_ca(), certificate("bad", "root", commonName="bad", **spec)]
    with pytest.raises(PkiError, match=rf"Certificate pki-test/bad: {field}"):
        issue(objects)


def test_ca_issuer_refuses_a_non_ca_secret():
    objects = [
        selfsigned(),
        certificate("notca", "selfsigned", commonName="notca"),
        ca_issuer("bad", "notca"),
        certificate("leaf", "bad", commonName="leaf"),
    ]
    expected = r"Issuer pki-test/bad: spec\.ca\.secretName: Secret pki-test/notca: certificate is not a CA"
    with pytest.raises(PkiError, match=expected):
        issue(objects)


def test_non_cert_manager_objects_are_ignored():
    objects = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}, *root_ca()]
    assert [s.name for s in issue(objects, now=NOW)] == ["root"]


def test_module_knows_no_chart_names():
    assert "karmada" not in inspect.getsource(pki).lower()


# ----------------------------------------------------------------------------- plain helpers


@pytest.fixture(scope="module")
def local_ca() -> pki.KeyPair:
    return pki.new_ca("local-ca")


def test_new_ca_is_a_self_signed_ca(local_ca):
    cert = x509.load_pem_x509_certificate(local_ca.cert_pem)
    cert.verify_directly_issued_by(cert)
    assert ext(cert, x509.BasicConstraints).value.ca
    assert ext(cert, x509.KeyUsage).value.key_cert_sign
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(days=3650)
    key = serialization.load_pem_private_key(local_ca.key_pem, password=None)
    assert key.public_key() == cert.public_key()


def test_issue_leaf_serving_and_client(local_ca):
    pair = pki.issue_leaf(
        local_ca,
        "kube-apiserver",
        organizations=("system:masters",),
        dns_names=("localhost", "kubernetes.default"),
        ip_addresses=("127.0.0.1", "10.0.0.1"),
        server=True,
        client=True,
        days=30,
    )
    cert = x509.load_pem_x509_certificate(pair.cert_pem)
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(local_ca.cert_pem))
    assert cert.subject.rfc4514_string() == "CN=kube-apiserver,O=system:masters"
    san = ext(cert, x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost", "kubernetes.default"]
    assert [str(i) for i in san.get_values_for_type(x509.IPAddress)] == ["127.0.0.1", "10.0.0.1"]
    assert list(ext(cert, x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH,
        ExtendedKeyUsageOID.CLIENT_AUTH,
    ]
    assert not ext(cert, x509.BasicConstraints).value.ca
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == dt.timedelta(days=30)
    assert serialization.load_pem_private_key(pair.key_pem, password=None).public_key() == cert.public_key()


def test_issue_leaf_client_only(local_ca):
    cert = x509.load_pem_x509_certificate(pki.issue_leaf(local_ca, "system:kube-scheduler", client=True).cert_pem)
    assert list(ext(cert, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    with pytest.raises(x509.ExtensionNotFound):
        ext(cert, x509.SubjectAlternativeName)


def test_service_account_key_pair():
    pair = pki.new_service_account_key()
    assert pair.cert_pem.startswith(b"-----BEGIN PUBLIC KEY-----\n")
    assert pair.key_pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----\n")
    key = serialization.load_pem_private_key(pair.key_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    assert serialization.load_pem_public_key(pair.cert_pem) == key.public_key()


# ----------------------------------------------------------------------------- a rendered parent.yaml

_RENDERED = [REPO / ".local/cdk.out/manifests/parent.yaml", REPO / "cdk.out/manifests/parent.yaml"]


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    path = next((p for p in _RENDERED if p.is_file()), None)
    if path is None:
        pytest.skip("no synthesized parent.yaml (run `make synth` first); not synthesizing here")
    objects = [o for o in yaml.safe_load_all(path.read_text()) if o]
    if not any(o.get("kind") == "Certificate" for o in objects):
        pytest.skip(f"{path} has no Certificates")
    return objects


@pytest.fixture(scope="module")
def rendered_secrets(rendered) -> list[pki.IssuedSecret]:
    """Issue the rendered file once, with one key per algorithm and size: RSA 4096 takes ~1s."""
    keys: dict[tuple[str, int], object] = {}
    generate = pki._generate_key

    def one_key_per_kind(algorithm: str, size: int):
        if algorithm == "RSA":
            return rsa_key(size)
        if (algorithm, size) not in keys:
            keys[algorithm, size] = generate(algorithm, size)
        return keys[algorithm, size]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pki, "_generate_key", one_key_per_kind)
        return issue(rendered)


def test_every_rendered_certificate_issues_and_verifies(rendered, rendered_secrets):
    certificates = [o for o in rendered if o.get("kind") == "Certificate"]
    secrets = rendered_secrets
    assert sorted(s.certificate for s in secrets) == sorted(c["metadata"]["name"] for c in certificates)
    specs = {c["metadata"]["name"]: c["spec"] for c in certificates}
    for secret in secrets:
        cert, spec = leaf(secret), specs[secret.certificate]
        assert private_key(secret).public_key() == cert.public_key()
        verify_chain(secret)
        if spec.get("commonName"):
            assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == spec["commonName"]
        if spec.get("dnsNames"):
            assert ext(cert, x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName) == spec["dnsNames"]
        size = (spec.get("privateKey") or {}).get("size")
        if size and (spec.get("privateKey") or {}).get("algorithm", "RSA") == "RSA":
            assert private_key(secret).key_size == size
    again = issue(rendered, existing=existing_of(secrets))
    assert [s.manifest for s in again] == [s.manifest for s in secrets]
