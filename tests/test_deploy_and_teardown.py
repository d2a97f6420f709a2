"""Classes of defects that make a real `cdk deploy --all` fail at random or leave a redeploy blocked.

Classes of defects that make a real `cdk deploy --all` fail at random or leave a redeploy blocked, each held over every
template: admission webhooks answering before what they intercept, names an AWS service recreates behind
CloudFormation's back, custom resources that never re-run, health checks that overlap.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from aws_cdk import App, Stack

from karmada_constructs.deploy_time_lookup import REFRESH_CONTEXT
from karmada_constructs.load_balancer_controller import WEBHOOK_SERVICE
from karmada_constructs.parent_egress_addresses import ParentEgressAddresses, ParentEgressAddressesProps
from stacks.egress_stack import nat_address_logical_id
from tests.template_graph import closure, edges, references

PARENT = "KarmadaParent"
ACCOUNT = "123456789012"


def _resources(template: dict, type_: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def _resolve(value, refs: dict | None = None):
    """A template value with intrinsics replaced by readable stand-ins (Fn::Join joined)."""
    refs = refs or {}
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()
        if fn == "Fn::Join":
            return arg[0].join(str(_resolve(part, refs)) for part in arg[1])
        if fn == "Ref":
            return refs.get(arg, f"<{arg}>")
        if fn == "Fn::GetAtt":
            return refs.get(f"{arg[0]}.{arg[1]}", f"<{arg[0]}.{arg[1]}>")
    if isinstance(value, dict):
        return {k: _resolve(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, refs) for v in value]
    return value


def _after(template: dict, logical_id: str) -> set[str]:
    """Every resource `logical_id` waits for at deploy (and goes before at delete)."""
    return closure(edges(template), logical_id)


# ---- 1. admission webhooks answer before what they intercept -----------------------------------------


def _load_balancer_controller_values(template: dict) -> dict:
    (release,) = [r for r in _resources(template, "Custom::AWSCDK-EKS-HelmChart").values()
                  if r["Properties"]["Chart"] == "aws-load-balancer-controller"]
    return json.loads(_resolve(release["Properties"]["Values"]))


def test_load_balancer_controller_has_no_service_mutator_and_the_configured_image(synthesized, default_config):
    values = _load_balancer_controller_values(synthesized.templates[PARENT])
    # Chart v3.2.2's mservice.elbv2.k8s.aws (failurePolicy Fail) would reject every Service until it runs.
    assert values["enableServiceMutatorWebhook"] is False
    addons = default_config.parent.addons
    # Through the parent's pull-through cache (its account is the stack's).
    assert values["image"] == {
        "repository": f"<AWS::AccountId>.dkr.ecr.us-east-1.amazonaws.com/{addons.load_balancer_controller_repository}",
        "tag": addons.load_balancer_controller}
    assert addons.load_balancer_controller_repository == "public.ecr.aws/eks/aws-load-balancer-controller"
    # What aws_eks_v2 sets is kept: the cluster, its region and VPC, and its IRSA service account.
    assert values["clusterName"] == "<EksClusterB2BDED5B>" and values["region"] == "us-east-1"
    assert values["vpcId"].startswith("<NetworkVpc") and values["serviceAccount"] == {
        "create": False, "name": "aws-load-balancer-controller"}


# API groups and kinds whose admission webhooks have failurePolicy Fail at the pinned charts, with the
# template resource that must have answered first (matched by type and a property).
_WEBHOOK_OWNERS = {
    # aws-load-balancer-controller v3.2.2: TargetGroupBinding (mutating + validating), IngressClassParams, Ingress.
    "elbv2.k8s.aws": ("Custom::AWSCDK-EKS-KubernetesObjectValue", "ObjectName", WEBHOOK_SERVICE),
    "networking.k8s.io/Ingress": ("Custom::AWSCDK-EKS-KubernetesObjectValue", "ObjectName", WEBHOOK_SERVICE),
    # cert-manager: its webhook validates every cert-manager.io object; the release waits for it
    # (--wait and the startupapicheck job).
    "cert-manager.io": ("Custom::AWSCDK-EKS-HelmChart", "Chart", "cert-manager"),
}


def _manifest_objects(resource: dict) -> list[dict]:
    manifest = _resolve(resource["Properties"]["Manifest"])
    return json.loads(manifest) if isinstance(manifest, str) else manifest


def test_every_object_a_failing_webhook_intercepts_is_applied_after_that_webhook_answers(synthesized):
    template = synthesized.templates[PARENT]
    resources = template["Resources"]
    checked = set()
    for logical_id, resource in _resources(template, "Custom::AWSCDK-EKS-KubernetesResource").items():
        for obj in _manifest_objects(resource):
            group = obj["apiVersion"].rpartition("/")[0]
            owner = _WEBHOOK_OWNERS.get(group) or _WEBHOOK_OWNERS.get(f"{group}/{obj['kind']}")
            if not owner:
                continue
            type_, prop, value = owner
            (owner_id,) = [k for k, v in _resources(template, type_).items() if v["Properties"].get(prop) == value]
            assert owner_id in _after(template, logical_id), f"{logical_id}: {obj['kind']} before {owner_id}"
            checked.add((obj["kind"], owner_id))
    assert {kind for kind, _ in checked} >= {"TargetGroupBinding", "Certificate", "Issuer"}
    # The webhook check itself comes after the controller's release.
    (wait_id,) = [k for k, v in _resources(template, "Custom::AWSCDK-EKS-KubernetesObjectValue").items()
                  if v["Properties"]["ObjectName"] == WEBHOOK_SERVICE]
    wait = resources[wait_id]["Properties"]
    assert (wait["ObjectType"], wait["ObjectNamespace"], wait["JsonPath"]) == (
        "endpoints", "kube-system", ".subsets[0].addresses[0].ip")
    controller = [k for k, v in _resources(template, "Custom::AWSCDK-EKS-HelmChart").items()
                  if v["Properties"]["Chart"] == "aws-load-balancer-controller"]
    assert set(controller) <= _after(template, wait_id)


# ---- 2 and 3. log groups: explicit, encrypted, expiring, never a name a service recreates ------------


@pytest.mark.parametrize("prefix", ["/aws/lambda/", "/aws/eks/"])
def test_no_template_owns_a_log_group_name_an_aws_service_writes_to_by_itself(synthesized, prefix):
    for stack, template in synthesized.templates.items():
        for logical_id, group in _resources(template, "AWS::Logs::LogGroup").items():
            name = json.dumps(group["Properties"].get("LogGroupName", ""))
            assert prefix not in name, f"{stack}/{logical_id} is named {name}"


def test_every_lambda_function_logs_into_an_explicit_group_of_its_stack(synthesized):
    functions = 0
    for stack, template in synthesized.templates.items():
        groups = _resources(template, "AWS::Logs::LogGroup")
        for logical_id, function in _resources(template, "AWS::Lambda::Function").items():
            target = function["Properties"].get("LoggingConfig", {}).get("LogGroup")
            assert isinstance(target, dict) and target.get("Ref") in groups, f"{stack}/{logical_id}: {target}"
            functions += 1
    # Ours, the kubectl handler and provider, CDK's custom resource singletons (VPC default security
    # group, CfnJson utils, AwsCustomResource).
    assert functions >= 20
    kinds = {k for t in synthesized.templates.values() for k in _resources(t, "AWS::Lambda::Function")}
    assert any(k.startswith("CustomVpcRestrictDefaultSG") for k in kinds)
    assert any(k.startswith("AWSCDKCfnUtilsProvider") for k in kinds)
    assert any(k.startswith("AWS679f53fac002430cb0da5b7982bd2287") for k in kinds)


class FakeCloudWatchLogs:
    """The four CloudWatch Logs calls EksControlPlaneLogGroup makes, with the service's errors."""

    RETENTION = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                 3288, 3653}

    class Error(Exception):
        def __init__(self, code: str) -> None:
            super().__init__(code)
            self.code = code

    def __init__(self) -> None:
        self.groups: dict[str, dict] = {}

    def _group(self, name: str) -> dict:
        if name not in self.groups:
            raise self.Error("ResourceNotFoundException")
        return self.groups[name]

    def createLogGroup(self, logGroupName: str, kmsKeyId: str | None = None) -> None:  # noqa: N802, N803
        if logGroupName in self.groups:
            raise self.Error("ResourceAlreadyExistsException")
        self.groups[logGroupName] = {"kmsKeyId": kmsKeyId, "retentionInDays": None}

    def associateKmsKey(self, logGroupName: str, kmsKeyId: str) -> None:  # noqa: N802, N803
        self._group(logGroupName)["kmsKeyId"] = kmsKeyId

    def putRetentionPolicy(self, logGroupName: str, retentionInDays: int) -> None:  # noqa: N802, N803
        if retentionInDays not in self.RETENTION:
            raise self.Error("InvalidParameterException")
        self._group(logGroupName)["retentionInDays"] = retentionInDays

    def deleteLogGroup(self, logGroupName: str) -> None:  # noqa: N802, N803
        self._group(logGroupName)
        del self.groups[logGroupName]

    def run(self, call: dict) -> None:
        """One AwsCustomResource call: its error is ignored when ignoreErrorCodesMatching matches it."""
        assert call["service"] == "CloudWatchLogs"
        try:
            getattr(self, call["action"])(**call["parameters"])
        except self.Error as err:
            if not re.search(call.get("ignoreErrorCodesMatching") or "(?!)", err.code):
                raise


KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/logs"


def _log_group_calls(template: dict) -> tuple[str, dict[str, dict]]:
    """The cluster's logical ID, and each of EksControlPlaneLogGroup's custom resources (by logical ID)."""
    (cluster_id,) = _resources(template, "AWS::EKS::Cluster")
    keys = _resources(template, "AWS::KMS::Key")
    refs = {f"{k}.Arn": KEY_ARN for k in keys}
    calls = {}
    for logical_id, resource in _resources(template, "Custom::AWS").items():
        props = {k: _resolve(v, refs) for k, v in resource["Properties"].items() if k in ("Create", "Update", "Delete")}
        parsed = {k: json.loads(v) for k, v in props.items()}
        if parsed["Create"]["service"] == "CloudWatchLogs":
            calls[logical_id] = parsed
    return cluster_id, calls


def _deploy(logs: FakeCloudWatchLogs, template: dict, calls: dict[str, dict]) -> None:
    """Create in the template's dependency order."""
    for logical_id in sorted(calls, key=lambda k: len(_after(template, k) & set(calls))):
        logs.run(calls[logical_id]["Create"])


@pytest.mark.parametrize("stack", ["KarmadaParent", "KarmadaMember-member-use1"])
def test_control_plane_log_group_deploy_and_destroy_paths(synthesized, default_config, stack):
    template = synthesized.templates[stack]
    cluster_id, calls = _log_group_calls(template)
    assert len(calls) == 3
    name = calls[next(iter(calls))]["Create"]["parameters"]["logGroupName"]
    assert re.fullmatch(r"/aws/eks/karmada-[a-z0-9-]+/cluster", name)
    # Every call is made before the cluster exists, so EKS's first log lands encrypted; at delete the
    # cluster goes first.
    assert set(calls) <= _after(template, cluster_id)

    # First deploy in a fresh account.
    logs = FakeCloudWatchLogs()
    _deploy(logs, template, calls)
    assert logs.groups == {name: {"kmsKeyId": KEY_ARN, "retentionInDays": default_config.parent.log_retention_days}}

    # Destroy: the group goes after the cluster; a second delete (the group already gone) is no error.
    (deleter,) = [c["Delete"] for c in calls.values() if "Delete" in c]
    logs.run(deleter)
    assert logs.groups == {}
    logs.run(deleter)

    # Late logs after the destroy: EKS recreates the group, unencrypted and never expiring.
    logs.groups[name] = {"kmsKeyId": None, "retentionInDays": None}
    # The next deploy with the same cluster name adopts and hardens it instead of failing with AlreadyExists.
    _deploy(logs, template, calls)
    assert logs.groups == {name: {"kmsKeyId": KEY_ARN, "retentionInDays": default_config.parent.log_retention_days}}


# ---- 4. the members' allow-list of the parent's egress addresses ------------------------------------


def test_egress_lookups_read_each_address_from_the_stack_that_allocated_it(mirrored, mirrored_config):
    """Not by tag (anyone with ec2:CreateTags could tag an address alike): by the egress stack's own resource.

    member-euw1 is the mirrored config's member with endpoint.parent_access: public.
    """
    count = mirrored_config.parent.nat_gateways
    egress = mirrored.templates["KarmadaEgress"]
    eips = _resources(egress, "AWS::EC2::EIP")
    slots = [nat_address_logical_id(i) for i in range(count)]
    assert sorted(eips) == sorted(slots)

    member = mirrored.templates["KarmadaMember-member-euw1"]
    lookups = {}
    for logical_id, resource in _resources(member, "Custom::AWS").items():
        call = json.loads(_resolve(resource["Properties"]["Create"]))
        if call["action"] == "describeStackResource":
            assert call["service"] == "CloudFormation" and call["parameters"]["StackName"] == "KarmadaEgress"
            assert call["outputPaths"] == ["StackResourceDetail.PhysicalResourceId"]
            assert json.loads(_resolve(resource["Properties"]["Update"])) == call
            lookups[call["parameters"]["LogicalResourceId"]] = logical_id
    assert sorted(lookups) == sorted(slots)
    (reader,) = [r for r in _resources(egress, "AWS::IAM::Policy").values()]
    (statement,) = reader["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "cloudformation:DescribeStackResource"
    assert ":stack/KarmadaEgress/*" in json.dumps(statement["Resource"])
    (cluster,) = _resources(member, "AWS::EKS::Cluster").values()
    egress_cidrs = [c for c in cluster["Properties"]["ResourcesVpcConfig"]["PublicAccessCidrs"] if "Fn::Join" in c]
    assert [references(c) for c in egress_cidrs] == [{lookups[slot]} for slot in slots]


def _lookup_refresh_values(context: dict | None) -> list[str]:
    app = App(context=context or {})
    stack = Stack(app, "Member", env={"account": ACCOUNT, "region": "us-west-2"})
    ParentEgressAddresses(stack, "ParentEgress", ParentEgressAddressesProps(
        region="us-east-1", account=None, reader_role_name="reader", egress_stack_name="KarmadaEgress",
        logical_ids=["NatAddress0", "NatAddress1"]))
    template = app.synth().get_stack_by_name("Member").template
    return [r["Properties"]["Refresh"] for r in _resources(template, "Custom::AWS").values()]


def test_egress_lookups_change_on_every_synth_so_every_deploy_re_reads_them():
    before = datetime.now(UTC).replace(microsecond=0)
    values = _lookup_refresh_values(None)
    assert len(set(values)) == 1 and datetime.fromisoformat(values[0]) >= before
    assert _lookup_refresh_values({REFRESH_CONTEXT: "pinned"}) == ["pinned", "pinned"]


def test_every_lookup_of_one_synth_carries_the_same_refresh_even_across_a_second(monkeypatch):
    from karmada_constructs import deploy_time_lookup

    ticks = iter(range(100))

    class Ticking:  # a clock that moves one second between any two readings
        @staticmethod
        def now(tz):
            return datetime(2026, 1, 1, tzinfo=tz) + timedelta(seconds=next(ticks))

    monkeypatch.setattr(deploy_time_lookup, "datetime", Ticking)
    first, second = _lookup_refresh_values(None), _lookup_refresh_values(None)
    assert len(set(first)) == 1 and len(set(second)) == 1 and first != second


# ---- 8. health checks that cannot overlap -----------------------------------------------------------


def test_every_target_group_health_check_times_out_before_the_next_one_starts(synthesized):
    groups = [g for t in synthesized.templates.values()
              for g in _resources(t, "AWS::ElasticLoadBalancingV2::TargetGroup").values()]
    assert groups
    for group in groups:
        props = group["Properties"]
        assert props["HealthCheckTimeoutSeconds"] < props["HealthCheckIntervalSeconds"], props
