"""The functions run every minute against the Karmada API (the fleet guard, the work healer), as synthesized.

Their schedule, function, identities and RBAC.

The default config's synth, plus one with a single member and other settings (the input follows the config) and
one with each switched off (nothing of it is synthesized).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass

import pytest
import yaml

from charts.karmada.pki import CLIENT_USAGES
from eks_karmada.config import DEFAULT_CONFIG_PATH, parse_config
from functions.karmada_manifest import properties as keys
from karmada_constructs import fleet_guard, work_healer
from karmada_constructs.karmada_manifest import KarmadaManifest
from karmada_constructs.scheduled_karmada_function import schedule_group_name as group_name
from tests.synth import synthesize
from tests.template_graph import closure, edges

PARENT = "KarmadaParent"
POLICY = "karmada-cluster-not-ready"
ACCESS_KEYS = {keys.CLUSTER_NAME, keys.FIELD_MANAGER, keys.ADMIN_SECRET_NAMESPACE, keys.ADMIN_SECRET_NAME,
               keys.API_SERVER_NAMESPACE, keys.API_SERVER_SERVICE, keys.API_SERVER_PORT, keys.API_SERVER_SERVER_NAME,
               "PollSeconds", "RunSeconds"}


@dataclass(frozen=True)
class Job:
    config_key: str  # under karmada.
    prefix: str  # its constructs' logical ids (and alarms') start with it
    name: str  # schedule name, group suffix, parent RBAC suffix
    handler: str
    group: str
    user: str
    secret: str
    field_manager: str
    settings: dict  # its own input keys beside the access and the pacing, as the default config renders them
    tuned: dict  # config of the "tuned" synth
    tuned_settings: dict  # what that config renders of PollSeconds and its own keys

    def __str__(self) -> str:
        return self.name


GUARD = Job("fleet_guard", "FleetGuard", fleet_guard.NAME, fleet_guard.HANDLER, fleet_guard.GUARD_GROUP,
            "system:karmada:fleet-guard", "karmada-fleet-guard-client", "eks-karmada-fleet-guard",
            {"TaintPolicy": POLICY, "OutagePercent": "50"},
            {"outage_percent": 30, "poll_seconds": 15}, {"OutagePercent": "30", "PollSeconds": "15"})
HEALER = Job("work_healer", "WorkHealer", work_healer.NAME, work_healer.HANDLER, work_healer.HEALER_GROUP,
             "system:karmada:work-healer", "karmada-work-healer-client", "eks-karmada-work-healer",
             {"Leases": "karmada-system/karmada-controller-manager"},
             {"poll_seconds": 20}, {"PollSeconds": "20"})
JOBS = [GUARD, HEALER]


def _config(**settings):
    data = copy.deepcopy(yaml.safe_load(DEFAULT_CONFIG_PATH.read_text()))
    data["karmada"].update(settings)
    return data


def _resources(template: dict, type_: str, prefix: str = "") -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_ and k.startswith(prefix)}


def _one(template: dict, type_: str, prefix: str) -> tuple[str, dict]:
    (item,) = _resources(template, type_, prefix).items()
    return item


def _function(template: dict, job: Job) -> tuple[str, dict]:
    (item,) = [(k, v) for k, v in _resources(template, "AWS::Lambda::Function").items()
               if v["Properties"].get("Handler") == job.handler]
    return item


def _objects(manifests: list[dict], kind: str, name: str) -> list[dict]:
    return [o for o in manifests if o["kind"] == kind and o["metadata"]["name"] == name]


@pytest.fixture(scope="module")
def parent(synthesized) -> dict:
    return synthesized.templates[PARENT]


@pytest.fixture(scope="module")
def tuned(tmp_path_factory):
    """One member only, and settings other than the defaults."""
    data = _config(**{job.config_key: job.tuned for job in JOBS})
    data["members"] = data["members"][:1]
    return synthesize(parse_config(data, "tuned"), tmp_path_factory.mktemp("cdk.out"))


def _input(template: dict, job: Job) -> dict:
    _, schedule = _one(template, "AWS::Scheduler::Schedule", job.prefix)
    raw = schedule["Properties"]["Target"]["Input"]
    assert isinstance(raw, str)  # a literal: no token, nothing resolved at deploy time
    return json.loads(raw)


jobs = pytest.mark.parametrize("job", JOBS, ids=str)


# --- the schedule ----------------------------------------------------------------------------------------------

@jobs
def test_the_schedule_invokes_the_function_every_minute_without_window_or_retries(parent, job):
    function_id, _ = _function(parent, job)
    group_id, group = _one(parent, "AWS::Scheduler::ScheduleGroup", job.prefix)
    _, schedule = _one(parent, "AWS::Scheduler::Schedule", job.prefix)
    props = schedule["Properties"]
    assert props["ScheduleExpression"] == "rate(1 minute)"
    assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert props["State"] == "ENABLED"
    assert props["GroupName"] == {"Ref": group_id}
    assert group["Properties"]["Name"] == f"karmada-parent-{job.name}"
    target = props["Target"]
    assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60}


@jobs
def test_the_input_reaches_karmada_with_the_jobs_own_secret_and_carries_the_defaults(parent, job):
    given = _input(parent, job)
    assert set(given) == ACCESS_KEYS | set(job.settings)
    assert all(isinstance(v, str) for v in given.values())
    assert given == {
        keys.CLUSTER_NAME: "karmada-parent", keys.FIELD_MANAGER: job.field_manager,
        keys.ADMIN_SECRET_NAMESPACE: "karmada-system", keys.ADMIN_SECRET_NAME: job.secret,
        keys.API_SERVER_NAMESPACE: "karmada-system", keys.API_SERVER_SERVICE: "karmada-apiserver",
        keys.API_SERVER_PORT: "5443", keys.API_SERVER_SERVER_NAME: "karmada-apiserver.karmada-system.svc.cluster.local",
        "PollSeconds": "10", "RunSeconds": "50", **job.settings,
    }


def test_the_taint_policy_the_guard_suspends_is_the_one_the_bootstrap_applies(parent, synthesized):
    (policy,) = [o for o in synthesized.manifests["karmada"] if o["kind"] == "ClusterTaintPolicy"]
    assert policy["metadata"]["name"] == _input(parent, GUARD)["TaintPolicy"]


@jobs
def test_the_input_follows_the_config_and_a_single_member_fleet_still_has_the_job(tuned, job):
    template = tuned.templates[PARENT]
    given = _input(template, job)
    assert {k: given[k] for k in job.tuned_settings} == job.tuned_settings
    assert given["RunSeconds"] == "50"
    assert set(given) == ACCESS_KEYS | set(job.settings)
    _function(template, job)


@jobs
def test_the_scheduler_role_trusts_only_scheduler_for_the_jobs_own_group_in_this_account(parent, job):
    group_id, _ = _one(parent, "AWS::Scheduler::ScheduleGroup", job.prefix)
    _, schedule = _one(parent, "AWS::Scheduler::Schedule", job.prefix)
    role_id = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    role = parent["Resources"][role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [{
        "Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"},
        "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"},
                                       "aws:SourceArn": {"Fn::GetAtt": [group_id, "Arn"]}}},
    }]
    assert "ManagedPolicyArns" not in role and "Policies" not in role
    # The group holds this schedule only, so the condition on the group is one on the schedule.
    assert [s["Properties"]["GroupName"] for s in _resources(parent, "AWS::Scheduler::Schedule").values()
            if s["Properties"]["GroupName"] == {"Ref": group_id}] == [{"Ref": group_id}]


@jobs
def test_the_scheduler_role_may_only_invoke_the_jobs_function(parent, job):
    function_id, _ = _function(parent, job)
    _, schedule = _one(parent, "AWS::Scheduler::Schedule", job.prefix)
    role_id = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    policies = [p["Properties"] for p in _resources(parent, "AWS::IAM::Policy").values()
                if {"Ref": role_id} in p["Properties"]["Roles"]]
    assert [p["PolicyDocument"]["Statement"] for p in policies] == [[{
        "Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": {"Fn::GetAtt": [function_id, "Arn"]},
    }]]


# --- the function ----------------------------------------------------------------------------------------------

@jobs
def test_the_function_never_overlaps_itself_and_ends_within_its_minute(parent, job):
    function_id, function = _function(parent, job)
    props = function["Properties"]
    assert props["ReservedConcurrentExecutions"] == 1
    assert props["Timeout"] == 70
    assert props["VpcConfig"]["SubnetIds"]
    # A throttled or failed asynchronous run is dropped, not replayed behind the next ones.
    (config,) = [v["Properties"] for v in _resources(parent, "AWS::Lambda::EventInvokeConfig").values()
                 if v["Properties"]["FunctionName"] == {"Ref": function_id}]
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (0, 60)


@jobs
def test_the_functions_role_maps_to_the_jobs_group_in_the_parent(parent, job):
    _, function = _function(parent, job)
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    (entry,) = [v["Properties"] for v in _resources(parent, "AWS::EKS::AccessEntry").values()
                if v["Properties"]["PrincipalArn"] == {"Fn::GetAtt": [role_id, "Arn"]}]
    assert entry["KubernetesGroups"] == [job.group] and entry["Type"] == "STANDARD"
    policies = [p["Properties"] for p in _resources(parent, "AWS::IAM::Policy").values()
                if {"Ref": role_id} in p["Properties"]["Roles"]]
    statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
    assert [s["Action"] for s in statements] == ["eks:DescribeCluster"]


# --- identities and RBAC ---------------------------------------------------------------------------------------

@jobs
def test_the_client_certificate_is_the_jobs_own_user_from_the_karmada_ca(synthesized, job):
    parent = synthesized.manifests["parent"]
    (certificate,) = _objects(parent, "Certificate", job.secret)
    (collector,) = _objects(parent, "Certificate", "karmada-metrics-collector-client")
    spec = certificate["spec"]
    assert certificate["metadata"]["namespace"] == "karmada-system"
    assert spec["secretName"] == job.secret
    assert spec["commonName"] == job.user
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
    assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": GUARD.user}]


def test_in_karmada_the_healer_may_patch_works_and_read_the_execution_controllers_leases_only(synthesized):
    karmada = synthesized.manifests["karmada"]
    (role,) = _objects(karmada, "ClusterRole", "eks-karmada:work-healer")
    assert role["rules"] == [
        {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters"], "verbs": ["get", "list"]},
        {"apiGroups": ["work.karmada.io"], "resources": ["works"], "verbs": ["get", "list", "patch"]},
        {"apiGroups": ["work.karmada.io"], "resources": ["works/status"], "verbs": ["get", "patch"]},
        {"apiGroups": ["work.karmada.io"], "resources": ["resourcebindings", "clusterresourcebindings"],
         "verbs": ["get", "list"]},
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
         "resourceNames": ["karmada-controller-manager"], "verbs": ["get"]},
    ]
    (binding,) = _objects(karmada, "ClusterRoleBinding", "eks-karmada:work-healer")
    assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": HEALER.user}]
    # The patch rights are narrowed to the nudge and the status mark for that user (charts/work_healer; e2e/test_13i
    # tries them).
    for name, resource in (("nudge-only", "works"), ("status-mark-only", "works/status")):
        (policy,) = _objects(karmada, "ValidatingAdmissionPolicy", f"eks-karmada-work-healer-{name}")
        assert policy["spec"]["matchConditions"] == [
            {"name": "work-healer", "expression": f"request.userInfo.username == '{HEALER.user}'"}]
        (rule,) = policy["spec"]["matchConstraints"]["resourceRules"]
        assert (rule["operations"], rule["resources"]) == (["UPDATE"], [resource])
        (policy_binding,) = _objects(karmada, "ValidatingAdmissionPolicyBinding", f"eks-karmada-work-healer-{name}")
        assert policy_binding["spec"] == {"policyName": f"eks-karmada-work-healer-{name}",
                                          "validationActions": ["Deny"]}


@jobs
def test_in_the_parent_the_job_reads_its_own_secret_and_the_endpoint_slices_only(synthesized, job):
    parent = synthesized.manifests["parent"]
    (role,) = _objects(parent, "Role", f"eks-karmada-{job.name}")
    assert role["metadata"]["namespace"] == "karmada-system"
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": [job.secret], "verbs": ["get"]},
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["get", "list"]},
    ]
    (binding,) = _objects(parent, "RoleBinding", f"eks-karmada-{job.name}")
    assert binding["subjects"] == [{"kind": "Group", "name": job.group, "apiGroup": "rbac.authorization.k8s.io"}]
    assert binding["roleRef"]["name"] == f"eks-karmada-{job.name}"


# --- ordering --------------------------------------------------------------------------------------------------

@jobs
def test_the_schedule_starts_once_the_job_can_read_karmada_and_nothing_of_the_bring_up_waits_for_it(parent, job):
    graph = edges(parent)
    schedule_id, _ = _one(parent, "AWS::Scheduler::Schedule", job.prefix)
    waited = closure(graph, schedule_id)
    (karmada_rbac,) = _resources(parent, KarmadaManifest.RESOURCE_TYPE, job.prefix)
    manifests = set(_resources(parent, "Custom::AWSCDK-EKS-KubernetesResource", job.prefix))
    (entry,) = _resources(parent, "AWS::EKS::AccessEntry", job.prefix)
    assert len(manifests) == 2 and {karmada_rbac, entry, *manifests} <= waited
    own = {k for k in parent["Resources"] if k.startswith(job.prefix)}
    bootstrap = set(_resources(parent, KarmadaManifest.RESOURCE_TYPE, "KarmadaApiBootstrap"))
    rbac = {k for k in bootstrap if k.startswith("KarmadaApiBootstrapRbac")}
    assert len(bootstrap) == 3 and len(rbac) == 1
    # Its RBAC is applied by the general applier, which the bootstrap's RBAC lets in; otherwise off the bootstrap's
    # path both ways: it waits for neither the CRDs nor the objects, and they wait for nothing of the job.
    assert rbac <= closure(graph, karmada_rbac)
    assert not (bootstrap - rbac) & closure(graph, karmada_rbac)
    for logical_id in bootstrap:
        assert not own & closure(graph, logical_id), logical_id


# --- alarms ----------------------------------------------------------------------------------------------------

@jobs
def test_alarms_fire_when_every_run_fails_or_none_runs_and_not_before_the_schedule_exists(parent, job):
    function_id, _ = _function(parent, job)
    schedule_id, _ = _one(parent, "AWS::Scheduler::Schedule", job.prefix)
    alarms = {k: v for k, v in _resources(parent, "AWS::CloudWatch::Alarm").items() if job.prefix in k}
    errors = next(v for k, v in alarms.items() if f"{job.prefix}Errors" in k)
    not_running_id, not_running = next((k, v) for k, v in alarms.items() if f"{job.prefix}NotRunning" in k)
    for alarm in (errors, not_running):
        assert alarm["Properties"]["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function_id}}]
        assert f"runbook: docs/operations.md#{job.name}" in alarm["Properties"]["AlarmDescription"]
    e, n = errors["Properties"], not_running["Properties"]
    assert (e["MetricName"], e["Period"], e["EvaluationPeriods"], e["DatapointsToAlarm"], e["Threshold"]) == (
        "Errors", 60, 10, 10, 1)
    assert e["TreatMissingData"] == "notBreaching"
    assert (n["MetricName"], n["Period"] * n["EvaluationPeriods"], n["ComparisonOperator"], n["Threshold"]) == (
        "Invocations", 600, "LessThanThreshold", 1)
    assert n["TreatMissingData"] == "breaching"
    assert schedule_id in closure(edges(parent), not_running_id)


# --- switched off ----------------------------------------------------------------------------------------------

@jobs
def test_nothing_of_the_job_is_synthesized_when_it_is_off_and_the_other_stays(tmp_path, job):
    off = synthesize(parse_config(_config(**{job.config_key: {"enabled": False}}), "off"), tmp_path)
    template = off.templates[PARENT]
    assert not [k for k in template["Resources"] if k.startswith(job.prefix)]
    assert not [v for v in _resources(template, "AWS::Lambda::Function").values()
                if v["Properties"].get("Handler") == job.handler]
    rendered = json.dumps(off.manifests)
    assert job.secret not in rendered and job.user not in rendered and job.group not in rendered
    (other,) = [j for j in JOBS if j is not job]
    _one(template, "AWS::Scheduler::Schedule", other.prefix)


# --- names -----------------------------------------------------------------------------------------------------

@jobs
def test_the_schedule_group_name_fits_scheduler_limits_for_every_cluster_name(job):
    assert group_name("karmada-parent", job.name) == f"karmada-parent-{job.name}"
    longest = "c" * 100
    name = group_name(longest, job.name)
    assert len(name) == 64 and name.endswith(f"-{job.name}")
    assert name != group_name("c" * 99, job.name)  # cut names stay distinct
    cut = 64 - len(job.name) - 1
    assert group_name("c" * cut, job.name) == "c" * cut + f"-{job.name}"
