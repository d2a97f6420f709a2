"""Metrics collection into Amazon Managed Service for Prometheus (Kubernetes objects only, no AWS).

Parent cluster:  ``ParentMetricsCollectorChart`` scrapes every Karmada component, etcd and cert-manager
                 (``parent_scrape_jobs``); ``metrics_reader_rbac`` is what its identity may do in the
                 Karmada API.
Pull members:    ``AgentMetricsCollectorChart`` scrapes karmada-agent (``agent_scrape_job``).
The job names are the ``job`` labels the alarms and dashboards select on (scrape_targets.py).
"""

from charts.metrics_collector.charts import AgentMetricsCollectorChart, ParentMetricsCollectorChart
from charts.metrics_collector.manifests import CLIENT_USER, SERVICE_ACCOUNT, metrics_reader_rbac
from charts.metrics_collector.props import (
    COLLECTOR,
    DEFAULT_COLLECTOR_IMAGE,
    CollectorPropsError,
    MetricsCollectorProps,
)
from charts.metrics_collector.scrape_targets import (
    CLUSTER_LABEL,
    MEMBER_LABEL,
    Auth,
    ScrapeJob,
    agent_scrape_job,
    job_names,
    parent_scrape_jobs,
)

__all__ = [
    "CLIENT_USER",
    "CLUSTER_LABEL",
    "COLLECTOR",
    "DEFAULT_COLLECTOR_IMAGE",
    "MEMBER_LABEL",
    "SERVICE_ACCOUNT",
    "AgentMetricsCollectorChart",
    "Auth",
    "CollectorPropsError",
    "MetricsCollectorProps",
    "ParentMetricsCollectorChart",
    "ScrapeJob",
    "agent_scrape_job",
    "job_names",
    "metrics_reader_rbac",
    "parent_scrape_jobs",
]
