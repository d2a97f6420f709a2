"""The custom resource provider that registers member clusters with Karmada (one per parent)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from eks_karmada.member_objects import REGISTRAR_GROUP
from karmada_constructs.parent_cluster_provider import ParentClusterProvider, ParentClusterProviderProps


@dataclass(frozen=True, kw_only=True)
class MemberRegistrationProviderProps:
    """Properties of `MemberRegistrationProvider`."""
    cluster: eks.ICluster
    """The parent cluster."""
    vpc: ec2.IVpc
    """The parent's VPC."""
    role_name: str
    """The registrar role's fixed name, which the members' join roles trust."""
    join_role_arns: list[str] = field(default_factory=list)
    """The members' join roles, the only roles it may assume. Default: none."""
    log_retention_days: int = 90
    """Retention of the provider's logs. Default: 90."""


class MemberRegistrationProvider(ParentClusterProvider):
    """The provider behind every `MemberRegistration`: functions/member_registration.

    Its role has a fixed name so member stacks, in any region or account, can
    trust it without a cross-stack reference; it may assume only the members'
    join roles (`join_role_arns`).
    """

    def __init__(self, scope: Construct, id: str, props: MemberRegistrationProviderProps) -> None:
        super().__init__(scope, id, ParentClusterProviderProps(
            cluster=props.cluster,
            vpc=props.vpc,
            handler="functions.member_registration.handler.on_event",
            kubernetes_group=REGISTRAR_GROUP,
            description="MemberRegistration: joins member clusters to Karmada",
            role_name=props.role_name,
            log_retention_days=props.log_retention_days,
        ))
        if props.join_role_arns:
            self.role.add_to_policy(iam.PolicyStatement(actions=["sts:AssumeRole"], resources=props.join_role_arns))
