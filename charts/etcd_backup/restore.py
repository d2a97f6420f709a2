"""Restore the Karmada API's etcd from one S3 snapshot: the objects and the order of steps.

``restore_plan(props, snapshot_key)`` renders one Job per etcd member. Each Job
mounts that member's data volume (PVC ``data-etcd-<i>`` of the StatefulSet in
charts/karmada/etcd.py), and:

1. ``prepare`` (AWS CLI image, Pod Identity as ServiceAccount ``etcd-restore``,
   whose role may only read snapshots; the backup's role cannot read): downloads the snapshot (the CLI
   checks the stored SHA-256 only for a snapshot uploaded in one part: larger
   ones come in byte ranges without it) and moves the member's old data
   directory aside
   (``/var/lib/etcd/data.before-restore-<snapshot>``), or removes it with
   ``keep_previous_data=False``;
2. ``restore`` (etcd image): ``etcdutl snapshot restore`` into
   ``/var/lib/etcd/data`` with that member's ``--name`` and
   ``--initial-advertise-peer-urls`` and the cluster's ``--initial-cluster``,
   all taken from etcd.py's own command line, so a restored member starts with
   exactly the identity the StatefulSet gives it. etcdutl recomputes the
   SHA-256 etcd appended to the snapshot before writing: the one check of the
   snapshot's content that always runs, so the command never skips it.

Two deliberate differences from a first boot:

* ``--initial-cluster-token`` gets ``-restore-<snapshot>`` appended. Member and
  cluster IDs derive from it, so a member that somehow kept pre-restore data
  cannot rejoin the restored cluster (its cluster ID no longer matches). The
  StatefulSet's own token flag is ignored once a data directory exists.
* ``--bump-revision 1000000000 --mark-compacted``: revisions jump past anything
  a client has seen, and watchers holding an older revision get "compacted"
  and re-list instead of silently missing changes (the Kubernetes etcd guide
  recommends this for restores).

Safety: a restore pod has required anti-affinity to etcd pods on the same node.
A data volume (EBS, ReadWriteOnce) can only attach where its etcd pod runs, so
while that member is still running the restore pod stays Pending instead of
writing under it.

``new_volumes=True`` is for a cluster whose data PVCs are gone: it also renders
the PVCs (same spec as the StatefulSet's claim template) and pins member i's
Job to zone ``zones[i % len(zones)]``, so the new volumes, and the etcd pods
that follow them, spread over the zones as the StatefulSet's hard spread
requires.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import cdk8s
import yaml

from charts.etcd_backup import pods
from charts.etcd_backup.props import EtcdBackupProps
from charts.etcd_backup.scripts import CLEANUP_PREVIOUS, PREPARE_RESTORE
from charts.karmada import names
from charts.karmada.charts import KarmadaControlPlaneChart
from charts.karmada.common.objects import metadata
from charts.karmada.common.pod import HOSTNAME_KEY, ZONE_KEY, ClaimMount
from charts.karmada.etcd import DATA_DIR, DATA_MOUNT, etcd_command, statefulset_manifest

# Kubernetes' "Operating etcd clusters": a bump larger than the writes any client could
# have seen since the snapshot (a billion).
BUMP_REVISION = 1_000_000_000
SNAPSHOT_KEY_ANNOTATION = "karmada.io/etcd-snapshot-key"
SNAPSHOT_VERSION_ANNOTATION = "karmada.io/etcd-snapshot-version"
# An S3 version id (opaque, at most 1024 characters); it reaches the script through an env var only.
_VERSION_ID = re.compile(r"[A-Za-z0-9._+/=-]{1,1024}")
MEMBER_LABEL = "karmada.io/etcd-member"
PREVIOUS_DATA_PREFIX = "data.before-restore-"


def etcd_flags(props: EtcdBackupProps) -> dict[str, str]:
    """``--flag=value`` pairs of the etcd container's command in charts/karmada/etcd.py."""
    return dict(arg.split("=", 1) for arg in etcd_command(props.control_plane) if arg.startswith("--") and "=" in arg)


def member_names(props: EtcdBackupProps) -> list[str]:
    return names.etcd_member_names(props.control_plane)


def claim_template(props: EtcdBackupProps) -> dict[str, Any]:
    (template,) = statefulset_manifest(props.control_plane)["spec"]["volumeClaimTemplates"]
    return template


def claim_name(member: str, props: EtcdBackupProps) -> str:
    """StatefulSet PVC naming: <claim template>-<pod name>."""
    return f"{claim_template(props)['metadata']['name']}-{member}"


def snapshot_id(snapshot_key: str) -> str:
    """The key's file name without .db, as a DNS-label-safe suffix (e.g. 20260101t000000z)."""
    stem = snapshot_key.rsplit("/", 1)[-1].removesuffix(".db")
    return re.sub(r"[^a-z0-9-]+", "-", stem.lower()).strip("-")


def validate_snapshot_key(snapshot_key: str, props: EtcdBackupProps) -> str:
    pattern = re.escape(props.snapshot_prefix) + r"[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.db"
    if not re.fullmatch(pattern, snapshot_key) or not snapshot_id(snapshot_key):
        raise ValueError(
            f"snapshot key {snapshot_key!r} is not one of this cluster's snapshots; "
            f"expected {props.snapshot_prefix}<timestamp>.db (list them with: aws s3 ls "
            f"s3://<bucket>/{props.snapshot_prefix})"
        )
    return snapshot_key


def validate_snapshot_version(version: str | None) -> str | None:
    if version is not None and not _VERSION_ID.fullmatch(version):
        raise ValueError(f"snapshot version {version!r} is not an S3 version id (list them with: aws s3api "
                         "list-object-versions --bucket <bucket> --prefix <snapshot key>)")
    return version


def restore_token(props: EtcdBackupProps, snapshot_key: str) -> str:
    return f"{etcd_flags(props)['--initial-cluster-token']}-restore-{snapshot_id(snapshot_key)}"


def restore_command(member: str, props: EtcdBackupProps, snapshot_key: str) -> list[str]:
    flags = etcd_flags(props)
    peer_url = flags["--initial-advertise-peer-urls"].replace("$(POD_NAME)", member)
    return [
        pods.ETCDUTL,
        "snapshot",
        "restore",
        pods.SNAPSHOT_PATH,
        f"--name={member}",
        f"--data-dir={flags['--data-dir']}",
        f"--initial-cluster={flags['--initial-cluster']}",
        f"--initial-cluster-token={restore_token(props, snapshot_key)}",
        f"--initial-advertise-peer-urls={peer_url}",
        f"--bump-revision={BUMP_REVISION}",
        "--mark-compacted",
    ]


def _data_volume(member: str, props: EtcdBackupProps) -> dict[str, Any]:
    return {"name": DATA_MOUNT.volume, "persistentVolumeClaim": {"claimName": claim_name(member, props)}}


def _affinity(props: EtcdBackupProps, zone: str | None, *, avoid_etcd: bool) -> dict[str, Any]:
    zones = [zone] if zone else list(props.control_plane.zones)
    affinity: dict[str, Any] = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{"key": ZONE_KEY, "operator": "In", "values": zones}]}]
            }
        }
    }
    if avoid_etcd:
        affinity["podAntiAffinity"] = {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": pods.etcd_pod_selector()}, "topologyKey": HOSTNAME_KEY}
            ]
        }
    return affinity


def _job(name: str, member: str, props: EtcdBackupProps, spec: dict[str, Any], annotations: dict[str, str],
         skip_containers: str | None) -> dict[str, Any]:
    labels = {**pods.pod_labels(pods.RESTORE, props), MEMBER_LABEL: member}
    template_annotations = {pods.SKIP_CONTAINERS_ANNOTATION: skip_containers} if skip_containers else {}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(name, namespace=props.namespace, labels=labels, annotations=annotations),
        "spec": {
            "backoffLimit": props.backoff_limit,
            "activeDeadlineSeconds": props.active_deadline_seconds,
            "template": {
                "metadata": {"labels": labels,
                             **({"annotations": template_annotations} if template_annotations else {})},
                "spec": spec,
            },
        },
    }


def restore_job(index: int, member: str, props: EtcdBackupProps, snapshot_key: str, *, new_volumes: bool,
                keep_previous_data: bool, snapshot_version: str | None = None) -> dict[str, Any]:
    data = ClaimMount(DATA_MOUNT.volume, DATA_MOUNT.path)
    work = pods.work_dir(props)
    prepare = pods.Step(
        name="prepare",
        image=props.aws_cli_image,
        command=pods.shell(PREPARE_RESTORE),
        resources=props.aws_cli_resources,
        mounts=[work, data],
        env=[
            *pods.env(
                WORK_DIR=pods.WORK_PATH,
                BUCKET=props.bucket_name,
                SNAPSHOT_KEY=snapshot_key,
                DATA_DIR=DATA_DIR,
                PREVIOUS_DATA_DIR=f"{DATA_MOUNT.path}/{PREVIOUS_DATA_PREFIX}{snapshot_id(snapshot_key)}",
                KEEP_PREVIOUS_DATA="true" if keep_previous_data else "false",
            ),
            *(pods.env(SNAPSHOT_VERSION=snapshot_version) if snapshot_version else []),
            *pods.aws_env(props),
        ],
    )
    restore = pods.Step(
        name="restore",
        image=props.control_plane.etcd_image,
        command=restore_command(member, props, snapshot_key),
        resources=props.etcd_tool_resources,
        mounts=[work, data],
    )
    zones = props.control_plane.zones
    spec = pods.job_pod_spec(
        props,
        init=[prepare],
        main=restore,
        extra_volumes=[_data_volume(member, props)],
        affinity=_affinity(props, zones[index % len(zones)] if new_volumes else None, avoid_etcd=True),
        service_account=pods.RESTORE_SERVICE_ACCOUNT,
    )
    annotations = {SNAPSHOT_KEY_ANNOTATION: snapshot_key}
    if snapshot_version:
        annotations[SNAPSHOT_VERSION_ANNOTATION] = snapshot_version
    return _job(f"{pods.RESTORE}-{member}", member, props, spec, annotations, "restore")


def claim_manifest(member: str, props: EtcdBackupProps) -> dict[str, Any]:
    template = claim_template(props)
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": metadata(claim_name(member, props), namespace=props.namespace,
                             labels=template["metadata"]["labels"]),
        "spec": template["spec"],
    }


def cleanup_job(member: str, props: EtcdBackupProps) -> dict[str, Any]:
    """Removes the data directories a restore kept aside; runs next to the live member (no anti-affinity)."""
    data = ClaimMount(DATA_MOUNT.volume, DATA_MOUNT.path)
    step = pods.Step(
        name="cleanup",
        image=props.aws_cli_image,
        command=pods.shell(CLEANUP_PREVIOUS),
        resources=props.aws_cli_resources,
        mounts=[data],
        env=pods.env(ETCD_VOLUME=DATA_MOUNT.path),
    )
    spec = pods.job_pod_spec(props, init=[], main=step, extra_volumes=[_data_volume(member, props)],
                             service_account=pods.RESTORE_SERVICE_ACCOUNT)
    # No AWS access needed: keep Pod Identity credentials out entirely.
    return _job(f"{pods.RESTORE}-cleanup-{member}", member, props, spec, {}, "cleanup")


# --- the procedure -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Workload:
    """A control-plane workload the restore scales down and back up."""
    kind: str
    name: str
    replicas: int


@dataclass
class RestorePlan:
    """The objects to apply and the kubectl commands around them, in order."""

    props: EtcdBackupProps
    snapshot_key: str
    objects: list[dict[str, Any]]
    etcd_clients: list[Workload]
    controllers: list[Workload]
    steps: list[tuple[str, list[str]]] = field(default_factory=list)
    snapshot_version: str | None = None

    def to_yaml(self) -> str:
        header = [
            "# etcd restore of the Karmada API (docs/backup-restore.md)",
            f"# snapshot: s3://{self.props.bucket_name}/{self.snapshot_key}"
            + (f" (version {self.snapshot_version})" if self.snapshot_version else ""),
            "# Run the steps in order; step 4 applies this file.",
        ]
        for number, (title, commands) in enumerate(self.steps, 1):
            header.append(f"# {number}. {title}")
            header.extend(f"#      {c}" for c in commands)
        return "\n".join(header) + "\n" + dump_yaml(self.objects)


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings (the scripts) as literal blocks, so a reviewer reads them as shell."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def dump_yaml(objects: list[dict[str, Any]]) -> str:
    return yaml.dump_all(objects, Dumper=_BlockDumper, sort_keys=False)


def _control_plane_workloads(props: EtcdBackupProps) -> tuple[list[Workload], list[Workload]]:
    """Deployments of the control plane, split into etcd clients (--etcd-servers) and the rest."""
    chart = KarmadaControlPlaneChart(cdk8s.App(), "control-plane", props.control_plane)
    clients, others = [], []
    for obj in chart.to_json():
        if obj["kind"] != "Deployment" or obj["metadata"].get("namespace") != props.namespace:
            continue
        commands = [arg for c in obj["spec"]["template"]["spec"]["containers"] for arg in c.get("command", [])]
        workload = Workload("deployment", obj["metadata"]["name"], obj["spec"]["replicas"])
        (clients if any(a.startswith("--etcd-servers=") for a in commands) else others).append(workload)
    return clients, others


def _steps(plan: RestorePlan, *, new_volumes: bool) -> list[tuple[str, list[str]]]:
    p = plan.props
    ns = p.namespace
    k = f"kubectl -n {ns}"
    replicas = p.control_plane.etcd_replicas
    client_names = " ".join(w.name for w in plan.etcd_clients)
    etcd_sel = f"app.kubernetes.io/name={names.ETCD}"
    restore_sel = f"app.kubernetes.io/name={pods.RESTORE}"
    ca, cert, key = (f"/etc/etcd/pki/server/{f}" for f in ("ca.crt", "tls.crt", "tls.key"))
    verify = shlex.join([
        "kubectl", "-n", ns, "exec", f"{names.ETCD_STATEFULSET}-0", "-c", names.ETCD, "--",
        pods.ETCDCTL, f"--endpoints=https://localhost:{names.ETCD_CLIENT_PORT}",
        f"--cacert={ca}", f"--cert={cert}", f"--key={key}", "endpoint", "status", "--cluster", "--write-out=table",
    ])
    volumes_check = (
        [f"{k} get pvc -l {etcd_sel}   # expect none: this plan creates them"]
        if new_volumes
        else [f"{k} get pvc -l {etcd_sel}   # expect {replicas} Bound claims: "
              + ", ".join(claim_name(m, p) for m in member_names(p))]
    )
    return [
        ("Pause the scheduled backups", [f"{k} patch cronjob {pods.BACKUP} --type=merge -p "
                                         "'{\"spec\":{\"suspend\":true}}'"]),
        (
            "Stop every etcd client (the API servers), then wait until their pods are gone",
            [f"{k} scale deployment {client_names} --replicas=0"]
            + [f"{k} wait --for=delete pod -l app.kubernetes.io/name={w.name} --timeout=5m" for w in plan.etcd_clients],
        ),
        (
            "Stop etcd, then wait until its pods are gone",
            [f"{k} scale statefulset {names.ETCD_STATEFULSET} --replicas=0",
             f"{k} wait --for=delete pod -l {etcd_sel} --timeout=5m", *volumes_check],
        ),
        (
            "Restore every member from the snapshot (this file), then wait for all Jobs",
            ["kubectl apply -f <this file>",
             f"{k} wait --for=condition=complete job -l {restore_sel} --timeout=30m",
             f"{k} logs -l {restore_sel} --all-containers --prefix   # on failure"],
        ),
        (
            "Start etcd and check that every member is healthy and on the restored revision",
            [f"{k} scale statefulset {names.ETCD_STATEFULSET} --replicas={replicas}",
             f"{k} rollout status statefulset {names.ETCD_STATEFULSET} --timeout=10m",
             verify],
        ),
        (
            "Start the API servers",
            [f"{k} scale deployment {w.name} --replicas={w.replicas}" for w in plan.etcd_clients]
            + [f"{k} rollout status deployment {w.name} --timeout=10m" for w in plan.etcd_clients],
        ),
        (
            "Restart the controllers so their caches re-list from the restored state",
            [f"{k} rollout restart deployment " + " ".join(w.name for w in plan.controllers)]
            + [f"{k} rollout status deployment {w.name} --timeout=10m" for w in plan.controllers],
        ),
        (
            "Remove the restore Jobs, resume backups and take a fresh snapshot",
            [f"{k} delete job -l {restore_sel}",
             f"{k} patch cronjob {pods.BACKUP} --type=merge -p '{{\"spec\":{{\"suspend\":false}}}}'",
             f"{k} create job --from=cronjob/{pods.BACKUP} "
             f"{pods.BACKUP}-after-restore-{snapshot_id(plan.snapshot_key)}"],
        ),
    ]


def restore_plan(props: EtcdBackupProps, snapshot_key: str, *, new_volumes: bool = False,
                 keep_previous_data: bool = True, snapshot_version: str | None = None) -> RestorePlan:
    """Everything to restore ``snapshot_key`` (a key under ``props.snapshot_prefix``) into every member.

    ``snapshot_version``: an S3 version id of that key, for a snapshot that was overwritten (the bucket keeps
    the older, locked, version); default: the current version.
    """
    validate_snapshot_key(snapshot_key, props)
    validate_snapshot_version(snapshot_version)
    members = member_names(props)
    objects: list[dict[str, Any]] = []
    if new_volumes:
        objects += [claim_manifest(m, props) for m in members]
    objects += [
        restore_job(i, m, props, snapshot_key, new_volumes=new_volumes, keep_previous_data=keep_previous_data,
                    snapshot_version=snapshot_version)
        for i, m in enumerate(members)
    ]
    clients, controllers = _control_plane_workloads(props)
    plan = RestorePlan(props, snapshot_key, objects, clients, controllers, snapshot_version=snapshot_version)
    plan.steps = _steps(plan, new_volumes=new_volumes)
    return plan


def restore_manifests(props: EtcdBackupProps, snapshot_key: str, **options: Any) -> list[dict[str, Any]]:
    return restore_plan(props, snapshot_key, **options).objects


def cleanup_manifests(props: EtcdBackupProps) -> list[dict[str, Any]]:
    """Jobs that delete the kept-aside pre-restore data directories, once the restore is verified."""
    return [cleanup_job(m, props) for m in member_names(props)]
