"""An S3 bucket for backups: KMS-encrypted, versioned, private, TLS-only, access-logged, expiring."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy
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
    access_log_retention_days: int = 365
    """Server access logs are audit evidence of who read or wrote a backup: kept longer. Default: 365."""
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN
    """Backups outlive the stack that made them (a `cdk destroy` is no reason to lose them). Default: RETAIN."""

    def __post_init__(self) -> None:
        if self.retention_days < 1 or self.access_log_retention_days < 1:
            raise ValueError("retention must be at least one day")
        if not self.prefix.endswith("/"):
            raise ValueError(f"prefix must end with '/': {self.prefix!r}")


class BackupBucket(Construct):
    """The bucket snapshots go to, and the bucket its server access logs go to.

    Backups: SSE-KMS under a customer managed key with yearly rotation (S3
    Bucket Key on, so KMS is called per bucket key, not per object), versioning
    (an overwritten or deleted snapshot stays recoverable until its noncurrent
    version expires), all public access blocked, ACLs disabled (bucket owner
    enforced), a bucket policy that denies any request without TLS (and below
    TLS 1.2), and a lifecycle rule that expires snapshots under ``prefix`` after
    ``retention_days`` (noncurrent versions a day later) and aborts incomplete
    multipart uploads after a day.

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
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="backup-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-snapshots",
                    prefix=props.prefix,
                    expiration=Duration.days(props.retention_days),
                    noncurrent_version_expiration=Duration.days(1),
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
