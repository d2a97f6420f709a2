"""KarmadaSampleWorkload: the nginx sample propagated across the members."""

from __future__ import annotations

import cdk8s
from aws_cdk import Environment, Stack
from constructs import Construct

from charts.policies import SampleWorkloadChart
from eks_karmada.config import AppConfig
from karmada_constructs.karmada_manifest import KarmadaManifest
from stacks.parent_stack import KarmadaParentStack


class KarmadaSampleWorkloadStack(Stack):
    """Applies the sample (nginx Deployment and Service, and a PropagationPolicy
    splitting it with equal weights across the members) to the Karmada API,
    after every registration so the scheduler sees all members at once.
    """

    def __init__(self, scope: Construct, id: str, *, config: AppConfig, parent: KarmadaParentStack,
                 registrations: list[Stack], **kwargs) -> None:
        super().__init__(
            scope,
            id,
            env=Environment(account=config.parent.account, region=config.parent.region),
            description="eks-karmada: sample workload propagated by Karmada",
            **kwargs,
        )
        chart = SampleWorkloadChart(
            cdk8s.App(), "sample-workload", member_names=[m.name for m in config.members],
            replicas=config.sample_workload.replicas,
        )
        KarmadaManifest(self, "Sample", provider=parent.karmada_manifests, manifest=chart.to_json(), overwrite=True)
        for registration in registrations:
            self.add_dependency(registration)
