"""How a handler reaches an API server: the parent EKS cluster, a Karmada API server pod, and its IAM tokens for it."""

from __future__ import annotations

from collections.abc import Callable

from .client import Urllib3Transport
from .connection import KarmadaAuth, karmada_api_transport
from .eks_auth import TokenGenerator, describe_cluster


def eks_transport(cluster_name: str) -> Urllib3Transport:
    """The EKS API of `cluster_name` (its CA, a fresh IAM token per request), with the Lambda's credentials."""
    import boto3.session  # the Lambda runtime has it; imported late so unit tests need no AWS setup

    session = boto3.session.Session()
    cluster = describe_cluster(session.client("eks"), cluster_name)
    tokens = TokenGenerator(session.client("sts"), cluster_name)
    return Urllib3Transport(cluster.host, cluster.port, ca_pem=cluster.ca_pem, token_provider=tokens)


def karmada_pod_transport(address: str, port: int, auth: KarmadaAuth, server_name: str) -> Urllib3Transport:
    """One karmada-apiserver pod, dialled by address, checked against the Service's name, signed in as ``auth``."""
    return karmada_api_transport(address, port, auth, server_name)


def karmada_tokens(cluster_id: str) -> Callable[[], str]:
    """Tokens for the Karmada API's aws-iam-authenticator (cluster id ``cluster_id``), from the Lambda's own role.

    The token is signed locally with the function's credentials; the authenticator maps the role to its Karmada user.
    """
    import boto3.session  # late, as in eks_transport

    return TokenGenerator(boto3.session.Session().client("sts"), cluster_id)
