"""The parent's egress addresses, looked up at deploy time from another region or account."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from karmada_constructs.nag import acknowledge_aws_custom_resource


class ParentEgressAddresses(Construct):
    """Reads the parent's NAT gateway Elastic IPs (tagged by KarmadaEgress) with
    ec2:DescribeAddresses in the parent's region, through the egress reader role
    (so it works across accounts), and exposes them as /32 CIDRs for an EKS
    endpoint allow-list. Re-read on every deploy of the consuming stack.
    """

    def __init__(self, scope: Construct, id: str, *, region: str, account: str | None, reader_role_name: str,
                 tag_key: str, tag_value: str, count: int) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        reader_arn = stack.format_arn(
            service="iam", region="", account=account or stack.account, resource="role", resource_name=reader_role_name
        )
        call = cr.AwsSdkCall(
            service="EC2",
            action="describeAddresses",
            region=region,
            assumed_role_arn=reader_arn,
            parameters={"Filters": [{"Name": f"tag:{tag_key}", "Values": [tag_value]}]},
            output_paths=[f"Addresses.{i}.PublicIp" for i in range(count)],
            physical_resource_id=cr.PhysicalResourceId.of(f"{tag_value}-egress"),
        )
        lookup = cr.AwsCustomResource(
            self,
            "Lookup",
            on_create=call,
            on_update=call,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["sts:AssumeRole"], resources=[reader_arn])]
            ),
            install_latest_aws_sdk=False,
        )
        self.cidrs = [f"{lookup.get_response_field(f'Addresses.{i}.PublicIp')}/32" for i in range(count)]
        acknowledge_aws_custom_resource(stack)
