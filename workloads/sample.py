"""The product's sample: nginx split with equal weights across the sample's members (config sample_workload).

With traffic.enabled it is published at sample.<traffic.domain> and called across members
(charts/policies/sample_traffic.py).
"""

from __future__ import annotations

import cdk8s

from charts.policies import SampleWorkloadChart
from charts.policies.sample import DEFAULT_IMAGE
from charts.policies.sample_traffic import CLIENT_IMAGE, SampleTraffic
from charts.policies.traffic import HealthCheck, TrafficMember
from eks_karmada.config import AppConfig, Interconnect
from eks_karmada.mirrors import mirror_for


def sample_workload(app: cdk8s.App, config: AppConfig) -> cdk8s.Chart | None:
    """The sample chart, or None when it is off or has no member to go to (every `new` member by default)."""
    sample = config.sample_workload
    members = config.sample_members()
    if not sample.enabled or not members:
        return None
    return SampleWorkloadChart(
        app, "sample-workload", member_names=members, namespace=sample.namespace, replicas=sample.replicas,
        not_ready_toleration_seconds=sample.not_ready_toleration_seconds,
        image=mirror_for(config, config.parent.region).image(DEFAULT_IMAGE),
        traffic=sample_traffic(config, members),
    )


def sample_traffic(config: AppConfig, members: list[str]) -> SampleTraffic | None:
    """The traffic section as the sample takes it, or None when traffic is off."""
    traffic = config.traffic
    if not traffic.enabled or traffic.domain is None:
        return None
    regions = {member.name: member.region for member in config.members}
    connected = traffic.interconnect is not Interconnect.none
    return SampleTraffic(
        domain=traffic.domain,
        members=[TrafficMember(name, str(regions[name])) for name in members],
        health_check=HealthCheck(
            interval_seconds=traffic.health_check_interval_seconds, unhealthy_threshold=traffic.unhealthy_threshold
        ),
        open_ports=list(traffic.cross_member_ports) if connected else None,
        client_image=mirror_for(config, config.parent.region).image(CLIENT_IMAGE),
    )
