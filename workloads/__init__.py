"""Your workloads and policies, applied to the Karmada API after every member is registered.

Each entry of WORKLOADS is a function `(app: cdk8s.App, config: AppConfig) -> cdk8s.Chart | None`
that builds one chart (Kubernetes objects and Karmada policies, see docs/policies.md); the
KarmadaWorkloads stack applies each chart through its own KarmadaManifest. To add yours, write a
module next to sample.py and append its function here.
"""

from __future__ import annotations

from collections.abc import Callable

import cdk8s

from eks_karmada.config import AppConfig
from workloads.sample import sample_workload

Workload = Callable[[cdk8s.App, AppConfig], "cdk8s.Chart | None"]

WORKLOADS: list[Workload] = [
    sample_workload,
]
