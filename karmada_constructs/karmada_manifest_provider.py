"""The custom resource provider that applies objects to the Karmada API server (one per parent)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from karmada_constructs.nag import acknowledge

HANDLER_DIR = Path(__file__).resolve().parent.parent / "functions" / "karmada_manifest"

# The Kubernetes group the handler's IAM role maps to in the parent cluster; the
# RBAC chart (charts/manifest_applier_rbac.py) grants it exactly what it reads.
APPLIER_GROUP = "eks-karmada:karmada-manifest-applier"


@dataclass(frozen=True)
class KarmadaApiAccess:
    """Where the handler finds the Karmada API server and its admin credential in the parent."""

    namespace: str = "karmada-system"
    admin_secret: str = "karmada-admin-client"
    service: str = "karmada-apiserver"
    port: int = 5443

    @property
    def server_name(self) -> str:
        return f"{self.service}.{self.namespace}.svc.cluster.local"


class KarmadaManifestProvider(Construct):
    """Creates the Python Lambda (in the parent's private subnets) behind every
    `KarmadaManifest`, wrapped by the CDK Provider framework, with:

    - IAM: eks:DescribeCluster on the parent cluster only;
    - an EKS access entry mapping its role to a Kubernetes group that may read
      the Karmada admin Secret and the apiserver's EndpointSlices, nothing else;
    - a security group allowed to reach the parent's API endpoint and the
      karmada-apiserver pods.

    The admin credential is read at run time; it never appears in a template.
    """

    def __init__(self, scope: Construct, id: str, *, cluster: eks.Cluster, vpc: ec2.IVpc,
                 access: KarmadaApiAccess | None = None) -> None:
        super().__init__(scope, id)
        self.cluster = cluster
        self.access = access or KarmadaApiAccess()
        self.security_group = ec2.SecurityGroup(
            self, "SecurityGroup", vpc=vpc, description="KarmadaManifest handler", allow_all_outbound=True
        )
        cluster_sg = cluster.cluster_security_group
        cluster_sg.add_ingress_rule(self.security_group, ec2.Port.tcp(443), "KarmadaManifest handler to EKS API")
        cluster_sg.add_ingress_rule(
            self.security_group, ec2.Port.tcp(self.access.port), "KarmadaManifest handler to karmada-apiserver pods"
        )

        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Applies objects to the Karmada API server",
        )
        role.add_managed_policy(
            iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWSLambdaVPCAccessExecutionRole")
        )
        role.add_to_policy(iam.PolicyStatement(actions=["eks:DescribeCluster"], resources=[cluster.cluster_arn]))
        self.role = role

        log_group = logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.THREE_MONTHS, removal_policy=RemovalPolicy.DESTROY
        )
        log_group.grant_write(role)
        self.function = lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler="handler.on_event",
            code=lambda_.Code.from_asset(str(HANDLER_DIR), exclude=["__pycache__", "*.pyc"]),
            role=role,
            timeout=Duration.minutes(14),
            memory_size=512,
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_groups=[self.security_group],
            log_group=log_group,
            description="KarmadaManifest: server-side apply to the Karmada API",
        )
        self.access_entry = eks.CfnAccessEntry(
            self,
            "AccessEntry",
            cluster_name=cluster.cluster_name,
            principal_arn=role.role_arn,
            type="STANDARD",
            kubernetes_groups=[APPLIER_GROUP],
        )
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.function,
            vpc=vpc,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_groups=[self.security_group],
            log_group=logs.LogGroup(
                self, "ProviderLogs", retention=logs.RetentionDays.THREE_MONTHS, removal_policy=RemovalPolicy.DESTROY
            ),
        )
        self._acknowledge()

    @property
    def service_token(self) -> str:
        return self.provider.service_token

    def _acknowledge(self) -> None:
        reason_vpc = ("Lambdas in the VPC need ENI management; AWS maintains AWSLambdaVPCAccessExecutionRole "
                      "for exactly that and CloudWatch Logs writes.")
        acknowledge(self, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]", reason_vpc)
        acknowledge(self, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                    "The CDK Provider framework's own function writes its logs with this AWS-maintained policy.")
        stack = Stack.of(self)
        handler_arn = "<" + stack.get_logical_id(self.function.node.default_child) + ".Arn>"
        acknowledge(self, f"AwsSolutions-IAM5[Resource::{handler_arn}:*]",
                    "The Provider framework invokes the handler's versions and aliases (ARN suffix :*), only this function.")
        acknowledge(self.provider, "AwsSolutions-L1",
                    "The CDK Provider framework pins the Node.js runtime of its own framework functions; our handler is on the latest Python runtime.")
