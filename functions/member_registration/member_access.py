"""Reaching a member EKS cluster's API with the member account's join role.

The registrar Lambda assumes ``JoinRoleArn`` (RoleSessionName ``eks-karmada-registrar``, with
``JoinExternalId`` as ExternalId when given), describes
the member cluster with those credentials (endpoint + CA) and signs EKS bearer tokens with them, so
the member's access entry for the join role decides what the registrar may do there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..kube import eks_auth
from ..kube.errors import ClusterNotFoundError
from .errors import MemberAccessError

logger = logging.getLogger("member_registration.member_access")

ROLE_SESSION_NAME = "eks-karmada-registrar"
# Role chaining (Lambda role -> join role) caps a session at one hour; one invocation lasts < 15 min.
ASSUME_ROLE_SECONDS = 3600

# (service, region, credentials or None for the Lambda's own) -> boto3 client
AwsClientFactory = Callable[[str, str, dict | None], Any]
# (endpoint + CA, token provider) -> transport for KubeClient
MemberTransportFactory = Callable[[eks_auth.ClusterEndpoint, Callable[[], str]], Any]


@dataclass
class MemberEndpoint:
    """A member cluster's API: where it is, its CA, and a transport that authenticates as the join role."""

    endpoint: eks_auth.ClusterEndpoint
    transport: Any


def connect(
    *,
    cluster_name: str,
    region: str,
    role_arn: str,
    external_id: str = "",
    aws_client: AwsClientFactory,
    member_transport: MemberTransportFactory,
    remember_secret: Callable[[str], None],
) -> MemberEndpoint:
    """Assume the join role, describe the member cluster, and build its transport.

    ``remember_secret`` receives the temporary credentials' secret parts so error messages can be
    scrubbed of them (they are never logged).
    """
    from botocore.exceptions import BotoCoreError, ClientError  # the Lambda runtime has botocore

    sts = aws_client("sts", region, None)
    try:
        request: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": ROLE_SESSION_NAME,
                                   "DurationSeconds": ASSUME_ROLE_SECONDS}
        if external_id:  # the join role's trust requires it (confused-deputy protection; not a secret)
            request["ExternalId"] = external_id
        answer = sts.assume_role(**request)
    except ClientError as err:
        raise MemberAccessError(
            f"cannot assume JoinRoleArn {role_arn} (session {ROLE_SESSION_NAME}): {_client_error(err)} "
            "(the join role's trust policy must admit the registrar Lambda's role with this member's "
            "ExternalId, and that role needs sts:AssumeRole on the join role)"
        ) from None
    except BotoCoreError as err:
        raise MemberAccessError(f"cannot reach STS in {region} to assume {role_arn}: {err}") from None
    credentials = answer["Credentials"]
    remember_secret(credentials["SecretAccessKey"])
    remember_secret(credentials["SessionToken"])
    logger.info("assumed %s as %s", role_arn, (answer.get("AssumedRoleUser") or {}).get("Arn", "?"))

    eks = aws_client("eks", region, credentials)
    try:
        endpoint = eks_auth.describe_cluster(eks, cluster_name)
    except ClusterNotFoundError:
        raise MemberAccessError(f"EKS cluster {cluster_name!r} not found in {region}") from None
    except ClientError as err:
        raise MemberAccessError(
            f"cannot describe EKS cluster {cluster_name!r} in {region} as {role_arn}: {_client_error(err)} "
            "(the join role needs eks:DescribeCluster on it)"
        ) from None
    except BotoCoreError as err:
        raise MemberAccessError(f"cannot reach EKS in {region}: {err}") from None
    except RuntimeError as err:  # no endpoint or CA yet
        raise MemberAccessError(str(err)) from None
    tokens = eks_auth.TokenGenerator(aws_client("sts", region, credentials), cluster_name)
    logger.info("member EKS cluster %s (%s): %s", cluster_name, region, endpoint.endpoint)
    return MemberEndpoint(endpoint, member_transport(endpoint, tokens))


def _client_error(err: Any) -> str:
    error = (getattr(err, "response", None) or {}).get("Error") or {}
    return f"{error.get('Code', 'Error')}: {error.get('Message', str(err))}"
