"""The two ways a handler reaches an API server: the parent EKS cluster, and a Karmada API server pod."""

from __future__ import annotations

from .client import Urllib3Transport
from .connection import TlsMaterial, karmada_api_transport
from .eks_auth import TokenGenerator, describe_cluster


def eks_transport(cluster_name: str) -> Urllib3Transport:
    """The EKS API of `cluster_name` (its CA, a fresh IAM token per request), with the Lambda's credentials."""
    import boto3.session  # the Lambda runtime has it; imported late so unit tests need no AWS setup

    session = boto3.session.Session()
    cluster = describe_cluster(session.client("eks"), cluster_name)
    tokens = TokenGenerator(session.client("sts"), cluster_name)
    return Urllib3Transport(cluster.host, cluster.port, ca_pem=cluster.ca_pem, token_provider=tokens)


def karmada_pod_transport(address: str, port: int, tls: TlsMaterial, server_name: str) -> Urllib3Transport:
    """One karmada-apiserver pod, dialled by address, checked against the Service's name, with the client cert."""
    return karmada_api_transport(address, port, tls, server_name)
