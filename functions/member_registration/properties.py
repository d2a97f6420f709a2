"""ResourceProperties of ``KarmadaMemberRegistration``, parsed and checked.

CloudFormation delivers every value as a string; JSON values (``Zones``, ``Labels``) arrive as JSON
text (a list or object passed directly is accepted too).
"""

from __future__ import annotations

import json
import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from ..provider_framework import property_text
from .errors import PropertiesError

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
CLUSTER_NAME_MAX = 48  # Karmada: "karmada-es-" + name must stay a DNS label

PUSH, PULL = "Push", "Pull"

DEFAULT_AGENT_NAMESPACE = "karmada-system"
DEFAULT_AGENT_KUBECONFIG_KEY = "karmada-kubeconfig"
DEFAULT_AGENT_DEPLOYMENT = "karmada-agent"
# Push: what the registrar asks of the member's TokenRequest API (its --service-account-max-token-expiration may
# grant less). The refresh runs hourly and renews at half of the granted life.
DEFAULT_TOKEN_LIFETIME_SECONDS = 7 * 24 * 3600
MIN_TOKEN_LIFETIME_SECONDS = 2 * 3600  # two hourly refreshes before a token's half-life
MAX_TOKEN_LIFETIME_SECONDS = 90 * 24 * 3600  # EKS refuses a service-account token older than 90 days
DEFAULT_TOKEN_CONSUMERS = ("karmada-controller-manager",)
DEFAULT_AGENT_WAIT_SECONDS = 300.0
# Karmada divides replicas among the clusters that are Ready when it schedules and does not re-divide
# when another becomes Ready later: a registration is done once its Cluster is Ready.
DEFAULT_READY_WAIT_SECONDS = 300.0
DEFAULT_DELETE_WAIT_SECONDS = 300.0


@dataclass(frozen=True)
class Properties:
    """The registration custom resource's properties, parsed and checked."""

    # where Karmada runs (same meaning as the KarmadaManifest handler's properties)
    cluster_name: str
    admin_secret_namespace: str  # the default namespace of the agent credentials (the control plane's)
    karmada_cluster_id: str  # the Karmada API's aws-iam-authenticator cluster id: the registrar's tokens name it
    api_server_namespace: str
    api_server_service: str
    api_server_port: int
    api_server_server_name: str
    field_manager: str
    # the member
    member_name: str
    sync_mode: str
    provider: str
    region: str
    zones: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]
    member_cluster_name: str
    member_region: str
    join_role_arn: str
    join_external_id: str
    # Pull only
    agent_credential_secret: str
    agent_credential_namespace: str
    agent_certificate_issuer: str  # the CN of the CA that must have signed the agent certificate; "": not checked
    karmada_api_server_url: str
    agent_namespace: str
    agent_kubeconfig_key: str
    agent_deployment: str
    # Push only: the tokens' requested lifetime, and the Deployments (in api_server_namespace) rolled after a refresh
    token_lifetime_seconds: int
    token_consumers: tuple[str, ...]
    # bounded waits (seconds)
    agent_wait_seconds: float
    delete_wait_seconds: float
    ready_wait_seconds: float = DEFAULT_READY_WAIT_SECONDS

    @property
    def label_map(self) -> dict[str, str]:
        return dict(self.labels)

    @property
    def pull(self) -> bool:
        return self.sync_mode == PULL

    def member_target(self) -> tuple[str, str, str]:
        """Which EKS cluster (and through which role) the member side is reached."""
        return (self.member_cluster_name, self.member_region, self.join_role_arn)

    @classmethod
    def parse(cls, raw: dict | None) -> Properties:
        raw = raw or {}
        namespace = property_text(raw, "ApiServerNamespace") or "karmada-system"
        service = property_text(raw, "ApiServerService") or "karmada-apiserver"
        port = _number(raw, "ApiServerPort", 5443)
        admin_namespace = property_text(raw, "AdminSecretNamespace") or namespace

        member = _required(raw, "MemberName")
        if len(member) > CLUSTER_NAME_MAX or not _DNS_LABEL.match(member):
            raise PropertiesError(
                f"MemberName {member!r} is not a valid Karmada cluster name (a DNS label of at most "
                f"{CLUSTER_NAME_MAX} characters: lower-case letters, digits and '-')"
            )
        sync_mode = property_text(raw, "SyncMode") or PUSH
        if sync_mode not in (PUSH, PULL):
            raise PropertiesError(f"SyncMode must be \"Push\" or \"Pull\", not {sync_mode!r}")
        role_arn = _required(raw, "JoinRoleArn")
        if not _ROLE_ARN.match(role_arn):
            raise PropertiesError(f"JoinRoleArn {role_arn!r} is not an IAM role ARN")
        member_region = _required(raw, "MemberRegion")
        if not _REGION.match(member_region):
            raise PropertiesError(f"MemberRegion {member_region!r} is not an AWS region name")

        agent_secret = property_text(raw, "AgentCredentialSecret")
        server_url = property_text(raw, "KarmadaApiServerUrl")
        if sync_mode == PULL:
            if not agent_secret:
                raise PropertiesError("AgentCredentialSecret is required when SyncMode is Pull")
            if not server_url:
                raise PropertiesError("KarmadaApiServerUrl is required when SyncMode is Pull")
            parsed = urllib.parse.urlsplit(server_url)
            if parsed.scheme != "https" or not parsed.hostname or parsed.path not in ("", "/") or parsed.query:
                raise PropertiesError(
                    f"KarmadaApiServerUrl must be https://<host>[:<port>], not {server_url!r}"
                )
            server_url = server_url.rstrip("/")

        return cls(
            cluster_name=_required(raw, "ClusterName"),
            admin_secret_namespace=admin_namespace,
            karmada_cluster_id=_required(raw, "KarmadaClusterId"),
            api_server_namespace=namespace,
            api_server_service=service,
            api_server_port=int(port),
            api_server_server_name=(property_text(raw, "ApiServerServerName")
                                    or f"{service}.{namespace}.svc.cluster.local"),
            field_manager=property_text(raw, "FieldManager") or "eks-karmada",
            member_name=member,
            sync_mode=sync_mode,
            provider=property_text(raw, "Provider"),
            region=property_text(raw, "Region"),
            zones=_zones(raw),
            labels=_labels(raw),
            member_cluster_name=_required(raw, "MemberClusterName"),
            member_region=member_region,
            join_role_arn=role_arn,
            join_external_id=property_text(raw, "JoinExternalId"),
            agent_credential_secret=agent_secret,
            agent_credential_namespace=property_text(raw, "AgentCredentialSecretNamespace") or admin_namespace,
            agent_certificate_issuer=property_text(raw, "AgentCertificateIssuer"),
            karmada_api_server_url=server_url,
            agent_namespace=property_text(raw, "AgentNamespace") or DEFAULT_AGENT_NAMESPACE,
            agent_kubeconfig_key=property_text(raw, "AgentKubeconfigKey") or DEFAULT_AGENT_KUBECONFIG_KEY,
            agent_deployment=property_text(raw, "AgentDeploymentName") or DEFAULT_AGENT_DEPLOYMENT,
            token_lifetime_seconds=_token_lifetime(raw),
            token_consumers=_names(raw, "TokenConsumers", DEFAULT_TOKEN_CONSUMERS),
            agent_wait_seconds=_number(raw, "AgentWaitSeconds", DEFAULT_AGENT_WAIT_SECONDS),
            delete_wait_seconds=_number(raw, "DeleteWaitSeconds", DEFAULT_DELETE_WAIT_SECONDS),
            ready_wait_seconds=_number(raw, "ReadyWaitSeconds", DEFAULT_READY_WAIT_SECONDS),
        )


def _required(raw: dict, key: str) -> str:
    value = property_text(raw, key)
    if not value:
        raise PropertiesError(f"{key} is required")
    return value


def _number(raw: dict, key: str, default: float) -> float:
    text = property_text(raw, key)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise PropertiesError(f"{key} must be a number, not {raw.get(key)!r}") from None
    if value < 0 or value != value or value in (float("inf"),):
        raise PropertiesError(f"{key} must be a non-negative number, not {raw.get(key)!r}")
    return value


def _json(raw: dict, key: str) -> Any:
    value = raw.get(key)
    if isinstance(value, (dict, list)):
        return value
    text = property_text(raw, key)
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError as err:
        raise PropertiesError(f"{key} is not valid JSON: {err}") from None


def _token_lifetime(raw: dict) -> int:
    value = int(_number(raw, "TokenLifetimeSeconds", DEFAULT_TOKEN_LIFETIME_SECONDS))
    if not MIN_TOKEN_LIFETIME_SECONDS <= value <= MAX_TOKEN_LIFETIME_SECONDS:
        raise PropertiesError(f"TokenLifetimeSeconds must be between {MIN_TOKEN_LIFETIME_SECONDS} (2 hours: the "
                              f"hourly refresh renews at half-life) and {MAX_TOKEN_LIFETIME_SECONDS} (90 days), "
                              f"not {raw.get('TokenLifetimeSeconds')!r}")
    return value


def _names(raw: dict, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = _json(raw, key)
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(n, str) and _DNS_LABEL.match(n) for n in value):
        raise PropertiesError(f"{key} must be a JSON list of Deployment names")
    return tuple(value)


def _zones(raw: dict) -> tuple[str, ...]:
    value = _json(raw, "Zones")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(z, str) and z for z in value):
        raise PropertiesError("Zones must be a JSON list of zone names")
    return tuple(value)


def _labels(raw: dict) -> tuple[tuple[str, str], ...]:
    value = _json(raw, "Labels")
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise PropertiesError("Labels must be a JSON object of string keys and string values")
    return tuple(sorted(value.items()))
