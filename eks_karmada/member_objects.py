"""The member-side objects of a member, from the config (shared by the member stack and the CLI)."""

from __future__ import annotations

import cdk8s

from charts.member_access import PullAgentChart, PullAgentProps, PushMemberAccessChart, PushMemberAccessProps
from eks_karmada.config import AppConfig, MemberConfig, MemberKind, SyncMode
from eks_karmada.mirrors import cluster_mirror

# The Kubernetes group of the registrar's EKS access entry in each member.
REGISTRAR_GROUP = "eks-karmada:registrar"


def member_target(member: MemberConfig) -> str:
    """The rendered-manifest file of a member: cdk.out/manifests/member-<name>.yaml."""
    return f"member-{member.name}"


def member_chart(scope: cdk8s.App, config: AppConfig, member: MemberConfig, cluster_endpoint: str) -> cdk8s.Chart:
    """Push access or the Pull agent, as the member's sync mode needs (Kubernetes only, no credentials)."""
    if member.sync_mode is SyncMode.push:
        return PushMemberAccessChart(scope, f"{member.name}-access",
                                     PushMemberAccessProps(member_name=member.name, registrar_group=REGISTRAR_GROUP))
    # A new member pulls through its own account and region's cache; an external member's region may be unset: it
    # pulls through the parent region's mirror.
    mirror = cluster_mirror(config, member)
    image = mirror.image(f"{config.karmada.image_registries.karmada}/karmada-agent:{config.versions.karmada}")
    return PullAgentChart(scope, f"{member.name}-agent", PullAgentProps(
        member_name=member.name, registrar_group=REGISTRAR_GROUP, image=image, cluster_api_endpoint=cluster_endpoint,
        region=member.region or "", zones=member.zones if member.kind is MemberKind.new else [],
        multi_cluster_service=config.traffic.enabled,
    ))
