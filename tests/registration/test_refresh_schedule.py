"""The daily agent certificate refresh of each Pull member: schedule, role and target, as synthesized."""

from __future__ import annotations

import copy
import hashlib
import json

import pytest
import yaml
from aws_cdk.assertions import Template
from cfnlint.api import ManualArgs, lint

from eks_karmada.config import DEFAULT_CONFIG_PATH, parse_config
from karmada_constructs.member_registration import MemberRegistration
from karmada_constructs.member_registration_provider import REFRESH_HANDLER, REGISTRATION_HANDLER
from tests.synth import synthesize
from tests.test_scanners import CFN_LINT_ACCEPTED_WARNINGS

SCHEDULE = "AWS::Scheduler::Schedule"


@pytest.fixture(scope="module")
def pull(tmp_path_factory):
    """A Push member, a Pull member and an external (Pull) member."""
    data = copy.deepcopy(yaml.safe_load(DEFAULT_CONFIG_PATH.read_text()))
    data["api_endpoint"].update(scheme="internet-facing", allowed_cidrs=["198.51.100.0/24"])
    data["members"] = [
        {"name": "push-1", "region": "us-east-1", "vpc_cidr": "10.1.0.0/16"},
        {"name": "pull-1", "region": "eu-west-1", "sync_mode": "Pull", "vpc_cidr": "10.2.0.0/16"},
        {"name": "edge-1", "kind": "external", "sync_mode": "Pull"},
    ]
    return synthesize(parse_config(data), tmp_path_factory.mktemp("pull"))


def _render(value) -> str:
    """A template string value with each deploy-time part replaced by a stable stand-in."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_render(p) for p in parts)
    return "<" + hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:12] + ">"


def _template(synthesized, stack: str) -> Template:
    return Template.from_json(synthesized.templates[stack])


def _functions(synthesized) -> dict[str, dict]:
    return _template(synthesized, "KarmadaParent").find_resources("AWS::Lambda::Function")


def _refresh_function(synthesized) -> tuple[str, dict]:
    (found,) = [(k, f) for k, f in _functions(synthesized).items() if f["Properties"]["Handler"] == REFRESH_HANDLER]
    return found


def test_pull_members_refresh_daily_push_members_hourly_external_ones_never(pull):
    rates = {stack: [s["Properties"]["ScheduleExpression"]
                     for s in _template(pull, f"KarmadaRegistration-{stack}").find_resources(SCHEDULE).values()]
             for stack in ("pull-1", "push-1", "edge-1")}
    # The agent's certificate daily; the Push member's tokens hourly (renewed at half-life); no registrar reaches
    # an external member.
    assert rates == {"pull-1": ["rate(1 day)"], "push-1": ["rate(1 hour)"], "edge-1": []}


def test_a_push_schedule_sends_the_token_lifetime_and_the_consumers(pull):
    template = _template(pull, "KarmadaRegistration-push-1")
    (schedule,) = template.find_resources(SCHEDULE).values()
    sent = json.loads(_render(schedule["Properties"]["Target"]["Input"]))
    assert sent["SyncMode"] == "Push" and sent["TokenLifetimeSeconds"] == str(7 * 24 * 3600)
    assert json.loads(sent["TokenConsumers"]) == ["karmada-controller-manager"]
    assert "AgentCredentialSecret" not in sent


def test_a_parent_whose_members_are_all_external_has_no_refresh_function(tmp_path):
    data = copy.deepcopy(yaml.safe_load(DEFAULT_CONFIG_PATH.read_text()))
    data["api_endpoint"].update(scheme="internet-facing", allowed_cidrs=["198.51.100.0/24"])
    data["members"] = [{"name": "edge-1", "kind": "external", "sync_mode": "Pull"}]
    synthesized = synthesize(parse_config(data), tmp_path)
    handlers = {f["Properties"]["Handler"] for f in _functions(synthesized).values()}
    assert REGISTRATION_HANDLER in handlers and REFRESH_HANDLER not in handlers


def test_the_schedule_sends_the_registrations_properties_daily_on_time(pull):
    template = _template(pull, "KarmadaRegistration-pull-1")
    (schedule,) = template.find_resources(SCHEDULE).values()
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == "rate(1 day)"
    assert props["FlexibleTimeWindow"] == {"Mode": "OFF"} and props["State"] == "ENABLED"
    (registration,) = template.find_resources(MemberRegistration.RESOURCE_TYPE).values()
    expected = {k: _render(v) for k, v in registration["Properties"].items() if k != "ServiceToken"}
    # The Input is JSON text joined around the same deploy-time values (the parent cluster's name, the NLB's).
    assert json.loads(_render(props["Target"]["Input"])) == expected
    assert expected["SyncMode"] == "Pull" and expected["AgentCredentialSecret"] == "karmada-agent-pull-1-client"
    assert not any(k.lower().endswith(("token", "key", "password")) for k in expected)


def test_the_target_is_the_refresh_function_under_the_registrars_role(pull):
    logical_id, function = _refresh_function(pull)
    parent = _template(pull, "KarmadaParent")
    (registrar,) = [f for f in _functions(pull).values() if f["Properties"]["Handler"] == REGISTRATION_HANDLER]
    # The same role (the join roles trust it by name; its access entry maps it to the registrar group), the same
    # security group and subnets.
    assert function["Properties"]["Role"] == registrar["Properties"]["Role"]
    assert function["Properties"]["VpcConfig"] == registrar["Properties"]["VpcConfig"]
    assert function["Properties"]["Runtime"] == registrar["Properties"]["Runtime"]
    assert parent.to_json()["Resources"][logical_id]["Properties"]["LoggingConfig"]["LogGroup"]
    (schedule,) = _template(pull, "KarmadaRegistration-pull-1").find_resources(SCHEDULE).values()
    # the parent publishes the refresh function's ARN; the schedule reads it at deploy time
    output = schedule["Properties"]["Target"]["Arn"]["Fn::GetStackOutput"]
    assert output["StackName"] == "KarmadaParent"
    assert parent.to_json()["Outputs"][output["OutputName"]]["Value"] == {"Fn::GetAtt": [logical_id, "Arn"]}


def test_the_scheduler_role_may_invoke_that_one_function_for_that_one_schedule_group(pull):
    template = _template(pull, "KarmadaRegistration-pull-1")
    (schedule,) = template.find_resources(SCHEDULE).values()
    role_id = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    role = template.to_json()["Resources"][role_id]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"} and trust["Action"] == "sts:AssumeRole"
    (group_id,) = template.find_resources("AWS::Scheduler::ScheduleGroup")
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"},
                                                   "aws:SourceArn": {"Fn::GetAtt": [group_id, "Arn"]}}}
    assert schedule["Properties"]["GroupName"] == {"Ref": group_id}
    policies = [p["Properties"] for p in template.find_resources("AWS::IAM::Policy").values()
                if {"Ref": role_id} in p["Properties"]["Roles"]]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    assert statements == [{"Action": "lambda:InvokeFunction", "Effect": "Allow",
                           "Resource": schedule["Properties"]["Target"]["Arn"]}]
    assert not role.get("ManagedPolicyArns")


def test_the_registrars_member_rbac_is_unchanged_patch_on_the_agent_deployment_only(pull):
    role = next(o for o in pull.manifests["member-pull-1"]
                if o["kind"] == "Role" and o["metadata"]["name"] == "eks-karmada:registrar")
    assert role["metadata"]["namespace"] == "karmada-system"
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["karmada-kubeconfig"],
         "verbs": ["get", "create", "patch", "delete"]},
        {"apiGroups": ["apps"], "resources": ["deployments"], "resourceNames": ["karmada-agent"], "verbs": ["patch"]},
    ]


def test_cdk_nag_and_cfn_lint_are_clean(pull):
    report = json.loads((pull.outdir / "validation-report.json").read_text())
    violations = [(v["ruleName"], [r["constructPath"] for r in v["violatingResources"]])
                  for plugin in report["pluginReports"] for v in plugin.get("violations", [])]
    assert violations == []
    for name in ("KarmadaParent", "KarmadaRegistration-pull-1"):
        region = pull.stack(name).region
        matches = lint(json.dumps(pull.templates[name]), regions=[region], config=ManualArgs(regions=[region]))
        problems = [f"{m.rule.id} {m.message}" for m in matches
                    if (m.rule.id.startswith("E") or m.rule.id not in CFN_LINT_ACCEPTED_WARNINGS)
                    and not m.rule.id.startswith("I")]
        assert problems == [], name


def test_the_local_scheduler_runs_the_refresh_handler_with_the_registrations_properties(pull):
    # local_control_plane/schedules.py invokes `module.handle(properties, context, Deployer.runtime(...))`
    # for every schedule whose target is one of our handlers: the refresh fits that shape.
    import importlib

    from local_control_plane.cloudformation import Assembly, DeployTimeValues, values_for_type

    values = values_for_type(pull.outdir, "AWS::ElasticLoadBalancingV2::LoadBalancer", "DNSName", "nlb.local")
    assembly = Assembly(pull.outdir, DeployTimeValues(attributes=values))
    (schedule,) = assembly.schedules("KarmadaRegistration-pull-1")
    assert schedule.expression == "rate(1 day)" and schedule.handler == REFRESH_HANDLER
    assert ":role/eks-karmada-registrar-" in schedule.role_arn  # the registrar's role: its access entries hold
    assert schedule.properties["MemberName"] == "pull-1" and schedule.properties["SyncMode"] == "Pull"
    assert schedule.properties["KarmadaApiServerUrl"] == "https://nlb.local:443"
    module = importlib.import_module(schedule.handler.rpartition(".")[0])
    assert callable(module.handle)
    assert {"parent_transport", "karmada_transport", "aws_client", "member_transport"} <= set(
        module.Runtime.__dataclass_fields__)
