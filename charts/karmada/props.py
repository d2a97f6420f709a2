"""Typed, validated inputs of the Karmada control-plane charts.

Everything has a default so ``KarmadaControlPlaneProps()`` renders a complete,
production-shaped control plane; the lead's config model overrides fields.
Validation errors are raised as ``ValueError`` (pydantic's ``ValidationError``
is a subclass of it).
"""

from __future__ import annotations

import ipaddress
import re
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from charts.images import DIGEST, is_pinned

# A Kubernetes resource quantity (the subset we accept: plain numbers, milli-CPU
# and binary/decimal suffixes). Keeping this strict catches "1gb"-style typos at
# synth time instead of at kubectl-apply time.
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
# Go duration strings as cert-manager accepts them, restricted to h/m/s.
_GO_DURATION = re.compile(r"^(?=\d)(\d+h)?(\d+m)?(\d+s)?$")
# A DNS-1123 label: member cluster names become Deployment/Service name parts.
_IAM_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@-]+$")
# The same with a deploy-time partition and/or account (a CDK token "${Token[...]}" or a placeholder "${AWS::...}").
_OPAQUE_IAM_ARN = re.compile(r"^arn:(aws[a-z-]*|\$\{[^}]+\}):iam::(\d{12}|\$\{[^}]+\}):(role|user)/[\w+=,.@-]+$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


_SUFFIX = {"": 1, "m": Decimal("0.001"), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
           "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def quantity_value(quantity: str) -> Decimal:
    """The number a quantity of the accepted subset stands for: ``quantity_value("1Gi") == 2**30``."""
    number = re.match(r"^[0-9.]+", quantity)
    assert number is not None, quantity
    return Decimal(number.group()) * _SUFFIX[quantity[number.end():]]


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

    @model_validator(mode="after")
    def _requests_within_limits(self) -> Resources:
        if quantity_value(self.memory_request) > quantity_value(self.memory_limit):
            raise ValueError(f"memory request {self.memory_request} is above its limit {self.memory_limit}")
        if self.cpu_limit is not None and quantity_value(self.cpu_request) > quantity_value(self.cpu_limit):
            raise ValueError(f"cpu request {self.cpu_request} is above its limit {self.cpu_limit}")
        return self

    def to_k8s(self) -> dict:
        limits = {"memory": self.memory_limit}
        if self.cpu_limit is not None:
            limits["cpu"] = self.cpu_limit
        return {
            "requests": {"cpu": self.cpu_request, "memory": self.memory_request},
            "limits": limits,
        }


# A CloudWatch Logs group name (its API's pattern and length).
_LOG_GROUP_NAME = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


class AuditShippingProps(BaseModel):
    """Where karmada-apiserver's audit log goes: a file in the pod, shipped by a collector beside it.

    The charts know nothing of AWS but these two names: the log group and its region (charts/karmada/audit_shipper.py).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    log_group_name: str
    """The CloudWatch Logs group the collector writes to (it exists: the collector may not create one)."""
    region: str
    """The log group's region."""
    image: str
    """The collector image, pinned (tag, digest or both), as the cluster pulls it."""
    resources: Resources = Resources(cpu_request="50m", memory_request="64Mi", memory_limit="256Mi")
    """The collector's requests and limits. Default: 50m CPU, 64Mi memory, 256Mi limit."""
    max_file_mb: int = Field(default=100, ge=10, le=1024)
    """Size (MiB) at which karmada-apiserver rotates the audit file. Default: 100."""
    max_backups: int = Field(default=2, ge=1, le=10)
    """Rotated audit files kept in the pod (the oldest is deleted beyond). Default: 2."""

    @field_validator("log_group_name")
    @classmethod
    def _group_name(cls, value: str) -> str:
        if not _LOG_GROUP_NAME.match(value):
            raise ValueError(f"log_group_name: {value!r} is not a CloudWatch Logs group name; use letters, digits "
                             "and . - _ / # (at most 512)")
        return value

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        if not _REGION.match(value):
            raise ValueError(f"region: {value!r} is not an AWS region name; write it like us-east-1")
        return value

    @field_validator("image")
    @classmethod
    def _pinned(cls, value: str) -> str:
        if not is_pinned(value):
            raise ValueError(f"image: {value!r} is not pinned; give a version tag or a digest")
        return value

    @property
    def volume_size_mib(self) -> int:
        """What the audit files can take: the current file and its backups, plus room for one more being written."""
        return self.max_file_mb * (self.max_backups + 2)


class ThroughputFlags(BaseModel):
    """Client rate limits and worker counts of the components that move objects, by flag name (no leading --).

    Empty: the binaries' defaults, which a Helm chart install of Karmada runs with. The sizing profiles
    (charts/karmada/sizing.py) fill them from `make bench-karmada`'s measurements; a component's
    ``extra_args`` in the config still override each flag.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    controller_manager: dict[str, str] = Field(default_factory=dict)
    scheduler: dict[str, str] = Field(default_factory=dict)

    def args(self, component: str) -> list[str]:
        return [f"--{name}={value}" for name, value in getattr(self, component).items()]


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
    cluster_guard: Resources = Resources(cpu_request="50m", memory_request="32Mi", memory_limit="128Mi")
    kube_controller_manager: Resources = Resources(cpu_request="100m", memory_request="128Mi", memory_limit="512Mi")
    controller_manager: Resources = Resources(cpu_request="200m", memory_request="256Mi", memory_limit="1Gi")
    scheduler: Resources = Resources(cpu_request="100m", memory_request="128Mi", memory_limit="512Mi")
    webhook: Resources = Resources(cpu_request="100m", memory_request="64Mi", memory_limit="256Mi")
    descheduler: Resources = Resources(cpu_request="50m", memory_request="64Mi", memory_limit="256Mi")
    search: Resources = Resources(cpu_request="100m", memory_request="256Mi", memory_limit="1Gi")
    metrics_adapter: Resources = Resources(cpu_request="100m", memory_request="128Mi", memory_limit="512Mi")
    scheduler_estimator: Resources = Resources(cpu_request="50m", memory_request="128Mi", memory_limit="512Mi")


# Kubernetes label/annotation keys ([prefix/]name) and label values.
_QUALIFIED_NAME = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
# A command-line flag name as the binaries take it, without the leading dashes.
_FLAG_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_FEATURE_GATE = re.compile(r"^[A-Z][A-Za-z0-9]*$")
# Labels and annotations the charts set themselves: selectors, versions and config checksums.
RESERVED_LABEL_PREFIX = "app.kubernetes.io/"
RESERVED_ANNOTATION_PREFIX = "checksum/"


class Toleration(BaseModel):
    """A pod toleration, as in the Kubernetes Pod spec."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str | None = None
    operator: str = "Equal"
    value: str | None = None
    effect: str | None = None
    toleration_seconds: int | None = None

    @model_validator(mode="after")
    def _well_formed(self) -> Toleration:
        if self.operator not in ("Equal", "Exists"):
            raise ValueError(f"toleration operator must be Equal or Exists, got {self.operator!r}")
        if self.operator == "Exists" and self.value:
            raise ValueError("a toleration with operator Exists takes no value")
        if self.key is None and self.operator != "Exists":
            raise ValueError("a toleration without a key needs operator Exists")
        if self.key is not None and not _QUALIFIED_NAME.match(self.key):
            raise ValueError(f"not a taint key: {self.key!r}")
        if self.effect not in (None, "NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise ValueError(
                f"toleration effect must be NoSchedule, PreferNoSchedule or NoExecute, got {self.effect!r}"
            )
        if self.toleration_seconds is not None and self.effect != "NoExecute":
            raise ValueError("toleration_seconds applies only to effect NoExecute")
        return self

    def to_k8s(self) -> dict:
        out: dict = {"operator": self.operator}
        for name, value in (("key", self.key), ("value", self.value), ("effect", self.effect),
                            ("tolerationSeconds", self.toleration_seconds)):
            if value is not None:
                out[name] = value
        return out


class PodSettings(BaseModel):
    """What an operator changes about one component's pods beyond its size: the Helm chart's per-component values.

    Empty by default: the rendered objects are then exactly the charts' own.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Deployment replicas; None keeps component_replicas. etcd and karmada-apiserver have their own fields.
    replicas: int | None = None
    node_selector: dict[str, str] = Field(default_factory=dict)
    tolerations: list[Toleration] = Field(default_factory=list)
    pod_labels: dict[str, str] = Field(default_factory=dict)
    pod_annotations: dict[str, str] = Field(default_factory=dict)
    # Merged into the component's --feature-gates (the chart's own gates first, then these).
    feature_gates: dict[str, bool] = Field(default_factory=dict)
    # Flag name (no dashes) -> value. A flag the chart sets is replaced in place, any other is appended.
    extra_args: dict[str, str] = Field(default_factory=dict)

    @field_validator("replicas")
    @classmethod
    def _replicas(cls, value: int | None) -> int | None:
        if value is not None and value < 2:
            raise ValueError(f"replicas must be >= 2 for high availability, got {value}")
        return value

    @field_validator("node_selector", "pod_labels")
    @classmethod
    def _labels(cls, value: dict[str, str]) -> dict[str, str]:
        for key, label in value.items():
            if not _QUALIFIED_NAME.match(key) or not _LABEL_VALUE.match(label):
                raise ValueError(f"not a Kubernetes label: {key!r}: {label!r}")
        return value

    @field_validator("pod_labels")
    @classmethod
    def _own_labels(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if key.startswith(RESERVED_LABEL_PREFIX):
                raise ValueError(f"pod label {key!r} is set by the charts ({RESERVED_LABEL_PREFIX}*)")
        return value

    @field_validator("pod_annotations")
    @classmethod
    def _annotations(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not _QUALIFIED_NAME.match(key) or key.startswith(RESERVED_ANNOTATION_PREFIX):
                raise ValueError(f"not an annotation key of your own: {key!r}")
        return value

    @field_validator("feature_gates")
    @classmethod
    def _gates(cls, value: dict[str, bool]) -> dict[str, bool]:
        for name in value:
            if not _FEATURE_GATE.match(name):
                raise ValueError(f"not a feature gate name: {name!r}")
        return value

    @field_validator("extra_args")
    @classmethod
    def _args(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not _FLAG_NAME.match(name):
                raise ValueError(f"not a flag name without dashes: {name!r}")
        if "feature-gates" in value:
            raise ValueError("give feature gates in feature_gates, not extra_args")
        return value


class ComponentSettings(BaseModel):
    """PodSettings of every component, named as in ComponentResources."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    etcd: PodSettings = PodSettings()
    apiserver: PodSettings = PodSettings()
    aggregated_apiserver: PodSettings = PodSettings()
    kube_controller_manager: PodSettings = PodSettings()
    controller_manager: PodSettings = PodSettings()
    scheduler: PodSettings = PodSettings()
    webhook: PodSettings = PodSettings()
    descheduler: PodSettings = PodSettings()
    search: PodSettings = PodSettings()
    metrics_adapter: PodSettings = PodSettings()
    # Applies to every member's estimator.
    scheduler_estimator: PodSettings = PodSettings()

    @model_validator(mode="after")
    def _replicas_have_their_own_fields(self) -> ComponentSettings:
        if self.etcd.replicas is not None or self.apiserver.replicas is not None:
            raise ValueError("etcd and karmada-apiserver replicas are etcd_replicas and apiserver_replicas")
        return self


class IamIdentity(BaseModel):
    """An IAM role or user (ARN without a path) and the username and groups aws-iam-authenticator gives it.

    The ARN's partition and account may be deploy-time values (a CDK token, rendered as a placeholder such as
    ``${Parent.AccountId}``): a handler's role is known only once deployed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    arn: str
    groups: list[str]
    username: str | None = None
    """A fixed username (a handler's role: eks-karmada:handler:<name>). Default: from the ARN (mapped_username)."""

    @field_validator("arn")
    @classmethod
    def _arn(cls, value: str) -> str:
        if not (_IAM_ARN.match(value) or _OPAQUE_IAM_ARN.match(value)):
            raise ValueError(f"not an IAM role or user ARN without a path: {value!r}")
        return value

    @property
    def is_role(self) -> bool:
        return ":role/" in self.arn

    @property
    def mapped_username(self) -> str:
        """``username`` if fixed; else a role's sessions by session name (the person, under SSO), a user by its ARN."""
        if self.username:
            return self.username
        if not self.is_role:
            return self.arn
        prefix, name = self.arn.split(":role/")
        partition, account = prefix.split(":")[1], prefix.split(":")[4]
        return f"arn:{partition}:sts::{account}:assumed-role/{name}/{{{{SessionName}}}}"


# How the rendered manifests show the cluster guard's image asset (karmada_constructs/cluster_guard_image.py).
CLUSTER_GUARD_IMAGE_PLACEHOLDER = "${ImageAsset.karmada-cluster-guard}"


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
    # Image reference as written without digest (<registry>/<name>:<tag>, the registries above) -> sha256 digest:
    # such an image is written <reference>@<digest> (config images.digests, keyed here by the mirrored reference).
    image_digests: dict[str, str] = Field(default_factory=dict)

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
    # Unset: etcd's own default, and kube-apiserver compacts every 5 minutes anyway.
    etcd_auto_compaction_mode: str | None = None
    etcd_auto_compaction_retention: str | None = None
    etcd_snapshot_count: int | None = None
    # Raise both for members far apart (etcd requires election >= 5 x heartbeat).
    etcd_heartbeat_interval_ms: int | None = None
    etcd_election_timeout_ms: int | None = None

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
    # subnets the NLB's IP targets and health checks and the deploy-time handlers come from.
    # Empty: only pods of the namespace reach the API server.
    apiserver_client_cidrs: list[str] = Field(default_factory=list)
    # NetworkPolicies for karmada-system (charts/karmada/network_policy.py): default deny for
    # ingress, then only the paths the control plane uses.
    network_policies: bool = True

    # --- sign-in with IAM (charts/karmada/iam_authenticator.py) -----------------------
    # aws-iam-authenticator's release (the local run builds the same release from its Go module) and the
    # registry its deploy/example.yaml names.
    iam_authenticator_version: str = "v0.7.10"
    iam_authenticator_registry: str = "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon"
    # The x-k8s-aws-id a token must be signed for: a token made for another cluster (the parent EKS) is refused.
    iam_cluster_id: str = "karmada"
    iam_identities: list[IamIdentity] = Field(default_factory=list)

    # --- audit log (charts/karmada/audit_shipper.py) ------------------------------------------
    # Set: the audit log goes to a file in the pod and a collector beside karmada-apiserver ships it to CloudWatch
    # Logs. None: to karmada-apiserver's stdout (charts rendered without AWS, as in some tests).
    audit_shipping: AuditShippingProps | None = None

    # --- the cluster guard (charts/karmada/cluster_guard.py) ----------------------------
    # Its image: built from images/karmada-cluster-guard. The parent stack passes its image asset's URI, which the
    # rendered manifests show as this placeholder (the default, for charts rendered without AWS), or the config's
    # prebuilt image.
    cluster_guard_image: str = CLUSTER_GUARD_IMAGE_PLACEHOLDER

    # --- other components ------------------------------------------------------------
    component_replicas: int = 2
    descheduler: bool = False
    search: bool = False
    metrics_adapter: bool = False
    # One karmada-scheduler-estimator per member; each needs the Secret
    # "<member>-kubeconfig" (key "<member>-kubeconfig") that registration creates.
    scheduler_estimators: list[str] = Field(default_factory=list)
    # Members registered in Pull mode: each gets a karmada-agent client
    # certificate (Secret "karmada-agent-<member>-client") that registration
    # copies into the member at deploy time, and its daily refresh again after
    # cert-manager renews it. Nothing else of the control plane changes for
    # them: no bootstrap tokens, no CSR signing, no CA key in any pod.
    pull_members: list[str] = Field(default_factory=list)
    # Karmada MultiClusterService (alpha, off by default in v1.18.2): the feature gate on
    # karmada-controller-manager starts its multiclusterservice, endpointsliceCollect and
    # endpointsliceDispatch controllers (all in the default --controllers=*).
    multi_cluster_service: bool = False
    resources: ComponentResources = ComponentResources()
    throughput: ThroughputFlags = ThroughputFlags()
    # Per-component placement, pod metadata, feature gates and extra flags (empty: the charts' own).
    settings: ComponentSettings = ComponentSettings()

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
    def _etcd_tuning(self) -> KarmadaControlPlaneProps:
        if (self.etcd_auto_compaction_mode is None) != (self.etcd_auto_compaction_retention is None):
            raise ValueError("etcd_auto_compaction_mode and etcd_auto_compaction_retention go together")
        if self.etcd_auto_compaction_mode not in (None, "periodic", "revision"):
            raise ValueError("etcd_auto_compaction_mode must be periodic or revision")
        heartbeat = self.etcd_heartbeat_interval_ms or 100
        election = self.etcd_election_timeout_ms or 1000
        if election < 5 * heartbeat:
            raise ValueError("etcd_election_timeout_ms must be at least 5 x etcd_heartbeat_interval_ms")
        return self

    @field_validator("etcd_storage_size")
    @classmethod
    def _storage(cls, value: str) -> str:
        if not _QUANTITY.match(value):
            raise ValueError(f"not a Kubernetes quantity: {value!r}")
        return value

    @field_validator("karmada_version", "kubernetes_version", "etcd_image_tag", "iam_authenticator_version")
    @classmethod
    def _pinned_tag(cls, value: str) -> str:
        if not _IMAGE_TAG.match(value) or value == "latest":
            raise ValueError(f"image tags must be pinned, got {value!r}")
        return value

    @field_validator("kube_registry", "karmada_registry", "iam_authenticator_registry")
    @classmethod
    def _registry(cls, value: str) -> str:
        if not value or value.endswith("/") or ":" in value.split("/")[-1]:
            raise ValueError(f"registry must be a host[/path] without trailing slash or tag: {value!r}")
        return value

    @field_validator("image_digests")
    @classmethod
    def _digests(cls, value: dict[str, str]) -> dict[str, str]:
        for reference, digest in value.items():
            if not DIGEST.fullmatch(digest):
                raise ValueError(f"image_digests: {digest!r} of {reference} is not sha256:<64 hex>")
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
    def pinned(self, reference: str) -> str:
        """``reference`` with ``@<digest>`` where ``image_digests`` has one (the tag stays, for people)."""
        digest = self.image_digests.get(reference)
        return f"{reference}@{digest}" if digest else reference

    @property
    def kube_apiserver_image(self) -> str:
        return self.pinned(f"{self.kube_registry}/kube-apiserver:{self.kubernetes_version}")

    @property
    def kube_controller_manager_image(self) -> str:
        return self.pinned(f"{self.kube_registry}/kube-controller-manager:{self.kubernetes_version}")

    @property
    def iam_authenticator_image(self) -> str:
        return self.pinned(f"{self.iam_authenticator_registry}/aws-iam-authenticator:{self.iam_authenticator_version}")

    @property
    def etcd_image(self) -> str:
        return self.pinned(f"{self.kube_registry}/etcd:{self.etcd_image_tag}")

    def karmada_image(self, component: str) -> str:
        """Image of a Karmada binary, e.g. ``karmada_image("karmada-scheduler")``."""
        return self.pinned(f"{self.karmada_registry}/{component}:{self.karmada_version}")

    @property
    def external_server_url(self) -> str:
        """URL users and registration dial: the first external host, else in-cluster."""
        if self.external_hosts:
            return f"https://{self.external_hosts[0]}:{self.external_port}"
        return f"https://karmada-apiserver.{self.namespace}.svc.{self.cluster_domain}:{self.apiserver_port}"


__all__ = [
    "AuditShippingProps",
    "ComponentResources",
    "ComponentSettings",
    "KarmadaControlPlaneProps",
    "PodSettings",
    "Resources",
    "Toleration",
    "quantity_value",
]
