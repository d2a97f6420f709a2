"""Services for the local pods: virtual addresses, /etc/hosts names and EndpointSlices.

A Service with a cluster IP gets a virtual address in the ``services`` namespace, where the service
proxy forwards each port to the selected pods' target ports. Headless Services resolve to the pods
themselves. ExternalName Services resolve to what their name points at, when that is a local name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .podspec import PodSpec

CLUSTER_DOMAIN = "cluster.local"


@dataclass(frozen=True)
class ServicePort:
    """A port of a local Service."""
    port: int
    target_port: int
    name: str = ""
    protocol: str = "TCP"


@dataclass(frozen=True)
class LocalService:
    """A Service of the local control plane and its ports."""
    namespace: str
    name: str
    headless: bool
    ports: tuple[ServicePort, ...]
    selected: tuple[PodSpec, ...]
    external_name: str = ""

    @property
    def names(self) -> list[str]:
        base = f"{self.name}.{self.namespace}"
        return [f"{base}.svc.{CLUSTER_DOMAIN}", f"{base}.svc", base]


def selects(selector: dict[str, str], pod: PodSpec) -> bool:
    labels = dict(pod.labels)
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _target_port(port: dict, template_ports: dict[str, int]) -> int:
    target = port.get("targetPort", port["port"])
    if isinstance(target, int) or str(target).isdigit():
        return int(target)
    if target not in template_ports:
        raise ValueError(f"targetPort {target!r} names no container port of the selected pods")
    return template_ports[target]


def local_services(objects: list[dict], pods: list[PodSpec], templates: dict[str, dict]) -> list[LocalService]:
    """Services among ``objects`` with the local pods they select.

    ``templates`` maps pod id -> the rendered pod template (for named target ports).
    """
    found = []
    for obj in objects:
        if obj.get("kind") != "Service":
            continue
        metadata, spec = obj["metadata"], obj.get("spec") or {}
        namespace = metadata.get("namespace") or "default"
        selector = spec.get("selector") or {}
        selected = tuple(p for p in pods if p.namespace == namespace and selects(selector, p))
        named: dict[str, int] = {}
        for pod in selected:
            for container in (templates.get(pod.id) or {}).get("spec", {}).get("containers", []):
                named.update({p["name"]: p["containerPort"] for p in container.get("ports") or () if p.get("name")})
        ports = tuple(
            ServicePort(int(p["port"]), _target_port(p, named), p.get("name", ""), p.get("protocol", "TCP"))
            for p in spec.get("ports") or ()
        )
        found.append(LocalService(namespace, metadata["name"], spec.get("clusterIP") == "None", ports, selected,
                                  spec.get("externalName", "")))
    return found


def hosts_and_proxy(services: list[LocalService], address_of) -> tuple[list[tuple[str, str]], list[dict]]:
    """/etc/hosts entries for every pod and the service proxy's table.

    ``address_of(name)`` gives the virtual address for a Service key.
    """
    hosts: list[tuple[str, str]] = []
    table: list[dict] = []
    by_name = {}
    for service in services:
        if service.external_name:
            continue
        if service.headless:
            for pod in service.selected:
                # A StatefulSet's pods (hostname + subdomain = the governing Service) get their own names.
                own = f"{pod.hostname}.{service.name}.{service.namespace}.svc"
                hosts.append((pod.address, f"{own}.{CLUSTER_DOMAIN} {own} " + " ".join(service.names)))
            continue
        virtual = address_of(f"svc-{service.namespace}-{service.name}")
        hosts.append((virtual, " ".join(service.names)))
        by_name.update({n: virtual for n in service.names})
        for port in service.ports:
            table.append({"listen": [virtual, port.port],
                          "targets": [[pod.address, port.target_port] for pod in service.selected]})
    for service in services:
        if service.external_name and service.external_name.rstrip(".") in by_name:
            hosts.append((by_name[service.external_name.rstrip(".")], " ".join(service.names)))
    return hosts, table


def endpoint_slices(services: list[LocalService], ready: dict[str, bool]) -> list[dict]:
    """EndpointSlices as the endpointslice controller writes them (one per Service, IPv4)."""
    slices = []
    for service in services:
        if service.external_name:
            continue
        slices.append({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": f"{service.name}-local", "namespace": service.namespace,
                         "labels": {"kubernetes.io/service-name": service.name,
                                    "endpointslice.kubernetes.io/managed-by": "local-kubelet.eks-karmada"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [pod.address], "conditions": {"ready": ready.get(pod.id, False)},
                           "targetRef": {"kind": "Pod", "namespace": pod.namespace, "name": pod.name},
                           "nodeName": "local"} for pod in service.selected],
            "ports": [{"name": p.name, "port": p.target_port, "protocol": p.protocol} for p in service.ports],
        })
    return slices


def write_table(path: Path, table: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(table, indent=1), encoding="utf-8")
    temporary.replace(path)
