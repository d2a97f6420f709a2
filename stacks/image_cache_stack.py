"""KarmadaImageCache: the ECR pull-through cache of one account and region that clusters of the deployment pull in."""

from __future__ import annotations

from aws_cdk import CfnOutput, Environment, Stack
from constructs import Construct

from eks_karmada.config import AppConfig
from eks_karmada.image_cache import CacheSite, cached_upstreams
from karmada_constructs.image_pull_through_cache import (
    CachedRegistry,
    ImagePullThroughCache,
    ImagePullThroughCacheProps,
)


class KarmadaImageCacheStack(Stack):
    """Holds the pull-through cache rules of one registry (eks_karmada/image_cache.py says which clusters use it).

    Rules belong to the registry of an account and region, keyed by prefix, so the app makes one such stack per
    (account, region) the parent or a `new` member is in, and the cluster stacks there depend on it. It takes seconds
    to deploy and holds no cluster state.
    """

    def __init__(self, scope: Construct, id: str, *, config: AppConfig, site: CacheSite, **kwargs) -> None:
        super().__init__(
            scope,
            id,
            env=Environment(account=site.account, region=site.region),
            description="eks-karmada: ECR pull-through cache of the clusters' images in this account and region",
            **kwargs,
        )
        cache = config.mirrors.pull_through_cache
        self.cache = ImagePullThroughCache(self, "PullThroughCache", ImagePullThroughCacheProps(
            registries=[CachedRegistry(
                prefix=upstream.host, upstream_registry=upstream.upstream_registry, upstream_url=upstream.url,
                credential_secret_name=cache.docker_hub_secret if upstream.needs_credentials else None,
            ) for upstream in cached_upstreams(config)],
            keep_images=cache.keep_images,
        ))
        CfnOutput(self, "Registry", value=f"{self.account}.dkr.ecr.{self.region}.{self.url_suffix}",
                  description="The registry the clusters here pull <host>/<path>:<tag> from, as <registry>/<host>/...")
