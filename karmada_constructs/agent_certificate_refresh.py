"""AgentCertificateRefresh: the schedule that refreshes one Pull member's karmada-agent certificate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from karmada_constructs.lambda_schedule import LambdaSchedule, LambdaScheduleProps


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
    """The daily schedule that invokes the refresh function with one Pull member's registration.

    A `LambdaSchedule` (its own group, a role for that group only, allowed to invoke the refresh function and
    nothing else): ``rate(1 day)``, its event the registration's properties (names and ARNs, no secret), so the
    function reads the same Secrets and reaches the same member as the registration does. Scheduler's own retries
    stand: a missed day is worth retrying.
    """

    def __init__(self, scope: Construct, id: str, props: AgentCertificateRefreshProps) -> None:
        super().__init__(scope, id)
        if props.rate_days < 1:
            raise ValueError(f"member {props.member_name}: rate_days must be at least 1, not {props.rate_days}")
        unit = "day" if props.rate_days == 1 else "days"
        scheduled = LambdaSchedule(self, "Scheduled", LambdaScheduleProps(
            function=props.function,
            expression=f"rate({props.rate_days} {unit})",
            input=Stack.of(self).to_json_string(dict(props.properties)),
            description=f"copies member {props.member_name}'s renewed karmada-agent certificate into it",
        ))
        self.group, self.role, self.schedule = scheduled.group, scheduled.role, scheduled.schedule
