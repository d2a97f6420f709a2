"""Scheduled etcd snapshots of the Karmada API to S3, with AWS access through EKS Pod Identity."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cdk8s
from aws_cdk import CfnOutput, CfnResource, RemovalPolicy, Stack
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from charts.etcd_backup import DEFAULT_AWS_CLI_IMAGE, SNAPSHOT_ROOT, EtcdBackupChart, EtcdBackupProps, UploadMetric
from charts.etcd_backup.pods import SERVICE_ACCOUNT
from charts.karmada.props import KarmadaControlPlaneProps
from karmada_constructs.backup_bucket import BackupBucket, BackupBucketProps
from karmada_constructs.cfn import default_child
from karmada_constructs.chart_manifest import ChartManifest, ChartManifestProps
from karmada_constructs.nag import acknowledge
from karmada_constructs.rendered_manifests import RenderedManifests

BUCKET_OUTPUT = "EtcdBackupBucketName"


@dataclass(frozen=True, kw_only=True)
class EtcdBackupSettings:
    """What an operator tunes (the config's karmada.etcd_backup)."""

    schedule: str = "0 */6 * * *"
    """Cron schedule of the snapshots (UTC). Default: every 6 hours."""
    retention_days: int = 30
    """Days a snapshot is kept. Default: 30."""
    aws_cli_image: str = DEFAULT_AWS_CLI_IMAGE
    """The pinned AWS CLI image that uploads snapshots. Default: DEFAULT_AWS_CLI_IMAGE."""
    access_log_retention_days: int = 365
    """Days the bucket's access logs are kept. Default: 365."""
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    """What happens to the bucket with the stack. Default: RETAIN."""
    upload_metric: UploadMetric | None = None
    """CloudWatch metric counted after each verified upload (the backup alarm's); the role may then put
    metric data in its namespace only. Default: none."""


@dataclass(frozen=True, kw_only=True)
class EtcdBackupConstructProps:
    """Properties of `EtcdBackup`."""
    cluster: eks.ICluster
    """The parent cluster."""
    cluster_name: str
    """Its name (the snapshots' prefix and the Pod Identity condition)."""
    charts: cdk8s.App
    """The cdk8s app the backup chart is added to."""
    control_plane: KarmadaControlPlaneProps
    """The control plane as rendered (namespace, etcd names and TLS)."""
    target: str
    """The rendered-manifests file the chart is recorded in."""
    settings: EtcdBackupSettings = EtcdBackupSettings()
    """Schedule, retention and images. Default: EtcdBackupSettings()."""
    depends_on: Sequence[IConstruct] = ()
    """Applied after these (the control plane, the Pod Identity agent). Default: none."""


class EtcdBackup(Construct):
    """etcd's backups: the bucket, the Pod Identity role and the backup CronJob.

    The backup bucket (see BackupBucket), an IAM role only the ServiceAccount ``karmada-system/etcd-backup`` of this
    cluster can assume through EKS Pod Identity, allowed nothing but s3:PutObject/GetObject on
    ``etcd-snapshots/<cluster>/*``, s3:ListBucket of that prefix, and kms:GenerateDataKey/Decrypt on the bucket's key
    through S3; the Pod Identity association; and the EtcdBackupChart (CronJob and friends) applied after
    ``depends_on`` (the control plane: namespace, etcd CA issuer, etcd). Outputs the bucket name as
    ``EtcdBackupBucketName`` (the restore needs it).
    """

    def __init__(self, scope: Construct, id: str, props: EtcdBackupConstructProps) -> None:
        super().__init__(scope, id)
        cluster, cluster_name, control_plane, settings = (
            props.cluster, props.cluster_name, props.control_plane, props.settings)
        stack = Stack.of(self)
        rendered = RenderedManifests.of(self)
        namespace = control_plane.namespace
        prefix = f"{SNAPSHOT_ROOT}/{cluster_name}/"

        self.storage = BackupBucket(
            self,
            "Storage",
            BackupBucketProps(
                prefix=f"{SNAPSHOT_ROOT}/",
                retention_days=settings.retention_days,
                access_log_retention_days=settings.access_log_retention_days,
                removal_policy=settings.removal_policy,
            ),
        )
        bucket = self.storage.bucket
        self.role = self._add_role(cluster_name, namespace, prefix)
        if settings.upload_metric is not None:
            self._allow_metric(settings.upload_metric)

        self.association = eks.CfnPodIdentityAssociation(
            self,
            "PodIdentityAssociation",
            cluster_name=cluster.cluster_name,
            namespace=namespace,
            service_account=SERVICE_ACCOUNT,
            role_arn=self.role.role_arn,
            # The trust policy's conditions read these session tags.
            disable_session_tags=False,
        )

        chart_props = EtcdBackupProps(
            control_plane=control_plane,
            cluster_name=cluster_name,
            bucket_name=rendered.placeholder(bucket.bucket_name, "EtcdBackup.BucketName"),
            region=rendered.placeholder(stack.region, "AWS::Region"),
            schedule=settings.schedule,
            aws_cli_image=settings.aws_cli_image,
            upload_metric=settings.upload_metric,
        )
        self.props = chart_props
        self.manifest = ChartManifest(self, "Chart", ChartManifestProps(
            cluster=cluster,
            chart=EtcdBackupChart(props.charts, "etcd-backup", chart_props),
            target=props.target,
        ))
        # Credentials are injected at pod creation: the association must exist before the first Job.
        self.manifest.node.add_dependency(self.association)
        for dependency in props.depends_on:
            self.manifest.node.add_dependency(dependency)

        output = CfnOutput(
            stack,
            BUCKET_OUTPUT,
            value=bucket.bucket_name,
            description="S3 bucket of the etcd snapshots (etcd-snapshots/<cluster>/<UTC timestamp>.db)",
        )
        output.override_logical_id(BUCKET_OUTPUT)

    def _allow_metric(self, metric: UploadMetric) -> None:
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="CountUploads",
                actions=["cloudwatch:PutMetricData"],
                resources=["*"],
                conditions={"StringEquals": {"cloudwatch:namespace": metric.namespace}},
            )
        )
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "cloudwatch:PutMetricData has no resource type (Service Authorization Reference); the statement is "
            f"limited by its cloudwatch:namespace condition to {metric.namespace}.",
        )

    def _add_role(self, cluster_name: str, namespace: str, prefix: str) -> iam.Role:
        """The role only this cluster's etcd-backup ServiceAccount may assume, for its prefix of the bucket."""
        stack = Stack.of(self)
        bucket, key = self.storage.bucket, self.storage.key
        # Pod Identity tags the session with the pod's cluster, namespace and ServiceAccount;
        # the trust policy admits only this cluster's etcd-backup ServiceAccount (EKS User
        # Guide, "Create IAM role with trust policy required by EKS Pod Identity").
        pod_identity = iam.ServicePrincipal("pods.eks.amazonaws.com").with_conditions(
            {
                "StringEquals": {
                    "aws:RequestTag/eks-cluster-name": cluster_name,
                    "aws:RequestTag/kubernetes-namespace": namespace,
                    "aws:RequestTag/kubernetes-service-account": SERVICE_ACCOUNT,
                }
            }
        )
        role = iam.Role(
            self,
            "Role",
            description=f"etcd backup of the Karmada API on {cluster_name} (Pod Identity: "
                        f"{namespace}/{SERVICE_ACCOUNT})",
            assumed_by=pod_identity.with_session_tags(),
        )
        objects = bucket.arn_for_objects(f"{prefix}*")
        role.add_to_principal_policy(
            iam.PolicyStatement(sid="SnapshotObjects", actions=["s3:PutObject", "s3:GetObject"], resources=[objects])
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="ListSnapshots",
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [prefix, f"{prefix}*"]}},
            )
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="SnapshotKeyThroughS3",
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=[key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{stack.region}.amazonaws.com"}},
            )
        )
        acknowledge(
            role,
            f"AwsSolutions-IAM5[Resource::<{stack.get_logical_id(default_child(bucket, CfnResource))}.Arn>/{prefix}*]",
            "Snapshot keys carry their UTC timestamp, so the role needs every object under this one "
            f"cluster's prefix {prefix}; only PutObject and GetObject, no delete, no other prefix.",
        )
        return role
