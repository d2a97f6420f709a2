"""A Push member's expiring tokens (push_tokens.py): minted, kept, renewed, handed on; by registration and refresh."""

from __future__ import annotations

import base64
import datetime

import pytest

from functions.member_registration import refresh
from functions.member_registration.errors import RegistrationError
from functions.member_registration.push_tokens import (
    CONSUMER_ANNOTATION_PREFIX,
    EXPIRES_ANNOTATION,
    ISSUED_ANNOTATION,
    REQUESTED_ANNOTATION,
    ROLL_FIELD_MANAGER,
)
from tests.registration.conftest import (
    MEMBER,
    NAMESPACE,
    issued_token,
    make_event,
    make_props,
    secret_values_in,
    service_account,
)

WEEK = 7 * 24 * 3600
ROLL_ANNOTATION = CONSUMER_ANNOTATION_PREFIX + MEMBER
KCM = "karmada-controller-manager"


def token_in_karmada(harness, name: str = MEMBER) -> str:
    return harness.karmada_secret(name)["data"]["token"]


def times(harness, name: str = MEMBER) -> tuple[datetime.datetime, datetime.datetime]:
    annotations = harness.karmada_secret(name)["metadata"]["annotations"]
    return (datetime.datetime.fromisoformat(annotations[ISSUED_ANNOTATION]),
            datetime.datetime.fromisoformat(annotations[EXPIRES_ANNOTATION]))


def rolled(harness, name: str = KCM) -> str | None:
    deployment = harness.parent.get("apps/v1", "Deployment", name, NAMESPACE)
    return (deployment["spec"]["template"]["metadata"].get("annotations") or {}).get(ROLL_ANNOTATION)


def run_refresh(harness) -> dict:
    return refresh.handle(make_props(), None, harness.runtime())


@pytest.fixture
def registered(harness):
    harness.run(make_event("Create", make_props()))
    return harness


def test_create_asks_for_expiring_tokens_and_records_their_life(registered):
    for name, account in ((MEMBER, f"karmada-{MEMBER}"), (f"{MEMBER}-impersonator", "karmada-impersonator")):
        assert token_in_karmada(registered, name) == issued_token(registered, account)
        annotations = registered.karmada_secret(name)["metadata"]["annotations"]
        assert annotations[REQUESTED_ANNOTATION] == str(WEEK)
        issued, expires = times(registered, name)
        assert (expires - issued).total_seconds() == pytest.approx(WEEK, abs=2)
    (request, _) = registered.member.requests_matching("POST", path="/token$")
    assert request.parsed_body() == {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                                     "spec": {"expirationSeconds": WEEK}}
    # A new Cluster: no controller watches it yet, so nothing is rolled.
    assert rolled(registered) is None


def test_an_update_keeps_tokens_in_the_first_half_of_their_life(registered):
    token = token_in_karmada(registered)
    registered.seconds_later = 3 * 24 * 3600.0

    registered.run(make_event("Update", make_props(Labels="{}"), old_props=make_props()))

    assert token_in_karmada(registered) == token and rolled(registered) is None
    # ... after checking that the member still accepts the token it holds (as the ServiceAccount itself)
    reviews = registered.member.requests_matching("POST", path="/selfsubjectreviews$")
    held = (token, token_in_karmada(registered, f"{MEMBER}-impersonator"))
    assert [r.header("Authorization") for r in reviews] == ["Bearer " + base64.b64decode(t).decode() for t in held]


def test_past_half_life_an_update_renews_them_and_rolls_the_controller_manager(registered):
    old = token_in_karmada(registered)
    registered.seconds_later = 3.6 * 24 * 3600

    registered.run(make_event("Update", make_props(Labels="{}"), old_props=make_props()))

    assert token_in_karmada(registered) == issued_token(registered, f"karmada-{MEMBER}") != old
    issued, _ = times(registered)
    assert rolled(registered) == issued.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert registered.parent.managers("apps/v1", "Deployment", KCM, NAMESPACE)[ROLL_FIELD_MANAGER] == "Update"


def test_the_refresh_keeps_then_renews_at_half_life(registered):
    assert run_refresh(registered)["Action"] == "Unchanged"
    registered.seconds_later = 3.6 * 24 * 3600

    result = run_refresh(registered)

    assert result["Action"] == "Refreshed" and "past half its life" in result["Reason"]
    assert result["Rolled"] == [KCM] and rolled(registered)
    assert token_in_karmada(registered) == issued_token(registered, f"karmada-{MEMBER}")
    assert run_refresh(registered)["Action"] == "Unchanged"
    # The Secrets keep their owner: they still go with the Cluster.
    owner = registered.karmada_secret(MEMBER)["metadata"]["ownerReferences"][0]
    assert owner["uid"] == registered.cluster()["metadata"]["uid"]
    assert secret_values_in(str(result), registered) == []


def test_a_recreated_service_account_revokes_the_token_and_the_refresh_replaces_it(registered):
    registered.member.request("DELETE", f"/api/v1/namespaces/karmada-cluster/serviceaccounts/karmada-{MEMBER}")
    registered.member.put(service_account(f"karmada-{MEMBER}"))

    result = run_refresh(registered)

    assert result["Action"] == "Refreshed" and "the member refuses the controllers' token" in result["Reason"]
    assert token_in_karmada(registered) == issued_token(registered, f"karmada-{MEMBER}") and rolled(registered)


def test_a_recreated_impersonator_account_is_noticed_too(registered):
    registered.member.request("DELETE", "/api/v1/namespaces/karmada-cluster/serviceaccounts/karmada-impersonator")
    registered.member.put(service_account("karmada-impersonator"))

    result = run_refresh(registered)

    assert result["Action"] == "Refreshed" and "refuses the impersonator's token" in result["Reason"]
    assert token_in_karmada(registered, f"{MEMBER}-impersonator") == issued_token(registered, "karmada-impersonator")


def test_a_legacy_token_without_expiry_is_replaced_on_update(registered):
    """An upgrade: Karmada holds the non-expiring token karmadactl join (or an earlier version) copied."""
    secret = registered.karmada_secret(MEMBER)
    del secret["metadata"]["annotations"]
    registered.karmada.put(secret)

    registered.run(make_event("Update", make_props(Labels="{}"), old_props=make_props()))

    assert registered.karmada_secret(MEMBER)["metadata"]["annotations"][REQUESTED_ANNOTATION] == str(WEEK)
    assert rolled(registered)


def test_another_lifetime_asked_renews_them(registered):
    registered.run(make_event("Update", make_props(TokenLifetimeSeconds="86400"), old_props=make_props()))

    issued, expires = times(registered)
    assert (expires - issued).total_seconds() == pytest.approx(86400, abs=2) and rolled(registered)


def test_a_member_granting_less_than_asked_is_renewed_at_half_of_what_it_grants(harness):
    harness.member.max_token_seconds = 24 * 3600  # --service-account-max-token-expiration=24h
    harness.run(make_event("Create", make_props()))
    issued, expires = times(harness)
    assert (expires - issued).total_seconds() == pytest.approx(24 * 3600, abs=2)

    harness.seconds_later = 11 * 3600.0
    assert run_refresh(harness)["Action"] == "Unchanged"
    harness.seconds_later = 12.5 * 3600
    assert run_refresh(harness)["Action"] == "Refreshed"


def test_a_member_granting_less_than_two_hours_is_refused_in_one_line(harness):
    harness.member.max_token_seconds = 3600

    with pytest.raises(RegistrationError) as caught:
        harness.run(make_event("Create", make_props()))

    message = str(caught.value)
    assert "grants tokens of ServiceAccount karmada-cluster/karmada-member-1 for 3600 s only" in message
    assert "--service-account-max-token-expiration" in message and "\n" not in message
    assert harness.cluster() is None and harness.karmada_secret(MEMBER) is None  # the Create was undone


def test_a_consumer_that_does_not_run_is_skipped(registered):
    registered.parent.request("DELETE", f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/{KCM}")
    registered.seconds_later = 4 * 24 * 3600.0

    result = refresh.handle(make_props(TokenConsumers='["karmada-controller-manager", "karmada-search"]'), None,
                            registered.runtime())

    assert result["Action"] == "Refreshed" and result["Rolled"] == []


def test_a_consumer_the_registrar_may_not_patch_names_the_parent_stack(registered):
    registered.parent.fail_next(403, times=None, method="PATCH", path=f"/deployments/{KCM}$")
    registered.seconds_later = 4 * 24 * 3600.0

    with pytest.raises(RegistrationError) as caught:
        run_refresh(registered)

    message = str(caught.value)
    assert message.startswith(f"Failed to roll Deployment {NAMESPACE}/{KCM} in the parent EKS cluster")
    assert "update the KarmadaParent stack" in message and secret_values_in(message, registered) == []


def test_the_refresh_of_an_unregistered_member_says_register_first(harness):
    with pytest.raises(RegistrationError, match="Cluster member-1 is not registered in Karmada: its "
                                                "KarmadaRegistration stack registers it"):
        run_refresh(harness)
    assert [r for r in harness.member.requests if r.method != "GET"] == []
