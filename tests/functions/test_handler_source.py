"""KarmadaManifest handler with ``Source``: CRDs from a release tarball, plus conversion patches."""

from __future__ import annotations

import base64
import hashlib
import logging

import pytest

from functions.karmada_manifest.errors import KarmadaManifestError
from tests.functions.conftest import PHYSICAL_ID, make_event, make_props
from tests.functions.sample_release import BINDINGS_CRD, BINDINGS_PATCH, WORKS_CRD, pins, release, tarball

URL = "https://github.com/karmada-io/karmada/releases/download/v1.18.2/crds.tar.gz"
URL_NEXT = "https://github.com/karmada-io/karmada/releases/download/v1.19.0/crds.tar.gz"
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"

def source(url: str = URL, data: bytes | None = None, files: dict[str, str] | None = None, **extra) -> dict:
    """A Source spec pinning `files` (default: the sample release's)."""
    spec = {"url": url, "paths": ["crds/bases/"], "files": pins(release() if files is None else files)}
    if data is not None:
        spec["sha256"] = hashlib.sha256(data).hexdigest()
    spec.update(extra)
    return spec


def test_create_applies_crds_then_their_conversion_patches(harness, pki):
    harness.archives[URL] = data = tarball(release())
    result = harness.run(make_event("Create", make_props(source=source(data=data))))

    assert harness.fetched == [URL]
    assert result["Data"] == {"ObjectCount": "2"}
    applied = [r for r in harness.karmada.requests if r.method == "PATCH"]
    assert [(r.path, r.query["fieldManager"]) for r in applied] == [
        (f"{CRDS}/propagationpolicies.policy.karmada.io", "eks-karmada"),  # sorted by path in the archive
        (f"{CRDS}/resourcebindings.work.karmada.io", "eks-karmada"),
        (f"{CRDS}/resourcebindings.work.karmada.io", "eks-karmada-patches"),
    ]
    assert all(r.content_type == "application/apply-patch+yaml" for r in applied)
    # The YAML document as written, plus the annotation that names the resource that applied it (not on the patch).
    assert applied[1].text == BINDINGS_CRD.removeprefix("---\n").replace(
        "  annotations:\n", f'  annotations:\n    "eks-karmada.io/applied-by": "{PHYSICAL_ID}"\n')
    assert "applied-by" not in applied[2].text

    crd = harness.karmada.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", "resourcebindings.work.karmada.io")
    assert crd["spec"]["group"] == "work.karmada.io"  # the base survives the patch
    assert crd["spec"]["conversion"] == {
        "strategy": "Webhook",
        "webhook": {
            "clientConfig": {"url": "https://karmada-webhook.karmada-system.svc:443/convert",
                             "caBundle": base64.b64encode(pki.ca.cert_pem).decode()},
            "conversionReviewVersions": ["v1"],
        },
    }
    assert set(harness.karmada.managers("apiextensions.k8s.io/v1", "CustomResourceDefinition",
                                        "resourcebindings.work.karmada.io")) == {"eks-karmada", "eks-karmada-patches"}


def test_source_objects_come_before_manifest_objects(harness):
    harness.archives[URL] = tarball(release())
    policy = {"apiVersion": "policy.karmada.io/v1alpha1", "kind": "PropagationPolicy",
              "metadata": {"name": "p", "namespace": "default"}, "spec": {}}
    harness.run(make_event("Create", make_props([policy], source=source())))
    paths = [r.path for r in harness.karmada.requests if r.method == "PATCH"]
    assert paths[-1].endswith("/propagationpolicies/p") and len(paths) == 4


def test_patch_values_and_explicit_patch_paths(harness):
    harness.archives[URL] = tarball(release(), prefix="./")  # members named ./crds/...
    spec = source(patches=["crds/patches"], patchValues={"name": "webhook", "namespace": "karmada"})
    harness.run(make_event("Create", make_props(source=spec)))
    crd = harness.karmada.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", "resourcebindings.work.karmada.io")
    assert crd["spec"]["conversion"]["webhook"]["clientConfig"]["url"] == "https://webhook.karmada.svc:443/convert"


def test_sha256_mismatch_fails_before_touching_any_cluster(harness):
    harness.archives[URL] = tarball(release())
    wrong = "0" * 64
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(make_event("Create", make_props(source=source(sha256=wrong))))
    actual = hashlib.sha256(harness.archives[URL]).hexdigest()
    assert str(caught.value) == f"Source: sha256 mismatch for {URL}: expected {wrong}, got {actual}"
    assert harness.parent.requests == [] and harness.karmada.requests == []


def test_paths_that_match_nothing_fail_clearly(harness):
    harness.archives[URL] = tarball(release())
    with pytest.raises(KarmadaManifestError, match=r"no YAML documents under \['charts/crds/'\] .* under: crds"):
        harness.run(make_event("Create", make_props(source=source(paths=["charts/crds"]))))


def test_download_errors_are_retried_then_reported(harness):
    from functions.karmada_manifest.errors import SourceUnavailableError

    calls = []

    def flaky(url):
        calls.append(url)
        if len(calls) < 3:
            raise SourceUnavailableError(f"downloading {url} failed: HTTP 502 Bad Gateway")
        return tarball(release())

    runtime = harness.runtime()
    runtime.fetch = flaky
    from functions.karmada_manifest import handler

    handler.handle(make_event("Create", make_props(source=source())), None, runtime)
    assert len(calls) == 3 and harness.clock.sleeps == [1.0, 2.0]


def test_update_with_the_same_source_fetches_once_and_prunes_nothing(harness):
    harness.archives[URL] = tarball(release())
    props = make_props(source=source())
    harness.run(make_event("Create", props))
    harness.fetched.clear()
    harness.run(make_event("Update", props, old_props=props, physical_id=PHYSICAL_ID))
    assert harness.fetched == [URL]
    assert harness.karmada.requests_matching("DELETE") == []


def test_update_to_a_new_release_prunes_crds_it_dropped(harness):
    old_files = release(**{"crds/bases/work/work.karmada.io_works.yaml": WORKS_CRD})
    harness.archives[URL] = tarball(old_files)
    next_files = release()
    harness.archives[URL_NEXT] = tarball(next_files)
    old = make_props(source=source(files=old_files))
    harness.run(make_event("Create", old))
    assert harness.karmada.is_served("work.karmada.io/v1alpha1", "Work")
    harness.fetched.clear()
    harness.run(make_event("Update", make_props(source=source(URL_NEXT)), old_props=old, physical_id=PHYSICAL_ID))
    assert harness.fetched == [URL_NEXT, URL]
    assert [r.path for r in harness.karmada.requests_matching("DELETE")] == [f"{CRDS}/works.work.karmada.io"]
    assert not harness.karmada.is_served("work.karmada.io/v1alpha1", "Work")


def test_delete_fetches_the_source_and_deletes_its_objects_in_reverse(harness):
    harness.archives[URL] = tarball(release())
    props = make_props(source=source())
    harness.run(make_event("Create", props))
    harness.run(make_event("Delete", props, physical_id=PHYSICAL_ID))
    assert [r.path for r in harness.karmada.requests_matching("DELETE")] == [
        f"{CRDS}/resourcebindings.work.karmada.io", f"{CRDS}/propagationpolicies.policy.karmada.io"]
    assert harness.karmada.objects("CustomResourceDefinition") == []


def test_delete_still_deletes_manifest_objects_when_the_source_is_unreachable(harness, caplog):
    caplog.set_level(logging.WARNING)
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"}}
    harness.karmada.put(configmap)
    harness.run(make_event("Delete", make_props([configmap], source=source("https://example.com/gone.tar.gz")),
                           physical_id=PHYSICAL_ID))
    assert harness.karmada.objects("ConfigMap") == []
    assert "its objects are left in place" in caplog.text


def test_a_patch_with_an_unknown_placeholder_fails(harness):
    bad = release(**{"crds/patches/webhook_in_resourcebindings.yaml":
                     BINDINGS_PATCH.replace("{{namespace}}", "{{nameSpace}}")})
    harness.archives[URL] = tarball(bad)
    with pytest.raises(KarmadaManifestError, match="placeholders with no value: nameSpace"):
        harness.run(make_event("Create", make_props(source=source(files=bad))))


def test_a_file_that_differs_from_its_pin_fails_before_touching_any_cluster(harness):
    tampered = release(**{"crds/bases/work/work.karmada.io_resourcebindings.yaml":
                          BINDINGS_CRD.replace("shortNames:\n    - rb", "shortNames:\n    - rb\n    - po")})
    harness.archives[URL] = tarball(tampered)
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(make_event("Create", make_props(source=source())))
    assert str(caught.value).startswith(f"Source: crds/bases/work/work.karmada.io_resourcebindings.yaml in {URL} "
                                        "has sha256 ")
    assert harness.parent.requests == [] and harness.karmada.requests == []


def test_a_source_without_pins_is_not_applied(harness):
    harness.archives[URL] = tarball(release())
    unpinned = {"url": URL, "paths": ["crds/bases/"]}
    with pytest.raises(KarmadaManifestError, match=r"^Source: Source.files is missing"):
        harness.run(make_event("Create", make_props(source=unpinned)))
    assert harness.fetched == [] and harness.karmada.requests == []
