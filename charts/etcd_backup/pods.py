"""Names and pod plumbing shared by the backup CronJob and the restore Jobs.

Security contexts, the non-root uid and the mount types come from
charts/karmada/common/pod.py, so these pods pass the namespace's
``restricted`` Pod Security level exactly like the control plane does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from charts.etcd_backup.props import EtcdBackupProps
from charts.karmada import names
from charts.karmada.common.objects import labels, selector_labels
from charts.karmada.common.pod import (
    TMP,
    EmptyDirMount,
    Mount,
    restricted_container_security_context,
    restricted_pod_security_context,
)
from charts.karmada.props import Resources

BACKUP = "etcd-backup"  # CronJob, ServiceAccount, NetworkPolicy, app.kubernetes.io/name of backup pods
RESTORE = "etcd-restore"  # app.kubernetes.io/name of restore pods
SERVICE_ACCOUNT = BACKUP  # the backup role's Pod Identity association names it (write-only)
# The restore and cleanup Jobs' own identity: the restore role's association names it (read-only),
# so a restore never holds the credential that writes snapshots, and the CronJob never one that reads them.
RESTORE_SERVICE_ACCOUNT = RESTORE
# A client identity of its own, signed by the etcd CA (see backup.py for why not reuse one).
CLIENT_CERT_SECRET = names.etcd_client_secret(BACKUP)
WORK_PATH = "/var/lib/etcd-backup"
SNAPSHOT_PATH = f"{WORK_PATH}/snapshot.db"
ETCDCTL = "/usr/local/bin/etcdctl"
ETCDUTL = "/usr/local/bin/etcdutl"
# The EKS Pod Identity webhook injects AWS credentials into every container except
# these (aws/amazon-eks-pod-identity-webhook, "skip-containers"): the containers that
# hold the etcd client key never hold AWS credentials too.
SKIP_CONTAINERS_ANNOTATION = "eks.amazonaws.com/skip-containers"


def work_dir(props: EtcdBackupProps) -> EmptyDirMount:
    return EmptyDirMount("work", WORK_PATH, size_limit=props.work_dir_size_limit)


def env(**values: str) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in values.items()]


def aws_env(props: EtcdBackupProps) -> list[dict[str, str]]:
    """AWS CLI settings; the credentials themselves come from Pod Identity."""
    return env(
        AWS_REGION=props.region,
        AWS_DEFAULT_REGION=props.region,
        # Only Pod Identity: never fall back to the node's instance profile.
        AWS_EC2_METADATA_DISABLED="true",
        AWS_RETRY_MODE="standard",
        AWS_MAX_ATTEMPTS="5",
        AWS_PAGER="",
        HOME=TMP.path,
    )


@dataclass(frozen=True)
class Step:
    """One container of a Job pod: an exec'd binary, or a script in the AWS CLI image."""

    name: str
    image: str
    command: Sequence[str]
    resources: Resources
    mounts: Sequence[Mount] = ()
    env: Sequence[dict[str, str]] = ()

    def all_mounts(self) -> list[Mount]:
        return [*self.mounts, TMP]

    def to_k8s(self, pull_policy: str) -> dict[str, Any]:
        container: dict[str, Any] = {
            "name": self.name,
            "image": self.image,
            "imagePullPolicy": pull_policy,
            "command": list(self.command),
        }
        if self.env:
            container["env"] = [dict(e) for e in self.env]
        container.update(
            {
                "resources": self.resources.to_k8s(),
                "securityContext": restricted_container_security_context(),
                "volumeMounts": [m.mount_k8s() for m in self.all_mounts()],
                "terminationMessagePolicy": "FallbackToLogsOnError",
            }
        )
        return container


def shell(script: str) -> list[str]:
    return ["/bin/sh", "-c", script]


def job_pod_spec(
    props: EtcdBackupProps,
    *,
    init: Sequence[Step],
    main: Step,
    extra_volumes: Sequence[dict[str, Any]] = (),
    affinity: dict[str, Any] | None = None,
    service_account: str = SERVICE_ACCOUNT,
) -> dict[str, Any]:
    cp = props.control_plane
    volumes: dict[str, dict[str, Any]] = {}
    for step in [*init, main]:
        for m in step.all_mounts():
            v = m.volume_k8s()
            if v is not None and volumes.setdefault(v["name"], v) != v:
                raise ValueError(f"volume {v['name']!r} declared twice with different sources")
    spec: dict[str, Any] = {
        "serviceAccountName": service_account,
        # The Pod Identity webhook projects its own token (audience pods.eks.amazonaws.com)
        # whatever this says; nothing here talks to the Kubernetes API.
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "priorityClassName": cp.priority_class_name,
        "restartPolicy": "Never",
        "securityContext": restricted_pod_security_context(),
        "terminationGracePeriodSeconds": 30,
    }
    if init:
        spec["initContainers"] = [s.to_k8s(cp.image_pull_policy) for s in init]
    spec["containers"] = [main.to_k8s(cp.image_pull_policy)]
    spec["volumes"] = [*volumes.values(), *extra_volumes]
    if affinity:
        spec["affinity"] = affinity
    return spec


def pod_labels(component: str, props: EtcdBackupProps) -> dict[str, str]:
    return labels(component, props.control_plane)


def etcd_pod_selector() -> dict[str, str]:
    return selector_labels(names.ETCD)
