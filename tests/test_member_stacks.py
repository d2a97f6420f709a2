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
            {"LaunchTemplateData": Match.object_like({"MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1}})},
        )
        # Members carry no Karmada and no load balancer of their own.
        template.resource_count_is("AWS::ElasticLoadBalancingV2::LoadBalancer", 0)


def test_no_member_waits_on_the_parent(synthesized):
    manifest = json.loads((synthesized.outdir / "manifest.json").read_text())
    for name, artifact in manifest["artifacts"].items():
        if name.startswith("KarmadaMember-"):
            stack_deps = [d for d in artifact.get("dependencies", []) if not d.endswith(".assets")]
            assert stack_deps == [], f"{name} depends on {stack_deps}"
