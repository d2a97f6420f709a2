"""Rendering and inspection helpers for the Karmada chart tests.

Module name is unique on purpose: tests/charts has no __init__.py, so pytest
puts this directory on sys.path and basenames must not clash with other test
folders.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cdk8s
import yaml

from charts.karmada import KarmadaApiBootstrapChart, KarmadaApiRbacChart, KarmadaControlPlaneProps, control_plane_charts
from eks_karmada.chart_props import control_plane_props
from eks_karmada.config import DEFAULT_CONFIG_PATH, AppConfig, parse_config
from tests.docs.shell import code_blocks

# A CDK token as the lead passes the NLB DNS name at synth time.
NLB_TOKEN = "${Token[TOKEN.123]}"
CUSTOM_DOMAIN = "karmada.example.com"

DEFAULT_PROPS = KarmadaControlPlaneProps(external_hosts=[NLB_TOKEN, CUSTOM_DOMAIN])
FULL_PROPS = KarmadaControlPlaneProps(
    external_hosts=[NLB_TOKEN, CUSTOM_DOMAIN],
    descheduler=True,
    search=True,
    metrics_adapter=True,
    scheduler_estimators=["member-a", "member-b"],
    pull_members=["member-b"],
)
BARE_PROPS = KarmadaControlPlaneProps()
OPERATIONS_DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"


def tuned_config() -> AppConfig:
    """The default config with docs/operations.md's "Tune each component" example merged into `karmada`."""
    (example,) = [yaml.safe_load("\n".join(lines)) for lang, _, lines in code_blocks(OPERATIONS_DOC)
                  if lang == "yaml" and any("component_settings:" in line for line in lines)]
    data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    data["karmada"] = {**data["karmada"], **example["karmada"]}
    data["api_endpoint"]["custom_domain"] = CUSTOM_DOMAIN
    return parse_config(data, "docs/operations.md")


# Non-default settings for every component, from the config as a user writes it.
TUNED_PROPS = control_plane_props(tuned_config(), NLB_TOKEN)
ALL_PROPS = {"default": DEFAULT_PROPS, "full": FULL_PROPS, "bare": BARE_PROPS, "tuned": TUNED_PROPS}

WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}
CERT_MANAGER = "cert-manager.io/v1"


@dataclass
class Rendered:
    props: KarmadaControlPlaneProps
    charts: dict[str, list[dict[str, Any]]]
    karmada: list[dict[str, Any]]
    parent: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.parent = [o for objs in self.charts.values() for o in objs]

    # --- lookups -------------------------------------------------------------------------
    def of_kind(self, kind: str, objs: list[dict] | None = None) -> list[dict[str, Any]]:
        return [o for o in (self.parent if objs is None else objs) if o["kind"] == kind]

    def get(self, kind: str, name: str, objs: list[dict] | None = None) -> dict[str, Any]:
        found = [o for o in self.of_kind(kind, objs) if o["metadata"]["name"] == name]
        assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
        return found[0]

    def find(self, kind: str, name: str, objs: list[dict] | None = None) -> dict[str, Any] | None:
        found = [o for o in self.of_kind(kind, objs) if o["metadata"]["name"] == name]
        return found[0] if found else None

    @property
    def workloads(self) -> list[dict[str, Any]]:
        return [o for o in self.parent if o["kind"] in WORKLOAD_KINDS]

    def workload(self, name: str) -> dict[str, Any]:
        found = [w for w in self.workloads if w["metadata"]["name"] == name]
        assert len(found) == 1, f"workload {name} not rendered"
        return found[0]

    @property
    def certificates(self) -> dict[str, dict[str, Any]]:
        """SecretName -> Certificate."""
        return {c["spec"]["secretName"]: c for c in self.of_kind("Certificate")}

    def issuing_ca_secret(self, secret: str) -> str:
        """Secret of the CA that signed ``secret`` (``secret`` itself when self-signed)."""
        cert = self.certificates[secret]
        issuer = self.get("Issuer", cert["spec"]["issuerRef"]["name"])
        if "selfSigned" in issuer["spec"]:
            return secret
        return issuer["spec"]["ca"]["secretName"]

    def chain(self, secret: str) -> list[str]:
        """The CA Secrets above ``secret``, its signer first, up to the self-signed root."""
        out: list[str] = []
        while (signer := self.issuing_ca_secret(secret)) != secret:
            out.append(signer)
            secret = signer
        return out

    def trust_anchor_secret(self, secret: str) -> str:
        """What ``secret``'s ca.crt holds: the root of its chain (cert-manager writes the top of the chain)."""
        return (self.chain(secret) or [secret])[-1]

    def verifies(self, secret: str, anchor: str) -> bool:
        """A verifier trusting ``anchor``'s certificate accepts ``secret``'s (which carries its intermediates)."""
        return anchor in self.chain(secret)

    def dns_sans(self, secret: str) -> set[str]:
        spec = self.certificates[secret]["spec"]
        return set(spec.get("dnsNames", [])) | set(spec.get("ipAddresses", []))


@functools.cache
def _render(props_json: str) -> Rendered:
    props = KarmadaControlPlaneProps.model_validate_json(props_json)
    app = cdk8s.Testing.app()
    charts = control_plane_charts(app, props)
    rbac = KarmadaApiRbacChart(app, "karmada-api-rbac", props)
    bootstrap = KarmadaApiBootstrapChart(app, "karmada-api-bootstrap", props)
    return Rendered(
        props=props,
        charts={c.node.id: cdk8s.Testing.synth(c) for c in charts},
        # What the Karmada API gets, in apply order (the CRDs between the two come from the release).
        karmada=cdk8s.Testing.synth(rbac) + cdk8s.Testing.synth(bootstrap),
    )


def render(props: KarmadaControlPlaneProps) -> Rendered:
    return _render(props.model_dump_json())


def to_yaml(rendered: Rendered) -> str:
    parts = []
    for chart, objs in [*rendered.charts.items(), ("karmada-api-bootstrap", rendered.karmada)]:
        parts.append(f"# ---- chart: {chart}\n" + yaml.safe_dump_all(objs, sort_keys=True))
    return "\n".join(parts)


# --- pod inspection ------------------------------------------------------------------------------
def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    spec = pod_spec(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def args(container: dict[str, Any]) -> list[str]:
    return [*container.get("command", []), *container.get("args", [])]


def flags(container: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for arg in args(container):
        if arg.startswith("--") and "=" in arg:
            key, value = arg.split("=", 1)
            assert key not in out, f"{container['name']}: flag {key} given twice"
            out[key] = value
    return out


def flag(container: dict[str, Any], name: str) -> str | None:
    return flags(container).get(name)


# Containers that run beside a component's own (first) container; the audit shipper only with audit_shipping set.
SIDECARS = {"karmada-apiserver": ["aws-iam-authenticator"]}
OPTIONAL_SIDECARS = {"karmada-apiserver": ["audit-log-shipper"]}


def only_container(rendered: Rendered, workload: str) -> dict[str, Any]:
    """The component's own container: the first, beside only the sidecars listed for it."""
    cs = pod_spec(rendered.workload(workload))["containers"]
    expected = SIDECARS.get(workload, [])
    assert [c["name"] for c in cs[1:]] in (expected, expected + OPTIONAL_SIDECARS.get(workload, []))
    return cs[0]


@dataclass(frozen=True)
class MountedFile:
    path: str
    volume: dict[str, Any]
    key: str


def resolve_file(workload: dict[str, Any], container: dict[str, Any], path: str) -> MountedFile:
    """Which volume (and key inside it) a file path of ``container`` comes from."""
    volumes = {v["name"]: v for v in pod_spec(workload).get("volumes", [])}
    claims = {t["metadata"]["name"] for t in workload["spec"].get("volumeClaimTemplates", [])}
    best = None
    for mount in container.get("volumeMounts", []):
        mp = mount["mountPath"].rstrip("/")
        if path == mp or path.startswith(mp + "/"):
            if best is None or len(mp) > len(best["mountPath"]):
                best = mount
    assert best is not None, f"{container['name']}: {path} is not under any mounted volume"
    assert "subPath" not in best, f"{container['name']}: {best['name']} uses subPath (never refreshed)"
    rel = path[len(best["mountPath"].rstrip("/")) + 1 :]
    volume = volumes.get(best["name"]) or ({"name": best["name"], "pvc": True} if best["name"] in claims else None)
    assert volume is not None, f"{container['name']}: mount {best['name']} has no volume"
    return MountedFile(path=path, volume=volume, key=rel)


def iter_pods(rendered: Rendered) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for w in rendered.workloads:
        for c in containers(w):
            yield w, c


# --- URLs ------------------------------------------------------------------------------------------
def split_url(url: str) -> tuple[str, int]:
    """(host, port) of an https URL; hosts may be opaque CDK tokens, so no urllib."""
    scheme, sep, rest = url.partition("://")
    assert sep and scheme in ("http", "https"), url
    authority = rest.split("/", 1)[0]
    host, _, port = authority.rpartition(":")
    assert host and port.isdigit(), url
    return host, int(port)


def service_for_host(rendered: Rendered, host: str) -> dict[str, Any]:
    """The parent-cluster Service a host-cluster DNS name resolves to."""
    ns = rendered.props.namespace
    labels = host.split(".")
    # <svc>, <svc>.<ns>, <svc>.<ns>.svc[.<domain>] or <pod>.<headless-svc>.<ns>.svc[...]
    if len(labels) >= 3 and labels[1] != ns and labels[2] == ns:
        svc = labels[1]
    else:
        svc = labels[0]
        if len(labels) > 1:
            assert labels[1] == ns, f"{host} is not in namespace {ns}"
    found = [s for s in rendered.of_kind("Service") if s["metadata"]["name"] == svc]
    assert found, f"no Service behind {host}"
    return found[0]


def selected_workloads(rendered: Rendered, service: dict[str, Any]) -> list[dict[str, Any]]:
    selector = service["spec"].get("selector") or {}
    out = []
    for w in rendered.workloads:
        pod_labels = w["spec"]["template"]["metadata"].get("labels", {})
        if selector and all(pod_labels.get(k) == v for k, v in selector.items()):
            out.append(w)
    return out


def container_port(container: dict[str, Any], target: int | str) -> int | None:
    for p in container.get("ports", []):
        if p["containerPort"] == target or p.get("name") == target:
            return p["containerPort"]
    return None


SERVING_CERT_FLAGS = ("--tls-cert-file", "--cert-file", "--grpc-auth-cert-file")


def serving_secret(rendered: Rendered, workload: dict[str, Any], container: dict[str, Any]) -> str:
    """Secret holding the certificate ``container`` serves TLS with."""
    fl = flags(container)
    for name in SERVING_CERT_FLAGS:
        if name in fl:
            return resolve_file(workload, container, fl[name]).volume["secret"]["secretName"]
    if "--cert-dir" in fl:  # controller-runtime webhook server: <dir>/tls.crt
        return resolve_file(workload, container, fl["--cert-dir"] + "/tls.crt").volume["secret"]["secretName"]
    raise AssertionError(f"{container['name']} serves no TLS")


def serving_cert_for_url(rendered: Rendered, url: str) -> tuple[dict[str, Any], str]:
    """(Service, serving Secret) reached by ``url`` from inside the host cluster."""
    host, port = split_url(url)
    svc = service_for_host(rendered, host)
    ports = [p for p in svc["spec"]["ports"] if p["port"] == port]
    assert ports, f"Service {svc['metadata']['name']} has no port {port} for {url}"
    secrets = set()
    for w in selected_workloads(rendered, svc):
        for c in pod_spec(w)["containers"]:
            if container_port(c, ports[0]["targetPort"]) is not None:
                secrets.add(serving_secret(rendered, w, c))
    assert len(secrets) == 1, f"{url}: expected one serving Secret, got {secrets}"
    return svc, secrets.pop()


def kubeconfig_of(rendered: Rendered, workload: dict[str, Any], container: dict[str, Any]) -> dict[str, Any] | None:
    path = flag(container, "--kubeconfig")
    if path is None:
        return None
    mounted = resolve_file(workload, container, path)
    if "configMap" not in mounted.volume:
        return None  # external Secret (member kubeconfig), not rendered here
    cm = rendered.get("ConfigMap", mounted.volume["configMap"]["name"])
    return yaml.safe_load(cm["data"][mounted.key])


PEM_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
