"""The API servers that stand for EKS: the parent cluster and each member cluster.

Each is a network namespace with its own CA and etcd + kube-apiserver (members add
kube-controller-manager, kube-scheduler and kwok with simulated nodes in the member's zones), run
by the local kubelet as host processes. ``identity()`` issues a client certificate for any user and
groups, which is how AWS identities mapped by EKS access entries are represented here.
"""

from __future__ import annotations

import fcntl
import warnings
from dataclasses import dataclass
from pathlib import Path

from eks_karmada.private_file import write_private

from . import pki
from .access import ClusterAccess
from .binaries import module_source
from .kubelet import access_path
from .layout import Layout
from .network import Network, netns_name
from .podspec import Container, PodSpec, Probe

API_PORT = 443
SERVICE_CIDR = "172.20.0.0/16"  # EKS's default service range; virtual, never routed here
ADMIN_USER = "kubernetes-admin"
# A lean member's controllers: Deployment status and namespace deletion (the benchmark's cleanup). Registration's
# tokens come from the API server itself (TokenRequest).
LEAN_CONTROLLERS = "deployment,namespace"


@dataclass(frozen=True)
class ClusterPlan:
    """One stand-in EKS cluster."""

    name: str  # "parent" or the member's name
    member: bool = False
    zones: tuple[str, ...] = ()
    region: str = ""
    # Lean members (make bench-karmada): API server, etcd and only the controllers whose work Karmada reads back
    # (a Deployment's status, namespace deletion); no scheduler, no kwok. A member's
    # control plane runs on other machines in EKS: here it would take the cores the measured Karmada needs.
    lean: bool = False


class LocalCluster:
    """A running (or to-be-run) stand-in cluster and its PKI."""

    def __init__(self, layout: Layout, network: Network, plan: ClusterPlan, binaries: dict[str, Path]) -> None:
        self.layout = layout
        self.network = network
        self.plan = plan
        self.binaries = binaries
        self.pki_dir = layout.data / "clusters" / plan.name / "pki"
        self.address = network.address(f"cluster-{plan.name}")

    @property
    def name(self) -> str:
        return self.plan.name

    @property
    def endpoint(self) -> str:
        return f"https://{self.address}:{API_PORT}"

    # -- PKI
    def _pair(self, name: str, make) -> pki.KeyPair:
        """The named key pair, made once.

        The deployer and the schedules daemon (two processes, each with threads) ask for the same handler
        identity at once: the lock keeps one maker, so no caller reads one maker's certificate beside another's key.
        """
        cert, key = self.pki_dir / f"{name}.crt", self.pki_dir / f"{name}.key"
        self.pki_dir.mkdir(parents=True, exist_ok=True)
        with open(self.pki_dir / f".{name}.lock", "a") as lock:  # per pair: making a leaf reads the CA's
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            if not cert.exists():
                pair = make()
                write_private(key, pair.key_pem.decode("ascii"))
                write_private(cert, pair.cert_pem.decode("ascii"))  # last: a certificate means its key is there
            return pki.KeyPair(cert.read_bytes(), key.read_bytes())

    @property
    def ca(self) -> pki.KeyPair:
        return self._pair("ca", lambda: pki.new_ca(f"{self.name}-ca"))

    def identity(self, user: str, groups: tuple[str, ...] = (), label: str = "") -> ClusterAccess:
        """A client certificate for ``user`` in ``groups`` (an access entry's Kubernetes identity)."""
        file = label or user.replace("/", "_").replace(":", "_")
        with warnings.catch_warnings():
            # EKS usernames of roles are ARNs, longer than X.509's 64-character common name; Go accepts them.
            warnings.simplefilter("ignore", UserWarning)
            pair = self._pair(f"client-{file}",
                              lambda: pki.issue_leaf(self.ca, user, organizations=groups, client=True))
        return ClusterAccess(self.name, self.address, API_PORT, self.ca.cert_pem, pair.cert_pem, pair.key_pem)

    @property
    def admin(self) -> ClusterAccess:
        return self.identity(ADMIN_USER, ("system:masters",), "admin")

    # -- processes
    def pods(self) -> list[PodSpec]:
        """The control plane's processes as host pods in the cluster's namespace."""
        self.network.ensure_namespace(f"cluster-{self.name}")
        self._pair("sa", pki.new_service_account_key)
        serving = self._pair("apiserver", lambda: pki.issue_leaf(
            self.ca, "kube-apiserver", dns_names=("kubernetes", "kubernetes.default", "kubernetes.default.svc",
                                                  "kubernetes.default.svc.cluster.local", "localhost"),
            ip_addresses=(self.address, "127.0.0.1", "172.20.0.1"), server=True))
        del serving
        access_path(self.layout, self.name).parent.mkdir(parents=True, exist_ok=True)
        self.admin.save(access_path(self.layout, self.name))
        data = self.layout.data / "clusters" / self.name
        p = str(self.pki_dir)
        b = {k: str(v) for k, v in self.binaries.items()}
        containers = [
            Container("etcd", (
                b["etcd"], f"--name={self.name}", f"--data-dir={data / 'etcd'}",
                "--listen-client-urls=http://127.0.0.1:2379", "--advertise-client-urls=http://127.0.0.1:2379",
                "--listen-peer-urls=http://127.0.0.1:2380", "--initial-advertise-peer-urls=http://127.0.0.1:2380",
                f"--initial-cluster={self.name}=http://127.0.0.1:2380", "--listen-metrics-urls=http://0.0.0.0:2381",
                "--log-level=warn",
            ), host_root=True, readiness=Probe("httpGet", 2381, "/readyz")),
            Container("kube-apiserver", (
                b["kube-apiserver"], f"--advertise-address={self.address}", "--bind-address=0.0.0.0",
                f"--secure-port={API_PORT}", "--etcd-servers=http://127.0.0.1:2379",
                f"--client-ca-file={p}/ca.crt", f"--tls-cert-file={p}/apiserver.crt",
                f"--tls-private-key-file={p}/apiserver.key", f"--service-account-key-file={p}/sa.crt",
                f"--service-account-signing-key-file={p}/sa.key",
                "--service-account-issuer=https://kubernetes.default.svc", f"--service-cluster-ip-range={SERVICE_CIDR}",
                "--authorization-mode=Node,RBAC", "--allow-privileged=true", "--profiling=false",
                "--enable-admission-plugins=NodeRestriction", "--v=1",
            ), host_root=True, readiness=Probe("httpGet", API_PORT, "/readyz", "HTTPS", period=2)),
        ]
        if self.plan.member:
            containers += self._member_components(p, b)
        return [PodSpec(
            id=f"cluster.{self.name}", cluster=self.name, namespace="kube-system", name=f"{self.name}-control-plane",
            netns=netns_name(f"cluster-{self.name}"), address=self.address, hostname=f"{self.name}-control-plane",
            containers=tuple(containers),
        )]

    def _kubeconfig(self, component: str, user: str, groups: tuple[str, ...] = ()) -> str:
        access = self.identity(user, groups, component)
        path = self.layout.data / "clusters" / self.name / f"{component}.kubeconfig"
        local = ClusterAccess(access.name, "127.0.0.1", API_PORT, access.ca_pem, access.cert_pem, access.key_pem)
        local.write(path)
        return str(path)

    def _member_components(self, p: str, b: dict[str, str]) -> list[Container]:
        kcm = self._kubeconfig("kube-controller-manager", "system:kube-controller-manager")
        controllers = LEAN_CONTROLLERS if self.plan.lean else "*,-nodeipam,-cloud-node-lifecycle"
        components = [
            Container("kube-controller-manager", (
                b["kube-controller-manager"], f"--kubeconfig={kcm}", f"--authentication-kubeconfig={kcm}",
                f"--authorization-kubeconfig={kcm}", f"--service-account-private-key-file={p}/sa.key",
                f"--root-ca-file={p}/ca.crt", "--use-service-account-credentials=true", "--leader-elect=false",
                "--bind-address=127.0.0.1", f"--cluster-signing-cert-file={p}/ca.crt",
                f"--cluster-signing-key-file={p}/ca.key", f"--controllers={controllers}", "--v=1",
            ), host_root=True),
        ]
        if self.plan.lean:
            return components
        scheduler = self._kubeconfig("kube-scheduler", "system:kube-scheduler")
        kwok = self._kubeconfig("kwok", "system:kwok", ("system:masters",))
        return components + [
            Container("kube-scheduler", (
                b["kube-scheduler"], f"--kubeconfig={scheduler}", f"--authentication-kubeconfig={scheduler}",
                f"--authorization-kubeconfig={scheduler}", "--leader-elect=false", "--bind-address=127.0.0.1", "--v=1",
            ), host_root=True),
            Container("kwok", (
                b["kwok"], f"--kubeconfig={kwok}", "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                "--server-address=127.0.0.1:10247", "--node-lease-duration-seconds=40",
                *(f"--config={stage}" for stage in kwok_stages()),
            ), host_root=True),
        ]

    def nodes(self) -> list[dict]:
        """Simulated nodes, one per zone, labelled as EKS labels its nodes."""
        found = []
        for index, zone in enumerate(self.plan.zones or ("zone-a",)):
            name = f"{self.name}-node-{index}"
            found.append({
                "apiVersion": "v1", "kind": "Node",
                "metadata": {
                    "name": name,
                    "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
                    "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                               "kubernetes.io/arch": "amd64",
                               "topology.kubernetes.io/zone": zone, "topology.kubernetes.io/region": self.plan.region,
                               "node.kubernetes.io/instance-type": "m6i.large", "type": "kwok"},
                },
                "spec": {},
                "status": {"allocatable": {"cpu": "2", "memory": "7Gi", "pods": "110"},
                           "capacity": {"cpu": "2", "memory": "8Gi", "pods": "110"}},
            })
        return found


def kwok_stages() -> list[Path]:
    """Kwok's own "fast" stages from its pinned module: nodes Ready with leases, pods Running and Ready."""
    root = module_source("kwok", "sigs.k8s.io/kwok") / "kustomize" / "stage"
    return [root / "node" / "fast" / "node-initialize.yaml",
            root / "node" / "heartbeat-with-lease" / "node-heartbeat-with-lease.yaml",
            *(root / "pod" / "fast" / f"pod-{stage}.yaml" for stage in ("ready", "complete", "delete"))]

