"""The fleet's AMP workspace, found by alias at deploy time (from a stack in another region than the parent's)."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from karmada_constructs.deploy_time_lookup import DeployTimeLookup, DeployTimeLookupProps
from karmada_constructs.nag import acknowledge, acknowledge_aws_custom_resource


@dataclass(frozen=True, kw_only=True)
class MetricsWorkspaceLookupProps:
    """Properties of `MetricsWorkspaceLookup`."""
    alias: str
    """The workspace's alias (eks_karmada/chart_props.py metrics_workspace_alias)."""
    region: str
    """The parent's region, where the workspace is."""


class MetricsWorkspaceLookup(Construct):
    """The workspace's ARN and remote-write URL, read with aps:ListWorkspaces by alias on every deploy.

    A DeployTimeLookup (AwsCustomResource) in the parent's region of the consuming stack's account; passing names
    instead of a cross-region reference keeps members free of exports from the parent. Exposes ``workspace_arn``
    ``workspace_id`` and ``remote_write_url``.
    """

    def __init__(self, scope: Construct, id: str, props: MetricsWorkspaceLookupProps) -> None:
        super().__init__(scope, id)
        call = cr.AwsSdkCall(
            service="amp",
            action="listWorkspaces",
            region=props.region,
            parameters={"alias": props.alias},
            output_paths=["workspaces.0.arn", "workspaces.0.workspaceId"],
            physical_resource_id=cr.PhysicalResourceId.of(f"{props.alias}-{props.region}"),
        )
        lookup = DeployTimeLookup(self, "Lookup", DeployTimeLookupProps(
            call=call,
            # ListWorkspaces is authorised on "*" only: AMP has no resource or condition to narrow it by.
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["aps:ListWorkspaces"], resources=["*"])]),
        ))
        acknowledge(lookup, "AwsSolutions-IAM5[Resource::*]",
                    "aps:ListWorkspaces supports no resource-level permission; it lists names and ARNs, "
                    "reads no metric, and is the lookup's only action.")
        acknowledge_aws_custom_resource(Stack.of(self))
        self.workspace_id: str = lookup.get_response_field("workspaces.0.workspaceId")
        self.workspace_arn: str = lookup.get_response_field("workspaces.0.arn")
        self.remote_write_url = (f"https://aps-workspaces.{props.region}.{Stack.of(self).url_suffix}/workspaces/"
                                 f"{self.workspace_id}/api/v1/remote_write")
