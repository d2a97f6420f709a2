"""local_control_plane.kubelet: atomic volume writes, the container launch script and probes."""

from __future__ import annotations

import http.server
import os
import shlex
import socket
import stat
import threading
import urllib.request
from pathlib import Path

import pytest

from local_control_plane import deviations
from local_control_plane.kubelet import Volumes, launch_script, probe_once
from local_control_plane.layout import Layout
from local_control_plane.podspec import Container, Mount, PodSpec, Probe, Volume


def make_pod(*, volumes=(), containers=(), fs_group=None, supplemental_groups=(), hosts=()) -> PodSpec:
    return PodSpec(id="c.ns.web-0", cluster="c", namespace="ns", name="web-0", netns="ekl-c.ns.web-0",
                   address="10.250.0.20", hostname="web-0", hosts=tuple(hosts), volumes=tuple(volumes),
                   containers=tuple(containers), fs_group=fs_group, supplemental_groups=tuple(supplemental_groups))


# ----------------------------------------------------------------------------- Volumes._write (AtomicWriter)


def data_dirs(target: Path) -> list[str]:
    return sorted(p.name for p in target.iterdir() if p.name.startswith("..") and not p.is_symlink())


def write(tmp_path: Path, files: dict[str, bytes], *, mode: int = 0o644, fs_group: int | None = None,
          name: str = "certs") -> Path:
    volume = Volume(name, "secret", "tls", default_mode=mode)
    volumes = Volumes(Layout(root=tmp_path), make_pod(volumes=[volume], fs_group=fs_group))
    target = volumes.path(volume)
    volumes._write(volume, target, files)
    return target


def test_volume_path_is_under_run_volumes_except_directories(tmp_path: Path) -> None:
    layout = Layout(root=tmp_path)
    volumes = Volumes(layout, make_pod())
    assert volumes.path(Volume("certs", "secret", "tls")) == layout.run / "volumes" / "c.ns.web-0" / "certs"
    assert volumes.path(Volume("data", "directory", "/srv/data")) == Path("/srv/data")


def test_files_are_reachable_through_top_level_links_into_data(tmp_path: Path) -> None:
    target = write(tmp_path, {"tls.crt": b"CERT", "tls.key": b"KEY"})
    data = target / "..data"
    assert data.is_symlink()
    stamp = os.readlink(data)
    assert stamp.startswith("..") and "/" not in stamp  # relative, to a sibling timestamped folder
    assert (target / stamp).is_dir() and not (target / stamp).is_symlink()
    for name, content in (("tls.crt", b"CERT"), ("tls.key", b"KEY")):
        link = target / name
        assert link.is_symlink() and os.readlink(link) == f"..data/{name}"
        assert link.read_bytes() == content
    assert not (target / "..data_tmp").exists()
    assert sorted(p.name for p in target.iterdir() if not p.name.startswith("..")) == ["tls.crt", "tls.key"]


def test_same_content_changes_nothing(tmp_path: Path) -> None:
    files = {"tls.crt": b"CERT", "tls.key": b"KEY"}
    target = write(tmp_path, files)
    before, folders = os.readlink(target / "..data"), data_dirs(target)
    write(tmp_path, dict(files))
    assert os.readlink(target / "..data") == before
    assert data_dirs(target) == folders


def test_changed_content_swaps_data_and_removes_the_old_folder(tmp_path: Path) -> None:
    target = write(tmp_path, {"tls.crt": b"CERT", "tls.key": b"KEY"})
    old = os.readlink(target / "..data")
    write(tmp_path, {"tls.crt": b"CERT2", "tls.key": b"KEY"})
    new = os.readlink(target / "..data")
    assert new != old
    assert not (target / old).exists()
    assert data_dirs(target) == [new]
    assert (target / "tls.crt").read_bytes() == b"CERT2"
    assert (target / "tls.key").read_bytes() == b"KEY"


def test_added_key_is_a_change(tmp_path: Path) -> None:
    target = write(tmp_path, {"tls.crt": b"CERT"})
    old = os.readlink(target / "..data")
    write(tmp_path, {"tls.crt": b"CERT", "ca.crt": b"CA"})
    assert os.readlink(target / "..data") != old
    assert (target / "ca.crt").read_bytes() == b"CA"


def test_removed_key_disappears(tmp_path: Path) -> None:
    target = write(tmp_path, {"tls.crt": b"CERT", "ca.crt": b"CA"})
    old = os.readlink(target / "..data")
    write(tmp_path, {"tls.crt": b"CERT"})
    assert os.readlink(target / "..data") != old
    assert not (target / "ca.crt").is_symlink() and not (target / "ca.crt").exists()
    assert (target / "tls.crt").read_bytes() == b"CERT"


def test_nested_paths_are_linked_at_the_top_and_do_not_churn(tmp_path: Path) -> None:
    files = {"pki/ca.crt": b"CA", "pki/tls.crt": b"CERT", "token": b"T"}
    target = write(tmp_path, files)
    assert os.readlink(target / "pki") == "..data/pki"
    assert (target / "pki" / "ca.crt").read_bytes() == b"CA"
    before = os.readlink(target / "..data")
    write(tmp_path, dict(files))
    assert os.readlink(target / "..data") == before  # unchanged content is not rewritten


def test_empty_payload_is_written_once(tmp_path: Path) -> None:
    target = write(tmp_path, {})
    before = os.readlink(target / "..data")
    assert list((target / "..data").iterdir()) == []
    write(tmp_path, {})
    assert os.readlink(target / "..data") == before


@pytest.mark.parametrize("mode", [0o400, 0o600, 0o644, 0o755])
def test_default_mode_is_applied(tmp_path: Path, mode: int) -> None:
    target = write(tmp_path, {"f": b"x"}, mode=mode)
    assert stat.S_IMODE((target / "f").stat().st_mode) == mode
    assert stat.S_IMODE(os.stat(target / os.readlink(target / "..data")).st_mode) == 0o755


def test_fs_group_owns_the_files_and_can_read_them(tmp_path: Path) -> None:
    gid = os.getgid()
    target = write(tmp_path, {"tls.key": b"KEY"}, mode=0o400, fs_group=gid)
    info = (target / "tls.key").stat()
    assert info.st_gid == gid
    assert stat.S_IMODE(info.st_mode) == 0o440  # defaultMode plus group read (SetVolumeOwnership)
    target = write(tmp_path, {"tls.key": b"KEY"}, mode=0o640, fs_group=gid, name="other")
    assert stat.S_IMODE((target / "tls.key").stat().st_mode) == 0o640


# ----------------------------------------------------------------------------- launch_script


def script_lines(tmp_path: Path, container: Container, *, volumes=(), env=None,
                 **pod_args) -> tuple[list[str], Path, Volumes]:
    layout = Layout(root=tmp_path)
    pod = make_pod(volumes=volumes, containers=[container], **pod_args)
    vols = Volumes(layout, pod)
    text = launch_script(layout, pod, container, vols, env if env is not None else {"PATH": "/usr/bin"})
    assert text.endswith("\n")
    return text.splitlines(), layout.run / "rootfs" / pod.id / container.name, vols


def etcd_container(**overrides) -> Container:
    base = dict(name="etcd", argv=("etcd", "--name=web 0", "it's"),
                files=(("/usr/local/bin/etcd", "/fake/bin/etcd"), ("/usr/local/bin/etcdctl", "/fake/bin/etcdctl")))
    base.update(overrides)
    return Container(**base)


def test_script_mounts_a_tmpfs_root_and_binds_the_image_files_read_only(tmp_path: Path) -> None:
    lines, root, _ = script_lines(tmp_path, etcd_container())
    assert lines[0] == "set -eu"
    assert lines[1] == f"mount -t tmpfs -o mode=0755 rootfs {shlex.quote(str(root))}"
    assert root.is_dir()
    for path, source in (("/usr/local/bin/etcd", "/fake/bin/etcd"), ("/usr/local/bin/etcdctl", "/fake/bin/etcdctl")):
        index = lines.index(f"mount --bind -o ro {source} .{path}")
        assert lines[index - 1] == f"touch .{path}"
        assert lines[index - 2] == "mkdir -p ./usr/local/bin"


def test_script_binds_volumes_at_their_mount_paths(tmp_path: Path) -> None:
    volumes = [Volume("scratch", "emptyDir"), Volume("certs", "secret", "tls"),
               Volume("data", "directory", str(tmp_path / "pv"))]
    mounts = (Mount("scratch", "/tmp"), Mount("certs", "/etc/pki/server", read_only=True),
              Mount("data", "/var/lib/etcd"))
    lines, _, vols = script_lines(tmp_path, etcd_container(mounts=mounts), volumes=volumes)
    for mount, volume in zip(mounts, volumes, strict=True):
        source = shlex.quote(str(vols.path(volume)))
        index = lines.index(f"mount --bind {source} .{mount.path}")
        assert lines[index - 1] == f"mkdir -p .{mount.path}"
        remount = f"mount -o remount,bind,ro .{mount.path}"
        if mount.read_only:
            assert lines[index + 1] == remount
        else:
            assert remount not in lines
    assert str(tmp_path / "pv") in "\n".join(lines)


def test_script_binds_a_sub_path_file_onto_a_file(tmp_path: Path) -> None:
    volume = Volume("certs", "secret", "tls")
    lines, _, vols = script_lines(tmp_path, etcd_container(mounts=(Mount("certs", "/etc/x/tls.crt", True, "tls.crt"),)),
                                  volumes=[volume])
    source = shlex.quote(str(vols.path(volume) / "tls.crt"))
    index = lines.index(f"mount --bind {source} ./etc/x/tls.crt")
    assert lines[index - 2:index] == ["mkdir -p ./etc/x", "touch ./etc/x/tls.crt"]
    assert lines[index + 1] == "mount -o remount,bind,ro ./etc/x/tls.crt"


def test_script_quotes_odd_mount_paths(tmp_path: Path) -> None:
    lines, _, _ = script_lines(tmp_path, etcd_container(mounts=(Mount("s", "/a dir/x"),)),
                               volumes=[Volume("s", "emptyDir")])
    assert "mkdir -p .'/a dir/x'" in lines
    assert shlex.split("mkdir -p .'/a dir/x'")[-1] == "./a dir/x"


def test_script_remounts_the_root_read_only_only_when_asked(tmp_path: Path) -> None:
    volumes = [Volume("scratch", "emptyDir")]
    ro, _, _ = script_lines(tmp_path, etcd_container(read_only_root=True, mounts=(Mount("scratch", "/tmp"),)),
                            volumes=volumes)
    assert "mount -o remount,ro,bind ." in ro
    # After every bind: the volumes stay writable under a read-only root.
    assert ro.index("mount -o remount,ro,bind .") > max(i for i, line in enumerate(ro)
                                                        if line.startswith("mount --bind"))
    rw, _, _ = script_lines(tmp_path, etcd_container(read_only_root=False))
    assert "mount -o remount,ro,bind ." not in rw


def test_script_sets_the_hostname_and_writes_etc(tmp_path: Path) -> None:
    lines, _, _ = script_lines(tmp_path, etcd_container(user=1000, group=2000),
                               hosts=[("10.250.1.1", "api.ns.svc.cluster.local api.ns.svc")])
    assert "hostname web-0" in lines
    etc = tmp_path / "run" / "etc" / "c.ns.web-0"
    hosts = (etc / "hosts").read_text()
    assert "127.0.0.1 localhost\n" in hosts and "10.250.1.1 api.ns.svc.cluster.local api.ns.svc\n" in hosts
    assert "nonroot:x:1000:2000:" in (etc / "passwd").read_text()
    for name in ("hosts", "resolv.conf", "nsswitch.conf", "passwd", "group"):
        assert f"cp {etc / name} etc/{name}" in lines


def test_script_execs_the_argv_as_the_user_with_a_clean_env(tmp_path: Path) -> None:
    env = {"PATH": "/usr/local/bin:/bin", "GREETING": "hello world", "QUOTE": "it's $(x) `y`"}
    lines, root, _ = script_lines(tmp_path, etcd_container(user=1000, group=2000), env=env, fs_group=3000,
                                  supplemental_groups=(4000,))
    last = lines[-1]
    assert last.startswith("exec env -i ")
    assert shlex.split(last) == [
        "exec", "env", "-i", "PATH=/usr/local/bin:/bin", "GREETING=hello world", "QUOTE=it's $(x) `y`",
        "chroot", "--userspec=1000:2000", "--groups=3000,4000", str(root), "etcd", "--name=web 0", "it's"]


def test_script_without_groups_or_user_runs_as_root(tmp_path: Path) -> None:
    lines, root, _ = script_lines(tmp_path, etcd_container(), env={})
    assert shlex.split(lines[-1]) == ["exec", "env", "-i", "chroot", "--userspec=0:0", str(root),
                                      "etcd", "--name=web 0", "it's"]
    assert "--groups" not in lines[-1]


def test_script_fs_group_alone_is_a_supplementary_group(tmp_path: Path) -> None:
    lines, _, _ = script_lines(tmp_path, etcd_container(user=65532), fs_group=65532)
    assert "--userspec=65532:0 --groups=65532" in lines[-1]


def test_script_mount_of_unknown_volume_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mount of unknown volume missing"):
        script_lines(tmp_path, etcd_container(mounts=(Mount("missing", "/x"),)), volumes=[Volume("other", "emptyDir")])


def test_script_of_a_host_tools_image_sees_host_usr_read_only(tmp_path: Path) -> None:
    lines, _, _ = script_lines(tmp_path, etcd_container(files=(), host_tools=True))
    assert "mount --rbind -o ro /etc/ssl etc/ssl" in lines
    assert "mount --rbind -o ro /usr/bin usr/bin" in lines
    if sorted(deviations.AWSCLI_VENV.glob("lib/python3*/site-packages")):
        # `aws` runs from fixed paths of the image, never from the checkout's path, which a rendered volume
        # (an emptyDir at /tmp) could hide when the checkout lives under it (found by a cold CI run in /tmp).
        assert "cp " in " ".join(lines) and "usr/local/bin/aws" in " ".join(lines)
        assert not any(str(deviations.AWSCLI_VENV) in line and "mount" in line and ".venv-awscli " in line
                       for line in lines)
        assert any(line.endswith(" ./opt/eks-karmada/awscli") for line in lines)
        wrapper = (tmp_path / "run" / "etc").rglob("aws")
        assert any("-m awscli" in path.read_text() for path in wrapper)
    assert not any("/usr/local usr/local" in line for line in lines)  # the image's own /usr/local
    plain, _, _ = script_lines(tmp_path, etcd_container())
    assert not any("--rbind" in line for line in plain)


# ----------------------------------------------------------------------------- probe_once


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.agents.append(self.headers.get("User-Agent"))  # before answering: the probe returns then
        status = {"/ok": 200, "/fail": 500, "/redirect": 302, "/unavailable": 503}.get(self.path, 404)
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "/ok")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.agents = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_probe(port: int, path: str) -> Probe:
    return Probe(kind="httpGet", port=port, path=path, timeout=1)


@pytest.mark.parametrize(("path", "ok"), [("/ok", True), ("/redirect", True), ("/fail", False),
                                          ("/unavailable", False), ("/missing", False)])
def test_http_probe_status(server, path: str, ok: bool) -> None:
    assert probe_once(http_probe(server.server_address[1], path), "127.0.0.1") is ok


def test_http_probe_sends_the_kubelet_user_agent(server) -> None:
    server.agents.clear()
    assert probe_once(http_probe(server.server_address[1], "/ok"), "127.0.0.1")
    assert server.agents == ["kube-probe/1.35"]


def test_http_probe_to_a_closed_port_fails() -> None:
    assert probe_once(http_probe(closed_port(), "/ok"), "127.0.0.1") is False


def test_https_probe_to_a_plain_http_server_fails(server) -> None:
    probe = Probe(kind="httpGet", port=server.server_address[1], path="/ok", scheme="HTTPS", timeout=1)
    assert probe_once(probe, "127.0.0.1") is False


def test_http_probe_ignores_proxy_settings(server, monkeypatch) -> None:
    # A kubelet's prober dials the pod directly (its transport has no proxy); a proxy in the
    # kubelet's environment must not turn every probe into a failure.
    dead = f"http://127.0.0.1:{closed_port()}"
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, dead)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(urllib.request, "_opener", None)  # urlopen's shared opener reads the proxies once
    assert probe_once(http_probe(server.server_address[1], "/ok"), "127.0.0.1") is True
    assert probe_once(http_probe(server.server_address[1], "/fail"), "127.0.0.1") is False


def test_tcp_probe(server) -> None:
    assert probe_once(Probe(kind="tcpSocket", port=server.server_address[1]), "127.0.0.1") is True
    assert probe_once(Probe(kind="tcpSocket", port=closed_port()), "127.0.0.1") is False
