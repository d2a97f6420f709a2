"""Objects that come from a release tarball (``Source``): download, verify, pick, patch.

This is how Karmada's CRDs are installed. Karmada's release ``crds.tar.gz`` holds
``crds/bases/<group>/*.yaml`` (the CRDs), ``crds/patches/*.yaml`` (conversion-webhook patches with
``{{name}}``, ``{{namespace}}`` and ``{{caBundle}}`` placeholders) and a kustomization.yaml.
Bases are applied as they are. Each patch document is a partial object (here: a CRD's
``metadata.name`` and ``spec.conversion``); its placeholders are filled in at run time and it is
server-side applied on top of the object it names, under its own field manager. Which objects are
patched and which fields are set is read from the patch files, not hard-coded.

Nothing in the tarball is trusted for where it came from: ``files`` pins the sha256 of every file it holds
(the construct writes them from eks_karmada/karmada_crd_digests.py). A file that is not pinned, whose bytes
differ, or a pinned file that is missing fails the whole Source before anything is parsed or applied, so a
mirror (S3 or HTTPS) may repack the release but not change it.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import SourceError, SourceUnavailableError, YamlSubsetError
from .yaml_docs import ObjectIdentity, read_identity, split_documents

MAX_DOWNLOAD_BYTES = 32 * 1024 * 1024
MAX_UNPACKED_BYTES = 128 * 1024 * 1024
YAML_SUFFIXES = (".yaml", ".yml")
DEFAULT_WEBHOOK_SERVICE = "karmada-webhook"

_S3_URL = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(.+)")
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
# Values are pasted into YAML text: allow only characters that need no quoting or escaping there.
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9+/=._:-]*$")


@dataclass(frozen=True)
class SourceSpec:
    """The ``Source`` property: where the tarball is and which files in it to use."""

    url: str
    sha256: str | None
    # Archive path (``crds/...``) -> sha256 of the file's bytes: every file the tarball must hold, and nothing
    # else. None (an old template) is refused when the tarball is read.
    files: dict[str, str] | None = field(hash=False, compare=True)
    paths: tuple[str, ...]
    patches: tuple[str, ...]
    patch_values: dict = field(default_factory=dict, hash=False, compare=True)
    # The only kinds the tarball may hold (a mirror is another trust boundary); empty: any kind.
    kinds: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, text: str) -> SourceSpec:
        try:
            raw = json.loads(text)
        except ValueError as err:
            raise SourceError(f"Source is not valid JSON: {err}") from err
        if not isinstance(raw, dict):
            raise SourceError("Source must be a JSON object")
        url = raw.get("url")
        if not isinstance(url, str) or not (url.startswith("https://") or _S3_URL.fullmatch(url)):
            raise SourceError("Source.url must be an https:// URL or s3://<bucket>/<key> (a mirror)")
        sha256 = raw.get("sha256") or None
        if sha256 is not None:
            sha256 = str(sha256).strip().lower()
            if not re.fullmatch(r"[0-9a-f]{64}", sha256):
                raise SourceError("Source.sha256 must be 64 hex digits")
        files = raw.get("files")
        if files is not None:
            if not isinstance(files, dict) or not files or not all(
                    isinstance(k, str) and k and isinstance(v, str) and re.fullmatch(r"[0-9a-fA-F]{64}", v)
                    for k, v in files.items()):
                raise SourceError("Source.files must map each file of the archive to its sha256 (64 hex digits)")
            files = {_normalize_member(k): v.lower() for k, v in files.items()}
        paths = raw.get("paths")
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p for p in paths):
            raise SourceError("Source.paths must be a non-empty list of path prefixes")
        norm_paths = tuple(_normalize_prefix(p) for p in paths)
        if "patches" in raw:
            patches = raw["patches"]
            if not isinstance(patches, list) or not all(isinstance(p, str) and p for p in patches):
                raise SourceError("Source.patches must be a list of path prefixes")
            norm_patches = tuple(_normalize_prefix(p) for p in patches)
        else:
            # Karmada's layout: the patches for <dir>/bases/ are in <dir>/patches/.
            norm_patches = tuple(
                p[: -len("bases/")] + "patches/" for p in norm_paths if p == "bases/" or p.endswith("/bases/")
            )
        values = raw.get("patchValues") or {}
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            raise SourceError("Source.patchValues must be an object of strings")
        kinds = raw.get("kinds") or []
        if not isinstance(kinds, list) or not all(isinstance(k, str) and k for k in kinds):
            raise SourceError("Source.kinds must be a list of kinds")
        return cls(url, sha256, files, norm_paths, norm_patches, dict(values), tuple(kinds))


@dataclass(frozen=True)
class YamlDocument:
    """One YAML document: where it came from, its text, and its identity."""

    origin: str
    text: str
    identity: ObjectIdentity


@dataclass
class SourceBundle:
    """What a Source yields: documents to apply, and patch templates to render and apply after."""

    documents: list[YamlDocument]
    patches: list[YamlDocument]


def fetch_url(url: str, timeout: float = 60.0, max_bytes: int = MAX_DOWNLOAD_BYTES) -> bytes:
    """Download ``url`` (following redirects, as GitHub release downloads need)."""
    request = urllib.request.Request(url, headers={"User-Agent": "eks-karmada/karmada-manifest"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - https only
            data = response.read(max_bytes + 1)
    except urllib.error.HTTPError as err:
        message = f"downloading {url} failed: HTTP {err.code} {err.reason}"
        if err.code >= 500 or err.code == 429:
            raise SourceUnavailableError(message) from err
        raise SourceError(message) from err
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise SourceUnavailableError(f"downloading {url} failed: {reason}") from err
    if len(data) > max_bytes:
        raise SourceError(f"downloading {url} failed: larger than {max_bytes} bytes")
    return data


def fetch_s3(url: str, client: Any = None, max_bytes: int = MAX_DOWNLOAD_BYTES) -> bytes:
    """Read ``s3://<bucket>/<key>`` (a mirror of a release asset) with the handler's own role."""
    match = _S3_URL.fullmatch(url)
    if not match:
        raise SourceError(f"{url} is not an s3://<bucket>/<key> URL")
    if client is None:
        import boto3  # the Lambda runtime has it; imported late so unit tests need no AWS setup

        client = boto3.client("s3")
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        body = client.get_object(Bucket=match[1], Key=match[2])["Body"]
        data = body.read(max_bytes + 1)
    except ClientError as err:
        code = str(err.response.get("Error", {}).get("Code", "error"))
        message = f"reading {url} failed: {code}"
        if code in ("SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout"):
            raise SourceUnavailableError(message) from err
        raise SourceError(message) from err
    except BotoCoreError as err:
        raise SourceUnavailableError(f"reading {url} failed: {err}") from err
    if len(data) > max_bytes:
        raise SourceError(f"reading {url} failed: larger than {max_bytes} bytes")
    return data


def fetch_source(url: str) -> bytes:
    """The bytes at ``url``: S3 for an ``s3://`` mirror, HTTPS otherwise."""
    return fetch_s3(url) if url.startswith("s3://") else fetch_url(url)


def load_source(spec: SourceSpec, fetch: Callable[[str], bytes] = fetch_source) -> SourceBundle:
    """Download, verify and read the documents and patches the spec selects."""
    if spec.files is None:
        raise SourceError(f"Source.files is missing: every file of {spec.url} must be pinned by its sha256 "
                          "(redeploy with the current construct, which pins them)")
    data = fetch(spec.url)
    actual = hashlib.sha256(data).hexdigest()
    if spec.sha256 and actual != spec.sha256:
        raise SourceError(f"sha256 mismatch for {spec.url}: expected {spec.sha256}, got {actual}")
    files = _pinned_yaml_files(data, spec.url, spec.files)
    documents = _documents(files, spec.paths)
    if not documents:
        tops = sorted({name.split("/", 1)[0] for name in files}) or ["(no YAML files)"]
        raise SourceError(
            f"no YAML documents under {list(spec.paths)} in {spec.url}; "
            f"its YAML files are under: {', '.join(tops)}"
        )
    patches = _documents(files, spec.patches) if spec.patches else []
    for document in [*documents, *patches] if spec.kinds else []:
        if document.identity.kind not in spec.kinds:
            raise SourceError(f"{document.origin} in {spec.url} is a {document.identity.kind} "
                              f"({document.identity.name}); this source may hold only {', '.join(spec.kinds)}")
    return SourceBundle(documents, patches)


def render_patch(patch: YamlDocument, values: dict[str, str]) -> YamlDocument:
    """Fill a patch's ``{{placeholder}}``s; every placeholder in it must have a value."""
    missing = sorted({m.group(1) for m in _PLACEHOLDER.finditer(patch.text)} - set(values))
    if missing:
        raise SourceError(f"patch {patch.origin} has placeholders with no value: {', '.join(missing)}")
    for key, value in values.items():
        if not _SAFE_VALUE.match(value):
            raise SourceError(f"patch value {key!r} has characters that are not allowed")
    text = _PLACEHOLDER.sub(lambda m: values[m.group(1)], patch.text)
    return YamlDocument(patch.origin, text, read_identity(text))


# ---- internals --------------------------------------------------------------------------------


def _normalize_prefix(path: str) -> str:
    path = path.strip().lstrip("/")
    while path.startswith("./"):
        path = path[2:]
    if path and not path.endswith("/") and not path.endswith(YAML_SUFFIXES):
        path += "/"  # "crds/bases" means the directory, not "crds/bases-old/"
    return path


def _normalize_member(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return name.lstrip("/")


def _pinned_yaml_files(data: bytes, url: str, pins: dict[str, str]) -> dict[str, str]:
    """YAML files in the tarball, by normalized member name, once every file matches ``pins`` exactly."""
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
    except (tarfile.TarError, OSError, EOFError) as err:
        raise SourceError(f"{url} is not a readable tar archive: {err}") from err
    contents: dict[str, bytes] = {}
    unpacked = 0
    try:
        with archive:
            for member in archive:
                name = _normalize_member(member.name)
                if member.isdir():
                    continue
                if not member.isfile():
                    # A link or a device could stand for a pinned file's name with other bytes behind it.
                    raise SourceError(f"{name} in {url} is not a regular file; the archive may hold only the "
                                      "pinned files")
                if name in contents:
                    raise SourceError(f"{name} appears twice in {url}; the archive may hold each pinned file once")
                unpacked += member.size
                if unpacked > MAX_UNPACKED_BYTES:
                    raise SourceError(f"{url} unpacks to more than {MAX_UNPACKED_BYTES} bytes")
                handle = archive.extractfile(member)
                contents[name] = handle.read() if handle is not None else b""
    except (tarfile.TarError, OSError, EOFError) as err:
        raise SourceError(f"{url} is not a readable tar archive: {err}") from err
    for name in sorted(contents):
        if name not in pins:
            raise SourceError(f"{name} in {url} is not one of the pinned files of this source; refusing the archive")
        actual = hashlib.sha256(contents[name]).hexdigest()
        if actual != pins[name]:
            raise SourceError(f"{name} in {url} has sha256 {actual}, not the pinned {pins[name]}; "
                              "refusing the archive")
    missing = sorted(set(pins) - set(contents))
    if missing:
        raise SourceError(f"{missing[0]} is pinned but missing from {url}"
                          + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
    files: dict[str, str] = {}
    for name, raw in contents.items():
        if not name.endswith(YAML_SUFFIXES):
            continue
        try:
            files[name] = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise SourceError(f"{name} in {url} is not UTF-8 text") from err
    return files


def _documents(files: dict[str, str], prefixes: tuple[str, ...]) -> list[YamlDocument]:
    chosen = sorted(name for name in files if any(_under(name, prefix) for prefix in prefixes))
    documents = []
    for name in chosen:
        try:
            texts = split_documents(files[name])
            for index, text in enumerate(texts):
                documents.append(YamlDocument(f"{name}#{index}", text, read_identity(text)))
        except YamlSubsetError as err:
            raise SourceError(f"cannot read {name}: {err}") from err
    return documents


def _under(name: str, prefix: str) -> bool:
    if prefix.endswith("/"):
        return name.startswith(prefix)
    return name == prefix or prefix == ""
