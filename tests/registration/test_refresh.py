"""The daily agent certificate refresh of a Pull member (functions/member_registration/refresh.py)."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from functions.member_registration import refresh
from functions.member_registration.errors import RegistrationError
from tests.fakes.kube_api import FakeResponse
from tests.fakes.pki import KeyPair
from tests.registration.conftest import (
    AGENT_SECRET,
    MEMBER,
    PARENT,
    agent_deployment,
    make_event,
    make_props,
    secret_values_in,
    tls_secret,
)

KUBECONFIG_PATH = "/api/v1/namespaces/karmada-system/secrets/karmada-kubeconfig"
DEPLOYMENT_PATH = "/apis/apps/v1/namespaces/karmada-system/deployments/karmada-agent"


def agent_pair(days: int) -> KeyPair:
    """An agent certificate (CN/O as the agent's RBAC names it) valid for ``days`` from now."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"system:karmada:agent:{MEMBER}"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:karmada:agents")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=2))
            .not_valid_after(now + datetime.timedelta(days=days)).sign(key, hashes.SHA256()))
    return KeyPair(cert.public_bytes(serialization.Encoding.PEM),
                   key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))


def serial_of(pair: KeyPair) -> str:
    return format(x509.load_pem_x509_certificate(pair.cert_pem).serial_number, "x")


def issue(harness, pair: KeyPair) -> None:
    """cert-manager (re)issues the agent's Secret in the parent."""
    harness.parent.put(tls_secret(AGENT_SECRET, pair, harness.karmada_pki.ca.cert_pem))


def member_cert(harness) -> bytes:
    secret = harness.member.get("v1", "Secret", "karmada-kubeconfig", "karmada-system")
    config = json.loads(base64.b64decode(secret["data"]["karmada-kubeconfig"]))
    return base64.b64decode(config["users"][0]["user"]["client-certificate-data"])


def pod_annotations(harness) -> dict:
    deployment = harness.member.get("apps/v1", "Deployment", "karmada-agent", "karmada-system")
    return deployment["spec"]["template"]["metadata"].get("annotations") or {}


@pytest.fixture
def registered(harness):
    """A Pull member registered with a 60-day certificate, its agent running."""
    first = agent_pair(60)
    issue(harness, first)
    harness.member.put(agent_deployment())
    harness.agent_registers_after(sleeps=0)
    harness.run(make_event("Create", make_props("Pull")))
    harness.first = first
    harness.member.requests.clear()
    harness.karmada.requests.clear()
    return harness


class AgentIdentity:
    """Wraps the Karmada transport: records the client certificates used, refuses the ones in ``refused``.

    The registrar's own requests carry its role's tokens (no certificate): those pass through.
    """

    def __init__(self, harness) -> None:
        self.harness = harness
        self.certificates: list[bytes] = []
        self.refused: set[bytes] = set()

    def __call__(self, address, port, tls, server_name):
        inner = self.harness._karmada_transport(address, port, tls, server_name)
        certificate = getattr(tls, "cert_pem", None)
        if certificate is not None:
            self.certificates.append(certificate)

        def transport(method, path, headers, body):
            if certificate in self.refused:
                status = {"kind": "Status", "status": "Failure", "reason": "Unauthorized", "code": 401,
                          "message": "Unauthorized"}
                return FakeResponse(401, {"Content-Type": "application/json"}, json.dumps(status).encode())
            return inner(method, path, headers, body)

        return transport


def run_refresh(harness, identity: AgentIdentity | None = None, **props) -> dict:
    runtime = harness.runtime()
    if identity is not None:
        runtime = dataclasses.replace(runtime, karmada_transport=identity)
    event = {k: v for k, v in make_props("Pull", **props).items() if k != "ServiceToken"}  # the schedule's Input
    return refresh.handle(event, None, runtime)


def test_the_same_certificate_is_left_alone(registered):
    result = run_refresh(registered)

    assert result["Action"] == "Unchanged" and result["Serial"] == serial_of(registered.first)
    assert registered.member.requests_matching("PATCH") == []
    assert member_cert(registered) == registered.first.cert_pem


def test_a_renewed_certificate_is_checked_written_and_the_agent_restarted(registered, caplog):
    renewed = agent_pair(90)
    issue(registered, renewed)
    identity = AgentIdentity(registered)

    result = run_refresh(registered, identity)

    assert result["Action"] == "Refreshed" and result["Serial"] == serial_of(renewed)
    assert member_cert(registered) == renewed.cert_pem
    # Karmada was asked, as the agent with the new certificate, before the member got it
    assert renewed.cert_pem in identity.certificates
    assert registered.karmada.requests_matching("GET", f"/clusters/{MEMBER}$")
    secret = registered.member.get("v1", "Secret", "karmada-kubeconfig", "karmada-system")
    assert secret["metadata"]["annotations"]["eks-karmada.io/registration"] == f"{PARENT}/{MEMBER}"
    assert pod_annotations(registered)["eks-karmada.io/agent-certificate"] == serial_of(renewed)
    writes = [r.path for r in registered.member.requests if r.method == "PATCH"]
    assert writes == [KUBECONFIG_PATH, DEPLOYMENT_PATH], "the Secret first, then the restart"
    # ... then it waited for the Cluster to be Ready again
    assert registered.karmada.requests[-1].method == "GET" and registered.karmada.requests[-1].path.endswith(MEMBER)
    assert secret_values_in(caplog.text, registered) == []


def test_a_registration_update_after_a_refresh_restarts_nothing(registered):
    issue(registered, agent_pair(90))
    run_refresh(registered)
    before = pod_annotations(registered)
    registered.member.requests.clear()

    registered.run(make_event("Update", make_props("Pull"), old_props=make_props("Pull")))

    assert registered.member.requests_matching("PATCH") == [] and pod_annotations(registered) == before


def test_an_older_certificate_never_replaces_a_newer_one(registered, caplog):
    issue(registered, agent_pair(30))  # expires before the one the agent holds

    result = run_refresh(registered)

    assert result["Action"] == "KeptNewer" and result["Serial"] == serial_of(registered.first)
    assert member_cert(registered) == registered.first.cert_pem
    assert registered.member.requests_matching("PATCH") == []
    assert "never downgraded" in caplog.text


def test_a_certificate_karmada_refuses_never_reaches_the_member(registered):
    renewed = agent_pair(90)
    issue(registered, renewed)
    identity = AgentIdentity(registered)
    identity.refused.add(renewed.cert_pem)

    with pytest.raises(RegistrationError) as failure:
        run_refresh(registered, identity)

    message = str(failure.value)
    assert "\n" not in message and "refuses the renewed agent certificate" in message and "401" in message
    assert AGENT_SECRET in message
    assert member_cert(registered) == registered.first.cert_pem
    assert registered.member.requests_matching("PATCH") == []


def test_an_unreadable_kubeconfig_is_replaced(registered):
    secret = registered.member.get("v1", "Secret", "karmada-kubeconfig", "karmada-system")
    secret["data"]["karmada-kubeconfig"] = base64.b64encode(b"apiVersion: v1\nkind: Config\n").decode()
    registered.member.put(secret)

    assert run_refresh(registered)["Action"] == "Refreshed"
    assert member_cert(registered) == registered.first.cert_pem


def test_the_secret_of_another_registration_is_left_alone(registered):
    secret = registered.member.get("v1", "Secret", "karmada-kubeconfig", "karmada-system")
    secret["metadata"]["annotations"] = {"eks-karmada.io/registration": "other-parent/member-1"}
    registered.member.put(secret)
    issue(registered, agent_pair(90))

    with pytest.raises(RegistrationError, match="written by registration other-parent/member-1"):
        run_refresh(registered)
    assert registered.member.requests_matching("PATCH") == []


def test_no_secret_in_the_member_means_register_first(harness):
    issue(harness, agent_pair(90))
    with pytest.raises(RegistrationError) as failure:
        run_refresh(harness)
    message = str(failure.value)
    assert "\n" not in message
    assert "does not exist in the member" in message and f"KarmadaRegistration stack of {MEMBER}" in message
    assert harness.member.requests_matching("PATCH") == []


@pytest.mark.parametrize("event, expected", [
    ({k: v for k, v in make_props("Pull").items() if k != "MemberName"}, "credential refresh: MemberName is required"),
    (make_props("Pull", AgentCredentialSecret=""), "AgentCredentialSecret is required when SyncMode is Pull"),
    (make_event("Update", make_props("Pull")), "not a CloudFormation event"),
], ids=["no-member-name", "no-agent-secret", "cloudformation-event"])
def test_bad_events_fail_in_one_line(harness, event, expected):
    with pytest.raises(RegistrationError) as failure:
        refresh.handle(event, None, harness.runtime())
    message = str(failure.value)
    assert expected in message and "\n" not in message
    assert harness.member.requests == [] and harness.parent.requests == []


def test_an_expired_parent_certificate_is_an_error(registered):
    expired = agent_pair(-1)
    issue(registered, expired)
    with pytest.raises(RegistrationError, match="expired"):
        run_refresh(registered)
    assert member_cert(registered) == registered.first.cert_pem
