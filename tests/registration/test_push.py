"""Push mode (karmadactl join): Create, Update, Delete and failures against fake parent, Karmada, member and AWS."""

from __future__ import annotations

import base64
import logging
import urllib.parse

import pytest

from functions.member_registration.errors import RegistrationError
from functions.member_registration.handler import CREATE_FAILED_MARKER
from tests.registration.conftest import (
    ASSUMED_KEY_ID,
    MEMBER,
    MEMBER_ENDPOINT,
    PARENT,
    issued_token,
    make_event,
    make_props,
    service_account,
)

CLUSTER_PATH = f"/apis/cluster.karmada.io/v1alpha1/clusters/{MEMBER}"


def writes(fake, path_regex: str = ""):
    return [r for r in fake.requests_matching(path=path_regex or None) if r.method not in ("GET",)]


# ---- Create -------------------------------------------------------------------------------------


def test_create_registers_the_member_as_karmadactl_join_does(harness):
    result = harness.run(make_event("Create", make_props()))

    assert result == {"PhysicalResourceId": f"{PARENT}/{MEMBER}", "Data": {"ClusterName": MEMBER, "SyncMode": "Push"}}
    cluster = harness.cluster()
    assert cluster["spec"] == {
        "syncMode": "Push",
        "apiEndpoint": MEMBER_ENDPOINT,
        "id": harness.kube_system_uid,
        "secretRef": {"namespace": "karmada-cluster", "name": MEMBER},
        "impersonatorSecretRef": {"namespace": "karmada-cluster", "name": f"{MEMBER}-impersonator"},
        "provider": "aws",
        "region": "us-west-2",
        "zones": ["us-west-2a", "us-west-2b"],
    }
    assert cluster["metadata"]["labels"] == {"eks-karmada.io/member": MEMBER, "tier": "prod"}
    namespace = harness.karmada.get("v1", "Namespace", "karmada-cluster")
    assert namespace["metadata"]["labels"] == {"karmada.io/system": "true"}

    secret = harness.karmada_secret(MEMBER)
    assert secret["type"] == "Opaque"
    # Expiring tokens the member issued for its two ServiceAccounts (TokenRequest), never a token Secret's.
    assert secret["data"] == {"caBundle": base64.b64encode(harness.member_ca).decode(),
                              "token": issued_token(harness, f"karmada-{MEMBER}")}
    impersonator = harness.karmada_secret(f"{MEMBER}-impersonator")
    assert impersonator["data"] == {"token": issued_token(harness, "karmada-impersonator")}
    owner = {"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "name": MEMBER,
             "uid": cluster["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
    for s in (secret, impersonator):
        assert s["metadata"]["ownerReferences"] == [owner]
        assert s["metadata"]["labels"] == {"karmada.io/system": "true"}

    # every Karmada write is a server-side apply by the field manager
    for request in writes(harness.karmada):
        assert request.method == "PATCH" and request.content_type == "application/apply-patch+yaml"
        assert request.query["fieldManager"] == "eks-karmada"
    assert harness.karmada.managers("cluster.karmada.io/v1alpha1", "Cluster", MEMBER) == {"eks-karmada": "Apply"}
    # the member is read, and asked for the two tokens
    assert [r.path for r in harness.member.requests if r.method != "GET"] == [
        f"/api/v1/namespaces/karmada-cluster/serviceaccounts/karmada-{MEMBER}/token",
        "/api/v1/namespaces/karmada-cluster/serviceaccounts/karmada-impersonator/token",
    ]


def test_create_reaches_the_member_through_the_join_role_in_its_region(harness):
    harness.run(make_event("Create", make_props()))

    assert harness.aws.clients == [("sts", "us-west-2", None), ("eks", "us-west-2", ASSUMED_KEY_ID),
                                   ("sts", "us-west-2", ASSUMED_KEY_ID)]
    for stub in harness.aws.stubbers:
        stub.assert_no_pending_responses()
    assert [e.endpoint for e in harness.member_endpoints] == [MEMBER_ENDPOINT]
    assert harness.member_endpoints[0].ca_pem == harness.member_ca
    # EKS tokens: presigned GetCallerIdentity in the member region, signed with the assumed credentials
    token = harness.member_tokens[0]
    assert token.startswith("k8s-aws-v1.")
    payload = token[len("k8s-aws-v1."):]
    url = urllib.parse.urlsplit(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode())
    query = dict(urllib.parse.parse_qsl(url.query))
    assert url.hostname == "sts.us-west-2.amazonaws.com"
    assert query["X-Amz-Credential"].startswith(ASSUMED_KEY_ID + "/")
    assert "x-k8s-aws-id" in query["X-Amz-SignedHeaders"]
    # the member: kube-system (the id) and a token of each ServiceAccount
    assert [r.path for r in harness.member.requests] == [
        "/api/v1/namespaces/kube-system",
        f"/api/v1/namespaces/karmada-cluster/serviceaccounts/karmada-{MEMBER}/token",
        "/api/v1/namespaces/karmada-cluster/serviceaccounts/karmada-impersonator/token",
    ]


def test_create_is_idempotent(harness):
    harness.run(make_event("Create", make_props()))
    before = {n: harness.karmada_secret(n)["metadata"]["resourceVersion"] for n in (MEMBER, f"{MEMBER}-impersonator")}
    cluster_rv = harness.cluster()["metadata"]["resourceVersion"]

    result = harness.run(make_event("Create", make_props()))

    assert result["PhysicalResourceId"] == f"{PARENT}/{MEMBER}"
    assert harness.cluster()["metadata"]["resourceVersion"] == cluster_rv
    after = {n: harness.karmada_secret(n)["metadata"]["resourceVersion"] for n in before}
    assert after == before


def test_forbidden_member_names_the_access_entry_and_group(harness):
    harness.member.fail_next(403, times=None, path="/namespaces/kube-system")

    with pytest.raises(RegistrationError) as caught:
        harness.run(make_event("Create", make_props()))

    message = str(caught.value)
    assert 'namespaces "kube-system" is forbidden: User "arn:aws:sts::210987654321:assumed-role/' in message
    assert 'cannot get resource "namespaces"' in message and "[HTTP 403 Forbidden]" in message
    assert "EKS access entry" in message and "eks-karmada:registrar" in message and "JoinRoleArn" not in message
    assert len(message) < 1000
    assert harness.karmada.requests == [] and harness.clock.sleeps == []


def test_unauthorized_member_says_the_join_role_has_no_access_entry(harness):
    harness.member.fail_next(401, times=None)

    with pytest.raises(RegistrationError, match="needs an EKS access entry in this cluster") as caught:
        harness.run(make_event("Create", make_props()))
    assert "Unauthorized [HTTP 401" in str(caught.value)


def test_assume_role_denied_is_reported(harness):
    harness.aws.assume_error = ("AccessDenied", "User: arn:aws:sts::123456789012:assumed-role/registrar/fn is not "
                                                "authorized to perform: sts:AssumeRole")

    with pytest.raises(RegistrationError) as caught:
        harness.run(make_event("Create", make_props()))

    message = str(caught.value)
    assert "cannot assume JoinRoleArn arn:aws:iam::210987654321:role/eks-karmada-join-member-1" in message
    assert "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/registrar/fn is not authorized" in message
    assert harness.member.requests == [] and harness.karmada.requests == []


def test_member_cluster_not_found(harness):
    harness.aws.describe_error = ("ResourceNotFoundException", "No cluster found for name: karmada-member-1.", 404)

    with pytest.raises(RegistrationError, match="EKS cluster 'karmada-member-1' not found in us-west-2"):
        harness.run(make_event("Create", make_props()))


def test_describe_denied_names_the_permission(harness):
    harness.aws.describe_error = ("AccessDeniedException", "not authorized to perform: eks:DescribeCluster", 403)

    with pytest.raises(RegistrationError, match="the join role needs eks:DescribeCluster"):
        harness.run(make_event("Create", make_props()))


def test_karmada_422_carries_the_server_message_and_undoes_the_create(harness):
    harness.karmada.fail_next(422, method="PATCH", path=CLUSTER_PATH,
                              causes=[{"field": "spec.zones[0]", "message": 'Invalid value: "us west": a valid label'}])

    with pytest.raises(RegistrationError) as caught:
        harness.run(make_event("Create", make_props()))

    message = str(caught.value)
    assert message.startswith(f"Failed to apply Cluster {MEMBER} (cluster.karmada.io/v1alpha1) in Karmada: ")
    assert f'Cluster.cluster.karmada.io "{MEMBER}" is invalid: spec.zones[0]: Invalid value: "us west"' in message
    assert "[HTTP 422 Invalid]" in message
    # the failed Create leaves nothing behind (the Provider framework drops its Delete)
    assert harness.karmada_secret(MEMBER) is None and harness.karmada_secret(f"{MEMBER}-impersonator") is None
    assert harness.cluster() is None


def test_a_cluster_id_registered_under_another_name_is_refused(harness):
    harness.karmada.put({"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": "old"},
                         "spec": {"syncMode": "Push", "id": harness.kube_system_uid}})

    with pytest.raises(RegistrationError) as caught:
        harness.run(make_event("Create", make_props()))

    assert "is already registered with Karmada as Cluster 'old'" in str(caught.value)
    assert harness.cluster() is None and harness.karmada_secret(MEMBER) is None


def test_karmada_transient_errors_are_retried(harness):
    harness.karmada.fail_next(503, times=2, method="PATCH", path=CLUSTER_PATH)
    harness.run(make_event("Create", make_props()))
    assert harness.cluster() is not None and harness.clock.sleeps == [1.0, 2.0]


def test_create_waits_for_a_terminating_cluster_of_the_same_name(harness):
    harness.run(make_event("Create", make_props()))
    harness.karmada.finalizer_polls = 2
    harness.karmada.request("DELETE", CLUSTER_PATH)
    assert harness.cluster()["metadata"]["deletionTimestamp"]

    harness.run(make_event("Update", make_props(), old_props=make_props()))

    cluster = harness.cluster()
    assert "deletionTimestamp" not in cluster["metadata"]
    assert harness.karmada_secret(MEMBER)["metadata"]["ownerReferences"][0]["uid"] == cluster["metadata"]["uid"]


# ---- Update -------------------------------------------------------------------------------------


def test_update_applies_changed_labels_and_zones(harness):
    old = make_props()
    harness.run(make_event("Create", old))
    new = make_props(Labels='{"tier": "dev"}', Zones='["us-west-2c"]', Region="us-west-2")

    result = harness.run(make_event("Update", new, old_props=old))

    assert result["PhysicalResourceId"] == f"{PARENT}/{MEMBER}"
    cluster = harness.cluster()
    assert cluster["metadata"]["labels"] == {"tier": "dev"}  # the dropped label is removed
    assert cluster["spec"]["zones"] == ["us-west-2c"]


def test_update_to_another_member_name_is_a_replacement(harness):
    old = make_props()
    harness.run(make_event("Create", old))
    new = make_props(MemberName="member-2")
    harness.member.put(service_account("karmada-member-2"))

    result = harness.run(make_event("Update", new, old_props=old))

    assert result["PhysicalResourceId"] == f"{PARENT}/member-2"
    # same member EKS cluster: the old name goes first (a cluster id serves one name)
    assert harness.cluster() is None and harness.cluster("member-2") is not None
    assert harness.karmada_secret(MEMBER) is None


# ---- Delete -------------------------------------------------------------------------------------


def test_delete_waits_for_karmadas_finalizers_then_deletes_the_secrets(harness):
    harness.run(make_event("Create", make_props()))
    harness.karmada.finalizer_polls = 3
    harness.karmada.requests.clear()
    harness.aws.clients.clear()

    result = harness.run(make_event("Delete", make_props()))

    assert result == {"PhysicalResourceId": f"{PARENT}/{MEMBER}"}
    assert harness.cluster() is None
    assert harness.karmada_secret(MEMBER) is None and harness.karmada_secret(f"{MEMBER}-impersonator") is None
    assert harness.clock.sleeps == [5.0, 5.0, 5.0]  # three polls while the finalizers ran
    deletes = [r.path for r in harness.karmada.requests if r.method == "DELETE"]
    assert deletes == [CLUSTER_PATH, f"/api/v1/namespaces/karmada-cluster/secrets/{MEMBER}",
                       f"/api/v1/namespaces/karmada-cluster/secrets/{MEMBER}-impersonator"]
    assert harness.karmada.get("v1", "Namespace", "karmada-cluster") is not None  # shared: kept
    assert harness.aws.clients == []  # Push: the member is not needed to unregister


def test_delete_when_the_cluster_is_already_gone(harness):
    result = harness.run(make_event("Delete", make_props()))
    assert result == {"PhysicalResourceId": f"{PARENT}/{MEMBER}"}
    assert harness.clock.sleeps == []


def test_delete_gives_up_waiting_with_a_warning_and_succeeds(harness, caplog):
    harness.run(make_event("Create", make_props()))
    harness.karmada.finalizer_polls = 1000

    with caplog.at_level(logging.WARNING):
        harness.run(make_event("Delete", make_props(DeleteWaitSeconds="30")))

    assert "is still terminating after 30s" in caplog.text
    assert harness.karmada_secret(MEMBER) is not None  # left for the Cluster's garbage collection
    assert harness.clock.now - 1000.0 <= 30


@pytest.mark.parametrize("breakage", ["karmada_down", "service_gone", "ca_bundle_gone", "parent_missing",
                                      "forbidden"])
def test_delete_succeeds_with_a_warning_when_karmada_is_unreachable(harness, caplog, breakage):
    harness.run(make_event("Create", make_props()))
    if breakage == "karmada_down":
        harness.karmada_down = True
    elif breakage == "service_gone":
        harness.parent.request("DELETE", "/apis/discovery.k8s.io/v1/namespaces/karmada-system/endpointslices/"
                                         "karmada-apiserver-abcde")
    elif breakage == "ca_bundle_gone":
        harness.parent.request("DELETE", "/api/v1/namespaces/karmada-system/configmaps/karmada-ca-bundle")
    elif breakage == "parent_missing":
        harness.parent_missing = True
    else:
        harness.karmada.fail_next(403, times=None)

    with caplog.at_level(logging.WARNING):
        result = harness.run(make_event("Delete", make_props()))

    assert result == {"PhysicalResourceId": f"{PARENT}/{MEMBER}"}
    assert "treated as unregistered" in caplog.text
    assert harness.clock.now - 1000.0 <= 120  # bounded, well inside the Lambda timeout


def test_delete_of_a_failed_create_does_nothing(harness):
    result = harness.run(make_event("Delete", make_props(), physical_id=CREATE_FAILED_MARKER))
    assert result == {"PhysicalResourceId": CREATE_FAILED_MARKER}
    assert harness.karmada.requests == [] and harness.parent.requests == []


def test_delete_with_unreadable_properties_succeeds(harness):
    result = harness.run(make_event("Delete", make_props(MemberName="Not_A_Name")))
    assert result["PhysicalResourceId"] == f"{PARENT}/{MEMBER}"


# ---- the Cluster must be Ready before the registration is done (found by `make local`) --------------


def test_create_returns_only_once_the_cluster_is_ready(harness):
    harness.run(make_event("Create", make_props()))

    ready_reads = [r for r in harness.karmada.requests if r.method == "GET" and r.path.endswith(f"/clusters/{MEMBER}")]
    assert ready_reads, "the handler never read the Cluster back to see it Ready"
    assert harness.clock.sleeps == []  # Ready at the first look: no waiting


def test_create_fails_bounded_and_undoes_when_the_cluster_never_becomes_ready(harness):
    harness.karmada.clusters_become_ready = False

    with pytest.raises(RegistrationError) as raised:
        harness.run(make_event("Create", make_props(ReadyWaitSeconds="30")))

    message = str(raised.value)
    assert f"Cluster {MEMBER} is registered but not Ready after" in message and "no Ready condition" in message
    assert sum(harness.clock.sleeps) <= 30
    assert harness.cluster() is None and harness.karmada_secret(MEMBER) is None  # the Create was undone


def test_ready_wait_zero_does_not_wait(harness):
    harness.karmada.clusters_become_ready = False

    harness.run(make_event("Create", make_props(ReadyWaitSeconds="0")))

    assert harness.cluster() is not None and harness.clock.sleeps == []


def test_the_join_role_is_assumed_with_the_external_id(harness):
    """Stubber's expected parameters: the ExternalId reaches sts:AssumeRole (the join role's trust requires it)."""
    harness.run(make_event("Create", make_props()))
    for stub in harness.aws.stubbers:
        stub.assert_no_pending_responses()
    assert any(service == "sts" for service, _, _ in harness.aws.clients)


def test_without_an_external_id_none_is_sent(harness):
    """A registration made before the property existed: AssumeRole as it was (Stubber refuses any extra key)."""
    harness.aws.external_id = None
    harness.run(make_event("Create", make_props(JoinExternalId=None)))
    for stub in harness.aws.stubbers:
        stub.assert_no_pending_responses()
