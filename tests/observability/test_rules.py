"""The alert rules: valid rule files, thresholds from the settings, catalogued metrics, runbooks that exist."""

from __future__ import annotations

import re

import pytest
import yaml

from eks_karmada.chart_props import alert_settings
from eks_karmada.config import AppConfig, load_config
from observability import CATALOG, AlertSettings, alert_rules, metric_names, query_metrics, rule_groups_yaml
from observability import promql as q
from observability.rules import RUNBOOK_DOC, bucket_at_least, latency_bucket
from tests.observability.runbooks import operations_anchors

DEFAULTS = AlertSettings()


def _rules(settings: AlertSettings = DEFAULTS) -> dict[str, list[dict]]:
    document = yaml.safe_load(rule_groups_yaml(settings))
    def key(rule: dict) -> str:
        slow = rule["labels"]["severity"] == "warning" and "Burn" in rule["alert"]
        return rule["alert"] + ("/slow" if slow else "")

    return {key(rule): rule for group in document["groups"] for rule in group["rules"]}


def test_the_rules_file_has_the_prometheus_shape():
    document = yaml.safe_load(rule_groups_yaml(DEFAULTS))
    assert set(document) == {"groups"}
    names = [g["name"] for g in document["groups"]]
    assert len(names) == len(set(names))
    for group in document["groups"]:
        assert set(group) == {"name", "rules"} and group["rules"]
        for rule in group["rules"]:
            assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}
            assert re.fullmatch(r"\d+[smh]", rule["for"])
            assert rule["labels"]["severity"] in {"critical", "warning"}
            assert set(rule["annotations"]) == {"summary", "runbook"}


def _balanced(expr: str) -> bool:
    depth = {"(": 0, "{": 0, "[": 0}
    closing = {")": "(", "}": "{", "]": "["}
    quoted = False
    for i, char in enumerate(expr):
        if char == '"' and expr[i - 1] != "\\":
            quoted = not quoted
        elif not quoted and char in depth:
            depth[char] += 1
        elif not quoted and char in closing:
            depth[closing[char]] -= 1
            if depth[closing[char]] < 0:
                return False
    return not quoted and all(v == 0 for v in depth.values())


KEYWORDS = {"sum", "max", "min", "count", "by", "rate", "increase", "max_over_time", "histogram_quantile", "time",
            "and", "or", "unless"}


def test_every_query_is_balanced_and_reads_only_catalogued_metrics():
    queries = {name: rule["expr"] for name, rule in _rules().items()}
    queries |= {f"panel {i}": text for i, text in enumerate(_panel_queries())}
    for name, text in queries.items():
        assert _balanced(text), f"{name}: {text}"
        outside_strings = re.sub(r'"(\\.|[^"\\])*"', '""', text)
        outside_labels = re.sub(r"\{[^}]*\}|by \([^)]*\)|\[[^\]]*\]", "", outside_strings)
        identifiers = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", outside_labels)) - KEYWORDS
        assert identifiers <= set(CATALOG), f"{name}: {identifiers - set(CATALOG)}"


def _panel_queries() -> list[str]:
    from observability.dashboards import Query, dashboards

    return [t.expr.text for d in dashboards().values() for p in d.panels for t in p.queries if isinstance(t, Query)]


def test_metric_names_lists_what_every_query_reads():
    names = metric_names()
    for metric in ("cluster_ready_state", "certmanager_certificate_expiration_timestamp_seconds",
                   "etcd_mvcc_db_total_size_in_bytes", "etcd_server_quota_backend_bytes", "apiserver_request_total",
                   "apiserver_request_duration_seconds_bucket",
                   "apiserver_client_certificate_expiration_seconds_bucket",
                   "karmada_scheduler_e2e_scheduling_duration_seconds_bucket",
                   "work_sync_workload_duration_seconds_bucket", "create_resource_to_cluster",
                   "policy_apply_attempts_total", "etcd_server_leader_changes_seen_total",
                   "etcd_disk_wal_fsync_duration_seconds_bucket", "resource_match_policy_duration_seconds_bucket",
                   "cluster_sync_status_duration_seconds_bucket", "eviction_processing_total"):
        assert metric in names, metric
    assert set(names) == set().union(*query_metrics().values())
    for name, family in names.items():
        assert family.jobs and family.source, name


def test_a_metric_outside_the_catalog_is_refused():
    with pytest.raises(KeyError, match="cluster_ready_states is not in observability.metrics.CATALOG"):
        q.series("cluster_ready_states")


def test_every_rule_names_an_existing_runbook_heading():
    anchors = operations_anchors()
    for name, rule in _rules().items():
        doc, _, heading = rule["annotations"]["runbook"].partition("#")
        assert doc == RUNBOOK_DOC
        assert heading in anchors, f"{name}: no heading #{heading} in {RUNBOOK_DOC}"


def test_member_rules_wait_the_configured_minutes():
    rules = _rules(AlertSettings(member_not_ready_minutes=17))
    assert rules["KarmadaMemberNotReady"]["for"] == "17m"
    assert rules["KarmadaMemberNotReady"]["expr"] == "(max by (member_cluster) (cluster_ready_state)) == (0)"
    assert rules["KarmadaMemberStatusMissing"]["for"] == "17m"


@pytest.mark.parametrize(("days", "bucket_le"), [(21, r"2\\.592e\\+06"), (5, "604800"), (1, "86400"),
                                                 (60, "7776000")])
def test_certificate_rules_follow_the_expiry_days(days, bucket_le):
    rules = _rules(AlertSettings(certificate_expiry_days=days))
    expiring = rules["KarmadaCertificateExpiring"]["expr"]
    assert expiring.endswith(f"< ({days * 86400})")
    assert 'namespace="karmada-system"' in expiring and 'job="cert-manager"' in expiring
    assert bucket_le in rules["KarmadaClientCertificateExpiring"]["expr"]


def test_the_client_certificate_bound_never_fires_late():
    for days in range(1, 366):
        assert bucket_at_least(days * 86400, (604800, 2592000, 7776000, 15552000, 31104000)) >= min(
            days * 86400, 31104000)


def test_etcd_rule_follows_the_quota_percent():
    rule = _rules(AlertSettings(etcd_quota_percent=65))["KarmadaEtcdDatabaseNearQuota"]
    assert rule["expr"] == ('(((etcd_mvcc_db_total_size_in_bytes{job="etcd"}) / '
                            '(etcd_server_quota_backend_bytes{job="etcd"})) * (100)) > (65)')


def test_error_budget_burn_follows_the_availability_objective():
    rules = _rules(AlertSettings(availability_objective=99.5))
    fast, slow = rules["KarmadaApiServerErrorBudgetBurn"], rules["KarmadaApiServerErrorBudgetBurn/slow"]
    # 14.4 and 6 times the 0.5 % budget, each over a long and a short window.
    assert fast["expr"].count("> (0.072)") == 2 and "[1h]" in fast["expr"] and "[5m]" in fast["expr"]
    assert slow["expr"].count("> (0.03)") == 2 and "[6h]" in slow["expr"] and "[30m]" in slow["expr"]
    assert 'code=~"5.."' in fast["expr"] and 'job="karmada-apiserver"' in fast["expr"]
    assert (fast["labels"]["severity"], slow["labels"]["severity"]) == ("critical", "warning")


@pytest.mark.parametrize(("objective", "le"), [(1.0, r'"1|1\\.0"'), (0.3, r'"0\\.4"'), (2.5, r'"3|3\\.0"'),
                                               (60, r'"60|60\\.0"')])
def test_latency_burn_cuts_at_the_first_bucket_at_or_above_the_objective(objective, le):
    rules = _rules(AlertSettings(latency_objective_seconds=objective))
    expr = rules["KarmadaApiServerLatencyBudgetBurn"]["expr"]
    assert f"le=~{le}" in expr
    assert 'verb!~"WATCH|CONNECT"' in expr and expr.count("> (0.144)") == 2
    assert latency_bucket(objective) >= objective


def test_the_config_maps_onto_the_settings():
    config = AppConfig.model_validate({**load_config().model_dump(mode="json", exclude_none=True), "observability": {
        "member_not_ready_minutes": 9, "certificate_expiry_days": 14, "etcd_quota_percent": 70,
        "apiserver_availability_objective": 99.0, "apiserver_latency_objective_seconds": 2.0}})
    assert alert_settings(config) == AlertSettings(member_not_ready_minutes=9, certificate_expiry_days=14,
                                                   etcd_quota_percent=70, availability_objective=99.0,
                                                   latency_objective_seconds=2.0)


@pytest.mark.parametrize(("value", "go"), [(1, "1"), (0.005, "0.005"), (60, "60"), (604800, "604800"),
                                           (2592000, "2.592e+06"), (31104000, "3.1104e+07"), (1e-05, "1e-05"),
                                           (1.25, "1.25"), (0, "0")])
def test_bucket_bounds_are_spelled_as_go_writes_them(value, go):
    assert q.go_float(value) == go
    assert re.fullmatch(q.le(value).value, go)


def test_every_alert_has_a_group():
    groups = alert_rules(DEFAULTS)
    assert sorted(groups) == ["karmada-apiserver-slo", "karmada-certificates", "karmada-etcd", "karmada-members"]


def test_an_alarm_topic_outside_the_parent_region_is_refused_in_one_line():
    from eks_karmada.config import ConfigError, parse_config

    with pytest.raises(ConfigError) as error:
        parse_config({"observability": {"alarm_topic_arn": "arn:aws:sns:eu-west-1:111122223333:oncall"}})
    message = str(error.value)
    assert "\n" not in message.strip()
    assert "observability.alarm_topic_arn: the topic is in eu-west-1" in message
    assert "use a topic in us-east-1 (the parent's)" in message
    parse_config({"observability": {"alarm_topic_arn": "arn:aws:sns:us-east-1:111122223333:oncall"}})


def test_metrics_by_job_groups_every_name_under_the_jobs_that_expose_it():
    from observability import metrics_by_job

    by_job = metrics_by_job()
    assert set().union(*by_job.values()) == set(metric_names())
    assert "cluster_ready_state" in by_job["karmada-controller-manager"] & by_job["karmada-agent"]
    assert "create_resource_to_cluster" not in by_job["karmada-agent"]
    assert by_job["etcd"] == {"etcd_mvcc_db_total_size_in_bytes", "etcd_server_quota_backend_bytes",
                              "etcd_server_leader_changes_seen_total", "etcd_server_has_leader",
                              "etcd_disk_wal_fsync_duration_seconds_bucket"}
