"""No credential ever lands in a synth output: templates, manifests, metadata or assets."""

from __future__ import annotations

import base64
import json
import zipfile

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.security.secret_scan import PATTERNS, prebuilt_zip_assets, scan_bytes, scan_tree


@pytest.fixture(scope="module")
def synth_scan(synthesized):
    return scan_tree(synthesized.outdir, skip_members_of=prebuilt_zip_assets(synthesized.outdir))


def test_synth_output_holds_no_private_key_token_or_aws_key(synth_scan, synthesized):
    assert synth_scan.files > 10 and any(p.name == "parent.yaml" for p in synthesized.outdir.rglob("*.yaml"))
    assert synth_scan.findings == [], "\n".join(map(str, synth_scan.findings))


def test_only_prebuilt_layer_zips_are_left_unopened(synth_scan, synthesized):
    """Every zip asset built from this repository is opened, only pinned vendor layers are not.

    Every zip asset built from this repository is opened; only the pinned vendor layers (kubectl/helm, AWS CLI) that
    packages ship as ready-made zips are not.
    """
    assert set(synth_scan.unopened_zips) <= prebuilt_zip_assets(synthesized.outdir)


# --- the detectors themselves: planted credentials are found, look-alikes are not -------------------
def _b64url(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _pem_private_key() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _jwt() -> str:
    header = _b64url({"alg": "RS256", "kid": "k"})
    payload = _b64url({"iss": "https://kubernetes.default.svc", "sub": "system:serviceaccount:karmada-system:x"})
    return f"{header}.{payload}.{'s' * 43}"


# Built at run time so no credential-shaped literal sits in the repository.
PLANTED = {
    "private key (PEM)": _pem_private_key(),
    "JWT": f'"token": "{_jwt()}"'.encode(),
    "bearer token": b"Authorization: Bearer " + b"Zm9v" * 8,
    "token value": b"users:\n- name: admin\n  user:\n    token: " + b"c2VjcmV0" * 6,
    "AWS access key id": b"id=" + b"AKIA" + b"Q" * 12 + b"7ZZZ",
    "AWS secret access key": b"aws_secret_access_key = " + b"wJalrXUtnFEMIK7MDENGbPxRfiCY" + b"Ab3/+Cd4Ef5G",
}


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_each_detector_finds_its_planted_credential(name):
    assert name in PATTERNS
    assert name in {f.pattern for f in scan_bytes(PLANTED[name], "planted")}


def test_findings_never_print_the_secret():
    for finding in scan_bytes(b"\n".join(PLANTED.values()), "planted"):
        assert len(finding.excerpt) < 40 and "..." in finding.excerpt


@pytest.mark.parametrize(
    "benign",
    [
        b'"ServiceToken": {"Fn::GetAtt": ["Provider", "Arn"]}',
        b"certificate-authority-data: ${Karmada.CaBundle}",
        b"token: ${Karmada.BootstrapToken}",
        b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        b"-----BEGIN PUBLIC KEY-----",
        b'"aws:SecureTransport": "false"',
        b"arn:aws:iam::111122223333:role/AKIA-is-not-a-key",
        b"automountServiceAccountToken: false",
    ],
)
def test_look_alikes_are_not_findings(benign):
    assert scan_bytes(benign, "benign") == []


def test_zip_members_are_opened(tmp_path):
    with zipfile.ZipFile(tmp_path / "asset.0000.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("handler/config.py", PLANTED["AWS secret access key"])
    scan = scan_tree(tmp_path)
    assert [f.where for f in scan.findings] == ["asset.0000.zip!handler/config.py"]
    assert scan_tree(tmp_path, skip_members_of={"asset.0000.zip"}).findings == []
