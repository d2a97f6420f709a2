"""The fleet guard: a Lambda run every minute that keeps a fleet-wide outage from evicting every workload."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from charts.fleet_guard import TAINT_POLICY, client_certificate_request, karmada_rbac
from karmada_constructs.scheduled_karmada_function import (
    ScheduledKarmadaFunction,
    ScheduledKarmadaFunctionProps,
    ScheduledKarmadaJob,
)

HANDLER = "functions.fleet_guard.handler.on_event"
# The Kubernetes group the function's role maps to in the parent; ParentReaderRbacChart grants it its Secret.
GUARD_GROUP = "eks-karmada:fleet-guard"
FIELD_MANAGER = "eks-karmada-fleet-guard"
NAME = "fleet-guard"
# The schedule's input beside the Karmada access keys and the pacing; every value is a string.
TAINT_POLICY_KEY = "TaintPolicy"
OUTAGE_PERCENT_KEY = "OutagePercent"


@dataclass(frozen=True, kw_only=True)
class FleetGuardProps:
    """Properties of `FleetGuard`."""
    scheduled: ScheduledKarmadaFunctionProps
    """Where it runs (`poll_seconds`: between two looks at the Clusters within a run)."""
    outage_percent: int = 50
    """Suspend while more than this percentage of the member Clusters is not Ready. Default: 50."""


class FleetGuard(ScheduledKarmadaFunction):
    """Suspends Karmada's taint eviction while too many members are not Ready at once, and restores it after.

    A `ScheduledKarmadaFunction` (functions/fleet_guard, every minute) of Kubernetes group `eks-karmada:fleet-guard`,
    Karmada user `system:karmada:fleet-guard` (no group), whose Karmada RBAC (`charts.fleet_guard.karmada_rbac`)
    allows Clusters get/list/patch and the failover ClusterTaintPolicy get/patch, nothing else.
    """

    def __init__(self, scope: Construct, id: str, props: FleetGuardProps) -> None:
        super().__init__(scope, id, props.scheduled, ScheduledKarmadaJob(
            name=NAME,
            handler=HANDLER,
            kubernetes_group=GUARD_GROUP,
            field_manager=FIELD_MANAGER,
            description="Fleet guard: suspends Karmada taint eviction during a fleet-wide outage",
            impact="a fleet-wide outage would evict every workload",
            client_certificate=client_certificate_request(),
            karmada_objects=karmada_rbac(),
            settings={TAINT_POLICY_KEY: TAINT_POLICY, OUTAGE_PERCENT_KEY: str(props.outage_percent)},
        ))
