"""Find credentials in a synth output: private keys, bearer tokens, AWS keys.

Every regular file is read as bytes (templates, manifests, metadata, assets of
any kind), and every member of every zip asset too (Lambda code and layers ship
as zips). Nothing here ever prints a whole match: findings carry the pattern,
the place and a redacted excerpt.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Base64 and base64url alphabets.
_B64 = r"A-Za-z0-9+/"
_B64URL = r"A-Za-z0-9_-"

PATTERNS: dict[str, re.Pattern[bytes]] = {
    # PKCS#1/#8/SEC1/OpenSSH/encrypted PEM private keys, and PGP private key blocks.
    "private key (PEM)": re.compile(rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    # A JWT (ServiceAccount tokens, OIDC tokens): base64url JSON header "{"..." . payload . signature.
    "JWT": re.compile(rb"\beyJ[" + _B64URL.encode() + rb"]{8,}\.eyJ[" + _B64URL.encode() + rb"]{8,}\.["
                      + _B64URL.encode() + rb"]{16,}"),
    # "Authorization: Bearer <token>", or a bearer token in a kubeconfig or config file.
    "bearer token": re.compile(rb"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{20,}=*"),
    # kubeconfig `token:` / `"token": "..."` / token=... with a long opaque value.
    "token value": re.compile(rb"""(?i)(?<![A-Za-z])token["']?\s*[:=]\s*["']?[""" + _B64.encode() + rb"""_.=-]{32,}"""),
    # AWS access key ids (long-term AKIA, temporary ASIA, and the other documented prefixes).
    "AWS access key id": re.compile(rb"\b(?:AKIA|ASIA|ABIA|ACCA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}\b"),
    # aws_secret_access_key = <40 chars> (credentials files, env, JSON).
    "AWS secret access key": re.compile(
        rb"""(?i)aws_?secret_?access_?key["']?\s*[:=]\s*["']?[""" + _B64.encode() + rb"""]{40}(?![""" + _B64.encode()
                                        + rb"""])"""
    ),
}


@dataclass(frozen=True)
class SecretFinding:
    pattern: str
    where: str
    excerpt: str

    def __str__(self) -> str:
        return f"{self.pattern} in {self.where}: {self.excerpt}"


def _redact(match: bytes) -> str:
    text = match.decode("latin-1")
    return text[:12] + "..." + f"({len(text)} chars)"


def scan_bytes(data: bytes, where: str) -> list[SecretFinding]:
    found = []
    for name, pattern in PATTERNS.items():
        for match in pattern.finditer(data):
            found.append(SecretFinding(name, where, _redact(match.group(0))))
    return found


def _zip_members(path: Path) -> Iterator[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.is_dir():
                yield info.filename, archive.read(info)


def prebuilt_zip_assets(outdir: Path) -> set[str]:
    """Zip assets copied as-is from pinned packages (``packaging: file``).

    Zip assets copied as-is from pinned packages (``packaging: file``): the kubectl/helm and AWS CLI Lambda layers
    aws-cdk-lib and aws-cdk.lambda-layer-kubectl ship. Their bytes are scanned like every file; their members are
    upstream code (the vendored AWS CLI carries its documented example keys and PEM parsers), so they are not opened.
    Assets built from this repository are directories.
    """
    prebuilt = set()
    for manifest in outdir.glob("*.assets.json"):
        for asset in json.loads(manifest.read_text()).get("files", {}).values():
            source = asset.get("source", {})
            if source.get("packaging") == "file" and str(source.get("path", "")).endswith(".zip"):
                prebuilt.add(source["path"])
    return prebuilt


@dataclass
class TreeScan:
    findings: list[SecretFinding]
    files: int
    zip_members: int
    unopened_zips: list[str]


def scan_tree(root: Path, *, skip_members_of: set[str] = frozenset()) -> TreeScan:
    """Every file under root, and every member of every zip except those named in skip_members_of."""
    result = TreeScan([], 0, 0, [])
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = str(path.relative_to(root))
        result.findings += scan_bytes(path.read_bytes(), relative)
        result.files += 1
        if zipfile.is_zipfile(path):
            if relative in skip_members_of:
                result.unopened_zips.append(relative)
                continue
            for member, content in _zip_members(path):
                result.findings += scan_bytes(content, f"{relative}!{member}")
                result.zip_members += 1
    return result
