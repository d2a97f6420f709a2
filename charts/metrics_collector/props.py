"""Typed, validated inputs of the metrics collector charts (Kubernetes only: no AWS here).

The remote-write URL and the region are opaque strings (CDK tokens at synth time, shown as
placeholders in cdk.out/manifests): the collector reads them from env vars, so its ConfigMap, and
the checksum that rolls its pod, stay the same from synth to synth.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from charts.images import is_pinned
from charts.karmada.props import Resources
from charts.metrics_collector.scrape_targets import ScrapeJob

COLLECTOR = "karmada-metrics-collector"  # Deployment, ServiceAccount, ConfigMap, app.kubernetes.io/name
# AWS Distro for OpenTelemetry collector (its Prometheus receiver, sigv4auth extension and
# Prometheus remote-write exporter), pinned.
DEFAULT_COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


class CollectorPropsError(ValueError):
    """A collector input that cannot be rendered; the message names the field and the fix."""


@dataclass(frozen=True, kw_only=True)
class MetricsCollectorProps:
    """Properties of `ParentMetricsCollectorChart` and `AgentMetricsCollectorChart`."""

    jobs: Sequence[ScrapeJob]
    """What it scrapes (charts/metrics_collector/scrape_targets.py)."""
    remote_write_url: str
    """The AMP workspace's remote-write URL (a placeholder at synth time)."""
    region: str
    """The workspace's region, which requests are signed for (a placeholder at synth time)."""
    external_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels added to every series (``cluster`` on the parent, ``member`` on members). Default: none."""
    namespace: str = "karmada-system"
    """Where the collector runs. Default: karmada-system."""
    scrape_interval_seconds: int = 30
    """Seconds between two scrapes of a target. Default: 30."""
    image: str = DEFAULT_COLLECTOR_IMAGE
    """The pinned collector image. Default: DEFAULT_COLLECTOR_IMAGE."""
    image_pull_policy: str = "IfNotPresent"
    """Its pull policy. Default: IfNotPresent."""
    priority_class_name: str | None = None
    """Its pods' PriorityClass. Default: none."""
    resources: Resources = Resources(cpu_request="100m", memory_request="256Mi", memory_limit="512Mi")
    """Requests and limits of the collector. Default: 100m CPU, 256Mi memory, 512Mi limit."""

    def __post_init__(self) -> None:
        if not self.jobs:
            raise CollectorPropsError("jobs: a collector needs at least one scrape job")
        if not 10 <= self.scrape_interval_seconds <= 300:
            raise CollectorPropsError(
                f"scrape_interval_seconds: {self.scrape_interval_seconds} is outside 10..300; pick a value in it")
        if not is_pinned(self.image):
            raise CollectorPropsError(f"image: {self.image!r} is not pinned; give a version tag or a digest")
        for label in self.external_labels:
            if not _LABEL_NAME.match(label):
                raise CollectorPropsError(f"external_labels: {label!r} is not a Prometheus label name")
        jobs = [j.job for j in self.jobs]
        if len(set(jobs)) != len(jobs):
            raise CollectorPropsError(f"jobs: job names repeat in {jobs}; each job label must be unique")

    @property
    def scrape_timeout_seconds(self) -> int:
        """A scrape ends before the next one starts."""
        return min(10, self.scrape_interval_seconds)
