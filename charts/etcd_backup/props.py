"""Typed, validated inputs of the etcd backup chart and the restore renderer.

The charts know nothing of AWS: the bucket name and region are plain strings
(at synth time CDK tokens such as ``${Token[TOKEN.123]}``, so they are opaque and
never interpolated into a shell script: the pods read them from env vars).
Everything about etcd itself (namespace, member names, URLs, image, zones,
volume size) comes from the control plane's own props, so the backup and the
restore always match the StatefulSet in charts/karmada/etcd.py.
"""

from __future__ import annotations

import math
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from charts.images import is_pinned
from charts.karmada.props import KarmadaControlPlaneProps, Resources

# Key layout in the bucket: etcd-snapshots/<cluster>/<UTC timestamp>.db
SNAPSHOT_ROOT = "etcd-snapshots"
# Pinned AWS CLI v2 image (Amazon Linux 2023 based: /bin/sh, date, mv, rm are there).
DEFAULT_AWS_CLI_IMAGE = "public.ecr.aws/aws-cli/aws-cli:2.36.7"

# Five-field cron: minute hour day-of-month month day-of-week, or a @macro.
_CRON_FIELD = r"[0-9A-Za-z*/,?-]+"
_CRON = re.compile(rf"^({_CRON_FIELD}\s+){{4}}{_CRON_FIELD}$|^@(hourly|daily|midnight|weekly|monthly|yearly|annually)$")
# An EKS cluster name: it becomes a segment of every snapshot key.
_CLUSTER_NAME = re.compile(r"^[A-Za-z][-A-Za-z0-9_]{0,99}$")
_GIB = 1024**3


class UploadMetric(BaseModel):
    """A metric the upload step publishes (value 1, unit Count) after each verified upload."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    namespace: str = Field(min_length=1, pattern=r"^[A-Za-z0-9./_#:-]+$")
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    dimension: str = Field(min_length=1, pattern=r"^[A-Za-z0-9._-]+$")
    """Its one dimension's name; the value is the cluster name."""


class EtcdBackupProps(BaseModel):
    """Inputs of ``EtcdBackupChart`` and ``restore_manifests``; the control plane's props come first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    control_plane: KarmadaControlPlaneProps = Field(default_factory=KarmadaControlPlaneProps)
    # The parent EKS cluster's name: the prefix etcd-snapshots/<cluster_name>/ in the bucket,
    # the same prefix the Pod Identity role is limited to.
    cluster_name: str = "karmada-parent"
    bucket_name: str = Field(min_length=1)
    region: str = Field(min_length=1)

    # --- schedule ---------------------------------------------------------------------
    schedule: str = "0 */6 * * *"
    time_zone: str = "Etc/UTC"
    successful_jobs_history_limit: int = Field(default=3, ge=1, le=20)
    failed_jobs_history_limit: int = Field(default=3, ge=1, le=20)
    # A missed run (controller down, cluster upgrade) still starts within 10 minutes.
    starting_deadline_seconds: int = Field(default=600, ge=60)
    backoff_limit: int = Field(default=2, ge=0, le=10)
    active_deadline_seconds: int = Field(default=3600, ge=300)

    # Counted after each upload when set (the backup alarm's metric). Default: not published.
    upload_metric: UploadMetric | None = None

    # --- images and sizing ----------------------------------------------------------------
    aws_cli_image: str = DEFAULT_AWS_CLI_IMAGE
    # etcdctl streams the snapshot to a file; etcdutl mmaps it (status, restore): little CPU,
    # page cache up to the db size. CPU limits are fine here (unlike etcd itself): batch
    # jobs, nothing latency-sensitive.
    etcd_tool_resources: Resources = Resources(
        cpu_request="100m", memory_request="256Mi", cpu_limit="1", memory_limit="2Gi"
    )
    aws_cli_resources: Resources = Resources(
        cpu_request="100m", memory_request="256Mi", cpu_limit="1", memory_limit="1Gi"
    )

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        if not _CRON.match(value.strip()):
            raise ValueError(f"not a five-field cron schedule: {value!r} (e.g. '0 */6 * * *')")
        return value.strip()

    @field_validator("cluster_name")
    @classmethod
    def _cluster(cls, value: str) -> str:
        if not _CLUSTER_NAME.match(value):
            raise ValueError(f"not an EKS cluster name: {value!r}")
        return value

    @field_validator("aws_cli_image")
    @classmethod
    def _pinned(cls, value: str) -> str:
        if not is_pinned(value):
            raise ValueError(f"the AWS CLI image must be pinned to a version tag or digest, got {value!r}")
        return value

    @field_validator("bucket_name", "region")
    @classmethod
    def _opaque(cls, value: str) -> str:
        # Tokens are fine; whitespace or quotes never are (they would only ever be typos).
        if re.search(r"[\s'\"`\\]", value):
            raise ValueError(f"unexpected whitespace or quote in {value!r}")
        return value

    # --- derived ------------------------------------------------------------------------------
    @property
    def namespace(self) -> str:
        return self.control_plane.namespace

    @property
    def snapshot_prefix(self) -> str:
        """Key prefix of this cluster's snapshots, with the trailing slash."""
        return f"{SNAPSHOT_ROOT}/{self.cluster_name}/"

    @property
    def work_dir_size_limit(self) -> str:
        """Scratch space for one snapshot: etcd's backend quota (the largest a db can get) plus 1 GiB."""
        return f"{math.ceil(self.control_plane.etcd_quota_backend_bytes / _GIB) + 1}Gi"


__all__ = ["DEFAULT_AWS_CLI_IMAGE", "SNAPSHOT_ROOT", "EtcdBackupProps", "UploadMetric"]
