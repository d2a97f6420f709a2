"""The seed sample: nginx split with equal weights across every member (config sample_workload)."""

from __future__ import annotations

import cdk8s

from charts.policies import SampleWorkloadChart
from charts.policies.sample import DEFAULT_IMAGE
from eks_karmada.config import AppConfig
from eks_karmada.mirrors import mirror_for


def sample_workload(app: cdk8s.App, config: AppConfig) -> cdk8s.Chart | None:
    if not config.sample_workload.enabled or not config.members:
        return None
    sample = config.sample_workload
    return SampleWorkloadChart(
        app, "sample-workload", member_names=[m.name for m in config.members], replicas=sample.replicas,
        not_ready_toleration_seconds=sample.not_ready_toleration_seconds,
        image=mirror_for(config, config.parent.region).image(DEFAULT_IMAGE),
    )
