"""Typed, validated inputs of the Karmada control-plane charts.

Everything has a default so ``KarmadaControlPlaneProps()`` renders a complete,
production-shaped control plane; the lead's config model overrides fields.
Validation errors are raised as ``ValueError`` (pydantic's ``ValidationError``
is a subclass of it).
"""

from __future__ import annotations

import ipaddress
import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# A Kubernetes resource quantity (the subset we accept: plain numbers, milli-CPU
# and binary/decimal suffixes). Keeping this strict catches "1gb"-style typos at
# synth time instead of at kubectl-apply time.
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
# Go duration strings as cert-manager accepts them, restricted to h/m/s.
_GO_DURATION = re.compile(r"^(?=\d)(\d+h)?(\d+m)?(\d+s)?$")
# A DNS-1123 label: member cluster names become Deployment/Service name parts.
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def _seconds(duration: str) -> int:
    total = 0
    for amount, unit in re.findall(r"(\d+)([hms])", duration):
        total += int(amount) * {"h": 3600, "m": 60, "s": 1}[unit]
    return total


class Resources(BaseModel):
    """Requests and limits of one container.

    CPU limits default to ``None`` on purpose: CFS throttling of API servers and
    etcd causes latency spikes and leader-election flaps; memory limits are
    always set so a leak is contained by an OOM kill of one replica.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    cpu_request: str = "100m"
    memory_request: str = "128Mi"
    cpu_limit: str | None = None
    memory_limit: str = "256Mi"

    @field_validator("cpu_request", "memory_request", "cpu_limit", "memory_limit")
    @classmethod
    def _quantity(cls, value: str | None) -> str | None:
        if value is not None and not _QUANTITY.match(value):
            raise ValueError(f"not a Kubernetes quantity: {value!r}")
        return value

    def to_k8s(self) -> dict:
        limits = {"memory": self.memory_limit}
        if self.cpu_limit is not None:
            limits["cpu"] = self.cpu_limit
        return {
            "requests": {"cpu": self.cpu_request, "memory": self.memory_request},
            "limits": limits,
        }


class ComponentResources(BaseModel):
    """Sizing of every component, in one place.

    The components whose load grows with the number of member clusters are
    ``apiserver``, ``etcd``, ``controller_manager``, ``scheduler``, ``search``
    and each ``scheduler_estimator`` (which caches one member's nodes and pods):
    scale those with ``model_copy(update=...)`` when the fleet grows.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    etcd: Resources = Resources(cpu_request="500m", memory_request="1Gi", memory_limit="4Gi")
    apiserver: Resources = Resources(cpu_request="500m", memory_request="1Gi", memory_limit="4Gi")
    aggregated_apiserver: Resources = Resources(cpu_request="100m", memory_request="128Mi", memory_limit="512Mi")
    kube_controller_manager: Resources = Resources(cpu_request="100m", memory_request="128Mi", memory_limit="512Mi")
    controller_manager: Resources = Resources(cpu_request="200m", memory_request="256Mi", memory_limit="1Gi")
    scheduler: Resources = Resources(cpu_request="100m", memory_request="128Mi", memory_limit="512Mi")
    webhook: Resources = Resources(cpu_request="100m", memory_request="64Mi", memory_limit="256Mi")
    descheduler: Resources = Resources(cpu_request="50m", memory_request="64Mi", memory_limit="256Mi")
    search: Resources = Resources(cpu_request="100m", memory_request="256Mi", memory_limit="1Gi")
    metrics_adapter: Resources = Resources(cpu_request="100m", memory_request="128Mi", memory_limit="512Mi")
    scheduler_estimator: Resources = Resources(cpu_request="50m", memory_request="128Mi", memory_limit="512Mi")


class KarmadaControlPlaneProps(BaseModel):
    """Inputs of every Karmada chart; each field has a production default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # --- identity and versions -------------------------------------------------
    namespace: str = "karmada-system"
    cluster_domain: str = "cluster.local"
    karmada_version: str = "v1.18.2"
    kubernetes_version: str = "v1.35.2"
    etcd_image_tag: str = "3.6.6-0"
    # One registry for the Kubernetes images, one for the Karmada images, so
    # both can point at ECR pull-through caches or mirrors.
    kube_registry: str = "registry.k8s.io"
    karmada_registry: str = "docker.io/karmada"
    image_pull_policy: str = "IfNotPresent"

    # --- placement ---------------------------------------------------------------
    zones: list[str] = Field(default_factory=lambda: ["us-east-1a", "us-east-1b", "us-east-1c"])
    priority_class_name: str = "karmada-control-plane"
    priority_class_value: int = 100_000_000
    # Pod Security Admission policy version pinned on the namespace labels.
    pod_security_version: str = "v1.35"

    # --- etcd ----------------------------------------------------------------------
    etcd_replicas: int = 3
    etcd_storage_class: str = "gp3"
    etcd_storage_size: str = "20Gi"
    # etcd's default 2 GiB backend quota is too small for a fleet's Works and
    # ResourceBindings; 8 GiB stays well below the default 20Gi volume.
    etcd_quota_backend_bytes: int = 8 * 1024**3

    # --- karmada-apiserver -----------------------------------------------------------
    apiserver_replicas: int = 2
    apiserver_port: int = 5443
    # DNS names clients dial from outside (NLB DNS name, optional custom
    # domain). Opaque strings: at synth time the NLB name is a CDK token such
    # as "${Token[TOKEN.123]}", so they are deliberately not validated as DNS.
    external_hosts: list[str] = Field(default_factory=list)
    # Port the external load balancer listens on (what kubeconfigs dial).
    external_port: int = 443
    # Networks karmada-apiserver's NetworkPolicy admits besides the namespace's own pods: the
    # host VPC's CIDR, where the NLB's IP targets and health checks and the deploy-time
    # handlers come from. Empty: only pods of the namespace reach the API server.
    apiserver_client_cidrs: list[str] = Field(default_factory=list)
    # NetworkPolicies for karmada-system (charts/karmada/network_policy.py): default deny for
    # ingress, then only the paths the control plane uses.
    network_policies: bool = True

    # --- other components ------------------------------------------------------------
    component_replicas: int = 2
    descheduler: bool = False
    search: bool = False
    metrics_adapter: bool = False
    # One karmada-scheduler-estimator per member; each needs the Secret
    # "<member>-kubeconfig" (key "<member>-kubeconfig") that registration creates.
    scheduler_estimators: list[str] = Field(default_factory=list)
    # Pull-mode registration (karmadactl register / karmada-agent): enables
    # bootstrap tokens, CSR signing (mounts the CA key into
    # kube-controller-manager) and anonymous read of kube-public/cluster-info.
    # Off by default: push mode needs none of it, and it keeps the CA key out of
    # every pod.
    pull_mode_registration: bool = False
    # Members registered in Pull mode: each gets a karmada-agent client
    # certificate (Secret "karmada-agent-<member>-client") that registration
    # copies into the member at deploy time.
    pull_members: list[str] = Field(default_factory=list)
    resources: ComponentResources = ComponentResources()

    # --- PKI -----------------------------------------------------------------------
    leaf_cert_duration: str = "2160h"  # 90 days
    leaf_cert_renew_before: str = "720h"  # 30 days
    ca_cert_duration: str = "87600h"  # 10 years
    ca_cert_renew_before: str = "8760h"  # 1 year

    # --- validation ----------------------------------------------------------------
    @field_validator("etcd_replicas")
    @classmethod
    def _odd_etcd(cls, value: int) -> int:
        if value < 1 or value % 2 == 0:
            raise ValueError(f"etcd_replicas must be a positive odd number (quorum), got {value}")
        return value

    @field_validator("apiserver_replicas", "component_replicas")
    @classmethod
    def _ha(cls, value: int) -> int:
        if value < 2:
            raise ValueError(f"replicas must be >= 2 for high availability, got {value}")
        return value

    @field_validator("apiserver_port", "external_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError(f"not a TCP port: {value}")
        return value

    @field_validator("apiserver_client_cidrs")
    @classmethod
    def _cidrs(cls, value: list[str]) -> list[str]:
        for block in value:
            try:
                ipaddress.ip_network(block, strict=True)
            except ValueError as err:
                raise ValueError(f"not a CIDR block: {block!r} ({err})") from None
        return value

    @field_validator("zones")
    @classmethod
    def _zones(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("at least one zone is required")
        if len(set(value)) != len(value):
            raise ValueError(f"zones must be unique: {value}")
        return value

    @field_validator("scheduler_estimators", "pull_members")
    @classmethod
    def _members(cls, value: list[str]) -> list[str]:
        for member in value:
            # The estimator's name is "karmada-scheduler-estimator-<member>" (28
            # chars of prefix) and must remain a DNS-1123 label (63 chars).
            if not _DNS_LABEL.match(member) or len(member) > 63 - len("karmada-scheduler-estimator-"):
                raise ValueError(f"member name is not a short DNS-1123 label: {member!r}")
        if len(set(value)) != len(value):
            raise ValueError(f"duplicate member names: {value}")
        return value

    @model_validator(mode="after")
    def _pull_members_need_pull_mode(self) -> KarmadaControlPlaneProps:
        if self.pull_members and not self.pull_mode_registration:
            raise ValueError("pull_members need pull_mode_registration=True (CSR signing and agent RBAC)")
        return self

    @field_validator("etcd_storage_size")
    @classmethod
    def _storage(cls, value: str) -> str:
        if not _QUANTITY.match(value):
            raise ValueError(f"not a Kubernetes quantity: {value!r}")
        return value

    @field_validator("karmada_version", "kubernetes_version", "etcd_image_tag")
    @classmethod
    def _pinned_tag(cls, value: str) -> str:
        if not _IMAGE_TAG.match(value) or value == "latest":
            raise ValueError(f"image tags must be pinned, got {value!r}")
        return value

    @field_validator("kube_registry", "karmada_registry")
    @classmethod
    def _registry(cls, value: str) -> str:
        if not value or value.endswith("/") or ":" in value.split("/")[-1]:
            raise ValueError(f"registry must be a host[/path] without trailing slash or tag: {value!r}")
        return value

    @field_validator("image_pull_policy")
    @classmethod
    def _pull_policy(cls, value: str) -> str:
        if value not in ("IfNotPresent", "Always"):
            raise ValueError("image_pull_policy must be IfNotPresent or Always")
        return value

    @field_validator("leaf_cert_duration", "leaf_cert_renew_before", "ca_cert_duration", "ca_cert_renew_before")
    @classmethod
    def _duration(cls, value: str) -> str:
        if not _GO_DURATION.match(value) or _seconds(value) == 0:
            raise ValueError(f"not a Go duration in h/m/s: {value!r}")
        return value

    @model_validator(mode="after")
    def _renewal_windows(self) -> KarmadaControlPlaneProps:
        if _seconds(self.leaf_cert_renew_before) >= _seconds(self.leaf_cert_duration):
            raise ValueError("leaf_cert_renew_before must be shorter than leaf_cert_duration")
        if _seconds(self.ca_cert_renew_before) >= _seconds(self.ca_cert_duration):
            raise ValueError("ca_cert_renew_before must be shorter than ca_cert_duration")
        # A CA that expires before the leaves it signed breaks every client.
        if _seconds(self.ca_cert_duration) - _seconds(self.ca_cert_renew_before) <= _seconds(self.leaf_cert_duration):
            raise ValueError("the CA must outlive its leaf certificates")
        return self

    # --- derived values ------------------------------------------------------------
    @property
    def kube_apiserver_image(self) -> str:
        return f"{self.kube_registry}/kube-apiserver:{self.kubernetes_version}"

    @property
    def kube_controller_manager_image(self) -> str:
        return f"{self.kube_registry}/kube-controller-manager:{self.kubernetes_version}"

    @property
    def etcd_image(self) -> str:
        return f"{self.kube_registry}/etcd:{self.etcd_image_tag}"

    def karmada_image(self, component: str) -> str:
        """Image of a Karmada binary, e.g. ``karmada_image("karmada-scheduler")``."""
        return f"{self.karmada_registry}/{component}:{self.karmada_version}"

    @property
    def external_server_url(self) -> str:
        """URL users and registration dial: the first external host, else in-cluster."""
        if self.external_hosts:
            return f"https://{self.external_hosts[0]}:{self.external_port}"
        return f"https://karmada-apiserver.{self.namespace}.svc.{self.cluster_domain}:{self.apiserver_port}"


__all__ = ["ComponentResources", "KarmadaControlPlaneProps", "Resources"]
