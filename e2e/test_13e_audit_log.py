"""Scenario 13e: the Karmada API's audit log reaches CloudWatch Logs, names the person, and holds no Secret payload.

karmada-apiserver writes its audit file in the pod; the shipper beside it (the collector built from our Go module, run
with the rendered ConfigMap) sends it to the log group the ConfigMap names, in the local CloudWatch Logs (a moto
server, deviations.py). Here a person signs in with their IAM role session (as in 13c), writes, and the event naming
them is read back from the group; a Secret they create leaves its name in the log, never its value.
"""

from __future__ import annotations

import base64
import secrets

import pytest

from e2e.audit_log import destination, messages, shipped_events
from e2e.conftest import wait_for
from e2e.iam_users import LocalSts, session_user, signed_in

# Its own name each run: a rerun must not meet the last run's namespace still terminating, nor its events.
NAMESPACE = f"audit-log-check-{secrets.token_hex(3)}"
ADMIN_ROLE, ADMIN_SESSION = "platform-admin", "carol@example.com"
COMPONENT_GROUP = "system:karmada:control-plane"  # charts/karmada/names.py
READS = ("get", "list", "watch")


@pytest.fixture(scope="module")
def carol(env, kubectl_binary, tmp_path_factory):
    kubectl = signed_in(env, LocalSts(env.layout.data), kubectl_binary, tmp_path_factory.mktemp("audit"),
                        ADMIN_ROLE, ADMIN_SESSION)
    kubectl.run("create", "namespace", NAMESPACE)
    yield kubectl
    kubectl.run("delete", "namespace", NAMESPACE, "--wait=false", check=False)


def _find(env, *, verb: str, resource: str, namespace: str, name: str) -> list[dict]:
    """The shipped events of one request kind on one object."""
    wanted = {"resource": resource, "namespace": namespace, "name": name}
    return [e for e in shipped_events(env) if e["verb"] == verb
            and {k: (e.get("objectRef") or {}).get(k) for k in wanted} == wanted]


def test_a_write_by_a_person_is_in_the_log_group_under_their_name(env, carol):
    carol.run("create", "configmap", "written-by-carol", "-n", NAMESPACE, "--from-literal=purpose=audit")
    user = session_user(ADMIN_ROLE, ADMIN_SESSION)
    (event,) = wait_for(lambda: _find(env, verb="create", resource="configmaps", namespace=NAMESPACE,
                                      name="written-by-carol"), 90,
                        "the ConfigMap's create event in the CloudWatch Logs group")
    assert event["user"]["username"] == user
    assert "eks-karmada:admins" in event["user"].get("groups", [])
    assert event["level"] == "Metadata" and "requestObject" not in event and "responseObject" not in event
    assert event["responseStatus"]["code"] == 201
    group, _ = destination(env)
    assert group.endswith("/karmada-apiserver/audit")


def test_a_secret_payload_never_reaches_the_log(env, carol):
    value = f"audit-canary-{secrets.token_hex(16)}"
    carol.run("create", "secret", "generic", "canary", "-n", NAMESPACE, f"--from-literal=token={value}")
    wait_for(lambda: _find(env, verb="create", resource="secrets", namespace=NAMESPACE, name="canary"), 90,
             "the Secret's create event in the CloudWatch Logs group")
    carol.run("get", "secret", "canary", "-n", NAMESPACE, "-o", "yaml")  # a read of it, logged too
    wait_for(lambda: _find(env, verb="get", resource="secrets", namespace=NAMESPACE, name="canary"), 90,
             "the Secret's get event")
    encoded = base64.b64encode(value.encode()).decode()
    leaked = [m for m in messages(env) if value in m or encoded in m]
    assert not leaked, leaked[:1]


def test_one_stream_per_apiserver_pod_and_no_component_reads(env, carol):
    group, region = destination(env)
    from local_control_plane import cloudwatch_logs

    streams = {s["logStreamName"] for s in cloudwatch_logs.client(region).describe_log_streams(
        logGroupName=group)["logStreams"]}
    assert streams and all(s.startswith("karmada-apiserver-") for s in streams), streams
    noisy = [e for e in shipped_events(env) if e["verb"] in READS
             and COMPONENT_GROUP in e["user"].get("groups", [])]
    assert not noisy, noisy[:1]
