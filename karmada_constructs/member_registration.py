"""MemberRegistration: one member cluster joined to Karmada (and unjoined on delete)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from aws_cdk import CustomResource
from constructs import Construct

from functions import resource_types
from karmada_constructs.karmada_manifest import FIELD_MANAGER
from karmada_constructs.member_registration_provider import MemberRegistrationProvider


@dataclass(frozen=True)
class MemberRegistrationProps:
    member_name: str
    sync_mode: str
    member_cluster_name: str
    member_region: str
    join_role_arn: str
    provider: str = "aws"
    zones: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    # Pull mode only: the agent's cert-manager Secret in the parent and the URL the agent dials.
    agent_credential_secret: str | None = None
    karmada_api_server_url: str | None = None


class MemberRegistration(Construct):
    """A `Custom::KarmadaMemberRegistration` served by the parent's
    MemberRegistrationProvider. Push: the member's ServiceAccount tokens and CA
    go (at deploy time, never through the template) into Karmada Secrets and a
    `Cluster` object with endpoint, provider, region and zones. Pull: the agent's
    kubeconfig is written into the member and the agent registers itself. Delete
    removes the Cluster (Karmada cleans its execution space) and the Secrets.
    """

    RESOURCE_TYPE = resource_types.KARMADA_MEMBER_REGISTRATION

    def __init__(self, scope: Construct, id: str, *, provider: MemberRegistrationProvider,
                 props: MemberRegistrationProps) -> None:
        super().__init__(scope, id)
        properties = {
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
        if props.sync_mode == "Pull":
            properties["AgentCredentialSecret"] = props.agent_credential_secret
            properties["KarmadaApiServerUrl"] = props.karmada_api_server_url
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=self.RESOURCE_TYPE,
            properties=properties,
        )
        self.resource.node.add_dependency(provider.access_entry)
