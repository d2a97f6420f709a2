"""Typed builders for the pod plumbing every component repeats.

Security context (Pod Security Standard "restricted"), probes, certificate and
config volumes, zone spreading and the workload/Service/PDB boilerplate live
here so component modules only say what differs: image, flags, ports, mounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from charts.karmada import names
from charts.karmada.common.objects import labels, metadata, selector_labels
from charts.karmada.props import KarmadaControlPlaneProps, Resources

# The distroless "nonroot" uid/gid. Every image we run works as an arbitrary
# non-root user; fsGroup makes the Secret files (mode 0440) and etcd's volume
# readable/writable for it.
NONROOT_UID = 65532
SECRET_FILE_MODE = 0o440

ZONE_KEY = "topology.kubernetes.io/zone"
HOSTNAME_KEY = "kubernetes.io/hostname"


# --- volumes ----------------------------------------------------------------------
@dataclass(frozen=True)
class SecretMount:
    """A whole Secret mounted as a directory.

    Never a subPath: the kubelet refreshes Secret volumes in place (atomic
    symlink swap), so renewed certificates reach binaries that reload files;
    subPath mounts are frozen at container start.
    """

    volume: str
    secret: str
    path: str
    keys: tuple[str, ...] = ()
    """Only these keys of the Secret (e.g. a CA's public ``tls.crt`` without its ``tls.key``); empty: all."""

    def file(self, key: str) -> str:
        return f"{self.path}/{key}"

    @property
    def ca(self) -> str:
        return self.file("ca.crt")

    @property
    def cert(self) -> str:
        return self.file("tls.crt")

    @property
    def key(self) -> str:
        return self.file("tls.key")

    def volume_k8s(self) -> dict[str, Any]:
        source: dict[str, Any] = {"secretName": self.secret, "defaultMode": SECRET_FILE_MODE}
        if self.keys:
            source["items"] = [{"key": key, "path": key} for key in self.keys]
        return {"name": self.volume, "secret": source}

    def mount_k8s(self) -> dict[str, Any]:
        return {"name": self.volume, "mountPath": self.path, "readOnly": True}


@dataclass(frozen=True)
class ConfigMapMount:
    """A ConfigMap mounted into a container."""
    volume: str
    config_map: str
    path: str

    def file(self, key: str) -> str:
        return f"{self.path}/{key}"

    def volume_k8s(self) -> dict[str, Any]:
        return {"name": self.volume, "configMap": {"name": self.config_map}}

    def mount_k8s(self) -> dict[str, Any]:
        return {"name": self.volume, "mountPath": self.path, "readOnly": True}


@dataclass(frozen=True)
class EmptyDirMount:
    """A size-limited emptyDir mounted into a container.

    Read-only (``reading()``) in a container that only reads what another container of the pod writes there.
    """
    volume: str
    path: str
    size_limit: str = "64Mi"
    read_only: bool = False

    def volume_k8s(self) -> dict[str, Any]:
        return {"name": self.volume, "emptyDir": {"sizeLimit": self.size_limit}}

    def mount_k8s(self) -> dict[str, Any]:
        mount: dict[str, Any] = {"name": self.volume, "mountPath": self.path}
        if self.read_only:
            mount["readOnly"] = True
        return mount

    def reading(self) -> EmptyDirMount:
        """The same volume, mounted read-only."""
        return EmptyDirMount(self.volume, self.path, self.size_limit, read_only=True)


@dataclass(frozen=True)
class ClaimMount:
    """A volumeClaimTemplate of a StatefulSet (the volume itself is not in the pod)."""

    volume: str
    path: str

    def volume_k8s(self) -> None:
        return None

    def mount_k8s(self) -> dict[str, Any]:
        return {"name": self.volume, "mountPath": self.path}


Mount = SecretMount | ConfigMapMount | EmptyDirMount | ClaimMount

# Every container gets a writable /tmp so readOnlyRootFilesystem never breaks a
# library that wants scratch space.
TMP = EmptyDirMount("tmp", "/tmp")


# --- probes / ports / env -----------------------------------------------------------------
@dataclass(frozen=True)
class HttpProbe:
    """An HTTP(S) GET probe."""
    path: str
    port: int | str
    scheme: str = "HTTP"
    period: int = 10
    timeout: int = 5
    failure: int = 3
    initial_delay: int = 0

    def to_k8s(self) -> dict[str, Any]:
        probe: dict[str, Any] = {
            "httpGet": {"path": self.path, "port": self.port, "scheme": self.scheme},
            "periodSeconds": self.period,
            "timeoutSeconds": self.timeout,
            "failureThreshold": self.failure,
        }
        if self.initial_delay:
            probe["initialDelaySeconds"] = self.initial_delay
        return probe


@dataclass(frozen=True)
class Port:
    """A named container port."""
    name: str
    port: int

    def to_k8s(self) -> dict[str, Any]:
        return {"name": self.name, "containerPort": self.port, "protocol": "TCP"}


@dataclass(frozen=True)
class FieldEnv:
    """An env var from the downward API (status.podIP, metadata.name, ...)."""

    name: str
    field_path: str

    def to_k8s(self) -> dict[str, Any]:
        return {"name": self.name, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": self.field_path}}}


@dataclass(frozen=True)
class ValueEnv:
    """An env var with a literal value."""

    name: str
    value: str

    def to_k8s(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value}


POD_IP = FieldEnv("POD_IP", "status.podIP")
POD_NAME = FieldEnv("POD_NAME", "metadata.name")


# --- containers and pods -------------------------------------------------------------------
def restricted_container_security_context(read_only_root: bool = True) -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": read_only_root,
        "runAsNonRoot": True,
        "runAsUser": NONROOT_UID,
        "runAsGroup": NONROOT_UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def restricted_pod_security_context() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": NONROOT_UID,
        "runAsGroup": NONROOT_UID,
        "fsGroup": NONROOT_UID,
        # Only chown a volume when its root has the wrong group (fast restarts
        # of etcd with a large data directory).
        "fsGroupChangePolicy": "OnRootMismatch",
        "seccompProfile": {"type": "RuntimeDefault"},
    }


@dataclass(frozen=True)
class Container:
    """A component's container: image, command, resources, probes, ports and mounts."""
    name: str
    image: str
    command: Sequence[str]
    resources: Resources
    liveness: HttpProbe
    readiness: HttpProbe
    startup: HttpProbe | None = None
    ports: Sequence[Port] = ()
    mounts: Sequence[Mount] = ()
    env: Sequence[FieldEnv | ValueEnv] = ()
    pull_policy: str = "IfNotPresent"

    def all_mounts(self) -> list[Mount]:
        return [*self.mounts, TMP]

    def to_k8s(self) -> dict[str, Any]:
        container: dict[str, Any] = {
            "name": self.name,
            "image": self.image,
            "imagePullPolicy": self.pull_policy,
            "command": list(self.command),
        }
        if self.env:
            container["env"] = [e.to_k8s() for e in self.env]
        if self.ports:
            container["ports"] = [p.to_k8s() for p in self.ports]
        container.update(
            {
                "resources": self.resources.to_k8s(),
                "livenessProbe": self.liveness.to_k8s(),
                "readinessProbe": self.readiness.to_k8s(),
                "securityContext": restricted_container_security_context(),
                "volumeMounts": [m.mount_k8s() for m in self.all_mounts()],
                "terminationMessagePolicy": "FallbackToLogsOnError",
            }
        )
        if self.startup is not None:
            container["startupProbe"] = self.startup.to_k8s()
        return container


@dataclass(frozen=True)
class Placement:
    """How replicas spread over the props' zones and over nodes.

    ``zone_hard``: DoNotSchedule on the zone (quorum-bearing or NLB-facing
    components must survive an AZ loss); otherwise ScheduleAnyway so a
    degraded AZ never blocks a controller from running.
    ``hostname_hard``: required pod anti-affinity per node (etcd members must
    never share a node).
    """

    zone_hard: bool = False
    hostname_hard: bool = False
    min_domains: int | None = None
    # Deployments roll by ReplicaSet; counting only the current pod-template
    # hash keeps the surge pod from skewing the spread.
    match_label_keys: Sequence[str] = ("pod-template-hash",)


def _affinity(component: str, props: KarmadaControlPlaneProps, placement: Placement) -> dict[str, Any]:
    affinity: dict[str, Any] = {
        # Stay inside the zones the operator chose (EBS volumes are zonal and
        # the spread below only counts these domains).
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": ZONE_KEY, "operator": "In", "values": list(props.zones)}]}
                ]
            }
        }
    }
    term = {"labelSelector": {"matchLabels": selector_labels(component)}, "topologyKey": HOSTNAME_KEY}
    if placement.hostname_hard:
        affinity["podAntiAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": [term]}
    else:
        affinity["podAntiAffinity"] = {
            "preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": term}]
        }
    return affinity


def _spread(component: str, placement: Placement) -> list[dict[str, Any]]:
    zone: dict[str, Any] = {
        "maxSkew": 1,
        "topologyKey": ZONE_KEY,
        "whenUnsatisfiable": "DoNotSchedule" if placement.zone_hard else "ScheduleAnyway",
        "labelSelector": {"matchLabels": selector_labels(component)},
    }
    if placement.zone_hard and placement.min_domains:
        zone["minDomains"] = placement.min_domains
    host: dict[str, Any] = {
        "maxSkew": 1,
        "topologyKey": HOSTNAME_KEY,
        "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": {"matchLabels": selector_labels(component)},
    }
    if placement.match_label_keys:
        zone["matchLabelKeys"] = list(placement.match_label_keys)
        host["matchLabelKeys"] = list(placement.match_label_keys)
    return [zone, host]


@dataclass(frozen=True)
class InitContainer:
    """A step that runs to completion before the containers start (no ports, no probes)."""
    name: str
    image: str
    command: Sequence[str]
    resources: Resources
    mounts: Sequence[Mount] = ()
    pull_policy: str = "IfNotPresent"

    def all_mounts(self) -> list[Mount]:
        return [*self.mounts, TMP]

    def to_k8s(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "image": self.image,
            "imagePullPolicy": self.pull_policy,
            "command": list(self.command),
            "resources": self.resources.to_k8s(),
            "securityContext": restricted_container_security_context(),
            "volumeMounts": [m.mount_k8s() for m in self.all_mounts()],
            "terminationMessagePolicy": "FallbackToLogsOnError",
        }


def pod_template(
    component: str,
    props: KarmadaControlPlaneProps,
    *,
    containers: Sequence[Container],
    init_containers: Sequence[InitContainer] = (),
    placement: Placement = Placement(),
    annotations: dict[str, str] | None = None,
    termination_grace_seconds: int = 30,
) -> dict[str, Any]:
    volumes: dict[str, dict[str, Any]] = {}
    for c in [*init_containers, *containers]:
        for m in c.all_mounts():
            v = m.volume_k8s()
            if v is not None:
                existing = volumes.setdefault(v["name"], v)
                if existing != v:
                    raise ValueError(f"{component}: volume {v['name']!r} declared twice with different sources")
    spec: dict[str, Any] = {
        "serviceAccountName": component,
        # No component calls the parent cluster's API: keep its token out.
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "priorityClassName": props.priority_class_name,
        "securityContext": restricted_pod_security_context(),
        "affinity": _affinity(component, props, placement),
        "topologySpreadConstraints": _spread(component, placement),
        "terminationGracePeriodSeconds": termination_grace_seconds,
        "containers": [c.to_k8s() for c in containers],
        "volumes": list(volumes.values()),
    }
    if init_containers:
        spec["initContainers"] = [c.to_k8s() for c in init_containers]
    template_meta: dict[str, Any] = {"labels": labels(component, props)}
    if annotations:
        template_meta["annotations"] = dict(annotations)
    return {"metadata": template_meta, "spec": spec}


# --- workload-level objects ------------------------------------------------------------------
def service_account(component: str, props: KarmadaControlPlaneProps) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(component, namespace=props.namespace, labels=labels(component, props)),
        "automountServiceAccountToken": False,
    }


def deployment(
    component: str, props: KarmadaControlPlaneProps, *, replicas: int, template: dict[str, Any]
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(component, namespace=props.namespace, labels=labels(component, props)),
        "spec": {
            "replicas": replicas,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector_labels(component)},
            # Surge first: a replica is never removed before its replacement is Ready.
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": template,
        },
    }


def pod_disruption_budget(component: str, props: KarmadaControlPlaneProps) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(component, namespace=props.namespace, labels=labels(component, props)),
        "spec": {
            "maxUnavailable": 1,
            "selector": {"matchLabels": selector_labels(component)},
            # Let node drains evict crash-looping pods instead of blocking on them.
            "unhealthyPodEvictionPolicy": "AlwaysAllow",
        },
    }


@dataclass(frozen=True)
class ServicePort:
    """A port of a component's Service."""
    name: str
    port: int
    target_port: int | str

    def to_k8s(self) -> dict[str, Any]:
        return {"name": self.name, "port": self.port, "targetPort": self.target_port, "protocol": "TCP"}


def service(
    name: str,
    component: str,
    props: KarmadaControlPlaneProps,
    *,
    ports: Sequence[ServicePort],
    headless: bool = False,
    publish_not_ready: bool = False,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "type": "ClusterIP",
        "selector": selector_labels(component),
        "ports": [p.to_k8s() for p in ports],
    }
    if headless:
        spec["clusterIP"] = "None"
    if publish_not_ready:
        spec["publishNotReadyAddresses"] = True
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(name, namespace=props.namespace, labels=labels(component, props)),
        "spec": spec,
    }


def https_service_workload(component: str, props: KarmadaControlPlaneProps,
                           container: Container) -> list[dict[str, Any]]:
    """A component served on HTTPS behind its own Service.

    A component served on HTTPS behind its own Service (443 -> the container's "https" port): ServiceAccount,
    Deployment of component_replicas, Service and PDB.
    """
    return standard_deployment_workload(
        component,
        props,
        replicas=props.component_replicas,
        template=pod_template(component, props, containers=[container]),
        services=[service(component, component, props,
                          ports=[ServicePort("https", names.SERVICE_HTTPS_PORT, "https")])],
    )


def standard_deployment_workload(
    component: str,
    props: KarmadaControlPlaneProps,
    *,
    replicas: int,
    template: dict[str, Any],
    services: Sequence[dict[str, Any]] = (),
    extra: Sequence[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """ServiceAccount, extra config, Deployment, Services and PDB of a component."""
    return [
        service_account(component, props),
        *extra,
        deployment(component, props, replicas=replicas, template=template),
        *services,
        pod_disruption_budget(component, props),
    ]
