"""The parent's egress addresses, looked up at deploy time from another region or account."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from karmada_constructs.deploy_time_lookup import DeployTimeLookup, DeployTimeLookupProps
from karmada_constructs.nag import acknowledge_aws_custom_resource


@dataclass(frozen=True, kw_only=True)
class ParentEgressAddressesProps:
    """Properties of `ParentEgressAddresses`."""
    region: str
    """The parent's region, where the addresses are."""
    account: str | None
    """The parent's account. Default: none, the consuming stack's account."""
    reader_role_name: str
    """The KarmadaEgress role the look-ups assume."""
    egress_stack_name: str
    """The CloudFormation stack that allocates the addresses (KarmadaEgress)."""
    logical_ids: Sequence[str]
    """The logical ids of its AWS::EC2::EIP resources, in the order the allow-list keeps."""


class ParentEgressAddresses(Construct):
    """The parent's NAT gateway addresses as /32 CIDRs, read on every deploy.

    Reads each Elastic IP of the parent's NAT gateways from the stack that allocated it: one
    cloudformation:DescribeStackResource per address (its physical id is the public IP) in the parent's region,
    through the egress reader role (so it works across accounts), on every deploy of the consuming stack, in the
    given order, as /32 CIDRs for an EKS endpoint allow-list. Only an update of that stack can change the answer;
    a tag look-up would also find an address anyone allowed ec2:CreateTags in the account had tagged alike.
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
        for slot, logical_id in enumerate(props.logical_ids):
            call = cr.AwsSdkCall(
                service="CloudFormation",
                action="describeStackResource",
                region=props.region,
                assumed_role_arn=reader_arn,
                parameters={"StackName": props.egress_stack_name, "LogicalResourceId": logical_id},
                output_paths=["StackResourceDetail.PhysicalResourceId"],
                physical_resource_id=cr.PhysicalResourceId.of(f"{props.egress_stack_name}-{logical_id}"),
            )
            lookup = DeployTimeLookup(self, f"Lookup{slot}", DeployTimeLookupProps(call=call, policy=policy))
            self.cidrs.append(f"{lookup.get_response_field('StackResourceDetail.PhysicalResourceId')}/32")
        acknowledge_aws_custom_resource(stack)
