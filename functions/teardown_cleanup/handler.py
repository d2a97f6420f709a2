"""CloudFormation custom resource ``TeardownCleanup``: what controllers made in AWS goes before the cluster.

Controllers inside a cluster create AWS resources CloudFormation never sees: the EBS CSI driver
creates a volume for every PersistentVolumeClaim, the VPC CNI creates network interfaces for
pods. When a stack is deleted those controllers die with their nodes, and whatever they had not
cleaned up yet keeps costing money (volumes) or blocks the deletion of subnets and security
groups (network interfaces).

The resource sits in the stack's dependency graph so that CloudFormation deletes it after the
Kubernetes objects, the add-ons and the node group, and before the cluster and its VPC. Create
and Update do nothing. Delete, within a bounded wait:

* EBS volumes that carry ``<VolumeTagKey>=<VolumeTagValue>`` (set by the StorageClass, so only
  volumes provisioned for this cluster) *and* ``ebs.csi.aws.com/cluster=true`` (set by the EBS
  CSI driver on every volume it creates): each one that is detached (``available``) is deleted;
  attached ones are waited for (they detach once their instance terminates). Volumes of a PVC
  whose namespace is listed in ``RetainVolumeNamespaces`` are kept, and so is, in that mode, any
  volume whose namespace is not known (tag ``kubernetes.io/created-for/pvc/namespace`` missing):
  a retained volume is never deleted by a guess.
* Network interfaces in ``VpcId`` that the VPC CNI created (tag
  ``node.k8s.amazonaws.com/instance_id``) and that are left ``available``: deleted.

It returns when nothing is left to delete; if something is still attached when the wait runs
out, it fails with the IDs, so the stack stops (DELETE_FAILED) instead of leaving a cost behind
silently; the next ``cdk destroy`` retries (docs/uninstall.md).

ResourceProperties (strings): ``ClusterName``, ``VpcId`` (optional: no ENI cleanup without it),
``VolumeTagKey`` and ``VolumeTagValue`` (optional: no volume cleanup without them),
``RetainVolumeNamespaces`` (JSON list, default []), ``WaitSeconds`` (default 600).
"""

# pyright: reportMissingTypeStubs=false
# (boto3 ships no type stubs: the EC2 client is typed Any and its answers are read as dict[str, Any].)
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from ..provider_framework import CREATE_FAILED_MARKER
from .errors import CleanupError

logger = logging.getLogger("teardown_cleanup")
logger.setLevel(logging.INFO)

CSI_TAG = "ebs.csi.aws.com/cluster"
PVC_NAMESPACE_TAG = "kubernetes.io/created-for/pvc/namespace"
PVC_NAME_TAG = "kubernetes.io/created-for/pvc/name"
CNI_ENI_TAG = "node.k8s.amazonaws.com/instance_id"
DEFAULT_WAIT_SECONDS = 600
POLL_SECONDS = 10
SAFETY_MARGIN_SECONDS = 30  # time to report a failure before the Lambda itself times out
# Errors that only mean "not yet" or "already gone": the next round looks again.
_RETRYABLE = {"VolumeInUse", "IncorrectState", "InvalidNetworkInterface.InUse", "RequestLimitExceeded", "Throttling"}
_GONE = {"InvalidVolume.NotFound", "InvalidNetworkInterfaceID.NotFound"}


@dataclass(frozen=True)
class Settings:
    """What to clean up, read from the custom resource's properties."""

    cluster_name: str
    vpc_id: str | None = None
    volume_tag_key: str | None = None
    volume_tag_value: str | None = None
    retain_namespaces: tuple[str, ...] = ()
    wait_seconds: int = DEFAULT_WAIT_SECONDS

    @classmethod
    def from_properties(cls, props: dict[str, Any]) -> Settings:
        cluster = str(props.get("ClusterName") or "").strip()
        if not cluster:
            raise ValueError("ClusterName is required")
        retain = props.get("RetainVolumeNamespaces") or "[]"
        parsed: object = json.loads(retain) if isinstance(retain, str) else list(retain)
        namespaces = cast("list[object]", parsed) if isinstance(parsed, list) else None
        if namespaces is None or not all(isinstance(n, str) and n for n in namespaces):
            raise ValueError(f"RetainVolumeNamespaces must be a JSON list of namespace names, got {retain!r}")
        key, value = props.get("VolumeTagKey") or None, props.get("VolumeTagValue") or None
        if bool(key) != bool(value):
            raise ValueError("VolumeTagKey and VolumeTagValue go together")
        return cls(
            cluster_name=cluster,
            vpc_id=props.get("VpcId") or None,
            volume_tag_key=key,
            volume_tag_value=value,
            retain_namespaces=tuple(str(n) for n in namespaces),
            wait_seconds=int(props.get("WaitSeconds") or DEFAULT_WAIT_SECONDS),
        )

    def retained(self, volume: dict[str, Any]) -> bool:
        """Whether a volume stays: its PVC's namespace is retained, or (retaining at all) unknown."""
        if not self.retain_namespaces:
            return False
        namespace = _tags(volume).get(PVC_NAMESPACE_TAG)
        return namespace is None or namespace in self.retain_namespaces


@dataclass
class Report:
    """What a cleanup run deleted and kept, and how many rounds it took."""

    deleted_volumes: list[str] = field(default_factory=list[str])
    retained_volumes: list[str] = field(default_factory=list[str])
    deleted_interfaces: list[str] = field(default_factory=list[str])
    rounds: int = 0

    def data(self) -> dict[str, str]:
        # CloudFormation caps a custom resource response at 4 KB: counts, and the retained IDs the operator needs.
        return {
            "DeletedVolumes": str(len(self.deleted_volumes)),
            "DeletedNetworkInterfaces": str(len(self.deleted_interfaces)),
            "RetainedVolumes": ",".join(sorted(self.retained_volumes))[:2000],
        }


def on_event(
    event: dict[str, Any],
    context: Any = None,
    *,
    ec2: Any = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    request = event["RequestType"]
    settings = Settings.from_properties(event.get("ResourceProperties") or {})
    physical_id = event.get("PhysicalResourceId") or f"teardown-cleanup:{settings.cluster_name}"
    if request in ("Create", "Update"):
        # Nothing to do until the stack goes; keep the same physical ID so an Update never replaces it.
        created_id = f"teardown-cleanup:{settings.cluster_name}"
        return {"PhysicalResourceId": created_id if request == "Create" else physical_id}
    if request != "Delete":
        raise ValueError(f"unknown RequestType {request!r}")
    if physical_id == CREATE_FAILED_MARKER:
        return {"PhysicalResourceId": physical_id}
    budget = float(settings.wait_seconds)
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        budget = min(budget, context.get_remaining_time_in_millis() / 1000 - SAFETY_MARGIN_SECONDS)
    if ec2 is None:
        import boto3  # the Lambda runtime's; imported late so tests need no AWS configuration

        ec2 = cast(Any, boto3.client("ec2"))  # pyright: ignore[reportUnknownMemberType] (boto3 has no stubs)
    report = clean_up(ec2, settings, deadline=clock() + max(budget, 0), clock=clock, sleep=sleep)
    logger.info("cleanup of %s done: %s", settings.cluster_name, json.dumps(report.data()))
    return {"PhysicalResourceId": physical_id, "Data": report.data()}


def clean_up(ec2: Any, settings: Settings, *, deadline: float, clock: Callable[[], float],
             sleep: Callable[[float], None]) -> Report:
    """Delete what is detached, wait for what is attached, until nothing is left or the deadline passes."""
    report = Report()
    while True:
        report.rounds += 1
        waiting: list[str] = []
        if settings.volume_tag_key:
            waiting += _volumes_round(ec2, settings, report)
        if settings.vpc_id:
            waiting += _interfaces_round(ec2, settings, report)
        if not waiting:
            return report
        if clock() + POLL_SECONDS > deadline:
            raise CleanupError(
                f"{settings.cluster_name}: still there after the bounded wait: {', '.join(waiting[:20])}"
                f"{' and more' if len(waiting) > 20 else ''}; they stay attached to running instances or "
                "the API refused to delete them. Delete or detach them (docs/uninstall.md, 'If make destroy stops') "
                "and run make destroy again"
            )
        logger.info("waiting for %d resources of %s: %s", len(waiting), settings.cluster_name, ", ".join(waiting[:20]))
        sleep(POLL_SECONDS)


def _volumes_round(ec2: Any, settings: Settings, report: Report) -> list[str]:
    """One pass over the cluster's CSI volumes; returns those still to wait for."""
    waiting: list[str] = []
    for volume in _pages(ec2, "describe_volumes", "Volumes", Filters=[
        {"Name": f"tag:{settings.volume_tag_key}", "Values": [settings.volume_tag_value]},
        {"Name": f"tag:{CSI_TAG}", "Values": ["true"]},
    ]):
        volume_id, state = volume["VolumeId"], volume.get("State")
        if state == "deleted":
            continue
        if settings.retained(volume):
            if volume_id not in report.retained_volumes:
                tags = _tags(volume)
                logger.info("keeping %s (PVC %s/%s)", volume_id,
                            tags.get(PVC_NAMESPACE_TAG, "?"), tags.get(PVC_NAME_TAG, "?"))
                report.retained_volumes.append(volume_id)
            continue
        if state in ("available", "error"):
            outcome = _call(ec2.delete_volume, VolumeId=volume_id)
            if outcome == "done":
                logger.info("deleted volume %s (%s)", volume_id, _tags(volume).get(PVC_NAME_TAG, "no PVC tag"))
                report.deleted_volumes.append(volume_id)
                continue
            if outcome == "gone":
                continue
        waiting.append(f"{volume_id} ({state})")
    return waiting


def _interfaces_round(ec2: Any, settings: Settings, report: Report) -> list[str]:
    """One pass over the VPC CNI's detached network interfaces in the VPC; returns those still to wait for."""
    waiting: list[str] = []
    for interface in _pages(ec2, "describe_network_interfaces", "NetworkInterfaces", Filters=[
        {"Name": "vpc-id", "Values": [settings.vpc_id]},
        {"Name": "status", "Values": ["available"]},
        {"Name": "tag-key", "Values": [CNI_ENI_TAG]},
    ]):
        interface_id = interface["NetworkInterfaceId"]
        outcome = _call(ec2.delete_network_interface, NetworkInterfaceId=interface_id)
        if outcome == "done":
            logger.info("deleted network interface %s left by the VPC CNI", interface_id)
            report.deleted_interfaces.append(interface_id)
        elif outcome == "retry":
            waiting.append(f"{interface_id} (available)")
    return waiting


def _call(method: Callable[..., Any], **kwargs: Any) -> str:
    """'done', 'gone' (already deleted) or 'retry'; any other error propagates (e.g. AccessDenied)."""
    try:
        method(**kwargs)
        return "done"
    except Exception as err:  # botocore.exceptions.ClientError, without importing botocore here
        code = getattr(err, "response", {}).get("Error", {}).get("Code")
        if code in _GONE:
            return "gone"
        if code in _RETRYABLE:
            logger.info("%s: %s, will retry", kwargs, code)
            return "retry"
        raise


def _pages(ec2: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    for page in ec2.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def _tags(resource: dict[str, Any]) -> dict[str, str]:
    tags: list[dict[str, str]] = resource.get("Tags") or []
    return {t["Key"]: t["Value"] for t in tags}
