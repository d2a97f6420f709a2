"""KarmadaAuditLog on its own stack: a retained, KMS-encrypted group only the apiserver pods' shipper may write to."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_eks_v2 as eks
from aws_cdk.assertions import Template

from karmada_constructs.karmada_audit_log import SHIPPER_ACTIONS, KarmadaAuditLog, KarmadaAuditLogProps
from tests.pod_identity import assert_pod_identity_trust
from tests.synth import ROOT

ACCOUNT = "111122223333"
REGION = "eu-west-1"
CLUSTER_NAME = "karmada-parent"
GROUP = "/eks-karmada/karmada-parent/karmada-apiserver/audit"
GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    app = App(context=json.loads((ROOT / "cdk.json").read_text())["context"])
    stack = Stack(app, "AuditLogTest", env=Environment(account=ACCOUNT, region=REGION))
    cluster = eks.Cluster.from_cluster_attributes(stack, "Cluster", cluster_name=CLUSTER_NAME)
    KarmadaAuditLog(stack, "KarmadaAuditLog", KarmadaAuditLogProps(
        cluster=cluster, namespace="karmada-system", service_account="karmada-apiserver", log_group_name=GROUP,
        retention_days=731))
    return json.loads(json.dumps(stack.resolve(Template.from_stack(stack).to_json())))


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_the_group_has_the_configured_name_retention_and_key_and_outlives_the_stack(template):
    ((_, group),) = _of_type(template, "AWS::Logs::LogGroup").items()
    ((key_id, key),) = _of_type(template, "AWS::KMS::Key").items()
    assert group["Properties"]["LogGroupName"] == GROUP
    assert group["Properties"]["RetentionInDays"] == 731
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    for resource in (group, key):
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert key["Properties"]["EnableKeyRotation"] is True


def test_cloudwatch_logs_may_use_the_key_for_this_group_only(template):
    (key,) = _of_type(template, "AWS::KMS::Key").values()
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    service = [s for s in statements if s.get("Principal", {}).get("Service") == f"logs.{REGION}.amazonaws.com"]
    assert len(service) == 1
    assert service[0]["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": GROUP_ARN}}
    assert "kms:Decrypt" in service[0]["Action"] and "kms:GenerateDataKey*" in service[0]["Action"]
    # Every other statement is the account's administration of the key (CDK's default), none for another service.
    assert all(s["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"} for s in statements if s not in service)


def test_the_shipper_may_only_create_streams_and_put_events_in_this_group(template):
    policies = _of_type(template, "AWS::IAM::Policy")
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert [(s["Effect"], sorted(s["Action"]), s["Resource"]) for s in statements] == [
        ("Allow", sorted(SHIPPER_ACTIONS), [GROUP_ARN, f"{GROUP_ARN}:log-stream:*"])]
    assert sorted(SHIPPER_ACTIONS) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    (role,) = _of_type(template, "AWS::IAM::Role").values()
    assert "ManagedPolicyArns" not in role["Properties"] and "Policies" not in role["Properties"]


def test_only_the_apiserver_service_account_of_this_cluster_and_account_may_assume_it(template):
    (role,) = _of_type(template, "AWS::IAM::Role").values()
    assert_pod_identity_trust(role, account=ACCOUNT,
                              cluster_arn=f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{CLUSTER_NAME}",
                              namespace="karmada-system", service_account="karmada-apiserver")


def test_the_association_binds_that_service_account_with_session_tags(template):
    (association,) = _of_type(template, "AWS::EKS::PodIdentityAssociation").values()
    props = association["Properties"]
    assert (props["ClusterName"], props["Namespace"], props["ServiceAccount"], props["DisableSessionTags"]) == (
        CLUSTER_NAME, "karmada-system", "karmada-apiserver", False)
