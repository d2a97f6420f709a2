"""A member's kubectl provider is cluster admin only while a deploy applies (issue 13, item 10).

GIVEN an existing and a new member, WHEN the app is synthesized, THEN the provider's access entry carries no access
policy and two DeployTimeAdmin resources bracket what the provider applies (grant before, withdraw after: the
member-side objects of an existing member, every kubectl resource of a new one) with a digest of those resources;
its handler may touch only that policy on that entry. WHEN CloudFormation sends the events of a
create, an update, a rollback and a delete, THEN the policy is associated exactly while the objects are applied,
updated, rolled back or deleted, and withdrawn afterwards.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from aws_cdk.assertions import Template
from botocore.stub import Stubber

from eks_karmada.config import parse_config
from functions.deploy_admin import handler
from functions.provider_framework import CREATE_FAILED_MARKER
from karmada_constructs.deploy_time_admin import CLUSTER_ADMIN_POLICY, KUBECTL_RESOURCE_PREFIX
from tests.synth import synthesize

REGION = "eu-west-1"
EXISTING = {"name": "prod", "kind": "existing", "region": REGION, "cluster_name": "prod-eks"}
CONFIG = {"members": [{"name": "member-use1", "region": "us-east-1"}, EXISTING]}
ADMIN_TYPE = "Custom::DeployTimeAdmin"
MANIFEST_TYPE = "Custom::AWSCDK-EKS-KubernetesResource"


# The member's stack, and its cluster's name.
MEMBERS = {"existing": ("KarmadaMember-prod", "prod-eks"), "new": ("KarmadaMember-member-use1", "karmada-member-use1")}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    return synthesize(parse_config(CONFIG, "deploy-time-admin.yaml"), tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="module")
def template(synthesized) -> Template:
    return Template.from_json(synthesized.templates["KarmadaMember-prod"])


@pytest.fixture(scope="module", params=sorted(MEMBERS))
def member(request, synthesized) -> tuple[Template, str]:
    """Each member's template and its cluster's name: an existing member and a new one."""
    stack, cluster_name = MEMBERS[request.param]
    return Template.from_json(synthesized.templates[stack]), cluster_name


def _admins(template: Template) -> dict[str, Any]:
    found = template.find_resources(ADMIN_TYPE)
    return {resource["Properties"]["Phase"]: {"id": logical_id, **resource} for logical_id, resource in found.items()}


def _provider_entry(template: Template) -> tuple[str, Any]:
    """The access entry of the role Grant names (the kubectl provider's)."""
    principal = _admins(template)["grant"]["Properties"]["PrincipalArn"]
    entries = {k: v for k, v in template.find_resources("AWS::EKS::AccessEntry").items()
               if v["Properties"]["PrincipalArn"] == principal}
    assert len(entries) == 1, sorted(entries)
    return next(iter(entries.items()))


def test_the_providers_access_entry_carries_no_policy(member):
    template, cluster_name = member
    _, entry = _provider_entry(template)
    assert "AccessPolicies" not in entry["Properties"]
    created = list(template.find_resources("AWS::EKS::Cluster"))  # a new member's: the entry refers to it
    assert entry["Properties"]["ClusterName"] in ([{"Ref": created[0]}] if created else [cluster_name])


def test_on_a_new_member_every_kubectl_resource_waits_for_grant_through_the_clusters_barrier(synthesized):
    template = Template.from_json(synthesized.templates[MEMBERS["new"][0]])
    (barrier,) = [v for k, v in template.find_resources("AWS::SSM::Parameter").items() if "KubectlReadyBarrier" in k]
    assert _admins(template)["grant"]["id"] in barrier["DependsOn"]


def test_grant_comes_before_the_objects_and_withdraw_after(member):
    template, cluster_name = member
    admins = _admins(template)
    assert set(admins) == {"grant", "withdraw"}
    entry_id, _ = _provider_entry(template)
    assert entry_id in admins["grant"]["DependsOn"]
    # Every resource the provider acts through: manifests, and on a new member Helm charts and object reads too.
    applied = {k: v for k, v in template.to_json()["Resources"].items()
               if v["Type"].startswith(KUBECTL_RESOURCE_PREFIX)}
    assert MANIFEST_TYPE in {v["Type"] for v in applied.values()}
    for logical_id, resource in applied.items():
        assert admins["grant"]["id"] in resource["DependsOn"], logical_id
        assert logical_id in admins["withdraw"]["DependsOn"], logical_id
    for phase in ("grant", "withdraw"):
        props = admins[phase]["Properties"]
        assert props["PolicyArn"] == CLUSTER_ADMIN_POLICY
        assert props["ClusterName"] == cluster_name
        assert props["PrincipalArn"] == _provider_entry(template)[1]["Properties"]["PrincipalArn"]
    # One digest of the objects on both, so a change of the objects runs both again.
    assert admins["grant"]["Properties"]["Revision"] == admins["withdraw"]["Properties"]["Revision"]
    assert len(admins["grant"]["Properties"]["Revision"]) == 64


def test_the_digest_follows_the_objects(template, tmp_path):
    def revision(config: dict) -> str:
        outdir = tmp_path / str(len(list(tmp_path.iterdir())))
        synthesized = synthesize(parse_config(config, "deploy-time-admin.yaml"), outdir)
        admins = _admins(Template.from_json(synthesized.templates["KarmadaMember-prod"]))
        return admins["grant"]["Properties"]["Revision"]

    push = _admins(template)["grant"]["Properties"]["Revision"]
    pull = revision({"members": [CONFIG["members"][0], {**EXISTING, "sync_mode": "Pull"}],
                     "api_endpoint": {"scheme": "internet-facing", "allowed_cidrs": ["198.51.100.0/24"]}})
    assert push != pull  # the Pull agent's objects are other objects
    assert revision(CONFIG) == push  # and another synth of the same objects gives the same digest


def test_the_handler_may_touch_only_the_admin_policy_on_the_providers_entry(member):
    template, cluster_name = member
    policies = template.find_resources("AWS::IAM::Policy")
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]
                  if "eks:AssociateAccessPolicy" in s["Action"] or "eks:DisassociateAccessPolicy" in s["Action"]]
    assert len(statements) == 1
    statement = statements[0]
    assert sorted(statement["Action"]) == ["eks:AssociateAccessPolicy", "eks:DisassociateAccessPolicy"]
    assert statement["Condition"] == {"StringEquals": {"eks:policyArn": CLUSTER_ADMIN_POLICY}}
    resource = statement["Resource"]["Fn::Join"][1]
    assert f":access-entry/{cluster_name}/role/" in "".join(part for part in resource if isinstance(part, str))
    assert {"Ref": _provider_entry(template)[1]["Properties"]["PrincipalArn"]["Fn::GetAtt"][0]} in resource


# ---- the handler, against stubbed EKS and CloudFormation ------------------------------------------------------

PRINCIPAL = "arn:aws:iam::111111111111:role/KarmadaMember-prod-EksKubectlHandlerRole"
STACK_ID = "arn:aws:cloudformation:eu-west-1:111111111111:stack/KarmadaMember-prod/1"
PROPS = {"ClusterName": "prod-eks", "PrincipalArn": PRINCIPAL, "PolicyArn": CLUSTER_ADMIN_POLICY,
         "Revision": "r1", "SettleSeconds": "30"}
ENTRY = {"clusterName": "prod-eks", "principalArn": PRINCIPAL, "policyArn": CLUSTER_ADMIN_POLICY}


class World:
    """Stubbed clients that answer the calls one event may make, and record the sleeps."""

    def __init__(self) -> None:
        self.eks = boto3.client("eks", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
        self.cloudformation = boto3.client("cloudformation", region_name=REGION, aws_access_key_id="x",
                                           aws_secret_access_key="x")
        self.eks_stub, self.cfn_stub = Stubber(self.eks), Stubber(self.cloudformation)
        self.slept: list[float] = []

    def runtime(self) -> handler.Runtime:
        return handler.Runtime(eks=self.eks, cloudformation=self.cloudformation, sleep=self.slept.append)

    def stack_status(self, status: str) -> None:
        self.cfn_stub.add_response("describe_stacks", {"Stacks": [{
            "StackName": "KarmadaMember-prod", "StackId": STACK_ID, "StackStatus": status,
            "CreationTime": "2026-12-01T00:00:00Z"}]}, {"StackName": STACK_ID})

    def expect_associate(self) -> None:
        self.eks_stub.add_response("associate_access_policy", {"clusterName": "prod-eks", "principalArn": PRINCIPAL},
                                   {**ENTRY, "accessScope": {"type": "cluster"}})

    def expect_disassociate(self, *, associated: bool = True) -> None:
        if associated:
            self.eks_stub.add_response("disassociate_access_policy", {}, ENTRY)
        else:
            self.eks_stub.add_client_error("disassociate_access_policy", "ResourceNotFoundException",
                                           expected_params=ENTRY)

    def send(self, request: str, phase: str, physical_id: str | None = None) -> dict:
        event = {"RequestType": request, "StackId": STACK_ID, "ResourceProperties": {**PROPS, "Phase": phase}}
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        with self.eks_stub, self.cfn_stub:
            result = handler.handle(event, None, self.runtime())
            self.eks_stub.assert_no_pending_responses()
            self.cfn_stub.assert_no_pending_responses()
        return result


def test_a_create_grants_before_the_objects_and_withdraws_after():
    world = World()
    world.expect_associate()
    grant = world.send("Create", "grant")
    assert world.slept == [30]  # the objects are applied once EKS had time to apply the association
    world.expect_disassociate()
    withdraw = world.send("Create", "withdraw")
    assert grant["PhysicalResourceId"] != withdraw["PhysicalResourceId"]


def test_an_update_grants_then_withdraws_under_the_same_physical_ids():
    world = World()
    world.stack_status("UPDATE_IN_PROGRESS")
    world.expect_associate()
    assert world.send("Update", "grant", "deploy-admin:grant:prod-eks") == {
        "PhysicalResourceId": "deploy-admin:grant:prod-eks"}
    world.stack_status("UPDATE_IN_PROGRESS")
    world.expect_disassociate()
    assert world.send("Update", "withdraw", "deploy-admin:withdraw:prod-eks") == {
        "PhysicalResourceId": "deploy-admin:withdraw:prod-eks"}


def test_a_rollback_grants_before_the_objects_are_rolled_back_and_withdraws_after():
    # Reverse dependency order: withdraw's Update, the objects' Updates, grant's Update.
    world = World()
    world.stack_status("UPDATE_ROLLBACK_IN_PROGRESS")
    world.expect_associate()
    world.send("Update", "withdraw", "deploy-admin:withdraw:prod-eks")
    assert world.slept == [30]
    world.stack_status("UPDATE_ROLLBACK_IN_PROGRESS")
    world.expect_disassociate()
    world.send("Update", "grant", "deploy-admin:grant:prod-eks")


def test_a_delete_grants_before_the_objects_go_and_withdraws_after():
    world = World()
    world.expect_associate()
    world.send("Delete", "withdraw", "deploy-admin:withdraw:prod-eks")
    world.expect_disassociate()
    world.send("Delete", "grant", "deploy-admin:grant:prod-eks")


def test_withdrawing_what_is_not_associated_is_done():
    world = World()
    world.expect_disassociate(associated=False)
    assert world.send("Create", "withdraw") == {"PhysicalResourceId": "deploy-admin:withdraw:prod-eks"}


def test_a_refused_call_fails_the_event():
    world = World()
    world.eks_stub.add_client_error("disassociate_access_policy", "AccessDeniedException", expected_params=ENTRY)
    with pytest.raises(Exception, match="AccessDeniedException"), world.eks_stub:
        handler.handle({"RequestType": "Create", "StackId": STACK_ID,
                        "ResourceProperties": {**PROPS, "Phase": "withdraw"}}, None, world.runtime())


def test_the_delete_of_a_failed_create_touches_nothing():
    world = World()
    assert world.send("Delete", "grant", CREATE_FAILED_MARKER) == {"PhysicalResourceId": CREATE_FAILED_MARKER}


@pytest.mark.parametrize(("change", "message"), [
    ({"Phase": "both"}, "Phase 'both': use grant or withdraw"),
    ({"Phase": "grant", "PrincipalArn": ""}, "PrincipalArn required"),
])
def test_bad_properties_are_one_line(change, message):
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)") + "$"):
        handler.handle({"RequestType": "Create", "ResourceProperties": {**PROPS, **change}}, None,
                       World().runtime())


def test_the_stack_names_the_providers_role_for_the_operator(template):
    # docs/operations.md reads it to list the role's associated policies.
    outputs = template.find_outputs("KubectlRoleArn")
    assert outputs["KubectlRoleArn"]["Value"] == _provider_entry(template)[1]["Properties"]["PrincipalArn"]
