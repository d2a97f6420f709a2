"""The private network: one bridge, one network namespace per pod, fixed addresses.

Each namespace gets a veth into the bridge, an address of SUBNET and no default route, so nothing
leaves the machine. Addresses are handed out once and kept in ``run/network.json``, so a rerun of
``make local`` (and every restarted pod) keeps its address, as a StatefulSet pod keeps its name.
"""

from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import json
import subprocess
from pathlib import Path

from .layout import BRIDGE, HOST_ADDRESS, NETNS_PREFIX, SUBNET, Layout


class NetworkError(Exception):
    """An `ip` command failed; the message has its output."""


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run iproute2's ``ip``."""
    done = subprocess.run(["ip", *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise NetworkError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done


def netns_name(name: str) -> str:
    """A namespace name for a pod or cluster (``ekl-<name>``)."""
    return NETNS_PREFIX + name


def _veth_name(name: str) -> str:
    # Interface names are at most 15 characters: a short stable hash of the namespace name.
    return "eklv" + hashlib.sha256(name.encode()).hexdigest()[:10]


class Network:
    """The bridge, the namespaces on it and their addresses."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._addresses: dict[str, str] = {}
        if layout.state_file.exists():
            self._addresses = json.loads(layout.state_file.read_text(encoding="utf-8"))

    def _save(self) -> None:
        self.layout.state_file.parent.mkdir(parents=True, exist_ok=True)
        self.layout.state_file.write_text(json.dumps(self._addresses, indent=1, sort_keys=True), encoding="utf-8")

    def address(self, name: str) -> str:
        """The fixed address of a namespace (allocated on first use, under a lock: several processes allocate)."""
        if name in self._addresses:
            return self._addresses[name]
        self.layout.state_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.layout.state_file.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self.layout.state_file.exists():  # another process may have allocated since we read it
                self._addresses = json.loads(self.layout.state_file.read_text(encoding="utf-8"))
            if name not in self._addresses:
                used = set(self._addresses.values()) | {str(HOST_ADDRESS)}
                for host in SUBNET.hosts():
                    if int(host) - int(SUBNET.network_address) < 16:
                        continue  # the first few are kept for the bridge
                    if str(host) not in used:
                        self._addresses[name] = str(host)
                        break
                self._save()
        return self._addresses[name]

    @property
    def names(self) -> list[str]:
        return sorted(self._addresses)

    def ensure_bridge(self) -> None:
        if ip("link", "show", BRIDGE, check=False).returncode != 0:
            ip("link", "add", BRIDGE, "type", "bridge")
        if str(HOST_ADDRESS) not in ip("-4", "addr", "show", "dev", BRIDGE).stdout:
            ip("addr", "add", f"{HOST_ADDRESS}/{SUBNET.prefixlen}", "dev", BRIDGE)
        ip("link", "set", BRIDGE, "up")

    def ensure_namespace(self, name: str, extra_addresses: tuple[str, ...] = ()) -> str:
        """Create (idempotently) the namespace ``ekl-<name>`` with its address; return the address."""
        self.ensure_bridge()
        ns = netns_name(name)
        address = self.address(name)
        if not Path(f"/run/netns/{ns}").exists():
            ip("netns", "add", ns)
        veth = _veth_name(name)
        if ip("link", "show", veth, check=False).returncode != 0:
            ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
        ip("link", "set", veth, "master", BRIDGE, "up")
        present = ip("-n", ns, "-4", "addr", "show", "dev", "eth0").stdout
        for each in (address, *extra_addresses):
            if f" {each}/" not in present:
                ip("-n", ns, "addr", "add", f"{each}/{SUBNET.prefixlen}", "dev", "eth0")
        ip("-n", ns, "link", "set", "lo", "up")
        ip("-n", ns, "link", "set", "eth0", "up")
        return address

    def set_unreachable(self, name: str, peers: list[str], blocked: bool) -> None:
        """Make ``peers``' addresses unreachable from namespace ``name`` (a partition), or reachable again."""
        ns = netns_name(name)
        for peer in peers:
            verb = "replace" if blocked else "del"
            ip("-n", ns, "route", verb, "prohibit", f"{self.address(peer)}/32", check=blocked)

    def delete_namespace(self, name: str) -> None:
        """Remove one namespace, its veth first.

        Remove one namespace: its veth first (both ends go), so it leaves the bridge even if a process still holds the
        namespace open.
        """
        ip("link", "del", _veth_name(name), check=False)
        ip("netns", "del", netns_name(name), check=False)

    def teardown(self) -> list[str]:
        """Delete every namespace and link this environment made; return what was removed."""
        removed = []
        for line in ip("-o", "link", "show", check=False).stdout.splitlines():
            link = line.split(":")[1].strip().split("@")[0]
            if link.startswith("eklv") or link == BRIDGE:
                ip("link", "del", link, check=False)
                removed.append(f"link {link}")
        for line in ip("netns", "list", check=False).stdout.split("\n"):
            ns = line.split(" ")[0]
            if ns.startswith(NETNS_PREFIX):
                ip("netns", "del", ns, check=False)
                removed.append(f"netns {ns}")
        return removed


def in_subnet(address: str) -> bool:
    return ipaddress.ip_address(address) in SUBNET
