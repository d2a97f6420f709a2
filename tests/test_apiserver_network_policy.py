"""karmada-apiserver's NetworkPolicy admits the NLB's and the handlers' subnets, not the whole VPC (issue 13, item 7).

GIVEN the default config (created VPC, internal NLB) or an internet-facing NLB, WHEN the app is synthesized, THEN
the policy's ipBlocks are exactly the CIDRs CloudFormation gives the subnets the NLB and the Lambda handlers sit
in, and the NLB's target group keeps client IP preservation off (so the pods see the NLB's own addresses).
"""

from __future__ import annotations

import ipaddress

import pytest
import yaml

from eks_karmada.config import DEFAULT_CONFIG_PATH, parse_config
from tests.synth import synthesize

PARENT = "KarmadaParent"


def _apiserver_peers(synthesized) -> list[dict]:
    (policy,) = [o for o in synthesized.manifests["parent"]
                 if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "karmada-apiserver"]
    (rule,) = policy["spec"]["ingress"]
    return rule["from"]


def _cidrs(synthesized) -> list[str]:
    return [p["ipBlock"]["cidr"] for p in _apiserver_peers(synthesized) if "ipBlock" in p]


def _subnets(synthesized, kind: str) -> list[str]:
    """CidrBlocks of the parent VPC's subnets of one kind (CDK tags them aws-cdk:subnet-type)."""
    found = []
    for resource in synthesized.templates[PARENT]["Resources"].values():
        if resource["Type"] != "AWS::EC2::Subnet":
            continue
        tags = {t["Key"]: t["Value"] for t in resource["Properties"]["Tags"]}
        if tags["aws-cdk:subnet-type"] == kind:
            found.append(resource["Properties"]["CidrBlock"])
    return found


def _lambda_subnets(synthesized) -> set[str]:
    """CIDRs of the subnets every VPC Lambda of the parent stack runs in."""
    resources = synthesized.templates[PARENT]["Resources"]
    subnet_ids = {ref["Ref"] for r in resources.values() if r["Type"] == "AWS::Lambda::Function"
                  for ref in r["Properties"].get("VpcConfig", {}).get("SubnetIds", [])}
    assert subnet_ids, "the handlers run in the VPC"
    return {resources[i]["Properties"]["CidrBlock"] for i in subnet_ids}


def test_internal_nlb_and_handlers_share_the_private_subnets_and_only_those_are_admitted(synthesized,
                                                                                        default_config):
    private = _subnets(synthesized, "Private")
    assert len(private) == 3 and _cidrs(synthesized) == private
    assert default_config.parent.vpc_cidr not in _cidrs(synthesized)
    assert _lambda_subnets(synthesized) <= set(private)
    # The public subnets (NAT gateways, anything else placed there) are not admitted.
    public = _subnets(synthesized, "Public")
    assert not any(ipaddress.ip_network(a).overlaps(ipaddress.ip_network(b)) for a in public for b in private)
    # ...and the namespace's own pods still are.
    assert {"podSelector": {}} in _apiserver_peers(synthesized)


def test_client_ip_preservation_is_off_so_the_pods_see_the_nlb(synthesized):
    groups = [r for r in synthesized.templates[PARENT]["Resources"].values()
              if r["Type"] == "AWS::ElasticLoadBalancingV2::TargetGroup"]
    (group,) = groups
    attributes = {a["Key"]: a["Value"] for a in group["Properties"]["TargetGroupAttributes"]}
    assert group["Properties"]["TargetType"] == "ip"
    assert attributes["preserve_client_ip.enabled"] == "false"


@pytest.fixture(scope="module")
def internet_facing(tmp_path_factory):
    data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    data["api_endpoint"].update(scheme="internet-facing", allowed_cidrs=["198.51.100.0/24"])
    return synthesize(parse_config(data, "internet-facing.yaml"), tmp_path_factory.mktemp("cdk.out"))


def test_internet_facing_nlb_adds_its_public_subnets_and_never_the_clients(internet_facing):
    public, private = _subnets(internet_facing, "Public"), _subnets(internet_facing, "Private")
    assert _cidrs(internet_facing) == public + private
    nlb = next(r for r in internet_facing.templates[PARENT]["Resources"].values()
               if r["Type"] == "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert nlb["Properties"]["Scheme"] == "internet-facing"
    # Client addresses never reach the pods (preservation off): the allow-list stays on the NLB's security group.
    assert "198.51.100.0/24" not in _cidrs(internet_facing)
