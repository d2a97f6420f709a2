"""local_control_plane.sts: the local STS verifies EKS tokens' SigV4 signatures as STS does, over real HTTPS.

Tokens are made by the project's own TokenGenerator with a boto3 STS client holding the local keys (its endpoint
stays https://sts.<region>.amazonaws.com, so the presigned host is the real name); the decoded URL is then sent
to the server on 127.0.0.1 with that name as TLS server name and Host header, as aws-iam-authenticator sends it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import os
import ssl
import stat
import subprocess
import sys
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import boto3.session
import pytest
import urllib3
from cryptography import x509

from functions.kube.eks_auth import CLUSTER_ID_HEADER, TOKEN_PREFIX, TokenGenerator
from local_control_plane.sts import LocalSts, StsInputError, StsServer, serving_certificate

REGION = "eu-west-1"
OTHER_REGION = "us-east-1"
ACCOUNT = "111122223333"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/team/karmada-admins"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"


class Clock:
    """A settable clock for the server (and the registry): real time plus an offset."""

    def __init__(self) -> None:
        self.offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sts(tmp_path, clock) -> LocalSts:
    return LocalSts(tmp_path, clock=clock)


@pytest.fixture
def server(tmp_path, sts, clock):
    certificate = serving_certificate(tmp_path, [REGION, OTHER_REGION])
    running = StsServer(sts, [REGION, OTHER_REGION], certificate, "127.0.0.1", 0, clock=clock).start()
    yield running
    running.stop()


def token(credentials: dict, cluster_id: str, region: str = REGION) -> str:
    session = boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials.get("SessionToken"), region_name=region)
    client = session.client("sts", region_name=region, endpoint_url=f"https://sts.{region}.amazonaws.com")
    return TokenGenerator(client, cluster_id)()


def presigned_url(bearer: str) -> str:
    payload = bearer.removeprefix(TOKEN_PREFIX)
    return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()


def ask(server: StsServer, url: str, cluster_id: str, accept: str = "application/json",
        host: str | None = None) -> urllib3.BaseHTTPResponse:
    """GET the presigned URL as aws-iam-authenticator does: its own cluster id header, JSON wanted."""
    parts = urllib.parse.urlsplit(url)
    host = host or parts.netloc
    context = ssl.create_default_context(cadata=server.certificate.ca_pem.decode())
    pool = urllib3.HTTPSConnectionPool("127.0.0.1", server.port, ssl_context=context, server_hostname=host,
                                       assert_hostname=host, retries=False)
    try:
        return pool.request("GET", f"{parts.path}?{parts.query}", redirect=False,
                            headers={"Host": host, CLUSTER_ID_HEADER: cluster_id, "accept": accept})
    finally:
        pool.close()


def with_parameter(url: str, name: str, value: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    query[name] = value
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def error_code(response: urllib3.BaseHTTPResponse) -> str:
    body = json.loads(response.data)
    # STS's JSON error document, exactly these keys.
    assert set(body) == {"Error", "RequestId"} and set(body["Error"]) == {"Code", "Message", "Type"}
    assert body["Error"]["Type"] == "Sender"
    return body["Error"]["Code"]


# ------------------------------------------------------------------------------- answered identities


def test_a_role_session_is_answered_with_its_assumed_role_identity(server, sts):
    credentials = sts.role_session(ROLE, "deployer")
    assert credentials["AccessKeyId"].startswith("ASIA") and len(credentials["AccessKeyId"]) == 20
    assert credentials["Expiration"] > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=59)
    response = ask(server, presigned_url(token(credentials, "karmada-a")), "karmada-a")
    assert response.status == 200, response.data
    assert response.headers["Content-Type"] == "application/json"
    body = json.loads(response.data)
    # The shape aws-iam-authenticator's getCallerIdentityWrapper unmarshals, key for key.
    assert set(body) == {"GetCallerIdentityResponse"}
    assert set(body["GetCallerIdentityResponse"]) == {"GetCallerIdentityResult", "ResponseMetadata"}
    assert set(body["GetCallerIdentityResponse"]["ResponseMetadata"]) == {"RequestId"}
    result = body["GetCallerIdentityResponse"]["GetCallerIdentityResult"]
    assert set(result) == {"Account", "Arn", "UserId"}
    assert result["Account"] == ACCOUNT
    assert result["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/karmada-admins/deployer"
    role_id, session = result["UserId"].split(":")
    assert role_id.startswith("AROA") and session == "deployer"
    # Another session of the same role: new keys, the same role id.
    again = sts.role_session(ROLE, "e2e")
    assert again["AccessKeyId"] != credentials["AccessKeyId"]
    second = json.loads(ask(server, presigned_url(token(again, "karmada-a")), "karmada-a").data)
    assert second["GetCallerIdentityResponse"]["GetCallerIdentityResult"]["UserId"] == f"{role_id}:e2e"


def test_a_user_is_answered_with_its_user_identity(server, sts):
    credentials = sts.user(USER)
    assert credentials["AccessKeyId"].startswith("AKIA") and "SessionToken" not in credentials
    assert sts.user(USER) == credentials  # a user keeps its access key
    response = ask(server, presigned_url(token(credentials, "karmada-a")), "karmada-a")
    assert response.status == 200, response.data
    result = json.loads(response.data)["GetCallerIdentityResponse"]["GetCallerIdentityResult"]
    assert result["Arn"] == USER and result["Account"] == ACCOUNT
    assert result["UserId"].startswith("AIDA") and ":" not in result["UserId"]


def test_without_accept_json_the_answer_is_sts_xml(server, sts):
    credentials = sts.role_session(ROLE, "xml")
    response = ask(server, presigned_url(token(credentials, "c")), "c", accept="*/*")
    assert response.status == 200 and response.headers["Content-Type"] == "text/xml"
    ns = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/"}
    root = ET.fromstring(response.data)
    arn = root.findtext("sts:GetCallerIdentityResult/sts:Arn", namespaces=ns)
    assert arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/karmada-admins/xml"
    bad = ask(server, with_parameter(presigned_url(token(credentials, "c")), "X-Amz-Signature", "0" * 64), "c",
              accept="*/*")
    assert bad.status == 403 and ET.fromstring(bad.data).findtext("sts:Error/sts:Code", namespaces=ns) == \
        "SignatureDoesNotMatch"


# ------------------------------------------------------------------------------- refusals


def test_a_token_for_another_cluster_does_not_match(server, sts):
    credentials = sts.role_session(ROLE, "deployer")
    response = ask(server, presigned_url(token(credentials, "karmada-a")), "karmada-b")
    assert response.status == 403 and error_code(response) == "SignatureDoesNotMatch"


def test_a_changed_signature_or_parameter_does_not_match(server, sts):
    url = presigned_url(token(sts.role_session(ROLE, "deployer"), "c"))
    signature = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["X-Amz-Signature"]
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    for changed in (with_parameter(url, "X-Amz-Signature", flipped), with_parameter(url, "X-Amz-Expires", "900")):
        response = ask(server, changed, "c")
        assert response.status == 403 and error_code(response) == "SignatureDoesNotMatch"


def test_an_unknown_access_key_is_an_invalid_client_token(server, sts):
    made_up = {"AccessKeyId": "AKIAAAAAAAAAAAAAAAAA", "SecretAccessKey": "x" * 40}
    response = ask(server, presigned_url(token(made_up, "c")), "c")
    assert response.status == 403 and error_code(response) == "InvalidClientTokenId"


def test_a_session_token_must_be_the_keys_own(server, sts):
    mine, other = sts.role_session(ROLE, "mine"), sts.role_session(ROLE, "other")
    # Signed with the right secret but another session's token: the signature is fine, the token is not.
    swapped = dict(mine, SessionToken=other["SessionToken"])
    response = ask(server, presigned_url(token(swapped, "c")), "c")
    assert response.status == 403 and error_code(response) == "InvalidClientTokenId"
    without = {k: v for k, v in mine.items() if k != "SessionToken"}
    assert error_code(ask(server, presigned_url(token(without, "c")), "c")) == "InvalidClientTokenId"
    # A user's long-term key takes no session token.
    user_with_token = dict(sts.user(USER), SessionToken=mine["SessionToken"])
    assert error_code(ask(server, presigned_url(token(user_with_token, "c")), "c")) == "InvalidClientTokenId"


def test_the_credential_scope_must_name_the_hosts_region(server, sts):
    credentials = sts.role_session(ROLE, "deployer")
    url = presigned_url(token(credentials, "c", region=OTHER_REGION))
    # Signed for us-east-1, sent to eu-west-1's name (both served here).
    response = ask(server, url, "c", host=f"sts.{REGION}.amazonaws.com")
    assert response.status == 403 and error_code(response) == "SignatureDoesNotMatch"
    assert "region" in json.loads(response.data)["Error"]["Message"]
    assert ask(server, url, "c").status == 200


def test_a_name_not_served_is_refused(server, sts):
    url = presigned_url(token(sts.role_session(ROLE, "deployer"), "c"))
    context = ssl.create_default_context(cadata=server.certificate.ca_pem.decode())
    pool = urllib3.HTTPSConnectionPool("127.0.0.1", server.port, ssl_context=context,
                                       server_hostname=f"sts.{REGION}.amazonaws.com",
                                       assert_hostname=f"sts.{REGION}.amazonaws.com", retries=False)
    parts = urllib.parse.urlsplit(url)
    response = pool.request("GET", f"/?{parts.query}", headers={"Host": "sts.ap-south-1.amazonaws.com",
                                                                CLUSTER_ID_HEADER: "c", "accept": "application/json"})
    assert response.status == 421 and error_code(response) == "MisdirectedRequest"


def test_a_presigned_url_is_good_for_15_minutes_whatever_x_amz_expires_says(server, sts, clock):
    url = presigned_url(token(sts.role_session(ROLE, "deployer"), "c"))
    assert dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["X-Amz-Expires"] == "60"
    clock.offset = dt.timedelta(minutes=14)  # STS ignores X-Amz-Expires: kubectl's cached tokens still work
    assert ask(server, url, "c").status == 200
    clock.offset = dt.timedelta(minutes=16)
    response = ask(server, url, "c")
    assert response.status == 403 and error_code(response) == "SignatureDoesNotMatch"
    assert json.loads(response.data)["Error"]["Message"].startswith("Signature expired")
    clock.offset = -dt.timedelta(minutes=6)  # signed in the server's future
    assert error_code(ask(server, url, "c")) == "SignatureDoesNotMatch"


def test_a_url_signed_after_its_session_expired_is_an_expired_token(server, sts, clock):
    clock.offset = -dt.timedelta(hours=2)
    credentials = sts.role_session(ROLE, "old", duration_seconds=3600)  # expired an hour ago
    clock.offset = dt.timedelta()
    response = ask(server, presigned_url(token(credentials, "c")), "c")
    assert response.status == 403 and error_code(response) == "ExpiredToken"


def test_missing_auth_parameters_and_other_actions_are_refused(server, sts):
    url = presigned_url(token(sts.role_session(ROLE, "deployer"), "c"))
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    del query["X-Amz-Signature"]
    response = ask(server, urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query))), "c")
    assert response.status == 400 and error_code(response) == "IncompleteSignature"
    bare = ask(server, "https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15", "c")
    assert bare.status == 403 and error_code(bare) == "MissingAuthenticationToken"


def test_nothing_secret_is_logged(server, sts, caplog):
    caplog.set_level(logging.INFO, logger="local_control_plane.sts")
    credentials = sts.role_session(ROLE, "deployer")
    url = presigned_url(token(credentials, "c"))
    ask(server, url, "c")
    ask(server, url, "other")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    text = caplog.text
    assert "assumed-role/karmada-admins/deployer" in text and "SignatureDoesNotMatch" in text
    for secret in (credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"],
                   query["X-Amz-Signature"]):
        assert secret not in text


# ------------------------------------------------------------------------------- registry and certificate


def test_the_registry_is_one_private_file_shared_by_processes(tmp_path, sts):
    credentials = sts.role_session(ROLE, "deployer")
    user = sts.user(USER)
    path = tmp_path / "sts" / "principals.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    other = LocalSts(tmp_path)  # e.g. the e2e process, or the server after a restart
    assert other.user(USER) == user
    principal = other.principal(credentials["AccessKeyId"])
    assert principal is not None and principal.session_token == credentials["SessionToken"]
    assert other.principal("ASIANOTISSUEDHERE000") is None


@pytest.mark.parametrize(("call", "field"), [
    (lambda s: s.role_session(USER, "x1"), "role_arn"),
    (lambda s: s.role_session("karmada-admins", "x1"), "role_arn"),
    (lambda s: s.role_session(ROLE, "a b"), "session_name"),
    (lambda s: s.role_session(ROLE, "ok", duration_seconds=60), "duration_seconds"),
    (lambda s: s.user(ROLE), "user_arn"),
])
def test_malformed_principals_name_the_field(sts, call, field):
    with pytest.raises(StsInputError) as err:
        call(sts)
    assert str(err.value).startswith(field) and "\n" not in str(err.value)


def test_the_serving_certificate_keeps_its_ca_and_follows_the_regions(tmp_path):
    first = serving_certificate(tmp_path, [REGION])
    leaf = x509.load_pem_x509_certificate(first.cert_pem)
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == [f"sts.{REGION}.amazonaws.com"]
    assert stat.S_IMODE((tmp_path / "sts" / "tls.key").stat().st_mode) == 0o600
    assert serving_certificate(tmp_path, [REGION]) == first  # unchanged: the same files
    wider = serving_certificate(tmp_path, [REGION, OTHER_REGION])
    assert wider.ca_pem == first.ca_pem and wider.cert_pem != first.cert_pem
    names = x509.load_pem_x509_certificate(wider.cert_pem).extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert sorted(names.get_values_for_type(x509.DNSName)) == [f"sts.{r}.amazonaws.com" for r in sorted(
        [REGION, OTHER_REGION])]
    with pytest.raises(StsInputError, match="^region"):
        serving_certificate(tmp_path, ["EU_WEST"])


# ------------------------------------------------------------------------------- aws-iam-authenticator's own code

CHECK = Path(__file__).with_name("sts_check")


@pytest.fixture(scope="module")
def authenticator(tmp_path_factory) -> Path:
    """tests/local/sts_check built with the venv's Go from the module cache (offline); skipped without them."""
    go = Path(sys.prefix) / "bin" / "go"
    if not go.exists():
        pytest.skip(f"no Go toolchain at {go} (make local installs it)")
    out = tmp_path_factory.mktemp("sts-check") / "sts_check"
    env = dict(os.environ, CGO_ENABLED="0", GOFLAGS="-mod=readonly -buildvcs=false", GOTOOLCHAIN="local",
               GOPROXY="off")
    done = subprocess.run([str(go), "build", "-trimpath", "-o", str(out), "."], cwd=CHECK, env=env,
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0 and "GOPROXY=off" in done.stderr:
        pytest.skip("aws-iam-authenticator v0.7.10 is not in the Go module cache (make local fetches it)")
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def go_verify(authenticator: Path, server: StsServer, tmp_path: Path, bearer: str, cluster_id: str) -> dict:
    """The identity aws-iam-authenticator's verifier resolves for ``bearer`` through the local STS."""
    ca = tmp_path / "sts-ca.pem"
    ca.write_bytes(server.certificate.ca_pem)
    done = subprocess.run([str(authenticator), "verify", cluster_id, REGION, f"127.0.0.1:{server.port}"],
                          input=bearer + "\n", capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, SSL_CERT_FILE=str(ca)))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def go_token(authenticator: Path, credentials: dict, cluster_id: str) -> str:
    """A token made by aws-iam-authenticator's generator (the Go SDK's presigner) from ``credentials``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"AWS_ACCESS_KEY_ID": credentials["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials.get("SessionToken", "")}
    done = subprocess.run([str(authenticator), "generate", cluster_id, REGION], capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_authenticators_verifier_resolves_our_tokens(authenticator, server, sts, tmp_path):
    credentials = sts.role_session(ROLE, "deployer")
    identity = go_verify(authenticator, server, tmp_path, token(credentials, "karmada-a"), "karmada-a")
    assert "error" not in identity, identity
    assert identity["ARN"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/karmada-admins/deployer"
    assert identity["CanonicalARN"] == f"arn:aws:iam::{ACCOUNT}:role/karmada-admins"
    assert identity["AccountID"] == ACCOUNT and identity["SessionName"] == "deployer"
    assert identity["UserID"].startswith("AROA") and identity["STSEndpoint"] == f"sts.{REGION}.amazonaws.com"
    refused = go_verify(authenticator, server, tmp_path, token(credentials, "karmada-a"), "karmada-b")
    assert "SignatureDoesNotMatch" in refused["error"] and "expected 200, got 403" in refused["error"]


def test_tokens_of_the_authenticators_generator_are_answered(authenticator, server, sts, tmp_path):
    for credentials, arn in ((sts.role_session(ROLE, "go"), f"arn:aws:sts::{ACCOUNT}:assumed-role/karmada-admins/go"),
                             (sts.user(USER), USER)):
        bearer = go_token(authenticator, credentials, "karmada-a")
        identity = go_verify(authenticator, server, tmp_path, bearer, "karmada-a")
        assert identity.get("ARN") == arn, identity
        response = ask(server, presigned_url(bearer), "karmada-a")
        assert response.status == 200, response.data
