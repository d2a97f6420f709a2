"""CloudWatch Logs, locally: a moto server on the bridge's host address, and the log groups the templates would create.

``python -m local_control_plane cloudwatch-logs`` becomes ``python -m moto.server`` on ``HOST_ADDRESS`` port
``deviations.CLOUDWATCH_LOGS_PORT`` (every pod's namespace reaches the bridge address). `make local` then creates the
log group named in the audit shipper's rendered configuration (charts/karmada/audit_shipper.py), as the parent's
template does in AWS: the shipper may create streams, never groups.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Iterable

import yaml

from . import deviations
from .layout import HOST_ADDRESS, Layout

SHIPPER_CONFIG_MAP = "karmada-apiserver-audit-shipper"
EXPORTER = "awscloudwatchlogs"


def serve(layout: Layout) -> None:
    """Replace this process by the moto server (its pid stays the daemon's)."""
    del layout  # moto keeps its state in memory: a restarted daemon starts empty and `make local` recreates groups
    os.execv(sys.executable, [sys.executable, "-m", "moto.server", "-H", str(HOST_ADDRESS),
                              "-p", str(deviations.CLOUDWATCH_LOGS_PORT)])


def wait_listening(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((str(HOST_ADDRESS), deviations.CLOUDWATCH_LOGS_PORT), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def shipper_destinations(objects: Iterable[dict]) -> list[tuple[str, str]]:
    """(log group, region) of every audit shipper configuration among the rendered objects."""
    found = []
    for obj in objects:
        if obj.get("kind") == "ConfigMap" and obj["metadata"]["name"] == SHIPPER_CONFIG_MAP:
            for text in (obj.get("data") or {}).values():
                exporter = (yaml.safe_load(text).get("exporters") or {}).get(EXPORTER) or {}
                if exporter:
                    found.append((exporter["log_group_name"], exporter["region"]))
    return found


def client(region: str):
    """A CloudWatch Logs client of the local server (any keys do)."""
    import boto3

    return boto3.client("logs", region_name=region, endpoint_url=deviations.cloudwatch_logs_endpoint(),
                        aws_access_key_id="local", aws_secret_access_key="local")


def ensure_log_groups(objects: Iterable[dict]) -> list[str]:
    """Create each shipper's log group if missing; return the groups' names."""
    names = []
    for group, region in shipper_destinations(objects):
        logs = client(region)
        existing = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
        if group not in {g["logGroupName"] for g in existing}:
            logs.create_log_group(logGroupName=group)
        names.append(group)
    return names
