"""The restore drill (dry run): the newest etcd snapshot in the backup bucket is readable, and its restore renders.

Where snapshots are (docs/backup-restore.md): the bucket is the KarmadaParent output EtcdBackupBucketName, the keys
``etcd-snapshots/<parent cluster>/<UTC timestamp>.db`` (charts/etcd_backup: the CronJob's upload step). The drill
lists that prefix, downloads the newest object (asking S3 to verify the stored checksum when it returns one),
checks it with eks_karmada/cli/etcd_snapshot.py (the appended SHA-256, the bbolt pages, the revision and key
count), and renders the restore of exactly that key with the code `python -m charts.etcd_backup restore` runs.
It applies nothing and writes nothing in AWS or Kubernetes.
"""

from __future__ import annotations

import datetime
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eks_karmada.cli import names
from eks_karmada.cli.errors import CliError
from eks_karmada.cli.etcd_snapshot import SnapshotStatus, check_file
from eks_karmada.config import AppConfig

STAMP = re.compile(r"(\d{8}T\d{6}Z)\.db")


@dataclass(frozen=True)
class Snapshot:
    """One object under the snapshot prefix."""

    key: str
    size: int
    last_modified: datetime.datetime

    @property
    def taken(self) -> datetime.datetime:
        """When the backup ran: the key's UTC timestamp, else when S3 stored it."""
        match = STAMP.fullmatch(self.key.rsplit("/", 1)[-1])
        if match:
            return datetime.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
        return self.last_modified


def snapshot_prefix(config: AppConfig) -> str:
    return f"{names.SNAPSHOT_ROOT}/{config.parent.cluster_name}/"


def newest_snapshot(s3: Any, bucket: str, prefix: str) -> Snapshot | None:
    """The newest ``*.db`` under ``prefix`` (by the time in its name), or None when there is none."""
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents") or []:
            if item["Key"].endswith(".db"):
                found.append(Snapshot(item["Key"], int(item["Size"]), item["LastModified"]))
    return max(found, key=lambda s: (s.taken, s.key), default=None)


def download(s3: Any, bucket: str, snapshot: Snapshot, folder: Path) -> Path:
    """The object as a private file; S3 checks its stored SHA-256 on the way when it returns a whole-object one."""
    path = folder / snapshot.key.rsplit("/", 1)[-1]
    s3.download_file(bucket, snapshot.key, str(path), ExtraArgs={"ChecksumMode": "ENABLED"})
    return path


def age(taken: datetime.datetime, now: datetime.datetime) -> str:
    seconds = max(0, int((now - taken).total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def render_plan(config: AppConfig, bucket: str, key: str, account: str | None = None) -> Any:
    """The restore plan of charts/etcd_backup (the Jobs and the ordered steps) for ``key``; needs jsii.

    ``account``: the parent's account (its pull-through cache's registry), when the config does not name it.
    """
    from eks_karmada.bundled_node import use_bundled_node

    use_bundled_node()
    from charts.etcd_backup.cli import props_from_config
    from charts.etcd_backup.restore import restore_plan

    try:
        return restore_plan(props_from_config(config, bucket, account), key)
    except ValueError as err:
        raise CliError(f"the restore plan does not render: {err}") from None


@dataclass
class Checked:
    """What the dry run found."""

    bucket: str
    snapshot: Snapshot
    status: SnapshotStatus


def check_newest(s3: Any, bucket: str, config: AppConfig) -> Checked:
    """Find, download and check the newest snapshot (SnapshotError when it is not readable)."""
    prefix = snapshot_prefix(config)
    snapshot = newest_snapshot(s3, bucket, prefix)
    if snapshot is None:
        raise CliError(f"no snapshot under s3://{bucket}/{prefix}: the backup CronJob has not uploaded one (check "
                       f"`kubectl -n {names.NAMESPACE} get jobs -l app.kubernetes.io/name=etcd-backup`, or take one: "
                       f"docs/backup-restore.md)")
    with tempfile.TemporaryDirectory(prefix="eks-karmada-restore-drill-") as folder:
        status = check_file(download(s3, bucket, snapshot, Path(folder)))
    return Checked(bucket, snapshot, status)
