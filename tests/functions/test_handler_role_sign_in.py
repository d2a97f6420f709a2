"""KarmadaManifest signed in with the handler's own IAM role (KarmadaClusterId) instead of the admin certificate."""

from __future__ import annotations

import base64

import pytest

from functions.karmada_manifest.errors import KarmadaManifestError
from tests.functions.conftest import APPLIER_SESSION, KARMADA_CLUSTER_ID, NAMESPACE, SECRET, make_event, make_props

CONFIG_MAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "apps"},
              "data": {"a": "1"}}


def role_props(manifest: list, **extra: str) -> dict:
    props = make_props(manifest)
    props.update({"KarmadaClusterId": KARMADA_CLUSTER_ID, **extra})
    del props["AdminSecretName"]
    return props


def publish_ca(harness, ca_pem: bytes) -> None:
    harness.parent.put({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": "karmada-ca-bundle", "namespace": NAMESPACE},
                        "data": {"ca.crt": ca_pem.decode()}})


def test_a_role_signs_in_with_its_tokens_and_never_reads_the_admin_secret(harness, pki):
    publish_ca(harness, pki.ca.cert_pem)

    harness.run(make_event("Create", role_props([CONFIG_MAP])))

    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps")["data"] == {"a": "1"}
    assert set(harness.bearer_users) == {APPLIER_SESSION}
    assert not harness.parent.requests_matching(path=f"/secrets/{SECRET}$")
    # Only the bootstrap provider (the admin certificate) publishes the CA: this one reads it.
    assert not harness.parent.requests_matching("PATCH", "/configmaps/karmada-ca-bundle")


def test_the_ca_bundle_placeholder_comes_from_the_published_ca(harness, pki):
    publish_ca(harness, pki.ca.cert_pem)
    webhook = {
        "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
        "metadata": {"name": "workload-webhook"},
        "webhooks": [{"name": "x.example.com", "admissionReviewVersions": ["v1"], "sideEffects": "None",
                      "clientConfig": {"url": "https://x.example.com/validate", "caBundle": "${Karmada.CaBundle}"}}],
    }

    harness.run(make_event("Create", role_props([webhook])))

    stored = harness.karmada.get("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration",
                                 "workload-webhook")
    assert stored["webhooks"][0]["clientConfig"]["caBundle"] == base64.b64encode(pki.ca.cert_pem).decode()


def test_a_token_for_another_karmada_gets_401(harness, pki):
    publish_ca(harness, pki.ca.cert_pem)

    with pytest.raises(KarmadaManifestError, match="401"):
        harness.run(make_event("Create", role_props([CONFIG_MAP], KarmadaClusterId="other-karmada")))
    assert harness.bearer_users and set(harness.bearer_users) == {None}


def test_a_ca_not_published_yet_is_waited_for_then_named(harness):
    harness.budget = 60.0

    with pytest.raises(KarmadaManifestError) as raised:
        harness.run(make_event("Create", role_props([CONFIG_MAP])))

    assert "ConfigMap karmada-system/karmada-ca-bundle" in str(raised.value)
    assert "the Karmada API bootstrap publishes it" in str(raised.value)


def test_delete_without_a_published_ca_treats_the_control_plane_as_gone(harness):
    result = harness.run(make_event("Delete", role_props([CONFIG_MAP]), physical_id="x"))

    assert result["PhysicalResourceId"] == "x"


@pytest.mark.parametrize("both", [True, False])
def test_exactly_one_way_to_sign_in(harness, both):
    props = make_props([CONFIG_MAP], KarmadaClusterId=KARMADA_CLUSTER_ID) if both else role_props(
        [CONFIG_MAP], KarmadaClusterId="")

    with pytest.raises(KarmadaManifestError) as raised:
        harness.run(make_event("Create", props))

    assert str(raised.value) == ("set exactly one of KarmadaClusterId (sign in with the handler's own IAM role) and "
                                 "AdminSecretName (the break-glass admin certificate: the Karmada API bootstrap only)")
    assert not harness.karmada.requests


def test_a_role_not_mapped_yet_is_retried_while_the_apiserver_pods_roll(harness, pki):
    """A deploy that adds a handler's role rolls karmada-apiserver with the new mapping; nothing waits for it."""
    publish_ca(harness, pki.ca.cert_pem)
    mapping = dict(harness.authenticator.mapping)
    harness.authenticator.mapping.clear()  # the pods serving still read the old mapping ...
    harness.clock.on_sleep.append(  # ... until the new ones serve, a minute later
        lambda _: harness.authenticator.mapping.update(mapping) if sum(harness.clock.sleeps) >= 60 else None)

    harness.run(make_event("Create", role_props([CONFIG_MAP])))

    assert harness.karmada.get("v1", "ConfigMap", "settings", "apps")["data"] == {"a": "1"}
    assert None in harness.bearer_users and harness.bearer_users[-1] == APPLIER_SESSION


def test_a_role_never_mapped_fails_within_minutes_naming_the_mapping(harness, pki):
    publish_ca(harness, pki.ca.cert_pem)
    harness.authenticator.mapping.clear()

    with pytest.raises(KarmadaManifestError) as raised:
        harness.run(make_event("Create", role_props([CONFIG_MAP])))

    assert "401" in str(raised.value) and "mapRoles in the karmada-iam-authenticator ConfigMap" in str(raised.value)
    assert 250 <= sum(harness.clock.sleeps) <= 330  # the role-mapping window (300 s), not the 480 s budget


def test_the_admin_certificate_is_not_retried_on_401(harness):
    harness.karmada.fail_next(401, times=1, path="/configmaps")

    with pytest.raises(KarmadaManifestError, match="401"):
        harness.run(make_event("Create", make_props([CONFIG_MAP])))
    assert sum(harness.clock.sleeps) < 10
