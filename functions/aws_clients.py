"""boto3 clients for the handlers: with the Lambda's own credentials, or with an assumed role's."""

from __future__ import annotations

from typing import Any


def aws_client(service: str, region: str, credentials: dict | None) -> Any:
    """A ``service`` client in ``region``; ``credentials`` as STS AssumeRole returns them, or None (the Lambda's)."""
    import boto3.session  # the Lambda runtime has it; imported late so unit tests need no AWS set-up

    if credentials:
        session = boto3.session.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=region,
        )
    else:
        session = boto3.session.Session(region_name=region)
    return session.client(service, region_name=region)
