"""AgentCertificateRefresh: the schedule that refreshes one Pull member's karmada-agent certificate."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (ServicePrincipal vs IPrincipal):
# pyright: reportArgumentType=false
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct


@dataclass(frozen=True, kw_only=True)
class AgentCertificateRefreshProps:
    """Properties of `AgentCertificateRefresh`."""

    function: lambda_.IFunction
    """The refresh function (`MemberRegistrationProvider.refresh_function`)."""
    properties: Mapping[str, str]
    """The member's registration properties (`MemberRegistration.properties`), sent as the event."""
    member_name: str
    """The Pull member, for descriptions."""
    rate_days: int = 1
    """Days between refreshes. Default: 1 (cert-manager renews 30 days before expiry, so ample retries)."""


class AgentCertificateRefresh(Construct):
    """An EventBridge Scheduler schedule that invokes the refresh function with one member's registration.

    Creates, for one Pull member:

    - a schedule group of its own, so the role below is usable from this member's schedule group only;
    - an execution role that only scheduler.amazonaws.com may assume, only for this account
      (``aws:SourceAccount``) and this schedule group (``aws:SourceArn``), allowed ``lambda:InvokeFunction`` on
      the refresh function and nothing else;
    - the schedule: ``rate(1 day)``, no flexible time window, its Input the registration's properties (names
      and ARNs, no secret), so the function reads the same Secrets and reaches the same member as the
      registration does.
    """

    def __init__(self, scope: Construct, id: str, props: AgentCertificateRefreshProps) -> None:
        super().__init__(scope, id)
        if props.rate_days < 1:
            raise ValueError(f"member {props.member_name}: rate_days must be at least 1, not {props.rate_days}")
        stack = Stack.of(self)
        self.group = scheduler.CfnScheduleGroup(self, "Group")
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com", conditions={
                # Scheduler presents its schedule group's ARN: only this member's group may use the role.
                "StringEquals": {"aws:SourceAccount": stack.account, "aws:SourceArn": self.group.attr_arn},
            }),
            description=f"Scheduler: the daily agent certificate refresh of member {props.member_name}",
        )
        self.role.add_to_policy(iam.PolicyStatement(actions=["lambda:InvokeFunction"],
                                                    resources=[props.function.function_arn]))
        unit = "day" if props.rate_days == 1 else "days"
        self.schedule = scheduler.CfnSchedule(
            self,
            "Schedule",
            group_name=self.group.ref,
            description=f"Copies member {props.member_name}'s renewed karmada-agent certificate into it",
            schedule_expression=f"rate({props.rate_days} {unit})",
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            state="ENABLED",
            target=scheduler.CfnSchedule.TargetProperty(
                arn=props.function.function_arn,
                role_arn=self.role.role_arn,
                input=stack.to_json_string(dict(props.properties)),
            ),
        )
        # The role's policy before the first invocation.
        self.schedule.node.add_dependency(self.role)
