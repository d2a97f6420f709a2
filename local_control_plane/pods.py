"""Rendered workloads -> the pods the local kubelet runs, exactly as their templates say.

Reads Deployments and StatefulSets (and a CronJob's job template, for one-shot runs) from a
rendered manifest file; knows nothing of which component a workload is. Applies only what
deviations.py lists: images become binaries, Deployments run one replica, claims become folders.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from . import deviations, image_assets
from .podspec import Container, Mount, PodSpec, Probe, Volume


class PodError(Exception):
    """A rendered pod uses something the local kubelet cannot run; the message names it."""


@dataclass(frozen=True)
class Workload:
    """A Deployment, StatefulSet or Job template, with the pod names it gets."""

    kind: str
    namespace: str
    name: str
    template: dict
    pod_names: tuple[str, ...]
    service_name: str = ""  # a StatefulSet's governing Service
    claims: tuple[dict, ...] = ()  # volumeClaimTemplates


def workloads(objects: list[dict]) -> list[Workload]:
    """The Deployments and StatefulSets among ``objects``, with their local pod names."""
    found = []
    for obj in objects:
        kind, metadata, spec = obj.get("kind"), obj.get("metadata") or {}, obj.get("spec") or {}
        namespace = metadata.get("namespace") or "default"
        if kind in ("Deployment", "StatefulSet") and not_run(spec["template"]):
            continue
        if kind == "Deployment":
            names = tuple(f"{metadata['name']}-{i}" for i in range(deviations.DEPLOYMENT_REPLICAS))
            found.append(Workload(kind, namespace, metadata["name"], spec["template"], names))
        elif kind == "StatefulSet":
            names = tuple(f"{metadata['name']}-{i}" for i in range(int(spec.get("replicas", 1))))
            found.append(Workload(kind, namespace, metadata["name"], spec["template"], names,
                                  spec.get("serviceName", ""), tuple(spec.get("volumeClaimTemplates") or ())))
    return found


def not_run(template: dict) -> bool:
    """Whether a pod template runs only images that do not run here (deviations.NOT_RUN_IMAGES)."""
    images = [c["image"] for c in template["spec"]["containers"]]
    return all(image_repository(image) in deviations.NOT_RUN_IMAGES for image in images)


def cron_job(objects: list[dict], name: str) -> Workload:
    """A CronJob's pod, to run once (the backup drill runs it like a Job created from the schedule)."""
    for obj in objects:
        if obj.get("kind") == "CronJob" and obj["metadata"]["name"] == name:
            template = obj["spec"]["jobTemplate"]["spec"]["template"]
            return Workload("Job", obj["metadata"].get("namespace") or "default", name, template, (f"{name}-manual",))
    raise PodError(f"no CronJob {name} in the rendered manifest")


def image_repository(image: str) -> str:
    """The image's repository without registry and tag.

    ``registry.k8s.io/etcd:3.6.6-0`` -> ``etcd``;
    ``docker.io/karmada/karmada-webhook:v1`` -> ``karmada/karmada-webhook``;
    through a pull-through cache or mirror (``mirrors.images``), whose path starts with the upstream host:
    ``000000000000.dkr.ecr.us-east-1.amazonaws.com/registry.k8s.io/etcd:3.6.6-0`` -> ``etcd``.
    """
    name = image.split("@")[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: name.rindex(":")]
    parts = name.split("/")
    for _ in range(2):  # the registry, then the upstream's host under a cache or mirror
        if len(parts) > 1 and _is_registry(parts[0]):
            parts = parts[1:]
    return "/".join(parts)


def _is_registry(part: str) -> bool:
    """A first path part that names a registry: a dot, a port or `localhost` (an organisation has none)."""
    return "." in part or ":" in part or part == "localhost"


def image_files(image: str, binaries: dict[str, Path]) -> tuple[tuple[tuple[str, str], ...], bool]:
    """The files standing for ``image``, and whether it is an image of host tools (deviations.py)."""
    repository = image_repository(image)
    if repository in deviations.IMAGE_FILES:
        return tuple((path, str(binaries[binary])) for path,
                     binary in deviations.IMAGE_FILES[repository].items()), False
    if repository in deviations.HOST_TOOL_IMAGES:
        return (), True
    asset = image_assets.binary_key(repository, "")
    asset_files = tuple((key[len(asset):], str(path)) for key, path in binaries.items() if key.startswith(asset + "/"))
    if asset_files:  # one of the app's own images, built from its cloud assembly folder
        return asset_files, False
    raise PodError(f"image {image}: no local stand-in; add its repository to deviations.IMAGE_FILES")


_VAR = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\$")


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion in command, args and env values ($$ escapes; unknown stays)."""
    def one(match: re.Match[str]) -> str:
        whole, name = match.group(0), match.group(1)
        if whole == "$$":
            return "$"
        return env.get(name, whole)

    return _VAR.sub(one, text)


_QUANTITY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9, "m": 1e-3}


def _quantity(value: str) -> float:
    for suffix, factor in sorted(_QUANTITY.items(), key=lambda kv: -len(kv[0])):
        if value.endswith(suffix):
            return float(value[: -len(suffix)]) * factor
    return float(value)


class PodBuilder:
    """Builds PodSpecs for one cluster's rendered workloads."""

    def __init__(self, *, cluster: str, binaries: dict[str, Path], data_dir: Path, hosts: list[tuple[str, str]],
                 address_of, netns_of, node_name: str = "local") -> None:
        self.cluster = cluster
        self.binaries = binaries
        self.data_dir = data_dir
        self.hosts = hosts
        self.address_of = address_of  # pod key -> address
        self.netns_of = netns_of  # pod key -> network namespace
        self.node_name = node_name

    def pods(self, workload: Workload) -> list[PodSpec]:
        return [self.pod(workload, index, name) for index, name in enumerate(workload.pod_names)]

    def pod(self, workload: Workload, index: int, name: str) -> PodSpec:
        spec = workload.template.get("spec") or {}
        labels = (workload.template.get("metadata") or {}).get("labels") or {}
        key = f"{self.cluster}.{workload.namespace}.{name}"
        address = self.address_of(key)
        security = spec.get("securityContext") or {}
        hostname = name
        subdomain = workload.service_name or spec.get("subdomain") or ""
        own_names = [hostname]
        if subdomain:
            own_names.insert(0, f"{hostname}.{subdomain}.{workload.namespace}.svc.cluster.local")
        hosts = [(address, " ".join(own_names)), *self.hosts]
        field_values = {
            "metadata.name": name,
            "metadata.namespace": workload.namespace,
            "status.podIP": address,
            "status.podIPs": address,
            "status.hostIP": address,
            "spec.nodeName": self.node_name,
            "spec.serviceAccountName": spec.get("serviceAccountName", "default"),
        }
        for label, value in labels.items():
            field_values[f"metadata.labels['{label}']"] = value
        volumes = [self._volume(v, workload, name) for v in spec.get("volumes") or ()]
        for claim in workload.claims:
            claim_name = claim["metadata"]["name"]
            folder = self.data_dir / "volumes" / self.cluster / workload.namespace / f"{claim_name}-{name}"
            volumes.append(Volume(claim_name, "directory", str(folder)))
        service_account = spec.get("serviceAccountName", "default")
        if spec.get("automountServiceAccountToken", True):
            volumes.append(Volume("kube-api-access", "serviceAccountToken", service_account))
        containers = [self._container(c, field_values, spec, automount=spec.get("automountServiceAccountToken", True))
                      for c in spec.get("containers") or ()]
        init = [self._container(c, field_values, spec, automount=spec.get("automountServiceAccountToken", True))
                for c in spec.get("initContainers") or ()]
        return PodSpec(
            id=key, cluster=self.cluster, namespace=workload.namespace, name=name, netns=self.netns_of(key),
            address=address, hostname=hostname, hosts=tuple(hosts), service_account=service_account,
            containers=tuple(containers), init_containers=tuple(init), volumes=tuple(volumes),
            fs_group=security.get("fsGroup"), supplemental_groups=tuple(security.get("supplementalGroups") or ()),
            restart="Never" if workload.kind == "Job" else "Always", labels=tuple(sorted(labels.items())),
            template_hash=hashlib.sha256(json.dumps(workload.template, sort_keys=True).encode()).hexdigest()[:16],
        )

    def _volume(self, volume: dict, workload: Workload, pod: str) -> Volume:
        name = volume["name"]
        if "secret" in volume:
            source = volume["secret"]
            return Volume(name, "secret", source["secretName"], _items(source), source.get("defaultMode", 0o644),
                          bool(source.get("optional")))
        if "configMap" in volume:
            source = volume["configMap"]
            return Volume(name, "configMap", source["name"], _items(source), source.get("defaultMode", 0o644),
                          bool(source.get("optional")))
        if "emptyDir" in volume:
            return Volume(name, "emptyDir")
        if "persistentVolumeClaim" in volume:
            claim = volume["persistentVolumeClaim"]["claimName"]
            return Volume(name, "directory", str(self.data_dir / "volumes" / self.cluster / workload.namespace / claim))
        raise PodError(f"{workload.kind} {workload.namespace}/{workload.name}: volume {name} "
                       f"of type {sorted(set(volume) - {'name'})} is not supported locally")

    def _container(self, container: dict, field_values: dict[str, str], pod_spec: dict, automount: bool) -> Container:
        env: dict[str, str] = {"PATH": deviations.IMAGE_PATH, "HOSTNAME": field_values["metadata.name"]}
        from_secrets = []
        for item in container.get("env") or ():
            if "value" in item:
                env[item["name"]] = expand(str(item["value"]), env)
            elif "fieldRef" in item.get("valueFrom", {}):
                path = item["valueFrom"]["fieldRef"]["fieldPath"]
                if path not in field_values:
                    raise PodError(f"container {container['name']}: fieldRef {path} is not supported locally")
                env[item["name"]] = field_values[path]
            elif "resourceFieldRef" in item.get("valueFrom", {}):
                ref = item["valueFrom"]["resourceFieldRef"]
                section, _, resource = ref["resource"].partition(".")
                amount = _quantity(str((container.get("resources") or {}).get(section, {}).get(resource, "0")))
                divisor = _quantity(str(ref.get("divisor", "1")))
                env[item["name"]] = str(int(-(-amount // divisor)))
            elif "secretKeyRef" in item.get("valueFrom", {}):
                ref = item["valueFrom"]["secretKeyRef"]
                from_secrets.append((item["name"], ref["name"], ref["key"], bool(ref.get("optional"))))
            else:
                raise PodError(f"container {container['name']}: env {item['name']} has an unsupported source")
        argv = [expand(str(a), env) for a in (container.get("command") or []) + (container.get("args") or [])]
        if not argv:
            raise PodError(f"container {container['name']}: no command; the images' entry points are not known here")
        if image_repository(container["image"]) in deviations.CLOUDWATCH_LOGS_IMAGES:
            env.update(deviations.cloudwatch_logs_env())
        files, host_tools = image_files(container["image"], self.binaries)
        pod_security = pod_spec.get("securityContext") or {}
        security = container.get("securityContext") or {}
        mounts = [Mount(m["name"], m["mountPath"], bool(m.get("readOnly")), m.get("subPath", ""))
                  for m in container.get("volumeMounts") or ()]
        if automount:
            mounts.append(Mount("kube-api-access", "/var/run/secrets/kubernetes.io/serviceaccount", True))
        ports = {p["name"]: p["containerPort"] for p in container.get("ports") or () if p.get("name")}
        return Container(
            name=container["name"], argv=tuple(argv), env=tuple(env.items()), env_from_secrets=tuple(from_secrets),
            files=files, host_tools=host_tools, mounts=tuple(mounts),
            user=security.get("runAsUser", pod_security.get("runAsUser")),
            group=security.get("runAsGroup", pod_security.get("runAsGroup")),
            read_only_root=bool(security.get("readOnlyRootFilesystem")),
            startup=_probe(container.get("startupProbe"), ports, container["name"]),
            liveness=_probe(container.get("livenessProbe"), ports, container["name"]),
            readiness=_probe(container.get("readinessProbe"), ports, container["name"]),
        )


def _items(source: dict) -> tuple[tuple[str, str], ...]:
    return tuple((item["key"], item["path"]) for item in source.get("items") or ())


def _probe(probe: dict | None, ports: dict[str, int], container: str) -> Probe | None:
    if not probe:
        return None
    for kind in ("httpGet", "tcpSocket"):
        if kind in probe:
            action = probe[kind]
            port = action["port"]
            if isinstance(port, str):
                if port not in ports:
                    raise PodError(f"container {container}: probe port {port!r} names no container port")
                port = ports[port]
            return Probe(kind=kind, port=int(port), path=action.get("path", "/"), scheme=action.get("scheme", "HTTP"),
                         initial_delay=probe.get("initialDelaySeconds", 0), period=probe.get("periodSeconds", 10),
                         timeout=probe.get("timeoutSeconds", 1), failure_threshold=probe.get("failureThreshold", 3))
    raise PodError(f"container {container}: probe {sorted(probe)} is not supported locally")
