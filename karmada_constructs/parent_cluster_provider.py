"""A custom resource provider whose Python handler reads the parent cluster through the EKS API."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import custom_resources as cr
from constructs import Construct

from karmada_constructs.log_encryption import encrypted_log_group
from karmada_constructs.nag import acknowledge, acknowledge_provider_framework
from karmada_constructs.parent_cluster_function import (
    ASSET_EXCLUDE,
    PRIVATE_SUBNETS,
    REPO_ROOT,
    KarmadaApiAccess,
    ParentClusterFunction,
    ParentClusterFunctionProps,
)

__all__ = ["ASSET_EXCLUDE", "REPO_ROOT", "KarmadaApiAccess", "ParentClusterProvider", "ParentClusterProviderProps"]

# The function's construct id: CDK leaves "Default" out of logical IDs, so the function, role, security group,
# access entry and log group keep the IDs they had when this construct created them itself.
FUNCTION_ID = "Default"


@dataclass(frozen=True, kw_only=True)
class ParentClusterProviderProps:
    """Properties of `ParentClusterProvider`."""
    cluster: eks.ICluster
    """The parent cluster the handler reads through the EKS API."""
    vpc: ec2.IVpc
    """The parent's VPC; the handler runs in its private subnets."""
    handler: str
    """The handler's entry point (functions.<package>.handler.on_event)."""
    kubernetes_group: str
    """The group the handler's role maps to in the parent (its RBAC is rendered next to it)."""
    description: str
    """What the provider does (function, role and security group descriptions)."""
    access: KarmadaApiAccess | None = None
    """Where the Karmada API and its credential are. Default: KarmadaApiAccess()."""
    role_name: str | None = None
    """A fixed role name, for trust from other stacks. Default: generated."""
    log_retention_days: int = 90
    """Retention of the handler's and the framework's logs. Default: 90."""


class ParentClusterProvider(Construct):
    """A `ParentClusterFunction` behind the CDK Provider framework: a custom resource provider on the parent cluster.

    Creates a `ParentClusterFunction` (Python Lambda in the parent's private subnets, its role with
    eks:DescribeCluster, an EKS access entry mapping the role to `kubernetes_group`, a security group to the
    parent's API endpoint and the karmada-apiserver pods, its log group) and the CDK Provider framework in front of
    it, whose log group is under the stack's log key too (karmada_constructs/log_encryption.py), deleted with the
    stack.

    Credentials are read at run time; none appears in a template.
    """

    def __init__(self, scope: Construct, id: str, props: ParentClusterProviderProps) -> None:
        super().__init__(scope, id)
        self.cluster = props.cluster
        self.access = props.access or KarmadaApiAccess()
        self.handler = ParentClusterFunction(self, FUNCTION_ID, ParentClusterFunctionProps(
            cluster=props.cluster,
            vpc=props.vpc,
            handler=props.handler,
            kubernetes_group=props.kubernetes_group,
            description=props.description,
            access=self.access,
            role_name=props.role_name,
            log_retention_days=props.log_retention_days,
        ))
        self.security_group = self.handler.security_group
        self.role = self.handler.role
        self.function = self.handler.function
        self.access_entry = self.handler.access_entry
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.function,
            vpc=props.vpc,
            vpc_subnets=PRIVATE_SUBNETS,
            security_groups=[self.security_group],
            log_group=encrypted_log_group(self, "ProviderLogs", retention_days=props.log_retention_days),
        )
        self._acknowledge()

    @property
    def service_token(self) -> str:
        return self.provider.service_token

    def _acknowledge(self) -> None:
        acknowledge(self.provider,
                    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]",
                    "The Provider framework's function runs in the VPC too and needs ENI management; AWS maintains "
                    "AWSLambdaVPCAccessExecutionRole for exactly that and CloudWatch Logs writes.")
        acknowledge_provider_framework(self, self.provider, self.function)
