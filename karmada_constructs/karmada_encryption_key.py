"""The key karmada-apiserver encrypts Secrets with at rest: a KMS key, the handler writing it, and its RBAC."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from dataclasses import dataclass

import cdk8s
from aws_cdk import CustomResource, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct

from charts.encryption_key_writer_rbac import EncryptionKeyWriterRbacChart, EncryptionKeyWriterRbacProps
from functions import resource_types
from functions.encryption_key.handler import encryption_context
from karmada_constructs.chart_manifest import ChartManifest, ChartManifestProps
from karmada_constructs.parent_cluster_provider import ParentClusterProvider, ParentClusterProviderProps

# The Kubernetes group the handler's role maps to in the parent (EncryptionKeyWriterRbacChart grants it).
WRITER_GROUP = "eks-karmada:encryption-key-writer"


def parameter_name(cluster_name: str) -> str:
    """The SSM parameter that keeps the KMS-encrypted data key (ciphertext only) for restores."""
    return f"/eks-karmada/{cluster_name}/karmada-apiserver-encryption-key"


@dataclass(frozen=True, kw_only=True)
class KarmadaEncryptionKeyProps:
    """Properties of `KarmadaEncryptionKey`."""
    cluster: eks.ICluster
    """The parent cluster."""
    cluster_name: str
    """Its name (the encryption context and the parameter name carry it)."""
    vpc: ec2.IVpc
    """The parent's VPC; the handler runs in its private subnets."""
    charts: cdk8s.App
    """The cdk8s app the handler's RBAC chart is rendered in."""
    target: str
    """The rendered-manifests file of the parent (e.g. "parent")."""
    namespace: str
    """The control plane's namespace, where the Secret goes."""
    secret_name: str
    """The Secret karmada-apiserver mounts its encryption config from."""
    depends_on: list[IConstruct]
    """What must exist before the Secret can be written (the namespace)."""
    log_retention_days: int = 90
    """Retention of the handler's logs. Default: 90."""


class KarmadaEncryptionKey(Construct):
    """The key of karmada-apiserver's encryption of Secrets at rest, with KMS as its root.

    Creates:

    - a KMS key (yearly rotation; RETAINED with the stack: snapshots in the backup bucket need it), usable by the
      handler's role only with this cluster's encryption context;
    - the handler (functions/encryption_key, a `ParentClusterProvider`), allowed kms:GenerateDataKey and kms:Decrypt
      on that key with that context, and ssm:GetParameter/PutParameter on one parameter, which keeps the data key's
      ciphertext so that a rebuilt parent gets the same key back;
    - its parent RBAC: get the one Secret, create Secrets in the namespace (`EncryptionKeyWriterRbacChart`);
    - the custom resource that writes the Secret `secret_name` (an EncryptionConfiguration with the data key, under
      secretbox) once: the key never appears in a template, cdk.out or a log.
    """

    RESOURCE_TYPE = resource_types.KARMADA_ENCRYPTION_KEY

    def __init__(self, scope: Construct, id: str, props: KarmadaEncryptionKeyProps) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self, "RootKey",
            description=f"Root of karmada-apiserver's encryption of Secrets at rest ({props.cluster_name})",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.provider = ParentClusterProvider(self, "Provider", ParentClusterProviderProps(
            cluster=props.cluster,
            vpc=props.vpc,
            handler="functions.encryption_key.handler.on_event",
            kubernetes_group=WRITER_GROUP,
            description="KarmadaEncryptionKey: writes the karmada-apiserver encryption config once",
            log_retention_days=props.log_retention_days,
        ))
        context = encryption_context(props.cluster_name)
        self.provider.role.add_to_policy(iam.PolicyStatement(
            actions=["kms:GenerateDataKey", "kms:Decrypt"],
            resources=[self.key.key_arn],
            conditions={"StringEquals": {f"kms:EncryptionContext:{k}": v for k, v in context.items()}},
        ))
        parameter = parameter_name(props.cluster_name)
        self.parameter_arn = stack.format_arn(service="ssm", resource="parameter", resource_name=parameter[1:])
        self.provider.role.add_to_policy(iam.PolicyStatement(
            actions=["ssm:GetParameter", "ssm:PutParameter"], resources=[self.parameter_arn]))
        rbac = ChartManifest(self, "WriterRbac", ChartManifestProps(
            cluster=props.cluster,
            target=props.target,
            chart=EncryptionKeyWriterRbacChart(props.charts, "encryption-key-writer-rbac", EncryptionKeyWriterRbacProps(
                name="eks-karmada-encryption-key-writer", group=WRITER_GROUP, secret_name=props.secret_name,
                namespace=props.namespace)),
        ))
        for dependency in props.depends_on:
            rbac.node.add_dependency(dependency)
        self.resource = CustomResource(
            self, "Resource",
            service_token=self.provider.service_token,
            resource_type=self.RESOURCE_TYPE,
            properties={
                "ClusterName": props.cluster_name,
                "Namespace": props.namespace,
                "SecretName": props.secret_name,
                "KmsKeyArn": self.key.key_arn,
                "ParameterName": parameter,
            },
        )
        # The handler reaches the cluster once its access entry exists, and may write once its RBAC does.
        self.resource.node.add_dependency(self.provider.access_entry)
        self.resource.node.add_dependency(rbac)
