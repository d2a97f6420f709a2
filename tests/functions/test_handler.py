"""KarmadaManifest handler: CloudFormation events against a fake parent cluster and fake Karmada."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from functions.errors import MAX_MESSAGE_CHARS
from functions.karmada_manifest import handler as handler_module
from functions.karmada_manifest import run as run_module
from functions.karmada_manifest.errors import KarmadaManifestError
from tests.fakes.kube_api import FakeKubeApi
from tests.functions.conftest import (
    CLUSTER,
    NAMESPACE,
    PHYSICAL_ID,
    SECRET,
    SERVER_NAME,
    endpoint_slice,
    make_event,
    make_props,
    tls_secret,
)

NAMESPACE_OBJ = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}
CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "apps"},
             "data": {"color": "blue"}}
POLICY = {
    "apiVersion": "policy.karmada.io/v1alpha1",
    "kind": "PropagationPolicy",
    "metadata": {"name": "nginx"},
    "spec": {"resourceSelectors": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "nginx"}],
             "placement": {"clusterAffinity": {"clusterNames": ["member1"]}}},
}
CLUSTER_POLICY = {
    "apiVersion": "policy.karmada.io/v1alpha1",
    "kind": "ClusterPropagationPolicy",
    "metadata": {"name": "crds"},
    "spec": {"resourceSelectors": [{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition"}]},
}
PP = "/apis/policy.karmada.io/v1alpha1/namespaces/default/propagationpolicies/nginx"


def patches(fake: FakeKubeApi) -> list:
    return [r for r in fake.requests if r.method == "PATCH"]


# ---- Create -------------------------------------------------------------------------------------


def test_create_applies_every_object_by_server_side_apply_in_order(harness):
    manifest = [NAMESPACE_OBJ, CONFIGMAP, POLICY, CLUSTER_POLICY]
    result = harness.run(make_event("Create", make_props(manifest)))

    assert result["PhysicalResourceId"].startswith("PoliciesManifest-")
    assert result["Data"] == {"ObjectCount": "4"}
    applied = patches(harness.karmada)
    assert [r.path for r in applied] == [
        "/api/v1/namespaces/apps",  # cluster-scoped: no namespace segment
        "/api/v1/namespaces/apps/configmaps/settings",
        PP,  # namespaced without a namespace: "default"
        "/apis/policy.karmada.io/v1alpha1/clusterpropagationpolicies/crds",
    ]
    for request in applied:
        assert request.content_type == "application/apply-patch+yaml"
        assert request.query == {"fieldManager": "eks-karmada", "force": "false"}
    # Sent as JSON (valid YAML), with the annotation that names the resource that applied it.
    assert json.loads(applied[2].body) == POLICY | {
        "metadata": {"name": "nginx", "annotations": {"eks-karmada.io/applied-by": PHYSICAL_ID}}}
    stored = harness.karmada.get("policy.karmada.io/v1alpha1", "PropagationPolicy", "nginx", "default")
    assert stored["spec"] == POLICY["spec"]
    assert harness.karmada.managers("v1", "ConfigMap", "settings", "apps") == {"eks-karmada": "Apply"}


def test_create_uses_discovery_once_per_group_version(harness):
    harness.run(make_event("Create", make_props([NAMESPACE_OBJ, CONFIGMAP, POLICY, CLUSTER_POLICY])))
    discovery = [r.path for r in harness.karmada.requests if r.path in ("/api/v1", "/apis/policy.karmada.io/v1alpha1")]
    assert discovery == ["/api/v1", "/apis/policy.karmada.io/v1alpha1"]


def test_create_connects_to_a_ready_pod_with_the_admin_certificate(harness, pki):
    harness.run(make_event("Create", make_props([CONFIGMAP])))
    address, port, tls, server_name = harness.connections[0]
    assert (address, port, server_name) == ("10.0.1.10", 5443, SERVER_NAME)
    assert (tls.ca_pem, tls.cert_pem, tls.key_pem) == (pki.ca.cert_pem, pki.client.cert_pem, pki.client.key_pem)
    parent_paths = [r.path for r in harness.parent.requests]
    assert f"/api/v1/namespaces/{NAMESPACE}/secrets/{SECRET}" in parent_paths
    slices = harness.parent.requests_matching("GET", "endpointslices$")
    assert slices[0].path == f"/apis/discovery.k8s.io/v1/namespaces/{NAMESPACE}/endpointslices"
    assert slices[0].query == {"labelSelector": "kubernetes.io/service-name=karmada-apiserver"}


def test_create_publishes_the_karmada_ca_on_the_parent_and_delete_does_not(harness, pki):
    """People's kubeconfigs verify the Karmada API with it (functions/kube/ca_bundle.py); no key goes with it."""
    harness.run(make_event("Delete", make_props([CONFIGMAP])))
    assert harness.parent.get("v1", "ConfigMap", "karmada-ca-bundle", NAMESPACE) is None
    harness.run(make_event("Create", make_props([CONFIGMAP])))
    published = harness.parent.get("v1", "ConfigMap", "karmada-ca-bundle", NAMESPACE)
    assert published["data"] == {"ca.crt": pki.ca.cert_pem.decode()}
    assert harness.parent.managers("v1", "ConfigMap", "karmada-ca-bundle", NAMESPACE) == {
        "eks-karmada-ca-bundle": "Apply"}


def test_create_twice_is_a_no_op_and_keeps_the_physical_id(harness):
    event = make_event("Create", make_props([CONFIGMAP, POLICY]))
    first = harness.run(event)
    version = harness.karmada.get("v1", "ConfigMap", "settings", "apps")["metadata"]["resourceVersion"]
    second = harness.run(event)
    assert second["PhysicalResourceId"] == first["PhysicalResourceId"]
    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps")["metadata"]["resourceVersion"] == version


def test_create_physical_id_depends_on_logical_id_and_stack(harness):
    a = harness.run(make_event("Create", make_props([CONFIGMAP]), logical_id="A"))
    b = harness.run(make_event("Create", make_props([CONFIGMAP], overwrite=True), logical_id="B"))
    assert a["PhysicalResourceId"] != b["PhysicalResourceId"]
    assert a["PhysicalResourceId"].startswith("A-")


def test_create_a_crd_and_its_objects_in_one_manifest(harness):
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced",
                 "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": {"type": "object"}}}]},
    }
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "apps"}}
    # Discovery lags behind the new CRD for a moment: the kind is waited for.
    harness.karmada.fail_next(404, times=2, method="GET", path=r"^/apis/example\.com/v1$")
    harness.run(make_event("Create", make_props([crd, widget])))
    assert harness.karmada.get("example.com/v1", "Widget", "w", "apps") is not None
    assert harness.clock.sleeps == [1.0]


def test_create_with_no_objects_touches_nothing(harness):
    result = harness.run(make_event("Create", make_props([])))
    assert result["Data"] == {"ObjectCount": "0"}
    assert harness.parent.requests == [] and harness.karmada.requests == []


# ---- Overwrite ----------------------------------------------------------------------------------


def test_overwrite_false_fails_when_another_manager_owns_the_object(harness):
    harness.karmada.put(dict(CONFIGMAP, data={"color": "red"}), manager="helm")
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(make_event("Create", make_props([CONFIGMAP], overwrite=False)))
    message = str(caught.value)
    assert "ConfigMap apps/settings" in message
    assert "already exists and is not managed by field manager 'eks-karmada' (managers: helm)" in message
    assert "set overwrite to true" in message
    assert patches(harness.karmada) == []
    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps")["data"] == {"color": "red"}


def test_overwrite_false_reports_the_servers_apply_conflict(harness):
    # We already manage the object, but another manager owns a field we now want to change.
    harness.run(make_event("Create", make_props([CONFIGMAP])))
    harness.karmada("PATCH", "/api/v1/namespaces/apps/configmaps/settings?fieldManager=kubectl-edit",
                    {"Content-Type": "application/merge-patch+json"}, b'{"data":{"size":"L"}}')
    changed = dict(CONFIGMAP, data={"color": "blue", "size": "XL"})
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(make_event("Create", make_props([changed])))
    assert 'Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.size' in str(caught.value)
    assert "[HTTP 409 Conflict]" in str(caught.value)


def test_overwrite_true_takes_ownership_with_force(harness):
    harness.karmada.put(dict(CONFIGMAP, data={"color": "red"}), manager="helm")
    harness.run(make_event("Create", make_props([CONFIGMAP], overwrite=True)))
    request = patches(harness.karmada)[0]
    assert request.query == {"fieldManager": "eks-karmada", "force": "true"}
    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps")["data"] == {"color": "blue"}
    assert "eks-karmada" in harness.karmada.managers("v1", "ConfigMap", "settings", "apps")


# ---- Update -------------------------------------------------------------------------------------


def test_update_applies_then_prunes_objects_no_longer_listed(harness):
    other = dict(CONFIGMAP, metadata={"name": "old", "namespace": "apps"})
    old = make_props([CONFIGMAP, other, POLICY])
    created = harness.run(make_event("Create", old))
    version = harness.karmada.get("v1", "ConfigMap", "old", "apps")["metadata"]["resourceVersion"]
    harness.karmada.requests.clear()

    new = make_props([dict(CONFIGMAP, data={"color": "green"}), POLICY])
    result = harness.run(make_event("Update", new, old_props=old, physical_id=created["PhysicalResourceId"]))

    assert result["PhysicalResourceId"] == created["PhysicalResourceId"]
    writes = [(r.method, r.path) for r in harness.karmada.requests if r.method in ("PATCH", "DELETE")]
    assert writes == [
        ("PATCH", "/api/v1/namespaces/apps/configmaps/settings"),
        ("PATCH", PP),
        ("DELETE", "/api/v1/namespaces/apps/configmaps/old"),
    ]
    delete = harness.karmada.requests_matching("DELETE")[0]
    # Only the version read just before: one another resource applies meanwhile is read again, not deleted.
    assert json.loads(delete.body) == {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background",
                                       "preconditions": {"resourceVersion": version}}
    assert harness.karmada.get("v1", "ConfigMap", "old", "apps") is None
    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps")["data"] == {"color": "green"}


def test_update_does_not_prune_an_object_whose_version_or_namespace_spelling_changed(harness):
    binding_v1 = {"apiVersion": "work.karmada.io/v1alpha1", "kind": "ResourceBinding",
                  "metadata": {"name": "rb", "namespace": "default"}, "spec": {}}
    binding_v2 = dict(binding_v1, apiVersion="work.karmada.io/v1alpha2", metadata={"name": "rb"})
    old = make_props([binding_v1])
    harness.run(make_event("Create", old))
    harness.run(make_event("Update", make_props([binding_v2]), old_props=old, physical_id=PHYSICAL_ID))
    assert harness.karmada.requests_matching("DELETE") == []
    assert harness.karmada.get("work.karmada.io/v1alpha2", "ResourceBinding", "rb", "default") is not None


def test_update_does_not_prune_when_an_apply_fails(harness):
    old = make_props([CONFIGMAP, POLICY])
    harness.run(make_event("Create", old))
    harness.karmada.fail_next(403, method="PATCH", path="propagationpolicies")
    with pytest.raises(KarmadaManifestError):
        harness.run(make_event("Update", make_props([POLICY]), old_props=old, physical_id=PHYSICAL_ID))
    assert harness.karmada.requests_matching("DELETE") == []


def test_update_to_another_cluster_is_a_replacement_without_prune(harness):
    old = make_props([CONFIGMAP])
    new = make_props([POLICY], ClusterName="parent-2")
    result = harness.run(make_event("Update", new, old_props=old, physical_id="old-id"))
    assert result["PhysicalResourceId"] != "old-id"
    assert harness.karmada.requests_matching("DELETE") == []


# ---- Delete -------------------------------------------------------------------------------------


def test_delete_removes_objects_in_reverse_order(harness):
    props = make_props([NAMESPACE_OBJ, CONFIGMAP, POLICY])
    created = harness.run(make_event("Create", props))
    harness.karmada.requests.clear()
    result = harness.run(make_event("Delete", props, physical_id=created["PhysicalResourceId"]))
    assert result["PhysicalResourceId"] == created["PhysicalResourceId"]
    assert [r.path for r in harness.karmada.requests_matching("DELETE")] == [
        PP, "/api/v1/namespaces/apps/configmaps/settings", "/api/v1/namespaces/apps"]
    assert harness.karmada.objects() == []


def test_delete_treats_404_as_deleted(harness):
    props = make_props([CONFIGMAP, POLICY])
    harness.run(make_event("Create", props))
    harness.karmada("DELETE", PP, {}, None)
    result = harness.run(make_event("Delete", props, physical_id=PHYSICAL_ID))
    assert result["Data"] == {"ObjectCount": "1"}


def test_delete_treats_a_kind_no_longer_served_as_deleted(harness):
    props = make_props([CONFIGMAP, POLICY])
    harness.run(make_event("Create", props))
    harness.karmada.stop_serving("policy.karmada.io")
    result = harness.run(make_event("Delete", props, physical_id=PHYSICAL_ID))
    assert result["Data"] == {"ObjectCount": "1"}  # the ConfigMap; the policy is treated as deleted, not counted
    assert [r.path for r in harness.karmada.requests_matching("DELETE")] == [
        "/api/v1/namespaces/apps/configmaps/settings"]
    assert harness.clock.sleeps == []


def test_delete_after_a_failed_create_succeeds_without_calls(harness):
    marker = handler_module.CREATE_FAILED_MARKER
    assert harness.run(make_event("Delete", make_props([CONFIGMAP]), physical_id=marker)) == {
        "PhysicalResourceId": marker}
    result = harness.run(make_event("Delete", make_props([]), physical_id=PHYSICAL_ID))
    assert result["PhysicalResourceId"] == PHYSICAL_ID
    assert harness.parent.requests == [] and harness.karmada.requests == []


def test_delete_when_the_control_plane_is_gone_succeeds(harness):
    harness.parent("DELETE", f"/apis/discovery.k8s.io/v1/namespaces/{NAMESPACE}/endpointslices/karmada-apiserver-abcde",
                   {}, None)
    harness.run(make_event("Delete", make_props([CONFIGMAP]), physical_id=PHYSICAL_ID))
    harness.parent("DELETE", f"/api/v1/namespaces/{NAMESPACE}/secrets/{SECRET}", {}, None)
    harness.run(make_event("Delete", make_props([CONFIGMAP]), physical_id=PHYSICAL_ID))
    assert harness.karmada.requests == [] and harness.clock.sleeps == []


def test_delete_retries_while_the_api_server_is_unavailable(harness):
    props = make_props([CONFIGMAP])
    harness.run(make_event("Create", props))
    harness.karmada.fail_next(503, times=2, method="DELETE")
    harness.run(make_event("Delete", props, physical_id=PHYSICAL_ID))
    assert harness.karmada.objects() == []
    assert harness.clock.sleeps == [1.0, 2.0]


# ---- readiness: retries and fail-fast -----------------------------------------------------------


def test_retries_503_and_429_then_succeeds(harness):
    harness.karmada.fail_next(503, times=2, method="PATCH")
    harness.karmada.fail_next(429, times=1, method="GET", path=r"^/api/v1$")
    harness.run(make_event("Create", make_props([CONFIGMAP])))
    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps") is not None
    assert harness.clock.sleeps == [1.0, 2.0, 4.0]  # one backoff per object: the 429, then the two 503s


def test_retries_connection_errors_then_succeeds(harness):
    harness.karmada.fail_next(ConnectionRefusedError, times=4)
    harness.run(make_event("Create", make_props([CONFIGMAP])))
    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps") is not None
    # Each attempt tries both pods; the endpoints are looked up again after each failed round.
    assert harness.clock.sleeps == [1.0, 2.0]
    assert len(harness.parent.requests_matching("GET", "endpointslices$")) == 3


def test_retries_a_webhook_that_is_not_ready_yet(harness):
    message = ('failed calling webhook "propagationpolicy.karmada.io": failed to call webhook: Post '
               '"https://karmada-webhook.karmada-system.svc:443/validate-propagationpolicy?timeout=3s": '
               'dial tcp 172.20.10.5:443: connect: connection refused')
    harness.karmada.fail_next(500, method="PATCH", message=f"Internal error occurred: {message}")
    harness.run(make_event("Create", make_props([POLICY])))
    assert harness.clock.sleeps == [1.0]


def test_gives_up_after_the_time_budget_with_the_last_error(harness):
    harness.budget = 120.0
    harness.karmada.fail_next(503, times=None, method="PATCH")
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(make_event("Create", make_props([CONFIGMAP])))
    message = str(caught.value)
    assert message.startswith("Failed to apply ConfigMap apps/settings (v1) [Manifest[0]]: gave up after")
    assert "the server is currently unable to handle the request [HTTP 503 ServiceUnavailable]" in message
    assert sum(harness.clock.sleeps) <= 120.0
    assert harness.clock.sleeps[:4] == [1.0, 2.0, 4.0, 8.0]


def test_budget_never_outlives_the_lambda(harness):
    class Context:
        def get_remaining_time_in_millis(self):
            return 90_000

    harness.karmada.fail_next(503, times=None, method="PATCH")
    with pytest.raises(KarmadaManifestError):
        harness.run(make_event("Create", make_props([CONFIGMAP])), Context())
    assert sum(harness.clock.sleeps) <= 60.0  # 90 s left minus a 30 s margin


def test_forbidden_fails_fast_with_the_servers_message(harness):
    harness.karmada.fail_next(403, times=None, method="PATCH", path="propagationpolicies")
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(make_event("Create", make_props([POLICY])))
    assert str(caught.value) == (
        "Failed to apply PropagationPolicy default/nginx (policy.karmada.io/v1alpha1) [Manifest[0]]: "
        'propagationpolicies.policy.karmada.io "nginx" is forbidden: User "system:anonymous" cannot patch '
        'resource "propagationpolicies" in API group "policy.karmada.io" in the namespace "default" '
        "[HTTP 403 Forbidden]"
    )
    assert harness.clock.sleeps == []
    assert len(patches(harness.karmada)) == 1


def test_invalid_fails_fast_with_the_servers_message(harness):
    causes = [{"field": "spec.resourceSelectors", "reason": "FieldValueRequired", "message": "Required value"}]
    harness.karmada.fail_next(422, method="PATCH", causes=causes)
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(make_event("Create", make_props([POLICY])))
    assert ('PropagationPolicy.policy.karmada.io "nginx" is invalid: spec.resourceSelectors: Required value '
            "[HTTP 422 Invalid]") in str(caught.value)
    assert harness.clock.sleeps == []


def test_unknown_kind_fails_after_a_short_wait(harness):
    bogus = {"apiVersion": "policy.karmada.io/v1alpha1", "kind": "PropagationPolicee", "metadata": {"name": "x"}}
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(make_event("Create", make_props([bogus])))
    assert "does not serve kind 'PropagationPolicee' in apiVersion 'policy.karmada.io/v1alpha1'" in str(caught.value)
    assert sum(harness.clock.sleeps) <= run_module.KIND_WAIT_SECONDS


def test_error_messages_are_kept_short(harness):
    harness.karmada.fail_next(400, method="PATCH", message="x" * 5000)
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(make_event("Create", make_props([CONFIGMAP])))
    assert len(str(caught.value)) <= MAX_MESSAGE_CHARS
    assert str(caught.value).startswith("Failed to apply ConfigMap apps/settings")


# ---- endpoints ----------------------------------------------------------------------------------


def test_not_ready_and_terminating_endpoints_are_skipped(harness):
    harness.parent("DELETE", f"/apis/discovery.k8s.io/v1/namespaces/{NAMESPACE}/endpointslices/karmada-apiserver-abcde",
                   {}, None)
    harness.parent.put(endpoint_slice("karmada-apiserver-1", [("10.0.1.1", False), ("10.0.1.2", True)],
                                      terminating=("10.0.1.2",)))
    harness.parent.put(endpoint_slice("karmada-apiserver-2", [("10.0.2.3", None), ("10.0.3.4", True)]))
    harness.parent.put(endpoint_slice("other", [("10.0.9.9", True)], service="karmada-webhook"))
    harness.run(make_event("Create", make_props([CONFIGMAP])))
    assert [c[0] for c in harness.connections] == ["10.0.2.3", "10.0.3.4"]


def test_falls_back_to_the_next_endpoint_on_connection_errors(harness):
    harness.down.add("10.0.1.10")
    harness.run(make_event("Create", make_props([CONFIGMAP, POLICY])))
    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps") is not None
    assert harness.clock.sleeps == []  # no waiting: the second pod answered


def test_waits_for_endpoints_to_become_ready(harness):
    harness.parent.put(endpoint_slice("karmada-apiserver-abcde", [("10.0.1.10", False)]))

    def pod_becomes_ready(count):
        if count == 2:
            harness.parent.put(endpoint_slice("karmada-apiserver-abcde", [("10.0.1.10", True)]))

    harness.clock.on_sleep.append(pod_becomes_ready)
    harness.run(make_event("Create", make_props([CONFIGMAP])))
    assert harness.clock.sleeps == [1.0, 2.0]


def test_looks_up_endpoints_again_when_every_known_pod_is_gone(harness):
    harness.down.update({"10.0.1.10", "10.0.2.20"})

    def pods_replaced(count):
        harness.parent.put(endpoint_slice("karmada-apiserver-abcde", [("10.0.3.30", True)]))

    harness.clock.on_sleep.append(pods_replaced)
    harness.run(make_event("Create", make_props([CONFIGMAP])))
    assert [c[0] for c in harness.connections] == ["10.0.1.10", "10.0.2.20", "10.0.3.30"]


def test_waits_for_cert_manager_to_issue_the_admin_secret(harness, pki):
    harness.parent("DELETE", f"/api/v1/namespaces/{NAMESPACE}/secrets/{SECRET}", {}, None)
    harness.parent.put(tls_secret(pki, keys=("tls.crt", "tls.key")))  # no ca.crt yet

    def issued(count):
        if count == 3:
            harness.parent.put(tls_secret(pki))

    harness.clock.on_sleep.append(issued)
    harness.run(make_event("Create", make_props([CONFIGMAP])))
    assert harness.clock.sleeps == [1.0, 2.0, 4.0]


def test_secret_access_denied_fails_fast_with_a_hint(harness):
    harness.parent.fail_next(403, times=None, path="/secrets/")
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(make_event("Create", make_props([CONFIGMAP])))
    message = str(caught.value)
    assert message.startswith(f"Failed to read Secret {NAMESPACE}/{SECRET} in EKS cluster {CLUSTER}: ")
    assert f'secrets "{SECRET}" is forbidden: User "system:anonymous" cannot get resource "secrets"' in message
    assert "EKS access entry" in message


# ---- properties ---------------------------------------------------------------------------------


def test_properties_are_checked():
    with pytest.raises(KarmadaManifestError, match='Overwrite must be "true" or "false"'):
        handler_module.Properties.parse(make_props([], Overwrite="yes"))
    with pytest.raises(KarmadaManifestError, match=r"Manifest\[1\] needs apiVersion, kind and metadata.name"):
        handler_module.Properties.parse(make_props([CONFIGMAP, {"kind": "ConfigMap"}]))
    with pytest.raises(KarmadaManifestError, match="ClusterName is required"):
        handler_module.Properties.parse({"AdminSecretName": "x"})
    with pytest.raises(KarmadaManifestError, match="Source.url must be an https:// URL"):
        handler_module.Properties.parse(make_props(source={"url": "file:///etc/passwd", "paths": ["a/"]}))


def test_property_defaults():
    props = handler_module.Properties.parse({"ClusterName": "c", "AdminSecretName": "admin",
                                             "Manifest": json.dumps(CONFIGMAP), "Overwrite": "TRUE"})
    assert props.overwrite is True
    assert props.manifest == (CONFIGMAP,)
    assert (props.api_server_namespace, props.api_server_service, props.api_server_port) == (
        "karmada-system", "karmada-apiserver", 5443)
    assert props.api_server_server_name == "karmada-apiserver.karmada-system.svc.cluster.local"
    assert (props.admin_secret_namespace, props.field_manager) == ("karmada-system", "eks-karmada")


def test_unknown_request_type_fails():
    with pytest.raises(KarmadaManifestError, match="unknown RequestType"):
        handler_module.handle({"RequestType": "Replace"}, None, None)


# ---- secrets stay secret ------------------------------------------------------------------------


def test_secret_material_never_reaches_logs_errors_or_data(harness, pki, caplog):
    caplog.set_level(logging.DEBUG)
    props = make_props([CONFIGMAP, POLICY])
    result = harness.run(make_event("Create", props))
    harness.karmada.fail_next(403, method="PATCH")
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(make_event("Update", make_props([POLICY]), old_props=props, physical_id=PHYSICAL_ID))
    harness.down.add("10.0.1.10")
    harness.run(make_event("Delete", props, physical_id=PHYSICAL_ID))

    secrets = [pki.client.key_pem, pki.client.cert_pem]
    needles = []
    for value in secrets:
        needles.append(value.decode())
        needles.append(base64.b64encode(value).decode())
        needles.extend(line for line in value.decode().splitlines() if "-----" not in line and len(line) > 20)
    text = "\n".join(r.getMessage() for r in caplog.records) + repr([r.args for r in caplog.records])
    text += str(caught.value) + json.dumps(result) + repr(harness.connections)
    assert "PRIVATE KEY" not in text
    for needle in needles:
        assert needle not in text
    assert "ConfigMap apps/settings" in text  # object identities are logged
    assert "karmada-admin-client" in text  # the Secret's name is, its content is not


# ---- CA bundle placeholder ------------------------------------------------------------------------


def test_ca_bundle_placeholder_is_filled_from_the_admin_secret_ca(harness, pki):
    webhook = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "validating-config"},
        "webhooks": [{"name": "propagationpolicy.karmada.io", "admissionReviewVersions": ["v1"], "sideEffects": "None",
                      "clientConfig": {"url": "https://karmada-webhook.karmada-system.svc:443/validate",
                                       "caBundle": "${Karmada.CaBundle}"}}],
    }
    harness.run(make_event("Create", make_props([webhook])))
    (applied,) = patches(harness.karmada)
    body = json.loads(applied.body)
    assert body["webhooks"][0]["clientConfig"]["caBundle"] == base64.b64encode(pki.ca.cert_pem).decode()
    assert b"${Karmada.CaBundle}" not in applied.body
