"""Cluster admin for an existing member's kubectl provider only while a deploy applies its objects."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Role vs IRole):
# pyright: reportArgumentType=false
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import CfnResource, CustomResource, Duration, Stack
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import custom_resources as cr
from constructs import Construct

from functions import resource_types
from karmada_constructs.cfn import default_child
from karmada_constructs.chart_manifest import ChartManifest
from karmada_constructs.log_encryption import encrypted_log_group
from karmada_constructs.nag import acknowledge, acknowledge_provider_framework, finding_arn

# The same asset as every other handler: the repository root filtered to the `functions` package.
from karmada_constructs.parent_cluster_provider import ASSET_EXCLUDE, REPO_ROOT

CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


@dataclass(frozen=True, kw_only=True)
class DeployTimeAdminProps:
    """Properties of `DeployTimeAdmin`."""

    cluster_name: str
    """The EKS cluster."""
    principal: iam.IRole
    """The kubectl provider's role, whose access entry gets the policy while a deploy needs it."""
    access_entry: eks.CfnAccessEntry
    """That role's access entry, with no access policy of its own."""
    applied: Sequence[ChartManifest]
    """What the provider applies: the policy is held around their creation, update and deletion."""
    settle: Duration = Duration.seconds(30)
    """How long to wait after associating before the objects are applied. Default: 30 seconds."""
    log_retention_days: int = 90
    """Retention of the handler's logs. Default: 90."""


class DeployTimeAdmin(Construct):
    """An EKS cluster-admin access policy that exists only while CloudFormation applies the given objects.

    Two `Custom::DeployTimeAdmin` resources bracket `applied` (functions/deploy_admin): `Grant` before them
    associates AmazonEKSClusterAdminPolicy with the provider's access entry, `Withdraw` after them
    disassociates it; deleting (or rolling back) runs them the other way round. Both carry a digest of the
    applied objects, so both run again exactly when the objects change. Between deploys the provider's role
    authenticates to the cluster and may do nothing. The handler may associate and disassociate that one policy
    on that one access entry, and read its own stack's status (a rollback).
    """

    RESOURCE_TYPE = resource_types.DEPLOY_TIME_ADMIN

    def __init__(self, scope: Construct, id: str, props: DeployTimeAdminProps) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.role = iam.Role(
            self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Gives {props.cluster_name}'s kubectl provider cluster admin only while a deploy applies",
        )
        entry_arn = stack.format_arn(
            service="eks", resource="access-entry",
            resource_name=f"{props.cluster_name}/role/{stack.account}/{props.principal.role_name}/*",
        )
        self.role.add_to_policy(iam.PolicyStatement(
            sid="ClusterAdminOnTheProvidersEntry",
            actions=["eks:AssociateAccessPolicy", "eks:DisassociateAccessPolicy"],
            resources=[entry_arn],
            conditions={"StringEquals": {"eks:policyArn": CLUSTER_ADMIN_POLICY}},
        ))
        self.role.add_to_policy(iam.PolicyStatement(
            sid="ItsOwnStacksStatus", actions=["cloudformation:DescribeStacks"], resources=[stack.stack_id]))
        logs = encrypted_log_group(self, "Logs", retention_days=props.log_retention_days)
        self.function = lambda_.Function(
            self, "Handler",
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler="functions.deploy_admin.handler.on_event",
            code=lambda_.Code.from_asset(str(REPO_ROOT), exclude=ASSET_EXCLUDE),
            role=self.role,
            timeout=props.settle.plus(Duration.minutes(1)),
            memory_size=128,
            log_group=logs,
            description=f"DeployTimeAdmin: cluster admin for {props.cluster_name}'s kubectl provider during deploys",
        )
        logs.grant_write(self.role)
        self.provider = cr.Provider(
            self, "Provider", on_event_handler=self.function,
            log_group=encrypted_log_group(self, "ProviderLogs", retention_days=props.log_retention_days),
        )
        revision = hashlib.sha256(json.dumps(
            [stack.resolve(manifest.objects) for manifest in props.applied], sort_keys=True).encode()).hexdigest()
        properties = {
            "ClusterName": props.cluster_name, "PrincipalArn": props.principal.role_arn,
            "PolicyArn": CLUSTER_ADMIN_POLICY, "Revision": revision,
            "SettleSeconds": str(int(props.settle.to_seconds())),
        }
        self.grant = CustomResource(self, "Grant", service_token=self.provider.service_token,
                                    resource_type=self.RESOURCE_TYPE, properties={**properties, "Phase": "grant"})
        self.withdraw = CustomResource(self, "Withdraw", service_token=self.provider.service_token,
                                       resource_type=self.RESOURCE_TYPE,
                                       properties={**properties, "Phase": "withdraw"})
        self.grant.node.add_dependency(props.access_entry)
        for manifest in props.applied:
            manifest.node.add_dependency(self.grant)
            self.withdraw.node.add_dependency(manifest)
        self._acknowledge(props)

    def _acknowledge(self, props: DeployTimeAdminProps) -> None:
        role = Stack.of(self).get_logical_id(default_child(props.principal, CfnResource))
        entry = f"{props.cluster_name}/role/<AWS::AccountId>/<{role}>/*"
        acknowledge(self.role, f"AwsSolutions-IAM5[Resource::{finding_arn(self, 'eks', f'access-entry/{entry}')}]",
                    "An access entry's ARN ends in an id EKS assigns; the cluster and the provider's role before it "
                    "are fixed, and the condition allows only AmazonEKSClusterAdminPolicy.")
        acknowledge_provider_framework(self, self.provider, self.function)

