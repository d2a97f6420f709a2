"""Source tarballs: spec parsing, download, checksum, file selection and patch rendering."""

from __future__ import annotations

import hashlib
import http.server
import threading
import urllib.error

import pytest

from functions.karmada_manifest import manifest_source
from functions.karmada_manifest.errors import SourceError, SourceUnavailableError
from functions.karmada_manifest.manifest_source import (
    SourceSpec,
    fetch_url,
    load_source,
    render_patch,
)
from tests.functions.sample_release import BINDINGS_PATCH, pins, release, tarball

URL = "https://example.com/crds.tar.gz"


def spec(**raw) -> SourceSpec:
    """A Source pinning the sample release's files unless `files` says otherwise."""
    import json

    return SourceSpec.from_json(json.dumps({"url": URL, "paths": ["crds/bases/"], "files": pins(release()), **raw}))


def test_spec_defaults_patches_to_the_sibling_of_bases():
    assert spec().patches == ("crds/patches/",)
    assert spec(paths=["./crds/bases"]).paths == ("crds/bases/",)
    assert spec(paths=["crds/bases/work/"]).patches == ()
    assert spec(patches=[]).patches == ()
    assert spec(sha256="AB" * 32).sha256 == "ab" * 32


@pytest.mark.parametrize(
    "text, message",
    [
        ("[]", "JSON object"),
        ("{", "not valid JSON"),
        ('{"url": "http://x/y.tgz", "paths": ["a"]}', "https://"),
        ('{"url": "https://x/y.tgz", "paths": []}', "paths"),
        ('{"url": "https://x/y.tgz", "paths": ["a"], "sha256": "abc"}', "64 hex"),
        ('{"url": "https://x/y.tgz", "paths": ["a"], "patches": "p"}', "patches"),
        ('{"url": "https://x/y.tgz", "paths": ["a"], "patchValues": {"a": 1}}', "patchValues"),
    ],
)
def test_bad_specs_are_refused(text, message):
    with pytest.raises(SourceError, match=message):
        SourceSpec.from_json(text)


def test_load_selects_yaml_under_the_prefixes_sorted_and_skips_other_files():
    files = release(**{"crds/bases/README.md": "# not yaml", "crds/bases/x/two.yml":
                       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n"
                       "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n"})
    bundle = load_source(spec(files=pins(files)), lambda url: tarball(files))
    assert [d.origin for d in bundle.documents] == [
        "crds/bases/policy/policy.karmada.io_propagationpolicies.yaml#0",
        "crds/bases/work/work.karmada.io_resourcebindings.yaml#0",
        "crds/bases/x/two.yml#0",
        "crds/bases/x/two.yml#1",
    ]
    assert [p.identity.name for p in bundle.patches] == ["resourcebindings.work.karmada.io"]


def test_checksum_is_verified_when_given():
    data = tarball(release())
    good = hashlib.sha256(data).hexdigest()
    assert load_source(spec(sha256=good), lambda url: data).documents
    with pytest.raises(SourceError, match="sha256 mismatch"):
        load_source(spec(sha256="f" * 64), lambda url: data)


def test_not_a_tarball_and_unreadable_yaml_fail_clearly():
    with pytest.raises(SourceError, match="not a readable tar archive"):
        load_source(spec(), lambda url: b"<html>rate limited</html>")
    broken = {"crds/bases/a.yaml": "apiVersion: v1\nkind: X\nmetadata:\n  name: &a b\n"}
    with pytest.raises(SourceError, match="cannot read crds/bases/a.yaml"):
        load_source(spec(files=pins(broken)), lambda url: tarball(broken))


def test_render_patch_fills_placeholders():
    bundle = load_source(spec(), lambda url: tarball(release()))
    rendered = render_patch(bundle.patches[0], {"name": "wh", "namespace": "ns", "caBundle": "QUJD"})
    assert 'url: "https://wh.ns.svc:443/convert"' in rendered.text
    assert 'caBundle: "QUJD"' in rendered.text
    assert rendered.identity.name == "resourcebindings.work.karmada.io"
    assert "{{" in BINDINGS_PATCH and "{{" not in rendered.text
    with pytest.raises(SourceError, match="not allowed"):
        render_patch(bundle.patches[0], {"name": 'a"\nb', "namespace": "ns", "caBundle": "x"})


class _Server(http.server.BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 - http.server naming
        status, headers, body = self.routes.get(self.path, (404, {}, b"missing"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_http():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetch_follows_redirects_and_limits_size(local_http):
    _Server.routes = {
        "/release": (302, {"Location": "/asset"}, b""),
        "/asset": (200, {}, b"x" * 100),
        "/broken": (503, {}, b"busy"),
        "/gone": (404, {}, b"no"),
    }
    assert fetch_url(local_http + "/release") == b"x" * 100
    with pytest.raises(SourceError, match="larger than 10 bytes"):
        fetch_url(local_http + "/asset", max_bytes=10)
    with pytest.raises(SourceUnavailableError, match="HTTP 503"):
        fetch_url(local_http + "/broken")
    with pytest.raises(SourceError, match="HTTP 404"):
        fetch_url(local_http + "/gone")


def test_fetch_connection_errors_are_retryable(monkeypatch):
    def refuse(*args, **kwargs):
        raise urllib.error.URLError(ConnectionRefusedError(111, "Connection refused"))

    monkeypatch.setattr(manifest_source.urllib.request, "urlopen", refuse)
    with pytest.raises(SourceUnavailableError, match="Connection refused"):
        fetch_url(URL)


# --- an S3 mirror (config mirrors.crds) -------------------------------------------------------------------
S3_URL = "s3://my-mirror/karmada/v1.18.2/crds.tar.gz"


def _s3_client():
    import boto3

    return boto3.client("s3", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")


def test_an_s3_url_is_a_valid_source_and_other_schemes_are_not():
    assert spec(url=S3_URL).url == S3_URL
    for url in ("http://example.com/crds.tar.gz", "s3://my-mirror", "s3:///key", "ftp://x/y"):
        with pytest.raises(SourceError, match=r"https:// URL or s3://<bucket>/<key>"):
            spec(url=url)


def test_fetch_s3_reads_the_object_of_the_url_with_the_handlers_role():
    import io

    from botocore.response import StreamingBody
    from botocore.stub import Stubber

    client = _s3_client()
    with Stubber(client) as stub:
        stub.add_response("get_object", {"Body": StreamingBody(io.BytesIO(b"tarball"), 7)},
                          {"Bucket": "my-mirror", "Key": "karmada/v1.18.2/crds.tar.gz"})
        assert manifest_source.fetch_s3(S3_URL, client) == b"tarball"
        stub.assert_no_pending_responses()


@pytest.mark.parametrize("code, error", [("NoSuchKey", SourceError), ("AccessDenied", SourceError),
                                         ("SlowDown", SourceUnavailableError),
                                         ("ServiceUnavailable", SourceUnavailableError)])
def test_fetch_s3_errors_name_the_url_and_only_throttling_is_retried(code, error):
    from botocore.stub import Stubber

    client = _s3_client()
    with Stubber(client) as stub:
        stub.add_client_error("get_object", service_error_code=code)
        with pytest.raises(error) as raised:
            manifest_source.fetch_s3(S3_URL, client)
    assert str(raised.value) == f"reading {S3_URL} failed: {code}"
    assert type(raised.value) is error


def test_fetch_s3_limits_size():
    import io

    from botocore.response import StreamingBody
    from botocore.stub import Stubber

    client = _s3_client()
    with Stubber(client) as stub:
        stub.add_response("get_object", {"Body": StreamingBody(io.BytesIO(b"x" * 100), 100)})
        with pytest.raises(SourceError, match="larger than 10 bytes"):
            manifest_source.fetch_s3(S3_URL, client, max_bytes=10)


def test_fetch_source_picks_s3_for_a_mirror_and_https_otherwise(monkeypatch):
    monkeypatch.setattr(manifest_source, "fetch_s3", lambda url: b"s3:" + url.encode())
    monkeypatch.setattr(manifest_source, "fetch_url", lambda url: b"https:" + url.encode())
    assert manifest_source.fetch_source(S3_URL) == b"s3:" + S3_URL.encode()
    assert manifest_source.fetch_source(URL) == b"https:" + URL.encode()


# --- nothing but the kinds a source may hold (CRDs, from the release or a mirror) -------------------------
ROLE_BINDING = ("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: own\n"
                "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n")


def test_a_source_limited_to_crds_takes_the_release_as_it_is():
    bundle = load_source(spec(kinds=["CustomResourceDefinition"]), lambda url: tarball(release()))
    assert bundle.documents and bundle.patches
    assert {d.identity.kind for d in [*bundle.documents, *bundle.patches]} == {"CustomResourceDefinition"}


@pytest.mark.parametrize("path", ["crds/bases/rbac/own.yaml", "crds/patches/own.yaml"])
def test_a_source_limited_to_crds_refuses_any_other_object_naming_it(path):
    files = release(**{path: ROLE_BINDING})  # pinned too: the kind check stands on its own
    with pytest.raises(SourceError) as raised:
        load_source(spec(kinds=["CustomResourceDefinition"], files=pins(files)), lambda url: tarball(files))
    assert str(raised.value) == (f"{path}#0 in {URL} is a ClusterRoleBinding (own); this source may hold only "
                                 "CustomResourceDefinition")


def test_a_source_without_kinds_takes_any_object():
    files = release(**{"crds/bases/rbac/own.yaml": ROLE_BINDING})
    bundle = load_source(spec(files=pins(files)), lambda url: tarball(files))
    assert "ClusterRoleBinding" in {d.identity.kind for d in bundle.documents}


@pytest.mark.parametrize("kinds", ["CustomResourceDefinition", [""], [1]])
def test_bad_kinds_are_refused(kinds):
    with pytest.raises(SourceError, match="Source.kinds must be a list of kinds"):
        spec(kinds=kinds)


# --- every file pinned by its sha256 (Source.files): tampered, extra, missing, not a file ---------------------
CRD_PATH = "crds/bases/policy/policy.karmada.io_propagationpolicies.yaml"


def test_an_archive_whose_files_match_their_pins_is_read_however_it_was_packed():
    import io
    import tarfile

    files = release()
    plain = io.BytesIO()  # a mirror's repack: uncompressed, members named ./crds/..., another order
    with tarfile.open(fileobj=plain, mode="w") as archive:
        for name in reversed(list(files)):
            data = files[name].encode()
            info = tarfile.TarInfo("./" + name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    for data in (tarball(files), plain.getvalue()):
        bundle = load_source(spec(kinds=["CustomResourceDefinition"]), lambda url, data=data: data)
        assert len(bundle.documents) == 2 and len(bundle.patches) == 1


def test_a_tampered_file_is_refused_naming_it_and_both_digests():
    files = release(**{CRD_PATH: release()[CRD_PATH].replace("served: true", "served: false")})
    with pytest.raises(SourceError) as raised:
        load_source(spec(), lambda url: tarball(files))
    actual = hashlib.sha256(files[CRD_PATH].encode()).hexdigest()
    assert str(raised.value) == (f"{CRD_PATH} in {URL} has sha256 {actual}, not the pinned "
                                 f"{pins(release())[CRD_PATH]}; refusing the archive")


@pytest.mark.parametrize("extra", ["crds/bases/rbac/own.yaml", "crds/README.md", "other/own.yaml"])
def test_a_file_that_is_not_pinned_is_refused_wherever_it_is(extra):
    files = release(**{extra: ROLE_BINDING})
    with pytest.raises(SourceError) as raised:
        load_source(spec(), lambda url: tarball(files))
    assert str(raised.value) == f"{extra} in {URL} is not one of the pinned files of this source; refusing the archive"


def test_a_pinned_file_missing_from_the_archive_is_refused():
    files = release()
    del files[CRD_PATH]
    with pytest.raises(SourceError) as raised:
        load_source(spec(), lambda url: tarball(files))
    assert str(raised.value) == f"{CRD_PATH} is pinned but missing from {URL}"
    files.pop("crds/kustomization.yaml")
    with pytest.raises(SourceError, match=r"^crds/bases/.* is pinned but missing from .* \(and 1 more\)$"):
        load_source(spec(), lambda url: tarball(files))


def _with_member(info_type: bytes, name: str, target: str = "") -> bytes:
    import io
    import tarfile

    files = release()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, text in files.items():
            if path == name:
                continue
            data = text.encode()
            info = tarfile.TarInfo(path)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo(name)
        link.type, link.linkname = info_type, target
        archive.addfile(link)
    return buffer.getvalue()


def test_a_link_in_place_of_a_pinned_file_is_refused():
    import tarfile

    for kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
        data = _with_member(kind, CRD_PATH, "crds/kustomization.yaml")
        with pytest.raises(SourceError) as raised:
            load_source(spec(), lambda url, data=data: data)
        assert str(raised.value) == (f"{CRD_PATH} in {URL} is not a regular file; "
                                     "the archive may hold only the pinned files")


def test_a_file_packed_twice_is_refused():
    files = release()
    twice = tarball({**files, "./" + CRD_PATH: files[CRD_PATH]})
    with pytest.raises(SourceError, match=f"^{CRD_PATH} appears twice in {URL}"):
        load_source(spec(), lambda url: twice)


def test_a_source_without_pins_is_refused_before_anything_is_read():
    fetched = []
    unpinned = SourceSpec.from_json(f'{{"url": "{URL}", "paths": ["crds/bases/"]}}')
    assert unpinned.files is None
    with pytest.raises(SourceError, match=r"^Source.files is missing: every file of .* must be pinned"):
        load_source(unpinned, lambda url: fetched.append(url) or tarball(release()))
    assert fetched == []


@pytest.mark.parametrize("files", [{}, [], {"crds/a.yaml": "abc"}, {"": "a" * 64}, {"crds/a.yaml": 1}])
def test_bad_pins_are_refused(files):
    with pytest.raises(SourceError, match=r"Source.files must map each file of the archive to its sha256"):
        spec(files=files)


def test_pins_are_normalized_like_member_names():
    assert spec(files={"./crds/a.yaml": "A" * 64}).files == {"crds/a.yaml": "a" * 64}
