"""The fleet's Prometheus alert rules, from the config's thresholds (AMP rule groups).

Each rule names its runbook, a heading of docs/operations.md. Thresholds come from
``AlertSettings`` (the config's ``observability`` section): nothing is hard-coded twice.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from observability import promql as q
from observability.metrics import APISERVER, CERT_MANAGER, ETCD

RUNBOOK_DOC = "docs/operations.md"
# Upper bounds of the histograms the rules cut at (the pinned sources' buckets).
APISERVER_LATENCY_BUCKETS = (0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15,
                             20, 30, 45, 60)
CLIENT_CERTIFICATE_BUCKETS = (0, 1800, 3600, 7200, 21600, 43200, 86400, 172800, 345600, 604800, 2592000, 7776000,
                              15552000, 31104000)
# Multi-window, multi-burn-rate alerts (Google SRE workbook, "Alerting on SLOs"): 2% of a 30-day budget in
# one hour pages, 5% in six hours too; each long window is confirmed by a short one so the alert clears fast.
BURN_WINDOWS = (("1h", "5m", 14.4), ("6h", "30m", 6.0))
# Requests whose duration is the client's choice, not the server's.
LONG_RUNNING_VERBS = "WATCH|CONNECT"
DAY = 86400


@dataclass(frozen=True, kw_only=True)
class AlertSettings:
    """The thresholds the rules use (the config's ``observability`` section)."""

    member_not_ready_minutes: int = 5
    """Minutes a member may stay NotReady. Default: 5."""
    certificate_expiry_days: int = 21
    """Alert when a certificate expires within this many days. Default: 21."""
    etcd_quota_percent: int = 80
    """Alert when etcd's database exceeds this share of its quota. Default: 80."""
    availability_objective: float = 99.9
    """karmada-apiserver: % of requests without a 5xx. Default: 99.9."""
    latency_objective_seconds: float = 1.0
    """karmada-apiserver: P99 of non-long-running requests. Default: 1.0."""
    namespace: str = "karmada-system"
    """The control plane's namespace (its Certificates). Default: karmada-system."""


@dataclass(frozen=True, kw_only=True)
class AlertRule:
    """One Prometheus alerting rule with its runbook."""

    name: str
    expr: q.Expr
    for_: str
    summary: str
    runbook: str
    """The heading's anchor in docs/operations.md."""
    severity: str = "critical"

    @property
    def runbook_url(self) -> str:
        return f"{RUNBOOK_DOC}#{self.runbook}"

    def render(self) -> dict[str, object]:
        return {
            "alert": self.name,
            "expr": self.expr.text,
            "for": self.for_,
            "labels": {"severity": self.severity},
            "annotations": {"summary": self.summary, "runbook": self.runbook_url},
        }


def bucket_at_least(value: float, buckets: tuple[float, ...]) -> float:
    """The smallest bucket bound >= value (a rule can only cut at a bound; it errs on the early side)."""
    for bound in buckets:
        if bound >= value:
            return bound
    return buckets[-1]


def member_rules(settings: AlertSettings) -> list[AlertRule]:
    ready = q.series("cluster_ready_state")
    minutes = f"{settings.member_not_ready_minutes}m"
    return [
        AlertRule(
            name="KarmadaMemberNotReady",
            expr=q.max_(ready, "member_cluster").eq(0),
            for_=minutes,
            summary=f"Member {{{{ $labels.member_cluster }}}} NotReady for {settings.member_not_ready_minutes} min",
            runbook="member-not-ready",
        ),
        # A Pull member whose agent is gone reports nothing at all: its status was seen in the last hour
        # and is not now.
        AlertRule(
            name="KarmadaMemberStatusMissing",
            expr=q.max_(q.max_over_time(ready, "1h"), "member_cluster").unless(q.max_(ready, "member_cluster")),
            for_=minutes,
            summary="No status from member {{ $labels.member_cluster }}: its karmada-agent or its collector is down",
            runbook="member-not-ready",
        ),
    ]


def certificate_rules(settings: AlertSettings) -> list[AlertRule]:
    horizon = settings.certificate_expiry_days * DAY
    expiry = q.series("certmanager_certificate_expiration_timestamp_seconds",
                      job=q.eq(CERT_MANAGER), namespace=q.eq(settings.namespace))
    # Agents present the member's copy of their certificate, which only a registration refreshes: the
    # API server's histogram of presented certificates' remaining lifetime sees it.
    bound = bucket_at_least(horizon, CLIENT_CERTIFICATE_BUCKETS)
    presented = q.series("apiserver_client_certificate_expiration_seconds_bucket", job=q.eq(APISERVER), le=q.le(bound))
    return [
        AlertRule(
            name="KarmadaCertificateExpiring",
            expr=(expiry - q.time()).lt(horizon),
            for_="15m",
            summary=f"Certificate {{{{ $labels.namespace }}}}/{{{{ $labels.name }}}} expires within "
                    f"{settings.certificate_expiry_days} days",
            runbook="certificate-expiring",
        ),
        AlertRule(
            name="KarmadaClientCertificateExpiring",
            expr=q.sum_(q.increase(presented, "1h")).gt(0),
            for_="15m",
            summary=f"A client (an agent's or a kubeconfig's copy) presents a certificate expiring within "
                    f"{bound / DAY:g} days",
            runbook="certificate-expiring",
        ),
    ]


def etcd_rules(settings: AlertSettings) -> list[AlertRule]:
    size = q.series("etcd_mvcc_db_total_size_in_bytes", job=q.eq(ETCD))
    quota = q.series("etcd_server_quota_backend_bytes", job=q.eq(ETCD))
    return [
        AlertRule(
            name="KarmadaEtcdDatabaseNearQuota",
            expr=(size / quota * 100).gt(settings.etcd_quota_percent),
            for_="10m",
            summary=f"etcd {{{{ $labels.instance }}}} database above {settings.etcd_quota_percent}% of its quota",
            runbook="etcd-database-near-quota",
        ),
    ]


def _ratio(bad: q.Expr, total: q.Expr, window: str) -> q.Expr:
    return q.sum_(q.rate(bad, window)) / q.sum_(q.rate(total, window))


def _burn_rule(name: str, runbook: str, what: str, budget: float, bad_ratio) -> list[AlertRule]:
    rules = []
    for long, short, burn in BURN_WINDOWS:
        threshold = burn * budget
        rules.append(AlertRule(
            name=name,
            expr=bad_ratio(long).gt(threshold).and_(bad_ratio(short).gt(threshold)),
            for_="2m" if long == "1h" else "15m",
            summary=f"karmada-apiserver {what} burns its error budget {burn:g}x too fast ({long} and {short})",
            runbook=runbook,
            severity="critical" if long == "1h" else "warning",
        ))
    return rules


def apiserver_rules(settings: AlertSettings) -> list[AlertRule]:
    requests = q.series("apiserver_request_total", job=q.eq(APISERVER))
    errors = q.series("apiserver_request_total", job=q.eq(APISERVER), code=q.regex("5.."))
    availability_budget = round(1 - settings.availability_objective / 100, 10)

    bound = latency_bucket(settings.latency_objective_seconds)
    short_requests = {"job": q.eq(APISERVER), "verb": q.not_regex(LONG_RUNNING_VERBS)}
    all_short = q.series("apiserver_request_duration_seconds_count", **short_requests)
    fast = q.series("apiserver_request_duration_seconds_bucket", **short_requests, le=q.le(bound))

    def slow_ratio(window: str) -> q.Expr:
        return q.scalar(1) - _ratio(fast, all_short, window)

    return [
        *_burn_rule("KarmadaApiServerErrorBudgetBurn", "apiserver-slo-burn", "5xx", availability_budget,
                    lambda window: _ratio(errors, requests, window)),
        # P99 objective: 1% of requests may be slower than the bound.
        *_burn_rule("KarmadaApiServerLatencyBudgetBurn", "apiserver-slo-burn", f"latency (P99 <= {bound:g}s)", 0.01,
                    slow_ratio),
    ]


def latency_bucket(objective_seconds: float) -> float:
    return bucket_at_least(objective_seconds, APISERVER_LATENCY_BUCKETS)


def alert_rules(settings: AlertSettings) -> dict[str, list[AlertRule]]:
    """Rule group name -> its rules."""
    return {
        "karmada-members": member_rules(settings),
        "karmada-certificates": certificate_rules(settings),
        "karmada-etcd": etcd_rules(settings),
        "karmada-apiserver-slo": apiserver_rules(settings),
    }


def rule_groups_yaml(settings: AlertSettings) -> str:
    """The rules file AMP's RuleGroupsNamespace takes (Prometheus rule file format)."""
    groups = [{"name": name, "rules": [rule.render() for rule in rules]}
              for name, rules in alert_rules(settings).items()]
    return yaml.safe_dump({"groups": groups}, sort_keys=False, width=1000)
