"""KarmadaManifest: a failed Create undoes what it applied; a failed Update does not.

CloudFormation follows a failed Create with a Delete that carries no record of what was applied
(``CREATE_FAILED_MARKER``), so the Create itself deletes the objects it created, keeps those that were
already there, releases its patches on those, and says in the event what it could not undo.
"""

from __future__ import annotations

import logging

import pytest
import yaml

from functions.errors import MAX_MESSAGE_CHARS
from functions.karmada_manifest import rollback
from functions.karmada_manifest.errors import KarmadaManifestError
from functions.kube.errors import ApiError
from tests.functions.conftest import make_event, make_props
from tests.functions.sample_release import BINDINGS_CRD, release, tarball
from tests.functions.test_handler_source import URL, source

NAMESPACE_OBJ = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}
CONFIGMAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "apps"},
             "data": {"color": "blue"}}
POLICY = {
    "apiVersion": "policy.karmada.io/v1alpha1",
    "kind": "PropagationPolicy",
    "metadata": {"name": "nginx", "namespace": "apps"},
    "spec": {"resourceSelectors": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "nginx"}],
             "placement": {"spreadConstraints": [{"spreadByField": "cluster", "maxGroups": 1, "minGroups": 2}]}},
}
POLICY_PATH = "/apis/policy.karmada.io/v1alpha1/namespaces/apps/propagationpolicies/nginx"
CONFIGMAP_PATH = "/api/v1/namespaces/apps/configmaps/settings"
REJECTION = "maxGroups lower than minGroups is not allowed"
CRD = "apiextensions.k8s.io/v1"
BINDINGS = "resourcebindings.work.karmada.io"
POLICIES = "propagationpolicies.policy.karmada.io"


def reject_the_policy(fake) -> None:
    """karmada-webhook's answer to an invalid policy (a 403 Forbidden) that no retry changes."""
    denied = f'admission webhook "propagationpolicy.karmada.io" denied the request: {REJECTION}'
    fake.fail_next(403, times=None, method="PATCH", path="propagationpolicies/nginx$", message=denied)


def failure(harness, event: dict) -> str:
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(event)
    return str(caught.value)


def writes(harness) -> list[tuple[str, str, str]]:
    return [(r.method, r.path, r.query.get("fieldManager", "")) for r in harness.karmada.requests
            if r.method in ("PATCH", "DELETE")]


# ---- what a failed Create leaves ----------------------------------------------------------------


def test_a_create_whose_third_object_is_rejected_leaves_nothing_of_the_first_two(harness, caplog):
    caplog.set_level(logging.INFO, logger="karmada_manifest")
    reject_the_policy(harness.karmada)
    message = failure(harness, make_event("Create", make_props([NAMESPACE_OBJ, CONFIGMAP, POLICY])))

    assert message.startswith("Failed to apply PropagationPolicy apps/nginx (policy.karmada.io/v1alpha1) "
                              "[Manifest[2]]: admission webhook")
    assert message.endswith(f"{REJECTION} [HTTP 403 Forbidden] (rolled back 2 object(s))")
    assert harness.karmada.objects() == []
    deletes = [path for method, path, _ in writes(harness) if method == "DELETE"]
    assert deletes == [CONFIGMAP_PATH, "/api/v1/namespaces/apps"]  # in reverse order; the refused policy is not
    assert caplog.messages[-3:] == [
        "Create failed: rolling back what it applied (2 object(s))",
        "roll back ConfigMap apps/settings (v1): deleted",
        "roll back Namespace apps (v1): deleted",
    ]


def test_an_object_taken_over_with_overwrite_is_kept(harness, caplog):
    caplog.set_level(logging.INFO, logger="karmada_manifest")
    shared = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "shared", "namespace": "default"},
              "data": {"color": "blue"}}
    harness.karmada.put(dict(shared, data={"color": "red"}), manager="helm")
    reject_the_policy(harness.karmada)
    manifest = [NAMESPACE_OBJ, shared, CONFIGMAP, POLICY]
    message = failure(harness, make_event("Create", make_props(manifest, overwrite=True)))

    assert message.endswith(" (rolled back 2 object(s))")
    kept = harness.karmada.get("v1", "ConfigMap", "shared", "default")
    assert kept is not None and kept["data"] == {"color": "blue"}  # taken over, and left so
    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps") is None
    assert harness.karmada.get("v1", "Namespace", "apps") is None
    assert [path for method, path, _ in writes(harness) if method == "DELETE"] == [
        CONFIGMAP_PATH, "/api/v1/namespaces/apps"]
    assert "roll back ConfigMap default/shared (v1): kept (it existed before this Create)" in caplog.messages


def test_objects_an_earlier_attempt_applied_under_our_field_manager_are_kept(harness):
    harness.run(make_event("Create", make_props([NAMESPACE_OBJ, CONFIGMAP])))
    reject_the_policy(harness.karmada)
    with pytest.raises(KarmadaManifestError) as caught:
        harness.run(make_event("Create", make_props([NAMESPACE_OBJ, CONFIGMAP, POLICY])))

    assert str(caught.value).endswith(f"{REJECTION} [HTTP 403 Forbidden]")  # nothing undone, nothing to add
    assert isinstance(caught.value.__cause__, ApiError)  # the apply's own error, as it was raised
    assert harness.karmada.requests_matching("DELETE") == []
    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps") is not None


def test_an_object_whose_apply_answer_was_lost_is_still_this_creates_own(harness):
    fake = harness.karmada
    calls = {"configmap": 0}

    def answer_lost(method, path, headers, body):
        # The first apply reaches the server but its answer is lost; the other pod refuses; the retry finds the
        # object under our field manager, yet this Create made it.
        if method == "PATCH" and path.startswith(CONFIGMAP_PATH) and calls["configmap"] < 2:
            calls["configmap"] += 1
            if calls["configmap"] == 1:
                fake(method, path, headers, body)
                raise ConnectionResetError(104, "Connection reset by peer")
            raise ConnectionRefusedError(111, "Connection refused")
        return fake(method, path, headers, body)

    harness.karmada = answer_lost  # type: ignore[assignment]
    reject_the_policy(fake)
    message = failure(harness, make_event("Create", make_props([NAMESPACE_OBJ, CONFIGMAP, POLICY])))

    assert message.endswith(" (rolled back 2 object(s))")
    assert fake.objects() == []


def test_a_patch_on_an_object_that_was_there_is_released(harness, caplog):
    caplog.set_level(logging.INFO, logger="karmada_manifest")
    harness.archives[URL] = tarball(release())
    harness.karmada.put(yaml.safe_load(BINDINGS_CRD), manager="helm")
    reject_the_policy(harness.karmada)
    props = make_props([POLICY], source=source(), overwrite=True)
    message = failure(harness, make_event("Create", props))

    assert message.endswith(" (rolled back 2 object(s))")  # the new CRD deleted, the patch released
    crd = harness.karmada.get(CRD, "CustomResourceDefinition", BINDINGS)
    assert crd is not None and crd["spec"]["group"] == "work.karmada.io"
    assert "conversion" not in crd["spec"]
    assert "eks-karmada-patches" not in harness.karmada.managers(CRD, "CustomResourceDefinition", BINDINGS)
    assert harness.karmada.get(CRD, "CustomResourceDefinition", POLICIES) is None
    release_apply = writes(harness)[-2]
    assert release_apply == ("PATCH", f"/apis/{CRD}/customresourcedefinitions/{BINDINGS}", "eks-karmada-patches")
    assert harness.karmada.requests_matching("PATCH")[-1].parsed_body() == {
        "apiVersion": CRD, "kind": "CustomResourceDefinition", "metadata": {"name": BINDINGS}}
    assert (f"roll back patch of CustomResourceDefinition {BINDINGS} ({CRD}) "
            "[crds/patches/webhook_in_resourcebindings.yaml#0]: released the fields of field manager "
            "'eks-karmada-patches'") in caplog.messages


def test_a_patch_on_an_object_this_create_made_is_not_released_the_object_is_deleted(harness):
    harness.archives[URL] = tarball(release())
    reject_the_policy(harness.karmada)
    message = failure(harness, make_event("Create", make_props([POLICY], source=source())))

    assert message.endswith(" (rolled back 2 object(s))")
    assert [w for w in writes(harness) if w[2] == "eks-karmada-patches"] == [
        ("PATCH", f"/apis/{CRD}/customresourcedefinitions/{BINDINGS}", "eks-karmada-patches")]  # the patch itself
    assert [path for method, path, _ in writes(harness) if method == "DELETE"] == [
        f"/apis/{CRD}/customresourcedefinitions/{BINDINGS}", f"/apis/{CRD}/customresourcedefinitions/{POLICIES}"]
    assert harness.karmada.objects() == []


def test_a_rollback_failure_is_named_in_the_event_and_the_rest_is_still_undone(harness, caplog):
    caplog.set_level(logging.INFO, logger="karmada_manifest")
    reject_the_policy(harness.karmada)
    harness.karmada.fail_next(403, times=None, method="DELETE", path="configmaps/settings$")
    message = failure(harness, make_event("Create", make_props([NAMESPACE_OBJ, CONFIGMAP, POLICY])))

    assert message.startswith("Failed to apply PropagationPolicy apps/nginx")
    assert message.endswith(f"{REJECTION} [HTTP 403 Forbidden] (rollback left: ConfigMap apps/settings (v1))")
    assert harness.karmada.get("v1", "Namespace", "apps") is None
    failed = [m for m in caplog.messages if m.startswith("roll back ConfigMap apps/settings (v1): failed: ")]
    assert len(failed) == 1 and "[HTTP 403 Forbidden]" in failed[0]


def test_a_rollback_after_the_budget_ran_out_still_gets_a_short_grace(harness):
    harness.budget = 35.0
    harness.karmada.fail_next(503, times=None, method="PATCH", path="propagationpolicies")
    harness.karmada.fail_next(503, times=None, method="DELETE", path="configmaps")
    message = failure(harness, make_event("Create", make_props([NAMESPACE_OBJ, CONFIGMAP, POLICY])))

    assert "gave up after 6 attempt(s) in 31s (the time budget)" in message
    assert message.endswith(" (rollback left: ConfigMap apps/settings (v1))")
    # 4 s of the budget were left: the rollback gets ROLLBACK_GRACE_SECONDS (10 s) instead, so the ConfigMap's
    # delete is retried for 7 s and the Namespace's is still attempted.
    assert harness.clock.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 1.0, 2.0, 4.0]
    assert harness.karmada.get("v1", "Namespace", "apps") is None


def test_a_rollback_stops_when_its_time_is_up_and_names_what_it_did_not_try(harness, caplog):
    harness.budget = 35.0
    harness.karmada.fail_next(503, times=None, method="PATCH", path="propagationpolicies")
    harness.karmada.fail_next(503, times=None, method="DELETE", path="configmaps")
    # The rollback's third wait overruns by 3 s: its 10 s are up exactly when the ConfigMap's delete gives up.
    harness.clock.on_sleep.append(lambda count: setattr(harness.clock, "now", harness.clock.now + 3)
                                  if count == 8 else None)
    message = failure(harness, make_event("Create", make_props([NAMESPACE_OBJ, CONFIGMAP, POLICY])))

    assert message.endswith(" (rollback left: ConfigMap apps/settings (v1), Namespace apps (v1))")
    assert "roll back Namespace apps (v1): not attempted, no time left" in caplog.messages
    assert harness.karmada.requests_matching("DELETE", "namespaces/apps$") == []


def test_what_someone_else_removed_meanwhile_is_neither_counted_nor_recreated(harness):
    harness.archives[URL] = tarball(release())
    harness.karmada.put(yaml.safe_load(BINDINGS_CRD), manager="helm")
    fake = harness.karmada
    reject_the_policy(fake)

    def removed_meanwhile(method, path, headers, body):
        if method == "PATCH" and path.startswith(POLICY_PATH):
            fake("DELETE", f"/apis/{CRD}/customresourcedefinitions/{BINDINGS}", {}, None)
            fake("DELETE", CONFIGMAP_PATH, {}, None)
        return fake(method, path, headers, body)

    harness.karmada = removed_meanwhile  # type: ignore[assignment]
    message = failure(harness, make_event("Create", make_props([CONFIGMAP, POLICY], source=source(), overwrite=True)))

    assert message.endswith(" (rolled back 1 object(s))")  # the new CRD; the ConfigMap and the patch were gone
    assert fake.get(CRD, "CustomResourceDefinition", BINDINGS) is None
    assert len(fake.requests_matching("PATCH", f"customresourcedefinitions/{BINDINGS}$")) == 2  # base, patch
    assert fake.objects() == []


def test_an_unexpected_error_after_some_applies_is_rolled_back_too(harness):
    fake = harness.karmada

    def broken_on_the_policy(method, path, headers, body):
        if method == "PATCH" and path.startswith(POLICY_PATH):
            raise RuntimeError("the transport broke")
        return fake(method, path, headers, body)

    harness.karmada = broken_on_the_policy  # type: ignore[assignment]
    message = failure(harness, make_event("Create", make_props([NAMESPACE_OBJ, CONFIGMAP, POLICY])))
    assert message == "Create failed: RuntimeError: the transport broke (rolled back 2 object(s))"
    assert fake.objects() == []


def test_a_long_error_keeps_the_rollbacks_outcome(harness):
    harness.karmada.fail_next(400, times=None, method="PATCH", path="propagationpolicies", message="x" * 5000)
    message = failure(harness, make_event("Create", make_props([NAMESPACE_OBJ, CONFIGMAP, POLICY])))
    assert len(message) <= MAX_MESSAGE_CHARS
    assert message.startswith("Failed to apply PropagationPolicy apps/nginx")
    assert message.endswith("... (rolled back 2 object(s))")


# ---- what a failed Update leaves ----------------------------------------------------------------


def test_a_failed_update_is_not_rolled_back(harness):
    old = make_props([CONFIGMAP])
    created = harness.run(make_event("Create", old))
    harness.karmada.requests.clear()
    reject_the_policy(harness.karmada)
    new = make_props([NAMESPACE_OBJ, dict(CONFIGMAP, data={"color": "green"}), POLICY])
    message = failure(harness, make_event("Update", new, old_props=old, physical_id=created["PhysicalResourceId"]))

    assert message.endswith(f"{REJECTION} [HTTP 403 Forbidden]")
    # CloudFormation rolls an Update back by sending the old properties again, which prunes the Namespace.
    assert harness.karmada.requests_matching("DELETE") == []
    assert harness.karmada.get("v1", "Namespace", "apps") is not None
    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps")["data"] == {"color": "green"}


# ---- the outcome's wording ----------------------------------------------------------------------


def test_the_outcome_says_what_was_rolled_back_or_what_is_left():
    assert rollback.Outcome(0).suffix() == ""
    assert rollback.Outcome(3).suffix() == " (rolled back 3 object(s))"
    assert rollback.Outcome(1, ("ConfigMap a/b (v1)", "Namespace a (v1)")).suffix() == (
        " (rollback left: ConfigMap a/b (v1), Namespace a (v1))")


def test_a_long_list_of_leftovers_is_cut_with_a_count():
    names = tuple(f"ConfigMap apps/config-{index:03d} (v1)" for index in range(40))
    suffix = rollback.Outcome(0, names).suffix()
    shown = suffix.removeprefix(" (rollback left: ").removesuffix(")")
    assert len(shown) <= rollback.MAX_LEFT_CHARS
    head, _, more = shown.rpartition(" and ")
    assert head.split(", ")[0] == names[0]
    assert len(head.split(", ")) + int(more.removesuffix(" more")) == 40


def test_a_single_leftover_too_long_to_name_is_counted():
    assert rollback.Outcome(0, ("x" * 500,)).suffix() == " (rollback left: 1 object(s))"


def test_the_message_is_shortened_so_the_outcome_fits():
    outcome = rollback.Outcome(2)
    assert rollback.with_outcome("short", outcome) == "short (rolled back 2 object(s))"
    long = rollback.with_outcome("y" * 2000, outcome)
    assert len(long) == MAX_MESSAGE_CHARS and long.endswith("y... (rolled back 2 object(s))")
