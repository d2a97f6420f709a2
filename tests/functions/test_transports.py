"""functions/kube/transports.py: how both handlers reach the parent's EKS API and a Karmada API server pod."""

from __future__ import annotations

import boto3.session

from functions.kube import connection, transports
from tests.fakes.recorder import Recorder


def test_eks_transport_reaches_the_named_cluster_with_its_ca_and_a_token(monkeypatch):
    calls = []

    class Session:
        def client(self, service):
            return f"{service}-client"

    cluster = type("Cluster", (), {"host": "abc.eks.amazonaws.com", "port": 443, "ca_pem": b"CA"})()
    monkeypatch.setattr(boto3.session, "Session", Session)
    monkeypatch.setattr(transports, "describe_cluster", Recorder("describe", calls, cluster))
    monkeypatch.setattr(transports, "TokenGenerator", Recorder("tokens", calls, "token-source"))
    monkeypatch.setattr(transports, "Urllib3Transport", Recorder("transport", calls))
    transports.eks_transport("parent-1")
    assert calls == [
        ("describe", ("eks-client", "parent-1"), {}),
        ("tokens", ("sts-client", "parent-1"), {}),
        ("transport", ("abc.eks.amazonaws.com", 443), {"ca_pem": b"CA", "token_provider": "token-source"}),
    ]


def test_karmada_pod_transport_dials_the_pod_with_the_admin_certificate_and_the_service_name(monkeypatch):
    calls = []
    monkeypatch.setattr(connection, "Urllib3Transport", Recorder("transport", calls))
    tls = connection.TlsMaterial(ca_pem=b"CA", cert_pem=b"CERT", key_pem=b"KEY")
    transports.karmada_pod_transport("10.0.1.10", 5443, tls, "karmada-apiserver.karmada-system.svc")
    assert calls == [("transport", ("10.0.1.10", 5443), {
        "ca_pem": b"CA", "server_hostname": "karmada-apiserver.karmada-system.svc",
        "client_cert_pem": b"CERT", "client_key_pem": b"KEY", "connect_timeout": 5.0})]


def test_karmada_api_transport_with_bearer_auth_sends_tokens_and_no_certificate(monkeypatch):
    calls = []
    monkeypatch.setattr(connection, "Urllib3Transport", Recorder("transport", calls))
    tokens = iter(["t1", "t2"]).__next__
    auth = connection.BearerAuth(ca_pem=b"CA", token_provider=tokens)
    connection.karmada_api_transport("karmada.example.com", 443, auth, connect_timeout=10.0)
    assert calls == [("transport", ("karmada.example.com", 443), {
        "ca_pem": b"CA", "server_hostname": None, "token_provider": tokens, "connect_timeout": 10.0})]
    assert repr(auth) == "BearerAuth(<redacted>)"
