"""Reaching an EKS cluster's own API: its endpoint and CA (describe_cluster) and a bearer token.

The token is the one ``aws eks get-token`` makes: a presigned STS GetCallerIdentity URL whose
signature covers the ``x-k8s-aws-id: <cluster name>`` header, base64url-encoded without padding
and prefixed with ``k8s-aws-v1.``. EKS resolves it to the Lambda's IAM role (access entry).
"""

from __future__ import annotations

import base64
import urllib.parse
from dataclasses import dataclass
from typing import Any

from .errors import ClusterNotFoundError

TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_ID_HEADER = "x-k8s-aws-id"
TOKEN_EXPIRES_SECONDS = 60


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
    """Makes EKS bearer tokens for one cluster from an STS client (signing is local: no call)."""

    def __init__(self, sts_client: Any, cluster_name: str) -> None:
        self._sts = sts_client
        self._cluster_name = cluster_name
        # The header must be on the request before it is signed, so that the signature covers
        # it: EKS checks that the token was made for this cluster.
        sts_client.meta.events.register(
            "before-sign.sts.GetCallerIdentity",
            self._add_cluster_header,
            unique_id=f"eks-karmada-k8s-aws-id-{cluster_name}",
        )

    def _add_cluster_header(self, request: Any, **_: Any) -> None:
        request.headers[CLUSTER_ID_HEADER] = self._cluster_name

    def __call__(self) -> str:
        url = self._sts.generate_presigned_url(
            "get_caller_identity",
            Params={},
            ExpiresIn=TOKEN_EXPIRES_SECONDS,
            HttpMethod="GET",
        )
        encoded = base64.urlsafe_b64encode(url.encode("utf-8")).decode("ascii").rstrip("=")
        return TOKEN_PREFIX + encoded
