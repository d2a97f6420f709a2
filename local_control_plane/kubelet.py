"""The local kubelet: runs the pods under ``run/pods/`` as a kubelet runs a node's pods.

One daemon (``python -m local_control_plane kubelet``), started by ``make local`` and stopped by
``make local-down``. For each pod it materialises the volumes (Secrets and ConfigMaps read from the
pod's cluster API and refreshed like a kubelet's sync loop, service-account tokens by TokenRequest),
starts the init containers then the containers, each in the pod's network namespace with a mount
and UTS namespace of its own and a root filesystem holding only its image's files and its volumes,
as the rendered user; restarts containers that exit (with back-off), runs the rendered startup,
liveness and readiness probes (a failed liveness probe restarts the container), and writes the pod's
status to ``run/status/<pod>.json``. A ``<pod>.stopped`` marker next to a spec stops the pod
(the drills stop and restart API servers that way).
"""

from __future__ import annotations

import base64
import json
import logging
import os
import shlex
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from . import deviations
from .access import ClusterAccess
from .layout import Layout
from .podspec import Container, PodSpec, Probe, Volume

logger = logging.getLogger("kubelet")

SYNC_SECONDS = 1.0
VOLUME_REFRESH_SECONDS = 10.0  # a kubelet refreshes Secret volumes within about a minute; faster here
TOKEN_SECONDS = 3600
GRACE_SECONDS = 10.0
MAX_BACKOFF_SECONDS = 20.0


def access_path(layout: Layout, cluster: str) -> Path:
    """Where the harness leaves the kubelet's credential for a cluster's API."""
    return layout.run / "clusters" / f"{cluster}.json"


def status_path(layout: Layout, pod_id: str) -> Path:
    return layout.run / "status" / f"{pod_id}.json"


def stop_marker(layout: Layout, pod_id: str) -> Path:
    return layout.pods / f"{pod_id}.stopped"


# ---------------------------------------------------------------------------------- volumes


class Volumes:
    """Materialises a pod's volumes under run/volumes/<pod>/ (Secret data written atomically)."""

    def __init__(self, layout: Layout, pod: PodSpec) -> None:
        self.layout = layout
        self.pod = pod
        self.root = layout.run / "volumes" / pod.id
        self._token_at = 0.0

    def path(self, volume: Volume) -> Path:
        if volume.kind == "directory":
            return Path(volume.source)
        return self.root / volume.name

    def sync(self, force_token: bool = False) -> None:
        """Bring every volume up to date; raise when a required Secret or ConfigMap is missing."""
        client = None
        for volume in self.pod.volumes:
            target = self.path(volume)
            if volume.kind in ("emptyDir", "directory"):
                if not target.exists():
                    target.mkdir(parents=True, mode=0o777)
                    target.chmod(0o777 if volume.kind == "emptyDir" else 0o750)
                    if self.pod.fs_group is not None:
                        os.chown(target, 0, self.pod.fs_group)
                        target.chmod(target.stat().st_mode | 0o2070)
                continue
            if client is None:
                access = ClusterAccess.load(access_path(self.layout, self.pod.cluster))
                client = access.client("eks-karmada/local-kubelet")
            if volume.kind == "serviceAccountToken":
                if force_token or time.monotonic() - self._token_at > TOKEN_SECONDS * 0.8 or not target.exists():
                    self._write(volume, target, self._token_files(client, volume))
                    self._token_at = time.monotonic()
                continue
            resource = "secrets" if volume.kind == "secret" else "configmaps"
            try:
                obj = client.request("GET", f"/api/v1/namespaces/{self.pod.namespace}/{resource}/{volume.source}")
            except Exception as err:  # noqa: BLE001 - ApiError 404 and connection errors alike
                if volume.optional and getattr(err, "code", None) == 404:
                    self._write(volume, target, {})
                    continue
                raise VolumeNotReadyError(f"{volume.kind} {self.pod.namespace}/{volume.source}: {err}") from None
            if volume.kind == "configMap":
                data = {k: v.encode() for k, v in (obj.get("data") or {}).items()}
                data.update({k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()})
            else:
                data = {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
            if volume.items:
                missing = [key for key, _ in volume.items if key not in data]
                if missing and not volume.optional:
                    raise VolumeNotReadyError(f"{volume.kind} {self.pod.namespace}/{volume.source} has no key "
                                              f"{missing}")
                data = {path: data[key] for key, path in volume.items if key in data}
            self._write(volume, target, data)
        if client is not None:
            client.close()

    def _token_files(self, client, volume: Volume) -> dict[str, bytes]:
        answer = client.request(
            "POST", f"/api/v1/namespaces/{self.pod.namespace}/serviceaccounts/{volume.source}/token",
            body={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                  "spec": {"expirationSeconds": TOKEN_SECONDS}},
        )
        access = ClusterAccess.load(access_path(self.layout, self.pod.cluster))
        return {"token": answer["status"]["token"].encode(), "ca.crt": access.ca_pem,
                "namespace": self.pod.namespace.encode()}

    def _write(self, volume: Volume, target: Path, files: dict[str, bytes]) -> None:
        """Kubernetes' AtomicWriter: files in a timestamped folder, swapped in through the ..data link."""
        current = target / "..data"
        if current.exists() and all((current / name).is_file() and (current / name).read_bytes() == content
                                    for name, content in files.items()) \
                and sorted(str(p.relative_to(current)) for p in current.rglob("*") if not p.is_dir()) == sorted(files):
            return
        target.mkdir(parents=True, exist_ok=True)
        stamp = target / f"..{time.strftime('%Y_%m_%d_%H_%M_%S')}.{time.monotonic_ns()}"
        stamp.mkdir()
        mode = volume.default_mode
        group = self.pod.fs_group
        for name, content in files.items():
            file = stamp / name
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_bytes(content)
            file_mode = mode
            if group is not None:
                os.chown(file, 0, group)
                file_mode |= 0o440  # SetVolumeOwnership: group-readable by the fsGroup
            file.chmod(file_mode)
        stamp.chmod(0o755)
        link = target / "..data_tmp"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(stamp.name)
        old = os.readlink(current) if current.is_symlink() else None
        link.replace(current)
        visible = {n.split("/")[0] for n in files}
        for name in visible:
            entry = target / name
            if not entry.is_symlink():
                entry.symlink_to(f"..data/{name}")
        for entry in target.iterdir():  # paths the new payload no longer has go, as AtomicWriter removes them
            if not entry.name.startswith("..") and entry.name not in visible and entry.is_symlink():
                entry.unlink()
        if old:
            subprocess.run(["rm", "-rf", str(target / old)], check=False)


class VolumeNotReadyError(Exception):
    """A volume's source is not there (yet): the pod waits, as a kubelet does."""


# ---------------------------------------------------------------------------------- containers


def launch_script(layout: Layout, pod: PodSpec, container: Container, volumes: Volumes, env: dict[str, str]) -> str:
    """The shell run inside the pod's network namespace and a fresh mount/UTS namespace."""
    root = layout.run / "rootfs" / pod.id / container.name
    root.mkdir(parents=True, exist_ok=True)
    etc = layout.run / "etc" / pod.id
    etc.mkdir(parents=True, exist_ok=True)
    hosts = ["127.0.0.1 localhost", "::1 localhost"] + [f"{address} {names}" for address, names in pod.hosts]
    (etc / "hosts").write_text("\n".join(hosts) + "\n", encoding="utf-8")
    (etc / "resolv.conf").write_text("# no DNS server: names resolve through /etc/hosts\noptions ndots:0\n")
    (etc / "nsswitch.conf").write_text("hosts: files\n")
    user = container.user if container.user is not None else 0
    group = container.group if container.group is not None else 0
    (etc / "passwd").write_text(f"root:x:0:0:root:/root:/sbin/nologin\n"
                                f"nonroot:x:{user}:{group}::/home/nonroot:/sbin/nologin\n")
    (etc / "group").write_text(f"root:x:0:\nnonroot:x:{group}:\n")
    q = shlex.quote
    r = q(str(root))
    lines = ["set -eu", f"mount -t tmpfs -o mode=0755 rootfs {r}", f"cd {r}",
             "mkdir -p proc dev tmp etc var/run run sys",
             "mount -t proc proc proc"]
    for device in ("null", "zero", "random", "urandom", "full", "tty"):
        lines += [f"touch dev/{device}", f"mount --bind /dev/{device} dev/{device}"]
    lines += ["mkdir -p dev/shm dev/pts", "mount -t tmpfs -o mode=1777 shm dev/shm"]
    if container.host_tools:
        for entry in sorted(Path("/usr").iterdir()):
            if entry.name != "local" and entry.is_dir():
                lines += [f"mkdir -p usr/{entry.name}", f"mount --rbind -o ro /usr/{entry.name} usr/{entry.name}"]
        for link in ("bin", "sbin", "lib", "lib64"):
            if Path(f"/{link}").is_symlink():
                lines.append(f"ln -s usr/{link} {link}")
        lines += _awscli_lines(etc)
        lines += ["mkdir -p etc/ssl", "mount --rbind -o ro /etc/ssl etc/ssl"]
    for path, source in container.files:
        lines += [f"mkdir -p .{q(str(Path(path).parent))}", f"touch .{q(path)}",
                  f"mount --bind -o ro {q(source)} .{q(path)}"]
    for name in ("hosts", "resolv.conf", "nsswitch.conf", "passwd", "group"):
        lines.append(f"cp {q(str(etc / name))} etc/{name}")
    by_name = {v.name: v for v in pod.volumes}
    for mount in container.mounts:
        volume = by_name.get(mount.volume)
        if volume is None:
            raise ValueError(f"{pod.id}/{container.name}: mount of unknown volume {mount.volume}")
        source = volumes.path(volume)
        if mount.sub_path:
            source = source / mount.sub_path
        target = "." + q(mount.path)
        if source.is_file() or (mount.sub_path and not source.is_dir()):
            lines += [f"mkdir -p .{q(str(Path(mount.path).parent))}", f"touch {target}"]
        else:
            lines.append(f"mkdir -p {target}")
        lines.append(f"mount --bind {q(str(source))} {target}")
        if mount.read_only:
            lines.append(f"mount -o remount,bind,ro {target}")
    lines.append("chmod 1777 tmp")
    if container.read_only_root:
        lines.append("mount -o remount,ro,bind .")
    lines.append(f"hostname {q(pod.hostname)}")
    lines.append("cd /")
    groups = [str(g) for g in ([pod.fs_group] if pod.fs_group is not None else []) + list(pod.supplemental_groups)]
    userspec = f"--userspec={user}:{group}" + (f" --groups={','.join(groups)}" if groups else "")
    environment = " ".join(q(f"{k}={v}") for k, v in env.items())
    command = " ".join(q(a) for a in container.argv)
    lines.append(f"exec env -i {environment} chroot {userspec} {r} {command}")
    return "\n".join(lines) + "\n"


# Where the image of host tools finds its `aws`: fixed paths of its own, so that no rendered volume (an
# emptyDir at /tmp, say) can hide them wherever the checkout lives.
_TOOLS_PYTHON = "/opt/eks-karmada/python"
_TOOLS_AWSCLI = "/opt/eks-karmada/awscli"


def _awscli_lines(etc: Path) -> list[str]:
    """Bind the awscli venv's packages and its interpreter, and put an `aws` that runs them on the PATH."""
    venv = deviations.AWSCLI_VENV
    packages = sorted(venv.glob("lib/python3*/site-packages"))
    if not packages:
        return []  # no awscli installed: `aws` is missing in the image, and the step says so
    base = _venv_base(venv)
    wrapper = etc / "aws"
    # -S: only the awscli venv's packages, never the interpreter's own site-packages.
    wrapper.write_text(
        "#!/bin/sh\n"
        f"LD_LIBRARY_PATH={_TOOLS_PYTHON}/lib PYTHONPATH={_TOOLS_AWSCLI} exec {_TOOLS_PYTHON}/bin/python3 -S -m awscli "
        "\"$@\"\n",
        encoding="utf-8")
    q = shlex.quote
    return [f"mkdir -p .{_TOOLS_PYTHON} .{_TOOLS_AWSCLI} usr/local/bin",
            f"mount --rbind -o ro {q(str(base))} .{_TOOLS_PYTHON}",
            f"mount --rbind -o ro {q(str(packages[0]))} .{_TOOLS_AWSCLI}",
            f"cp {q(str(wrapper))} usr/local/bin/aws", "chmod 755 usr/local/bin/aws"]


def _venv_base(venv: Path) -> Path:
    """The installation a venv's interpreter comes from (``home`` in its pyvenv.cfg is its bin folder)."""
    for line in (venv / "pyvenv.cfg").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "home":
            return Path(value.strip()).parent
    return Path(sys.base_prefix)


def host_command(pod: PodSpec, container: Container, env: dict[str, str]) -> list[str]:
    """The harness's own processes (clusters' control planes): the host's filesystem, the pod's network."""
    return ["ip", "netns", "exec", pod.netns, "env", "-i", *(f"{k}={v}" for k, v in env.items()), *container.argv]


def _probe_tls() -> ssl.SSLContext:
    """One TLS context for every probe, with no CA store: a kubelet does not verify probe certificates.

    Loading the system's CAs for each probe was 80 % of this process's CPU with ten members.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


_PROBE_TLS = _probe_tls()


def probe_once(probe: Probe, address: str) -> bool:
    """One probe attempt: HTTP(S) status 200-399 or a TCP connect within the timeout."""
    timeout = max(1.0, float(probe.timeout))
    if probe.kind == "tcpSocket":
        import socket

        try:
            with socket.create_connection((address, probe.port), timeout=timeout):
                return True
        except OSError:
            return False
    scheme = probe.scheme.lower()
    url = f"{scheme}://{address}:{probe.port}{probe.path}"
    # Dialled directly, never through a proxy of the kubelet's environment (the prober's transport has none).
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=_PROBE_TLS))
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "kube-probe/1.35"})
        with opener.open(request, timeout=timeout) as answer:
            return 200 <= answer.status < 400
    except urllib.error.HTTPError as err:
        return 200 <= err.code < 400
    except Exception:  # noqa: BLE001 - any failure is a failed probe
        return False


@dataclass
class ContainerState:
    """The local kubelet's state of one running container."""
    process: subprocess.Popen | None = None
    restarts: int = 0
    started_at: float = 0.0
    started: bool = False  # startup probe passed
    ready: bool = False
    last_exit: int | None = None
    failures: dict = field(default_factory=dict)
    next_probe: dict = field(default_factory=dict)


class PodRunner(threading.Thread):
    """Runs one pod until told to stop."""

    def __init__(self, layout: Layout, pod: PodSpec, generation: float = 0.0) -> None:
        super().__init__(name=pod.id, daemon=True)
        self.layout = layout
        self.pod = pod
        self.generation = generation  # the spec file's mtime: statuses of a replaced spec are stale
        self.volumes = Volumes(layout, pod)
        self.stopping = threading.Event()
        self.states = {c.name: ContainerState() for c in pod.containers}
        self.init_done = False
        self.phase = "Pending"
        self.message = ""
        self._volumes_at = 0.0
        self._backoff: dict[str, float] = {}

    # -- lifecycle
    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                self.step()
                self.write_status()
                self.stopping.wait(SYNC_SECONDS)
        finally:
            self.kill_all()
            if self.phase not in ("Succeeded", "Failed"):  # a Job's pod keeps its outcome
                self.phase = "Stopped"
            self.write_status()

    def step(self) -> None:
        now = time.monotonic()
        if now - self._volumes_at > VOLUME_REFRESH_SECONDS:
            try:
                self.volumes.sync()
                self._volumes_at = now
            except VolumeNotReadyError as err:
                self.message = f"waiting for volume: {err}"
                if not self.init_done:
                    return
        if not self.init_done:
            self.run_init_containers()
            return
        for container in self.pod.containers:
            self.keep_running(container, now)
        if self.pod.restart == "Never" and all(s.process is None and s.last_exit is not None
                                               for s in self.states.values()):
            self.phase = "Succeeded" if all(s.last_exit == 0 for s in self.states.values()) else "Failed"
            self.stopping.set()

    def run_init_containers(self) -> None:
        for container in self.pod.init_containers:
            self.phase = f"Init:{container.name}"
            self.write_status()
            code = self.start_container(container).wait()
            if code != 0:
                self.message = f"init container {container.name} exited {code}"
                logger.warning("%s: %s", self.pod.id, self.message)
                if self.pod.restart == "Never":
                    self.phase = "Failed"
                    self.stopping.set()
                return
        self.init_done = True
        self.phase = "Running"

    def keep_running(self, container: Container, now: float) -> None:
        state = self.states[container.name]
        if state.process is not None and state.process.poll() is not None:
            state.last_exit = state.process.returncode
            state.process = None
            state.ready = state.started = False
            logger.warning("%s/%s exited with %s", self.pod.id, container.name, state.last_exit)
            if now - state.started_at > 60:
                self._backoff[container.name] = 0
        if state.process is None:
            if self.pod.restart == "Never" and state.last_exit is not None:
                return
            delay = self._backoff.get(container.name, 0)
            if now - state.started_at < delay:
                return
            if state.started_at:
                state.restarts += 1
            self._backoff[container.name] = min(MAX_BACKOFF_SECONDS, max(1.0, delay * 2))
            state.process = self.start_container(container)
            state.started_at = now
            state.failures, state.next_probe = {}, {}
            return
        self.probe(container, state, now)

    def probe(self, container: Container, state: ContainerState, now: float) -> None:
        running = now - state.started_at
        checks = []
        if not state.started:
            if container.startup is None:
                state.started = True
            else:
                checks.append(("startup", container.startup))
        if state.started:
            checks += [(k, p) for k, p in (("liveness", container.liveness), ("readiness", container.readiness)) if p]
            if container.readiness is None:
                state.ready = True
        for kind, probe in checks:
            if running < probe.initial_delay or now < state.next_probe.get(kind, 0):
                continue
            state.next_probe[kind] = now + probe.period
            ok = probe_once(probe, self.pod.address)
            failures = 0 if ok else state.failures.get(kind, 0) + 1
            state.failures[kind] = failures
            if kind == "startup":
                if ok:
                    state.started = True
                elif failures >= probe.failure_threshold:
                    self.restart(container, state, "startup probe failed")
            elif kind == "liveness" and failures >= probe.failure_threshold:
                self.restart(container, state, "liveness probe failed")
            elif kind == "readiness":
                if ok:
                    state.ready = True
                elif failures >= probe.failure_threshold:
                    state.ready = False

    def restart(self, container: Container, state: ContainerState, why: str) -> None:
        logger.warning("%s/%s: %s, restarting", self.pod.id, container.name, why)
        self.message = f"{container.name}: {why}"
        self.kill(state)

    # -- processes
    def environment(self, container: Container) -> dict[str, str]:
        env = dict(container.env)
        if container.env_from_secrets:
            client = ClusterAccess.load(access_path(self.layout, self.pod.cluster)).client()
            for variable, secret, key, optional in container.env_from_secrets:
                try:
                    obj = client.request("GET", f"/api/v1/namespaces/{self.pod.namespace}/secrets/{secret}")
                    env[variable] = base64.b64decode(obj["data"][key]).decode()
                except Exception:  # noqa: BLE001
                    if not optional:
                        raise
        if any(v.kind == "serviceAccountToken" for v in self.pod.volumes):
            access = ClusterAccess.load(access_path(self.layout, self.pod.cluster))
            env.setdefault("KUBERNETES_SERVICE_HOST", access.host)
            env.setdefault("KUBERNETES_SERVICE_PORT", str(access.port))
        return env

    def start_container(self, container: Container) -> subprocess.Popen:
        log = self.layout.logs / f"{self.pod.id}_{container.name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        env = self.environment(container)
        if container.host_root:
            argv = host_command(self.pod, container, env)
        else:
            script = self.layout.run / "rootfs" / self.pod.id / f"{container.name}.sh"
            script.parent.mkdir(parents=True, exist_ok=True)
            script.write_text(launch_script(self.layout, self.pod, container, self.volumes, env), encoding="utf-8")
            script.chmod(0o700)
            argv = ["ip", "netns", "exec", self.pod.netns, "unshare", "--mount", "--uts", "--propagation", "private",
                    "/bin/sh", str(script)]
        with open(log, "ab") as out:
            out.write(f"--- {time.strftime('%H:%M:%S')} starting {container.name}\n".encode())
            out.flush()
            process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        logger.info("%s/%s started (pid %d)", self.pod.id, container.name, process.pid)
        return process

    def kill(self, state: ContainerState) -> None:
        process = state.process
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
        state.last_exit = process.returncode
        state.process = None
        state.ready = state.started = False

    def kill_all(self) -> None:
        for state in self.states.values():
            self.kill(state)

    def write_status(self) -> None:
        status = {
            "pod": self.pod.id,
            "generation": self.generation,
            "address": self.pod.address,
            "phase": self.phase,
            "message": self.message,
            "ready": self.phase == "Running" and all(s.ready for s in self.states.values()),
            "containers": {
                name: {"pid": s.process.pid if s.process else None, "restarts": s.restarts, "started": s.started,
                       "ready": s.ready, "last_exit": s.last_exit}
                for name, s in self.states.items()
            },
            "time": time.time(),
        }
        path = status_path(self.layout, self.pod.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(status, indent=1), encoding="utf-8")
        temporary.replace(path)


def serve(layout: Layout) -> None:
    """The daemon's loop: start, update and stop pod runners as spec files come and go."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    runners: dict[str, tuple[float, PodRunner]] = {}
    done = threading.Event()

    def terminate(*_: object) -> None:
        done.set()

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, terminate)
    layout.pods.mkdir(parents=True, exist_ok=True)
    while not done.is_set():
        wanted = {}
        for path in layout.pods.glob("*.json"):
            if not stop_marker(layout, path.stem).exists():
                wanted[path.stem] = path
        for pod_id, (mtime, runner) in list(runners.items()):
            path = wanted.get(pod_id)
            if path is None or path.stat().st_mtime != mtime:  # stopped, deleted or replaced
                runner.stopping.set()
                runner.join()
                del runners[pod_id]
            elif not runner.is_alive() and runner.pod.restart == "Always":
                del runners[pod_id]  # its thread died: start it again; a finished Job's pod stays done
        for pod_id, path in wanted.items():
            if pod_id not in runners:
                mtime = path.stat().st_mtime
                runner = PodRunner(layout, PodSpec.read(path), mtime)
                runners[pod_id] = (mtime, runner)
                runner.start()
        done.wait(SYNC_SECONDS)
    for _, runner in runners.values():
        runner.stopping.set()
    for _, runner in runners.values():
        runner.join()
