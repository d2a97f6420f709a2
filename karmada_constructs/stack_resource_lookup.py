"""The physical id of a resource of another stack (another region, same account), read at deploy time."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from karmada_constructs.deploy_time_lookup import DeployTimeLookup, DeployTimeLookupProps
from karmada_constructs.nag import acknowledge, acknowledge_aws_custom_resource, finding_arn


@dataclass(frozen=True, kw_only=True)
class StackResourceLookupProps:
    """Properties of `StackResourceLookup`."""
    stack_name: str
    """The CloudFormation stack that owns the resource."""
    logical_id: str
    """The resource's logical id in that stack's template."""
    region: str
    """That stack's region."""


class StackResourceLookup(Construct):
    """One cloudformation:DescribeStackResource in another region of this account, on every deploy.

    A DeployTimeLookup (AwsCustomResource) that reads the physical id of one resource (a VPC id, a peering
    connection id) from the stack that created it, instead of a cross-region export: the producing stack stays free
    to change and be deleted, and only an update of that stack can change the answer (a tag look-up would also
    find a resource anyone allowed ec2:CreateTags had tagged alike). Exposes ``physical_id``.
    """

    def __init__(self, scope: Construct, id: str, props: StackResourceLookupProps) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        source = stack.format_arn(service="cloudformation", region=props.region, resource="stack",
                                  resource_name=f"{props.stack_name}/*")
        call = cr.AwsSdkCall(
            service="CloudFormation",
            action="describeStackResource",
            region=props.region,
            parameters={"StackName": props.stack_name, "LogicalResourceId": props.logical_id},
            output_paths=["StackResourceDetail.PhysicalResourceId"],
            physical_resource_id=cr.PhysicalResourceId.of(f"{props.stack_name}-{props.logical_id}"),
        )
        lookup = DeployTimeLookup(self, "Lookup", DeployTimeLookupProps(
            call=call,
            policy=cr.AwsCustomResourcePolicy.from_statements([
                iam.PolicyStatement(actions=["cloudformation:DescribeStackResource"], resources=[source])]),
        ))
        acknowledge(lookup, "AwsSolutions-IAM5[Resource::" + finding_arn(
                        self, "cloudformation", f"stack/{props.stack_name}/*", region=props.region) + "]",
                    "The trailing * is the stack's generated id: the look-up reads the resources of that one stack.")
        acknowledge_aws_custom_resource(stack)
        self.physical_id: str = lookup.get_response_field("StackResourceDetail.PhysicalResourceId")
