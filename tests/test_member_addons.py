"""Member add-ons (members[].addons): metrics-server and the AWS Load Balancer Controller, per member."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Match, Template

from karmada_constructs.metrics_server import ADDON_NAME, MetricsServer, MetricsServerProps

HELM_CHART = "Custom::AWSCDK-EKS-HelmChart"


def _member(synthesized, name: str) -> Template:
    return Template.from_json(synthesized.templates[f"KarmadaMember-{name}"])


def _metrics_servers(template: Template) -> list[dict]:
    addons = template.find_resources("AWS::EKS::Addon", {"Properties": {"AddonName": ADDON_NAME}})
    return [a["Properties"] for a in addons.values()]


def _load_balancer_controllers(template: Template) -> Mapping[str, Any]:
    return template.find_resources(HELM_CHART, {"Properties": {"Chart": "aws-load-balancer-controller"}})


# (member, metrics-server, load balancer controller): new members default on, existing ones off unless set.
EXPECTED = [
    ("member-use1", True, True),    # new, defaults
    ("member-usw2", False, True),   # new, metrics_server: false
    ("member-euw1", False, False),  # new, both false
    ("prod", True, False),          # existing, metrics_server: true
    ("legacy", False, False),       # existing, defaults
]


@pytest.mark.parametrize("name, metrics_server, controller", EXPECTED, ids=[e[0] for e in EXPECTED])
def test_each_member_gets_the_addons_its_config_asks_for(mirrored, name, metrics_server, controller):
    template = _member(mirrored, name)
    assert len(_metrics_servers(template)) == int(metrics_server)
    assert len(_load_balancer_controllers(template)) == int(controller)
    # The controller's IAM role (IRSA) comes and goes with it.
    roles = template.find_resources("AWS::IAM::Role", {"Properties": {"AssumeRolePolicyDocument": {
        "Statement": [Match.object_like({"Action": "sts:AssumeRoleWithWebIdentity"})]}}})
    assert len(roles) == int(controller)


def test_default_config_gives_both_new_members_both_addons(synthesized, default_config):
    for member in default_config.members:
        template = _member(synthesized, member.name)
        assert _metrics_servers(template) == [{
            "AddonName": "metrics-server", "AddonVersion": default_config.parent.addons.metrics_server,
            "ClusterName": member.eks_cluster_name, "ResolveConflicts": "OVERWRITE"}]
        assert len(_load_balancer_controllers(template)) == 1


def test_metrics_server_on_an_existing_member_takes_over_nothing(mirrored):
    (addon,) = _metrics_servers(_member(mirrored, "prod"))
    assert addon == {"AddonName": "metrics-server", "AddonVersion": "v0.9.0-eksbuild.6", "ClusterName": "prod-eks",
                     "ResolveConflicts": "NONE"}


def test_metrics_server_on_a_new_member_waits_for_its_nodes(synthesized):
    template = synthesized.templates["KarmadaMember-member-use1"]["Resources"]
    (logical_id,) = [k for k, v in template.items()
                     if v["Type"] == "AWS::EKS::Addon" and v["Properties"]["AddonName"] == ADDON_NAME]
    node_groups = [k for k, v in template.items() if v["Type"] == "AWS::EKS::Nodegroup"]
    assert set(node_groups) <= set(template[logical_id]["DependsOn"])


def test_member_controller_is_the_parents_setup_in_the_members_region_and_vpc(synthesized):
    (release,) = _load_balancer_controllers(_member(synthesized, "member-usw2")).values()
    values = json.dumps(release["Properties"]["Values"])
    assert '\\"region\\":\\"us-west-2\\"' in values
    assert '\\"enableServiceMutatorWebhook\\":false' in values
    # Through the member's own pull-through cache (us-west-2, the stack's account).
    repository = ".dkr.ecr.us-west-2.amazonaws.com/public.ecr.aws/eks/aws-load-balancer-controller"
    assert repository + '\\",\\"tag\\":\\"v3.2.2\\"' in values
    assert release["Properties"]["Repository"] == "https://aws.github.io/eks-charts"


def test_metrics_server_construct_pins_its_version_and_conflict_policy():
    stack = Stack(App(), "Test")
    MetricsServer(stack, "New", MetricsServerProps(cluster_name="a", addon_version="v1-eksbuild.1"))
    MetricsServer(stack, "Existing", MetricsServerProps(cluster_name="b", addon_version="v1-eksbuild.1",
                                                        take_over_existing=False))
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::EKS::Addon", {"ClusterName": "a", "AddonName": "metrics-server",
                                                         "AddonVersion": "v1-eksbuild.1",
                                                         "ResolveConflicts": "OVERWRITE"})
    template.has_resource_properties("AWS::EKS::Addon", {"ClusterName": "b", "ResolveConflicts": "NONE"})
    # It needs no AWS permissions: no role, no Pod Identity association.
    template.resource_count_is("AWS::IAM::Role", 0)
    assert "PodIdentityAssociations" not in json.dumps(template.to_json())
