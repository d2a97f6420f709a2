"""Scheduled etcd snapshots of the Karmada API, uploaded to S3.

One CronJob pod runs three steps, sharing an emptyDir sized for the largest
database etcd accepts (its backend quota):

1. ``snapshot`` (etcd image): ``etcdctl snapshot save`` against the etcd client
   Service over mutual TLS. etcdctl checks that the stream ends with the
   SHA-256 etcd appends (only its presence: ``etcdutl snapshot restore``
   recomputes it) and renames the file only when it is complete.
2. ``verify`` (etcd image): ``etcdutl snapshot status``, which opens the file
   read-only, runs bbolt's consistency check over every page and hashes every
   key; any error exits non-zero, so the pod (and the Job) fails and nothing is
   uploaded.
3. ``upload`` (AWS CLI image): ``aws s3 cp`` to
   ``s3://<bucket>/etcd-snapshots/<cluster>/<UTC timestamp>.db`` with SHA-256
   checksums S3 verifies (per part above the CLI's 8 MiB multipart threshold),
   using EKS Pod Identity credentials (ServiceAccount
   ``etcd-backup``, whose role may only put objects). Only this container gets AWS credentials; only
   ``snapshot`` mounts the etcd client key.

Client identity: a new cert-manager Certificate ``etcd-backup-etcd-client``
signed by the etcd CA Issuer, rather than mounting karmada-apiserver's etcd
client Secret. This etcd has no RBAC, so any etcd-CA client certificate can
read everything either way; what a separate identity buys is containment: the
apiserver's key never leaves the apiserver's pods, the backup key lives only in
the backup pod's ``snapshot`` container, each rotates on its own, and revoking
or rotating one never touches the other (delete the Secret and cert-manager
reissues it).
"""

from __future__ import annotations

from typing import Any

import cdk8s
from constructs import Construct

from charts.etcd_backup import pods
from charts.etcd_backup.props import EtcdBackupProps
from charts.etcd_backup.scripts import UPLOAD
from charts.karmada import names
from charts.karmada.common.objects import emit_all, metadata, selector_labels
from charts.karmada.common.pod import SecretMount
from charts.karmada.pki import CLIENT_USAGES, CertificateRequest, certificate_manifest

CLIENT_CERT = SecretMount("etcd-client-cert", pods.CLIENT_CERT_SECRET, "/etc/etcd/pki/client")
# Link-local address of the EKS Pod Identity Agent (IPv4), port 80.
POD_IDENTITY_AGENT = "169.254.170.23/32"


def client_certificate_request() -> CertificateRequest:
    return CertificateRequest(
        name=pods.CLIENT_CERT_SECRET,
        issuer=names.ETCD_CA_ISSUER,
        common_name=f"system:karmada:{pods.BACKUP}-etcd-client",
        usages=CLIENT_USAGES,
        purpose="etcd client certificate of the scheduled etcd backup (snapshot only)",
    )


def etcd_endpoint(props: EtcdBackupProps) -> str:
    """The client Service: `snapshot save` talks to exactly one endpoint, whichever member answers."""
    return f"https://{names.service_fqdn(names.ETCD_CLIENT_SERVICE, props.control_plane)}:{names.ETCD_CLIENT_PORT}"


def snapshot_step(props: EtcdBackupProps) -> pods.Step:
    return pods.Step(
        name="snapshot",
        image=props.control_plane.etcd_image,
        command=[
            pods.ETCDCTL,
            f"--endpoints={etcd_endpoint(props)}",
            f"--cacert={CLIENT_CERT.ca}",
            f"--cert={CLIENT_CERT.cert}",
            f"--key={CLIENT_CERT.key}",
            "--dial-timeout=10s",
            "snapshot",
            "save",
            pods.SNAPSHOT_PATH,
        ],
        resources=props.etcd_tool_resources,
        mounts=[pods.work_dir(props), CLIENT_CERT],
    )


def verify_step(props: EtcdBackupProps) -> pods.Step:
    return pods.Step(
        name="verify",
        image=props.control_plane.etcd_image,
        command=[pods.ETCDUTL, "snapshot", "status", pods.SNAPSHOT_PATH, "--write-out=table"],
        resources=props.etcd_tool_resources,
        mounts=[pods.work_dir(props)],
    )


def upload_metric_env(props: EtcdBackupProps) -> list[dict[str, str]]:
    metric = props.upload_metric
    if metric is None:
        return []
    return pods.env(METRIC_NAMESPACE=metric.namespace, METRIC_NAME=metric.name,
                    METRIC_DIMENSIONS=f"{metric.dimension}={props.cluster_name}")


def upload_step(props: EtcdBackupProps) -> pods.Step:
    return pods.Step(
        name="upload",
        image=props.aws_cli_image,
        command=pods.shell(UPLOAD),
        resources=props.aws_cli_resources,
        mounts=[pods.work_dir(props)],
        env=[
            *pods.env(WORK_DIR=pods.WORK_PATH, BUCKET=props.bucket_name, SNAPSHOT_PREFIX=props.snapshot_prefix),
            *upload_metric_env(props),
            *pods.aws_env(props),
        ],
    )


def service_account_manifest(props: EtcdBackupProps, name: str = pods.SERVICE_ACCOUNT,
                             component: str = pods.BACKUP) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(name, namespace=props.namespace, labels=pods.pod_labels(component, props)),
        "automountServiceAccountToken": False,
    }


def restore_service_account_manifest(props: EtcdBackupProps) -> dict[str, Any]:
    """The restore Jobs' identity (read-only role), present before a restore so its Jobs can start at once."""
    return service_account_manifest(props, pods.RESTORE_SERVICE_ACCOUNT, pods.RESTORE)


def _network_policy(component: str, props: EtcdBackupProps, *, to_etcd: bool) -> dict[str, Any]:
    """No ingress; egress only to DNS, (etcd,) the Pod Identity Agent and HTTPS (S3).

    Enforced only where the cluster runs a NetworkPolicy engine (VPC CNI with network
    policy enabled); otherwise it documents the pods' traffic. matchLabels, not
    matchExpressions: scanners (checkov) read a selector without matchLabels as "every pod".
    """
    dns = [{"protocol": p, "port": 53} for p in ("UDP", "TCP")]
    egress: list[dict[str, Any]] = [
        {
            "to": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ],
            "ports": dns,
        }
    ]
    if to_etcd:
        egress.append(
            {
                "to": [{"podSelector": {"matchLabels": pods.etcd_pod_selector()}}],
                "ports": [{"protocol": "TCP", "port": names.ETCD_CLIENT_PORT}],
            }
        )
    egress += [
        {"to": [{"ipBlock": {"cidr": POD_IDENTITY_AGENT}}], "ports": [{"protocol": "TCP", "port": 80}]},
        # S3's addresses are not fixed: HTTPS anywhere (a gateway endpoint would keep it in the VPC).
        {"ports": [{"protocol": "TCP", "port": 443}]},
    ]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(component, namespace=props.namespace, labels=pods.pod_labels(component, props)),
        "spec": {
            "podSelector": {"matchLabels": selector_labels(component)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [],
            "egress": egress,
        },
    }


def network_policy_manifests(props: EtcdBackupProps) -> list[dict[str, Any]]:
    """Backup pods reach etcd; restore pods (rendered by restore.py, run while etcd is down) do not."""
    return [
        _network_policy(pods.BACKUP, props, to_etcd=True),
        _network_policy(pods.RESTORE, props, to_etcd=False),
    ]


def cronjob_manifest(props: EtcdBackupProps) -> dict[str, Any]:
    pod_labels = pods.pod_labels(pods.BACKUP, props)
    template = {
        "metadata": {
            "labels": pod_labels,
            "annotations": {pods.SKIP_CONTAINERS_ANNOTATION: "snapshot,verify"},
        },
        "spec": pods.job_pod_spec(
            props, init=[snapshot_step(props), verify_step(props)], main=upload_step(props)
        ),
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata(pods.BACKUP, namespace=props.namespace, labels=pod_labels),
        "spec": {
            "schedule": props.schedule,
            "timeZone": props.time_zone,
            "concurrencyPolicy": "Forbid",
            "startingDeadlineSeconds": props.starting_deadline_seconds,
            "successfulJobsHistoryLimit": props.successful_jobs_history_limit,
            "failedJobsHistoryLimit": props.failed_jobs_history_limit,
            "suspend": False,
            "jobTemplate": {
                "metadata": {"labels": pod_labels},
                "spec": {
                    "backoffLimit": props.backoff_limit,
                    "activeDeadlineSeconds": props.active_deadline_seconds,
                    "template": template,
                },
            },
        },
    }


def backup_manifests(props: EtcdBackupProps) -> list[dict[str, Any]]:
    return [
        service_account_manifest(props),
        restore_service_account_manifest(props),
        certificate_manifest(client_certificate_request(), props.control_plane),
        *network_policy_manifests(props),
        cronjob_manifest(props),
    ]


class EtcdBackupChart(cdk8s.Chart):
    """The etcd backup's objects in the control plane's namespace.

    ServiceAccounts ``etcd-backup`` (Pod Identity: the write-only backup role) and ``etcd-restore`` (the read-only
    restore role), the backup's etcd client Certificate, NetworkPolicies for backup and
    restore pods, and the snapshot CronJob; all in the control plane's namespace.
    """

    def __init__(self, scope: Construct, id: str, props: EtcdBackupProps) -> None:
        super().__init__(scope, id, disable_resource_name_hashes=True)
        emit_all(self, backup_manifests(props))
