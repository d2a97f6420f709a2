"""Mirrors for air-gapped deploys: where each image, Helm chart and the Karmada CRDs come from (docs/air-gap.md).

`Mirror` rewrites one cluster's references (its region fills `{region}` in the config's `mirrors`):

- an image `<host>/<path>:<tag>` becomes `<mirrors.images>/<host>/<path>:<tag>` (Docker Hub's short names are
  written out first: `nginx:1` is `docker.io/library/nginx:1`), so one ECR pull-through cache rule per upstream
  host, with the host as its prefix, serves them all;
- without `mirrors.images`, an image of a host the app's own pull-through cache serves (eks_karmada/image_cache.py)
  becomes `<account>.dkr.ecr.<region>.amazonaws.com/<host>/<path>:<tag>`, the cache of the cluster's own account and
  region; other images (aws-iam-authenticator's AWS-owned registry, docker.io without credentials) stay upstream;
- a Helm chart `<name>` becomes the OCI repository `<mirrors.helm_charts>/<name>`, at the pinned version;
- the CRDs come from `mirrors.crds` (s3:// or https://) instead of the Karmada GitHub release; every file in it is
  checked against the digests pinned for `versions.karmada` (eks_karmada/karmada_crd_digests.py).

With `images.digests` set, an image whose upstream reference `<host>/<path>:<tag>` has a digest there is written
`<reference>@sha256:...`, mirrored or not (a pull-through cache or a copy keeps the digest): the tag for people,
the digest for the runtime (eks_karmada/image_digests.py fills them in).

`artifacts(config)` lists every artifact a deploy fetches, with its mirror location:
`.venv/bin/python -m eks_karmada.mirrors [CONFIG]` prints it.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eks_karmada.bundled_node import use_bundled_node
from eks_karmada.config import (
    AppConfig,
    ConfigError,
    MemberConfig,
    MemberKind,
    PullThroughCacheConfig,
    SyncMode,
    load_config,
)
from eks_karmada.image_cache import CacheSite, cache_site, cache_sites, cached_upstreams

# aws_eks_v2's AlbController installs this chart from this repository.
LOAD_BALANCER_CONTROLLER_CHART = "aws-load-balancer-controller"
LOAD_BALANCER_CONTROLLER_REPOSITORY = "https://aws.github.io/eks-charts"
REGION = "{region}"


def _qualified(image: str) -> str:
    """`nginx:1` -> `docker.io/library/nginx:1`; references (or bare registries) with a host stay as they are."""
    first, slash, _ = image.partition("/")
    if "." in first.split(":")[0] or first.split(":")[0] == "localhost" or (slash and ":" in first):
        return image
    return f"docker.io/{image}" if slash else f"docker.io/library/{image}"


@dataclass(frozen=True, kw_only=True)
class Mirror:
    """The mirrors of one cluster's region; with nothing set, every reference stays upstream."""

    images: str | None = None
    """Registry prefix (`mirrors.images`), `{region}` already filled in. Default: none, upstream registries."""
    helm_charts: str | None = None
    """OCI path (`mirrors.helm_charts`), `{region}` already filled in. Default: none, upstream repositories."""

    digests: Mapping[str, str] = field(default_factory=dict)
    """Upstream reference `<host>/<path>:<tag>` -> `sha256:...` (`images.digests`). Default: none, by tag."""
    cache: str | None = None
    """The pull-through cache's registry (`<account>.dkr.ecr.<region>.amazonaws.com`); `images` wins over it.
    Default: none."""
    cached_hosts: frozenset[str] = frozenset()
    """The upstream hosts the cache serves (its rules' prefixes). Default: none."""

    def image(self, image: str) -> str:
        """An image reference (or a repository, or a registry path) as this cluster pulls it, digest included."""
        digest = self.digest(image)
        located = self.location(image)
        return f"{located}@{digest}" if digest else located

    def location(self, image: str) -> str:
        """Where this cluster pulls `image` from: the reference in the mirror or the cache (no digest added)."""
        qualified = _qualified(image)
        if self.images is not None:
            registry = self.images
        elif self.cache is not None and qualified.split("/")[0] in self.cached_hosts:
            registry = self.cache
        else:
            return image
        if image.startswith(registry + "/"):
            return image
        return f"{registry}/{qualified}"

    def digest(self, image: str) -> str | None:
        """The digest `images.digests` pins for the upstream reference `image`, if any.

        None for a reference that carries one already, a repository without tag, or an image not pinned.
        """
        if "@" in image:
            return None
        return self.digests.get(_qualified(image))

    def digests_by_location(self) -> dict[str, str]:
        """The pinned digests keyed by where this cluster pulls each image (for charts given mirrored registries)."""
        return {self.location(reference): digest for reference, digest in self.digests.items()}

    def chart_repository(self, chart: str, upstream: str) -> str:
        """The repository of Helm chart `chart`: `upstream`, or its OCI path in the mirror."""
        return self.mirrored_chart(chart) or upstream

    def mirrored_chart(self, chart: str) -> str | None:
        """The OCI path of Helm chart `chart` in the mirror; None without one."""
        return None if self.helm_charts is None else f"{self.helm_charts}/{chart}"


def mirror_for(config: AppConfig, region: str, cache: CacheSite | None = None,
               account_token: str | None = None) -> Mirror:
    """The mirrors for a cluster in `region`, pulling through `cache` (`image_cache.cache_site`) if given.

    `account_token` stands for an account the config does not name in the cache's registry (default: CDK's
    `AWS::AccountId` of the stack that uses the reference).
    """
    mirrors = config.mirrors
    return Mirror(
        images=mirrors.images.replace(REGION, region) if mirrors.images else None,
        helm_charts=mirrors.helm_charts.replace(REGION, region) if mirrors.helm_charts else None,
        digests=config.images.digests,
        cache=cache.registry(account_token) if cache else None,
        cached_hosts=frozenset(u.host for u in cached_upstreams(config)) if cache else frozenset(),
    )


def cluster_mirror(config: AppConfig, member: MemberConfig | None = None,
                   account_token: str | None = None) -> Mirror:
    """The mirrors of the parent (member None) or `member`, through its own account and region's cache if it has one.

    An external member without a region pulls through the parent region's mirror.
    """
    region = (member.region if member else None) or config.parent.region
    return mirror_for(config, region, cache_site(config, member), account_token)


@dataclass(frozen=True)
class Artifact:
    """One thing a deploy fetches: what it is, where from upstream, where from with the mirrors set."""

    kind: str
    """image, chart or crds."""
    upstream: str
    """Its upstream reference (`chart@version` for charts)."""
    mirrored: str
    """Its reference with the mirrors of the config (the same as upstream where no mirror is set)."""
    region: str
    """The region of the cluster (or handler) that fetches it."""


def _images_in(objects: list[Any]) -> set[str]:
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "image" and isinstance(value, str):
                    found.add(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(objects)
    return found


def _upstream_config(config: AppConfig) -> AppConfig:
    """The config without mirrors, cache or digests: every image as its tagged upstream reference."""
    mirrors = type(config.mirrors)(pull_through_cache=PullThroughCacheConfig(enabled=False))
    return config.model_copy(update={"mirrors": mirrors, "images": type(config.images)()})


def workload_images(config: AppConfig) -> set[str]:
    """The images of the workloads applied to the Karmada API (the sample), upstream.

    Karmada propagates them to members of any account and region, so they never name one cluster's pull-through
    cache; `mirrors.images` with `{region}` filled by the parent's region still applies.
    """
    import cdk8s

    from workloads import WORKLOADS

    app = cdk8s.App()
    upstream = _upstream_config(config)
    objects: list[Any] = []
    for workload in WORKLOADS:
        chart = workload(app, upstream)
        objects += chart.to_json() if chart else []
    return _images_in(objects)


def rendered_images(config: AppConfig) -> dict[str, set[str]]:
    """Every image the rendered Kubernetes objects name, upstream, by the region that pulls it."""
    import cdk8s

    from charts.etcd_backup.backup import EtcdBackupChart
    from charts.etcd_backup.cli import props_from_config
    from charts.external_dns import DEFAULT_IMAGE as EXTERNAL_DNS_IMAGE
    from charts.karmada import control_plane_charts
    from charts.karmada.props import CLUSTER_GUARD_IMAGE_PLACEHOLDER
    from charts.metrics_collector import DEFAULT_COLLECTOR_IMAGE
    from eks_karmada.chart_props import control_plane_props
    from eks_karmada.member_objects import member_chart
    from eks_karmada.stack_names import has_agent_metrics_stack

    upstream = _upstream_config(config)
    app = cdk8s.App()
    objects = [o for chart in control_plane_charts(app, control_plane_props(upstream, "nlb")) for o in chart.to_json()]
    if config.karmada.etcd_backup.enabled:
        objects += EtcdBackupChart(app, "backup", props_from_config(upstream, "bucket")).to_json()
    # Not the cluster guard's: the app's own image, built by `cdk deploy` into the CDK assets repository (or the
    # config's prebuilt one), so neither mirrored nor cached (docs/air-gap.md).
    own = {CLUSTER_GUARD_IMAGE_PLACEHOLDER}
    by_region = {config.parent.region: (_images_in(objects) - own) | workload_images(config)}
    if config.observability.enabled:
        # The parent's collector and each Pull member's (stacks/agent_metrics_stack.py) run this image.
        by_region[config.parent.region].add(DEFAULT_COLLECTOR_IMAGE)
    for member in config.members:
        if config.traffic.enabled and member.kind is MemberKind.new and member.region:
            # Each new member's ExternalDNS (stacks/member_stack.py).
            by_region.setdefault(member.region, set()).add(EXTERNAL_DNS_IMAGE)
        if member.sync_mode is SyncMode.pull and member.kind is not MemberKind.external and member.region:
            agent = member_chart(app, upstream, member, "https://member").to_json()
            by_region.setdefault(member.region, set()).update(_images_in(agent))
            if has_agent_metrics_stack(config, member):
                by_region[member.region].add(DEFAULT_COLLECTOR_IMAGE)
    return by_region


def artifacts(config: AppConfig) -> list[Artifact]:
    """Every image, chart and CRD tarball a deploy of `config` fetches, and where from with its mirrors."""
    from karmada_constructs.cert_manager import CHART, REPOSITORY, CertManagerImages
    from karmada_constructs.eks_cluster import load_balancer_controller_version
    from karmada_constructs.karmada_control_plane import crds_release_url

    found: list[Artifact] = []
    addons = config.parent.addons
    # Where a region has a cache (the parent's or a new member's), its clusters pull through it; the workloads'
    # images do not (workload_images). An account the config does not name is shown as ${AWS::AccountId}.
    caches = {site.region: site for site in reversed(cache_sites(config))}
    workloads = workload_images(config)

    def add_images(region: str, images: set[str]) -> None:
        cached = mirror_for(config, region, caches.get(region), account_token="${AWS::AccountId}")
        plain = mirror_for(config, region)
        found.extend(Artifact("image", image, (plain if image in workloads else cached).image(image), region)
                     for image in sorted(images))

    def add_chart(region: str, chart: str, repository: str, version: str) -> None:
        mirror = mirror_for(config, region)
        found.append(Artifact("chart", f"{repository} {chart}@{version}",
                              f"{mirror.chart_repository(chart, repository)}@{version}", region))

    parent_region = config.parent.region
    release = crds_release_url(config.versions.karmada)
    found.append(Artifact("crds", release, config.mirrors.crds or release, parent_region))
    for region, images in rendered_images(config).items():
        add_images(region, images)
    lb_chart_version = load_balancer_controller_version(addons.load_balancer_controller).helm_chart_version
    lb_regions = [parent_region] + [m.region for m in config.members if m.load_balancer_controller and m.region]
    for region in dict.fromkeys(lb_regions):
        add_chart(region, LOAD_BALANCER_CONTROLLER_CHART, LOAD_BALANCER_CONTROLLER_REPOSITORY, lb_chart_version)
        add_images(region, {f"{addons.load_balancer_controller_repository}:{addons.load_balancer_controller}"})
    add_chart(parent_region, CHART, REPOSITORY, addons.cert_manager)
    add_images(parent_region, set(CertManagerImages().references(addons.cert_manager).values()))
    if config.karmada.cluster_guard.image is None:
        # The Go image of the cluster guard's build: `cdk deploy` pulls it where it runs (never through a cache).
        go_image = config.karmada.cluster_guard.go_image
        found.append(Artifact("image", go_image, cluster_guard_go_image(config), parent_region))
    return found


def cluster_guard_go_image(config: AppConfig) -> str:
    """The Go image the cluster guard's image is built on, through `mirrors.images` and with its digest if pinned."""
    return mirror_for(config, config.parent.region).image(config.karmada.cluster_guard.go_image)


def main(argv: list[str]) -> int:
    """Print the artifacts of the config named in argv (default config/default.yaml), one per line."""
    try:
        config = load_config(argv[0] if argv else None)
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    use_bundled_node()  # jsii (cdk8s, aws-cdk-lib) must start the venv's supported Node
    for artifact in artifacts(config):
        print(f"{artifact.kind}\t{artifact.region}\t{artifact.upstream}\t{artifact.mirrored}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
