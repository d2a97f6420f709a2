"""Components rendered only when their props flag is set."""

from charts.karmada.optional.descheduler import KarmadaDescheduler, descheduler_manifests
from charts.karmada.optional.metrics_adapter import (
    METRICS_ADAPTER_API_VERSIONS,
    KarmadaMetricsAdapter,
    metrics_adapter_manifests,
)
from charts.karmada.optional.scheduler_estimator import KarmadaSchedulerEstimators, scheduler_estimator_manifests
from charts.karmada.optional.search import SEARCH_API_VERSIONS, KarmadaSearch, search_manifests

__all__ = [
    "METRICS_ADAPTER_API_VERSIONS",
    "SEARCH_API_VERSIONS",
    "KarmadaDescheduler",
    "KarmadaMetricsAdapter",
    "KarmadaSchedulerEstimators",
    "KarmadaSearch",
    "descheduler_manifests",
    "metrics_adapter_manifests",
    "scheduler_estimator_manifests",
    "search_manifests",
]
