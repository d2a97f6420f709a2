"""The local EventBridge Scheduler: which schedules it runs, how often, and as which function."""

from __future__ import annotations

import json

import pytest

from local_control_plane.schedules import period_seconds
from tests.local.test_cloudformation import one_stack, resources

FUNCTION = {"Type": "AWS::Lambda::Function",
            "Properties": {"Handler": "functions.fleet_guard.handler.on_event", "Runtime": "python3.14",
                           "Role": {"Fn::GetAtt": ["GuardRole", "Arn"]}, "FunctionName": "guard"}}
ROLE = {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "guard-role", "AssumeRolePolicyDocument": {}}}


def _schedule(**changes) -> dict:
    properties = {"ScheduleExpression": "rate(1 minute)", "FlexibleTimeWindow": {"Mode": "OFF"},
                  "Target": {"Arn": {"Fn::GetAtt": ["Guard", "Arn"]}, "RoleArn": "arn:aws:iam::1:role/x",
                             "Input": json.dumps({"ClusterName": "parent", "OutagePercent": "50"})}}
    properties.update(changes)
    return {"Type": "AWS::Scheduler::Schedule", "Properties": properties}


@pytest.mark.parametrize(("expression", "seconds"), [
    ("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(2 hours)", 7200), ("rate(1 day)", 86400),
    ("cron(0 12 * * ? *)", None), ("at(2026-12-06T10:00:00)", None),
])
def test_rates_become_periods(expression, seconds):
    assert period_seconds(expression) == seconds


def test_a_schedule_runs_its_targets_handler_with_its_input_as_the_functions_role(tmp_path):
    assembly = one_stack(tmp_path, resources(Guard=FUNCTION, GuardRole=ROLE, Every=_schedule(),
                                             Off=_schedule(State="DISABLED")))
    (found,) = assembly.schedules("S")
    assert found.logical_id == "Every" and found.expression == "rate(1 minute)"
    assert found.properties == {"ClusterName": "parent", "OutagePercent": "50"}
    assert found.handler == "functions.fleet_guard.handler.on_event"
    assert found.role_arn.endswith(":role/guard-role")
