"""etcd backups of the Karmada API to S3, and their restore (Kubernetes objects only, no AWS).

Parent cluster:  ``EtcdBackupChart`` (ServiceAccounts ``etcd-backup`` and ``etcd-restore`` for Pod
                 Identity, its etcd client Certificate, a NetworkPolicy, the
                 snapshot CronJob).
Restore:         ``restore_plan`` / ``restore_manifests`` render one Job per etcd
                 member for a named snapshot, plus the ordered kubectl steps;
                 ``python -m charts.etcd_backup restore --help`` prints them.
"""

from charts.etcd_backup.backup import EtcdBackupChart, backup_manifests
from charts.etcd_backup.props import DEFAULT_AWS_CLI_IMAGE, SNAPSHOT_ROOT, EtcdBackupProps, UploadMetric
from charts.etcd_backup.restore import RestorePlan, cleanup_manifests, restore_manifests, restore_plan

__all__ = [
    "DEFAULT_AWS_CLI_IMAGE",
    "SNAPSHOT_ROOT",
    "EtcdBackupChart",
    "EtcdBackupProps",
    "RestorePlan",
    "UploadMetric",
    "backup_manifests",
    "cleanup_manifests",
    "restore_manifests",
    "restore_plan",
]
