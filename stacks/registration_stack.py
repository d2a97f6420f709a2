"""KarmadaRegistration-<name>: one member joined to Karmada, isolated from the other members."""

from __future__ import annotations

from aws_cdk import Stack
from constructs import Construct

from charts.karmada.names import agent_client_secret
from eks_karmada.config import AppConfig, MemberConfig, MemberKind, SyncMode
from functions.member_registration.objects import agent_rbac
from karmada_constructs.credential_refresh import CredentialRefresh, CredentialRefreshProps
from karmada_constructs.karmada_manifest import KarmadaManifest, KarmadaManifestProps
from karmada_constructs.member_registration import MemberRegistration, MemberRegistrationProps
from stacks.naming import join_external_id, join_role_name, parent_environment, role_arn
from stacks.parent_stack import KarmadaParentStack


class KarmadaRegistrationStack(Stack):
    """Registers one member with Karmada from the parent's region and account (where the registrar runs).

    It depends only on the parent and on its own member, so a failed registration rolls back nothing else, and
    destroying it unregisters the member cleanly. An external member (no AWS stack) gets its agent's identity
    authorised in Karmada; the operator applies the agent bundle that `eks-karmada agent-bundle` prints.
    """

    def __init__(self, scope: Construct, id: str, *, config: AppConfig, member: MemberConfig,
                 parent: KarmadaParentStack, member_stack: Stack | None, **kwargs) -> None:
        super().__init__(
            scope,
            id,
            env=parent_environment(config),
            description=f"eks-karmada: registration of member {member.name} with Karmada",
            **kwargs,
        )
        self.add_stack_dependency(parent, "registration writes into the Karmada API the parent runs")
        if member.kind is MemberKind.external:
            # No registrar reaches an external member (its kube-system UID is the Cluster id): its agent creates
            # its own Cluster.
            access = agent_rbac(member.name, may_create_cluster=True)
            KarmadaManifest(self, "AgentAccess", KarmadaManifestProps(
                provider=parent.karmada_manifests, manifest=[obj for _, obj in access], overwrite=True))
            return
        member_account = member.account or config.parent.account or self.account
        pull = member.sync_mode is SyncMode.pull
        self.registration = MemberRegistration(
            self,
            "Registration",
            MemberRegistrationProps(
                registrar=parent.registrar,
                member_name=member.name,
                sync_mode=member.sync_mode.value,
                member_cluster_name=member.eks_cluster_name,
                member_region=member.region or "",
                join_role_arn=role_arn(member_account, join_role_name(config, member), self.partition),
                join_external_id=join_external_id(config, member),
                zones=member.zones if member.kind is MemberKind.new else [],
                labels=member.labels,
                agent_credential_secret=agent_client_secret(member.name) if pull else None,
                karmada_api_server_url=parent.karmada_api_url if pull else None,
                token_lifetime_hours=config.karmada.push_token_lifetime_hours,
            ),
        )
        # Pull: cert-manager renews the agent's certificate in the parent; this copies it into the member, daily.
        # Push: the member's tokens in Karmada expire; this renews them at half-life, checking hourly.
        CredentialRefresh(self, "AgentCertificateRefresh" if pull else "PushTokenRefresh", CredentialRefreshProps(
            function=parent.registrar.refresh_function,  # pyright: ignore[reportArgumentType] - jsii Protocols
            properties=self.registration.properties,
            member_name=member.name,
            pull=pull,
        ))
        # The member's join role, access entry and member-side objects.
        if member_stack is None:
            raise ValueError(f"member {member.name}: a {member.kind.value} member needs its KarmadaMember stack")
        self.add_stack_dependency(member_stack, "registration assumes the member's join role")
