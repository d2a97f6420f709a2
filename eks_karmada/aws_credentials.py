"""Whether AWS credentials work, asked once with sts:GetCallerIdentity before anything talks to AWS.

`make diff`, `make deploy` and `make destroy` check this first (eks_karmada/make_guard.py), so a
missing profile or an expired SSO session ends in one line that says what to do, not in CDK's
"Unable to resolve AWS account to use" after a whole synth.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from botocore import exceptions as boto

# Where to go next, on every credentials error.
NEXT = "then check everything with `.venv/bin/eks-karmada preflight`"


class CredentialsError(Exception):
    """No usable AWS credentials; the message is one line with the fix."""


@dataclass(frozen=True)
class Identity:
    """Who the credentials belong to (sts:GetCallerIdentity)."""

    account: str
    arn: str


def _profile_hint() -> str:
    profile = os.environ.get("AWS_PROFILE")
    return f"--profile {profile}" if profile else "--profile <name>"


def explain(err: Exception) -> str:
    """The one-line reason and fix for a failed GetCallerIdentity."""
    profile = _profile_hint()
    if isinstance(err, boto.ProfileNotFound):
        return (f"the AWS profile {os.environ.get('AWS_PROFILE', '')!r} (AWS_PROFILE) does not exist; "
                f"set AWS_PROFILE to one of `aws configure list-profiles`, {NEXT}")
    if isinstance(err, boto.NoCredentialsError):
        return ("no AWS credentials found; set AWS_PROFILE=<profile> (for SSO, first `aws sso login --profile "
                f"<profile>`) or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, {NEXT}")
    if isinstance(err, (boto.SSOTokenLoadError, boto.UnauthorizedSSOTokenError, boto.TokenRetrievalError)):
        return f"the AWS SSO session has expired or was never started; run `aws sso login {profile}`, {NEXT}"
    if isinstance(err, boto.ClientError):
        code = err.response.get("Error", {}).get("Code", "Unknown")
        if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
            return (f"the AWS credentials have expired ({code}); refresh them (`aws sso login {profile}`, or new "
                    f"keys for AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), {NEXT}")
        if code in ("InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch"):
            return (f"AWS rejected the access key ({code}); check AWS_PROFILE and AWS_ACCESS_KEY_ID/"
                    f"AWS_SECRET_ACCESS_KEY (an AWS_SESSION_TOKEN left from another session also causes this), {NEXT}")
        message = " ".join(str(err.response.get("Error", {}).get("Message", "")).split())
        return f"sts:GetCallerIdentity failed: {code}: {message}; check AWS_PROFILE, {NEXT}"
    if isinstance(err, (boto.EndpointConnectionError, boto.ConnectTimeoutError, boto.ProxyConnectionError)):
        return (f"cannot reach AWS STS ({' '.join(str(err).split())}); check the network, HTTPS_PROXY and "
                f"AWS_REGION, {NEXT}")
    return f"AWS credentials: {' '.join(str(err).split())}; check AWS_PROFILE, {NEXT}"


def check_credentials(sts: Any) -> Identity:
    """Ask STS who we are; raise CredentialsError with one line when the credentials do not work.

    Args:
        sts: a boto3 STS client (tests pass one wrapped in botocore's Stubber).
    """
    try:
        answer = sts.get_caller_identity()
    except (boto.BotoCoreError, boto.ClientError) as err:
        raise CredentialsError(explain(err)) from None
    return Identity(account=answer["Account"], arn=answer["Arn"])


def sts_client(region: str) -> Any:
    """An STS client of the usual credential chain (AWS_PROFILE, env keys, SSO, instance role) in ``region``.

    Building it can already fail (an unknown AWS_PROFILE): that is reported like a failed call.
    """
    import boto3.session
    from botocore.config import Config

    try:
        session = boto3.session.Session()
        return session.client("sts", region_name=region, config=Config(
            retries={"mode": "standard", "max_attempts": 2}, connect_timeout=5, read_timeout=10,
            user_agent_extra="eks-karmada/make"))
    except boto.BotoCoreError as err:
        raise CredentialsError(explain(err)) from None
