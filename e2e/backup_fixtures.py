"""Fixtures of the backup and restore drill (test_07).

Fixtures of the backup and restore drill (test_07): a local S3, etcdctl in a pod's network, and the drill's own pods
run through the local kubelet and always removed again.

Nothing here touches the live etcd pods or their data: the drill reads the live etcd (etcdctl in its
pod's network namespace, as `kubectl exec etcd-0 -- etcdctl` would), runs the rendered backup CronJob's
pod once, and restores into a fresh etcd of its own (new network namespaces, a scratch data folder).
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from e2e.host_process import stop_process
from local_control_plane import deviations
from local_control_plane.environment import Environment
from local_control_plane.kubelet import status_path, stop_marker
from local_control_plane.layout import HOST_ADDRESS
from local_control_plane.network import _veth_name, ip, netns_name
from local_control_plane.podspec import PodSpec

ROOT = Path(__file__).resolve().parent.parent
# The Pod Identity webhook's annotation: containers named there get no AWS credentials.
SKIP_CONTAINERS = "eks.amazonaws.com/skip-containers"


# ------------------------------------------------------------------------------------------ local S3


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class LocalS3:
    """A moto server on the bridge address, where every pod's namespace reaches it."""

    def __init__(self, log: Path) -> None:
        self.host = str(HOST_ADDRESS)
        self.port = free_port(self.host)
        self.endpoint = f"http://{self.host}:{self.port}"
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", self.host, "-p", str(self.port)],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )

    def wait_up(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"moto server exited with {self.process.returncode}; see {self._log.name}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"moto server not listening on {self.endpoint} after {timeout:.0f} s")

    def client(self, region: str):
        import boto3

        return boto3.client("s3", region_name=region, endpoint_url=self.endpoint,
                            aws_access_key_id="drill", aws_secret_access_key="drill")

    def stop(self) -> None:
        stop_process(self.process)
        self._log.close()


@pytest.fixture(scope="session")
def local_s3(env: Environment) -> Iterator[LocalS3]:
    s3 = LocalS3(env.layout.logs / "drill-moto-s3.log")
    try:
        s3.wait_up()
        yield s3
    finally:
        s3.stop()


# ---------------------------------------------------------------------------------------- etcd access


class Etcdctl:
    """The built etcdctl inside one pod's network namespace, against that member's own client port."""

    def __init__(self, binary: Path, tls: Path, netns: str) -> None:
        self.binary = binary
        self.tls = tls
        self.netns = netns

    def run(self, *args: str, timeout: float = 30) -> str:
        argv = ["ip", "netns", "exec", self.netns, str(self.binary), "--endpoints=https://127.0.0.1:2379",
                f"--cacert={self.tls / 'ca.crt'}", f"--cert={self.tls / 'tls.crt'}", f"--key={self.tls / 'tls.key'}",
                "--dial-timeout=5s", "--command-timeout=20s", *args]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            why = done.stderr.strip() or done.stdout.strip()
            raise AssertionError(f"etcdctl {' '.join(args)} in {self.netns}: {why}")
        return done.stdout

    def json(self, *args: str, timeout: float = 30):
        return json.loads(self.run(*args, "--write-out=json", timeout=timeout))

    def revision(self) -> int:
        (status,) = self.json("endpoint", "status")
        return int(status["Status"]["header"]["revision"])

    def registry(self, revision: int | None = None) -> dict[str, bytes]:
        """Every key under /registry/ and its value (at ``revision``, or now)."""
        args = ["get", "/registry/", "--prefix"] + ([f"--rev={revision}"] if revision else [])
        answer = self.json(*args, timeout=60)
        return {base64.b64decode(kv["key"]).decode(): base64.b64decode(kv.get("value", ""))
                for kv in answer.get("kvs") or ()}


@pytest.fixture(scope="session")
def etcd_client_tls(env: Environment) -> Iterator[Path]:
    """The backup's own etcd client certificate (Secret etcd-backup-etcd-client), as files."""
    secret = env.access("parent").client().request(
        "GET", "/api/v1/namespaces/karmada-system/secrets/etcd-backup-etcd-client")
    folder = Path(tempfile.mkdtemp(prefix="eks-karmada-drill-tls-"))
    try:
        for name, value in secret["data"].items():
            path = folder / name
            path.touch(mode=0o600)
            path.write_bytes(base64.b64decode(value))
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -------------------------------------------------------------------------------- the drill's own pods


def with_pod_identity(pod: PodSpec, template: dict, s3_port: int) -> PodSpec:
    """What the Pod Identity webhook does, for the local S3: AWS settings in every container not skipped.

    The rendered env stays as rendered; deviations.pod_identity_env is appended (a listed deviation).
    """
    skipped = set(((template.get("metadata") or {}).get("annotations") or {}).get(SKIP_CONTAINERS, "").split(","))
    extra = tuple(deviations.pod_identity_env(s3_port).items())

    def add(containers):
        return tuple(c if c.name in skipped else replace(c, env=tuple(c.env) + extra) for c in containers)

    return replace(pod, containers=add(pod.containers), init_containers=add(pod.init_containers))


def job_outcome(status: dict) -> str | None:
    """``Succeeded`` or ``Failed`` once a Job's pod (restart Never) has finished, else None."""
    phase = status.get("phase")
    return phase if phase in ("Succeeded", "Failed") else None


class DrillPods:
    """Pods the drill runs through the local kubelet.

    Pods the drill runs through the local kubelet; each is stopped and removed again (spec, status, marker, scratch
    folders, network namespace), never any other pod.
    """

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.ids: list[str] = []

    def run(self, pod: PodSpec) -> None:
        self.remove(pod.id)  # a leftover of an interrupted run would keep its old status
        for log in self.env.layout.logs.glob(f"{pod.id}_*.log"):
            log.unlink()  # the last run's lines; this run's stay after it for a look
        self.ids.append(pod.id)
        self.env.run_pod(pod)

    def logs(self, pod_id: str, lines: int = 40) -> str:
        """The last lines of each container's log, after what the kubelet's launch scripts tell."""
        out = []
        spec = self.env.layout.pods / f"{pod_id}.json"
        pod = PodSpec.read(spec) if spec.exists() else PodSpec(pod_id, "", "", "", "", "", "")
        for container in (*pod.init_containers, *pod.containers):
            script = self.env.layout.run / "rootfs" / pod_id / f"{container.name}.sh"
            if container.host_tools and script.exists() and "usr/local/bin/aws" not in script.read_text():
                out.append(f"  {container.name}: the kubelet daemon gave this aws-cli container no `aws`: it runs code "
                           "from before local_control_plane/kubelet.py bound .venv-awscli (make local-down; make "
                           "local)")
        for log in sorted(self.env.layout.logs.glob(f"{pod_id}_*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            out += [f"  {log.name}: {line}" for line in tail]
        return "\n".join(out)

    def wait_finished(self, pod_id: str, timeout: float) -> tuple[str, dict]:
        deadline = time.monotonic() + timeout
        status: dict = {}
        while time.monotonic() < deadline:
            status = self.env.status(pod_id)
            outcome = job_outcome(status)
            if outcome:
                return outcome, status
            time.sleep(1)
        raise AssertionError(f"{pod_id} not finished after {timeout:.0f} s: {json.dumps(status)}\n{self.logs(pod_id)}")

    def remove(self, pod_id: str, timeout: float = 40) -> None:
        layout = self.env.layout
        spec = layout.pods / f"{pod_id}.json"
        if spec.exists():
            stop_marker(layout, pod_id).touch()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.env.status(pod_id).get("phase") in ("Stopped", "Pending", "Succeeded", "Failed"):
                    break
                time.sleep(0.5)
            spec.unlink(missing_ok=True)
        stop_marker(layout, pod_id).unlink(missing_ok=True)
        status_path(layout, pod_id).unlink(missing_ok=True)
        for folder in (layout.run / "rootfs" / pod_id, layout.run / "etc" / pod_id, layout.run / "volumes" / pod_id):
            shutil.rmtree(folder, ignore_errors=True)
        # The veth first: `ip netns del` only unlinks the name, and a namespace lives on while any mount
        # namespace still holds a copy of its /run/netns bind mount (every container the kubelet started
        # meanwhile: it unshares with private propagation), with eth0 and the drill's address on the bridge.
        # Deleting one end of a veth pair deletes both.
        if ip("link", "show", _veth_name(pod_id), check=False).returncode == 0:
            ip("link", "del", _veth_name(pod_id), check=False)
        if Path(f"/run/netns/{netns_name(pod_id)}").exists():
            ip("netns", "del", netns_name(pod_id), check=False)

    def remove_all(self) -> None:
        for pod_id in reversed(self.ids):
            self.remove(pod_id)
        self.ids.clear()


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """The drill's own files.

    The drill's own files: downloaded snapshots, the rendered restore, and the folder standing for the restore's fresh
    data volumes (PodBuilder's data_dir: claim data-etcd-<i> -> volumes/.../data-etcd-<i>).
    """
    folder = Path(tempfile.mkdtemp(prefix="eks-karmada-restore-drill-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def drill_pods(env: Environment, scratch: Path) -> Iterator[DrillPods]:
    """Depends on ``scratch`` so that its pods (the restored etcd on those folders) stop before it goes."""
    # A fresh view of run/network.json: other drills may have handed out addresses since the session began.
    pods = DrillPods(Environment(env.layout, env.binaries))
    try:
        yield pods
    finally:
        pods.remove_all()
