"""An S3 bucket for backups: KMS-encrypted, versioned, write-once (Object Lock), private, TLS-only, access-logged."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct


@dataclass(frozen=True, kw_only=True)
class BackupBucketProps:
    """Properties of `BackupBucket`."""
    prefix: str
    """Key prefix the retention applies to (e.g. "etcd-snapshots/"); objects elsewhere never expire."""
    retention_days: int
    """Days before a snapshot expires."""
    lock_mode: Literal["GOVERNANCE", "COMPLIANCE"] = "GOVERNANCE"
    """Object Lock mode of every new version: GOVERNANCE (only a principal granted
    s3:BypassGovernanceRetention may delete a locked version early) or COMPLIANCE (nobody can, not even the
    account root, until it ends). Default: GOVERNANCE."""
    lock_days: int | None = None
    """Days each new version stays locked (no delete, no overwrite of that version). Default: retention_days."""
    noncurrent_days: int = 30
    """Days a version is kept once it is no longer current (overwritten, or expired by retention_days): the
    window in which an overwrite or a delete can still be undone. Default: 30."""
    access_log_retention_days: int = 365
    """Server access logs are audit evidence of who read or wrote a backup: kept longer. Default: 365."""
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    """Backups outlive the stack that made them (a `cdk destroy` is no reason to lose them). Default: RETAIN."""

    def __post_init__(self) -> None:
        if min(self.retention_days, self.access_log_retention_days, self.noncurrent_days, self.object_lock_days) < 1:
            raise ValueError("retention must be at least one day")
        if self.lock_mode not in ("GOVERNANCE", "COMPLIANCE"):
            raise ValueError(f"lock_mode must be GOVERNANCE or COMPLIANCE, not {self.lock_mode!r}")
        if not self.prefix.endswith("/"):
            raise ValueError(f"prefix must end with '/': {self.prefix!r}")

    @property
    def object_lock_days(self) -> int:
        """The lock period in days (lock_days, else retention_days)."""
        return self.retention_days if self.lock_days is None else self.lock_days

    def default_retention(self) -> s3.ObjectLockRetention:
        period = Duration.days(self.object_lock_days)
        if self.lock_mode == "COMPLIANCE":
            return s3.ObjectLockRetention.compliance(period)
        return s3.ObjectLockRetention.governance(period)


class BackupBucket(Construct):
    """The bucket snapshots go to, and the bucket its server access logs go to.

    Backups: SSE-KMS under a customer managed key with yearly rotation (S3
    Bucket Key on, so KMS is called per bucket key, not per object), versioning
    and S3 Object Lock with a default retention (``lock_mode`` for
    ``lock_days``): every uploaded version is write-once for that period, an
    overwrite only adds a newer version and a delete only a delete marker, and
    no lifecycle rule or principal without s3:BypassGovernanceRetention
    (GOVERNANCE) or nobody at all (COMPLIANCE) can remove a locked version. All
    public access blocked, ACLs disabled (bucket owner enforced), a bucket
    policy that denies any request without TLS (and below TLS 1.2), and a
    lifecycle rule that expires snapshots under ``prefix`` after
    ``retention_days`` (a delete marker; the version itself is kept
    ``noncurrent_days`` longer) and aborts incomplete multipart uploads after a
    day. ``limit_to(role, actions)`` adds a bucket-policy deny of every other
    action for a role, so a later grant to that role cannot widen it.

    Object Lock cannot be turned off once on. On a bucket created without it,
    CloudFormation may replace the bucket to turn it on (docs/backup-restore.md,
    "Object Lock on an existing deployment").

    Access logs: a separate bucket with SSE-S3 (the encryption S3 server access
    log delivery documents for destination buckets), versioned, blocked, TLS
    only, write access for logging.s3.amazonaws.com from this account's backup
    bucket only (the bucket policy aws-cdk-lib writes), and its own expiry.
    """

    def __init__(self, scope: Construct, id: str, props: BackupBucketProps) -> None:
        super().__init__(scope, id)
        self.prefix = props.prefix
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts the etcd backups of the Karmada API in S3",
            enable_key_rotation=True,
            removal_policy=props.removal_policy,
        )
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(props.access_log_retention_days),
                    noncurrent_version_expiration=Duration.days(1),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            removal_policy=props.removal_policy,
        )
        # No access logs of its own (a log bucket would log into itself); cdk-nag's S1 knows a
        # bucket whose policy admits logging.s3.amazonaws.com is a log destination.
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            object_lock_enabled=True,
            object_lock_default_retention=props.default_retention(),
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="backup-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-snapshots",
                    prefix=props.prefix,
                    expiration=Duration.days(props.retention_days),
                    noncurrent_version_expiration=Duration.days(props.noncurrent_days),
                ),
                s3.LifecycleRule(
                    id="abort-incomplete-uploads",
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                ),
            ],
            removal_policy=props.removal_policy,
        )
        # A retained bucket keeps its policy too (TLS only; log delivery from the backup bucket only):
        # otherwise the uninstall would delete the policy and leave the kept bucket without it.
        for bucket in (self.access_logs, self.bucket):
            if bucket.policy is not None:
                bucket.policy.apply_removal_policy(props.removal_policy)

    def limit_to(self, role: iam.IRole, actions: Sequence[str]) -> None:
        """Deny ``role`` every S3 action on this bucket but ``actions``, whatever its own policies grant later.

        The role's identity policy already grants no more; this makes the bucket, not only the role, the
        guarantee (a managed policy attached to the role afterwards cannot add deletes or retention changes).
        """
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                not_actions=list(actions),
                resources=[self.bucket.bucket_arn, self.bucket.arn_for_objects("*")],
                conditions={"ArnEquals": {"aws:PrincipalArn": role.role_arn}},
            )
        )
