"""Issue 13, item 1: client certificates come from their own CA, and only that CA signs a Karmada identity.

karmada-apiserver trusts `karmada-client-ca` (an intermediate of `karmada-ca`) alone for client certificates
(charts/karmada/pki.py). Proven against the running control plane: a certificate that the serving CA `karmada-ca`
signs directly authenticates no one, even one naming `system:masters`; one the client CA signs does; and the
rendered client certificates carry the intermediate while their `ca.crt` stays the one trust anchor clients hold.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from charts.karmada import names
from e2e.conftest import Kubectl


@dataclasses.dataclass(frozen=True)
class Authority:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey  # any private key type cryptography loads; named for the type checker


def secret_files(parent: Kubectl, name: str) -> dict[str, bytes]:
    secret = parent.get("secret", name, "karmada-system")
    assert secret, f"no Secret karmada-system/{name} in the parent"
    return {key: base64.b64decode(value) for key, value in secret["data"].items()}


def authority(parent: Kubectl, name: str) -> Authority:
    files = secret_files(parent, name)
    return Authority(x509.load_pem_x509_certificate(files["tls.crt"]),
                     serialization.load_pem_private_key(files["tls.key"], None))  # type: ignore[arg-type]


def client_certificate(signer: Authority, user: str, groups: list[str]) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM): a client certificate for ``user`` in ``groups``, signed by ``signer``."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([*(x509.NameAttribute(NameOID.ORGANIZATION_NAME, g) for g in groups),
                         x509.NameAttribute(NameOID.COMMON_NAME, user)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(signer.cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1)).not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(signer.key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def kubectl_as(env, kubectl_binary: Path, folder: Path, name: str, cert_pem: bytes, key_pem: bytes) -> Kubectl:
    access = dataclasses.replace(env.access("karmada"), name=name, cert_pem=cert_pem, key_pem=key_pem)
    path = folder / f"{name}.kubeconfig"
    access.write(path)
    return Kubectl(kubectl_binary, path)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("client-ca")


def test_a_certificate_the_serving_ca_signs_authenticates_no_one(env, parent, kubectl_binary, folder):
    """Someone holding karmada-ca's key (or a signature from it) mints system:masters: karmada-apiserver says 401."""
    cert, key = client_certificate(authority(parent, names.CA_SECRET), "mallory", ["system:masters"])
    mallory = kubectl_as(env, kubectl_binary, folder, "mallory", cert, key)
    done = mallory.run("auth", "whoami", check=False)
    assert done.returncode != 0, f"a certificate karmada-ca signed directly authenticated: {done.stdout}"
    assert "Unauthorized" in done.stderr, done.stderr


def test_the_client_ca_signs_identities_and_rbac_still_decides(env, parent, kubectl_binary, folder):
    """The control: the same kind of certificate from the client CA authenticates, as exactly its subject."""
    cert, key = client_certificate(authority(parent, names.CLIENT_CA_SECRET), "e2e-outsider", ["e2e-nobody"])
    outsider = kubectl_as(env, kubectl_binary, folder, "outsider", cert, key)
    assert outsider.run("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}").stdout == "e2e-outsider"
    done = outsider.run("get", "clusters", check=False)
    assert done.returncode != 0 and "(Forbidden)" in done.stderr, done.stderr


def test_rendered_client_certificates_chain_to_the_one_trust_anchor(parent):
    """Each issued client certificate carries the intermediate; its ca.crt is karmada-ca, which clients trust."""
    root = secret_files(parent, names.CA_SECRET)["tls.crt"]
    intermediate = x509.load_pem_x509_certificate(secret_files(parent, names.CLIENT_CA_SECRET)["tls.crt"])
    bundle = parent.get("configmap", "karmada-ca-bundle", "karmada-system")
    for secret in (names.ADMIN_CLIENT_SECRET, names.client_secret(names.CONTROLLER_MANAGER)):
        files = secret_files(parent, secret)
        chain = x509.load_pem_x509_certificates(files["tls.crt"])
        assert [c.issuer for c in chain] == [intermediate.subject, x509.load_pem_x509_certificate(root).subject], \
            f"{secret}: {[c.subject.rfc4514_string() for c in chain]}"
        assert chain[1] == intermediate
        assert files["ca.crt"].strip() == root.strip(), f"{secret}: ca.crt is not karmada-ca"
    if bundle:  # published by the bootstrap: the one CA users and handlers trust
        assert bundle["data"]["ca.crt"].strip() == root.decode().strip()
