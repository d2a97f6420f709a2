"""Every PromQL query of the fleet's alarms and dashboards, and the metric names they read.

Neither a chart nor a construct: ``rules`` builds the AMP alert rules from the config's thresholds,
``dashboards`` the Grafana dashboards, both from ``promql``'s typed builders over
``metrics.CATALOG``. ``metric_names()`` lists every exposed name a query reads, for the end-to-end
test that scrapes the pinned binaries.
"""

from __future__ import annotations

from observability.dashboards import dashboards
from observability.metrics import CATALOG, Metric
from observability.rules import AlertRule, AlertSettings, alert_rules, rule_groups_yaml


def query_metrics(settings: AlertSettings | None = None) -> dict[str, frozenset[str]]:
    """Each query (alert rule, dashboard panel target) -> the exposed metric names it reads."""
    found: dict[str, frozenset[str]] = {}
    for group, rules in alert_rules(settings or AlertSettings()).items():
        for index, rule in enumerate(rules):
            found[f"rule {group}/{rule.name}#{index}"] = rule.expr.metrics
    for file, dashboard in dashboards().items():
        for panel in dashboard.panels:
            for index, target in enumerate(panel.queries):
                metrics = getattr(getattr(target, "expr", None), "metrics", None)
                if metrics is not None:
                    found[f"dashboard {file}/{panel.title}#{index}"] = metrics
    return found


def metric_names(settings: AlertSettings | None = None) -> dict[str, Metric]:
    """Every exposed name the rules and dashboards read -> its family (jobs, upstream source)."""
    return {name: CATALOG[name] for names in query_metrics(settings).values() for name in sorted(names)}


def metrics_by_job(settings: AlertSettings | None = None) -> dict[str, set[str]]:
    """Job -> the exposed names the queries read that some target of that job must expose (any job of a family)."""
    by_job: dict[str, set[str]] = {}
    for name, family in metric_names(settings).items():
        for job in family.jobs:
            by_job.setdefault(job, set()).add(name)
    return by_job


__all__ = ["CATALOG", "AlertRule", "AlertSettings", "Metric", "alert_rules", "dashboards", "metric_names",
           "metrics_by_job", "query_metrics", "rule_groups_yaml"]
