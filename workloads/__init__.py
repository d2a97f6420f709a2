"""The product's own workloads, applied to the Karmada API after every member is registered.

Each entry of WORKLOADS is a function `(app: cdk8s.App, config: AppConfig) -> cdk8s.Chart | None`
that builds one chart (Kubernetes objects and Karmada policies, see docs/policies.md); the
KarmadaWorkloads stack applies each chart through its own KarmadaManifest. WORKLOADS holds the
sample only: keep your own workloads in your own package, with its own WORKLOADS list of the same
functions, and name it in the config (`workloads.modules`), so that upgrading eks-karmada never
touches them (eks_karmada/workload_sources.py loads them).

Every object is checked at synth (eks_karmada/manifest_checks.py): a missing apiVersion, kind or
name, a name that is not DNS-1123, a namespace on a cluster-scoped kind, or a Secret with data
(secrets never go into templates) stops synth with one line naming the object and the field, as
does a policy the typed builders refuse (charts/policies, PolicyError). Then the workloads are
checked against the config and each other (eks_karmada/workload_checks.py): clusters that are
members, namespaces that exist, selectors that select, no object defined twice.
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
