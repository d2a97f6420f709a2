"""CloudFormation custom resource ``DeployTimeAdmin``: an EKS access policy held only while a deploy needs it.

An existing member's kubectl provider applies objects that only a cluster admin may create (ClusterRoles
granting every verb, and their bindings). Its access entry carries no access policy; two of these resources
bracket the objects it applies, in the stack's dependency order:

* ``Phase: grant`` comes before the objects. Create and Update associate the policy and wait
  ``SettleSeconds`` for EKS to apply it (EKS reports no moment at which an association takes effect);
  Delete, which runs after the objects are deleted, disassociates it.
* ``Phase: withdraw`` comes after the objects. Create and Update disassociate the policy; Delete, which runs
  before the objects are deleted, associates it (and waits), so their deletion may proceed.
* A rollback (``UPDATE_ROLLBACK_IN_PROGRESS``) runs Updates in the order of a Delete, and they act as one:
  withdraw associates before the objects are rolled back, grant disassociates after.

Both carry ``Revision``, a digest of the objects the provider applies, so both run again exactly when the
objects change. Outside a deploy the provider's role is mapped to a user with no permission at all.

ResourceProperties (strings): ``ClusterName``, ``PrincipalArn``, ``PolicyArn``, ``Phase`` (grant or withdraw),
``Revision``, ``SettleSeconds`` (default 30).
"""

# pyright: reportMissingTypeStubs=false
# (boto3 ships no type stubs: the clients are typed Any.)
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from ..provider_framework import CREATE_FAILED_MARKER

logger = logging.getLogger("deploy_admin")
logger.setLevel(logging.INFO)

PHASES = ("grant", "withdraw")
DEFAULT_SETTLE_SECONDS = 30
ROLLING_BACK = "UPDATE_ROLLBACK_IN_PROGRESS"  # a failed create is undone by Deletes


@dataclass(frozen=True)
class Settings:
    """Whose access entry, which policy, and which side of the objects, read from the resource's properties."""

    cluster_name: str
    principal_arn: str
    policy_arn: str
    phase: str
    settle_seconds: int = DEFAULT_SETTLE_SECONDS

    @classmethod
    def from_properties(cls, props: dict[str, Any]) -> Settings:
        values = {key: str(props.get(key) or "").strip() for key in ("ClusterName", "PrincipalArn", "PolicyArn")}
        missing = [key for key, value in values.items() if not value]
        if missing:
            raise ValueError(f"{', '.join(missing)} required")
        phase = str(props.get("Phase") or "")
        if phase not in PHASES:
            raise ValueError(f"Phase {phase!r}: use grant or withdraw")
        return cls(values["ClusterName"], values["PrincipalArn"], values["PolicyArn"], phase,
                   int(props.get("SettleSeconds") or DEFAULT_SETTLE_SECONDS))


@dataclass
class Runtime:
    """The AWS clients and the clock (tests give stubbed ones)."""

    eks: Any
    cloudformation: Any
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def default(cls) -> Runtime:
        import boto3  # the Lambda runtime's; imported late so tests need no AWS configuration

        return cls(eks=cast(Any, boto3.client("eks")),  # pyright: ignore[reportUnknownMemberType]
                   cloudformation=cast(Any, boto3.client("cloudformation")))  # pyright: ignore[reportUnknownMemberType]


def on_event(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """The Lambda entry point (the Provider framework's user function)."""
    return handle(event, context, Runtime.default())


def handle(event: dict[str, Any], context: Any, runtime: Runtime) -> dict[str, Any]:
    request = event["RequestType"]
    settings = Settings.from_properties(event.get("ResourceProperties") or {})
    physical_id = f"deploy-admin:{settings.phase}:{settings.cluster_name}"
    if request == "Delete" and event.get("PhysicalResourceId") == CREATE_FAILED_MARKER:
        return {"PhysicalResourceId": CREATE_FAILED_MARKER}
    if request not in ("Create", "Update", "Delete"):
        raise ValueError(f"unknown RequestType {request!r}")
    if _holds(settings.phase, request, runtime, event.get("StackId", "")):
        associate(runtime, settings)
    else:
        disassociate(runtime, settings)
    # The same physical ID on every Update: an Update never replaces it (a replacement's Delete would run too).
    return {"PhysicalResourceId": physical_id}


def _holds(phase: str, request: str, runtime: Runtime, stack_id: str) -> bool:
    """Whether the provider holds the policy once this event is done.

    Undoing (a Delete, or an Update while the stack rolls back) runs in reverse dependency order: withdraw
    first, then the objects, then grant. So undoing, withdraw gives the policy back for the objects' own undoing
    and grant takes it away after them; doing, the other way round.
    """
    undoing = request == "Delete" or (request == "Update" and _stack_status(runtime, stack_id) == ROLLING_BACK)
    return phase == ("withdraw" if undoing else "grant")


def _stack_status(runtime: Runtime, stack_id: str) -> str:
    stacks = runtime.cloudformation.describe_stacks(StackName=stack_id).get("Stacks") or [{}]
    return str(stacks[0].get("StackStatus", ""))


def associate(runtime: Runtime, settings: Settings) -> None:
    runtime.eks.associate_access_policy(
        clusterName=settings.cluster_name, principalArn=settings.principal_arn,
        policyArn=settings.policy_arn, accessScope={"type": "cluster"},
    )
    logger.info("associated %s with %s in %s; waiting %d s for EKS to apply it", settings.policy_arn,
                settings.principal_arn, settings.cluster_name, settings.settle_seconds)
    runtime.sleep(settings.settle_seconds)


def disassociate(runtime: Runtime, settings: Settings) -> None:
    try:
        runtime.eks.disassociate_access_policy(
            clusterName=settings.cluster_name, principalArn=settings.principal_arn, policyArn=settings.policy_arn)
    except Exception as err:  # botocore.exceptions.ClientError, without importing botocore here
        if getattr(err, "response", {}).get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
        logger.info("%s was not associated with %s in %s", settings.policy_arn, settings.principal_arn,
                    settings.cluster_name)
        return
    logger.info("disassociated %s from %s in %s", settings.policy_arn, settings.principal_arn, settings.cluster_name)
