"""KarmadaWorkloads: the sample and your own workloads, propagated by Karmada."""

from __future__ import annotations

import cdk8s
from aws_cdk import Stack
from constructs import Construct

from eks_karmada.config import AppConfig
from karmada_constructs.karmada_manifest import KarmadaManifest, KarmadaManifestProps
from stacks.naming import parent_environment
from stacks.parent_stack import KarmadaParentStack


class KarmadaWorkloadsStack(Stack):
    """Applies each workload chart to the Karmada API.

    Applies each workload chart (workloads/__init__.py: the nginx sample and yours) to the Karmada API through its own
    KarmadaManifest, after every registration so the scheduler sees all members at once.
    """

    def __init__(self, scope: Construct, id: str, *, config: AppConfig, parent: KarmadaParentStack,
                 charts: list[cdk8s.Chart], registrations: list[Stack], **kwargs) -> None:
        super().__init__(
            scope,
            id,
            env=parent_environment(config),
            description="eks-karmada: workloads propagated by Karmada",
            **kwargs,
        )
        for chart in charts:
            KarmadaManifest(self, chart.node.id, KarmadaManifestProps(
                provider=parent.karmada_manifests, manifest=chart.to_json(), overwrite=True))
        for registration in registrations:
            self.add_stack_dependency(registration, "workloads are scheduled once every member is registered")
