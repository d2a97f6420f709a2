"""A failed Create undoes only what it created; redaction of partial secrets; the entry point.

Objects that existed before stay. Secrets are redacted even when the server echoes a single line of a
PEM block. The Lambda entry point is the handler.
"""

from __future__ import annotations

import base64
import logging

import pytest

from functions import aws_clients
from functions.kube import transports
from functions.member_registration import handler as handler_module
from functions.member_registration.handler import RegistrationError
from tests.fakes.recorder import Recorder
from tests.registration.conftest import MEMBER, make_event, make_props, pull_cluster

RBAC = "rbac.authorization.k8s.io/v1"
CLUSTER_PATH = f"/apis/cluster.karmada.io/v1alpha1/clusters/{MEMBER}"


def secret(name: str, namespace: str = "karmada-cluster", data: dict | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace},
            "data": data or {"token": base64.b64encode(b"left-by-an-operator").decode()}}


def deletes(fake) -> list[str]:
    return [r.path for r in fake.requests if r.method == "DELETE"]


# ---- push: the undo of a failed Create ------------------------------------------------------------------
def test_failed_create_from_an_empty_karmada_deletes_the_cluster_then_its_secrets(harness):
    harness.karmada.clusters_become_ready = False
    with pytest.raises(RegistrationError):
        harness.run(make_event("Create", make_props(ReadyWaitSeconds="10")))
    assert harness.cluster() is None
    assert harness.karmada_secret(MEMBER) is None and harness.karmada_secret(f"{MEMBER}-impersonator") is None
    undone = deletes(harness.karmada)
    # Reverse order of creation: the Cluster (which references them) goes before its Secrets.
    assert undone == [CLUSTER_PATH,
                      f"/api/v1/namespaces/karmada-cluster/secrets/{MEMBER}-impersonator",
                      f"/api/v1/namespaces/karmada-cluster/secrets/{MEMBER}"]


def test_failed_create_keeps_a_cluster_and_secrets_that_existed_before(harness):
    harness.karmada.put(pull_cluster() | {"spec": {"syncMode": "Push", "id": harness.kube_system_uid,
                                                   "apiEndpoint": "https://old.example.com"}})
    harness.karmada.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "karmada-cluster"}})
    harness.karmada.put(secret(MEMBER))
    harness.karmada.put(secret(f"{MEMBER}-impersonator"))
    harness.karmada.clusters_become_ready = False

    with pytest.raises(RegistrationError) as raised:
        harness.run(make_event("Create", make_props(ReadyWaitSeconds="10")))

    assert f"Cluster {MEMBER} is registered but not Ready" in str(raised.value)
    assert harness.cluster() is not None
    assert harness.karmada_secret(MEMBER) is not None and harness.karmada_secret(f"{MEMBER}-impersonator") is not None
    assert deletes(harness.karmada) == []


def test_failed_create_deletes_only_the_secret_it_created(harness):
    harness.karmada.put({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "karmada-cluster"}})
    harness.karmada.put(secret(MEMBER))
    harness.karmada.clusters_become_ready = False

    with pytest.raises(RegistrationError):
        harness.run(make_event("Create", make_props(ReadyWaitSeconds="10")))

    assert harness.cluster() is None
    assert harness.karmada_secret(MEMBER) is not None
    assert harness.karmada_secret(f"{MEMBER}-impersonator") is None
    impersonator = f"/api/v1/namespaces/karmada-cluster/secrets/{MEMBER}-impersonator"
    assert deletes(harness.karmada) == [CLUSTER_PATH, impersonator]


def test_a_failed_update_undoes_nothing(harness):
    harness.run(make_event("Create", make_props()))
    harness.karmada.clusters_become_ready = False
    harness.karmada.fail_next(422, method="PATCH", path=CLUSTER_PATH)
    with pytest.raises(RegistrationError):
        harness.run(make_event("Update", make_props(Labels='{"tier": "dev"}'), old_props=make_props()))
    assert harness.cluster() is not None and harness.karmada_secret(MEMBER) is not None
    assert deletes(harness.karmada) == []


# ---- pull: the undo keeps RBAC and a kubeconfig that existed before -------------------------------------
def test_failed_pull_create_keeps_agent_rbac_that_existed_before(harness):
    role = {"apiVersion": RBAC, "kind": "ClusterRole", "metadata": {"name": f"system:karmada:{MEMBER}:agent"},
            "rules": []}
    harness.karmada.put(role)
    with pytest.raises(RegistrationError):
        harness.run(make_event("Create", make_props("Pull", AgentWaitSeconds="10")))
    assert harness.karmada.get(RBAC, "ClusterRole", f"system:karmada:{MEMBER}:agent") is not None
    assert harness.member.get("v1", "Secret", "karmada-kubeconfig", "karmada-system") is None  # it wrote this one


def test_failed_pull_create_keeps_a_kubeconfig_that_existed_before(harness):
    harness.member.put(secret("karmada-kubeconfig", "karmada-system", {"kubeconfig": "b2xk"}))
    with pytest.raises(RegistrationError):
        harness.run(make_event("Create", make_props("Pull", AgentWaitSeconds="10")))
    assert harness.member.get("v1", "Secret", "karmada-kubeconfig", "karmada-system") is not None
    assert harness.karmada.get(RBAC, "ClusterRole", f"system:karmada:{MEMBER}:agent") is None  # it wrote this one


def test_an_undo_step_that_fails_does_not_stop_the_others(harness, caplog):
    harness.karmada.clusters_become_ready = False
    harness.karmada.fail_next(500, times=None, method="DELETE", path=CLUSTER_PATH)
    with pytest.raises(RegistrationError) as raised:
        harness.run(make_event("Create", make_props(ReadyWaitSeconds="10", DeleteWaitSeconds="5")))
    assert "not Ready" in str(raised.value)  # the Create's error, not the undo's
    assert harness.karmada_secret(MEMBER) is None and harness.karmada_secret(f"{MEMBER}-impersonator") is None
    assert any("could not undo Cluster" in r.getMessage() for r in caplog.records)


# ---- redaction of a single PEM line --------------------------------------------------------------------
def test_a_single_echoed_line_of_a_private_key_is_redacted(harness):
    # The agent key is the only private key the registrar reads (the admin key, never: it signs in with its role).
    pair = harness.agent_pki.client
    lines = [line for line in pair.key_pem.decode().splitlines() if not line.startswith("-----")]
    echoed = lines[len(lines) // 2]
    harness.karmada.fail_next(422, method="PATCH", message=f"cannot decode: {echoed} (at byte 12)")
    with pytest.raises(RegistrationError) as raised:
        harness.run(make_event("Create", make_props("Pull", AgentWaitSeconds="0")))
    message = str(raised.value)
    assert echoed not in message
    assert "cannot decode: <redacted> (at byte 12)" in message


def test_redactor_scrubs_whole_values_and_pem_lines_but_not_short_fragments():
    redact = handler_module._Redactor()
    pem = b"-----BEGIN KEY-----\nAAAAAAAAAAAAAAAAAAAAAAAA\nBBBBBBBBBBBBBBB\n-----END KEY-----\n"
    redact.add(pem, "tok-12345678", "short", None)
    assert redact("x AAAAAAAAAAAAAAAAAAAAAAAA y") == "x <redacted> y"
    assert redact("BBBBBBBBBBBBBBB") == "BBBBBBBBBBBBBBB"  # 15 characters: too common to be a secret alone
    assert redact("-----BEGIN KEY-----") == "-----BEGIN KEY-----"
    assert redact(pem.decode()) == "<redacted>"  # the whole value first, not line by line
    assert redact("tok-12345678 and short") == "<redacted> and short"
    assert redact(ValueError("tok-12345678")) == "<redacted>"


def test_redactor_replaces_the_longest_secret_first():
    # "zzzzzzzz" sorts after the longer value that contains it: replaced first, it would leave the rest visible.
    redact = handler_module._Redactor()
    redact.add("aaaa-zzzzzzzz-bbbb", "zzzzzzzz")
    assert redact("token aaaa-zzzzzzzz-bbbb and zzzzzzzz") == "token <redacted> and <redacted>"


# ---- the Lambda entry point ------------------------------------------------------------------------------
def test_on_event_quiets_the_aws_sdk_and_runs_the_default_runtime(harness, monkeypatch):
    monkeypatch.setattr(handler_module.Runtime, "default", classmethod(lambda cls: harness.runtime()))
    for name in ("botocore", "boto3", "urllib3"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.DEBUG)
    result = handler_module.on_event(make_event("Create", make_props()), None)
    assert result["PhysicalResourceId"] == handler_module.physical_id_for(handler_module.Properties.parse(make_props()))
    assert harness.cluster() is not None
    assert [logging.getLogger(n).level for n in ("botocore", "boto3", "urllib3")] == [logging.INFO] * 3


# ---- the real transports and AWS clients, with their outside world recorded ----------------------------
class FakeSession:
    made: list = []

    def __init__(self, **kwargs):
        FakeSession.made.append(kwargs)

    def client(self, service, **kwargs):
        return (service, kwargs) if kwargs else f"{service}-client"


@pytest.fixture
def sessions(monkeypatch):
    import boto3

    FakeSession.made = []
    monkeypatch.setattr(boto3.session, "Session", FakeSession)
    return FakeSession.made


def test_default_runtime_uses_the_real_transports():
    runtime = handler_module.Runtime.default()
    assert (runtime.parent_transport, runtime.karmada_transport, runtime.aws_client, runtime.member_transport) == (
        transports.eks_transport, transports.karmada_pod_transport, aws_clients.aws_client,
        handler_module._member_transport)


def test_member_transport_carries_the_members_ca_and_tokens(monkeypatch):
    # The parent and pod transports are shared with KarmadaManifest: tests/functions/test_transports.py.
    calls = []
    monkeypatch.setattr(handler_module, "Urllib3Transport", Recorder("transport", calls))
    endpoint = type("Endpoint", (), {"host": "m.eks.amazonaws.com", "port": 8443, "ca_pem": b"MCA"})()
    handler_module._member_transport(endpoint, "tokens")
    assert calls == [("transport", ("m.eks.amazonaws.com", 8443), {"ca_pem": b"MCA", "token_provider": "tokens"})]


def test_aws_clients_use_the_assumed_role_in_the_members_region(sessions):
    credentials = {"AccessKeyId": "AKIA1", "SecretAccessKey": "secret", "SessionToken": "session"}
    assert aws_clients.aws_client("eks", "us-west-2", credentials) == ("eks", {"region_name": "us-west-2"})
    assert aws_clients.aws_client("sts", "eu-west-1", None) == ("sts", {"region_name": "eu-west-1"})
    assert sessions == [
        {"aws_access_key_id": "AKIA1", "aws_secret_access_key": "secret", "aws_session_token": "session",
         "region_name": "us-west-2"},
        {"region_name": "eu-west-1"},
    ]


def test_quiet_aws_sdk_logs_never_lowers_a_level(monkeypatch):
    monkeypatch.setattr(logging.getLogger("botocore"), "level", logging.DEBUG)
    monkeypatch.setattr(logging.getLogger("boto3"), "level", logging.WARNING)
    monkeypatch.setattr(logging.getLogger("urllib3"), "level", logging.NOTSET)
    handler_module.quiet_aws_sdk_logs()
    assert [logging.getLogger(n).level for n in ("botocore", "boto3", "urllib3")] == [
        logging.INFO, logging.WARNING, logging.INFO]


# ---- an Update that must unregister first fails when it cannot ------------------------------------------
@pytest.mark.parametrize("new", [dict(mode="Pull"), dict(MemberName="member-2")], ids=["sync-mode", "rename"])
def test_update_fails_when_the_old_registration_cannot_be_removed(harness, new):
    push = make_props()
    harness.run(make_event("Create", push))
    harness.karmada.fail_next(403, times=None, method="DELETE", path=CLUSTER_PATH)
    with pytest.raises(RegistrationError) as raised:
        extra = {k: v for k, v in new.items() if k != "mode"}
        harness.run(make_event("Update", make_props(new.get("mode", "Push"), **extra), old_props=push))
    assert f"Failed to delete Cluster {MEMBER}" in str(raised.value)
    assert harness.cluster() is not None and harness.karmada_secret(MEMBER) is not None  # nothing half-removed
