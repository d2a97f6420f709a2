"""CredentialRefresh: the schedule that refreshes one member's credentials (Pull certificate, Push tokens)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from karmada_constructs.lambda_schedule import LambdaSchedule, LambdaScheduleProps

# Pull: cert-manager renews the agent's certificate 30 days before it expires, so a daily copy has ample retries.
# Push: each run only reads two Secrets until the tokens pass half their life (at least 2 hours, default 7 days).
PULL_RATE = "rate(1 day)"
PUSH_RATE = "rate(1 hour)"


@dataclass(frozen=True, kw_only=True)
class CredentialRefreshProps:
    """Properties of `CredentialRefresh`."""

    function: lambda_.IFunction
    """The refresh function (`MemberRegistrationProvider.refresh_function`)."""
    properties: Mapping[str, str]
    """The member's registration properties (`MemberRegistration.properties`), sent as the event."""
    member_name: str
    """The member, for descriptions."""
    pull: bool
    """Pull: the agent certificate, daily. Push: the member's tokens, hourly."""


class CredentialRefresh(Construct):
    """The schedule that invokes the refresh function with one member's registration.

    A `LambdaSchedule` (its own group, a role for that group only, allowed to invoke the refresh function and
    nothing else): daily for a Pull member (its karmada-agent certificate), hourly for a Push member (its tokens in
    Karmada, renewed at half-life); its event the registration's properties (names and ARNs, no secret), so the
    function reads the same Secrets and reaches the same member as the registration does. Scheduler's own retries
    stand: a missed run is worth retrying.
    """

    def __init__(self, scope: Construct, id: str, props: CredentialRefreshProps) -> None:
        super().__init__(scope, id)
        what = "renewed karmada-agent certificate" if props.pull else "expiring tokens, renewed at half-life,"
        scheduled = LambdaSchedule(self, "Scheduled", LambdaScheduleProps(
            function=props.function,
            expression=PULL_RATE if props.pull else PUSH_RATE,
            input=Stack.of(self).to_json_string(dict(props.properties)),
            description=f"copies member {props.member_name}'s {what} into {'it' if props.pull else 'Karmada'}",
        ))
        self.group, self.role, self.schedule = scheduled.group, scheduled.role, scheduled.schedule
