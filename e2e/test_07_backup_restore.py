"""Scenario 7: backup and restore drill.

Backup: the rendered CronJob ``etcd-backup`` (cdk.out/manifests/parent.yaml) runs once as a Job pod
through the local kubelet, its own commands unchanged: ``snapshot`` (etcdctl through the etcd-client
Service, with the backup's own client certificate), ``verify`` (etcdutl) and ``upload`` (the AWS CLI) to a
local S3 (moto server on the bridge address). Pod Identity's credentials and the S3 endpoint are the one
addition (deviations.pod_identity_env). One new object under the rendered prefix, its SHA-256 stored, and
a snapshot at least as new as the live etcd when the backup started.

Restore: ``python -m charts.etcd_backup restore`` renders the Jobs and the eight steps for that snapshot.
Never against the live etcd: the rendered etcd StatefulSet's pods run as a throwaway cluster in network
namespaces of their own, on scratch folders standing for their volumes (restore-etcd-<i>). As the usual
case goes, that etcd first starts empty and stops (step 3); the rendered restore Jobs run as rendered on
its volumes (step 4: ``prepare`` downloads with the AWS CLI and moves the old data aside, ``restore`` runs
etcdutl with the rendered flags); etcd starts again (step 5) and the rendered ``kubectl exec`` check runs
in its pod; every Karmada key of the live etcd at the snapshot's revision is there, byte for byte, in
every member; the rendered cleanup Jobs then remove the kept-aside data. The steps that act on the shared
live control plane (suspend the CronJob, scale the API servers and etcd, restart the controllers, delete
Jobs) run as server-side dry runs against the parent API; the ones that read controllers' work (`wait`,
`rollout status`, `logs`, `get pvc`) cannot run here and have their selectors checked (see DRY_RUN).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
import yaml

from e2e.backup_fixtures import DrillPods, Etcdctl, LocalS3, with_pod_identity
from e2e.secrets_at_rest import ENCRYPTED_PREFIX, member_tokens
from local_control_plane import deviations
from local_control_plane.environment import Environment
from local_control_plane.network import netns_name
from local_control_plane.pods import PodBuilder, Workload, cron_job, workloads

ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = "karmada-system"
CRONJOB = "etcd-backup"
BACKUP_POD = "etcd-backup-drill"
LIVE_ETCD = f"parent.{NAMESPACE}.etcd-0"
# charts/etcd_backup/restore.py: revisions jump by this much on restore.
BUMP_REVISION = 1_000_000_000


def karmada_key(key: str) -> bool:
    """Keys of Karmada's own objects: its API groups, its CRDs, its APIServices, Push members' credentials."""
    parts = key.split("/")
    return len(parts) > 3 and (
        parts[2].endswith(".karmada.io")
        or key.startswith("/registry/apiextensions.k8s.io/customresourcedefinitions/")
        or (key.startswith("/registry/apiregistration.k8s.io/apiservices/") and key.endswith(".karmada.io"))
        or key.startswith("/registry/secrets/karmada-cluster/")
    )


def container_env(template: dict, name: str) -> dict[str, str]:
    spec = template["spec"]
    (container,) = [c for c in spec.get("containers", []) + spec.get("initContainers", []) if c["name"] == name]
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


@dataclass
class Backup:
    bucket: str
    region: str
    prefix: str
    outcome: str = ""
    logs: str = ""
    new_keys: list[str] = field(default_factory=list)
    key: str = ""
    size: int = 0
    checksum: str = ""
    sha256: str = ""
    snapshot: dict = field(default_factory=dict)  # etcdutl snapshot status of the downloaded object
    live_revision_at_start: int = 0
    live_cluster_id: str = ""
    live_at_snapshot: dict[str, bytes] = field(default_factory=dict)  # /registry/ at the snapshot's revision
    seconds: float = 0.0


@pytest.fixture(scope="module")
def backup(env: Environment, local_s3: LocalS3, etcd_client_tls: Path, drill_pods: DrillPods, scratch: Path) -> Backup:
    """Runs the rendered backup CronJob's pod once, as `kubectl create job --from=cronjob/etcd-backup` would."""
    workload = cron_job(env.objects("parent"), CRONJOB)
    workload = replace(workload, pod_names=(BACKUP_POD,))
    upload = container_env(workload.template, "upload")
    result = Backup(bucket=upload["BUCKET"], region=upload["AWS_REGION"], prefix=upload["SNAPSHOT_PREFIX"])
    assert result.bucket == deviations.BACKUP_BUCKET, "the CronJob's bucket is the deploy-time placeholder's value"

    s3 = local_s3.client(result.region)
    if result.bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        location = {} if result.region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": result.region}}
        # As deployed (karmada_constructs/backup_bucket.py): versioned, with Object Lock's default retention.
        s3.create_bucket(Bucket=result.bucket, ObjectLockEnabledForBucket=True, **location)
        s3.put_object_lock_configuration(Bucket=result.bucket, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 30}}})

    def keys() -> set[str]:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=result.bucket, Prefix=result.prefix)
        return {o["Key"] for page in pages for o in page.get("Contents", [])}

    before = keys()

    drill_env = drill_pods.env
    parent_pods, templates = drill_env.rendered_pods("parent", "parent")
    hosts, _ = drill_env.service_hosts(drill_env.services("parent", parent_pods, templates))
    builder = PodBuilder(cluster="parent", binaries=env.binaries, data_dir=env.layout.data, hosts=hosts,
                         address_of=drill_env.network.address, netns_of=netns_name)
    (pod,) = builder.pods(workload)
    pod = with_pod_identity(pod, workload.template, local_s3.port)

    live = Etcdctl(env.binaries["etcdctl"], etcd_client_tls, netns_name(LIVE_ETCD))
    (status,) = live.json("endpoint", "status")
    result.live_revision_at_start = int(status["Status"]["header"]["revision"])
    result.live_cluster_id = str(status["Status"]["header"]["cluster_id"])

    started = time.monotonic()
    drill_pods.run(pod)
    result.outcome, _status = drill_pods.wait_finished(pod.id, timeout=90)
    result.seconds = time.monotonic() - started
    result.logs = drill_pods.logs(pod.id)
    result.new_keys = sorted(keys() - before)
    if result.outcome != "Succeeded" or len(result.new_keys) != 1:
        return result

    result.key = result.new_keys[0]
    head = s3.head_object(Bucket=result.bucket, Key=result.key, ChecksumMode="ENABLED")
    result.size = head["ContentLength"]
    result.checksum = head.get("ChecksumSHA256", "")
    downloaded = scratch / "downloaded.db"
    s3.download_file(result.bucket, result.key, str(downloaded))
    result.sha256 = base64.b64encode(hashlib.sha256(downloaded.read_bytes()).digest()).decode()
    done = subprocess.run([str(env.binaries["etcdutl"]), "snapshot", "status", str(downloaded), "--write-out=json"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"etcdutl snapshot status of the uploaded object: {done.stderr}"
    result.snapshot = json.loads(done.stdout)
    # The live keys and values at exactly the snapshot's revision (kube-apiserver compacts only revisions
    # older than about five minutes, so this one is still there).
    result.live_at_snapshot = live.registry(int(result.snapshot["revision"]))
    return result


def test_backup_cronjob_uploads_one_verified_snapshot(backup: Backup):
    assert backup.outcome == "Succeeded", f"the backup Job failed:\n{backup.logs}"
    assert len(backup.new_keys) == 1, f"expected exactly one new object under {backup.prefix}, got {backup.new_keys}"
    assert re.fullmatch(re.escape(backup.prefix) + r"\d{8}T\d{6}Z\.db", backup.key), backup.key
    assert backup.size > 0
    assert f"uploaded s3://{backup.bucket}/{backup.key}" in backup.logs
    # The upload sent a SHA-256 checksum that S3 verified and stored with the object (--checksum-algorithm
    # SHA256): the object's own, or, for a snapshot above the CLI's 8 MiB multipart threshold, the
    # checksum of its parts' checksums ("<base64>-<parts>").
    if re.fullmatch(r"[A-Za-z0-9+/=]+-\d+", backup.checksum):
        print(f"\nmultipart upload: composite SHA-256 {backup.checksum}")
    else:
        assert backup.checksum == backup.sha256, (backup.checksum, backup.sha256)
    assert int(backup.snapshot["revision"]) >= backup.live_revision_at_start, backup.snapshot
    assert int(backup.snapshot["totalKey"]) > 0
    karmada = [k for k in backup.live_at_snapshot if karmada_key(k)]
    assert any(k.startswith("/registry/cluster.karmada.io/clusters/") for k in karmada), "no Cluster in the snapshot"
    print(f"\nbackup drill: Job {backup.seconds:.1f} s, s3://{backup.bucket}/{backup.key} ({backup.size} bytes), "
          f"revision {backup.snapshot['revision']} (live {backup.live_revision_at_start} at start), "
          f"{len(karmada)} Karmada keys")


def rendered_steps(text: str) -> list[tuple[str, list[str]]]:
    """The numbered steps in the header comments of the rendered restore file."""
    steps: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if match := re.fullmatch(r"# (\d+)\. (.+)", line):
            steps.append((match.group(2), []))
        elif (match := re.fullmatch(r"# {6}(\S.*)", line)) and steps:
            steps[-1][1].append(match.group(1))
    return steps


# How each kind of rendered kubectl command runs here. The local parent cluster is a real kube-apiserver
# holding the rendered objects, but it has no controllers (no Deployment, StatefulSet, Job or PVC
# controller; the local kubelet runs pods from files, not from Pod objects), and its control plane is
# shared with the other scenarios. So:
# - commands that change objects run with --dry-run=server: the API server resolves the rendered names,
#   validates the objects and runs admission (Pod Security "restricted" warns), without stopping the
#   shared control plane (scaling the live API servers and etcd to zero is what the drill avoids by
#   restoring into a fresh etcd instead);
# - `kubectl apply -f <this file>` also runs for real: the rendered Jobs, as pods through the kubelet;
#   `scale statefulset etcd` to zero and back is done on the drill's own etcd pods (stop, start);
# - `kubectl exec etcd-0 -c etcd -- ...` runs for real in the restored member's pod (its network, image
#   files, mounts and user), as the kubelet runs a container;
# - `wait`, `rollout status`, `logs` and `get pvc` read what controllers and Pod objects would report,
#   which the local parent does not have (no Pod objects, no PVCs): not run; their label selectors are
#   checked against the rendered objects they mean, and the drill waits on the kubelet's statuses instead.
DRY_RUN = ("patch", "scale", "delete", "create", "apply", "rollout restart")
NOT_RUN = ("wait", "rollout status", "logs", "get")


def kubectl_verb(argv: list[str]) -> str:
    args = argv[3:] if argv[1:2] == ["-n"] else argv[1:]
    return " ".join(args[:2]) if args[0] == "rollout" else args[0]


def dry_run(argv: list[str]) -> list[list[str]]:
    """The kubectl arguments that check a rendered command with a server-side dry run."""
    if kubectl_verb(argv) != "rollout restart":
        return [argv[1:] + ["--dry-run=server"]]
    # `rollout restart` has no --dry-run: it is this patch of each Deployment's pod template.
    namespace = argv[1:3] if argv[1:2] == ["-n"] else []
    kind, *deployments = argv[len(namespace) + 3:]
    stamp = {"spec": {"template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "drill"}}}}}
    return [[*namespace, "patch", kind, name, "--type=merge", "-p", json.dumps(stamp), "--dry-run=server"]
            for name in deployments]


def selected_kind(argv: list[str]) -> str:
    """What a `wait`/`logs`/`get` command's label selector selects: pod, job or pvc."""
    verb = kubectl_verb(argv)
    if verb == "logs":
        return "pod"
    args = [a for a in argv[argv.index(verb.split()[0]) + 1:] if not a.startswith("-")]
    return args[0]


def check_not_run(argv: list[str], parent, label_sets: dict[str, list[dict]], command: str) -> None:
    """A command that cannot run here names what it means.

    A command that cannot run here names what it means: its selector selects rendered objects of its kind, or the
    object it names exists in the parent API.
    """
    if "-l" in argv:
        selector = dict(item.split("=", 1) for item in argv[argv.index("-l") + 1].split(","))
        kind = selected_kind(argv)
        assert any(all(labels.get(k) == v for k, v in selector.items()) for labels in label_sets[kind]), \
            f"{command}: selector {selector} selects no rendered {kind}"
    else:
        namespace = argv[2] if argv[1:2] == ["-n"] else None
        kind, name = argv[-3:-1] if argv[-1].startswith("--timeout") else argv[-2:]
        assert parent.get(kind, name, namespace), f"{command}: no {kind} {name} in the parent API"


def render(command: str, output: Path, *args: str) -> list[dict]:
    """The product's own renderer (`python -m charts.etcd_backup`), as docs/backup-restore.md runs it."""
    environment = dict(os.environ)
    # As under make: the venv's Node for jsii (cdk8s), not whatever Node the machine has.
    environment["PATH"] = f"{Path(sys.executable).parent}:{environment.get('PATH', '')}"
    config = os.environ.get("LOCAL_CONFIG", "config/local.yaml")
    # config/local.yaml names no account: the parent's images name its pull-through cache's, which a user passes
    # (docs/backup-restore.md); here the local stand-in for it.
    account = deviations.PLACEHOLDERS["${Parent.AccountId}"]
    done = subprocess.run([sys.executable, "-m", "charts.etcd_backup", command, "--config", config, *args,
                           "--account", account, "-o", str(output)],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=150)
    assert done.returncode == 0, f"python -m charts.etcd_backup {command} failed: {done.stderr[-2000:]}"
    return [doc for doc in yaml.safe_load_all(output.read_text(encoding="utf-8")) if doc]


def job_pods(jobs: list[dict], builder: PodBuilder, s3_port: int):
    """A rendered Job's pod, its claims on the builder's data folder, with Pod Identity's stand-in."""
    for job in jobs:
        template = job["spec"]["template"]
        (pod,) = builder.pods(Workload("Job", job["metadata"]["namespace"], job["metadata"]["name"], template,
                                       (job["metadata"]["name"],)))
        yield with_pod_identity(pod, template, s3_port)


def run_jobs(drill_pods: DrillPods, pods: list, timeout: float) -> dict[str, str]:
    """Runs Job pods at once, as `kubectl apply` starts Jobs; fails with their logs if any fails."""
    for pod in pods:
        drill_pods.run(pod)
    outcomes = {pod.id: drill_pods.wait_finished(pod.id, timeout=timeout)[0] for pod in pods}
    failed = {pod_id: drill_pods.logs(pod_id) for pod_id, outcome in outcomes.items() if outcome != "Succeeded"}
    assert not failed, "Jobs failed:\n" + "\n".join(f"{k}:\n{v}" for k, v in failed.items())
    return {pod.id: drill_pods.logs(pod.id) for pod in pods}


class DrillEtcd:
    """The rendered etcd StatefulSet's pods on the drill's volumes.

    The rendered etcd StatefulSet's pods on the drill's volumes, in network namespaces of their own: the members keep
    their rendered names (and certificates), which resolve to the drill's addresses.
    """

    def __init__(self, env: Environment, drill_pods: DrillPods, etcd: Workload, volumes: Path, tls: Path) -> None:
        self.env = drill_pods.env
        self.drill_pods = drill_pods
        self.members = list(etcd.pod_names)
        self.names = {m: f"{m}.{etcd.service_name}.{etcd.namespace}.svc.cluster.local" for m in self.members}
        hosts = [(self.env.network.address(f"restore-{m}"), f"{name} {name.removesuffix('.cluster.local')}")
                 for m, name in self.names.items()]
        builder = PodBuilder(cluster="parent", binaries=env.binaries, data_dir=volumes, hosts=hosts,
                             address_of=lambda key: self.env.network.address(self.drill_id(key)),
                             netns_of=lambda key: netns_name(self.drill_id(key)))
        self.pods = [replace(pod, id=self.drill_id(pod.id)) for pod in builder.pods(etcd)]
        self.clients = {m: Etcdctl(env.binaries["etcdctl"], tls, netns_name(f"restore-{m}")) for m in self.members}

    @staticmethod
    def drill_id(key: str) -> str:
        return "restore-" + key.rsplit(".", 1)[1]  # parent.karmada-system.etcd-0 -> restore-etcd-0

    def start(self, timeout: float = 120) -> None:
        for pod in self.pods:
            if (self.env.layout.pods / f"{pod.id}.json").exists():
                self.env.start_pod(pod.id)
            else:
                self.drill_pods.run(pod)
        self.env.wait_ready([pod.id for pod in self.pods], timeout, lambda _message: None, "drill etcd members")

    def stop(self, timeout: float = 60) -> None:
        """`kubectl scale statefulset etcd --replicas=0` and wait until its pods are gone."""
        for pod in self.pods:
            self.env.stop_pod(pod.id)
        deadline = time.monotonic() + timeout
        while any(self.env.status(pod.id).get("phase") != "Stopped" for pod in self.pods):
            assert time.monotonic() < deadline, f"drill etcd not stopped after {timeout:.0f} s"
            time.sleep(0.5)

    def healthy_status(self) -> dict[str, dict]:
        """Each member's endpoint status, after checking that the members are exactly the rendered ones."""
        listed = self.clients[self.members[0]].json("member", "list")["members"]
        assert sorted(m.get("name", "") for m in listed) == self.members, listed
        assert all(not m.get("isLearner") for m in listed)
        assert {m["name"]: m["peerURLs"] for m in listed} == {m: [f"https://{self.names[m]}:2380"]
                                                              for m in self.members}
        statuses = {}
        for member, client in self.clients.items():
            (health,) = client.json("endpoint", "health")
            assert health["health"], f"{member}: {health}"
            (status,) = client.json("endpoint", "status")
            statuses[member] = status["Status"]
        assert len({s["header"]["cluster_id"] for s in statuses.values()}) == 1, statuses
        assert sum(1 for s in statuses.values() if s["leader"] == s["header"]["member_id"]) == 1, statuses
        return statuses

    def exec(self, argv: list[str], timeout: float = 60) -> str:
        """`kubectl exec <pod> -c <container> -- <command>` as the kubelet runs a container.

        `kubectl exec <pod> -c <container> -- <command>`: the command in that pod's network, image files, mounts and
        user, as the kubelet runs a container.
        """
        target_name, container_name = argv[argv.index("exec") + 1], argv[argv.index("-c") + 1]
        (target,) = [pod for pod in self.pods if pod.name == target_name]
        (container,) = [c for c in target.containers if c.name == container_name]
        exec_pod = replace(target, id=f"{target.id}-exec", init_containers=(), restart="Never", containers=(
            replace(container, argv=tuple(argv[argv.index("--") + 1:]), startup=None, liveness=None, readiness=None),))
        self.drill_pods.run(exec_pod)
        outcome, _ = self.drill_pods.wait_finished(exec_pod.id, timeout=timeout)
        output = self.drill_pods.logs(exec_pod.id)
        assert outcome == "Succeeded", f"{' '.join(argv)} failed:\n{output}"
        return output


def test_the_snapshot_holds_member_tokens_encrypted_only(backup: Backup, karmada, scratch: Path):
    if backup.outcome != "Succeeded" or not backup.key:
        pytest.skip("no snapshot (see test_backup_cronjob_uploads_one_verified_snapshot)")
    snapshot = (scratch / "downloaded.db").read_bytes()
    for name, token in member_tokens(karmada).items():
        assert token[:32] not in snapshot, f"the snapshot holds the token of {name} in clear"
    stored = {k: v for k, v in backup.live_at_snapshot.items() if k.startswith("/registry/secrets/karmada-cluster/")}
    assert stored and all(v.startswith(ENCRYPTED_PREFIX) for v in stored.values()), sorted(stored)


def test_restore_brings_a_fresh_etcd_back_with_every_karmada_object(
        env: Environment, parent, backup: Backup, local_s3: LocalS3, etcd_client_tls: Path, drill_pods: DrillPods,
        scratch: Path):
    if backup.outcome != "Succeeded" or not backup.key:
        pytest.fail("no snapshot to restore: the backup drill failed")
    timeline: dict[str, float] = {}
    started = time.monotonic()
    objects = env.objects("parent")
    (etcd,) = [w for w in workloads(objects) if w.kind == "StatefulSet" and w.name == "etcd"]
    members = list(etcd.pod_names)

    # The rendered restore: one Job per member of the rendered StatefulSet, and the steps around them.
    restore_file = scratch / "restore.yaml"
    rendered = render("restore", restore_file, "--bucket", backup.bucket, "--snapshot-key", backup.key)
    timeline["restore rendered"] = time.monotonic() - started
    jobs = [o for o in rendered if o["kind"] == "Job"]
    assert sorted(j["metadata"]["labels"]["karmada.io/etcd-member"] for j in jobs) == members
    assert not [o for o in rendered if o["kind"] != "Job"], "without --new-volumes the restore renders Jobs only"
    steps = rendered_steps(restore_file.read_text(encoding="utf-8"))
    assert len(steps) == 8, steps
    label_sets = {
        "pod": [(w.template.get("metadata") or {}).get("labels") or {} for w in workloads(objects)]
               + [j["spec"]["template"]["metadata"]["labels"] for j in jobs],
        "job": [j["metadata"]["labels"] for j in jobs],
        "pvc": [c["metadata"].get("labels") or {} for c in etcd.claims],
    }
    dry_runs: list[str] = []
    exec_command: list[str] = []
    for number, (title, commands) in enumerate(steps, 1):
        for command in commands:
            argv = shlex.split(command.replace("<this file>", str(restore_file)), comments=True)
            assert argv[0] == "kubectl", command
            verb = kubectl_verb(argv)
            if verb in DRY_RUN:
                for args in dry_run(argv):
                    done = parent.run(*args, check=False)
                    assert done.returncode == 0, f"step {number} ({title}): {command}\n{done.stderr.strip()}"
                    assert "would violate PodSecurity" not in done.stderr, f"step {number}: {done.stderr}"
                dry_runs.append(f"{number}: {verb}")
            elif verb == "exec":
                exec_command = argv
            else:
                assert verb in NOT_RUN, f"step {number}: {command}: no rule for kubectl {verb}"
                check_not_run(argv, parent, label_sets, command)
    assert exec_command, "step 5 checks the restored members with kubectl exec"
    timeline["rendered commands checked"] = time.monotonic() - started

    # The usual case (docs/backup-restore.md): etcd has volumes with data, here those of a new etcd started
    # from the rendered StatefulSet on fresh folders standing for its claims; then etcd stops (step 3).
    drill = DrillEtcd(env, drill_pods, etcd, scratch, etcd_client_tls)
    drill.start()
    fresh_cluster = drill.healthy_status()[members[0]]["header"]["cluster_id"]
    drill.stop()
    timeline["fresh etcd started and stopped"] = time.monotonic() - started

    # Step 4: the rendered Jobs, as rendered, on those volumes (PodBuilder maps claim data-etcd-<i> there).
    volumes = PodBuilder(cluster="parent", binaries=env.binaries, data_dir=scratch, hosts=[],
                         address_of=drill_pods.env.network.address, netns_of=netns_name)
    logs = run_jobs(drill_pods, list(job_pods(jobs, volumes, local_s3.port)), timeout=120)
    timeline["restore Jobs done"] = time.monotonic() - started
    claims = {m: scratch / "volumes" / "parent" / etcd.namespace / f"{etcd.claims[0]['metadata']['name']}-{m}"
              for m in members}
    for job in jobs:
        member = job["metadata"]["labels"]["karmada.io/etcd-member"]
        log = next(text for pod_id, text in logs.items() if pod_id.endswith(f".{job['metadata']['name']}"))
        assert f"downloaded s3://{backup.bucket}/{backup.key}" in log, log
        kept = container_env(job["spec"]["template"], "prepare")["PREVIOUS_DATA_DIR"]
        assert f"moved the previous data directory to {kept}" in log, log
        assert (claims[member] / Path(kept).name / "member").is_dir(), f"{member}: the old data was not kept aside"

    # Step 5: etcd starts again, on the restored data: exactly the rendered members, healthy, on the
    # restored revision, in a cluster of its own (the restore token), and the rendered check passes.
    drill.start()
    timeline["restored etcd ready"] = time.monotonic() - started
    statuses = drill.healthy_status()
    cluster = statuses[members[0]]["header"]["cluster_id"]
    assert cluster != fresh_cluster and str(cluster) != backup.live_cluster_id
    snapshot_revision = int(backup.snapshot["revision"])
    assert all(int(s["header"]["revision"]) >= snapshot_revision + BUMP_REVISION for s in statuses.values()), statuses
    output = drill.exec(exec_command)
    for member in members:
        assert f"https://{drill.names[member]}:2379" in output, output

    # Every Karmada object of the live etcd at backup time, byte for byte, in every member.
    expected = {k: v for k, v in backup.live_at_snapshot.items() if karmada_key(k)}
    for member, client in drill.clients.items():
        restored = {k: v for k, v in client.registry().items() if karmada_key(k)}
        missing = sorted(set(expected) - set(restored))
        assert not missing, f"{member}: {len(missing)} Karmada keys missing after the restore: {missing[:20]}"
        changed = sorted(k for k in expected if restored[k] != expected[k])
        assert not changed, f"{member}: values differ after the restore: {changed[:20]}"
        assert set(restored) == set(expected), sorted(set(restored) - set(expected))[:20]
    timeline["objects verified"] = time.monotonic() - started

    # After verifying: the rendered cleanup Jobs remove the kept-aside data, next to the running members.
    cleanup = render("cleanup", scratch / "cleanup.yaml")
    logs = run_jobs(drill_pods, list(job_pods([o for o in cleanup if o["kind"] == "Job"], volumes, local_s3.port)),
                    timeout=60)
    for member in members:
        assert not list(claims[member].glob("data.before-restore-*")), f"{member}: kept-aside data not removed"
        assert (claims[member] / "data" / "member").is_dir()
    assert all("removed /var/lib/etcd/data.before-restore-" in log for log in logs.values()), logs
    drill.healthy_status()
    timeline["cleanup done"] = time.monotonic() - started

    groups = sorted({k.split("/")[2] for k in expected})
    print(f"\nrestore drill: {len(expected)} Karmada keys ({', '.join(groups)}) in {len(members)} restored members; "
          + ", ".join(f"{k} at {v:.1f} s" for k, v in timeline.items())
          + f"; rendered commands checked by server dry run: {', '.join(dry_runs)}")
