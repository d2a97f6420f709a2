"""Member stacks: one per `new` member, in its own region, independent of the parent."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match, Template


def test_one_stack_per_new_member_in_its_region(synthesized, default_config):
    for member in default_config.members:
        name = f"KarmadaMember-{member.name}"
        assert synthesized.stack(name).region == member.region
        template = Template.from_json(synthesized.templates[name])
        template.has_resource_properties(
            "AWS::EKS::Cluster", {"Name": f"karmada-{member.name}", "Version": "1.35",
                                  "AccessConfig": {"AuthenticationMode": "API"}}
        )
        azs = {s["Properties"]["AvailabilityZone"] for s in template.find_resources("AWS::EC2::Subnet").values()}
        assert azs == {f"{member.region}{z}" for z in "abc"}
        template.resource_count_is("AWS::EC2::NatGateway", 1)
        template.has_resource_properties(
            "AWS::EC2::LaunchTemplate",
            {"LaunchTemplateData": Match.object_like({"MetadataOptions": {"HttpTokens": "required",
                                                                          "HttpPutResponseHopLimit": 1}})},
        )
        # Members carry no Karmada and no load balancer of their own.
        template.resource_count_is("AWS::ElasticLoadBalancingV2::LoadBalancer", 0)


def _stack_dependencies(synthesized) -> dict[str, list[str]]:
    manifest = json.loads((synthesized.outdir / "manifest.json").read_text())
    return {
        name: [d for d in artifact.get("dependencies", []) if not d.endswith(".assets")]
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }


def test_parent_and_members_never_wait_on_each_other(synthesized):
    graph = _stack_dependencies(synthesized)
    # Only the seconds-long KarmadaEgress (the parent's fixed NAT addresses) and each cluster's image cache come first;
    # a member reached privately (the default) needs nothing of the parent until its peering.
    first = {"KarmadaParent": ["KarmadaEgress", "KarmadaImageCache-us-east-1"],
             "KarmadaMember-member-use1": ["KarmadaImageCache-us-east-1"],
             "KarmadaMember-member-usw2": ["KarmadaImageCache-us-west-2"]}
    assert graph["KarmadaEgress"] == []
    for name, deps in graph.items():
        if name in first:
            assert sorted(deps) == first[name], f"{name} depends on {deps}"
        if name.startswith("KarmadaImageCache-"):
            assert deps == [], name


def test_the_stacks_eks_karmada_members_deploys_are_the_apps_stacks(synthesized, default_config):
    from eks_karmada.cli.members import EGRESS_STACK, WORKLOADS_STACK, has_workloads_stack, member_stacks

    for member in default_config.members:
        assert set(member_stacks(member)) <= set(synthesized.templates)
    assert {EGRESS_STACK, "KarmadaParent", WORKLOADS_STACK} <= set(synthesized.templates)
    assert has_workloads_stack(default_config)
