"""Which clusters pull through an ECR pull-through cache, and where the caches are (`mirrors.pull_through_cache`).

A pull-through cache rule belongs to a registry, one per account and region, and is keyed by its repository prefix:
each (account, region) that a cluster of the deployment pulls in has one `KarmadaImageCache` stack holding its rules
(stacks/image_cache_stack.py). The prefix is the upstream host, so `<host>/<path>:<tag>` is pulled as
`<account>.dkr.ecr.<region>.amazonaws.com/<host>/<path>:<tag>`, exactly as `mirrors.images` rewrites it.

Plain functions of the config, like eks_karmada/stack_names.py: no Node.js is started here.
"""

from __future__ import annotations

from dataclasses import dataclass

from eks_karmada.config import AppConfig, MemberConfig, MemberKind


@dataclass(frozen=True)
class CacheUpstream:
    """One upstream registry ECR can cache (AWS::ECR::PullThroughCacheRule)."""

    host: str
    """The registry's name in image references; also the ECR repository prefix of its cache."""
    upstream_registry: str
    """CloudFormation's UpstreamRegistry."""
    url: str
    """CloudFormation's UpstreamRegistryUrl (Docker Hub's API answers at registry-1.docker.io)."""
    needs_credentials: bool
    """ECR caches it only with a Secrets Manager secret of credentials."""


# The upstreams of this app's images that ECR supports (docs/air-gap.md lists each image): three without credentials,
# Docker Hub (the Karmada images) with them. aws-iam-authenticator's and the EKS add-ons' images are in AWS-owned
# private ECR registries already and stay there.
UPSTREAMS: tuple[CacheUpstream, ...] = (
    CacheUpstream("registry.k8s.io", "k8s", "registry.k8s.io", needs_credentials=False),
    CacheUpstream("quay.io", "quay", "quay.io", needs_credentials=False),
    CacheUpstream("public.ecr.aws", "ecr-public", "public.ecr.aws", needs_credentials=False),
    CacheUpstream("docker.io", "docker-hub", "registry-1.docker.io", needs_credentials=True),
)
DOCKER_HUB = "docker.io"


@dataclass(frozen=True)
class CacheSite:
    """One registry with a cache: an account (None: the deploying credentials' account) and a region."""

    account: str | None
    region: str

    def registry(self, account_token: str | None = None) -> str:
        """The registry host, `<account>.dkr.ecr.<region>.amazonaws.com`.

        An account the config does not name is `account_token`, by default CDK's `AWS::AccountId` of the stack
        that uses the string (the cluster's own stack, so each cluster pulls from its own account's registry).
        """
        account = self.account or account_token
        if account is None:
            from aws_cdk import Aws

            account = Aws.ACCOUNT_ID
        return f"{account}.dkr.ecr.{self.region}.amazonaws.com"


def cached_upstreams(config: AppConfig) -> tuple[CacheUpstream, ...]:
    """The upstreams the caches serve: none when the cache is off or `mirrors.images` (your mirror) is set."""
    cache = config.mirrors.pull_through_cache
    if not cache.enabled or config.mirrors.images is not None:
        return ()
    return tuple(u for u in UPSTREAMS if not u.needs_credentials or cache.docker_hub_secret)


def _account(config: AppConfig, member: MemberConfig | None) -> str | None:
    return (member.account if member else None) or config.parent.account


def cache_site(config: AppConfig, member: MemberConfig | None = None) -> CacheSite | None:
    """The cache the parent (member None) or `member` pulls through; None: it pulls upstream (or from the mirror).

    Only the clusters whose node roles this app makes (the parent, `new` members) can be granted the cache's
    permissions. (Every region the config accepts, eks_karmada/aws_regions.py, has repository creation templates.)
    """
    if not cached_upstreams(config):
        return None
    if member is not None and member.kind is not MemberKind.new:
        return None
    region = member.region if member else config.parent.region
    if not region:
        return None
    return CacheSite(_account(config, member), region)


def cache_sites(config: AppConfig) -> list[CacheSite]:
    """Every (account, region) with a cache, each once, the parent's first."""
    sites = [cache_site(config)] + [cache_site(config, member) for member in config.members]
    return list(dict.fromkeys(site for site in sites if site is not None))


def notes(config: AppConfig) -> list[str]:
    """What synth says about the caches: Docker Hub images pulled upstream."""
    if not cached_upstreams(config) or config.mirrors.pull_through_cache.docker_hub_secret is not None:
        return []
    return ["mirrors.pull_through_cache: docker.io images (Karmada's) are pulled from Docker Hub directly, "
                     "not through the ECR cache (ECR caches Docker Hub only with credentials); to cache them, store a "
                     "Docker Hub access token in a secret named ecr-pullthroughcache/<name> in each cache's account "
                     "and region and set mirrors.pull_through_cache.docker_hub_secret to that name"]
