"""Grafana dashboards as code: fleet health, the control plane, backups.

``python -m observability`` writes them to dashboards/*.json (tests/observability checks the files
are current). Each dashboard takes its data sources as variables (``datasource``: the AMP workspace's
Prometheus data source; ``cloudwatch`` and ``cluster`` on the backups dashboard), so one file
imports into any Grafana.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from observability import promql as q
from observability.cloudwatch import BACKUP_METRIC_DIMENSION, BACKUP_METRIC_NAME, BACKUP_METRIC_NAMESPACE
from observability.metrics import APISERVER, CERT_MANAGER, ETCD
from observability.rules import LONG_RUNNING_VERBS

PROMETHEUS = {"type": "prometheus", "uid": "${datasource}"}
CLOUDWATCH = {"type": "cloudwatch", "uid": "${cloudwatch}"}
_WIDTH, _HEIGHT = 12, 8


@dataclass(frozen=True)
class Query:
    """One PromQL target of a panel."""

    expr: q.Expr
    legend: str = ""


@dataclass(frozen=True)
class CloudWatchQuery:
    """One CloudWatch metric target of a panel."""

    namespace: str
    metric: str
    dimensions: dict[str, str]
    statistic: str = "Sum"
    period_seconds: int = 3600


@dataclass(frozen=True)
class Panel:
    """A time series (or stat) panel."""

    title: str
    queries: tuple[Query | CloudWatchQuery, ...]
    unit: str = "short"
    kind: str = "timeseries"
    description: str = ""

    def render(self, panel_id: int, x: int, y: int) -> dict[str, Any]:
        cloudwatch = any(isinstance(t, CloudWatchQuery) for t in self.queries)
        return {
            "id": panel_id,
            "type": self.kind,
            "title": self.title,
            "description": self.description,
            "datasource": CLOUDWATCH if cloudwatch else PROMETHEUS,
            "gridPos": {"h": _HEIGHT, "w": _WIDTH, "x": x, "y": y},
            "fieldConfig": {"defaults": {"unit": self.unit}, "overrides": []},
            "options": {"legend": {"displayMode": "table", "placement": "bottom"}} if self.kind == "timeseries" else {},
            "targets": [_target(t, chr(ord("A") + i)) for i, t in enumerate(self.queries)],
        }


def _target(target: Query | CloudWatchQuery, ref: str) -> dict[str, Any]:
    if isinstance(target, Query):
        return {"refId": ref, "datasource": PROMETHEUS, "expr": target.expr.text, "legendFormat": target.legend}
    return {
        "refId": ref,
        "datasource": CLOUDWATCH,
        "queryMode": "Metrics",
        "region": "default",
        "namespace": target.namespace,
        "metricName": target.metric,
        "dimensions": target.dimensions,
        "statistic": target.statistic,
        "period": str(target.period_seconds),
    }


@dataclass(frozen=True)
class Dashboard:
    """A dashboard: panels laid out two per row."""

    uid: str
    title: str
    panels: tuple[Panel, ...]
    variables: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @property
    def metrics(self) -> frozenset[str]:
        return frozenset(name for panel in self.panels for target in panel.queries if isinstance(target, Query)
                         for name in target.expr.metrics)

    def render(self) -> dict[str, Any]:
        panels = [panel.render(i + 1, (i % 2) * _WIDTH, (i // 2) * _HEIGHT) for i, panel in enumerate(self.panels)]
        return {
            "uid": self.uid,
            "title": self.title,
            "tags": ["eks-karmada", "karmada"],
            "timezone": "utc",
            "editable": True,
            "schemaVersion": 39,
            "refresh": "1m",
            "time": {"from": "now-6h", "to": "now"},
            "templating": {"list": [_datasource_variable("datasource", "prometheus", "Prometheus (AMP)"),
                                    *self.variables]},
            "annotations": {"list": []},
            "panels": panels,
        }

    def to_json(self) -> str:
        return json.dumps(self.render(), indent=2, sort_keys=False) + "\n"


def _datasource_variable(name: str, kind: str, label: str) -> dict[str, Any]:
    return {"name": name, "label": label, "type": "datasource", "query": kind, "hide": 0, "current": {}}


def _p(quantile: float, histogram: str, *by: str, labels: dict[str, q.Matcher] | None = None) -> q.Expr:
    """The quantile of a histogram over 5 minutes, per ``by``."""
    buckets = q.series(f"{histogram}_bucket", **(labels or {}))
    return q.histogram_quantile(quantile, q.sum_(q.rate(buckets, "5m"), "le", *by))


def fleet_health() -> Dashboard:
    ready = q.series("cluster_ready_state")
    return Dashboard(uid="eks-karmada-fleet", title="Karmada fleet health", panels=(
        Panel("Members Ready", (Query(q.sum_(q.max_(ready, "member_cluster")), "Ready"),
                                Query(q.count(q.max_(ready, "member_cluster")), "registered")),
              kind="stat", description="Members whose Ready condition is True, of those reporting"),
        Panel("Ready state per member", (Query(q.max_(ready, "member_cluster"), "{{member_cluster}}"),),
              description="1 Ready, 0 NotReady; a line that stops is a member that stopped reporting"),
        Panel("Ready nodes per member", (Query(q.max_(q.series("cluster_ready_node_number"), "member_cluster"),
                                               "{{member_cluster}}"),)),
        Panel("Pods per member", (Query(q.max_(q.series("cluster_pod_allocated_number"), "member_cluster"),
                                        "{{member_cluster}} allocated"),
                                  Query(q.max_(q.series("cluster_pod_allocatable_number"), "member_cluster"),
                                        "{{member_cluster}} allocatable"))),
        Panel("Resources created per member (1h)", (
            Query(q.sum_(q.increase(q.series("create_resource_to_cluster", result=q.eq("success")), "1h"),
                         "member_cluster"), "{{member_cluster}}"),
            Query(q.sum_(q.increase(q.series("create_resource_to_cluster", result=q.eq("error")), "1h"),
                         "member_cluster"), "{{member_cluster}} errors")),
              description="Push members (the karmada-controller-manager counts them; karmada-agent does not)"),
        Panel("Resources updated and deleted per member (1h)", (
            Query(q.sum_(q.increase(q.series("update_resource_to_cluster"), "1h"), "member_cluster", "result"),
                  "{{member_cluster}} update {{result}}"),
            Query(q.sum_(q.increase(q.series("delete_resource_from_cluster"), "1h"), "member_cluster", "result"),
                  "{{member_cluster}} delete {{result}}")),
              description="Push members (the karmada-controller-manager counts them; karmada-agent does not)"),
        Panel("Propagation latency (P99)", (
            Query(_p(0.99, "resource_match_policy_duration_seconds"), "match policy"),
            Query(_p(0.99, "binding_sync_work_duration_seconds"), "binding to Work"),
            Query(_p(0.99, "work_sync_workload_duration_seconds"), "Work to member")), unit="s"),
        Panel("Scheduling latency", (
            Query(_p(0.5, "karmada_scheduler_e2e_scheduling_duration_seconds", "schedule_type"),
                  "P50 {{schedule_type}}"),
            Query(_p(0.99, "karmada_scheduler_e2e_scheduling_duration_seconds", "schedule_type"),
                  "P99 {{schedule_type}}")), unit="s"),
        Panel("Scheduling attempts by result (5m rate)", (
            Query(q.sum_(q.rate(q.series("karmada_scheduler_schedule_attempts_total"), "5m"), "result"),
                  "{{result}}"),), unit="ops"),
        Panel("Policy applications by result (5m rate)", (
            Query(q.sum_(q.rate(q.series("policy_apply_attempts_total"), "5m"), "result"), "{{result}}"),),
              unit="ops"),
        Panel("Failover: evictions processed (1h)", (
            Query(q.sum_(q.increase(q.series("eviction_processing_total"), "1h"), "result"), "{{result}}"),),
              description="Workloads evicted from tainted members by the taint manager"),
        Panel("Failover: eviction queue", (
            Query(q.max_(q.series("eviction_queue_depth"), "name"), "queue {{name}}"),
            Query(q.sum_(q.series("eviction_kind_total"), "member_cluster", "resource_kind"),
                  "{{member_cluster}} {{resource_kind}}"))),
        Panel("Member status sync latency (P99)", (
            Query(_p(0.99, "cluster_sync_status_duration_seconds", "member_cluster"), "{{member_cluster}}"),),
              unit="s"),
    ))


def control_plane() -> Dashboard:
    api = {"job": q.eq(APISERVER)}
    short = {**api, "verb": q.not_regex(LONG_RUNNING_VERBS)}
    requests = q.series("apiserver_request_total", **api)
    errors = q.series("apiserver_request_total", **api, code=q.regex("5.."))
    size = q.series("etcd_mvcc_db_total_size_in_bytes", job=q.eq(ETCD))
    expiry = q.series("certmanager_certificate_expiration_timestamp_seconds", job=q.eq(CERT_MANAGER))
    return Dashboard(uid="eks-karmada-control-plane", title="Karmada control plane", panels=(
        Panel("karmada-apiserver requests by code (5m rate)", (
            Query(q.sum_(q.rate(requests, "5m"), "code"), "{{code}}"),), unit="reqps"),
        Panel("karmada-apiserver 5xx ratio", (
            Query(q.sum_(q.rate(errors, "5m")) / q.sum_(q.rate(requests, "5m")), "5xx / all"),), unit="percentunit"),
        Panel("karmada-apiserver latency by verb (P99, non-long-running)", (
            Query(_p(0.99, "apiserver_request_duration_seconds", "verb", labels=short), "{{verb}}"),), unit="s"),
        Panel("etcd database size and quota", (
            Query(q.max_(size, "instance"), "{{instance}}"),
            Query(q.max_(q.series("etcd_server_quota_backend_bytes", job=q.eq(ETCD))), "quota")), unit="bytes"),
        Panel("etcd leader changes (1h)", (
            Query(q.max_(q.increase(q.series("etcd_server_leader_changes_seen_total", job=q.eq(ETCD)), "1h"),
                         "instance"), "{{instance}}"),
            Query(q.min_(q.series("etcd_server_has_leader", job=q.eq(ETCD))), "has leader (min)"))),
        Panel("etcd WAL fsync latency (P99)", (
            Query(_p(0.99, "etcd_disk_wal_fsync_duration_seconds", "instance", labels={"job": q.eq(ETCD)}),
                  "{{instance}}"),),
              unit="s", description="Above 10 ms sustained: the volume is too slow for etcd"),
        Panel("Certificates: days to expiry", (
            Query(q.min_(expiry - q.time(), "namespace", "name") / 86400, "{{namespace}}/{{name}}"),),
              unit="d", kind="bargauge"),
        Panel("Client certificates presented with under 30 days left (1h)", (
            Query(q.sum_(q.increase(q.series("apiserver_client_certificate_expiration_seconds_bucket", **api,
                                             le=q.le(2592000)), "1h")), "requests"),),
              description="Agents or kubeconfigs holding a stale copy of a renewed certificate"),
    ))


def backups() -> Dashboard:
    uploads = CloudWatchQuery(BACKUP_METRIC_NAMESPACE, BACKUP_METRIC_NAME, {BACKUP_METRIC_DIMENSION: "$cluster"})
    cluster_variable = {"name": "cluster", "label": "Parent cluster", "type": "textbox", "query": "karmada-parent",
                        "hide": 0, "current": {"text": "karmada-parent", "value": "karmada-parent"}}
    return Dashboard(uid="eks-karmada-backups", title="Karmada etcd backups", panels=(
        Panel("Verified snapshots uploaded (per hour)", (uploads,),
              description="Published by the etcd-backup CronJob after each verified upload to S3"),
        Panel("etcd database size (what a snapshot holds)", (
            Query(q.max_(q.series("etcd_mvcc_db_total_size_in_bytes", job=q.eq(ETCD))), "largest member"),),
              unit="bytes"),
    ), variables=(_datasource_variable("cloudwatch", "cloudwatch", "CloudWatch"), cluster_variable))


def dashboards() -> dict[str, Dashboard]:
    """File name (in dashboards/) -> dashboard."""
    return {"fleet-health.json": fleet_health(), "control-plane.json": control_plane(), "backups.json": backups()}
