"""A fake aws-iam-authenticator: checks EKS-style bearer tokens the way the real one does, without AWS.

The real authenticator decodes ``k8s-aws-v1.<base64url presigned URL>``, checks that the URL is an STS
GetCallerIdentity whose signed headers include ``x-k8s-aws-id``, sends it to STS with ``x-k8s-aws-id: <its
cluster id>`` (so the signature verifies only for that id), and maps the ARN STS answers to a username and
groups. Here the signature is recomputed from the secret key of a known access key, which is what STS does.
"""

from __future__ import annotations

import base64
import datetime
import re
import urllib.parse
from dataclasses import dataclass, field

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

TOKEN_PREFIX = "k8s-aws-v1."
MAX_AGE = datetime.timedelta(minutes=15)  # the authenticator refuses older presigned URLs


@dataclass(frozen=True)
class Identity:
    """Who an access key belongs to: its ARN as STS reports it, and its secret (to check signatures)."""

    arn: str
    secret_key: str


def _presigned_url(token: str) -> str | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    payload = token[len(TOKEN_PREFIX):]
    try:
        return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None


def signed_for(token: str, cluster_id: str, secret_key: str, now: datetime.datetime | None = None) -> bool:
    """Whether ``token`` is a GetCallerIdentity URL signed, with ``secret_key``, over ``x-k8s-aws-id: cluster_id``."""
    url = _presigned_url(token)
    if url is None:
        return False
    parts = urllib.parse.urlsplit(url)
    pairs = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query = dict(pairs)
    if (parts.scheme != "https" or not re.fullmatch(r"sts(\.[a-z0-9-]+)?\.amazonaws\.com", parts.hostname or "")
            or query.get("Action") != "GetCallerIdentity"
            or "x-k8s-aws-id" not in query.get("X-Amz-SignedHeaders", "").split(";")):
        return False
    try:
        stamp = datetime.datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
        access_key, _, region, service, _ = query["X-Amz-Credential"].split("/")
    except (KeyError, ValueError):
        return False
    if (now or datetime.datetime.now(datetime.UTC)) - stamp > MAX_AGE or service != "sts":
        return False
    unsigned = urllib.parse.urlunsplit(parts._replace(
        query=urllib.parse.urlencode([(k, v) for k, v in pairs if k != "X-Amz-Signature"])))
    request = AWSRequest("GET", unsigned, headers={"x-k8s-aws-id": cluster_id})
    request.context["timestamp"] = query["X-Amz-Date"]
    auth = SigV4QueryAuth(Credentials(access_key, secret_key, query.get("X-Amz-Security-Token")), "sts", region)
    if auth.signed_headers(auth.headers_to_sign(request)) != query["X-Amz-SignedHeaders"]:
        return False
    signature = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
    return signature == query.get("X-Amz-Signature")


def _access_key(token: str) -> str | None:
    url = _presigned_url(token)
    if url is None:
        return None
    credential = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query)).get("X-Amz-Credential", "")
    return credential.split("/", 1)[0] or None


def principal(arn: str) -> str:
    """The mapped principal of an STS ARN: an assumed-role session becomes its role (no path), as the authenticator."""
    match = re.fullmatch(r"arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/([^/]+)/.+", arn)
    if match:
        return f"arn:{match[1]}:iam::{match[2]}:role/{match[3]}"
    return arn


@dataclass
class FakeIamAuthenticator:
    """The token webhook of one Karmada API: ``cluster_id``, the known access keys, and the mapping.

    ``mapping`` is principal ARN (role or user, no path) -> groups. A role's sessions sign in as their session ARN,
    a user as its ARN (the username templates the chart configures).
    """

    cluster_id: str
    keys: dict[str, Identity] = field(default_factory=dict)
    mapping: dict[str, list[str]] = field(default_factory=dict)

    def authenticate(self, authorization: str | None) -> tuple[str, list[str]] | None:
        """(username, groups) for an ``Authorization`` header, or None (the API server answers 401)."""
        if not authorization or not authorization.startswith("Bearer "):
            return None
        token = authorization.removeprefix("Bearer ")
        identity = self.keys.get(_access_key(token) or "")
        if identity is None or not signed_for(token, self.cluster_id, identity.secret_key):
            return None
        groups = self.mapping.get(principal(identity.arn))
        if groups is None:
            return None
        return identity.arn, list(groups)
