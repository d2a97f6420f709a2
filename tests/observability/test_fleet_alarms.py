"""FleetAlarms on a stack of its own: topic, key and policies, AMP rules and routing, CloudWatch alarms."""

from __future__ import annotations

import json

import pytest
import yaml
from aws_cdk.assertions import Match, Template
from cfnlint.api import ManualArgs, lint

from karmada_constructs.fleet_alarms import RULES_NAMESPACE, RUNBOOKS
from observability.rules import AlertSettings, rule_groups_yaml
from tests.observability.runbooks import operations_anchors
from tests.observability.stack import ACCOUNT, REGION, synthesize_alarms

EXTERNAL_TOPIC = "arn:aws:sns:us-east-1:444455556666:oncall"


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return synthesize_alarms(tmp_path_factory.mktemp("alarms-cdk.out"), emails=["oncall@example.com"],
                             settings=AlertSettings(member_not_ready_minutes=7, etcd_quota_percent=75))


@pytest.fixture(scope="module")
def template(synth) -> Template:
    return Template.from_json(synth.template)


def _resources(template: Template, type_: str) -> dict[str, dict]:
    return template.find_resources(type_)


def _only(template: Template, type_: str) -> tuple[str, dict]:
    found = _resources(template, type_)
    assert len(found) == 1, found
    return next(iter(found.items()))


def _joined(value) -> str:
    """A Fn::Join of literals and Refs as text, Refs written ${LogicalId}."""
    if isinstance(value, str):
        return value
    parts = value["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else "${" + p.get("Ref", str(p)) + "}" for p in parts)


def test_the_rules_are_the_settings_rules_in_the_workspace(template):
    _, rules = _only(template, "AWS::APS::RuleGroupsNamespace")
    workspace_id, _ = _only(template, "AWS::APS::Workspace")
    assert rules["Properties"]["Name"] == RULES_NAMESPACE
    assert rules["Properties"]["Workspace"] == {"Fn::GetAtt": [workspace_id, "Arn"]}
    data = rules["Properties"]["Data"]
    assert data == rule_groups_yaml(AlertSettings(member_not_ready_minutes=7, etcd_quota_percent=75))
    assert "for: 7m" in data and "> (75)" in data


def test_alert_manager_routes_every_alert_to_the_topic_with_sigv4(template):
    topic_id, _ = _only(template, "AWS::SNS::Topic")
    _, workspace = _only(template, "AWS::APS::Workspace")
    definition = yaml.safe_load(_joined(workspace["Properties"]["AlertManagerDefinition"]))
    config = yaml.safe_load(definition["alertmanager_config"])
    assert config["route"]["receiver"] == "sns"
    assert config["receivers"] == [
        {"name": "sns", "sns_configs": [{"topic_arn": "${" + topic_id + "}", "sigv4": {"region": REGION}}]}]


def test_topic_is_encrypted_tls_only_and_admits_only_this_workspace_and_these_alarms(template):
    topic_id, topic = _only(template, "AWS::SNS::Topic")
    key_id = topic["Properties"]["KmsMasterKeyId"]["Fn::GetAtt"][0]
    assert key_id.startswith("AlarmsTopicKey")
    workspace_id, _ = _only(template, "AWS::APS::Workspace")
    _, policy = _only(template, "AWS::SNS::TopicPolicy")
    statements = {s.get("Sid"): s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    amp = statements["AmpAlerts"]
    assert amp["Principal"] == {"Service": "aps.amazonaws.com"}
    assert sorted(amp["Action"]) == ["sns:GetTopicAttributes", "sns:Publish"]
    assert amp["Resource"] == {"Ref": topic_id}
    assert amp["Condition"]["ArnEquals"]["aws:SourceArn"] == {"Fn::GetAtt": [workspace_id, "Arn"]}
    assert amp["Condition"]["StringEquals"]["aws:SourceAccount"] == ACCOUNT
    cloudwatch = statements["CloudWatchAlarms"]
    assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"} and cloudwatch["Action"] == "sns:Publish"
    alarms = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"
    assert _joined(cloudwatch["Condition"]["ArnLike"]["aws:SourceArn"]) == alarms
    tls = [s for s in statements.values() if s["Effect"] == "Deny"]
    assert tls and tls[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_topic_key_admits_the_two_services_only_from_this_account_and_region(template):
    key = _resources(template, "AWS::KMS::Key")
    policy = next(v for k, v in key.items() if k.startswith("AlarmsTopicKey"))["Properties"]
    assert policy["EnableKeyRotation"] is True
    services = {s["Sid"]: s for s in policy["KeyPolicy"]["Statement"] if "Service" in s["Principal"]}
    expected = {"AmpAlerts": ("aps.amazonaws.com", f"arn:aws:aps:{REGION}:{ACCOUNT}:workspace/*"),
                "CloudWatchAlarms": ("cloudwatch.amazonaws.com", f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*")}
    assert set(services) == set(expected)
    for sid, (service, source) in expected.items():
        statement = services[sid]
        assert statement["Principal"] == {"Service": service}
        assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
        assert _joined(statement["Condition"]["ArnLike"]["aws:SourceArn"]) == source


def test_emails_are_subscribed(template):
    template.has_resource_properties("AWS::SNS::Subscription", {"Protocol": "email",
                                                                 "Endpoint": "oncall@example.com"})


def _alarm(template: Template, fragment: str) -> dict:
    return next(v["Properties"] for k, v in _resources(template, "AWS::CloudWatch::Alarm").items() if fragment in k)


def test_backup_alarm_breaches_after_twice_the_schedule_without_an_upload(template):
    alarm = _alarm(template, "EtcdBackupOverdue")
    assert (alarm["Namespace"], alarm["MetricName"]) == ("EKSKarmada/EtcdBackup", "SnapshotsUploaded")
    assert alarm["Dimensions"] == [{"Name": "ClusterName", "Value": "karmada-parent"}]
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (3600, 12, 12)
    assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == ("Sum", "LessThanThreshold", 1)
    assert alarm["TreatMissingData"] == "breaching"


@pytest.mark.parametrize(("schedule", "periods", "period"), [("@daily", 48, 3600), ("*/10 * * * *", 20, 60),
                                                             ("0 0 * * 0", 168, 3600), ("0 0 1 * *", 168, 3600)])
def test_backup_alarm_window_follows_the_schedule(tmp_path, schedule, periods, period):
    alarm = _alarm(Template.from_json(synthesize_alarms(tmp_path, backup_schedule=schedule).template),
                   "EtcdBackupOverdue")
    assert (alarm["Period"], alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (period, periods, periods)
    assert alarm["Period"] * alarm["EvaluationPeriods"] <= 7 * 86400


def test_load_balancer_alarm_watches_healthy_targets(template):
    alarm = _alarm(template, "ApiLoadBalancerNoHealthyTarget")
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/NetworkELB", "HealthyHostCount",
                                                                             "Minimum")
    assert {d["Name"] for d in alarm["Dimensions"]} == {"LoadBalancer", "TargetGroup"}
    assert (alarm["ComparisonOperator"], alarm["Threshold"], alarm["TreatMissingData"]) == (
        "LessThanThreshold", 1, "breaching")


def test_handler_alarm_fires_on_any_error(template):
    alarm = _alarm(template, "CustomResourceHandlerErrorsKarmadaManifest")
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == ("AWS/Lambda", "Errors", "Sum")
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": "karmada-manifest"}]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanOrEqualToThreshold", 1)


def test_every_alarm_notifies_the_topic_and_names_an_existing_runbook(template):
    topic_id, _ = _only(template, "AWS::SNS::Topic")
    anchors = operations_anchors()
    alarms = _resources(template, "AWS::CloudWatch::Alarm")
    assert len(alarms) == 3
    for name, alarm in alarms.items():
        properties = alarm["Properties"]
        assert properties["AlarmActions"] == [{"Ref": topic_id}] and properties["OKActions"] == [{"Ref": topic_id}]
        runbook = properties["AlarmDescription"].rsplit("runbook: docs/operations.md#", 1)[1]
        assert runbook in anchors, f"{name}: no heading #{runbook}"
    assert set(RUNBOOKS.values()) <= anchors


def test_an_existing_topic_is_used_as_is(tmp_path):
    template = Template.from_json(synthesize_alarms(tmp_path, topic_arn=EXTERNAL_TOPIC, backup_schedule=None).template)
    template.resource_count_is("AWS::SNS::Topic", 0)
    template.resource_count_is("AWS::SNS::TopicPolicy", 0)
    assert not [k for k in _resources(template, "AWS::KMS::Key") if k.startswith("AlarmsTopicKey")]
    _, workspace = _only(template, "AWS::APS::Workspace")
    config = yaml.safe_load(yaml.safe_load(_joined(workspace["Properties"]["AlertManagerDefinition"]))
                            ["alertmanager_config"])
    assert config["receivers"][0]["sns_configs"] == [{"topic_arn": EXTERNAL_TOPIC, "sigv4": {"region": REGION}}]
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"AlarmActions": [EXTERNAL_TOPIC]})
    template.has_resource_properties("AWS::CloudWatch::Alarm", {"AlarmDescription": Match.string_like_regexp(
        "runbook: docs/operations.md#")})
    assert not [k for k in _resources(template, "AWS::CloudWatch::Alarm") if "EtcdBackupOverdue" in k]


def test_cdk_nag_is_clean(synth):
    assert [v for p in synth.report["pluginReports"] for v in p.get("violations", [])] == []


def test_cfn_lint_finds_nothing(synth):
    matches = lint(json.dumps(synth.template), regions=[REGION], config=ManualArgs(regions=[REGION]))
    assert [f"{m.rule.id} {m.message}" for m in matches if not m.rule.id.startswith("I")] == []
