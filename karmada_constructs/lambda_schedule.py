"""LambdaSchedule: an EventBridge Scheduler schedule that invokes one Lambda function, and nothing else."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (ServicePrincipal vs IPrincipal):
# pyright: reportArgumentType=false
from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct


@dataclass(frozen=True, kw_only=True)
class LambdaScheduleProps:
    """Properties of `LambdaSchedule`."""

    function: lambda_.IFunction
    """The function the schedule invokes."""
    expression: str
    """The schedule expression, e.g. ``rate(1 minute)``."""
    input: str
    """The event the function receives: JSON text (``Stack.to_json_string`` keeps deploy-time values in it)."""
    description: str
    """What the schedule does (the schedule's and its role's descriptions)."""
    group_name: str | None = None
    """The schedule group's name. Default: generated."""
    schedule_name: str | None = None
    """The schedule's name. Default: generated."""
    max_event_age_seconds: int | None = None
    """Drop an invocation Scheduler could not deliver within this many seconds, and do not retry it. Default:
    Scheduler's own (retries for up to a day), right for a rare schedule; a frequent one sets it below its
    period, so a late run is never replayed after the next."""


class LambdaSchedule(Construct):
    """An EventBridge Scheduler schedule that invokes one Lambda function with a fixed event.

    Creates:

    - a schedule group of its own: Scheduler presents the group's ARN, not the schedule's, as the
      ``aws:SourceArn`` of the role it assumes, so only a group holding this one schedule confines the role to it;
    - an execution role that only scheduler.amazonaws.com may assume, only for this account (``aws:SourceAccount``)
      and this group (``aws:SourceArn``), allowed ``lambda:InvokeFunction`` on the function and nothing else;
    - the schedule: no flexible time window, enabled, its target the function with ``input`` as the event.
    """

    def __init__(self, scope: Construct, id: str, props: LambdaScheduleProps) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.group = scheduler.CfnScheduleGroup(self, "Group", name=props.group_name)
        self.role = iam.Role(
            self, "Role",
            description=f"Scheduler: {props.description}",
            assumed_by=iam.PrincipalWithConditions(iam.ServicePrincipal("scheduler.amazonaws.com"), {
                "StringEquals": {"aws:SourceAccount": stack.account, "aws:SourceArn": self.group.attr_arn},
            }),
        )
        self.role.add_to_policy(iam.PolicyStatement(actions=["lambda:InvokeFunction"],
                                                    resources=[props.function.function_arn]))
        retry = None
        if props.max_event_age_seconds is not None:
            retry = scheduler.CfnSchedule.RetryPolicyProperty(
                maximum_retry_attempts=0, maximum_event_age_in_seconds=props.max_event_age_seconds)
        self.schedule = scheduler.CfnSchedule(
            self, "Schedule",
            name=props.schedule_name,
            group_name=self.group.ref,
            description=props.description,
            schedule_expression=props.expression,
            flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
            state="ENABLED",
            target=scheduler.CfnSchedule.TargetProperty(
                arn=props.function.function_arn, role_arn=self.role.role_arn, input=props.input, retry_policy=retry),
        )
        # The role's policy before the first run, so the first invocation is allowed.
        self.schedule.node.add_dependency(self.role)
