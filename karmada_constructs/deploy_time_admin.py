"""Cluster admin for a member's kubectl provider only while a deploy applies its objects."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Role vs IRole):
# pyright: reportArgumentType=false
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import CfnResource, CustomResource, Duration, Stack, Token
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from functions import resource_types
from karmada_constructs.cfn import cfn_element, default_child
from karmada_constructs.log_encryption import encrypted_log_group
from karmada_constructs.nag import acknowledge, acknowledge_provider_framework, finding_arn

# The same asset as every other handler: the repository root filtered to the `functions` package.
from karmada_constructs.parent_cluster_provider import ASSET_EXCLUDE, REPO_ROOT

CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
# What aws_eks_v2's kubectl provider acts through: manifests, Helm charts, patches and object reads.
KUBECTL_RESOURCE_PREFIX = "Custom::AWSCDK-EKS-"
# aws_eks_v2.Cluster's children (aws-cdk-lib's cluster.ts): its kubectl provider's cluster-admin access entry,
# and the barrier every kubectl resource of the cluster waits for.
PROVIDER_ENTRY_ID = "ClusterAdminRoleAccess"
KUBECTL_BARRIER_ID = "KubectlReadyBarrier"


@dataclass(frozen=True, kw_only=True)
class DeployTimeAdminProps:
    """Properties of `DeployTimeAdmin`."""

    cluster_name: str
    """The EKS cluster."""
    principal: iam.IRole
    """The kubectl provider's role, whose access entry gets the policy while a deploy needs it."""
    access_entry: eks.CfnAccessEntry
    """That role's access entry, with no access policy of its own."""
    applied: Sequence[IConstruct]
    """What the provider applies (constructs holding its custom resources): the policy is held around their
    creation, update and deletion."""
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
        revision = _digest(stack, props.applied)
        properties = {
            "ClusterName": props.cluster_name, "PrincipalArn": props.principal.role_arn,
            "PolicyArn": CLUSTER_ADMIN_POLICY, "Revision": revision,
            "SettleSeconds": str(int(props.settle.to_seconds())),
        }
        self.principal_arn = props.principal.role_arn
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

    @classmethod
    def for_cluster(cls, scope: Construct, id: str, cluster: eks.Cluster, *, cluster_name: str,
                    log_retention_days: int = 90) -> DeployTimeAdmin:
        """Cluster admin only while a deploy applies, for the kubectl provider of a cluster `aws_eks_v2` creates.

        aws_eks_v2 gives its provider a permanent AmazonEKSClusterAdminPolicy; this takes the policy off that
        access entry and brackets every kubectl resource in `scope`'s stack: the cluster's barrier, which they all
        wait for, waits for `Grant`, and `Withdraw` waits for them. Call it after the stack's last kubectl resource.
        `cluster_name` is the cluster's name as written (its ARN and the handler's description need it literal).
        """
        provider = cluster.kubectl_provider
        entry = cluster.node.try_find_child(PROVIDER_ENTRY_ID)
        barrier = cluster.node.try_find_child(KUBECTL_BARRIER_ID)
        if provider is None or provider.role is None or entry is None or barrier is None:
            raise ValueError(f"{cluster.node.path}: no kubectl provider with its access entry and barrier "
                             f"({PROVIDER_ENTRY_ID}, {KUBECTL_BARRIER_ID}) in this aws_eks_v2 Cluster")
        access_entry = default_child(entry, eks.CfnAccessEntry)
        access_entry.add_property_deletion_override("AccessPolicies")
        admin = cls(scope, id, DeployTimeAdminProps(
            cluster_name=cluster_name, principal=provider.role, access_entry=access_entry,
            applied=kubectl_resources(Stack.of(scope)), log_retention_days=log_retention_days,
        ))
        cfn_element(barrier, CfnResource).node.add_dependency(admin.grant)
        return admin

    def _acknowledge(self, props: DeployTimeAdminProps) -> None:
        stack = Stack.of(self)
        role = stack.get_logical_id(default_child(props.principal, CfnResource))
        # The role's account as cdk-nag prints it: a literal when the stack names its account.
        account = "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
        entry = f"{props.cluster_name}/role/{account}/<{role}>/*"
        acknowledge(self.role, f"AwsSolutions-IAM5[Resource::{finding_arn(self, 'eks', f'access-entry/{entry}')}]",
                    "An access entry's ARN ends in an id EKS assigns; the cluster and the provider's role before it "
                    "are fixed, and the condition allows only AmazonEKSClusterAdminPolicy.")
        acknowledge_provider_framework(self, self.provider, self.function)


def kubectl_resources(scope: IConstruct) -> list[CfnResource]:
    """Every resource under `scope` that aws_eks_v2's kubectl provider creates, updates or deletes."""
    return [c for c in scope.node.find_all() if isinstance(c, CfnResource)
            and c.cfn_resource_type.startswith(KUBECTL_RESOURCE_PREFIX)]


def _digest(stack: Stack, applied: Sequence[IConstruct]) -> str:
    """SHA-256 of the resolved properties of every resource in `applied`: it changes exactly when they do."""
    properties = [stack.resolve(resource._cfn_properties)  # noqa: SLF001 - jsii's only way to read them
                  for construct in applied for resource in construct.node.find_all()
                  if isinstance(resource, CfnResource)]
    return hashlib.sha256(json.dumps(properties, sort_keys=True).encode()).hexdigest()
