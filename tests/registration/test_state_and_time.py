"""What the registration leaves behind and how long it keeps trying, asserted on the fakes' state and clock.

Retries are bounded differently while registering (until the time budget) and while deleting or undoing
(a minute, so a stack deletion never wedges); an unreachable Karmada pod is looked up again; the physical id,
the request headers, the undo's steps and the Delete's clean-up are each asserted as state, not as a message.
"""

from __future__ import annotations

import base64
import dataclasses
import logging

import pytest

from functions.member_registration import handler as handler_module
from functions.member_registration import objects as obj
from functions.member_registration.errors import RegistrationError
from tests.registration.conftest import (
    AGENT_SECRET,
    KARMADA_URL,
    MEMBER,
    NAMESPACE,
    PARENT,
    agent_deployment,
    make_event,
    make_props,
    pull_cluster,
    tls_secret,
)

CLUSTER_PATH = f"/apis/cluster.karmada.io/v1alpha1/clusters/{MEMBER}"
KUBECONFIG_PATH = f"/api/v1/namespaces/{NAMESPACE}/secrets/karmada-kubeconfig"
EXECUTION_SPACE = f"karmada-es-{MEMBER}"
USER_AGENT = "eks-karmada/member-registration"


def elapsed(harness) -> float:
    return harness.clock.now - 1000.0


def recover_after(harness, seconds: float, attribute: str) -> None:
    """``harness.<attribute>`` (karmada_down, member_down) turns False once the clock has moved ``seconds``."""
    def hook(count: int) -> None:
        if elapsed(harness) >= seconds:
            setattr(harness, attribute, False)
    harness.clock.on_sleep.append(hook)


def kubeconfig_secret(harness) -> dict | None:
    return harness.member.get("v1", "Secret", obj.AGENT_KUBECONFIG_SECRET, NAMESPACE)


def work(name: str, *, terminating: bool = False) -> dict:
    metadata: dict = {"name": name, "namespace": EXECUTION_SPACE}
    if terminating:
        metadata.update(deletionTimestamp="2025-01-01T00:00:00Z", finalizers=["karmada.io/execution-controller"])
    return {"apiVersion": "work.karmada.io/v1alpha1", "kind": "Work", "metadata": metadata}


# ---- the physical id and the log line naming the resource ----------------------------------------------------------
def test_a_delete_keeps_the_id_cloudformation_knows(harness):
    result = harness.run(make_event("Delete", make_props(), physical_id="old-parent/member-1"))
    assert result == {"PhysicalResourceId": "old-parent/member-1"}


def test_a_delete_without_an_id_reports_the_id_of_its_properties(harness):
    event = make_event("Delete", make_props())
    del event["PhysicalResourceId"]
    assert harness.run(event) == {"PhysicalResourceId": f"{PARENT}/{MEMBER}"}


def test_the_log_line_of_each_event_names_the_logical_resource(harness, caplog):
    with caplog.at_level(logging.INFO, logger="member_registration"):
        harness.run(make_event("Create", make_props(), logical_id="RegistrationMember1"))
    assert any(r.getMessage().startswith(f"Create RegistrationMember1 ({PARENT}/{MEMBER}): member {MEMBER}")
               for r in caplog.records)


# ---- the Lambda's remaining time -----------------------------------------------------------------------------------
class LambdaContext:
    def __init__(self, remaining_ms: int) -> None:
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def test_with_less_time_left_than_the_safety_margin_nothing_is_retried(harness):
    harness.karmada.fail_next(503, path=CLUSTER_PATH)

    with pytest.raises(RegistrationError, match=r"gave up after 1 attempt\(s\) in 0s \(the time budget\)"):
        harness.run(make_event("Create", make_props()), context=LambdaContext(20_000))  # 20 s < the 30 s margin
    assert harness.clock.sleeps == []


def test_the_entry_point_hands_the_lambdas_remaining_time_on(harness, monkeypatch):
    monkeypatch.setattr(handler_module.Runtime, "default", classmethod(lambda cls: harness.runtime()))
    monkeypatch.setattr(handler_module, "quiet_aws_sdk_logs", lambda: None)  # its own test: test_undo_and_entry.py
    harness.karmada.fail_next(503, path=CLUSTER_PATH)

    with pytest.raises(RegistrationError, match=r"\(the time budget\)"):
        handler_module.on_event(make_event("Create", make_props()), LambdaContext(20_000))


def test_with_time_left_a_transient_error_is_retried(harness):
    harness.karmada.fail_next(503, path=CLUSTER_PATH)
    harness.run(make_event("Create", make_props()), context=LambdaContext(60_000))
    assert harness.cluster() is not None and harness.clock.sleeps == [1.0]


# ---- retry windows: registering, deleting, undoing -----------------------------------------------------------------
def test_registering_waits_out_a_karmada_outage_longer_than_a_delete_would(harness):
    harness.karmada_down = True
    recover_after(harness, 100, "karmada_down")

    harness.run(make_event("Create", make_props()))

    assert harness.cluster() is not None and elapsed(harness) >= 100


def test_registering_waits_out_transient_500s_of_a_starting_webhook(harness):
    harness.karmada.fail_next(500, times=3, method="PATCH", path=CLUSTER_PATH,
                              message='Internal error occurred: failed calling webhook "cluster.karmada.io": '
                                      "connect: connection refused")
    harness.run(make_event("Create", make_props()))
    assert harness.cluster() is not None


def test_registering_waits_out_503s_longer_than_a_delete_would(harness):
    harness.karmada.fail_next(503, times=None, method="PATCH", path=CLUSTER_PATH)

    def heal(count: int) -> None:
        if elapsed(harness) >= 100:
            harness.karmada.clear_failures()
    harness.clock.on_sleep.append(heal)

    harness.run(make_event("Create", make_props()))
    assert harness.cluster() is not None and elapsed(harness) >= 100


def test_a_delete_rides_out_a_short_karmada_outage(harness):
    harness.run(make_event("Create", make_props()))
    harness.karmada_down = True
    recover_after(harness, 30, "karmada_down")

    harness.run(make_event("Delete", make_props()))

    assert harness.cluster() is None and harness.karmada_secret(MEMBER) is None


def test_a_delete_gives_up_on_503s_after_a_minute(harness, caplog):
    harness.run(make_event("Create", make_props()))
    harness.karmada.fail_next(503, times=None)

    with caplog.at_level(logging.WARNING):
        harness.run(make_event("Delete", make_props()))

    assert "treated as unregistered" in caplog.text
    assert 55 <= elapsed(harness) <= 70


def test_an_undo_gives_up_on_an_unreachable_karmada_after_a_minute_per_step(harness, caplog):
    harness.karmada.clusters_become_ready = False
    harness.karmada.fail_next(ConnectionRefusedError, times=None, method="DELETE")  # the undo meets a dead Karmada

    with caplog.at_level(logging.WARNING), pytest.raises(RegistrationError, match="not Ready"):
        harness.run(make_event("Create", make_props(ReadyWaitSeconds="10")))

    undo_failures = [r.getMessage() for r in caplog.records if r.getMessage().startswith("could not undo")]
    assert len(undo_failures) == 3  # the Cluster and its two Secrets, each given up on
    assert elapsed(harness) <= 10 + 3 * 70


def test_after_an_update_unregisters_the_old_mode_it_waits_for_the_agent_credential_again(harness):
    push = make_props()
    harness.run(make_event("Create", push))
    harness.parent.request("DELETE", f"/api/v1/namespaces/{NAMESPACE}/secrets/{AGENT_SECRET}")

    def cert_manager_issues(count: int) -> None:
        if elapsed(harness) >= 20 and harness.parent.get("v1", "Secret", AGENT_SECRET, NAMESPACE) is None:
            harness.parent.put(tls_secret(AGENT_SECRET, harness.agent_pki.client, harness.agent_pki.ca.cert_pem))
    harness.clock.on_sleep.append(cert_manager_issues)
    harness.agent_registers_after(sleeps=0)

    harness.run(make_event("Update", make_props("Pull"), old_props=push))

    assert harness.cluster()["spec"]["syncMode"] == "Pull"


def test_a_refused_connection_to_karmada_looks_the_pods_up_again_and_an_http_error_does_not(harness):
    harness.karmada_down = True  # every pod refuses the first attempt
    recover_after(harness, 0, "karmada_down")
    harness.run(make_event("Create", make_props()))
    assert len(harness.karmada_connections) == 4  # both pods, then both again after a fresh lookup

    harness.karmada_connections.clear()
    harness.karmada.fail_next(503, path=CLUSTER_PATH)
    harness.run(make_event("Create", make_props()))
    assert len(harness.karmada_connections) == 2


# ---- clients: who they say they are, and that they are closed ------------------------------------------------------
def test_every_request_names_the_registrar_as_its_user_agent(harness):
    harness.run(make_event("Create", make_props()))
    for fake in (harness.parent, harness.karmada, harness.member):
        assert fake.requests and {r.header("User-Agent") for r in fake.requests} == {USER_AGENT}


class ClosingTransport:
    def __init__(self, fake) -> None:
        self.fake = fake
        self.closed = False

    def __call__(self, *args):
        return self.fake(*args)

    def close(self) -> None:
        self.closed = True


def test_the_parent_connection_is_closed_at_the_end(harness):
    parent = ClosingTransport(harness.parent)
    runtime = dataclasses.replace(harness.runtime(), parent_transport=lambda name: parent)
    handler_module.handle(make_event("Create", make_props()), None, runtime)
    assert parent.closed


# ---- Push: a Cluster registered for another member cluster ---------------------------------------------------------
@pytest.mark.parametrize("previous", ["6f1c1f0e-0000-4000-8000-0000000000aa", None])
def test_re_pointing_a_cluster_to_another_member_cluster_is_logged(harness, caplog, previous):
    existing = pull_cluster()
    existing["spec"].update(syncMode="Push", id=previous or harness.kube_system_uid)
    harness.karmada.put(existing)

    with caplog.at_level(logging.WARNING, logger="member_registration"):
        harness.run(make_event("Update", make_props(), old_props=make_props()))

    warnings = [r.getMessage() for r in caplog.records if "was registered for another cluster" in r.getMessage()]
    if previous:
        assert warnings == [f"Cluster {MEMBER} was registered for another cluster (id {previous}): re-pointing it to "
                            f"the member EKS cluster karmada-member-1 (us-west-2) (id {harness.kube_system_uid})"]
    else:
        assert warnings == []
    assert harness.cluster()["spec"]["id"] == harness.kube_system_uid


# ---- the undo of a failed Create, step by step ---------------------------------------------------------------------
def test_the_undo_of_a_failed_push_create_logs_each_step(harness, caplog):
    harness.karmada.clusters_become_ready = False
    with caplog.at_level(logging.INFO, logger="member_registration"), pytest.raises(RegistrationError):
        harness.run(make_event("Create", make_props(ReadyWaitSeconds="10")))
    assert [r.getMessage() for r in caplog.records if r.getMessage().startswith("undid")] == [
        f"undid Cluster {MEMBER} after the failed Create",
        f"undid Secret karmada-cluster/{MEMBER}-impersonator after the failed Create",
        f"undid Secret karmada-cluster/{MEMBER} after the failed Create",
    ]


def test_an_unexpected_error_in_a_create_undoes_it_and_in_an_update_does_not(harness, monkeypatch):
    real = obj.push_cluster
    monkeypatch.setattr(handler_module.obj, "push_cluster", lambda *a, **k: (_ for _ in ()).throw(ValueError("bad")))

    with pytest.raises(RegistrationError, match=r"^Create failed: ValueError: bad$"):
        harness.run(make_event("Create", make_props()))
    assert harness.karmada_secret(MEMBER) is None and harness.karmada_secret(f"{MEMBER}-impersonator") is None

    monkeypatch.setattr(handler_module.obj, "push_cluster", real)
    harness.run(make_event("Create", make_props()))
    monkeypatch.setattr(handler_module.obj, "push_cluster", lambda *a, **k: (_ for _ in ()).throw(ValueError("bad")))
    with pytest.raises(RegistrationError, match=r"^Update failed: ValueError: bad$"):
        harness.run(make_event("Update", make_props(), old_props=make_props()))
    assert harness.cluster() is not None and harness.karmada_secret(MEMBER) is not None


def test_the_undo_of_a_failed_pull_create_reports_a_kubeconfig_it_could_not_remove(harness, caplog):
    harness.member.fail_next(403, times=None, method="DELETE", path=KUBECONFIG_PATH)
    with caplog.at_level(logging.INFO, logger="member_registration"), pytest.raises(RegistrationError):
        harness.run(make_event("Create", make_props("Pull", AgentWaitSeconds="10")))
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith(f"could not undo Secret {NAMESPACE}/karmada-kubeconfig after the failed Create: Failed to "
                            f"delete Secret {NAMESPACE}/karmada-kubeconfig in the member") for m in messages), messages
    assert f"undid the agent RBAC of {MEMBER} in Karmada after the failed Create" in messages


# ---- Pull: the kubeconfig and the agent ----------------------------------------------------------------------------
def test_the_kubeconfig_is_applied_by_the_field_manager_and_a_first_create_restarts_nothing(harness):
    harness.member.put(agent_deployment())
    harness.agent_registers_after(sleeps=0)

    harness.run(make_event("Create", make_props("Pull")))

    assert harness.member.managers("v1", "Secret", "karmada-kubeconfig", NAMESPACE) == {"eks-karmada": "Apply"}
    assert harness.member.requests_matching("PATCH", "/deployments/") == []


def test_a_restart_is_patched_by_the_field_manager(harness):
    harness.member.put(agent_deployment())
    harness.agent_registers_after(sleeps=0)
    harness.run(make_event("Create", make_props("Pull")))

    harness.run(make_event("Update", make_props("Pull", KarmadaApiServerUrl="https://karmada.example:443"),
                           old_props=make_props("Pull")))

    assert "eks-karmada" in harness.member.managers("apps/v1", "Deployment", "karmada-agent", NAMESPACE)


def test_a_server_echoing_the_written_kubeconfig_gets_it_redacted(harness):
    kubeconfig = obj.agent_kubeconfig(KARMADA_URL, harness.karmada_pki.ca.cert_pem, harness.agent_pki.client.cert_pem,
                                      harness.agent_pki.client.key_pem)
    encoded = obj.kubeconfig_secret(NAMESPACE, "karmada-kubeconfig", kubeconfig)["data"]["karmada-kubeconfig"]
    harness.member.fail_next(422, method="PATCH", path=KUBECONFIG_PATH, message=f'data: Invalid value: "{encoded}"')

    with pytest.raises(RegistrationError) as caught:
        harness.run(make_event("Create", make_props("Pull")))

    assert encoded not in str(caught.value) and 'data: Invalid value: "<redacted>"' in str(caught.value)
    assert base64.b64decode(encoded)  # the value echoed was the real one


# ---- Delete ----------------------------------------------------------------------------------------------------------
def test_a_delete_first_reads_the_cluster_by_name(harness):
    harness.run(make_event("Create", make_props()))
    harness.karmada.requests.clear()
    harness.run(make_event("Delete", make_props()))
    first = harness.karmada.requests[0]
    assert (first.method, first.path) == ("GET", CLUSTER_PATH)


@pytest.mark.parametrize(("mode", "left"), [("Push", "its Secrets"), ("Pull", "the agent RBAC and its Secrets")])
def test_a_cluster_still_terminating_says_what_is_left_to_karmada(harness, caplog, mode, left):
    harness.agent_registers_after(sleeps=0)
    harness.run(make_event("Create", make_props(mode)))
    harness.clock.on_sleep.clear()
    harness.karmada.finalizer_polls = 1000

    with caplog.at_level(logging.WARNING, logger="member_registration"):
        harness.run(make_event("Delete", make_props(mode, DeleteWaitSeconds="20")))

    assert (f"Cluster {MEMBER} is still terminating after 20s: Karmada finishes the clean-up on its own; {left} are "
            "left for it (the Secrets are garbage-collected with the Cluster)") in caplog.text


def test_works_already_terminating_are_not_deleted_again_and_lingering_works_are_reported(harness, caplog):
    harness.agent_registers_after(sleeps=0)
    harness.run(make_event("Create", make_props("Pull")))
    harness.clock.on_sleep.clear()
    harness.karmada.put(work("live"))
    harness.karmada.put(work("finalizing", terminating=True))
    harness.karmada.requests.clear()

    with caplog.at_level(logging.WARNING, logger="member_registration"):
        harness.run(make_event("Delete", make_props("Pull", DeleteWaitSeconds="20")))

    work_deletes = [r.path for r in harness.karmada.requests if r.method == "DELETE" and "/works/" in r.path]
    assert work_deletes == [f"/apis/work.karmada.io/v1alpha1/namespaces/{EXECUTION_SPACE}/works/live"]
    assert f"Works remain in {EXECUTION_SPACE} after 20s: deleting the Cluster anyway" in caplog.text


def test_works_that_go_are_waited_for_before_the_cluster_is_deleted(harness, caplog):
    harness.agent_registers_after(sleeps=0)
    harness.run(make_event("Create", make_props("Pull")))
    harness.clock.on_sleep.clear()
    harness.karmada.put(work("finalizing", terminating=True))

    def finalized(count: int) -> None:
        if count >= 2:
            harness.karmada.request("DELETE", f"/apis/work.karmada.io/v1alpha1/namespaces/{EXECUTION_SPACE}/works/"
                                              "finalizing")
    harness.clock.on_sleep.append(finalized)
    harness.karmada.requests.clear()

    with caplog.at_level(logging.WARNING, logger="member_registration"):
        harness.run(make_event("Delete", make_props("Pull")))

    assert harness.clock.sleeps[:2] == [5.0, 5.0] and "Works remain" not in caplog.text
    assert harness.cluster() is None


def test_a_refused_list_of_works_is_reported_and_the_delete_succeeds(harness, caplog):
    harness.agent_registers_after(sleeps=0)
    harness.run(make_event("Create", make_props("Pull")))
    harness.karmada.fail_next(403, times=None, method="GET", path="/works$")

    with caplog.at_level(logging.WARNING, logger="member_registration"):
        harness.run(make_event("Delete", make_props("Pull")))

    assert f"Karmada: Failed to list Works in {EXECUTION_SPACE}: " in caplog.text


def test_a_refused_secret_delete_in_karmada_names_the_secret(harness, caplog):
    harness.run(make_event("Create", make_props()))
    harness.karmada.fail_next(403, times=None, method="DELETE", path=f"/secrets/{MEMBER}$")

    with caplog.at_level(logging.WARNING, logger="member_registration"):
        harness.run(make_event("Delete", make_props()))

    assert f"Karmada: Failed to delete Secret karmada-cluster/{MEMBER} in Karmada: " in caplog.text


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_kubeconfig_the_member_refuses_to_show_or_delete_is_named(harness, caplog, method):
    harness.agent_registers_after(sleeps=0)
    harness.run(make_event("Create", make_props("Pull")))
    harness.member.fail_next(403, times=None, method=method, path=KUBECONFIG_PATH)

    with caplog.at_level(logging.WARNING, logger="member_registration"):
        harness.run(make_event("Delete", make_props("Pull")))

    verb = {"GET": "read", "DELETE": "delete"}[method]
    assert (f"cannot delete Secret {NAMESPACE}/karmada-kubeconfig (Failed to {verb} Secret "
            f"{NAMESPACE}/karmada-kubeconfig in the member") in caplog.text


def test_a_kubeconfig_without_a_registration_annotation_is_deleted(harness):
    harness.agent_registers_after(sleeps=0)
    harness.run(make_event("Create", make_props("Pull")))
    secret = kubeconfig_secret(harness)
    secret["metadata"].pop("annotations")
    secret["metadata"].pop("managedFields", None)
    harness.member.put(secret)  # as `karmadactl register` writes it

    harness.run(make_event("Delete", make_props("Pull")))

    assert kubeconfig_secret(harness) is None


def test_moving_the_agent_namespace_tolerates_an_old_kubeconfig_it_cannot_delete(harness, caplog):
    harness.agent_registers_after(sleeps=0)
    old = make_props("Pull")
    harness.run(make_event("Create", old))
    harness.member.fail_next(403, times=None, method="DELETE", path=KUBECONFIG_PATH)

    with caplog.at_level(logging.WARNING, logger="member_registration"):
        harness.run(make_event("Update", make_props("Pull", AgentNamespace="karmada-agent"), old_props=old))

    assert harness.member.get("v1", "Secret", "karmada-kubeconfig", "karmada-agent") is not None
    assert "cannot delete Secret karmada-system/karmada-kubeconfig" in caplog.text


def test_every_karmada_connection_verifies_the_apiservers_tls_name(harness):
    harness.run(make_event("Create", make_props()))
    assert harness.karmada_connections and {c[2] for c in harness.karmada_connections} == {
        "karmada-apiserver.karmada-system.svc.cluster.local"}


def test_a_ready_wait_of_one_second_still_looks_once(harness):
    harness.karmada.clusters_become_ready = False
    with pytest.raises(RegistrationError, match=f"Cluster {MEMBER} is registered but not Ready after 0s"):
        harness.run(make_event("Create", make_props(ReadyWaitSeconds="1")))


@pytest.mark.parametrize(("length", "redacted"), [(16, True), (15, False)])
def test_a_pem_line_of_sixteen_characters_is_redacted_and_a_shorter_one_is_not(length, redacted):
    line = "A" * length
    scrub = handler_module._Redactor()
    scrub.add(f"-----BEGIN KEY-----\n{'B' * 64}\n{line}\n-----END KEY-----\n")
    assert scrub(f"echo: {line}") == ("echo: <redacted>" if redacted else f"echo: {line}")
