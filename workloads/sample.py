"""The product's sample: nginx split with equal weights across the sample's members (config sample_workload)."""

from __future__ import annotations

import cdk8s

from charts.policies import SampleWorkloadChart
from charts.policies.sample import DEFAULT_IMAGE
from eks_karmada.config import AppConfig
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
    )
