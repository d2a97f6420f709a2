"""AWS look-ups made at deploy time (AwsCustomResource) that read again on every deploy."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import UTC, datetime

from aws_cdk import CfnResource
from aws_cdk import custom_resources as cr
from constructs import Construct

from karmada_constructs.cfn import default_child

# CloudFormation sends a custom resource an Update only when its properties change: a value that
# differs on every synth makes every deploy read again what may have changed outside the stack.
# Tests pin it through this context key, so their templates stay the same from run to run.
REFRESH_CONTEXT = "eks-karmada:lookup-refresh"
# One value per app: every look-up of a synth carries the same time, even when the synth crosses a second.
_SYNTH_TIMES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _synth_time(scope: Construct) -> str:
    return _SYNTH_TIMES.setdefault(scope.node.root, datetime.now(UTC).isoformat(timespec="seconds"))


@dataclass(frozen=True, kw_only=True)
class DeployTimeLookupProps:
    """Properties of `DeployTimeLookup`."""
    call: cr.AwsSdkCall
    """The read-only SDK call (describe*, get*, list*)."""
    policy: cr.AwsCustomResourcePolicy
    """What the call may do."""


class DeployTimeLookup(cr.AwsCustomResource):
    """A read-only SDK call on create and on every later deploy of its stack.

    An AwsCustomResource that makes one read-only SDK call (`props.call`) on create and on every later deploy of its
    stack (a `Refresh` property that changes with every synth).
    """

    def __init__(self, scope: Construct, id: str, props: DeployTimeLookupProps) -> None:
        super().__init__(scope, id, on_create=props.call, on_update=props.call, policy=props.policy,
                         install_latest_aws_sdk=False)
        refresh = self.node.try_get_context(REFRESH_CONTEXT) or _synth_time(self)
        default_child(self.node.find_child("Resource"), CfnResource).add_property_override("Refresh", refresh)
