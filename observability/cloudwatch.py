"""The CloudWatch metric the etcd backup publishes after each verified upload (alarm and dashboard read it)."""

from __future__ import annotations

BACKUP_METRIC_NAMESPACE = "EKSKarmada/EtcdBackup"
BACKUP_METRIC_NAME = "SnapshotsUploaded"
BACKUP_METRIC_DIMENSION = "ClusterName"
"""Its one dimension: the parent cluster's name."""
