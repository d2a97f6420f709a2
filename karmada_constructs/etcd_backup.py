"""Scheduled etcd snapshots of the Karmada API to S3, with AWS access through EKS Pod Identity."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import cdk8s
from aws_cdk import CfnOutput, CfnResource, RemovalPolicy, Stack
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from charts.etcd_backup import DEFAULT_AWS_CLI_IMAGE, SNAPSHOT_ROOT, EtcdBackupChart, EtcdBackupProps, UploadMetric
from charts.etcd_backup.pods import RESTORE_SERVICE_ACCOUNT, SERVICE_ACCOUNT
from charts.karmada.props import KarmadaControlPlaneProps
from karmada_constructs.backup_bucket import BackupBucket, BackupBucketProps
from karmada_constructs.cfn import default_child
from karmada_constructs.chart_manifest import ChartManifest, ChartManifestProps
from karmada_constructs.nag import acknowledge
from karmada_constructs.pod_identity import pod_identity_association, pod_identity_principal
from karmada_constructs.rendered_manifests import RenderedManifests

BUCKET_OUTPUT = "EtcdBackupBucketName"
# Everything each role may do in the bucket; the bucket policy denies it the rest (BackupBucket.limit_to).
BACKUP_S3_ACTIONS = ("s3:PutObject",)
# Versions too: after an overwrite (a new version) the snapshot to restore is an older, still locked, version.
RESTORE_S3_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions")


@dataclass(frozen=True, kw_only=True)
class EtcdBackupSettings:
    """What an operator tunes (the config's karmada.etcd_backup)."""

    schedule: str = "0 */6 * * *"
    """Cron schedule of the snapshots (UTC). Default: every 6 hours."""
    retention_days: int = 30
    """Days a snapshot is kept. Default: 30."""
    lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    """S3 Object Lock mode of each snapshot. Default: GOVERNANCE."""
    lock_days: int | None = None
    """Days each snapshot is write-once. Default: retention_days."""
    noncurrent_days: int = 30
    """Days an overwritten or expired snapshot version is kept. Default: 30."""
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
    """etcd's backups: the bucket, the backup and restore roles and the backup CronJob.

    The backup bucket (see BackupBucket: versioned, Object Lock) and two IAM roles, each assumable through EKS
    Pod Identity by one ServiceAccount of this cluster only, with a Pod Identity association each:

    * backup (``karmada-system/etcd-backup``, the CronJob): s3:PutObject on ``etcd-snapshots/<cluster>/*`` and
      kms:GenerateDataKey/Decrypt on the bucket's key through S3 (Decrypt: completing a multipart upload under
      SSE-KMS needs it). It cannot read, list, delete, change a retention or a lifecycle rule: a stolen
      credential can add versions, never remove or replace what is stored.
    * restore (``karmada-system/etcd-restore``, the restore and cleanup Jobs of charts/etcd_backup/restore.py):
      s3:GetObject/GetObjectVersion on that prefix, s3:ListBucket/ListBucketVersions of it (an overwritten
      snapshot is an older version), kms:Decrypt through S3. Nothing it may do writes.

    The bucket policy denies each role every other S3 action on the bucket (BackupBucket.limit_to). The
    EtcdBackupChart (ServiceAccounts, CronJob and friends) is applied after ``depends_on`` (the control plane:
    namespace, etcd CA issuer, etcd). Outputs the bucket name as ``EtcdBackupBucketName`` (the restore needs it).
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
                lock_mode=settings.lock_mode,
                lock_days=settings.lock_days,
                noncurrent_days=settings.noncurrent_days,
                access_log_retention_days=settings.access_log_retention_days,
                removal_policy=settings.removal_policy,
            ),
        )
        bucket = self.storage.bucket
        self.role = self._add_role(cluster, cluster_name, namespace, prefix)
        if settings.upload_metric is not None:
            self._allow_metric(settings.upload_metric)
        self.restore_role = self._add_restore_role(cluster, cluster_name, namespace, prefix)
        self.storage.limit_to(self.role, BACKUP_S3_ACTIONS)
        self.storage.limit_to(self.restore_role, RESTORE_S3_ACTIONS)

        self.association = pod_identity_association(self, "PodIdentityAssociation", cluster, namespace,
                                                    SERVICE_ACCOUNT, self.role)
        self.restore_association = pod_identity_association(self, "RestorePodIdentityAssociation", cluster,
                                                            namespace, RESTORE_SERVICE_ACCOUNT, self.restore_role)

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
        self.manifest.node.add_dependency(self.association, self.restore_association)
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

    def _pod_identity_role(self, id: str, cluster: eks.ICluster, cluster_name: str, namespace: str,
                           service_account: str, purpose: str) -> iam.Role:
        """A role only ``namespace/service_account`` of this cluster may assume, through EKS Pod Identity."""
        return iam.Role(
            self,
            id,
            description=f"{purpose} of the Karmada API on {cluster_name} (Pod Identity: {namespace}/{service_account})",
            assumed_by=pod_identity_principal(self, cluster, namespace, service_account),
        )

    def _key_through_s3(self, role: iam.Role, actions: list[str]) -> None:
        role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="SnapshotKeyThroughS3",
                actions=actions,
                resources=[self.storage.key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{Stack.of(self).region}.amazonaws.com"}},
            )
        )

    def _acknowledge_prefix(self, role: iam.Role, prefix: str, reason: str) -> None:
        bucket_id = Stack.of(self).get_logical_id(default_child(self.storage.bucket, CfnResource))
        acknowledge(role, f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/{prefix}*]", reason)

    def _add_role(self, cluster: eks.ICluster, cluster_name: str, namespace: str, prefix: str) -> iam.Role:
        """The backup CronJob's role: write new snapshot versions under this cluster's prefix, nothing else."""
        role = self._pod_identity_role("Role", cluster, cluster_name, namespace, SERVICE_ACCOUNT, "etcd backup")
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="SnapshotObjects", actions=list(BACKUP_S3_ACTIONS),
            resources=[self.storage.bucket.arn_for_objects(f"{prefix}*")]))
        # GenerateDataKey encrypts; Decrypt only completes multipart uploads (the role has no s3:GetObject).
        self._key_through_s3(role, ["kms:GenerateDataKey", "kms:Decrypt"])
        self._acknowledge_prefix(
            role, prefix,
            "Snapshot keys carry their UTC timestamp, so the role needs every object under this one "
            f"cluster's prefix {prefix}; only PutObject (a new version under Object Lock), no read, no delete, "
            "no other prefix; the bucket policy denies it every other action.",
        )
        return role

    def _add_restore_role(self, cluster: eks.ICluster, cluster_name: str, namespace: str, prefix: str) -> iam.Role:
        """The restore Jobs' role: read this cluster's snapshots, nothing else."""
        role = self._pod_identity_role("RestoreRole", cluster, cluster_name, namespace, RESTORE_SERVICE_ACCOUNT,
                                       "etcd restore (read-only)")
        bucket = self.storage.bucket
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ReadSnapshots", actions=["s3:GetObject", "s3:GetObjectVersion"],
            resources=[bucket.arn_for_objects(f"{prefix}*")]))
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ListSnapshots", actions=["s3:ListBucket", "s3:ListBucketVersions"], resources=[bucket.bucket_arn],
            conditions={"StringLike": {"s3:prefix": [prefix, f"{prefix}*"]}}))
        self._key_through_s3(role, ["kms:Decrypt"])
        self._acknowledge_prefix(
            role, prefix,
            "A restore reads the snapshot an operator names, whose key carries its UTC timestamp, so the role "
            f"reads every object under this one cluster's prefix {prefix}; only GetObject(Version), no write, "
            "no delete.",
        )
        return role
