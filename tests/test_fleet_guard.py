"""The fleet guard (issue 13 item 5): its schedule, function, identities and RBAC, as the parent stack synthesizes them.

The default config's synth, plus one with a single member and other thresholds (the input follows the config) and
one with the guard off (nothing of it is synthesized).
"""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from charts.karmada.pki import CLIENT_USAGES
from eks_karmada.config import DEFAULT_CONFIG_PATH, parse_config
from functions.karmada_manifest import properties as keys
from karmada_constructs.fleet_guard import GUARD_GROUP, HANDLER, schedule_group_name
from karmada_constructs.karmada_manifest import KarmadaManifest
from tests.synth import synthesize
from tests.template_graph import closure, edges

PARENT = "KarmadaParent"
SECRET = "karmada-fleet-guard-client"
USER = "system:karmada:fleet-guard"
POLICY = "karmada-cluster-not-ready"
INPUT_KEYS = {keys.CLUSTER_NAME, keys.FIELD_MANAGER, keys.ADMIN_SECRET_NAMESPACE, keys.ADMIN_SECRET_NAME,
              keys.API_SERVER_NAMESPACE, keys.API_SERVER_SERVICE, keys.API_SERVER_PORT, keys.API_SERVER_SERVER_NAME,
              "TaintPolicy", "OutagePercent", "PollSeconds", "RunSeconds"}


def _config(**guard):
    data = copy.deepcopy(yaml.safe_load(DEFAULT_CONFIG_PATH.read_text()))
    data["karmada"]["fleet_guard"] = guard
    return data


def _resources(template: dict, type_: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def _one(template: dict, type_: str) -> tuple[str, dict]:
    (item,) = _resources(template, type_).items()
    return item


def _guard_function(template: dict) -> tuple[str, dict]:
    (item,) = [(k, v) for k, v in _resources(template, "AWS::Lambda::Function").items()
               if v["Properties"].get("Handler") == HANDLER]
    return item


def _objects(manifests: list[dict], kind: str, name: str) -> list[dict]:
    return [o for o in manifests if o["kind"] == kind and o["metadata"]["name"] == name]


@pytest.fixture(scope="module")
def parent(synthesized) -> dict:
    return synthesized.templates[PARENT]


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    """One member only, and thresholds other than the defaults."""
    data = _config(outage_percent=30, poll_seconds=15)
    data["members"] = data["members"][:1]
    return synthesize(parse_config(data, "tuned"), tmp_path_factory.mktemp("cdk.out"))


def _input(template: dict) -> dict:
    _, schedule = _one(template, "AWS::Scheduler::Schedule")
    raw = schedule["Properties"]["Target"]["Input"]
    assert isinstance(raw, str)  # a literal: no token, nothing resolved at deploy time
    return json.loads(raw)


# --- the schedule ----------------------------------------------------------------------------------------------

def test_the_schedule_invokes_the_function_every_minute_without_window_or_retries(parent):
    function_id, _ = _guard_function(parent)
    group_id, group = _one(parent, "AWS::Scheduler::ScheduleGroup")
    _, schedule = _one(parent, "AWS::Scheduler::Schedule")
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == "rate(1 minute)"
    assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert props["State"] == "ENABLED"
    assert props["GroupName"] == {"Ref": group_id}
    assert group["Properties"]["Name"] == "karmada-parent-fleet-guard"
    target = props["Target"]
    assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60}


def test_the_input_reaches_karmada_with_the_guards_own_secret_and_carries_the_defaults(parent, synthesized):
    given = _input(parent)
    assert set(given) == INPUT_KEYS
    assert all(isinstance(v, str) for v in given.values())
    assert given == {
        keys.CLUSTER_NAME: "karmada-parent", keys.FIELD_MANAGER: "eks-karmada-fleet-guard",
        keys.ADMIN_SECRET_NAMESPACE: "karmada-system", keys.ADMIN_SECRET_NAME: SECRET,
        keys.API_SERVER_NAMESPACE: "karmada-system", keys.API_SERVER_SERVICE: "karmada-apiserver",
        keys.API_SERVER_PORT: "5443", keys.API_SERVER_SERVER_NAME: "karmada-apiserver.karmada-system.svc.cluster.local",
        "TaintPolicy": POLICY, "OutagePercent": "50", "PollSeconds": "10", "RunSeconds": "50",
    }
    # The policy it suspends is the one the bootstrap applies.
    (policy,) = [o for o in synthesized.manifests["karmada"] if o["kind"] == "ClusterTaintPolicy"]
    assert policy["metadata"]["name"] == given["TaintPolicy"]


def test_the_input_follows_the_config_and_a_single_member_fleet_still_has_its_guard(tuned):
    template = tuned.templates[PARENT]
    given = _input(template)
    assert (given["OutagePercent"], given["PollSeconds"], given["RunSeconds"]) == ("30", "15", "50")
    assert set(given) == INPUT_KEYS
    _guard_function(template)


def test_the_scheduler_role_trusts_only_scheduler_for_the_guards_own_group_in_this_account(parent):
    group_id, _ = _one(parent, "AWS::Scheduler::ScheduleGroup")
    _, schedule = _one(parent, "AWS::Scheduler::Schedule")
    role_id = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    role = parent["Resources"][role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [{
        "Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"},
        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"},
                                       "aws:SourceArn": {"Fn::GetAtt": [group_id, "Arn"]}}},
    }]
    assert "ManagedPolicyArns" not in role and "Policies" not in role
    # The group holds this schedule only, so the condition on the group is one on the schedule.
    assert [s["Properties"]["GroupName"] for s in _resources(parent, "AWS::Scheduler::Schedule").values()] == [
        {"Ref": group_id}]


def test_the_scheduler_role_may_only_invoke_the_guard_function(parent):
    function_id, _ = _guard_function(parent)
    _, schedule = _one(parent, "AWS::Scheduler::Schedule")
    role_id = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    policies = [p["Properties"] for p in _resources(parent, "AWS::IAM::Policy").values()
                if {"Ref": role_id} in p["Properties"]["Roles"]]
    assert [p["PolicyDocument"]["Statement"] for p in policies] == [[{
        "Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": {"Fn::GetAtt": [function_id, "Arn"]},
    }]]


# --- the function ----------------------------------------------------------------------------------------------

def test_the_function_never_overlaps_itself_and_ends_within_its_minute(parent):
    function_id, function = _guard_function(parent)
    props = function["Properties"]
    assert props["ReservedConcurrentExecutions"] == 1
    assert props["Timeout"] == 70
    assert props["VpcConfig"]["SubnetIds"]
    # A throttled or failed asynchronous run is dropped, not replayed behind the next ones.
    (config,) = [v["Properties"] for v in _resources(parent, "AWS::Lambda::EventInvokeConfig").values()
                 if v["Properties"]["FunctionName"] == {"Ref": function_id}]
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (0, 60)


def test_the_functions_role_maps_to_the_guard_group_in_the_parent(parent):
    _, function = _guard_function(parent)
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    (entry,) = [v["Properties"] for v in _resources(parent, "AWS::EKS::AccessEntry").values()
                if v["Properties"]["PrincipalArn"] == {"Fn::GetAtt": [role_id, "Arn"]}]
    assert entry["KubernetesGroups"] == [GUARD_GROUP] and entry["Type"] == "STANDARD"
    policies = [p["Properties"] for p in _resources(parent, "AWS::IAM::Policy").values()
                if {"Ref": role_id} in p["Properties"]["Roles"]]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    assert [s["Action"] for s in statements] == ["eks:DescribeCluster"]


# --- identities and RBAC ---------------------------------------------------------------------------------------

def test_the_client_certificate_is_the_guards_own_user_from_the_karmada_ca(synthesized):
    parent = synthesized.manifests["parent"]
    (certificate,) = _objects(parent, "Certificate", SECRET)
    (collector,) = _objects(parent, "Certificate", "karmada-metrics-collector-client")
    spec = certificate["spec"]
    assert certificate["metadata"]["namespace"] == "karmada-system"
    assert spec["secretName"] == SECRET
    assert spec["commonName"] == USER
    assert spec["usages"] == list(CLIENT_USAGES)
    assert "subject" not in spec  # no organization: no group
    assert spec["issuerRef"] == collector["spec"]["issuerRef"] == {
        "group": "cert-manager.io", "kind": "Issuer", "name": "karmada-client-ca"}
    assert spec["privateKey"]["rotationPolicy"] == "Always"


def test_in_karmada_the_guard_may_patch_clusters_and_the_failover_policy_only(synthesized):
    karmada = synthesized.manifests["karmada"]
    (role,) = _objects(karmada, "ClusterRole", "eks-karmada:fleet-guard")
    assert role["rules"] == [
        {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters"], "verbs": ["get", "list", "patch"]},
        {"apiGroups": ["policy.karmada.io"], "resources": ["clustertaintpolicies"], "resourceNames": [POLICY],
         "verbs": ["get", "patch"]},
    ]
    (binding,) = _objects(karmada, "ClusterRoleBinding", "eks-karmada:fleet-guard")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                  "name": "eks-karmada:fleet-guard"}
    assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": USER}]


def test_in_the_parent_the_guard_reads_its_own_secret_and_the_endpoint_slices_only(synthesized):
    parent = synthesized.manifests["parent"]
    (role,) = _objects(parent, "Role", "eks-karmada-fleet-guard")
    assert role["metadata"]["namespace"] == "karmada-system"
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": [SECRET], "verbs": ["get"]},
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["get", "list"]},
    ]
    (binding,) = _objects(parent, "RoleBinding", "eks-karmada-fleet-guard")
    assert binding["subjects"] == [{"kind": "Group", "name": GUARD_GROUP, "apiGroup": "rbac.authorization.k8s.io"}]
    assert binding["roleRef"]["name"] == "eks-karmada-fleet-guard"


# --- ordering --------------------------------------------------------------------------------------------------

def test_the_schedule_starts_once_the_guard_can_read_karmada_and_nothing_of_the_bring_up_waits_for_it(parent):
    graph = edges(parent)
    schedule_id, _ = _one(parent, "AWS::Scheduler::Schedule")
    waited = closure(graph, schedule_id)
    karmada_rbac = next(k for k in _resources(parent, KarmadaManifest.RESOURCE_TYPE) if k.startswith("FleetGuard"))
    manifests = {k for k in _resources(parent, "Custom::AWSCDK-EKS-KubernetesResource") if k.startswith("FleetGuard")}
    entry = next(k for k in _resources(parent, "AWS::EKS::AccessEntry") if k.startswith("FleetGuard"))
    assert len(manifests) == 2 and {karmada_rbac, entry, *manifests} <= waited
    guard = {k for k in parent["Resources"] if k.startswith("FleetGuard")}
    bootstrap = {k for k in _resources(parent, KarmadaManifest.RESOURCE_TYPE) if k.startswith("KarmadaApiBootstrap")}
    rbac = {k for k in bootstrap if k.startswith("KarmadaApiBootstrapRbac")}
    assert len(bootstrap) == 3 and len(rbac) == 1
    # The guard's RBAC is applied by the general applier, which the bootstrap's RBAC lets in; otherwise off the
    # bootstrap's path both ways: it waits for neither the CRDs nor the objects, and they wait for nothing of the guard.
    assert rbac <= closure(graph, karmada_rbac)
    assert not (bootstrap - rbac) & closure(graph, karmada_rbac)
    for logical_id in bootstrap:
        assert not guard & closure(graph, logical_id), logical_id


# --- alarms ----------------------------------------------------------------------------------------------------

def test_alarms_fire_when_every_run_fails_or_none_runs_and_not_before_the_schedule_exists(parent):
    function_id, _ = _guard_function(parent)
    schedule_id, _ = _one(parent, "AWS::Scheduler::Schedule")
    alarms = {k: v for k, v in _resources(parent, "AWS::CloudWatch::Alarm").items() if "FleetGuard" in k}
    errors = next(v for k, v in alarms.items() if "FleetGuardErrors" in k)
    not_running_id, not_running = next((k, v) for k, v in alarms.items() if "FleetGuardNotRunning" in k)
    for alarm in (errors, not_running):
        assert alarm["Properties"]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function_id}}]
        assert "runbook: docs/operations.md#fleet-guard" in alarm["Properties"]["AlarmDescription"]
    e, n = errors["Properties"], not_running["Properties"]
    assert (e["MetricName"], e["Period"], e["EvaluationPeriods"], e["DatapointsToAlarm"], e["Threshold"]) == (
        "Errors", 60, 10, 10, 1)
    assert e["TreatMissingData"] == "notBreaching"
    assert (n["MetricName"], n["Period"] * n["EvaluationPeriods"], n["ComparisonOperator"], n["Threshold"]) == (
        "Invocations", 600, "LessThanThreshold", 1)
    assert n["TreatMissingData"] == "breaching"
    assert schedule_id in closure(edges(parent), not_running_id)


# --- switched off ----------------------------------------------------------------------------------------------

def test_nothing_of_the_guard_is_synthesized_when_it_is_off(tmp_path):
    off = synthesize(parse_config(_config(enabled=False), "off"), tmp_path)
    template = off.templates[PARENT]
    assert not [k for k in template["Resources"] if k.startswith("FleetGuard")]
    assert not {v["Type"] for v in template["Resources"].values()} & {
        "AWS::Scheduler::Schedule", "AWS::Scheduler::ScheduleGroup"}
    assert not [v for v in _resources(template, "AWS::Lambda::Function").values()
                if v["Properties"].get("Handler") == HANDLER]
    rendered = json.dumps(off.manifests)
    assert SECRET not in rendered and USER not in rendered and GUARD_GROUP not in rendered


# --- names -----------------------------------------------------------------------------------------------------

def test_the_schedule_group_name_fits_scheduler_limits_for_every_cluster_name():
    assert schedule_group_name("karmada-parent") == "karmada-parent-fleet-guard"
    longest = "c" * 100
    name = schedule_group_name(longest)
    assert len(name) == 64 and name.endswith("-fleet-guard")
    assert name != schedule_group_name("c" * 99)  # cut names stay distinct
    assert len(schedule_group_name("c" * 52)) == 64 and schedule_group_name("c" * 52) == "c" * 52 + "-fleet-guard"
