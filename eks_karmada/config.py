"""The deployment configuration: one YAML file validated by a pydantic model.

Every field has a default except what only the user can know; unknown keys are
errors. `load_config` turns any problem into a `ConfigError` whose message is one
line naming the field and the fix, so app.py and the CLI can print it without a
stack trace.
"""

from __future__ import annotations

import ipaddress
import re
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from eks_karmada.aws_regions import EKS_REGIONS

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "default.yaml"

# Versions whose flags, images and kubectl layers this app has been built against.
SUPPORTED_KUBERNETES_VERSIONS = ("1.34", "1.35")
SUPPORTED_KARMADA_MINOR = "v1.18"
LOG_RETENTION_DAYS = (30, 90, 180, 365, 731, 1827)
# Controller versions whose IAM policy aws-cdk-lib ships (aws_eks_v2.AlbControllerVersion).
SUPPORTED_LOAD_BALANCER_CONTROLLER = ("v2.17.1", "v3.0.0", "v3.1.0", "v3.2.0", "v3.2.1", "v3.2.2")

_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$")
_DNS_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_SEMVER_TAG = re.compile(r"^v\d+\.\d+\.\d+$")
_VPC_ID = re.compile(r"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$")
_SUBNET_ID = re.compile(r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$")


class ConfigError(Exception):
    """A configuration problem, as one line: `<file>: <field>: <what is wrong>; <fix>`."""


class _Model(BaseModel):
    # Unknown keys are typos until proven otherwise.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _cidr(value: str) -> str:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as err:
        raise ValueError(f"'{value}' is not a valid CIDR ({err}); write it like 10.0.0.0/16") from None
    return value


def _region(value: str) -> str:
    if value not in EKS_REGIONS:
        raise ValueError(f"unknown region '{value}'; use an AWS region where EKS runs, e.g. us-east-1")
    return value


def _azs_in_region(azs: list[str], region: str, count: int) -> None:
    if len(azs) != count or len(set(azs)) != count:
        raise ValueError(f"availability_zones: needs exactly {count} distinct zones, got {azs}; list {count} AZ names")
    for az in azs:
        if not re.fullmatch(re.escape(region) + r"[a-z]", az):
            raise ValueError(f"availability_zones: '{az}' is not in region {region}; use names like {region}a")


def _account(value: str) -> str:
    if not _ACCOUNT.match(value):
        raise ValueError(f"'{value}' is not a 12-digit AWS account id; quote it in YAML")
    return value


Cidr = Annotated[str, AfterValidator(_cidr)]
Region = Annotated[str, AfterValidator(_region)]
AccountId = Annotated[str, AfterValidator(_account)]


class Versions(_Model):
    """Pinned upstream versions. Nothing is ever 'latest'."""

    kubernetes: str = Field(default="1.35", description="EKS Kubernetes version; also selects the kubectl Lambda layer")
    karmada: str = Field(default="v1.18.2", description="Karmada release (images and CRDs)")
    kube_components: str = Field(
        default="v1.35.2",
        description="kube-apiserver and kube-controller-manager image tag of the Karmada control plane",
    )
    etcd: str = Field(default="3.6.6-0", description="etcd image tag")

    @field_validator("kubernetes")
    @classmethod
    def _supported_kubernetes(cls, v: str) -> str:
        if v not in SUPPORTED_KUBERNETES_VERSIONS:
            raise ValueError(
                f"unsupported Kubernetes version '{v}'; use one of {', '.join(SUPPORTED_KUBERNETES_VERSIONS)}"
            )
        return v

    @field_validator("karmada")
    @classmethod
    def _supported_karmada(cls, v: str) -> str:
        if not _SEMVER_TAG.match(v) or not v.startswith(SUPPORTED_KARMADA_MINOR + "."):
            raise ValueError(
                f"unsupported Karmada version '{v}'; use a {SUPPORTED_KARMADA_MINOR}.x release such as v1.18.2"
            )
        return v

    @field_validator("kube_components")
    @classmethod
    def _tag(cls, v: str) -> str:
        if not _SEMVER_TAG.match(v):
            raise ValueError(f"'{v}' is not an image tag like v1.35.2; pin an exact version")
        return v


class NodeGroupConfig(_Model):
    """A managed node group spread over the cluster's availability zones."""

    instance_types: list[str] = Field(default=["m6i.large"], min_length=1, description="EC2 instance types")
    min_size: int = Field(default=3, ge=1, description="Minimum node count")
    desired_size: int = Field(default=3, ge=1, description="Desired node count")
    max_size: int = Field(default=6, ge=1, description="Maximum node count")
    root_volume_gib: int = Field(default=50, ge=20, le=16384, description="Encrypted gp3 root volume size (GiB)")

    @model_validator(mode="after")
    def _sizes_ordered(self) -> NodeGroupConfig:
        if not self.min_size <= self.desired_size <= self.max_size:
            raise ValueError(
                "desired_size: needs min_size <= desired_size <= max_size, "
                f"got {self.min_size}/{self.desired_size}/{self.max_size}"
            )
        return self


class Gp3StorageClassConfig(_Model):
    """The gp3 StorageClass the control plane's volumes (etcd) use."""

    name: str = Field(default="gp3", description="StorageClass name")
    iops: int = Field(
        default=3000, ge=3000, le=80000,
        description="Provisioned IOPS per volume (raised to what the member count's profile needs)",
    )
    throughput_mibps: int = Field(
        default=125, ge=125, le=2000, description="Provisioned throughput per volume, MiB/s (raised like iops)"
    )
    make_default: bool = Field(default=True, description="Mark it as the cluster's default StorageClass")


class AddonVersions(_Model):
    """Pinned versions of what the parent cluster installs at deploy time."""

    ebs_csi_driver: str = Field(default="v1.53.0-eksbuild.1", description="aws-ebs-csi-driver EKS add-on version")
    pod_identity_agent: str = Field(
        default="v1.3.10-eksbuild.1", description="eks-pod-identity-agent EKS add-on version"
    )
    vpc_cni: str = Field(
        default="v1.21.2-eksbuild.2",
        description="vpc-cni EKS add-on version; installed with its network-policy agent on, so the "
        "NetworkPolicies of karmada-system are enforced (needs v1.14 or later)",
    )
    load_balancer_controller: str = Field(
        default="v3.2.2", description="AWS Load Balancer Controller version (Helm chart installed by aws_eks_v2)"
    )
    load_balancer_controller_repository: str = Field(
        default="public.ecr.aws/eks/aws-load-balancer-controller",
        description="Image repository of the AWS Load Balancer Controller, without a tag (the version above is "
        "the tag); the default is the chart's own; an ECR pull-through cache or mirror works",
    )
    cert_manager: str = Field(default="v1.21.2", description="cert-manager Helm chart version (charts.jetstack.io)")

    @field_validator("load_balancer_controller")
    @classmethod
    def _lb_controller(cls, v: str) -> str:
        if v not in SUPPORTED_LOAD_BALANCER_CONTROLLER:
            raise ValueError(
                f"unsupported controller version '{v}'; use one of {', '.join(SUPPORTED_LOAD_BALANCER_CONTROLLER)}"
            )
        return v

    @field_validator("load_balancer_controller_repository")
    @classmethod
    def _repository_without_tag(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)+", v):
            raise ValueError(f"'{v}' is not an image repository without tag or digest; "
                             "write it like public.ecr.aws/eks/aws-load-balancer-controller")
        return v


class ApiEndpointConfig(_Model):
    """The Network Load Balancer in front of the Karmada API server (TLS passthrough on 443)."""

    scheme: str = Field(
        default="internal", pattern="^(internal|internet-facing)$", description="internal or internet-facing"
    )
    allowed_cidrs: list[Cidr] = Field(
        default=[], description="Client networks admitted to port 443; the parent VPC is always admitted"
    )
    custom_domain: str | None = Field(
        default=None, description="Optional DNS name you point at the NLB; added to the certificate"
    )
    allow_anywhere: bool = Field(
        default=False, description="Must be true to put 0.0.0.0/0 in allowed_cidrs (synth then warns)"
    )

    @field_validator("custom_domain")
    @classmethod
    def _domain(cls, v: str | None) -> str | None:
        if v is not None and not _DNS_NAME.match(v):
            raise ValueError(f"'{v}' is not a DNS name; use a lower-case name such as karmada.example.com")
        return v

    @model_validator(mode="after")
    def _anywhere_is_explicit(self) -> ApiEndpointConfig:
        if "0.0.0.0/0" in self.allowed_cidrs and not self.allow_anywhere:
            raise ValueError(
                "allowed_cidrs: 0.0.0.0/0 opens the Karmada API to the internet; "
                "list your networks or set allow_anywhere: true"
            )
        return self


class ClusterEndpointConfig(_Model):
    """Access to the EKS (Kubernetes) API endpoint of a cluster this app creates."""

    private: bool = Field(default=True, description="Private endpoint inside the VPC")
    public_cidrs: list[Cidr] = Field(
        default=[], description="Networks admitted to the public endpoint; empty means no public endpoint"
    )
    allow_anywhere: bool = Field(
        default=False, description="Must be true to put 0.0.0.0/0 in public_cidrs (synth then warns)"
    )

    @model_validator(mode="after")
    def _reachable(self) -> ClusterEndpointConfig:
        if not self.private and not self.public_cidrs:
            raise ValueError("private: the endpoint would be unreachable; set private: true or list public_cidrs")
        if "0.0.0.0/0" in self.public_cidrs and not self.allow_anywhere:
            raise ValueError(
                "public_cidrs: 0.0.0.0/0 opens the EKS API to the internet; "
                "list your networks or set allow_anywhere: true"
            )
        return self


def _subnet_ids(ids: list[str]) -> list[str]:
    for subnet in ids:
        if not _SUBNET_ID.match(subnet):
            raise ValueError(f"'{subnet}' is not a subnet id; write it like subnet-0123456789abcdef0")
    twice = sorted({subnet for subnet in ids if ids.count(subnet) > 1})
    if twice:
        raise ValueError(f"lists {', '.join(twice)} more than once; give one subnet per availability zone")
    return ids


SubnetIds = Annotated[list[str], AfterValidator(_subnet_ids)]


class ExistingVpcConfig(_Model):
    """A VPC (and its subnets) you already have, used instead of creating one (as eksctl's --vpc-private-subnets).

    Ids only, so synth stays offline: `eks-karmada preflight` checks with AWS that each subnet is in the VPC and
    its zone, is private (no route to an internet gateway) and carries the tags the load balancer controller
    reads (kubernetes.io/role/internal-elb, and kubernetes.io/role/elb on public subnets).
    """

    vpc_id: str = Field(description="The VPC's id (vpc-...)")
    private_subnet_ids: SubnetIds = Field(
        min_length=1,
        description="Private subnets with outbound access (NAT or transit gateway), one per availability zone, "
        "in the order of availability_zones: nodes, pods, the Lambdas and an internal NLB",
    )
    public_subnet_ids: SubnetIds = Field(
        default=[], description="Public subnets, one per availability zone in the same order; needed only for an "
        "internet-facing NLB (api_endpoint.scheme)",
    )

    @field_validator("vpc_id")
    @classmethod
    def _vpc(cls, v: str) -> str:
        if not _VPC_ID.match(v):
            raise ValueError(f"'{v}' is not a VPC id; write it like vpc-0123456789abcdef0")
        return v

    @model_validator(mode="after")
    def _public_apart(self) -> ExistingVpcConfig:
        both = sorted(set(self.private_subnet_ids) & set(self.public_subnet_ids))
        if both:
            raise ValueError(f"public_subnet_ids: {', '.join(both)} is also listed as private; "
                             "list each subnet once, under its kind")
        return self

    def check_zones(self, zones: list[str]) -> None:
        """One subnet per zone: a node group and the NLB span every AZ of the cluster."""
        for key, ids in (("private_subnet_ids", self.private_subnet_ids),
                         ("public_subnet_ids", self.public_subnet_ids)):
            if ids and len(ids) != len(zones):
                raise ValueError(
                    f"existing_vpc.{key}: needs one subnet per availability zone ({len(zones)}: {', '.join(zones)}), "
                    f"got {len(ids)}; list them in the order of availability_zones"
                )


class ParentExistingVpcConfig(ExistingVpcConfig):
    """The parent's existing VPC: also the public addresses its traffic to the members leaves from."""

    egress_cidrs: list[Cidr] = Field(
        default=[], description="The public addresses (as /32s) of the VPC's NAT gateways: each new member's EKS "
        "endpoint admits them (the registrar and, in Push mode, Karmada dial the members from the parent); "
        "required when a member is new",
    )


def _no_effect_with_existing_vpc(model: BaseModel, keys: tuple[str, ...]) -> None:
    """Settings of the VPC this app would create mean nothing for a VPC it imports."""
    for key in keys:
        if key in model.model_fields_set:
            raise ValueError(f"{key}: has no effect with existing_vpc (the existing VPC's own gateways and routes "
                             "are used); remove it")


class ParentConfig(_Model):
    """The parent ("host") EKS cluster that runs the Karmada control plane."""

    region: Region = Field(default="us-east-1", description="AWS region of the parent")
    account: AccountId | None = Field(
        default=None, description="AWS account id; default: the deploying credentials' account"
    )
    availability_zones: list[str] = Field(
        default=["us-east-1a", "us-east-1b", "us-east-1c"], description="Exactly three AZs, so etcd survives losing one"
    )
    cluster_name: str = Field(default="karmada-parent", description="EKS cluster name")
    vpc_cidr: Cidr = Field(default="10.0.0.0/16", description="VPC CIDR block")
    nat_gateways: int = Field(default=3, ge=1, le=3, description="NAT gateways (one per AZ for zone independence)")
    endpoint: ClusterEndpointConfig = Field(default_factory=ClusterEndpointConfig)
    node_group: NodeGroupConfig = Field(default_factory=NodeGroupConfig)
    storage_class: Gp3StorageClassConfig = Field(default_factory=Gp3StorageClassConfig)
    addons: AddonVersions = Field(default_factory=AddonVersions)
    admin_role_arns: list[str] = Field(
        default=[], description="IAM roles granted cluster-admin on the parent and every new member through EKS "
        "access entries; they stay whoever deploys (list the roles your team assumes)"
    )
    deployer_access: bool = Field(
        default=True,
        description="Also grant cluster-admin (an EKS access entry) on the parent and every new member to the IAM "
        "identity that runs `make deploy` (resolved by `eks-karmada whoami` and passed as the CDK context "
        "deployer_arn; a plain `cdk deploy` without it grants nothing and removes an earlier deployer's entry). "
        "false: admin_role_arns only (docs/access.md)",
    )
    existing_vpc: ParentExistingVpcConfig | None = Field(
        default=None, description="Use this VPC and its subnets instead of creating one (then vpc_cidr must be its "
        "CIDR, and nat_gateways does not apply)",
    )
    log_retention_days: int = Field(
        default=90,
        description="CloudWatch retention of the VPC flow logs, the EKS control-plane logs and the deploy-time "
        "handlers' logs (parent and members): 30, 90, 180, 365, 731 or 1827",
    )

    @field_validator("cluster_name")
    @classmethod
    def _cluster_name(cls, v: str) -> str:
        if not re.fullmatch(r"[a-zA-Z][-a-zA-Z0-9_]{0,99}", v):
            raise ValueError(f"'{v}' is not a valid EKS cluster name; use letters, digits, '-' and '_'")
        return v

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, v: int) -> int:
        if v not in LOG_RETENTION_DAYS:
            raise ValueError(
                f"{v} is not a CloudWatch retention period; use one of {', '.join(map(str, LOG_RETENTION_DAYS))}"
            )
        return v

    @field_validator("admin_role_arns")
    @classmethod
    def _arns(cls, v: list[str]) -> list[str]:
        for arn in v:
            if not re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+", arn):
                raise ValueError(f"'{arn}' is not an IAM role ARN; use arn:aws:iam::<account>:role/<name>")
        return v

    @model_validator(mode="after")
    def _azs(self) -> ParentConfig:
        _azs_in_region(self.availability_zones, self.region, 3)
        if self.existing_vpc is not None:
            self.existing_vpc.check_zones(self.availability_zones)
            _no_effect_with_existing_vpc(self, ("nat_gateways",))
            if "vpc_cidr" not in self.model_fields_set:
                raise ValueError(f"vpc_cidr: set it to the CIDR of {self.existing_vpc.vpc_id} "
                                 "(the Karmada API's security group admits it)")
        return self


class KarmadaComponents(_Model):
    """Optional Karmada components."""

    descheduler: bool = Field(default=False, description="karmada-descheduler")
    search: bool = Field(default=False, description="karmada-search")
    metrics_adapter: bool = Field(default=False, description="karmada-metrics-adapter")
    scheduler_estimators: bool = Field(default=False, description="One karmada-scheduler-estimator per member")


class ImageRegistries(_Model):
    """Where images come from; point both at ECR pull-through caches or mirrors if you like."""

    kubernetes: str = Field(
        default="registry.k8s.io", description="kube-apiserver, kube-controller-manager and etcd images"
    )
    karmada: str = Field(default="docker.io/karmada", description="Karmada component images")


class EtcdBackupConfig(_Model):
    """Scheduled etcd snapshots of the Karmada API to S3, and their restore (docs/backup-restore.md)."""

    enabled: bool = Field(default=True, description="Snapshot the Karmada API's etcd to S3 on a schedule")
    schedule: str = Field(default="0 */6 * * *", description="Cron schedule of the snapshots, in UTC")
    retention_days: int = Field(default=30, ge=1, le=3650, description="Days S3 keeps each snapshot before it expires")
    aws_cli_image: str = Field(
        default="public.ecr.aws/aws-cli/aws-cli:2.36.7",
        description="Pinned AWS CLI image that uploads (and, for a restore, downloads) the snapshots",
    )

    @field_validator("schedule")
    @classmethod
    def _cron(cls, v: str) -> str:
        if not re.fullmatch(r"(\S+\s+){4}\S+|@(hourly|daily|midnight|weekly|monthly|yearly|annually)", v.strip()):
            raise ValueError(f"'{v}' is not a five-field cron schedule; write it like '0 */6 * * *'")
        return v.strip()

    @field_validator("aws_cli_image")
    @classmethod
    def _pinned(cls, v: str) -> str:
        # name[:tag][@sha256:<64 hex>], with a tag or a full digest: "aws-cli@sha256:abc" is neither.
        reference = re.fullmatch(r"[\w.-]+(:[\w][\w.-]*)?(@sha256:[0-9a-f]{64})?", v.rsplit("/", 1)[-1])
        if v.endswith(":latest") or not reference or not (reference.group(1) or reference.group(2)):
            raise ValueError(f"'{v}' is not pinned; use a version tag such as public.ecr.aws/aws-cli/aws-cli:2.36.7")
        return v


class KarmadaConfig(_Model):
    """The Karmada control plane on the parent."""

    etcd_replicas: int = Field(default=3, ge=1, le=7, description="etcd members; odd so a quorum survives failures")
    etcd_volume_gib: int = Field(
        default=20, ge=1,
        description="gp3 volume size per etcd member (GiB), raised to what the member count's profile needs",
    )
    apiserver_replicas: int = Field(
        default=2, ge=2, le=10, description="karmada-apiserver replicas (spread over zones)"
    )
    image_registries: ImageRegistries = Field(default_factory=ImageRegistries)
    components: KarmadaComponents = Field(default_factory=KarmadaComponents)
    etcd_backup: EtcdBackupConfig = Field(default_factory=EtcdBackupConfig)
    retain_etcd_volumes: bool = Field(
        default=False,
        description="false: `make destroy` deletes etcd's EBS volumes (the Karmada API's state) with the parent, "
        "and waits until they are gone. true: the volumes and their KMS key outlive the stack, detached, "
        "for a later restore or forensics; they keep costing until you delete them (docs/uninstall.md). "
        "Either way the S3 etcd snapshots are kept",
    )

    @field_validator("etcd_replicas")
    @classmethod
    def _odd(cls, v: int) -> int:
        if v % 2 == 0:
            raise ValueError(
                f"{v} etcd replicas tolerate no more failures than {v - 1}; use an odd number such as 3 or 5"
            )
        return v


# str + Enum, not StrEnum (UP042): StrEnum changes str() and format() of a member from "MemberKind.new" to "new".
class MemberKind(str, Enum):  # noqa: UP042
    """How a member cluster comes to exist: created here, an existing EKS cluster, or any other cluster."""

    new = "new"
    existing = "existing"
    external = "external"


class SyncMode(str, Enum):  # noqa: UP042 (str + Enum kept, as for MemberKind)
    """How Karmada reaches a member: Push (Karmada dials it) or Pull (karmada-agent in the member dials Karmada)."""

    push = "Push"
    pull = "Pull"


class MemberConfig(_Model):
    """A member cluster Karmada schedules workloads to."""

    name: str = Field(description="Karmada cluster name (DNS label, unique)")
    kind: MemberKind = Field(
        default=MemberKind.new,
        description="new: created here; existing: EKS cluster imported by name; external: any cluster (Pull mode)",
    )
    region: Region | None = Field(default=None, description="AWS region (required for new and existing)")
    account: AccountId | None = Field(default=None, description="AWS account id; default: the parent's")
    sync_mode: SyncMode = Field(
        default=SyncMode.push, description="Push (Karmada dials the member) or Pull (karmada-agent in the member)"
    )
    cluster_name: str | None = Field(
        default=None, description="EKS cluster name; default karmada-<name> (required for existing)"
    )
    availability_zones: list[str] = Field(
        default=[], description="new: two or three AZs of the region; default <region>a,b,c"
    )
    vpc_cidr: Cidr = Field(default="10.1.0.0/16", description="new: VPC CIDR block")
    nat_gateways: int = Field(
        default=1, ge=1, le=3, description="new: NAT gateways (1 keeps cost down; one per AZ for zone independence)"
    )
    node_group: NodeGroupConfig = Field(
        default_factory=lambda: NodeGroupConfig(min_size=2, desired_size=2, max_size=6),
    )
    endpoint: ClusterEndpointConfig = Field(default_factory=ClusterEndpointConfig)
    existing_vpc: ExistingVpcConfig | None = Field(
        default=None, description="new: use this VPC and its subnets instead of creating one (then vpc_cidr must be "
        "its CIDR, and nat_gateways does not apply)",
    )
    labels: dict[str, str] = Field(default={}, description="Extra labels on the Karmada Cluster object")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _DNS_LABEL.match(v):
            raise ValueError(f"'{v}' is not a DNS label; use 1-32 lower-case letters, digits and '-'")
        return v

    @model_validator(mode="after")
    def _by_kind(self) -> MemberConfig:
        if self.kind is not MemberKind.external and self.region is None:
            article = "an" if self.kind is MemberKind.existing else "a"
            raise ValueError(f"region: {article} {self.kind.value} member needs a region; add region: <aws-region>")
        if self.kind is MemberKind.existing and self.cluster_name is None:
            raise ValueError("cluster_name: an existing member needs it; add the EKS cluster name to import")
        if self.kind is MemberKind.external and self.sync_mode is not SyncMode.pull:
            raise ValueError("sync_mode: an external member can only use Pull; set sync_mode: Pull")
        if self.kind is MemberKind.new and self.availability_zones:
            count = len(self.availability_zones)
            if count not in (2, 3):
                raise ValueError(
                    f"availability_zones: needs two or three zones, got {count}; list two or three AZ names"
                )
            _azs_in_region(self.availability_zones, self.region or "", count)
        if self.existing_vpc is not None:
            if self.kind is not MemberKind.new:
                raise ValueError(f"existing_vpc: has no effect on an {self.kind.value} member (its cluster already "
                                 "has a network); remove it")
            self.existing_vpc.check_zones(self.zones)
            _no_effect_with_existing_vpc(self, ("nat_gateways",))
            if "vpc_cidr" not in self.model_fields_set:
                raise ValueError(f"vpc_cidr: set it to the CIDR of {self.existing_vpc.vpc_id}")
        return self

    @property
    def eks_cluster_name(self) -> str:
        return self.cluster_name or f"karmada-{self.name}"

    @property
    def zones(self) -> list[str]:
        return self.availability_zones or [f"{self.region}{s}" for s in "abc"]


class SampleWorkloadConfig(_Model):
    """The nginx sample propagated across members."""

    enabled: bool = Field(default=True, description="Deploy the sample after registration")
    replicas: int = Field(default=4, ge=1, description="Total replicas, split evenly across members")
    not_ready_toleration_seconds: int = Field(
        default=300, ge=0, le=86400,
        description="How long the sample stays on a NotReady or unreachable member before its replicas move "
        "(a brief control-plane network loss then evicts nothing; 0 moves them at once)",
    )


class AppConfig(_Model):
    """The whole deployment."""

    versions: Versions = Field(default_factory=Versions)
    parent: ParentConfig = Field(default_factory=ParentConfig)
    api_endpoint: ApiEndpointConfig = Field(default_factory=ApiEndpointConfig)
    karmada: KarmadaConfig = Field(default_factory=KarmadaConfig)
    members: list[MemberConfig] = Field(default=[], description="Member clusters")
    sample_workload: SampleWorkloadConfig = Field(default_factory=SampleWorkloadConfig)

    @model_validator(mode="after")
    def _unique_members(self) -> AppConfig:
        seen: set[str] = set()
        for index, member in enumerate(self.members):
            if member.name in seen:
                raise ValueError(
                    f"members[{index}].name: duplicate member name '{member.name}'; give each member a unique name"
                )
            seen.add(member.name)
            existing_parent_vpc = self.parent.existing_vpc
            if member.kind is MemberKind.new and existing_parent_vpc and not existing_parent_vpc.egress_cidrs:
                raise ValueError(
                    f"parent.existing_vpc.egress_cidrs: new member {member.name}'s EKS endpoint admits the parent's "
                    "outbound addresses; list the public IPs of the VPC's NAT gateways as /32s"
                )
            if member.sync_mode is SyncMode.pull and self.api_endpoint.scheme == "internal":
                raise ValueError(
                    f"members[{index}].sync_mode: a Pull member's agent dials the Karmada API from its own network; "
                    "set api_endpoint.scheme: internet-facing and admit the member in api_endpoint.allowed_cidrs"
                )
        parent_vpc = self.parent.existing_vpc
        if parent_vpc and self.api_endpoint.scheme == "internet-facing" and not parent_vpc.public_subnet_ids:
            raise ValueError("parent.existing_vpc.public_subnet_ids: an internet-facing Karmada API load balancer "
                             "needs public subnets; list one per zone or set api_endpoint.scheme: internal")
        return self

    def warnings(self) -> list[str]:
        """Settings that are valid but deserve a loud note at synth."""
        notes = []
        if "0.0.0.0/0" in self.api_endpoint.allowed_cidrs:
            notes.append("api_endpoint.allowed_cidrs admits 0.0.0.0/0: the Karmada API is open to the internet")
        for where, endpoint in [("parent", self.parent.endpoint)] + [
            (f"members.{m.name}", m.endpoint) for m in self.members
        ]:
            if "0.0.0.0/0" in endpoint.public_cidrs:
                notes.append(f"{where}.endpoint.public_cidrs admits 0.0.0.0/0: the EKS API is open to the internet")
        return notes


def _location(loc: tuple[Any, ...]) -> str:
    """('members', 1, 'name') -> 'members[1].name'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part:
            out += ("." if out else "") + str(part)
    return out


def _format_error(error: ErrorDetails) -> str:
    where = _location(error["loc"])
    kind = error["type"]
    message = error["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        return f"{where}: unknown key; remove it or fix its spelling (see docs/configuration.md)"
    if kind == "missing":
        return f"{where}: required field is missing; add it"
    if kind in ("value_error", "assertion_error"):
        # Our own messages already name the fix; model-level ones may name a sub-field.
        sub = re.match(r"^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+)*): ", message)
        if sub and where:
            return f"{where}.{message}"
        return f"{where}: {message}" if where else message
    given = error.get("input")
    shown = f" (got {given!r})" if not isinstance(given, dict | list) else ""
    return f"{where}: {message[0].lower() + message[1:]}{shown}; fix the value in the file"


def parse_config(data: Any, source: str = "config") -> AppConfig:
    """Validate already-loaded YAML data; raise ConfigError with one line."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the file must hold a YAML mapping of settings, got {type(data).__name__}")
    try:
        return AppConfig.model_validate(data)
    except ValidationError as err:
        errors = err.errors()
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(f"{source}: {_format_error(errors[0])}{more}") from None


def load_config(path: str | Path | None = None) -> AppConfig:
    """Read and validate a config file (default: config/default.yaml)."""
    path = Path(path) if path else DEFAULT_CONFIG_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(
            f"{path}: cannot read the config file ({err.strerror}); check the path given as CONFIG or -c config"
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{line}; fix the syntax") from None
    return parse_config(data, str(path))
