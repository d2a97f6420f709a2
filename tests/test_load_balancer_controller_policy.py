"""The AWS Load Balancer Controller's IAM policy: every write is limited by its tag, the VPC or the account."""

from __future__ import annotations

import pytest

from karmada_constructs.load_balancer_controller_policy import LoadBalancerControllerPolicyProps, controller_policy

VPC_ARN = "arn:aws:ec2:eu-west-1:111122223333:vpc/vpc-0abc"
READ_PREFIXES = ("Describe", "Get", "List")
# Authorised on resources the controller does not tag (web ACLs, protections): conditions would refuse them.
UNTAGGABLE = {"shield:CreateProtection", "shield:DeleteProtection", "waf-regional:AssociateWebACL",
              "waf-regional:DisassociateWebACL", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL"}


@pytest.fixture(scope="module")
def statements() -> list[dict]:
    document = controller_policy(LoadBalancerControllerPolicyProps(
        vpc_id="vpc-0abc", partition="aws", region="eu-west-1", account="111122223333"))
    assert document["Version"] == "2012-10-17"
    return document["Statement"]


def _grants(statements: list[dict], action: str) -> list[dict]:
    return [s for s in statements if action in s["Action"]]


def test_every_write_on_any_resource_is_conditioned(statements):
    for statement in statements:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in statement["Action"]:
            if action.split(":")[1].startswith(READ_PREFIXES) or action in UNTAGGABLE:
                continue
            assert "Condition" in statement or "*" not in resources, (statement["Sid"], action)
            assert all(r == "*" or ":eu-west-1:111122223333:" in r for r in resources), (statement["Sid"], resources)


def test_security_group_ingress_only_in_the_clusters_vpc(statements):
    for action in ("ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"):
        grants = _grants(statements, action)
        assert [g["Condition"] for g in grants] == [{"ArnEquals": {"ec2:Vpc": VPC_ARN}}]
        assert grants[0]["Resource"] == "arn:aws:ec2:eu-west-1:111122223333:security-group/*"


def test_security_groups_are_created_tagged_and_in_the_clusters_vpc_only(statements):
    grants = _grants(statements, "ec2:CreateSecurityGroup")
    assert {(str(g["Resource"]), str(g.get("Condition"))) for g in grants} == {
        ("arn:aws:ec2:eu-west-1:111122223333:security-group/*",
         str({"Null": {"aws:RequestTag/elbv2.k8s.aws/cluster": "false"}})),
        (VPC_ARN, "None"),
    }


@pytest.mark.parametrize("action", ["CreateListener", "DeleteListener", "ModifyListener", "CreateRule", "DeleteRule",
                                    "ModifyRule", "SetRulePriorities", "AddListenerCertificates",
                                    "RemoveListenerCertificates", "SetWebAcl"])
def test_listener_and_rule_writes_need_the_controllers_tag_on_the_resource(statements, action):
    grants = _grants(statements, f"elasticloadbalancing:{action}")
    assert [g["Condition"] for g in grants] == [{"Null": {"aws:ResourceTag/elbv2.k8s.aws/cluster": "false"}}]


def test_listener_tags_change_only_at_creation_or_on_tagged_listeners(statements):
    for grant in _grants(statements, "elasticloadbalancing:AddTags"):
        condition = grant["Condition"]
        at_creation = "elasticloadbalancing:CreateAction" in condition.get("StringEquals", {})
        owned = condition["Null"].get("aws:ResourceTag/elbv2.k8s.aws/cluster") == "false"
        assert at_creation or owned, grant["Sid"]


def test_the_synthesized_controller_role_carries_this_policy(synthesized):
    template = synthesized.templates["KarmadaParent"]
    policies = [r["Properties"]["PolicyDocument"]["Statement"] for k, r in template["Resources"].items()
                if r["Type"] == "AWS::IAM::Policy" and "AlbController" in k]
    assert len(policies) == 1
    sids = {s.get("Sid") for s in policies[0]}
    assert {"SecurityGroupIngressInTheClusterVpc", "ListenerWritesOnTaggedResources"} <= sids
    unconditioned_writes = [a for s in policies[0] if s["Resource"] == "*" and "Condition" not in s
                            for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
                            if not a.split(":")[1].startswith(READ_PREFIXES) and a not in UNTAGGABLE]
    assert unconditioned_writes == []
