"""KarmadaManifest: property rules from both sides, runs from a non-empty Karmada, the entry point.

Every property rule with its exact message, runs that start from a non-empty Karmada and assert what is
left, and the Lambda entry point.
"""

from __future__ import annotations

import json
import logging

import pytest

from functions.karmada_manifest import handler as handler_module
from functions.karmada_manifest import run as run_module
from functions.karmada_manifest.errors import KarmadaManifestError
from functions.karmada_manifest.properties import Properties
from functions.kube import transports
from tests.functions.conftest import CLUSTER, PHYSICAL_ID, make_event, make_props

CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "apps"},
             "data": {"color": "blue"}}
OTHER = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "operator-owned", "namespace": "apps"},
         "data": {"keep": "me"}}
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {"group": "example.com", "scope": "Namespaced",
             "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
             "versions": [{"name": "v1", "served": True, "storage": True,
                           "schema": {"openAPIV3Schema": {"type": "object",
                                                          "x-kubernetes-preserve-unknown-fields": True}}}]},
}
WIDGET = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1", "namespace": "apps"}, "spec": {}}

BAD_PROPERTIES = [
    ("no-cluster", {"AdminSecretName": "a"}, "ClusterName is required"),
    ("empty-cluster", {"ClusterName": "", "AdminSecretName": "a"}, "ClusterName is required"),
    ("no-credential", {"ClusterName": "c"},
     "set exactly one of KarmadaClusterId (sign in with the handler's own IAM role) and AdminSecretName (the "
     "break-glass admin certificate: the Karmada API bootstrap only)"),
    ("port-word", {"ClusterName": "c", "AdminSecretName": "a", "ApiServerPort": "https"},
     "ApiServerPort must be a number, not 'https'"),
    ("overwrite-yes", {"ClusterName": "c", "AdminSecretName": "a", "Overwrite": "yes"},
     'Overwrite must be "true" or "false", not \'yes\''),
    ("manifest-not-json", {"ClusterName": "c", "AdminSecretName": "a", "Manifest": "[{"},
     "Manifest is not valid JSON: Expecting property name enclosed in double quotes: line 1 column 3 (char 2)"),
    ("manifest-a-string", {"ClusterName": "c", "AdminSecretName": "a", "Manifest": '"ConfigMap"'},
     "Manifest must be a JSON list of Kubernetes objects"),
    ("manifest-item-not-object", {"ClusterName": "c", "AdminSecretName": "a", "Manifest": json.dumps([CONFIGMAP, 3])},
     "Manifest[1] is not an object"),
    ("manifest-item-no-kind", {"ClusterName": "c", "AdminSecretName": "a",
                               "Manifest": json.dumps([{"apiVersion": "v1", "metadata": {"name": "x"}}])},
     "Manifest[0] needs apiVersion, kind and metadata.name"),
    ("manifest-item-no-api-version", {"ClusterName": "c", "AdminSecretName": "a",
                                      "Manifest": json.dumps([{"kind": "ConfigMap", "metadata": {"name": "x"}}])},
     "Manifest[0] needs apiVersion, kind and metadata.name"),
    ("manifest-item-no-name", {"ClusterName": "c", "AdminSecretName": "a",
                               "Manifest": json.dumps([{"apiVersion": "v1", "kind": "ConfigMap"}])},
     "Manifest[0] needs apiVersion, kind and metadata.name"),
    ("source-file-url", {"ClusterName": "c", "AdminSecretName": "a",
                         "Source": json.dumps({"url": "file:///etc/passwd", "paths": ["a/"]})}, None),
]


@pytest.mark.parametrize("raw, message", [c[1:] for c in BAD_PROPERTIES], ids=[c[0] for c in BAD_PROPERTIES])
def test_bad_properties_are_refused_with_one_line(raw, message):
    with pytest.raises(KarmadaManifestError) as raised:
        Properties.parse(raw)
    assert "\n" not in str(raised.value)
    if message is not None:
        assert str(raised.value) == message


def test_every_property_is_read_from_its_own_key():
    props = Properties.parse({
        "ClusterName": "parent-2", "AdminSecretName": "admin", "AdminSecretNamespace": "secrets",
        "ApiServerNamespace": "fed", "ApiServerService": "api", "ApiServerPort": "6443",
        "ApiServerServerName": "api.example.internal", "FieldManager": "me", "Overwrite": "false",
        "Manifest": json.dumps([CONFIGMAP]),
    })
    assert props == Properties(
        cluster_name="parent-2", manifest=(CONFIGMAP,), source=None, overwrite=False, field_manager="me",
        admin_secret_namespace="secrets", admin_secret_name="admin", api_server_namespace="fed",
        api_server_service="api", api_server_port=6443, api_server_server_name="api.example.internal",
    )


def test_a_single_object_a_parsed_list_and_an_empty_string_are_manifests():
    base = {"ClusterName": "c", "AdminSecretName": "a"}
    assert Properties.parse(base | {"Manifest": json.dumps(CONFIGMAP)}).manifest == (CONFIGMAP,)
    assert Properties.parse(base | {"Manifest": [CONFIGMAP, OTHER]}).manifest == (CONFIGMAP, OTHER)
    assert Properties.parse(base | {"Manifest": ""}).manifest == ()
    assert Properties.parse(base | {"Overwrite": " True "}).overwrite is True
    assert Properties.parse(base | {"Overwrite": ""}).overwrite is False


def test_defaults_follow_the_given_namespace_and_service():
    props = Properties.parse({"ClusterName": "c", "AdminSecretName": "a", "ApiServerNamespace": "fed",
                              "ApiServerService": "api"})
    assert (props.admin_secret_namespace, props.api_server_server_name) == ("fed", "api.fed.svc.cluster.local")
    assert (props.api_server_port, props.overwrite, props.field_manager, props.manifest) == (5443, False,
                                                                                           "eks-karmada", ())


# ---- from a non-empty Karmada -----------------------------------------------------------------------
def test_delete_removes_only_its_own_objects(harness):
    harness.karmada.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}})
    harness.karmada.put(OTHER)
    props = make_props([CONFIGMAP])
    harness.run(make_event("Create", props))
    harness.run(make_event("Delete", props, physical_id=PHYSICAL_ID))
    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps") is None
    assert harness.karmada.get("v1", "ConfigMap", "operator-owned", "apps")["data"] == {"keep": "me"}
    assert harness.karmada.get("v1", "Namespace", "apps") is not None


def test_update_prunes_only_objects_of_the_old_manifest(harness):
    harness.karmada.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}})
    harness.karmada.put(OTHER)
    old = make_props([CONFIGMAP])
    harness.run(make_event("Create", old))
    harness.run(make_event("Update", make_props([]), old_props=old, physical_id=PHYSICAL_ID))
    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps") is None
    assert harness.karmada.get("v1", "ConfigMap", "operator-owned", "apps") is not None


def test_objects_of_a_crd_that_already_exists_are_applied(harness):
    harness.karmada.put(CRD)
    harness.karmada.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}})
    result = harness.run(make_event("Create", make_props([WIDGET])))
    assert result["Data"] == {"ObjectCount": "1"}
    assert harness.karmada.get("example.com/v1", "Widget", "w1", "apps") is not None
    harness.run(make_event("Delete", make_props([WIDGET]), physical_id=result["PhysicalResourceId"]))
    assert harness.karmada.get("example.com/v1", "Widget", "w1", "apps") is None
    assert harness.karmada.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", CRD["metadata"]["name"])


def test_overwrite_false_leaves_another_managers_object_unchanged(harness):
    harness.karmada.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}})
    harness.karmada.put(CONFIGMAP | {"data": {"color": "red"}}, manager="someone-else")
    with pytest.raises(KarmadaManifestError):
        harness.run(make_event("Create", make_props([CONFIGMAP])))
    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps")["data"] == {"color": "red"}


# ---- the Lambda entry point ---------------------------------------------------------------------------
def test_on_event_keeps_botocore_quiet_and_runs_the_default_runtime(harness, monkeypatch):
    monkeypatch.setattr(handler_module.Runtime, "default", classmethod(lambda cls: harness.runtime()))
    monkeypatch.setattr(logging.getLogger("botocore"), "level", logging.DEBUG)
    result = handler_module.on_event(make_event("Create", make_props([CONFIGMAP | {"metadata": {"name": "s"}}])), None)
    assert result["Data"] == {"ObjectCount": "1"}
    assert result["PhysicalResourceId"].startswith("PoliciesManifest-")
    assert logging.getLogger("botocore").level == logging.INFO
    assert harness.karmada.get("v1", "ConfigMap", "s") is not None


def test_default_runtime_uses_the_real_transports():
    runtime = handler_module.Runtime.default()
    # The transports themselves: tests/functions/test_transports.py.
    assert runtime.parent_transport is transports.eks_transport
    assert runtime.karmada_transport is transports.karmada_pod_transport
    assert runtime.budget_seconds == run_module.DEFAULT_BUDGET_SECONDS


def test_physical_id_is_stable_per_stack_resource_and_cluster():
    event = make_event("Create", make_props([]))
    same = handler_module._physical_id(event, CLUSTER)
    assert same == handler_module._physical_id(dict(event), CLUSTER)
    assert same != handler_module._physical_id(event, "other")
    assert same != handler_module._physical_id(event | {"StackId": "arn:other"}, CLUSTER)
    assert handler_module._physical_id({"RequestId": "r"}, CLUSTER).startswith("KarmadaManifest-")
    assert len(same.rsplit("-", 1)[1]) == 16


# ---- the time budget follows the Lambda's remaining time ----------------------------------------------
class LambdaContext:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.mark.parametrize(
    "remaining_ms, sleeps",
    [(61_000, [1.0, 2.0, 4.0, 8.0, 16.0]),  # 31 s left after the 30 s safety margin: the 16 s wait still fits
     (60_990, [1.0, 2.0, 4.0, 8.0]),  # 30.99 s: it does not
     (31_000, [1.0]),
     (20_000, [])],  # less than the margin: no retry at all
)
def test_retries_stop_inside_the_remaining_time_less_the_safety_margin(harness, remaining_ms, sleeps):
    harness.karmada.fail_next(503, times=None)
    with pytest.raises(KarmadaManifestError):
        harness.run(make_event("Create", make_props([CONFIGMAP | {"metadata": {"name": "s"}}])),
                    LambdaContext(remaining_ms))
    assert harness.clock.sleeps == sleeps


def test_logs_name_the_resource_and_its_request(harness, caplog):
    caplog.set_level(logging.INFO, logger="functions.karmada_manifest.handler")
    caplog.set_level(logging.INFO)
    harness.run(make_event("Delete", make_props([]), physical_id=handler_module.CREATE_FAILED_MARKER,
                           logical_id="SamplePolicies"))
    messages = [r.getMessage() for r in caplog.records]
    assert "Delete of SamplePolicies whose Create failed: nothing to delete" in messages
    caplog.clear()
    harness.run(make_event("Create", make_props([]), logical_id="SamplePolicies"))
    assert any(m.startswith("Create SamplePolicies (SamplePolicies-") for m in [r.getMessage() for r in caplog.records])


# ---- what a Delete reports: the objects it really deleted ------------------------------------------------
def test_delete_counts_only_the_objects_it_deleted(harness):
    harness.karmada.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}})
    harness.karmada.put(CONFIGMAP)
    harness.karmada.put(OTHER)
    absent = CONFIGMAP | {"metadata": {"name": "never-created", "namespace": "apps"}}
    result = harness.run(make_event("Delete", make_props([CONFIGMAP, OTHER, absent]), physical_id=PHYSICAL_ID))
    assert result == {"PhysicalResourceId": PHYSICAL_ID, "Data": {"ObjectCount": "2"}}


def test_delete_of_nothing_counts_nothing(harness):
    assert harness.run(make_event("Delete", make_props([]), physical_id=PHYSICAL_ID))["Data"] == {"ObjectCount": "0"}
    assert harness.parent.requests == []


def test_delete_when_the_parent_cluster_is_gone_counts_nothing(harness):
    from functions.kube.errors import ClusterNotFoundError

    def gone(name):
        raise ClusterNotFoundError(f"EKS cluster {name!r} not found")

    runtime = harness.runtime()
    runtime.parent_transport = gone
    event = make_event("Delete", make_props([CONFIGMAP]), physical_id=PHYSICAL_ID)
    result = handler_module.handle(event, None, runtime)
    assert result["Data"] == {"ObjectCount": "0"}


def test_delete_when_the_admin_secret_is_gone_counts_nothing(harness):
    harness.karmada.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}})
    harness.karmada.put(CONFIGMAP)
    harness.parent("DELETE", "/api/v1/namespaces/karmada-system/secrets/karmada-admin-client", {}, None)
    result = harness.run(make_event("Delete", make_props([CONFIGMAP]), physical_id=PHYSICAL_ID))
    assert result["Data"] == {"ObjectCount": "0"}
    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps") is not None  # unreachable, so left


def test_source_may_be_given_as_an_object():
    source = {"url": "https://example.com/policies.tar.gz", "paths": ["a/"]}
    props = Properties.parse({"ClusterName": "c", "AdminSecretName": "a", "Source": source})
    assert props.source is not None and props.source.url == source["url"]


# ---- the messages of two failures, from both sides ------------------------------------------------------
ADMIN_SECRET_READ = "Failed to read Secret karmada-system/karmada-admin-client in EKS cluster parent-1: "
ACCESS_HINT = " (check the Lambda role's EKS access entry and its access to this Secret)"


@pytest.mark.parametrize("code, server_says, hinted", [
    (401, "Unauthorized [HTTP 401 Unauthorized]", True),
    (403, 'secrets "karmada-admin-client" is forbidden: User "system:anonymous" cannot get resource "secrets" in '
          'API group "" in the namespace "karmada-system" [HTTP 403 Forbidden]', True),
    # Not an access problem: no hint.
    (422, 'Secret "karmada-admin-client" is invalid: spec: Invalid value [HTTP 422 Invalid]', False),
])
def test_reading_the_admin_secret_hints_at_access_only_when_access_was_refused(harness, code, server_says, hinted):
    harness.parent.fail_next(code, method="GET", path="secrets/karmada-admin-client")
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(make_event("Create", make_props([CONFIGMAP])))
    assert str(caught.value) == ADMIN_SECRET_READ + server_says + (ACCESS_HINT if hinted else "")


TAKEOVER = ("Failed to apply ConfigMap apps/settings (v1) [Manifest[0]]: it already exists and is not managed by "
            "field manager 'eks-karmada' (managers: {}); set overwrite to true to take it over")


def test_an_object_another_manager_owns_names_every_manager(harness):
    harness.karmada.put(dict(CONFIGMAP, data={"color": "red"}), manager="helm")
    harness.karmada("PATCH", "/api/v1/namespaces/apps/configmaps/settings?fieldManager=kubectl-edit",
                    {"Content-Type": "application/merge-patch+json"}, b'{"data":{"size":"L"}}')
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(make_event("Create", make_props([CONFIGMAP], overwrite=False)))
    assert str(caught.value) == TAKEOVER.format("helm, kubectl-edit")


def test_an_object_with_no_named_manager_says_none(harness):
    harness.karmada.put(dict(CONFIGMAP, data={"color": "red"}), manager="")
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(make_event("Create", make_props([CONFIGMAP], overwrite=False)))
    assert str(caught.value) == TAKEOVER.format("none")
