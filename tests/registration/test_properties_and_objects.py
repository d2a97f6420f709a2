"""ResourceProperties parsing, the certificate reader, and the object builders."""

from __future__ import annotations

import base64
import datetime
import json

import pytest

from functions.member_registration import objects as obj
from functions.member_registration.certinfo import read_certificate
from functions.member_registration.errors import CertificateFormatError, PropertiesError, RegistrationError
from functions.member_registration.handler import handle
from functions.member_registration.properties import Properties
from tests.fakes.pki import make_pki
from tests.registration.conftest import KARMADA_URL, make_event, make_props


def test_defaults_and_types():
    props = Properties.parse(make_props("Pull", ApiServerServerName=None, AdminSecretNamespace=None, Labels=None,
                                        Zones=None, FieldManager=None))
    assert props.api_server_server_name == "karmada-apiserver.karmada-system.svc.cluster.local"
    assert props.admin_secret_namespace == "karmada-system" and props.agent_credential_namespace == "karmada-system"
    assert props.field_manager == "eks-karmada"
    assert props.zones == () and props.labels == ()
    assert (props.agent_namespace, props.agent_kubeconfig_key, props.agent_deployment) == (
        "karmada-system", "karmada-kubeconfig", "karmada-agent")
    assert (props.agent_wait_seconds, props.delete_wait_seconds) == (300, 300)
    assert props.token_lifetime_seconds == 7 * 24 * 3600 and props.token_consumers == ("karmada-controller-manager",)
    assert props.karmada_api_server_url == KARMADA_URL


def test_json_values_may_arrive_as_lists_and_objects():
    props = Properties.parse(make_props(Zones=["a", "b"], Labels={"x": "y"}))
    assert props.zones == ("a", "b") and props.label_map == {"x": "y"}


@pytest.mark.parametrize(("override", "message"), [
    ({"MemberName": "Member_1"}, "MemberName 'Member_1' is not a valid Karmada cluster name"),
    ({"MemberName": "m" * 49}, "at most 48 characters"),
    ({"MemberName": None}, "MemberName is required"),
    ({"SyncMode": "push"}, 'SyncMode must be "Push" or "Pull"'),
    ({"Zones": "us-west-2a"}, "Zones is not valid JSON"),
    ({"Zones": '{"a": 1}'}, "Zones must be a JSON list"),
    ({"Labels": '["a"]'}, "Labels must be a JSON object"),
    ({"Labels": '{"a": 1}'}, "Labels must be a JSON object of string keys and string values"),
    ({"JoinRoleArn": "eks-karmada-join"}, "JoinRoleArn 'eks-karmada-join' is not an IAM role ARN"),
    ({"MemberRegion": "Oregon"}, "MemberRegion 'Oregon' is not an AWS region name"),
    ({"MemberClusterName": ""}, "MemberClusterName is required"),
    ({"ApiServerPort": "https"}, "ApiServerPort must be a number"),
    ({"DeleteWaitSeconds": "-1"}, "DeleteWaitSeconds must be a non-negative number"),
    ({"TokenLifetimeSeconds": "3600"}, "TokenLifetimeSeconds must be between 7200"),
    ({"TokenLifetimeSeconds": str(91 * 86400)}, "days., not '7862400'"),
    ({"TokenConsumers": '"karmada-controller-manager"'}, "TokenConsumers must be a JSON list of Deployment names"),
    ({"TokenConsumers": '["Karmada Search"]'}, "TokenConsumers must be a JSON list of Deployment names"),
])
def test_invalid_properties_are_named(override, message):
    with pytest.raises(PropertiesError, match=message.replace("(", r"\(").replace("[", r"\[")):
        Properties.parse(make_props(**override))


@pytest.mark.parametrize(("override", "message"), [
    ({"AgentCredentialSecret": None}, "AgentCredentialSecret is required when SyncMode is Pull"),
    ({"KarmadaApiServerUrl": None}, "KarmadaApiServerUrl is required when SyncMode is Pull"),
    ({"KarmadaApiServerUrl": "http://karmada:443"}, "KarmadaApiServerUrl must be https://<host>"),
    ({"KarmadaApiServerUrl": "https://karmada/api"}, "KarmadaApiServerUrl must be https://<host>"),
])
def test_pull_needs_the_agent_credential_and_a_url(override, message):
    with pytest.raises(PropertiesError, match=message):
        Properties.parse(make_props("Pull", **override))


def test_invalid_properties_fail_create_before_any_call(harness):
    with pytest.raises(RegistrationError, match="^MemberName is required$"):
        harness.run(make_event("Create", make_props(MemberName=None)))
    assert harness.aws.clients == [] and harness.parent.requests == []


def test_unknown_request_type():
    with pytest.raises(RegistrationError, match="unknown RequestType 'Refresh'"):
        handle({"RequestType": "Refresh"}, None, runtime=None)


def test_certificate_reader_reads_subject_issuer_and_expiry():
    pki = make_pki(client_cn="system:karmada:agent:m1", client_org="system:karmada:agents", ca_cn="karmada-client-ca")
    info = read_certificate(pki.client.cert_pem)
    assert info.common_name == "system:karmada:agent:m1"
    assert info.organizations == ("system:karmada:agents",)
    assert info.issuer_common_name == "karmada-client-ca"
    assert info.not_after > datetime.datetime.now(datetime.UTC)
    # a bundle: the first certificate counts
    assert read_certificate(pki.client.cert_pem + pki.ca.cert_pem).common_name == "system:karmada:agent:m1"


@pytest.mark.parametrize("pem", [b"", b"not a pem", b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
                                 b"-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n"])
def test_certificate_reader_rejects_garbage(pem):
    with pytest.raises(CertificateFormatError):
        read_certificate(pem)


def test_kubeconfig_has_one_consistent_context():
    config = json.loads(obj.agent_kubeconfig("https://k:443", b"CA", b"CERT", b"KEY"))
    assert config["current-context"] == config["contexts"][0]["name"]
    ctx = config["contexts"][0]["context"]
    assert ctx == {"cluster": config["clusters"][0]["name"], "user": config["users"][0]["name"]}
    assert base64.b64decode(config["users"][0]["user"]["client-key-data"]) == b"KEY"


def test_member_side_names_follow_karmadactl():
    assert obj.member_service_account("m1") == "karmada-m1"
    assert obj.member_cluster_role("m1") == "karmada-controller-manager:karmada-m1"
    assert obj.impersonator_secret("m1") == "m1-impersonator"
    assert obj.execution_space("m1") == "karmada-es-m1"
    assert obj.agent_role_names("m1") == ("system:karmada:m1:agent", "system:karmada:m1:agent-secret",
                                          "system:karmada:m1:agent-work")
