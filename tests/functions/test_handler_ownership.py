"""Which KarmadaManifest owns an object: the owner annotation, and an object moved between two resources.

Resource A (logical id "A") applies a ConfigMap; resource B takes it over (the move); A's Delete, A's Update
without it, and A's rolled-back Create then leave it to B. Objects with no annotation (applied by an older
handler) or with A's own are deleted as before.
"""

from __future__ import annotations

import json
import logging

import pytest

from functions.karmada_manifest.errors import KarmadaManifestError
from functions.karmada_manifest.ownership import OWNER_ANNOTATION
from tests.functions.conftest import make_event, make_props

NAMESPACE_OBJ = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}
MOVED = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "moved", "namespace": "apps"},
         "data": {"k": "v"}}
STAYS = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "stays", "namespace": "apps"},
         "data": {"k": "v"}}
MOVED_PATH = "/api/v1/namespaces/apps/configmaps/moved"


def create(harness, logical_id: str, manifest: list, *, overwrite: bool = False) -> str:
    """Create resource ``logical_id``; its PhysicalResourceId."""
    event = make_event("Create", make_props(manifest, overwrite=overwrite), logical_id=logical_id)
    return harness.run(event)["PhysicalResourceId"]


def owner(fake, name: str = "moved") -> str | None:
    obj = fake.get("v1", "ConfigMap", name, "apps")
    return None if obj is None else (obj["metadata"].get("annotations") or {}).get(OWNER_ANNOTATION)


@pytest.fixture
def moved(harness) -> tuple[str, str]:
    """A applied MOVED and STAYS; then B took MOVED over. (A's id, B's id).

    The namespace is nobody's: deleting it would delete what it holds, whoever applied it.
    """
    harness.karmada.put(NAMESPACE_OBJ)
    a = create(harness, "A", [MOVED, STAYS])
    assert owner(harness.karmada) == a
    b = create(harness, "B", [MOVED], overwrite=True)
    assert owner(harness.karmada) == b
    return a, b


def test_the_old_resources_delete_leaves_a_moved_object(harness, moved, caplog):
    a, b = moved
    props = make_props([MOVED, STAYS])
    with caplog.at_level(logging.INFO, logger="karmada_manifest"):
        result = harness.run(make_event("Delete", props, physical_id=a, logical_id="A"))
    assert owner(harness.karmada) == b
    assert harness.karmada.get("v1", "ConfigMap", "stays", "apps") is None
    assert result["Data"] == {"ObjectCount": "1"}  # STAYS only
    assert f"delete ConfigMap apps/moved (v1): now applied by {b}: left in place" in caplog.messages
    assert not harness.karmada.requests_matching("DELETE", MOVED_PATH + "$")


def test_the_old_resources_update_does_not_prune_a_moved_object(harness, moved, caplog):
    a, b = moved
    old = make_props([MOVED, STAYS])
    with caplog.at_level(logging.INFO, logger="karmada_manifest"):
        harness.run(make_event("Update", make_props([]), old_props=old, physical_id=a, logical_id="A"))
    assert owner(harness.karmada) == b
    assert harness.karmada.get("v1", "ConfigMap", "stays", "apps") is None  # its own: pruned
    assert f"prune ConfigMap apps/moved (v1): now applied by {b}: left in place" in caplog.messages


def test_the_new_resources_delete_deletes_the_moved_object(harness, moved):
    _, b = moved
    result = harness.run(make_event("Delete", make_props([MOVED]), physical_id=b, logical_id="B"))
    assert result["Data"] == {"ObjectCount": "1"}
    assert harness.karmada.get("v1", "ConfigMap", "moved", "apps") is None


def test_an_object_applied_before_the_annotation_existed_is_deleted(harness):
    harness.karmada.put(NAMESPACE_OBJ)
    harness.karmada.put(MOVED, manager="eks-karmada", operation="Apply")  # an older handler's apply
    result = harness.run(make_event("Delete", make_props([MOVED]), physical_id="A-0123456789abcdef"))
    assert result["Data"] == {"ObjectCount": "1"}
    assert harness.karmada.get("v1", "ConfigMap", "moved", "apps") is None


def test_overwrite_false_refuses_an_object_another_resource_applies(harness):
    a = create(harness, "A", [NAMESPACE_OBJ, MOVED])
    with pytest.raises(KarmadaManifestError) as caught:
        create(harness, "B", [MOVED])
    assert str(caught.value) == (
        f"Failed to apply ConfigMap apps/moved (v1) [Manifest[0]]: it is applied by KarmadaManifest {a}; "
        "set overwrite to true to take it over")
    assert owner(harness.karmada) == a  # untouched, and not rolled back: B applied nothing


def test_overwrite_false_takes_an_object_applied_before_the_annotation_existed(harness):
    harness.karmada.put(NAMESPACE_OBJ)
    harness.karmada.put(MOVED, manager="eks-karmada", operation="Apply")
    b = create(harness, "B", [MOVED])
    assert owner(harness.karmada) == b


def test_manifest_objects_are_annotated_on_a_copy(harness):
    manifest = [NAMESPACE_OBJ, MOVED | {"metadata": {"name": "moved", "namespace": "apps",
                                                      "annotations": {"team": "platform"}}}]
    before = json.dumps(manifest)
    a = create(harness, "A", manifest)
    obj = harness.karmada.get("v1", "ConfigMap", "moved", "apps")
    assert obj["metadata"]["annotations"] == {"team": "platform", OWNER_ANNOTATION: a}
    assert json.dumps(manifest) == before


def test_an_object_taken_over_between_the_read_and_the_delete_is_read_again(harness):
    a = create(harness, "A", [NAMESPACE_OBJ, MOVED])
    fake = harness.karmada
    taken: list[bool] = []

    def b_applies_just_before_the_first_delete(method, path, headers, body):
        if method == "DELETE" and path.split("?")[0] == MOVED_PATH and not taken:
            taken.append(True)
            applied = MOVED | {"metadata": {"name": "moved", "annotations": {OWNER_ANNOTATION: "B-1"}}}
            fake("PATCH", MOVED_PATH + "?fieldManager=eks-karmada&force=true",
                 {"Content-Type": "application/apply-patch+yaml"}, json.dumps(applied).encode())
        return fake(method, path, headers, body)

    harness.karmada = b_applies_just_before_the_first_delete  # type: ignore[assignment]
    harness.run(make_event("Delete", make_props([MOVED]), physical_id=a, logical_id="A"))
    assert taken and owner(fake) == "B-1"
    assert len(fake.requests_matching("DELETE", MOVED_PATH + "$")) == 1  # refused (409): the version changed


def test_a_failed_create_does_not_roll_back_an_object_another_resource_took_over(harness, caplog):
    policy = {"apiVersion": "policy.karmada.io/v1alpha1", "kind": "PropagationPolicy",
              "metadata": {"name": "nginx"}, "spec": {"resourceSelectors": []}}
    fake = harness.karmada
    fake.put(NAMESPACE_OBJ)

    def b_takes_it_over_then_the_policy_is_rejected(method, path, headers, body):
        if method == "PATCH" and "propagationpolicies/nginx" in path:
            applied = MOVED | {"metadata": {"name": "moved", "annotations": {OWNER_ANNOTATION: "B-1"}}}
            fake("PATCH", MOVED_PATH + "?fieldManager=eks-karmada&force=true",
                 {"Content-Type": "application/apply-patch+yaml"}, json.dumps(applied).encode())
        return fake(method, path, headers, body)

    fake.fail_next(422, times=None, method="PATCH", path="propagationpolicies/nginx$")
    harness.karmada = b_takes_it_over_then_the_policy_is_rejected  # type: ignore[assignment]
    with caplog.at_level(logging.INFO, logger="karmada_manifest"), pytest.raises(KarmadaManifestError):
        create(harness, "A", [MOVED, policy])
    assert owner(fake) == "B-1"
    assert "roll back ConfigMap apps/moved (v1): now applied by B-1: left in place" in caplog.messages
