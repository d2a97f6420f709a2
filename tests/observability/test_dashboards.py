"""The Grafana dashboards: the files in dashboards/ are what the generator writes, and each panel is usable."""

from __future__ import annotations

import json

import pytest

from observability import CATALOG
from observability.dashboards import CloudWatchQuery, Query, dashboards
from tests.synth import ROOT

REGENERATE = "PYTHONPATH=. .venv/bin/python -m observability"


@pytest.mark.parametrize("name", sorted(dashboards()))
def test_the_file_is_what_the_generator_writes(name):
    path = ROOT / "dashboards" / name
    assert path.exists(), f"dashboards/{name} is missing; run: {REGENERATE}"
    assert path.read_text() == dashboards()[name].to_json(), f"dashboards/{name} is stale; run: {REGENERATE}"


def test_no_other_dashboard_files():
    assert sorted(p.name for p in (ROOT / "dashboards").glob("*.json")) == sorted(dashboards())


def test_each_dashboard_has_a_unique_uid_and_laid_out_panels():
    rendered = [json.loads(d.to_json()) for d in dashboards().values()]
    assert len({d["uid"] for d in rendered}) == len(rendered)
    for dashboard in rendered:
        variables = {v["name"] for v in dashboard["templating"]["list"]}
        assert "datasource" in variables
        positions = [(p["gridPos"]["x"], p["gridPos"]["y"]) for p in dashboard["panels"]]
        assert len(set(positions)) == len(positions)
        assert [p["id"] for p in dashboard["panels"]] == list(range(1, len(positions) + 1))
        for panel in dashboard["panels"]:
            assert panel["targets"], panel["title"]
            uid = panel["datasource"]["uid"].strip("${}")
            assert uid in variables, f"{panel['title']}: data source variable {uid} is not defined"


def test_the_dashboards_cover_what_the_issue_asks_for():
    titles = {name: " | ".join(p.title for p in d.panels).lower() for name, d in dashboards().items()}
    for word in ("members ready", "per member", "propagation", "scheduling", "failover", "eviction"):
        assert word in titles["fleet-health.json"], word
    for word in ("requests", "5xx", "latency", "etcd database size", "leader changes", "fsync", "expiry"):
        assert word in titles["control-plane.json"], word
    assert "snapshots uploaded" in titles["backups.json"]


def test_backup_panel_reads_the_metric_the_backup_publishes():
    from observability.cloudwatch import BACKUP_METRIC_NAME, BACKUP_METRIC_NAMESPACE

    targets = [t for p in dashboards()["backups.json"].panels for t in p.queries if isinstance(t, CloudWatchQuery)]
    assert [(t.namespace, t.metric) for t in targets] == [(BACKUP_METRIC_NAMESPACE, BACKUP_METRIC_NAME)]


def test_every_panel_query_reads_catalogued_metrics():
    for dashboard in dashboards().values():
        for panel in dashboard.panels:
            for target in panel.queries:
                if isinstance(target, Query):
                    assert target.expr.metrics and target.expr.metrics <= set(CATALOG), panel.title
