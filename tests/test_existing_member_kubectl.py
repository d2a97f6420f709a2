"""An existing member's kubectl provider inside the member's VPC (issue 13, item 10).

GIVEN two existing members, one with `kubectl_network` (private subnets of its cluster's VPC) and one without,
WHEN the app is synthesized, THEN the first one's kubectl Lambdas (handler and provider framework) run in those
subnets with a security group of their own that connects out on 443 only, the cluster's security group (read at
deploy time from describeCluster) admits that group on 443, and the member-side objects wait for both rules; the
second one's member stack is what it was before the field existed, and synth notes the field by name.
"""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from eks_karmada.config import ConfigError, parse_config
from karmada_constructs.existing_cluster import CLUSTER_SECURITY_GROUP_ID, ENDPOINT, VPC_ID
from tests.synth import synthesize

SUBNETS = ["subnet-0c0000000000000c1", "subnet-0c0000000000000c2"]
PREFIX_LIST = "pl-6ea54007"
INSIDE = {"name": "prod", "kind": "existing", "region": "eu-west-1", "cluster_name": "prod-eks",
          "kubectl_network": {"subnet_ids": SUBNETS, "egress_cidrs": ["10.40.0.0/16"],
                              "egress_prefix_list_ids": [PREFIX_LIST]}}
OUTSIDE = {"name": "legacy", "kind": "existing", "region": "eu-west-1", "cluster_name": "legacy-eks"}
CONFIG = {"members": [{"name": "member-use1", "region": "us-east-1"}, INSIDE, OUTSIDE]}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    return synthesize(parse_config(CONFIG, "kubectl-network.yaml"), tmp_path_factory.mktemp("cdk.out"))


def _template(synthesized, member: str) -> Template:
    return Template.from_json(synthesized.templates[f"KarmadaMember-{member}"])


def _logical_id(template: Template, kind: str, props: dict | None = None) -> str:
    found = template.find_resources(kind, {"Properties": props} if props else None)
    assert len(found) == 1, f"{kind}: {sorted(found)}"
    return next(iter(found))


def _describe(template: Template) -> dict:
    return template.find_resources("Custom::AWS")[_logical_id(template, "Custom::AWS")]["Properties"]


def _lookup_field(template: Template, path: str) -> dict:
    return {"Fn::GetAtt": [_logical_id(template, "Custom::AWS"), path]}


def test_both_kubectl_lambdas_run_in_the_given_subnets_with_the_providers_own_group(synthesized):
    template = _template(synthesized, "prod")
    group = {"Fn::GetAtt": [_logical_id(template, "AWS::EC2::SecurityGroup"), "GroupId"]}
    functions = template.find_resources("AWS::Lambda::Function", {"Properties": {
        "VpcConfig": {"SubnetIds": SUBNETS, "SecurityGroupIds": [group]}}})
    descriptions = sorted(f["Properties"]["Description"] for f in functions.values())
    assert descriptions == [
        "AWS CDK resource provider framework - onEvent (KarmadaMember-prod/Eks/Kubectl/Provider)",
        "onEvent handler for EKS kubectl resource provider",
    ]


def test_the_providers_group_connects_out_on_443_only(synthesized):
    template = _template(synthesized, "prod")
    group_id = _logical_id(template, "AWS::EC2::SecurityGroup")
    props = template.find_resources("AWS::EC2::SecurityGroup")[group_id]["Properties"]
    assert props["VpcId"] == _lookup_field(template, VPC_ID)
    assert "SecurityGroupIngress" not in props
    separate = [rule["Properties"] for rule in template.find_resources("AWS::EC2::SecurityGroupEgress").values()]
    assert all(rule["GroupId"] == {"Fn::GetAtt": [group_id, "GroupId"]} for rule in separate)
    egress = [*props["SecurityGroupEgress"], *separate]
    assert {(rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) for rule in egress} == {("tcp", 443, 443)}
    destinations = [rule.get("CidrIp") or rule.get("DestinationPrefixListId") or rule["DestinationSecurityGroupId"]
                    for rule in egress]
    assert sorted(destinations, key=json.dumps) == sorted(
        ["10.40.0.0/16", PREFIX_LIST, _lookup_field(template, CLUSTER_SECURITY_GROUP_ID)], key=json.dumps)


def test_the_cluster_security_group_admits_the_provider_on_443(synthesized):
    template = _template(synthesized, "prod")
    template.resource_count_is("AWS::EC2::SecurityGroupIngress", 1)
    template.has_resource_properties("AWS::EC2::SecurityGroupIngress", {
        "GroupId": _lookup_field(template, CLUSTER_SECURITY_GROUP_ID),
        "SourceSecurityGroupId": {"Fn::GetAtt": [_logical_id(template, "AWS::EC2::SecurityGroup"), "GroupId"]},
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
    })


def test_the_same_describe_call_reads_the_vpc_and_stays_scoped_to_the_cluster(synthesized):
    template = _template(synthesized, "prod")
    call = json.loads(_describe(template)["Create"])
    assert (call["action"], call["parameters"]) == ("describeCluster", {"name": "prod-eks"})
    assert call["outputPaths"] == [ENDPOINT, VPC_ID, CLUSTER_SECURITY_GROUP_ID]
    template.has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": {"Statement": [{
        "Action": "eks:DescribeCluster", "Effect": "Allow",
        "Resource": {"Fn::Join": ["", ["arn:aws:eks:eu-west-1:",
                                       {"Ref": "AWS::AccountId"}, ":cluster/prod-eks"]]},
    }]}})


def test_the_member_side_objects_wait_for_both_rules(synthesized):
    template = _template(synthesized, "prod")
    rules = {_logical_id(template, "AWS::EC2::SecurityGroupEgress",
                         {"DestinationSecurityGroupId": _lookup_field(template, CLUSTER_SECURITY_GROUP_ID)}),
             _logical_id(template, "AWS::EC2::SecurityGroupIngress")}
    manifests = template.find_resources("Custom::AWSCDK-EKS-KubernetesResource")
    assert manifests
    for manifest in manifests.values():
        assert rules <= set(manifest.get("DependsOn", []))


def test_without_the_field_the_provider_stays_outside_any_vpc(synthesized):
    template = _template(synthesized, "legacy")
    for kind in ("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
        template.resource_count_is(kind, 0)
    template.resource_properties_count_is("AWS::Lambda::Function", {"VpcConfig": Match.any_value()}, 0)
    assert json.loads(_describe(template)["Create"])["outputPaths"] == [ENDPOINT]


def test_synth_notes_an_unset_field_by_name():
    notes = parse_config(CONFIG).warnings()
    assert [note for note in notes if "kubectl_network" in note] == [
        "members.legacy.kubectl_network not set: its kubectl provider runs outside any VPC, so the cluster's public "
        "endpoint must admit AWS Lambda; give private subnets of its VPC (docs/operations.md, existing members)"]


BAD = [
    ({"subnet_ids": SUBNETS[:1]}, "kubectl_network.subnet_ids: needs at least two private subnets in different "
     "availability zones, got 1; list two or more subnet ids of the member cluster's VPC"),
    ({"subnet_ids": [SUBNETS[0], "sg-0c0000000000000c1"]}, "kubectl_network.subnet_ids: 'sg-0c0000000000000c1' is "
     "not a subnet id; write it like subnet-0123456789abcdef0"),
    ({"subnet_ids": [SUBNETS[0], SUBNETS[0]]}, "kubectl_network.subnet_ids: lists subnet-0c0000000000000c1 more than "
     "once; give one subnet per availability zone"),
    ({"subnet_ids": SUBNETS, "egress_cidrs": []}, "kubectl_network.egress_cidrs: is empty, so the provider could "
     "reach no AWS API and CloudFormation would wait an hour; keep 0.0.0.0/0 (NAT) or give the VPC's CIDR "
     "(interface endpoints)"),
    ({"subnet_ids": SUBNETS, "egress_prefix_list_ids": ["s3"]}, "kubectl_network.egress_prefix_list_ids: 's3' is not "
     "a prefix list id; write it like pl-63a5400a (aws ec2 describe-managed-prefix-lists)"),
    ({}, "kubectl_network.subnet_ids: required field is missing; add it"),
]


@pytest.mark.parametrize("network, message", BAD, ids=[m.split(":")[0] + str(i) for i, (_, m) in enumerate(BAD)])
def test_a_bad_kubectl_network_is_one_line_naming_the_field(network, message):
    with pytest.raises(ConfigError) as raised:
        parse_config({"members": [{**INSIDE, "kubectl_network": network}]}, "c.yaml")
    assert raised.value.lines == (f"c.yaml: members[0].{message}",)


@pytest.mark.parametrize("member, why", [
    ({"name": "m", "region": "us-east-1"}, "a new member (a new member's kubectl provider already runs in its VPC's "
     "private subnets while endpoint.private is on)"),
    ({"name": "m", "kind": "external", "sync_mode": "Pull"}, "an external member (nothing is applied to it from "
     "AWS)"),
])
def test_only_an_existing_member_takes_it(member, why):
    config = {"members": [{**member, "kubectl_network": {"subnet_ids": SUBNETS}}],
              "api_endpoint": {"scheme": "internet-facing", "allowed_cidrs": ["203.0.113.0/24"]}}
    with pytest.raises(ConfigError) as raised:
        parse_config(config, "c.yaml")
    assert raised.value.lines == (f"c.yaml: members[0].kubectl_network: has no effect on {why}; remove it",)


def test_egress_defaults_to_the_aws_apis_through_nat():
    member = parse_config({"members": [{**INSIDE, "kubectl_network": {"subnet_ids": SUBNETS}}]}).members[0]
    assert member.kubectl_network is not None
    assert (member.kubectl_network.egress_cidrs, member.kubectl_network.egress_prefix_list_ids) == (["0.0.0.0/0"], [])


def test_cdk_nag_and_cfn_lint_are_clean_on_both_members(synthesized):
    from cfnlint.api import ManualArgs, lint

    from tests.test_scanners import CFN_LINT_ACCEPTED_WARNINGS

    report = json.loads((synthesized.outdir / "validation-report.json").read_text())
    assert [v["ruleName"] for plugin in report["pluginReports"] for v in plugin.get("violations", [])] == []
    for member in ("prod", "legacy"):
        template = synthesized.templates[f"KarmadaMember-{member}"]
        matches = lint(json.dumps(template), regions=["eu-west-1"], config=ManualArgs(regions=["eu-west-1"]))
        problems = [f"{m.rule.id} {m.message}" for m in matches
                    if not m.rule.id.startswith("I") and m.rule.id not in CFN_LINT_ACCEPTED_WARNINGS]
        assert problems == [], member


def test_the_diagram_says_where_each_existing_members_provider_runs(synthesized):
    from eks_karmada.diagram import Assembly, build_dot
    from tests.docs.test_diagram import node_label

    dot = build_dot(Assembly.read(synthesized.outdir), parse_config(CONFIG))
    assert "kubectl provider in its VPC; endpoint must admit the parent's egress" in node_label(dot, "member_prod")
    assert "endpoint must admit AWS Lambda and the parent's egress" in node_label(dot, "member_legacy")
