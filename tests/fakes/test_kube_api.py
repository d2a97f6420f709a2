"""The fake Kubernetes API server itself: discovery, storage, server-side apply, errors, injection."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.fakes.kube_api import (
    ApiResource,
    FakeKubeApi,
    already_exists,
    apply_conflict,
    forbidden,
    invalid,
    not_found,
)

CM = "/api/v1/namespaces/default/configmaps"
APPLY = {"Content-Type": "application/apply-patch+yaml"}


def configmap(name="a", data=None, **metadata):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, **metadata}, "data": data or {}}


def apply(fake, obj, manager="m", force=False, path=None):
    path = path or f"{CM}/{obj['metadata']['name']}"
    return fake("PATCH", f"{path}?fieldManager={manager}&force={'true' if force else 'false'}", APPLY,
                json.dumps(obj).encode())


@pytest.fixture
def fake():
    return FakeKubeApi(karmada=True)


def test_discovery(fake):
    assert fake("GET", "/api").json()["versions"] == ["v1"]
    groups = {g["name"]: g for g in fake("GET", "/apis").json()["groups"]}
    for group in ("apps", "rbac.authorization.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io",
                  "admissionregistration.k8s.io", "discovery.k8s.io", "cluster.karmada.io", "policy.karmada.io",
                  "work.karmada.io", "config.karmada.io"):
        assert group in groups
    assert groups["work.karmada.io"]["preferredVersion"]["version"] == "v1alpha2"
    resources = {r["name"]: r for r in fake("GET", "/apis/policy.karmada.io/v1alpha1").json()["resources"]}
    assert resources["propagationpolicies"]["namespaced"] is True
    assert resources["clusterpropagationpolicies"]["namespaced"] is False
    core = {r["name"] for r in fake("GET", "/api/v1").json()["resources"]}
    assert {"namespaces", "secrets", "services/status"} <= core
    missing = fake("GET", "/apis/example.com/v1")
    assert missing.status == 404 and missing.json()["message"] == "the server could not find the requested resource"
    assert "policy.karmada.io" not in {g["name"] for g in FakeKubeApi()("GET", "/apis").json()["groups"]}


def test_server_side_apply_create_update_and_no_op(fake):
    created = apply(fake, configmap(data={"a": "1"}))
    assert created.status == 201
    obj = created.json()
    assert obj["metadata"]["namespace"] == "default"
    assert obj["metadata"]["managedFields"][0] | {"time": None} == {
        "manager": "m", "operation": "Apply", "apiVersion": "v1", "time": None, "fieldsType": "FieldsV1",
        "fieldsV1": {"f:data": {"f:a": {}}}}
    again = apply(fake, configmap(data={"a": "1"}))
    assert again.status == 200
    assert again.json()["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]
    changed = apply(fake, configmap(data={"b": "2"})).json()  # a field no longer applied is removed
    assert changed["data"] == {"b": "2"}
    assert int(changed["metadata"]["resourceVersion"]) > int(obj["metadata"]["resourceVersion"])


def test_a_managed_fields_entry_with_no_manager_name_has_no_manager_key(fake):
    # metav1.ManagedFieldsEntry: `json:"manager,omitempty"`.
    fake.put(configmap(data={"a": "1"}), manager="")
    obj = fake.get("v1", "ConfigMap", "a", "default")
    assert "manager" not in obj["metadata"]["managedFields"][0]
    assert fake.managers("v1", "ConfigMap", "a", "default") == {"": "Update"}

def test_apply_accepts_yaml(fake):
    body = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  k: v\n"
    assert fake("PATCH", f"{CM}/y?fieldManager=m", APPLY, body).status == 201
    assert fake.get("v1", "ConfigMap", "y")["data"] == {"k": "v"}


def test_apply_conflicts_and_force(fake):
    fake.put(configmap(data={"a": "1", "b": "1"}), manager="helm")
    same = apply(fake, configmap(data={"a": "1"}))  # equal values are shared, not conflicts
    assert same.status == 200
    conflict = apply(fake, configmap(data={"a": "2", "b": "2"}))
    assert conflict.status == 409
    body = conflict.json()
    assert body["reason"] == "Conflict"
    assert body["message"] == ('Apply failed with 2 conflicts: conflicts with "helm" using v1:\n- .data.a\n'
                               "- .data.b")
    assert body["details"]["causes"][0] == {"reason": "FieldManagerConflict",
                                            "message": 'conflict with "helm" using v1', "field": ".data.a"}
    forced = apply(fake, configmap(data={"a": "2", "b": "2"}), force=True)
    assert forced.status == 200 and forced.json()["data"] == {"a": "2", "b": "2"}
    assert fake.managers("v1", "ConfigMap", "a", "default") == {"m": "Apply"}


def test_single_apply_conflict_wording():
    assert apply_conflict([("kubectl-client-side-apply", "Update", "v1", ".data.key")])["message"] == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.key')
    assert apply_conflict([("other", "Apply", "v1", ".spec")])["message"] == (
        'Apply failed with 1 conflict: conflict with "other": .spec')


def test_apply_checks_like_the_api_server(fake):
    assert fake("PATCH", f"{CM}/a", APPLY, b"{}").json()["message"] == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch')
    wrong_name = apply(fake, configmap("b"), path=f"{CM}/a")
    assert wrong_name.status == 400 and "does not match the name on the URL" in wrong_name.json()["message"]
    wrong_ns = apply(fake, configmap("a", namespace="other"))
    assert wrong_ns.status == 400
    assert fake("PATCH", f"{CM}/a", {"Content-Type": "application/json-patch+json"}, b"[]").status == 415


def test_get_list_delete_and_not_found_shapes(fake):
    fake.put(configmap("a", labels={"app": "x", "tier": "web"}))
    fake.put(configmap("b", labels={"app": "y"}))
    fake.put(configmap("c", namespace="other", labels={"app": "x"}))
    names = lambda r: [i["metadata"]["name"] for i in r.json()["items"]]  # noqa: E731
    assert names(fake("GET", f"{CM}?labelSelector=app%3Dx")) == ["a"]
    assert names(fake("GET", "/api/v1/configmaps?labelSelector=app=x")) == ["a", "c"]
    assert names(fake("GET", f"{CM}?labelSelector=app+in+(x,y),!missing")) == ["a", "b"]
    assert names(fake("GET", f"{CM}?labelSelector=tier")) == ["a"]
    assert names(fake("GET", f"{CM}?fieldSelector=metadata.name%3Db")) == ["b"]
    listed = fake("GET", CM).json()
    assert listed["kind"] == "ConfigMapList" and "kind" not in listed["items"][0]
    deleted = fake("DELETE", f"{CM}/a", {"Content-Type": "application/json"},
                   b'{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}')
    assert deleted.json()["status"] == "Success" and deleted.json()["details"]["name"] == "a"
    gone = fake("GET", f"{CM}/a")
    assert gone.status == 404 and gone.json() == not_found("configmaps", "a")
    assert gone.json() == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                           "message": 'configmaps "a" not found', "reason": "NotFound",
                           "details": {"name": "a", "kind": "configmaps"}, "code": 404}
    pp = fake("GET", "/apis/policy.karmada.io/v1alpha1/namespaces/default/propagationpolicies/nginx").json()
    assert pp["message"] == 'propagationpolicies.policy.karmada.io "nginx" not found'
    assert pp["details"] == {"name": "nginx", "group": "policy.karmada.io", "kind": "propagationpolicies"}


def test_create_update_merge_patch(fake):
    assert fake("POST", CM, {"User-Agent": "kubectl/v1.33"}, json.dumps(configmap("a")).encode()).status == 201
    assert fake.managers("v1", "ConfigMap", "a") == {"kubectl": "Update"}  # named after the User-Agent
    exists = fake("POST", CM, {}, json.dumps(configmap("a")).encode())
    assert exists.status == 409 and exists.json() == already_exists("configmaps", "a")
    patched = fake("PATCH", f"{CM}/a?fieldManager=editor", {"Content-Type": "application/merge-patch+json"},
                   b'{"data":{"k":"v"}}')
    assert patched.json()["data"] == {"k": "v"}
    assert fake.managers("v1", "ConfigMap", "a") == {"editor": "Update"}
    current = fake.get("v1", "ConfigMap", "a")
    stale = dict(current, metadata=dict(current["metadata"], resourceVersion="1"))
    assert fake("PUT", f"{CM}/a", {}, json.dumps(stale).encode()).json()["reason"] == "Conflict"
    fresh = dict(current, data={"k": "w"})
    assert fake("PUT", f"{CM}/a", {}, json.dumps(fresh).encode()).json()["data"] == {"k": "w"}


def test_crds_are_served_once_created_and_dropped_when_deleted():
    fake = FakeKubeApi()
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "widgets.example.com"},
           "spec": {"group": "example.com", "scope": "Cluster", "names": {"kind": "Widget", "plural": "widgets"},
                    "versions": [{"name": "v1", "served": True, "storage": True}]}}
    path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com"
    apply(fake, crd, path=path)
    assert fake.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com")["status"][
        "conditions"][1]["type"] == "Established"
    assert fake("GET", "/apis/example.com/v1").json()["resources"][0]["kind"] == "Widget"
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert apply(fake, widget, path="/apis/example.com/v1/widgets/w").status == 201
    fake("DELETE", path, {}, None)
    assert not fake.is_served("example.com/v1", "Widget")
    assert fake.objects("Widget") == []


def test_injected_errors_have_the_real_shapes(fake):
    pp = "/apis/policy.karmada.io/v1alpha1/namespaces/default/propagationpolicies/nginx"
    fake.fail_next(403, method="PATCH")
    denied = fake("PATCH", pp + "?fieldManager=m", APPLY, b"{}").json()
    assert denied == forbidden("propagationpolicies", "nginx", verb="patch", group="policy.karmada.io",
                               namespace="default")
    assert denied["message"] == (
        'propagationpolicies.policy.karmada.io "nginx" is forbidden: User "system:anonymous" cannot patch resource '
        '"propagationpolicies" in API group "policy.karmada.io" in the namespace "default"')
    fake.fail_next(403)
    assert fake("GET", "/apis/cluster.karmada.io/v1alpha1/clusters").json()["message"] == (
        'clusters.cluster.karmada.io is forbidden: User "system:anonymous" cannot list resource "clusters" in API '
        'group "cluster.karmada.io" at the cluster scope')
    causes = [{"field": "spec.a", "message": "Required value", "reason": "FieldValueRequired"},
              {"field": "spec.b", "message": 'Invalid value: "x": must be y'}]
    fake.fail_next(422, causes=causes)
    body = fake("PATCH", pp, APPLY, b"{}").json()
    assert body == invalid("PropagationPolicy", "nginx", causes, "policy.karmada.io")
    assert body["message"] == ('PropagationPolicy.policy.karmada.io "nginx" is invalid: '
                               '[spec.a: Required value, spec.b: Invalid value: "x": must be y]')
    fake.fail_next(409, method="POST")
    created = fake("POST", CM, {}, json.dumps(configmap("z")).encode()).json()
    assert created["message"] == 'configmaps "z" already exists'
    fake.fail_next(409, reason="Conflict")
    assert fake("PATCH", pp, APPLY, b"{}").json()["details"]["causes"][0]["reason"] == "FieldManagerConflict"
    fake.fail_next(429)
    busy = fake("GET", "/api/v1")
    assert (busy.status, busy.headers["Retry-After"], busy.body) == (
        429, "1", b"Too many requests, please try again later.\n")
    fake.fail_next(503)
    assert fake("GET", "/api/v1").json()["reason"] == "ServiceUnavailable"
    fake.fail_next(404)
    assert fake("GET", pp).json()["reason"] == "NotFound"
    fake.fail_next(ConnectionResetError(104, "Connection reset by peer"))
    with pytest.raises(ConnectionResetError):
        fake("GET", "/api/v1")
    assert fake("GET", "/api/v1").status == 200


def test_injection_matching_counting_and_recording(fake):
    rule = fake.fail_next(503, times=2, method="GET", path="^/api/v1$")
    assert fake("GET", "/api").status == 200
    assert [fake("GET", "/api/v1").status for _ in range(3)] == [503, 503, 200]
    assert rule.hits == 2 and rule.remaining == 0
    forever = fake.fail_next(ConnectionRefusedError, times=None)
    for _ in range(3):
        with pytest.raises(ConnectionRefusedError):
            fake("GET", "/api")
    fake.clear_failures()
    assert forever.hits == 3 and fake("GET", "/api").status == 200
    request = fake.requests_matching("GET", "^/api/v1$")[0]
    assert (request.method, request.query, request.body) == ("GET", {}, None)


def test_custom_resource_sets_and_strict_namespaces():
    fake = FakeKubeApi([ApiResource("", "v1", "Namespace", "namespaces", False),
                        ApiResource("", "v1", "ConfigMap", "configmaps")], strict_namespaces=True)
    assert fake("GET", "/apis/apps/v1").status == 404
    missing = apply(fake, configmap())
    assert missing.status == 404 and missing.json()["message"] == 'namespaces "default" not found'
    fake.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    assert apply(fake, configmap()).status == 201
    fake("DELETE", "/api/v1/namespaces/default", {}, None)
    assert fake.objects("ConfigMap") == []


def test_served_over_http(fake):
    fake.put(configmap("a"))
    with fake.serve() as front:
        with urllib.request.urlopen(front.url + CM + "/a", timeout=5) as response:
            assert json.load(response)["metadata"]["name"] == "a"
        request = urllib.request.Request(front.url + CM + "/b?fieldManager=m", method="PATCH",
                                         data=json.dumps(configmap("b")).encode(), headers=APPLY)
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 201
    assert fake.get("v1", "ConfigMap", "b") is not None
