"""EKS access: bearer token format, describe_cluster, and the default parent-cluster wiring."""

from __future__ import annotations

import base64
import urllib.parse

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from functions.karmada_manifest import handler as handler_module
from functions.kube import transports
from functions.kube.eks_auth import (
    CLUSTER_ID_HEADER,
    ClusterEndpoint,
    TokenGenerator,
    describe_cluster,
)
from functions.kube.errors import ClusterNotFoundError

CA_PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@pytest.fixture
def session():
    return boto3.session.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="not-a-real-secret",
                                 region_name="eu-west-1")


def decode(token: str) -> urllib.parse.SplitResult:
    assert token.startswith("k8s-aws-v1.")
    payload = token[len("k8s-aws-v1."):]
    assert "=" not in payload and "+" not in payload and "/" not in payload  # base64url, no padding
    url = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    return urllib.parse.urlsplit(url)


def test_token_is_a_presigned_get_caller_identity_bound_to_the_cluster(session):
    token = TokenGenerator(session.client("sts"), "parent-1")()
    url = decode(token)
    query = dict(urllib.parse.parse_qsl(url.query))
    assert (url.scheme, url.hostname, url.path) == ("https", "sts.eu-west-1.amazonaws.com", "/")
    assert query["Action"] == "GetCallerIdentity" and query["Version"] == "2011-06-15"
    assert query["X-Amz-Expires"] == "60"
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert query["X-Amz-SignedHeaders"] == f"host;{CLUSTER_ID_HEADER}"  # the cluster name is signed
    assert query["X-Amz-Credential"].startswith("AKIDEXAMPLE/") and "/eu-west-1/sts/aws4_request" in query[
        "X-Amz-Credential"]
    assert "parent-1" not in url.query  # sent as a signed header, not in the URL


def test_token_signature_depends_on_the_cluster_name(session):
    a = dict(urllib.parse.parse_qsl(decode(TokenGenerator(session.client("sts"), "a")()).query))
    b = dict(urllib.parse.parse_qsl(decode(TokenGenerator(session.client("sts"), "b")()).query))
    if a["X-Amz-Date"] == b["X-Amz-Date"]:
        assert a["X-Amz-Signature"] != b["X-Amz-Signature"]


def test_describe_cluster_returns_endpoint_and_ca(session):
    eks = session.client("eks")
    with Stubber(eks) as stub:
        stub.add_response(
            "describe_cluster",
            {"cluster": {"name": "parent-1", "status": "ACTIVE",
                         "endpoint": "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com",
                         "certificateAuthority": {"data": base64.b64encode(CA_PEM).decode()}}},
            {"name": "parent-1"},
        )
        stub.add_client_error("describe_cluster", "ResourceNotFoundException", "No cluster found for name: gone.",
                              404, expected_params={"name": "gone"})
        stub.add_response("describe_cluster", {"cluster": {"name": "new", "status": "CREATING"}}, {"name": "new"})
        endpoint = describe_cluster(eks, "parent-1")
        with pytest.raises(ClusterNotFoundError, match="EKS cluster 'gone' not found"):
            describe_cluster(eks, "gone")
        with pytest.raises(RuntimeError, match="no endpoint or CA yet \\(status CREATING\\)"):
            describe_cluster(eks, "new")
    assert endpoint == ClusterEndpoint("parent-1", "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com", CA_PEM)
    assert (endpoint.host, endpoint.port) == ("abcdef.gr7.eu-west-1.eks.amazonaws.com", 443)  # DNS names are case-blind


def test_default_runtime_reaches_the_parent_cluster_with_a_fresh_token(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-real-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    built = {}

    class RecordingTransport:
        def __init__(self, host, port, **kwargs):
            built.update(host=host, port=port, **kwargs)

    monkeypatch.setattr(transports, "Urllib3Transport", RecordingTransport)
    with mock_aws():
        eks = boto3.client("eks")
        cluster = eks.create_cluster(name="parent-1", roleArn="arn:aws:iam::123456789012:role/eks",
                                     resourcesVpcConfig={"subnetIds": []})["cluster"]
        handler_module.Runtime.default().parent_transport("parent-1")
    assert built["host"] == urllib.parse.urlsplit(cluster["endpoint"]).hostname
    assert built["port"] == 443
    assert built["ca_pem"] == base64.b64decode(cluster["certificateAuthority"]["data"])
    token = built["token_provider"]()
    query = dict(urllib.parse.parse_qsl(decode(token).query))
    assert query["X-Amz-SignedHeaders"] == "host;x-k8s-aws-id"
    assert built["token_provider"]().startswith("k8s-aws-v1.")  # a token per request


def test_one_sts_client_signs_each_token_for_its_own_cluster(session):
    """The CLI signs tokens for the parent EKS cluster and for the Karmada API with one STS client."""
    from tests.fakes.iam_authenticator import signed_for

    sts = session.client("sts")
    parent, karmada = TokenGenerator(sts, "parent-1"), TokenGenerator(sts, "parent-1-karmada")
    for _ in range(2):
        assert signed_for(parent(), "parent-1", "not-a-real-secret")
        assert not signed_for(parent(), "parent-1-karmada", "not-a-real-secret")
        assert signed_for(karmada(), "parent-1-karmada", "not-a-real-secret")
        assert not signed_for(karmada(), "parent-1", "not-a-real-secret")


def test_plain_get_caller_identity_calls_carry_no_cluster_id(session):
    sts = session.client("sts")
    TokenGenerator(sts, "parent-1")
    sent = {}
    sts.meta.events.register("before-send.sts.GetCallerIdentity",
                             lambda request, **_: sent.update(request.headers) or _ok())
    sts.get_caller_identity()
    assert CLUSTER_ID_HEADER not in {k.lower() for k in sent}


def _ok():
    import botocore.awsrequest

    body = (b"<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/a</Arn>"
            b"<UserId>A</UserId><Account>123456789012</Account></GetCallerIdentityResult>"
            b"</GetCallerIdentityResponse>")
    return botocore.awsrequest.AWSResponse("https://sts", 200, {}, _Raw(body))


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_):
        yield self.body
