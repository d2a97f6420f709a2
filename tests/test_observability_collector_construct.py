"""MetricsCollector on its own stack: the role may remote-write to one workspace, only this pod may assume it."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from tests.observability.synths import ACCOUNT, CLUSTER_NAME, REGION, WORKSPACE_ARN, collector_stack
from tests.pod_identity import assert_pod_identity_trust


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    _, stack, _ = collector_stack()
    return dict(Template.from_stack(stack).to_json())


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_the_role_may_only_remote_write_to_the_one_workspace(template):
    policies = _of_type(template, "AWS::IAM::Policy")
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert [(s["Effect"], s["Action"], s["Resource"]) for s in statements] == [
        ("Allow", "aps:RemoteWrite", WORKSPACE_ARN)]
    assert not _of_type(template, "AWS::IAM::ManagedPolicy")
    (role,) = _of_type(template, "AWS::IAM::Role").values()
    assert "ManagedPolicyArns" not in role["Properties"] and "Policies" not in role["Properties"]


def test_only_the_collector_service_account_of_this_cluster_and_account_may_assume_it(template):
    (role,) = _of_type(template, "AWS::IAM::Role").values()
    assert_pod_identity_trust(role, account=ACCOUNT,
                              cluster_arn=f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{CLUSTER_NAME}",
                              namespace="karmada-system", service_account="karmada-metrics-collector")


def test_the_association_binds_that_service_account_with_session_tags_and_comes_before_the_pod(template):
    ((association_id, association),) = _of_type(template, "AWS::EKS::PodIdentityAssociation").items()
    props = association["Properties"]
    assert (props["ClusterName"], props["Namespace"], props["ServiceAccount"], props["DisableSessionTags"]) == (
        CLUSTER_NAME, "karmada-system", "karmada-metrics-collector", False)
    (manifest,) = _of_type(template, "Custom::AWSCDK-EKS-KubernetesResource").values()
    assert association_id in manifest["DependsOn"]
    assert '"serviceAccountName":"karmada-metrics-collector"' in str(manifest["Properties"]["Manifest"])
