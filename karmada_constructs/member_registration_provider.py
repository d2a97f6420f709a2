"""The custom resource provider that registers member clusters with Karmada (one per parent)."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from eks_karmada.member_objects import REGISTRAR_GROUP
from karmada_constructs.parent_cluster_provider import ParentClusterProvider


class MemberRegistrationProvider(ParentClusterProvider):
    """The provider behind every `MemberRegistration`: functions/member_registration.

    Its role has a fixed name so member stacks, in any region or account, can
    trust it without a cross-stack reference; it may assume only the members'
    join roles (`join_role_arns`).
    """

    def __init__(self, scope: Construct, id: str, *, cluster: eks.Cluster, vpc: ec2.IVpc, role_name: str,
                 join_role_arns: list[str], log_retention_days: int = 90) -> None:
        super().__init__(
            scope,
            id,
            cluster=cluster,
            vpc=vpc,
            handler="functions.member_registration.handler.on_event",
            kubernetes_group=REGISTRAR_GROUP,
            description="MemberRegistration: joins member clusters to Karmada",
            role_name=role_name,
            log_retention_days=log_retention_days,
        )
        if join_role_arns:
            self.role.add_to_policy(iam.PolicyStatement(actions=["sts:AssumeRole"], resources=join_role_arns))
