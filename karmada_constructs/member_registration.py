"""MemberRegistration: one member cluster joined to Karmada (and unjoined on delete)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from aws_cdk import CustomResource
from constructs import Construct

from charts.karmada.names import CLIENT_CA_COMMON_NAME
from functions import resource_types
from karmada_constructs.karmada_manifest import FIELD_MANAGER
from karmada_constructs.member_registration_provider import MemberRegistrationProvider


@dataclass(frozen=True, kw_only=True)
class MemberRegistrationProps:
    """Properties of a MemberRegistration."""

    registrar: MemberRegistrationProvider
    """The parent's registration provider (functions/member_registration)."""
    member_name: str
    """The Karmada Cluster name."""
    sync_mode: str
    """Push or Pull."""
    member_cluster_name: str
    """The member's EKS cluster name."""
    member_region: str
    """The member's region."""
    join_role_arn: str
    """The member's join role, which the registrar assumes."""
    join_external_id: str = ""
    """The ExternalId its trust policy requires (stacks/naming.py join_external_id). Default: none."""
    provider: str = "aws"
    """The Cluster's spec.provider. Default: "aws"."""
    zones: list[str] = field(default_factory=list)
    """The Cluster's spec.zones. Default: none."""
    labels: dict[str, str] = field(default_factory=dict)
    """Labels of the Cluster. Default: none."""
    agent_credential_secret: str | None = None
    """Pull mode: the agent's cert-manager Secret in the parent. Default: none."""
    agent_certificate_issuer: str = CLIENT_CA_COMMON_NAME
    """Pull mode: the common name of the CA that signs the agent's certificate. Default: the Karmada client CA."""
    karmada_api_server_url: str | None = None
    """Pull mode: the URL the agent dials. Default: none."""
    token_lifetime_hours: int = 168
    """Push mode: the lifetime asked of the member's tokens (renewed at half of what it grants). Default: 7 days."""


class MemberRegistration(Construct):
    """A `Custom::KarmadaMemberRegistration` served by the parent's MemberRegistrationProvider.

    Push: expiring tokens of the member's ServiceAccounts (TokenRequest) and its CA
    go (at deploy time, never through the template) into Karmada Secrets and a
    `Cluster` object with endpoint, provider, region and zones; new tokens roll the
    provider's `token_consumers`. Pull: the agent's
    Cluster is created by the registrar (the agent may only report its status) and the
    agent's kubeconfig is written into the member. Delete
    removes the Cluster (Karmada cleans its execution space) and the Secrets.
    """

    RESOURCE_TYPE = resource_types.KARMADA_MEMBER_REGISTRATION

    def __init__(self, scope: Construct, id: str, props: MemberRegistrationProps) -> None:
        super().__init__(scope, id)
        provider = props.registrar
        properties = {
            # The registrar signs in to Karmada with its own role (the authenticator's cluster id).
            **provider.access.properties(provider.cluster.cluster_name, FIELD_MANAGER),
            "MemberName": props.member_name,
            "SyncMode": props.sync_mode,
            "Provider": props.provider,
            "Region": props.member_region,
            "Zones": json.dumps(props.zones),
            "Labels": json.dumps(props.labels, sort_keys=True),
            "MemberClusterName": props.member_cluster_name,
            "MemberRegion": props.member_region,
            "JoinRoleArn": props.join_role_arn,
        }
        if props.join_external_id:
            properties["JoinExternalId"] = props.join_external_id
        if props.sync_mode == "Push":
            properties["TokenLifetimeSeconds"] = str(props.token_lifetime_hours * 3600)
            properties["TokenConsumers"] = json.dumps(provider.token_consumers)
        if props.sync_mode == "Pull":
            if props.agent_credential_secret is None or props.karmada_api_server_url is None:
                raise ValueError(
                    f"member {props.member_name}: a Pull registration needs agent_credential_secret and "
                    "karmada_api_server_url"
                )
            properties["AgentCredentialSecret"] = props.agent_credential_secret
            # Checked against the certificate; a changed CA re-runs the registration, which re-copies it.
            properties["AgentCertificateIssuer"] = props.agent_certificate_issuer
            properties["KarmadaApiServerUrl"] = props.karmada_api_server_url
        # Also the credential refresh's event (CredentialRefresh): the same member, the same Secrets.
        self.properties: dict[str, str] = properties
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=self.RESOURCE_TYPE,
            properties=properties,
        )
        self.resource.node.add_dependency(provider.access_entry)
