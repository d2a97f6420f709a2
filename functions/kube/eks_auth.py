"""Reaching an EKS cluster's own API: its endpoint and CA (describe_cluster) and a bearer token.

The token is the one ``aws eks get-token`` makes: a presigned STS GetCallerIdentity URL whose
signature covers the ``x-k8s-aws-id: <cluster name>`` header, base64url-encoded without padding
and prefixed with ``k8s-aws-v1.``. EKS resolves it to the Lambda's IAM role (access entry).
"""

from __future__ import annotations

import base64
import contextvars
import urllib.parse
from dataclasses import dataclass
from typing import Any

from .errors import ClusterNotFoundError

TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_ID_HEADER = "x-k8s-aws-id"
TOKEN_EXPIRES_SECONDS = 60
# The cluster id of the token being signed right now. One STS client may sign tokens for several clusters (the
# CLI's for the parent EKS cluster and for the Karmada API): each signature must carry its own id, and a plain
# GetCallerIdentity call on that client none.
_SIGNING_FOR: contextvars.ContextVar[str | None] = contextvars.ContextVar("x_k8s_aws_id", default=None)


@dataclass(frozen=True)
class ClusterEndpoint:
    """Where an EKS cluster's API server is and which CA signs its certificate."""

    name: str
    endpoint: str
    ca_pem: bytes

    @property
    def host(self) -> str:
        return urllib.parse.urlsplit(self.endpoint).hostname or ""

    @property
    def port(self) -> int:
        return urllib.parse.urlsplit(self.endpoint).port or 443


def describe_cluster(eks_client: Any, cluster_name: str) -> ClusterEndpoint:
    """Endpoint and CA of ``cluster_name`` (needs eks:DescribeCluster)."""
    try:
        cluster = eks_client.describe_cluster(name=cluster_name)["cluster"]
    except eks_client.exceptions.ResourceNotFoundException as err:
        raise ClusterNotFoundError(f"EKS cluster {cluster_name!r} not found") from err
    endpoint = cluster.get("endpoint")
    ca_data = (cluster.get("certificateAuthority") or {}).get("data")
    if not endpoint or not ca_data:
        status = cluster.get("status", "UNKNOWN")
        raise RuntimeError(f"EKS cluster {cluster_name!r} has no endpoint or CA yet (status {status})")
    return ClusterEndpoint(cluster_name, endpoint, base64.b64decode(ca_data))


class TokenGenerator:
    """Makes EKS bearer tokens for one cluster id from an STS client (signing is local: no call).

    The same kind of token authenticates to the Karmada API (aws-iam-authenticator), made for its own cluster id.
    """

    def __init__(self, sts_client: Any, cluster_name: str) -> None:
        self._sts = sts_client
        self._cluster_name = cluster_name
        # The header must be on the request before it is signed, so that the signature covers
        # it: EKS checks that the token was made for this cluster. One handler per client, shared
        # by every generator on it; it adds the id of the token being made (see _SIGNING_FOR).
        sts_client.meta.events.register(
            "before-sign.sts.GetCallerIdentity", _add_cluster_header, unique_id="eks-karmada-k8s-aws-id"
        )

    @property
    def cluster_name(self) -> str:
        """The cluster id the tokens are signed for."""
        return self._cluster_name

    def __call__(self) -> str:
        signing = _SIGNING_FOR.set(self._cluster_name)
        try:
            url = self._sts.generate_presigned_url(
                "get_caller_identity",
                Params={},
                ExpiresIn=TOKEN_EXPIRES_SECONDS,
                HttpMethod="GET",
            )
        finally:
            _SIGNING_FOR.reset(signing)
        encoded = base64.urlsafe_b64encode(url.encode("utf-8")).decode("ascii").rstrip("=")
        return TOKEN_PREFIX + encoded


def _add_cluster_header(request: Any, **_: Any) -> None:
    cluster = _SIGNING_FOR.get()
    if cluster is not None:
        request.headers[CLUSTER_ID_HEADER] = cluster
