"""The minimal REST client, against the fake API server."""

from __future__ import annotations

import json

import pytest

from functions.kube.client import (
    FailoverTransport,
    KubeClient,
    Resource,
    group_version_path,
)
from functions.kube.errors import ApiError, KeptChangingError, KindNotServedError, ObjectGoneError
from tests.fakes.kube_api import FakeKubeApi


@pytest.fixture
def fake():
    return FakeKubeApi(karmada=True)


@pytest.fixture
def client(fake):
    return KubeClient(fake)


def test_discovery_maps_kinds_to_resources_and_skips_subresources(client):
    kinds = client.discover("v1")
    assert kinds["Namespace"] == Resource("", "v1", "Namespace", "namespaces", False)
    assert kinds["Pod"].plural == "pods"  # not "pods/status"
    assert client.resource_for("policy.karmada.io/v1alpha1", "ClusterPropagationPolicy") == Resource(
        "policy.karmada.io", "v1alpha1", "ClusterPropagationPolicy", "clusterpropagationpolicies", False)
    assert client.resource_for("cluster.karmada.io/v1alpha1", "Cluster").namespaced is False


def test_discovery_is_cached_and_refreshed_on_a_miss(client, fake):
    client.resource_for("v1", "ConfigMap")
    client.resource_for("v1", "Secret")
    assert [r.path for r in fake.requests] == ["/api/v1"]
    with pytest.raises(KindNotServedError):
        client.resource_for("v1", "Widget")
    assert [r.path for r in fake.requests] == ["/api/v1", "/api/v1"]


def test_an_unserved_group_version_is_kind_not_served(client, fake):
    with pytest.raises(KindNotServedError, match="does not serve kind 'Widget' in apiVersion 'example.com/v1'"):
        client.resource_for("example.com/v1", "Widget")
    fake.fail_next(503, path="^/apis/example.com/v1$")
    with pytest.raises(ApiError) as caught:
        client.resource_for("example.com/v1", "Widget")
    assert caught.value.code == 503  # only a 404 means "not served"


def test_resource_paths():
    configmaps = Resource("", "v1", "ConfigMap", "configmaps", True)
    roles = Resource("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False)
    assert configmaps.path("ns", "a") == "/api/v1/namespaces/ns/configmaps/a"
    assert (roles.path(None, "system:karmada:admin")
            == "/apis/rbac.authorization.k8s.io/v1/clusterroles/system:karmada:admin")
    assert roles.path() == "/apis/rbac.authorization.k8s.io/v1/clusterroles"
    assert configmaps.path("ns", "a b") == "/api/v1/namespaces/ns/configmaps/a%20b"
    with pytest.raises(ValueError):
        configmaps.path(None, "a")
    assert group_version_path("v1") == "/api/v1"
    assert group_version_path("apps/v1") == "/apis/apps/v1"


def test_apply_sends_server_side_apply(client, fake):
    resource = client.resource_for("v1", "ConfigMap")
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "ns"}, "data": {"k": "v"}}
    created = client.apply(resource, "a", "ns", obj, "me", force=True)
    request = fake.requests[-1]
    assert (request.method, request.path, request.query) == (
        "PATCH", "/api/v1/namespaces/ns/configmaps/a", {"fieldManager": "me", "force": "true"})
    assert request.content_type == "application/apply-patch+yaml"
    assert request.header("Accept") == "application/json"
    assert json.loads(request.body) == obj
    assert created["metadata"]["managedFields"][0]["manager"] == "me"
    yaml_text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: ns\ndata:\n  k: w\n"
    assert client.apply(resource, "a", "ns", yaml_text, "me", force=False)["data"] == {"k": "w"}
    assert fake.requests[-1].text == yaml_text


def test_a_patch_unless_changed_is_recomputed_after_a_conflict(client, fake):
    resource = client.resource_for("v1", "ConfigMap")
    fake.put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "ns"},
              "data": {"n": "1"}})
    seen = []

    def bump(current: dict) -> dict:
        seen.append(current["data"]["n"])
        return {"data": {"n": str(int(current["data"]["n"]) + 1)}}

    fake.fail_next(409, method="PATCH", reason="Conflict")
    assert client.merge_patch_unless_changed(resource, "a", "ns", bump, "me")["data"] == {"n": "2"}
    patches = [r.parsed_body() for r in fake.requests_matching("PATCH")]
    assert len(patches) == 2 and all(p["metadata"]["resourceVersion"] for p in patches)
    assert seen == ["1", "1"]  # read again after the conflict, the patch computed again
    assert client.merge_patch_unless_changed(resource, "a", "ns", lambda _c: None, "me") is None


def test_a_patch_unless_changed_names_a_gone_object_and_gives_up_after_its_attempts(client, fake):
    resource = client.resource_for("v1", "ConfigMap")
    with pytest.raises(ObjectGoneError):
        client.merge_patch_unless_changed(resource, "a", "ns", lambda _c: {"data": {}}, "me")
    fake.put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "ns"}})
    fake.fail_next(409, times=None, method="PATCH", reason="Conflict")
    with pytest.raises(KeptChangingError, match="kept changing .3 conflicts."):
        client.merge_patch_unless_changed(resource, "a", "ns", lambda _c: {"data": {}}, "me", attempts=3)
    assert len(fake.requests_matching("PATCH")) == 3


def test_get_list_merge_patch_and_delete(client, fake):
    resource = client.resource_for("v1", "ConfigMap")
    assert client.get(resource, "a", "ns") is None
    fake.put({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "ns",
                                                                   "labels": {"app": "x"}}})
    assert client.get(resource, "a", "ns")["metadata"]["name"] == "a"
    assert [i["metadata"]["name"] for i in client.list(resource, "ns", label_selector="app=x")] == ["a"]
    assert client.list(resource, "ns", label_selector="app=y") == []
    assert client.merge_patch(resource, "a", "ns", {"data": {"k": "v"}}, "me")["data"] == {"k": "v"}
    assert fake.requests[-1].content_type == "application/merge-patch+json"
    assert client.delete(resource, "a", "ns") is True
    assert json.loads(fake.requests[-1].body)["propagationPolicy"] == "Background"
    assert client.delete(resource, "a", "ns") is False


def test_errors_carry_the_status(client, fake):
    resource = client.resource_for("policy.karmada.io/v1alpha1", "PropagationPolicy")
    fake.fail_next(422, method="PATCH", causes=[{"field": "spec.placement", "message": "Required value",
                                                 "reason": "FieldValueRequired"}])
    with pytest.raises(ApiError) as caught:
        client.apply(resource, "p", "default", {"apiVersion": "policy.karmada.io/v1alpha1",
                                                  "kind": "PropagationPolicy", "metadata": {"name": "p"}}, "me", True)
    error = caught.value
    assert (error.code, error.reason) == (422, "Invalid")
    assert error.message == 'PropagationPolicy.policy.karmada.io "p" is invalid: spec.placement: Required value'
    assert error.causes == [{"reason": "FieldValueRequired", "message": "Required value", "field": "spec.placement"}]
    assert str(error).endswith("[HTTP 422 Invalid]")
    assert error.method == "PATCH" and error.path.startswith("/apis/policy.karmada.io/")


def test_plain_text_errors_are_understood(client, fake):
    fake.fail_next(429)
    with pytest.raises(ApiError) as caught:
        client.request("GET", "/api/v1")
    assert (caught.value.code, caught.value.reason) == (429, "TooManyRequests")
    assert caught.value.message == "Too many requests, please try again later."


def test_failover_transport_tries_the_next_and_sticks_to_it(fake):
    calls = []

    def down(method, path, headers, body):
        calls.append("down")
        raise ConnectionRefusedError(111, "Connection refused")

    def up(method, path, headers, body):
        calls.append("up")
        return fake(method, path, headers, body)

    client = KubeClient(FailoverTransport([("10.0.0.1:5443", down), ("10.0.0.2:5443", up)]))
    client.request("GET", "/api")
    client.request("GET", "/api")
    assert calls == ["down", "up", "up"]
    everything_down = FailoverTransport([("a", down), ("b", down)])
    with pytest.raises(ConnectionError, match=r"no endpoint answered \(a: .*Connection refused; b: "):
        everything_down("GET", "/api", {}, None)
    with pytest.raises(ValueError):
        FailoverTransport([])
