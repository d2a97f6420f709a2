"""The parent's egress addresses, looked up at deploy time from another region or account."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from karmada_constructs.deploy_time_lookup import DeployTimeLookup, DeployTimeLookupProps
from karmada_constructs.nag import acknowledge_aws_custom_resource

# The tag KarmadaEgress puts on each address with its position (0, 1, ...), so every lookup finds
# exactly one address and the allow-list keeps its order (DescribeAddresses promises none, and a
# reordered list would update the EKS cluster for nothing).
SLOT_TAG = "eks-karmada:egress-slot"


@dataclass(frozen=True, kw_only=True)
class ParentEgressAddressesProps:
    """Properties of `ParentEgressAddresses`."""
    region: str
    """The parent's region, where the addresses are."""
    account: str | None
    """The parent's account. Default: none, the consuming stack's account."""
    reader_role_name: str
    """The KarmadaEgress role the look-ups assume."""
    tag_key: str
    """The tag KarmadaEgress puts on the addresses."""
    tag_value: str
    """Its value (the parent cluster's name)."""
    count: int
    """How many addresses (the parent's NAT gateways)."""


class ParentEgressAddresses(Construct):
    """The parent's NAT gateway addresses as /32 CIDRs, read on every deploy.

    Reads the parent's NAT gateway Elastic IPs (tagged by KarmadaEgress with the parent's name and their slot) with
    ec2:DescribeAddresses in the parent's region, through the egress reader role (so it works across accounts), one
    lookup per slot, on every deploy of the consuming stack, and exposes them in slot order as /32 CIDRs for an EKS
    endpoint allow-list.
    """

    def __init__(self, scope: Construct, id: str, props: ParentEgressAddressesProps) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        reader_arn = stack.format_arn(
            service="iam", region="", account=props.account or stack.account, resource="role",
            resource_name=props.reader_role_name,
        )
        policy = cr.AwsCustomResourcePolicy.from_statements(
            [iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[reader_arn])]
        )
        self.cidrs = []
        for slot in range(props.count):
            call = cr.AwsSdkCall(
                service="EC2",
                action="describeAddresses",
                region=props.region,
                assumed_role_arn=reader_arn,
                parameters={"Filters": [{"Name": f"tag:{props.tag_key}", "Values": [props.tag_value]},
                                        {"Name": f"tag:{SLOT_TAG}", "Values": [str(slot)]}]},
                output_paths=["Addresses.0.PublicIp"],
                physical_resource_id=cr.PhysicalResourceId.of(f"{props.tag_value}-egress-{slot}"),
            )
            lookup = DeployTimeLookup(self, f"Lookup{slot}", DeployTimeLookupProps(call=call, policy=policy))
            self.cidrs.append(f"{lookup.get_response_field('Addresses.0.PublicIp')}/32")
        acknowledge_aws_custom_resource(stack)
