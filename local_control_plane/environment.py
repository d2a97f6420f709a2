"""One local environment: the rendered app, its network, its clusters and its pods.

Shared by ``up`` (bring-up), the drills in the e2e tests and ``down``. Reads only the synthesized
output (``.local/cdk.out``): manifests for what runs, templates for what the handlers receive.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from functools import cached_property
from pathlib import Path

import yaml

from functions.resource_types import KARMADA_MEMBER_REGISTRATION

from . import deviations, image_assets
from .access import ClusterAccess
from .clusters import ClusterPlan, LocalCluster
from .kubelet import status_path, stop_marker
from .layout import Layout
from .network import Network, netns_name
from .pods import PodBuilder, workloads
from .podspec import Container, PodSpec
from .services import LocalService, hosts_and_proxy, local_services


class LocalError(Exception):
    """`make local` cannot go on; the message says what and how to fix it."""


def read_objects(path: Path, substitutions: dict[str, str]) -> list[dict]:
    """A rendered manifest with its deploy-time placeholders replaced by local values."""
    text = path.read_text(encoding="utf-8")
    for placeholder, value in substitutions.items():
        text = text.replace(placeholder, value)
    return [doc for doc in yaml.safe_load_all(text) if doc]


def member_stand_ins() -> str:
    """``LOCAL_MEMBERS``: full (default; every member runs a scheduler and kwok) or lean (bench-karmada)."""
    value = os.environ.get("LOCAL_MEMBERS", "") or "full"
    if value not in ("full", "lean"):
        raise LocalError(f"LOCAL_MEMBERS={value!r}: use full (the default) or lean (API server, etcd and the "
                         "controllers Karmada reads back; for make bench-karmada)")
    return value


class Environment:
    """Paths, network, clusters and the rendered objects of one local run."""

    def __init__(self, layout: Layout | None = None, binaries: dict[str, Path] | None = None) -> None:
        self.layout = layout or Layout()
        self.network = Network(self.layout)
        # The local STS's CA is a file of aws-iam-authenticator's image (deviations.IMAGE_FILES), found as binaries are.
        self.binaries = {**(binaries or {}), deviations.STS_CA_FILE: self.layout.data / "sts" / "ca.crt"}
        self.assembly = self.layout.manifests
        # The app's own images (image_assets.py): built with the binaries, when pods are to run.
        assets = image_assets.docker_image_assets(self.assembly)
        self.asset_images = {asset.placeholder: asset.image for asset in assets}
        if binaries is not None:
            self.binaries.update(image_assets.ensure(assets))
        manifests = self.assembly / "manifests"
        if not (manifests / "parent.yaml").exists():
            raise LocalError(f"no {manifests}/parent.yaml: run `make local`, which synthesizes the local config first")
        self.member_names = sorted(p.stem[len("member-"):] for p in manifests.glob("member-*.yaml"))
        self.config = self._config()

    def _config(self) -> dict:
        """The members' zones and regions, from the synthesized registration properties."""
        members = {}
        for name in self.member_names:
            template = self.assembly / f"KarmadaRegistration-{name}.template.json"
            if not template.exists():
                continue
            for resource in json.loads(template.read_text()).get("Resources", {}).values():
                if resource["Type"] == KARMADA_MEMBER_REGISTRATION:
                    props = resource["Properties"]
                    members[name] = {"region": props.get("Region", ""), "zones": json.loads(props.get("Zones", "[]")),
                                     "sync_mode": props.get("SyncMode", "Push"),
                                     "cluster_name": props.get("MemberClusterName", "")}
        return members

    @cached_property
    def parent_cluster_name(self) -> str:
        """The parent EKS cluster's name, as its template names it."""
        template = json.loads((self.assembly / "KarmadaParent.template.json").read_text())
        return next(r["Properties"]["Name"] for r in template["Resources"].values() if r["Type"] == "AWS::EKS::Cluster")

    def member_by_cluster_name(self, eks_name: str) -> str | None:
        return next((m for m, c in self.config.items() if c.get("cluster_name") == eks_name), None)

    def local_cluster_name(self, eks_name: str) -> str:
        """``parent`` or the member whose EKS cluster is ``eks_name``."""
        if eks_name == self.parent_cluster_name:
            return "parent"
        member = self.member_by_cluster_name(eks_name)
        if member is None:
            raise LocalError(f"EKS cluster {eks_name!r} is neither the parent nor a member of the local config")
        return member

    # -- clusters
    def cluster(self, name: str) -> LocalCluster:
        plan = ClusterPlan("parent")
        if name != "parent":
            member = self.config.get(name, {})
            plan = ClusterPlan(name, member=True, zones=tuple(member.get("zones", ())), region=member.get("region", ""),
                               lean=member_stand_ins() == "lean")
        return LocalCluster(self.layout, self.network, plan, self.binaries)

    def substitutions(self) -> dict[str, str]:
        values = {**deviations.PLACEHOLDERS, **self.asset_images}
        for name in self.member_names:
            values[deviations.member_endpoint_placeholder(name)] = self.cluster(name).endpoint
        return values

    def objects(self, target: str) -> list[dict]:
        """``parent``, ``karmada`` or ``member-<name>``, placeholders filled."""
        return read_objects(self.assembly / "manifests" / f"{target}.yaml", self.substitutions())

    # -- pods of rendered workloads
    def rendered_pods(self, target: str, cluster: str) -> tuple[list[PodSpec], dict[str, dict]]:
        """The pods of a target's Deployments and StatefulSets, and each pod's rendered template."""
        builder = PodBuilder(
            cluster=cluster, binaries=self.binaries, data_dir=self.layout.data, hosts=[],
            address_of=self.network.address, netns_of=netns_name,
        )
        pods, templates = [], {}
        for workload in workloads(self.objects(target)):
            for pod in builder.pods(workload):
                pods.append(pod)
                templates[pod.id] = workload.template
        return pods, templates

    def services(self, target: str, pods: list[PodSpec], templates: dict[str, dict]) -> list[LocalService]:
        return local_services(self.objects(target), pods, templates)

    def service_hosts(self, services: list[LocalService]) -> tuple[list[tuple[str, str]], list[dict]]:
        """Hosts entries and the proxy table, including the NLB stand-in (from TargetGroupBindings)."""
        hosts, table = hosts_and_proxy(services, self.network.address)
        nlb = self.network.address("nlb")
        for obj in self.objects("parent"):
            if obj.get("kind") != "TargetGroupBinding":
                continue
            ref = obj["spec"]["serviceRef"]
            service = next(s for s in services if s.name == ref["name"] and s.namespace == obj["metadata"]["namespace"])
            port = next(p for p in service.ports if p.port == int(ref["port"]) or p.name == ref["port"])
            table.append({"listen": [nlb, 443],
                          "targets": [[pod.address, port.target_port] for pod in service.selected]})
            hosts.append((nlb, deviations.NLB_DNS_NAME))
        return hosts, table

    # -- the daemons: the kubelet, and the schedules (EventBridge Scheduler's stand-in, schedules.py)
    def daemon_pid_file(self, name: str) -> Path:
        return self.layout.run / f"{name}.pid"

    def daemon_pid(self, name: str) -> int | None:
        try:
            pid = int(self.daemon_pid_file(name).read_text().split()[0])
            os.kill(pid, 0)
            return pid
        except (FileNotFoundError, ValueError, IndexError, ProcessLookupError):
            return None

    def start_daemon(self, name: str, *, keep_current: bool = True) -> int:
        """Start ``python -m local_control_plane <name>`` in the background (log: logs/<name>.log).

        With ``keep_current`` a running one is kept if it runs the current code of this package.
        """
        pid = self.daemon_pid(name)
        code = _package_digest()
        if pid and keep_current and self.daemon_pid_file(name).read_text().split()[1:] == [code]:
            return pid
        if pid:
            self.stop_daemon(name)  # the kubelet's pods restart under the new one (volumes persist)
        self.layout.logs.mkdir(parents=True, exist_ok=True)
        self.layout.run.mkdir(parents=True, exist_ok=True)
        log = open(self.layout.logs / f"{name}.log", "ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "local_control_plane", name], stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, cwd=Path(__file__).resolve().parent.parent,
        )
        self.daemon_pid_file(name).write_text(f"{process.pid} {code}")
        return process.pid

    def stop_daemon(self, name: str, timeout: float = 60) -> None:
        pid = self.daemon_pid(name)
        if not pid:
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.5)
        else:
            os.killpg(pid, signal.SIGKILL)
        self.daemon_pid_file(name).unlink(missing_ok=True)

    # -- pods
    def run_pod(self, pod: PodSpec) -> None:
        self.network.ensure_namespace(pod.id if not pod.id.startswith("cluster.") else f"cluster-{pod.cluster}")
        stop_marker(self.layout, pod.id).unlink(missing_ok=True)
        existing = self.layout.pods / f"{pod.id}.json"
        if existing.exists() and PodSpec.read(existing) == pod:
            return  # unchanged: the kubelet keeps it running
        pod.write(self.layout.pods)

    def stop_pod(self, pod_id: str) -> None:
        stop_marker(self.layout, pod_id).touch()

    def start_pod(self, pod_id: str) -> None:
        stop_marker(self.layout, pod_id).unlink(missing_ok=True)

    def status(self, pod_id: str) -> dict:
        """The kubelet's last word on a pod; Pending while it has said nothing about the current spec."""
        pending = {"pod": pod_id, "phase": "Pending", "ready": False, "containers": {}}
        try:
            status = json.loads(status_path(self.layout, pod_id).read_text())
            spec_mtime = (self.layout.pods / f"{pod_id}.json").stat().st_mtime
        except (FileNotFoundError, ValueError):
            return pending
        return status if status.get("generation") == spec_mtime else pending

    def wait_ready(self, pod_ids: list[str], timeout: float, log=print, what: str = "pods") -> None:
        """Wait until every pod is ready; fail naming the pods that are not, and their last log lines."""
        deadline = time.monotonic() + timeout
        last_report = 0.0
        while True:
            statuses = {pod_id: self.status(pod_id) for pod_id in pod_ids}
            waiting = sorted(pod_id for pod_id, status in statuses.items() if not status.get("ready"))
            if not waiting:
                return
            now = time.monotonic()
            if now > deadline:
                details = []
                for pod_id in waiting:
                    status = statuses[pod_id]
                    details.append(f"  {pod_id}: {status.get('phase')} {status.get('message', '')} "
                                   f"{json.dumps(status.get('containers', {}))}")
                    for log_file in sorted(self.layout.logs.glob(f"{pod_id}_*.log")):
                        tail = log_file.read_text(errors="replace").splitlines()[-5:]
                        details.extend(f"    {log_file.name}: {line}" for line in tail)
                raise LocalError(f"{what} not ready after {timeout:.0f} s:\n" + "\n".join(details))
            if now - last_report > 15:
                log(f"  waiting for {len(waiting)} of {len(pod_ids)} {what}: "
                    f"{', '.join(w.split('.')[-1] for w in waiting)}")
                last_report = now
            time.sleep(1)

    def service_proxy_pod(self, table_path: Path) -> PodSpec:
        address = self.network.address("services")
        return PodSpec(
            id="harness.service-proxy", cluster="parent", namespace="kube-system", name="service-proxy",
            netns=netns_name("services"), address=address, hostname="service-proxy",
            containers=(Container("proxy", (sys.executable, str(Path(__file__).with_name("service_proxy.py")),
                                            str(table_path)), host_root=True),),
        )

    def partition(self, blocked: bool) -> None:
        """Cut (or restore) every path between the control plane and every member, both ways.

        Control plane: the parent's pods, Service addresses and the NLB; members: their API servers and pods.
        """
        names = self.network.names
        members = [n for n in names if any(n == f"cluster-{m}" or n.startswith(f"{m}.") for m in self.member_names)]
        control = [n for n in names if n.startswith("parent.") or n.startswith("svc-") or n in ("nlb", "services")]
        for side, other in ((members, control), (control, members)):
            for name in side:
                if Path(f"/run/netns/{netns_name(name)}").exists():
                    self.network.set_unreachable(name, other, blocked)

    def kubeconfig_path(self, name: str) -> Path:
        return self.layout.kubeconfig(name)

    def access(self, name: str) -> ClusterAccess:
        """Admin access to ``parent``, ``karmada`` or a member (as written by `make local`)."""
        path = self.layout.run / "clusters" / f"{name}.json"
        if not path.exists():
            raise LocalError(f"no access to {name}: run `make local` first")
        return ClusterAccess.load(path)


def _package_digest() -> str:
    """A digest of this package's code: a kubelet started from other code is replaced."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def with_hosts(pod: PodSpec, hosts: list[tuple[str, str]]) -> PodSpec:
    return replace(pod, hosts=tuple(pod.hosts) + tuple(hosts))


def ready_map(env: Environment, pods: list[PodSpec]) -> dict[str, bool]:
    return {pod.id: bool(env.status(pod.id).get("ready")) for pod in pods}

