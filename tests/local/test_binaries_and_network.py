"""local_control_plane.binaries (build names and cache keys) and network (address allocation)."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import shutil
from pathlib import Path

import pytest

from local_control_plane import binaries, network
from local_control_plane.layout import HOST_ADDRESS, NETNS_PREFIX, SUBNET, Layout

# ----------------------------------------------------------------------------- binaries


@pytest.mark.parametrize(("package", "name"), [
    ("go.etcd.io/etcd/server/v3", "server"),
    ("go.etcd.io/etcd/etcdctl/v3", "etcdctl"),
    ("github.com/karmada-io/karmada/cmd/agent", "agent"),
    ("k8s.io/kubernetes/cmd/kube-apiserver", "kube-apiserver"),
    ("sigs.k8s.io/kwok/cmd/kwok", "kwok"),
    ("example.com/tool/v2", "tool"),
    ("example.com/tool/v10", "tool"),
    # Not major-version elements for cmd/go: the last element is the name.
    ("example.com/tool/v1", "v1"),
    ("example.com/tool/v0", "v0"),
    ("example.com/tool/v05", "v05"),
    ("example.com/tool/v", "v"),
    ("example.com/tool/version", "version"),
    ("example.com/tool/v2beta", "v2beta"),
    ("v2", "v2"),  # a path of one element is its own name
])
def test_default_binary_name(package: str, name: str) -> None:
    assert binaries._default_binary_name(package) == name


def test_default_names_within_a_module_do_not_collide() -> None:
    # `go build -o dir/` writes each command under its default name: two alike in one module would clash.
    for module in binaries.MODULES:
        names = [binaries._default_binary_name(package) for package in module.commands.values()]
        assert len(set(names)) == len(names), module.folder


@pytest.fixture
def gobuild(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "gobuild"
    for module in binaries.MODULES:
        (copy / module.folder).mkdir(parents=True)
        for name in ("go.mod", "go.sum"):
            shutil.copy(binaries.GOBUILD / module.folder / name, copy / module.folder / name)
    monkeypatch.setattr(binaries, "GOBUILD", copy)
    monkeypatch.setenv("EKS_KARMADA_CACHE", str(tmp_path / "cache"))
    return copy


ETCD = next(m for m in binaries.MODULES if m.folder == "etcd")


def test_module_dir_is_stable_and_under_the_cache(gobuild: Path, tmp_path: Path) -> None:
    first = binaries.module_dir(ETCD, "go1.25.0")
    assert first == binaries.module_dir(ETCD, "go1.25.0")
    assert first.parent == tmp_path / "cache" / "bin"
    prefix, digest = first.name.rsplit("-", 1)
    assert prefix == f"etcd-{ETCD.version}" and len(digest) == 12 and int(digest, 16) >= 0


def test_module_dir_changes_with_go_sum(gobuild: Path) -> None:
    before = binaries.module_dir(ETCD, "go1.25.0")
    with (gobuild / "etcd" / "go.sum").open("a") as f:
        f.write("example.com/x v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
    assert binaries.module_dir(ETCD, "go1.25.0") != before


def test_module_dir_changes_with_go_mod(gobuild: Path) -> None:
    before = binaries.module_dir(ETCD, "go1.25.0")
    with (gobuild / "etcd" / "go.mod").open("a") as f:
        f.write("\n// changed\n")
    assert binaries.module_dir(ETCD, "go1.25.0") != before


def test_module_dir_changes_with_the_go_version(gobuild: Path) -> None:
    assert binaries.module_dir(ETCD, "go1.25.0") != binaries.module_dir(ETCD, "go1.25.1")


def test_module_dir_changes_with_flags_and_commands(gobuild: Path) -> None:
    base = binaries.module_dir(ETCD, "go1.25.0")
    assert binaries.module_dir(dataclasses.replace(ETCD, ldflags=("a.b=c",)), "go1.25.0") != base
    fewer = dict(ETCD.commands)
    fewer.pop("etcdutl")
    assert binaries.module_dir(dataclasses.replace(ETCD, commands=fewer), "go1.25.0") != base


def test_module_dirs_of_different_modules_differ(gobuild: Path) -> None:
    dirs = {binaries.module_dir(m, "go1.25.0") for m in binaries.MODULES}
    assert len(dirs) == len(binaries.MODULES)


def test_cache_root_prefers_eks_karmada_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EKS_KARMADA_CACHE", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert binaries.cache_root() == tmp_path / "explicit"


def test_cache_root_uses_xdg_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("EKS_KARMADA_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert binaries.cache_root() == tmp_path / "xdg" / "eks-karmada"
    monkeypatch.setenv("EKS_KARMADA_CACHE", "")  # empty is unset
    assert binaries.cache_root() == tmp_path / "xdg" / "eks-karmada"


def test_cache_root_defaults_to_home_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("EKS_KARMADA_CACHE", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert binaries.cache_root() == tmp_path / "home" / ".cache" / "eks-karmada"


# ----------------------------------------------------------------------------- network


def offset(address: str) -> int:
    return int(ipaddress.ip_address(address)) - int(SUBNET.network_address)


def test_addresses_are_unique_inside_the_subnet_and_skip_the_reserved(tmp_path: Path) -> None:
    net = network.Network(Layout(root=tmp_path))
    names = [f"c.ns.pod-{i}" for i in range(40)] + ["services", "nlb", "parent"]
    addresses = [net.address(name) for name in names]
    assert len(set(addresses)) == len(addresses)
    for address in addresses:
        assert ipaddress.ip_address(address) in SUBNET
        assert network.in_subnet(address)
        assert address != str(HOST_ADDRESS)
        assert offset(address) >= 16
        assert address not in (str(SUBNET.network_address), str(SUBNET.broadcast_address))
    assert net.names == sorted(names)


def test_address_is_stable_for_a_name(tmp_path: Path) -> None:
    net = network.Network(Layout(root=tmp_path))
    first = net.address("a")
    net.address("b")
    assert net.address("a") == first


def test_addresses_persist_across_instances(tmp_path: Path) -> None:
    layout = Layout(root=tmp_path)
    first = network.Network(layout)
    a, b = first.address("a"), first.address("b")
    assert json.loads(layout.state_file.read_text()) == {"a": a, "b": b}
    again = network.Network(layout)
    assert (again.address("b"), again.address("a")) == (b, a)
    c = again.address("c")
    assert c not in (a, b)
    assert network.Network(layout).address("c") == c


def test_saved_addresses_are_not_handed_out_again(tmp_path: Path) -> None:
    layout = Layout(root=tmp_path)
    layout.state_file.parent.mkdir(parents=True)
    taken = str(SUBNET.network_address + 16)
    layout.state_file.write_text(json.dumps({"old": taken}))
    fresh = network.Network(layout).address("new")
    assert fresh != taken and offset(fresh) >= 16


def test_separate_environments_do_not_share_state(tmp_path: Path) -> None:
    a = network.Network(Layout(root=tmp_path / "one"))
    b = network.Network(Layout(root=tmp_path / "two"))
    a.address("x")
    assert b.names == []


def test_netns_name_prefix() -> None:
    assert network.netns_name("c.ns.web-0") == f"{NETNS_PREFIX}c.ns.web-0"
    assert NETNS_PREFIX == "ekl-"


def test_veth_names_fit_and_are_stable() -> None:
    names = {network._veth_name(f"c.ns.pod-{i}") for i in range(50)}
    assert len(names) == 50
    assert all(len(n) <= 15 and n.startswith("eklv") for n in names)
    assert network._veth_name("x") == network._veth_name("x")


def test_in_subnet() -> None:
    assert network.in_subnet("10.250.3.4")
    assert not network.in_subnet("10.251.0.1")
