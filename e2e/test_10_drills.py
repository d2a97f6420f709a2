"""Scenario 10: the operator's drills, run as a user runs them: `eks-karmada drill ...` as a separate process.

Failover: `eks-karmada drill failover` against the local Karmada API (its kubeconfig from `make local`), for real:
it taints a member as the failover ClusterTaintPolicy does, the real taint manager evicts the sample after its
toleration, the real scheduler moves its replicas to the other member; the drill prints the time and removes
its taint, then reschedules the sample, which comes back to both members.

Restore: `eks-karmada drill restore --dry-run` against the local S3 (the moto server of the backup drill), with a
snapshot taken now from the live etcd by etcdctl: the command must find it as the newest, read the same revision
and key count as the pinned `etcdutl snapshot status`, and render the restore; a corrupted newer copy exits 3.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from e2e.backup_fixtures import Etcdctl
from e2e.conftest import MEASUREMENTS, cluster_ready, sample_namespace, wait_for, wait_settled
from e2e.iam_users import LocalSts, signed_in_kubeconfig
from local_control_plane import deviations
from local_control_plane.network import netns_name

ROOT = Path(__file__).resolve().parent.parent
LIVE_ETCD = "parent.karmada-system.etcd-0"
TAINT = "cluster.karmada.io/not-ready"
DRILL_ANNOTATION = "eks-karmada/failover-drill"


def local_config() -> str:
    return os.environ.get("LOCAL_CONFIG", "config/local.yaml")


def eks_karmada(*args: str, env: dict[str, str | None] | None = None,
                timeout: float = 900) -> subprocess.CompletedProcess:
    """The CLI as a user runs it (python -m eks_karmada.cli), from the repository; ``env`` None values unset."""
    environment = dict(os.environ)
    # As under make: the venv's Node for jsii (the restore plan renders cdk8s charts).
    environment["PATH"] = f"{Path(sys.executable).parent}:{environment.get('PATH', '')}"
    for name, value in {"EKS_KARMADA_DEBUG": None, **(env or {})}.items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return subprocess.run([sys.executable, "-m", "eks_karmada.cli", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=timeout)


def _placed(karmada, namespace: str) -> dict[str, int]:
    binding = karmada.get("resourcebinding", "sample-nginx-deployment", namespace)
    return {c["name"]: c.get("replicas", 0) for c in binding["spec"].get("clusters", [])}


def test_failover_drill_moves_the_sample_off_a_member_and_back(env, karmada, members, tmp_path):
    wait_settled(karmada, members)
    namespace = sample_namespace(karmada)
    drilled, survivor = env.member_names[0], env.member_names[1]
    before = _placed(karmada, namespace)
    total = karmada.get("deployment", "sample-nginx", namespace)["spec"]["replicas"]
    assert before.get(drilled), f"the sample has no replicas on {drilled} to move: {before}"

    # As a person: a platform-admin role session signed in through aws-iam-authenticator (no certificate).
    admin = signed_in_kubeconfig(env, LocalSts(env.layout.data), tmp_path, "platform-admin", "drill-operator")
    done = eks_karmada("drill", "failover", "--member", drilled, "--yes", "--timeout", "600",
                       "--kubeconfig", str(admin), "--config", local_config())
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Traceback" not in output
    # The sample's replicas left the member, all of them to the survivor, and the time was printed.
    moved = re.search(rf"^\s+([\d.]+) s  {namespace}/sample-nginx-deployment: .* -> {survivor} {total}$",
                      done.stdout, re.MULTILINE)
    assert moved, output
    summary = re.search(rf"Moved: \d+ binding\(s\) left {drilled} in ([\d.]+) s", done.stdout)
    assert summary, output
    assert f"Restored: {drilled} untainted and every moved binding placed on it again." in done.stdout, output

    # Its taint is gone (exactly the drill's: nothing else tainted it), and so is its annotation.
    cluster = karmada.get("cluster", drilled)
    assert not any(t["key"] == TAINT for t in cluster["spec"].get("taints", [])), cluster["spec"]
    assert DRILL_ANNOTATION not in cluster["metadata"].get("annotations", {})
    assert cluster_ready(cluster) == "True"
    # The replicas came back: the rebalance schedules afresh by the policy's weights (an earlier drill may have left
    # `before` skewed: Karmada does not rebalance by itself), all of them, some on the drilled member again.
    def back() -> bool:
        placed = _placed(karmada, namespace)
        return placed.get(drilled, 0) > 0 and sum(placed.values()) == total

    wait_for(back, 120, f"the sample's {total} replicas placed again, some on {drilled}")
    wait_settled(karmada, members)
    MEASUREMENTS["failover drill (CLI)"] = (f"{drilled} tainted: sample moved to {survivor} in {summary.group(1)} s "
                                            "(its NotReady toleration included), then rebalanced back")


def test_restore_dry_run_checks_the_newest_snapshot_and_renders_its_restore(env, local_s3, etcd_client_tls, scratch):
    bucket, region = deviations.BACKUP_BUCKET, "us-east-1"
    s3 = local_s3.client(region)
    if bucket not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=bucket)
    # A snapshot of the live etcd, as the CronJob's snapshot step takes it, under a key newer than any other.
    snapshot = scratch / "drill-snapshot.db"
    Etcdctl(env.binaries["etcdctl"], etcd_client_tls, netns_name(LIVE_ETCD)).run("snapshot", "save", str(snapshot),
                                                                                  timeout=120)
    def future_key(days: int) -> str:
        moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=days)
        return f"etcd-snapshots/karmada-parent/{moment:%Y%m%dT%H%M%SZ}.db"

    key = future_key(1)
    s3.upload_file(str(snapshot), bucket, key, ExtraArgs={"ChecksumAlgorithm": "SHA256"})
    status = json.loads(subprocess.run([str(env.binaries["etcdutl"]), "snapshot", "status", str(snapshot),
                                        "--write-out=json"], capture_output=True, text=True, check=True).stdout)
    # The drill asks STS whose account it runs in (the parent's pull-through cache names it): moto answers that too.
    aws: dict[str, str | None] = {"AWS_ENDPOINT_URL_S3": local_s3.endpoint, "AWS_ENDPOINT_URL_STS": local_s3.endpoint,
                                  "AWS_ACCESS_KEY_ID": "drill",
                                  "AWS_SECRET_ACCESS_KEY": "drill", "AWS_REGION": region, "AWS_PROFILE": None,
                                  "AWS_SESSION_TOKEN": None}
    rendered = scratch / "drill-restore.yaml"

    done = eks_karmada("drill", "restore", "--dry-run", "--bucket", bucket, "--config", local_config(),
                       "-o", str(rendered), env=aws)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert f"Newest snapshot: s3://{bucket}/{key}" in done.stdout, output
    # The CLI's own reader agrees with the pinned etcdutl on the same file.
    assert f"content: revision {status['revision']}, {status['totalKey']} keys" in done.stdout, output
    assert f"size:    {snapshot.stat().st_size} bytes" in done.stdout, output
    assert re.search(r"Restore plan \(not applied\): 3 Job\(s\) .* in 8 steps:", done.stdout), output
    assert f"# snapshot: s3://{bucket}/{key}" in rendered.read_text(encoding="utf-8")

    # A newer, corrupted copy is found and refused with exit code 3.
    damaged = bytearray(snapshot.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    newer = future_key(2)
    s3.put_object(Bucket=bucket, Key=newer, Body=bytes(damaged))
    try:
        done = eks_karmada("drill", "restore", "--dry-run", "--bucket", bucket, "--config", local_config(), env=aws)
        assert done.returncode == 3, done.stdout + done.stderr
        assert "Not readable: the SHA-256 at the end does not match the database" in done.stdout
    finally:
        s3.delete_object(Bucket=bucket, Key=newer)
        s3.delete_object(Bucket=bucket, Key=key)
