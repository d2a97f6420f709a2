"""What the local kubelet runs: a pod as plain data, written as JSON under ``run/pods/``.

Built from rendered objects by pods.py and for the clusters' own control planes by clusters.py;
read by kubelet.py. Every value here is already resolved except what a kubelet resolves at start
(Secret and ConfigMap contents, service-account tokens).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Probe:
    """A rendered probe, its port resolved to a number and its host to the pod's address."""

    kind: str  # httpGet | tcpSocket
    port: int
    path: str = "/"
    scheme: str = "HTTP"
    initial_delay: float = 0
    period: float = 10
    timeout: float = 1
    failure_threshold: int = 3


@dataclass(frozen=True)
class Volume:
    """A pod volume; the kubelet materialises it under run/volumes/<pod>/<name>."""

    name: str
    kind: str  # secret | configMap | emptyDir | directory | serviceAccountToken
    source: str = ""  # Secret/ConfigMap name, or the host directory for ``directory``
    items: tuple[tuple[str, str], ...] = ()  # (key, path); empty: every key
    default_mode: int = 0o644
    optional: bool = False


@dataclass(frozen=True)
class Mount:
    """A volume mounted into a container."""
    volume: str
    path: str
    read_only: bool = False
    sub_path: str = ""


@dataclass(frozen=True)
class Container:
    """One container. ``files`` is its image (container path -> host file); empty means the host's root."""

    name: str
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()
    env_from_secrets: tuple[tuple[str, str, str, bool], ...] = ()  # (variable, Secret, key, optional)
    files: tuple[tuple[str, str], ...] = ()
    host_root: bool = False  # run in the host's root filesystem (the harness's own processes)
    host_tools: bool = False  # an image of host tools: the host's /usr and /etc, read-only (deviations.py)
    mounts: tuple[Mount, ...] = ()
    user: int | None = None
    group: int | None = None
    read_only_root: bool = False
    startup: Probe | None = None
    liveness: Probe | None = None
    readiness: Probe | None = None


@dataclass(frozen=True)
class PodSpec:
    """One pod: where it runs (namespace, address, cluster) and its containers."""

    id: str  # unique file name: <cluster>.<namespace>.<pod name>
    cluster: str  # whose API holds its Secrets and ConfigMaps (parent, a member)
    namespace: str
    name: str
    netns: str
    address: str
    hostname: str
    hosts: tuple[tuple[str, str], ...] = ()  # /etc/hosts lines: (address, names)
    service_account: str = ""
    containers: tuple[Container, ...] = ()
    init_containers: tuple[Container, ...] = ()
    volumes: tuple[Volume, ...] = ()
    fs_group: int | None = None
    supplemental_groups: tuple[int, ...] = ()
    restart: str = "Always"  # Always | Never (a Job's pod)
    labels: tuple[tuple[str, str], ...] = field(default=())
    # A hash of the rendered pod template, as the Deployment controller's pod-template-hash: any change to the
    # template (a checksum annotation among them) replaces the pod, even one the local spec does not otherwise show.
    template_hash: str = ""

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.id}.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")
        temporary.replace(path)
        return path

    @classmethod
    def read(cls, path: Path) -> PodSpec:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls.from_dict(raw)

    @classmethod
    def from_dict(cls, raw: dict) -> PodSpec:
        def container(c: dict) -> Container:
            probes = {k: (Probe(**c[k]) if c.get(k) else None) for k in ("startup", "liveness", "readiness")}
            return Container(
                name=c["name"], argv=tuple(c["argv"]), env=tuple(map(tuple, c["env"])),
                env_from_secrets=tuple(map(tuple, c["env_from_secrets"])), files=tuple(map(tuple, c["files"])),
                host_root=c["host_root"], host_tools=c["host_tools"], mounts=tuple(Mount(**m) for m in c["mounts"]),
                             user=c["user"],
                group=c["group"], read_only_root=c["read_only_root"], **probes,
            )

        return cls(
            id=raw["id"], cluster=raw["cluster"], namespace=raw["namespace"], name=raw["name"], netns=raw["netns"],
            address=raw["address"], hostname=raw["hostname"], hosts=tuple(map(tuple, raw["hosts"])),
            service_account=raw["service_account"], containers=tuple(map(container, raw["containers"])),
            init_containers=tuple(map(container, raw["init_containers"])),
            volumes=tuple(Volume(**{**v, "items": tuple(map(tuple, v["items"]))}) for v in raw["volumes"]),
            fs_group=raw["fs_group"], supplemental_groups=tuple(raw["supplemental_groups"]), restart=raw["restart"],
            labels=tuple(map(tuple, raw["labels"])), template_hash=raw.get("template_hash", ""),
        )
