"""One worked call of every preset, with concrete clusters and regions.

docs/policies.md shows the YAML each example renders (a test keeps the two in sync), and the preset snapshot
tests use the same calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import yaml

from . import presets, traffic
from .policy_base import KarmadaPolicy
from .selectors import ClusterAffinity, ResourceSelector

# The two members of config/default.yaml, in two regions (tests/docs check the names against it).
MEMBER_WEST = "member-usw2"
MEMBER_EAST = "member-use1"
ACCOUNT_ID = "123456789012"

_WEB_APP = (
    ResourceSelector(api_version="apps/v1", kind="Deployment", name="web"),
    ResourceSelector(api_version="v1", kind="Service", name="web"),
)


def _active_active() -> Sequence[KarmadaPolicy]:
    return [
        presets.active_active(
            "web-active-active",
            resource_selectors=_WEB_APP,
            target_clusters=ClusterAffinity(cluster_names=(MEMBER_WEST, MEMBER_EAST)),
        )
    ]


def _weighted_split() -> Sequence[KarmadaPolicy]:
    return [
        presets.weighted_split(
            "web-weighted", resource_selectors=_WEB_APP, weight_by_cluster={MEMBER_WEST: 3, MEMBER_EAST: 1}
        )
    ]


def _dynamic_split() -> Sequence[KarmadaPolicy]:
    return [presets.dynamic_split("web-dynamic", resource_selectors=_WEB_APP)]


def _aggregated_split() -> Sequence[KarmadaPolicy]:
    return [presets.aggregated_split("web-aggregated", resource_selectors=_WEB_APP)]


def _remote_disaster_recovery() -> Sequence[KarmadaPolicy]:
    return [
        presets.remote_disaster_recovery(
            "web-dr",
            resource_selectors=_WEB_APP,
            primary_clusters=(MEMBER_WEST,),
            backup_clusters=(MEMBER_EAST,),
        )
    ]


def _geo_redundant_spread() -> Sequence[KarmadaPolicy]:
    return [presets.geo_redundant_spread("web-geo", resource_selectors=_WEB_APP)]


def _clusters_by_attributes() -> Sequence[KarmadaPolicy]:
    return [
        presets.clusters_by_attributes(
            "web-prod-aws-us",
            resource_selectors=_WEB_APP,
            match_labels={"environment": "production"},
            providers=("aws",),
            regions=("us-west-2", "us-east-1"),
        )
    ]


def _regional_image_registries() -> Sequence[KarmadaPolicy]:
    return [
        presets.regional_image_registries(
            "web-regional-registries",
            resource_selectors=_WEB_APP[:1],
            registry_by_region={
                region: presets.ecr_registry(ACCOUNT_ID, region) for region in ("us-west-2", "us-east-1")
            },
        )
    ]


def _cluster_failover_taint_policies() -> Sequence[KarmadaPolicy]:
    return list(presets.cluster_failover_taint_policies())


_WEB_MEMBERS = (traffic.TrafficMember(MEMBER_WEST, "us-west-2"), traffic.TrafficMember(MEMBER_EAST, "us-east-1"))


def _public_entry_point() -> Sequence[KarmadaPolicy]:
    return traffic.public_entry_point("web", members=_WEB_MEMBERS, domain="apps.example.com").policies


def _public_entry_point_remote_dr() -> Sequence[KarmadaPolicy]:
    return traffic.public_entry_point(
        "web", members=_WEB_MEMBERS, domain="apps.example.com", mode=traffic.RoutingMode.REMOTE_DR, primary=MEMBER_WEST
    ).policies


def _cross_member_service() -> Sequence[KarmadaPolicy]:
    return [
        traffic.cross_member_service(
            "web",
            providers=(MEMBER_WEST,),
            consumers=(MEMBER_EAST,),
            ports=(traffic.CrossMemberPort(name="http", port=80, target_port=8080),),
            open_ports=(8080,),
        )
    ]


PRESET_EXAMPLES: dict[str, Callable[[], Sequence[KarmadaPolicy]]] = {
    "active-active": _active_active,
    "weighted-split": _weighted_split,
    "dynamic-split": _dynamic_split,
    "aggregated-split": _aggregated_split,
    "remote-disaster-recovery": _remote_disaster_recovery,
    "geo-redundant-spread": _geo_redundant_spread,
    "clusters-by-attributes": _clusters_by_attributes,
    "regional-image-registries": _regional_image_registries,
    "cluster-failover-taint-policies": _cluster_failover_taint_policies,
    "public-entry-point": _public_entry_point,
    "public-entry-point-remote-dr": _public_entry_point_remote_dr,
    "cross-member-service": _cross_member_service,
}
"""Example name -> the policies it builds."""


def render_yaml(policies: Sequence[KarmadaPolicy]) -> str:
    """The policies as a multi-document YAML stream, keys in API order."""
    return yaml.safe_dump_all([policy.to_manifest() for policy in policies], sort_keys=False)
