"""The parent stack wires the alarms from the config, and leaves every trace out when observability is off."""

from __future__ import annotations

import yaml
from aws_cdk.assertions import Template

from eks_karmada.chart_props import alert_settings
from eks_karmada.config import parse_config
from observability.rules import rule_groups_yaml
from tests.synth import synthesize

OBSERVABILITY = {"member_not_ready_minutes": 12, "certificate_expiry_days": 10, "etcd_quota_percent": 60,
                 "apiserver_availability_objective": 99.0, "alarm_emails": ["oncall@example.com"]}


def _backup_env(manifests: dict) -> dict[str, str]:
    (cronjob,) = [o for o in manifests["parent"] if o["kind"] == "CronJob"]
    containers = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e.get("value", "") for e in containers[0]["env"]}


def test_the_parent_alarms_follow_the_config(tmp_path):
    config = parse_config({"observability": OBSERVABILITY, "karmada": {"etcd_backup": {"schedule": "@daily"}}})
    synth = synthesize(config, tmp_path)
    template = Template.from_json(synth.templates["KarmadaParent"])
    (rules,) = template.find_resources("AWS::APS::RuleGroupsNamespace").values()
    assert rules["Properties"]["Data"] == rule_groups_yaml(alert_settings(config))
    groups = {r["alert"]: r for g in yaml.safe_load(rules["Properties"]["Data"])["groups"] for r in g["rules"]}
    assert groups["KarmadaMemberNotReady"]["for"] == "12m"
    assert groups["KarmadaCertificateExpiring"]["expr"].endswith("< (864000)")
    assert groups["KarmadaEtcdDatabaseNearQuota"]["expr"].endswith("> (60)")
    assert "> (0.06)" in groups["KarmadaApiServerErrorBudgetBurn"]["expr"]  # the 6h rule: 6 x the 1 % budget
    alarms = {k: v["Properties"] for k, v in template.find_resources("AWS::CloudWatch::Alarm").items()}
    backup = next(v for k, v in alarms.items() if "EtcdBackupOverdue" in k)
    assert backup["EvaluationPeriods"] * backup["Period"] == 48 * 3600
    assert sum("CustomResourceHandlerErrors" in k for k in alarms) == 3  # KarmadaManifest, its bootstrap, registrar
    assert sum("ApiLoadBalancerNoHealthyTarget" in k for k in alarms) == 1
    template.has_resource_properties("AWS::SNS::Subscription", {"Endpoint": "oncall@example.com"})
    assert _backup_env(synth.manifests)["METRIC_NAMESPACE"] == "EKSKarmada/EtcdBackup"


def test_without_observability_there_is_no_alarm_no_topic_and_no_upload_metric(tmp_path):
    synth = synthesize(parse_config({"observability": {"enabled": False}}), tmp_path)
    template = Template.from_json(synth.templates["KarmadaParent"])
    for type_ in ("AWS::APS::Workspace", "AWS::APS::RuleGroupsNamespace", "AWS::CloudWatch::Alarm", "AWS::SNS::Topic"):
        template.resource_count_is(type_, 0)
    assert "METRIC_NAMESPACE" not in _backup_env(synth.manifests)
    policies = [s for p in template.find_resources("AWS::IAM::Policy").values()
                for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert not [s for s in policies if s["Action"] == "cloudwatch:PutMetricData"]
