"""A Python Lambda that works on the parent cluster through the EKS API, with its role, network and access entry."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from functions.karmada_manifest import properties as keys
from karmada_constructs.log_encryption import encrypted_log_group
from karmada_constructs.nag import acknowledge

# One asset for every handler: the repository root filtered to the `functions` package, so
# handlers import each other as `functions.<package>` in Lambda exactly as in the tests.
REPO_ROOT = Path(__file__).resolve().parent.parent
ASSET_EXCLUDE = ["*", ".*", "!functions", "!functions/**", "**/__pycache__", "**/*.pyc", "**/*.md"]

PRIVATE_SUBNETS = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)


@dataclass(frozen=True)
class KarmadaApiAccess:
    """Where handlers find the Karmada API server in the parent, and how they sign in to it.

    With `karmada_cluster_id`, the handler signs in with its own IAM role (tokens signed for the Karmada API's
    aws-iam-authenticator); otherwise with the client certificate in Secret `admin_secret`.
    """

    namespace: str = "karmada-system"
    admin_secret: str = "karmada-admin-client"
    service: str = "karmada-apiserver"
    port: int = 5443
    karmada_cluster_id: str | None = None

    @property
    def server_name(self) -> str:
        return f"{self.service}.{self.namespace}.svc.cluster.local"

    def properties(self, cluster_name: str, field_manager: str) -> dict[str, str]:
        """The properties every handler reads to reach Karmada (custom resource properties, or a schedule's input).

        They are KarmadaManifest's keys; the registration and fleet guard handlers read them under the same names.
        """
        sign_in = ({keys.KARMADA_CLUSTER_ID: self.karmada_cluster_id} if self.karmada_cluster_id else
                   {keys.ADMIN_SECRET_NAMESPACE: self.namespace, keys.ADMIN_SECRET_NAME: self.admin_secret})
        return {
            keys.CLUSTER_NAME: cluster_name,
            keys.FIELD_MANAGER: field_manager,
            **sign_in,
            keys.API_SERVER_NAMESPACE: self.namespace,
            keys.API_SERVER_SERVICE: self.service,
            keys.API_SERVER_PORT: str(self.port),
            keys.API_SERVER_SERVER_NAME: self.server_name,
        }


@dataclass(frozen=True, kw_only=True)
class ParentClusterFunctionProps:
    """Properties of `ParentClusterFunction`."""
    cluster: eks.ICluster
    """The parent cluster the handler reads through the EKS API."""
    vpc: ec2.IVpc
    """The parent's VPC; the handler runs in its private subnets."""
    handler: str
    """The handler's entry point (functions.<package>.handler.on_event)."""
    kubernetes_group: str
    """The group the handler's role maps to in the parent (its RBAC is rendered next to it)."""
    description: str
    """What the function does (function, role and security group descriptions)."""
    access: KarmadaApiAccess = field(default_factory=KarmadaApiAccess)
    """Where the Karmada API is (its pods' port is opened to the function). Default: KarmadaApiAccess()."""
    role_name: str | None = None
    """A fixed role name, for trust from other stacks. Default: generated."""
    timeout: Duration = field(default_factory=lambda: Duration.minutes(14))
    """The function's timeout. Default: 14 minutes (a custom resource handler's, under the framework's 15)."""
    reserved_concurrency: int | None = None
    """Reserved concurrent executions (1: runs never overlap). Default: none (the account's unreserved pool)."""
    log_retention_days: int = 90
    """Retention of the handler's logs. Default: 90."""


class ParentClusterFunction(Construct):
    """A Python Lambda (latest runtime, in the parent's private subnets) that works on the parent cluster.

    Creates:

    - an IAM role for Lambda with AWSLambdaVPCAccessExecutionRole and eks:DescribeCluster on the parent cluster,
      plus what the caller adds;
    - an EKS access entry mapping that role to `kubernetes_group` in the parent (the group's RBAC is rendered by
      a chart next to it, nothing more);
    - a security group allowed to reach the parent's API endpoint and the karmada-apiserver pods;
    - the function, and its log group under the stack's log key (karmada_constructs/log_encryption.py), deleted
      with the stack.

    Credentials are read at run time; none appears in a template. Who invokes the function is the caller's:
    the CDK Provider framework (`ParentClusterProvider`) or a schedule (`FleetGuard`).
    """

    def __init__(self, scope: Construct, id: str, props: ParentClusterFunctionProps) -> None:
        super().__init__(scope, id)
        cluster, vpc, description = props.cluster, props.vpc, props.description
        self.security_group = ec2.SecurityGroup(self, "SecurityGroup", vpc=vpc, description=description)
        cluster_sg = cluster.cluster_security_group
        cluster_sg.add_ingress_rule(self.security_group, ec2.Port.tcp(443), f"{description} to the EKS API")
        cluster_sg.add_ingress_rule(
            self.security_group, ec2.Port.tcp(props.access.port), f"{description} to karmada-apiserver pods"
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
        self.function = lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler=props.handler,
            code=lambda_.Code.from_asset(str(REPO_ROOT), exclude=ASSET_EXCLUDE),
            role=self.role,
            timeout=props.timeout,
            memory_size=512,
            reserved_concurrent_executions=props.reserved_concurrency,
            vpc=vpc,
            vpc_subnets=PRIVATE_SUBNETS,
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
        acknowledge(self,
                    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]",
                    "Lambdas in the VPC need ENI management; AWS maintains AWSLambdaVPCAccessExecutionRole for "
                    "exactly that and CloudWatch Logs writes.")
