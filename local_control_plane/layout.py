"""Where the local control plane keeps its state, and the fixed addresses of its network.

Everything lives under ``.local/`` of the checkout (git-ignored): kubeconfigs at fixed paths for
users, run state under ``run/`` (removed by ``make local-down``), persistent volumes under ``data/``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / ".local"

# A private bridge with no route off the machine: namespaces get only this on-link subnet.
BRIDGE = "ekl0"
SUBNET = ipaddress.ip_network("10.250.0.0/16")
HOST_ADDRESS = ipaddress.ip_address("10.250.0.1")  # the bridge's own address, in the host namespace
NETNS_PREFIX = "ekl-"


@dataclass(frozen=True)
class Layout:
    """The paths of one local environment."""

    root: Path = ROOT

    @property
    def run(self) -> Path:
        """Run state: pod specs, statuses, rootfs mount points, logs (gone after local-down)."""
        return self.root / "run"

    @property
    def pods(self) -> Path:
        return self.run / "pods"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def data(self) -> Path:
        """Persistent volumes (etcd data) and the local PKI; survive restarts, removed by local-down."""
        return self.root / "data"

    @property
    def manifests(self) -> Path:
        """The synthesized app of the local config: cdk.out of `make local`."""
        return self.root / "cdk.out"

    @property
    def state_file(self) -> Path:
        """Addresses and names handed out so far (network.py), so reruns reuse them."""
        return self.run / "network.json"

    def kubeconfig(self, name: str) -> Path:
        """``karmada``, ``parent`` or a member's name."""
        return self.root / f"{name}.kubeconfig"
