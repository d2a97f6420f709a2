"""KarmadaManifest: what each failure reports, what a Delete counts, and how the runtime is wired in.

Every failure of one object names the verb (apply, patch, prune, delete), the object with its effective
namespace, and where the object came from (``Manifest[i]`` or the file in the Source archive), so the
CloudFormation event alone says what to fix. These tests pin those messages whole, for objects from each
origin and of both scopes.
"""

from __future__ import annotations

import hashlib
import logging

import pytest

from functions.karmada_manifest import handler as handler_module
from functions.karmada_manifest.errors import KarmadaManifestError, SourceUnavailableError
from functions.kube.retry import Backoff
from tests.functions.conftest import CLUSTER, NAMESPACE, PHYSICAL_ID, STACK_ID, make_event, make_props
from tests.functions.sample_release import WORKS_CRD, release, tarball
from tests.functions.test_handler_source import URL, URL_NEXT, source

UNNAMESPACED_CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}
NAMESPACE_OBJ = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n1"}}
CA_CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ca", "namespace": "apps"},
                "data": {"ca.crt": "${Karmada.CaBundle}"}}
BINDINGS = "resourcebindings.work.karmada.io"
BINDINGS_ORIGIN = "crds/bases/work/work.karmada.io_resourcebindings.yaml#0"
POLICIES_ORIGIN = "crds/bases/policy/policy.karmada.io_propagationpolicies.yaml#0"
PATCH_ORIGIN = "crds/patches/webhook_in_resourcebindings.yaml#0"
CRD_VERSION = "(apiextensions.k8s.io/v1)"


def forbidden(verb: str, plural: str, name: str, *, group: str = "", namespace: str | None = None) -> str:
    """The API server's 403 text for the anonymous user (as the fake writes it)."""
    qualified = f"{plural}.{group}" if group else plural
    where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    return (f'{qualified} "{name}" is forbidden: User "system:anonymous" cannot {verb} resource "{plural}" in API '
            f'group "{group}" {where} [HTTP 403 Forbidden]')


def failure(harness, event: dict) -> str:
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(event)
    return str(caught.value)


# ---- each verb's failure names the object, its effective namespace and its origin -------------------------
def test_a_failed_delete_names_the_effective_namespace_of_a_namespaced_object(harness):
    harness.karmada.put(UNNAMESPACED_CONFIGMAP)
    harness.karmada.fail_next(403, times=None, method="DELETE")
    message = failure(harness, make_event("Delete", make_props([UNNAMESPACED_CONFIGMAP]), physical_id=PHYSICAL_ID))
    assert message == ("Failed to delete ConfigMap default/c (v1) [Manifest[0]]: "
                       + forbidden("delete", "configmaps", "c", namespace="default"))


def test_a_failed_delete_of_a_cluster_scoped_object_names_no_namespace(harness):
    harness.karmada.put(NAMESPACE_OBJ)
    harness.karmada.fail_next(403, times=None, method="DELETE")
    message = failure(harness, make_event("Delete", make_props([NAMESPACE_OBJ]), physical_id=PHYSICAL_ID))
    assert message == "Failed to delete Namespace n1 (v1) [Manifest[0]]: " + forbidden("delete", "namespaces", "n1")


def test_a_failed_prune_says_prune(harness):
    harness.karmada.put(NAMESPACE_OBJ)
    harness.karmada.fail_next(403, times=None, method="DELETE")
    event = make_event("Update", make_props([]), old_props=make_props([UNNAMESPACED_CONFIGMAP, NAMESPACE_OBJ]),
                       physical_id=PHYSICAL_ID)
    assert failure(harness, event) == ("Failed to prune Namespace n1 (v1) [Manifest[1]]: "
                                       + forbidden("delete", "namespaces", "n1"))


def test_a_failed_apply_of_a_source_document_names_its_file(harness):
    harness.archives[URL] = tarball(release())
    harness.karmada.fail_next(403, times=None, method="PATCH", path="propagationpolicies")
    message = failure(harness, make_event("Create", make_props(source=source())))
    assert message == (
        f"Failed to apply CustomResourceDefinition propagationpolicies.policy.karmada.io {CRD_VERSION} "
        f"[{POLICIES_ORIGIN}]: "
        + forbidden("patch", "customresourcedefinitions", "propagationpolicies.policy.karmada.io",
                    group="apiextensions.k8s.io"))


def test_a_failed_patch_says_patch_and_names_the_patch_file(harness):
    harness.archives[URL] = tarball(release())
    karmada = harness.karmada

    def refuse_patches(method, path, headers, body):
        # The base CRD is applied; its conversion patch (its own field manager) is refused.
        if "fieldManager=eks-karmada-patches" in path:
            karmada.fail_next(403, method="PATCH")
        return karmada(method, path, headers, body)

    harness.karmada = refuse_patches  # type: ignore[assignment]
    message = failure(harness, make_event("Create", make_props(source=source())))
    assert message == (f"Failed to patch CustomResourceDefinition {BINDINGS} {CRD_VERSION} [{PATCH_ORIGIN}]: "
                       + forbidden("patch", "customresourcedefinitions", BINDINGS, group="apiextensions.k8s.io")
                       + " (rolled back 2 object(s))")
    # The base CRDs were applied, then the failed Create deleted them again (rollback.py).
    assert karmada.requests_matching("PATCH", BINDINGS + "$")
    assert karmada.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", BINDINGS) is None


def test_a_failed_apply_of_an_object_with_the_ca_bundle_keeps_its_manifest_index(harness):
    harness.karmada.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}})
    harness.karmada.fail_next(403, times=None, method="PATCH")
    message = failure(harness, make_event("Create", make_props([CA_CONFIGMAP])))
    assert message == ("Failed to apply ConfigMap apps/ca (v1) [Manifest[0]]: "
                       + forbidden("patch", "configmaps", "ca", namespace="apps"))


def test_a_failed_delete_of_a_source_document_names_its_file(harness):
    harness.archives[URL] = tarball(release())
    props = make_props(source=source())
    harness.run(make_event("Create", props))
    harness.karmada.fail_next(403, times=None, method="DELETE")
    message = failure(harness, make_event("Delete", props, physical_id=PHYSICAL_ID))
    assert message == (f"Failed to delete CustomResourceDefinition {BINDINGS} {CRD_VERSION} [{BINDINGS_ORIGIN}]: "
                       + forbidden("delete", "customresourcedefinitions", BINDINGS, group="apiextensions.k8s.io"))


def test_a_failed_prune_of_a_dropped_source_document_names_its_old_file(harness):
    old_files = release(**{"crds/bases/work/work.karmada.io_works.yaml": WORKS_CRD})
    harness.archives[URL] = tarball(old_files)
    harness.archives[URL_NEXT] = tarball(release())
    old = make_props(source=source(files=old_files))
    harness.run(make_event("Create", old))
    harness.karmada.fail_next(403, times=None, method="DELETE")
    message = failure(harness, make_event("Update", make_props(source=source(URL_NEXT)), old_props=old,
                                          physical_id=PHYSICAL_ID))
    assert message == (
        f"Failed to prune CustomResourceDefinition works.work.karmada.io {CRD_VERSION} "
        "[crds/bases/work/work.karmada.io_works.yaml#0]: "
        + forbidden("delete", "customresourcedefinitions", "works.work.karmada.io", group="apiextensions.k8s.io"))


def test_an_unexpected_error_reaches_cloudformation_with_its_type(harness):
    def broken(name):
        raise RuntimeError("no route to the EKS API")

    runtime = harness.runtime()
    runtime.parent_transport = broken
    with pytest.raises(KarmadaManifestError) as caught:
        handler_module.handle(make_event("Create", make_props([UNNAMESPACED_CONFIGMAP])), None, runtime)
    assert str(caught.value) == "Create failed: RuntimeError: no route to the EKS API"


# ---- what a Delete counts --------------------------------------------------------------------------------
def test_a_delete_counts_what_it_deleted_before_the_control_plane_went_away(harness):
    first = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "first", "namespace": "apps"}}
    second = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "second", "namespace": "apps"}}
    harness.karmada.put(first)
    harness.karmada.put(second)
    karmada = harness.karmada

    def control_plane_removed_after_one_delete(method, path, headers, body):
        response = karmada(method, path, headers, body)
        if method == "DELETE":
            harness.down.update({"10.0.1.10", "10.0.2.20"})
            harness.parent("DELETE", f"/apis/discovery.k8s.io/v1/namespaces/{NAMESPACE}/endpointslices/"
                           "karmada-apiserver-abcde", {}, None)
        return response

    harness.karmada = control_plane_removed_after_one_delete  # type: ignore[assignment]
    result = harness.run(make_event("Delete", make_props([first, second]), physical_id=PHYSICAL_ID))
    assert result == {"PhysicalResourceId": PHYSICAL_ID, "Data": {"ObjectCount": "1"}}
    assert karmada.get("v1", "ConfigMap", "second", "apps") is None  # deleted first (reverse order)
    assert karmada.get("v1", "ConfigMap", "first", "apps") is not None  # left: the control plane is gone


def test_a_delete_does_not_wait_for_a_source_download_that_may_pass(harness):
    calls = []

    def unavailable(url):
        calls.append(url)
        raise SourceUnavailableError(f"downloading {url} failed: HTTP 502 Bad Gateway")

    harness.karmada.put(UNNAMESPACED_CONFIGMAP)
    runtime = harness.runtime()
    runtime.fetch = unavailable
    event = make_event("Delete", make_props([UNNAMESPACED_CONFIGMAP], source=source()), physical_id=PHYSICAL_ID)
    result = handler_module.handle(event, None, runtime)
    assert calls == [URL] and harness.clock.sleeps == []  # a Create retries it for 120 s instead
    assert result["Data"] == {"ObjectCount": "1"}
    assert harness.karmada.objects("ConfigMap") == []


# ---- the runtime's parts are the ones used ------------------------------------------------------------------
def test_the_runtimes_backoff_sets_the_waits(harness):
    harness.karmada.fail_next(503, times=4, method="PATCH")
    runtime = harness.runtime()
    runtime.backoff = Backoff(initial=0.5, factor=3.0, maximum=4.0)
    handler_module.handle(make_event("Create", make_props([UNNAMESPACED_CONFIGMAP])), None, runtime)
    assert harness.clock.sleeps == [0.5, 1.5, 4.0, 4.0]


def test_the_parent_cluster_is_reached_by_its_name(harness):
    names = []

    def parent_transport(name):
        names.append(name)
        return harness.parent

    runtime = harness.runtime()
    runtime.parent_transport = parent_transport
    handler_module.handle(make_event("Create", make_props([UNNAMESPACED_CONFIGMAP])), None, runtime)
    assert names == [CLUSTER]


# ---- the Lambda entry point ----------------------------------------------------------------------------------
@pytest.mark.parametrize("before, after", [(logging.NOTSET, logging.INFO), (logging.DEBUG, logging.INFO),
                                           (logging.WARNING, logging.WARNING)])
def test_on_event_raises_botocores_level_to_info_and_never_lowers_it(harness, monkeypatch, before, after):
    monkeypatch.setattr(handler_module.Runtime, "default", classmethod(lambda cls: harness.runtime()))
    monkeypatch.setattr(logging.getLogger("botocore"), "level", before)
    handler_module.on_event(make_event("Create", make_props([])), None)
    assert logging.getLogger("botocore").level == after


def test_on_event_passes_the_lambda_context_on(harness, monkeypatch):
    class Context:
        def get_remaining_time_in_millis(self) -> int:
            return 20_000  # less than the 30 s safety margin: no time to retry

    monkeypatch.setattr(handler_module.Runtime, "default", classmethod(lambda cls: harness.runtime()))
    harness.karmada.fail_next(503, times=None, method="PATCH")
    with pytest.raises(KarmadaManifestError):
        handler_module.on_event(make_event("Create", make_props([UNNAMESPACED_CONFIGMAP])), Context())
    assert harness.clock.sleeps == []


# ---- the physical id: <LogicalResourceId>-<16 hex of sha256("StackId|LogicalResourceId|ClusterName")> ---------
def expected_id(logical_id: str, *seed: str) -> str:
    return f"{logical_id}-{hashlib.sha256('|'.join(seed).encode()).hexdigest()[:16]}"


def test_the_physical_id_hashes_the_stack_the_resource_and_the_cluster():
    event = make_event("Create", make_props([]), logical_id="Policies")
    assert handler_module._physical_id(event, CLUSTER) == expected_id("Policies", STACK_ID, "Policies", CLUSTER)


def test_without_a_stack_id_the_request_id_seeds_the_physical_id():
    assert handler_module._physical_id({"RequestId": "r-1"}, CLUSTER) == expected_id(
        "KarmadaManifest", "r-1", "KarmadaManifest", CLUSTER)
    assert handler_module._physical_id({"RequestId": "r-1"}, CLUSTER) != handler_module._physical_id(
        {"RequestId": "r-2"}, CLUSTER)
    assert handler_module._physical_id({}, CLUSTER) == expected_id("KarmadaManifest", "", "KarmadaManifest", CLUSTER)
