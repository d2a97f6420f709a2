"""The work healer: a Lambda run every minute that re-reconciles Works Karmada left marked failed (karmada#4065)."""

from __future__ import annotations

from constructs import Construct

from charts.work_healer import client_certificate_request, execution_leases, karmada_objects
from karmada_constructs.scheduled_karmada_function import (
    ScheduledKarmadaFunction,
    ScheduledKarmadaFunctionProps,
    ScheduledKarmadaJob,
)

HANDLER = "functions.work_healer.handler.on_event"
# The Kubernetes group the function's role maps to in the parent; ParentReaderRbacChart grants it its Secret.
HEALER_GROUP = "eks-karmada:work-healer"
FIELD_MANAGER = "eks-karmada-work-healer"
NAME = "work-healer"
LEASES_KEY = "Leases"  # the schedule's input: namespace/name of each execution controller's Lease, comma-separated


class WorkHealer(ScheduledKarmadaFunction):
    """Nudges each Work that Karmada applied but left marked Applied=False after a start (karmada-io/karmada#4065).

    A `ScheduledKarmadaFunction` (functions/work_healer, every minute) of Kubernetes group `eks-karmada:work-healer`,
    Karmada user `system:karmada:work-healer` (no group). Its Karmada objects (`charts.work_healer.karmada_objects`):
    Clusters get/list, Works get/list/patch, the execution controllers' Leases get by name, and a
    ValidatingAdmissionPolicy that lets that user change nothing of a Work but `spec.suspendDispatching` between
    false and absent.
    """

    def __init__(self, scope: Construct, id: str, props: ScheduledKarmadaFunctionProps) -> None:
        leases = execution_leases(props.control_plane.namespace, props.control_plane.pull_members)
        super().__init__(scope, id, props, ScheduledKarmadaJob(
            name=NAME,
            handler=HANDLER,
            kubernetes_group=HEALER_GROUP,
            field_manager=FIELD_MANAGER,
            description="Work healer: re-reconciles Works Karmada applied but left marked failed after a start",
            impact="a Work left marked failed after a restart stays so, its binding not FullyApplied",
            client_certificate=client_certificate_request(),
            karmada_objects=karmada_objects(leases),
            settings={LEASES_KEY: ",".join(f"{namespace}/{name}" for namespace, name in leases)},
        ))
