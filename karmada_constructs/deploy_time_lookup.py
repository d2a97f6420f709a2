"""AWS look-ups made at deploy time (AwsCustomResource) that read again on every deploy."""

from __future__ import annotations

from datetime import datetime, timezone

from aws_cdk import custom_resources as cr
from constructs import Construct

# CloudFormation sends a custom resource an Update only when its properties change: a value that
# differs on every synth makes every deploy read again what may have changed outside the stack.
# Tests pin it through this context key, so their templates stay the same from run to run.
REFRESH_CONTEXT = "eks-karmada:lookup-refresh"


class DeployTimeLookup(cr.AwsCustomResource):
    """An AwsCustomResource that makes one read-only SDK call (`call`) on create and on every
    later deploy of its stack (a `Refresh` property that changes with every synth)."""

    def __init__(self, scope: Construct, id: str, *, call: cr.AwsSdkCall, policy: cr.AwsCustomResourcePolicy) -> None:
        super().__init__(scope, id, on_create=call, on_update=call, policy=policy, install_latest_aws_sdk=False)
        refresh = self.node.try_get_context(REFRESH_CONTEXT) or datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.node.find_child("Resource").node.default_child.add_property_override("Refresh", refresh)
