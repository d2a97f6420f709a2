"""A custom resource provider whose Python handler reads the parent cluster through the EKS API."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import CfnResource, Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import custom_resources as cr
from constructs import Construct

from functions.karmada_manifest import properties as keys
from karmada_constructs.cfn import default_child
from karmada_constructs.log_encryption import encrypted_log_group
from karmada_constructs.nag import acknowledge

# One asset for every handler: the repository root filtered to the `functions` package, so
# handlers import each other as `functions.<package>` in Lambda exactly as in the tests.
REPO_ROOT = Path(__file__).resolve().parent.parent
ASSET_EXCLUDE = ["*", ".*", "!functions", "!functions/**", "**/__pycache__", "**/*.pyc", "**/*.md"]


@dataclass(frozen=True)
class KarmadaApiAccess:
    """Where handlers find the Karmada API server and its admin credential in the parent."""

    namespace: str = "karmada-system"
    admin_secret: str = "karmada-admin-client"
    service: str = "karmada-apiserver"
    port: int = 5443

    @property
    def server_name(self) -> str:
        return f"{self.service}.{self.namespace}.svc.cluster.local"

    def properties(self, cluster_name: str, field_manager: str) -> dict[str, str]:
        """The custom resource properties every handler reads to reach Karmada.

        They are KarmadaManifest's keys; the registration handler reads them under the same names.
        """
        return {
            keys.CLUSTER_NAME: cluster_name,
            keys.FIELD_MANAGER: field_manager,
            keys.ADMIN_SECRET_NAMESPACE: self.namespace,
            keys.ADMIN_SECRET_NAME: self.admin_secret,
            keys.API_SERVER_NAMESPACE: self.namespace,
            keys.API_SERVER_SERVICE: self.service,
            keys.API_SERVER_PORT: str(self.port),
            keys.API_SERVER_SERVER_NAME: self.server_name,
        }


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
    """A Python Lambda behind the CDK Provider framework that works on the parent cluster.

    Creates a Python Lambda (latest runtime, in the parent's private subnets) wrapped by the CDK Provider framework,
    with:

    - IAM: eks:DescribeCluster on the parent cluster, plus what the caller adds;
    - an EKS access entry mapping its role to `kubernetes_group` in the parent
      (the group's RBAC is rendered by a chart next to it, nothing more);
    - a security group allowed to reach the parent's API endpoint and the
      karmada-apiserver pods;
    - log groups (handler and Provider framework) under the stack's log key
      (karmada_constructs/log_encryption.py), deleted with the stack.

    Credentials are read at run time; none appears in a template.
    """

    def __init__(self, scope: Construct, id: str, props: ParentClusterProviderProps) -> None:
        super().__init__(scope, id)
        cluster, vpc, description = props.cluster, props.vpc, props.description
        self.cluster = cluster
        self.access = props.access or KarmadaApiAccess()
        self.security_group = ec2.SecurityGroup(self, "SecurityGroup", vpc=vpc, description=description)
        cluster_sg = cluster.cluster_security_group
        cluster_sg.add_ingress_rule(self.security_group, ec2.Port.tcp(443), f"{description} to the EKS API")
        cluster_sg.add_ingress_rule(
            self.security_group, ec2.Port.tcp(self.access.port), f"{description} to karmada-apiserver pods"
        )
        self.role = iam.Role(
            self,
            "Role",
            role_name=props.role_name,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=description,
        )
        self.role.add_managed_policy(
            iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWSLambdaVPCAccessExecutionRole")
        )
        self.role.add_to_policy(iam.PolicyStatement(actions=["eks:DescribeCluster"], resources=[cluster.cluster_arn]))

        private = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self.function = lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler=props.handler,
            code=lambda_.Code.from_asset(str(REPO_ROOT), exclude=ASSET_EXCLUDE),
            role=self.role,
            timeout=Duration.minutes(14),
            memory_size=512,
            vpc=vpc,
            vpc_subnets=private,
            security_groups=[self.security_group],
            log_group=encrypted_log_group(self, "Logs", retention_days=props.log_retention_days),
            description=description,
        )
        self.access_entry = eks.CfnAccessEntry(
            self,
            "AccessEntry",
            cluster_name=cluster.cluster_name,
            principal_arn=self.role.role_arn,
            type="STANDARD",
            kubernetes_groups=[props.kubernetes_group],
        )
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.function,
            vpc=vpc,
            vpc_subnets=private,
            security_groups=[self.security_group],
            log_group=encrypted_log_group(self, "ProviderLogs", retention_days=props.log_retention_days),
        )
        self._acknowledge()

    @property
    def service_token(self) -> str:
        return self.provider.service_token

    def _acknowledge(self) -> None:
        acknowledge(self,
                    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]",
                    "Lambdas in the VPC need ENI management; AWS maintains AWSLambdaVPCAccessExecutionRole for "
                    "exactly that and CloudWatch Logs writes.")
        acknowledge(self,
                    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                    "The CDK Provider framework's own function writes its logs with this AWS-maintained policy.")
        handler_arn = "<" + Stack.of(self).get_logical_id(default_child(self.function, CfnResource)) + ".Arn>"
        acknowledge(self, f"AwsSolutions-IAM5[Resource::{handler_arn}:*]",
                    "The Provider framework invokes the handler's versions and aliases (ARN suffix :*), only this "
                    "function.")
        acknowledge(self.provider, "AwsSolutions-L1",
                    "The CDK Provider framework pins the Node.js runtime of its own framework functions; our "
                    "handler is on the latest Python runtime.")
