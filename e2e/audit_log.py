"""The Karmada API's audit log as the scenarios read it: from the (local) CloudWatch Logs group it is shipped to.

karmada-apiserver writes its audit file in the pod; the shipper beside it (the collector built from
gobuild/audit-log-shipper, with the rendered configuration) sends each event to the log group the rendered ConfigMap
names, one stream per pod. Locally CloudWatch Logs is the moto server `make local` runs (deviations.py); reading the
events back from there proves the whole path, as an operator would read them in CloudWatch Logs.
"""

from __future__ import annotations

import datetime as dt
import json

from local_control_plane import cloudwatch_logs


def destination(env) -> tuple[str, str]:
    """(log group, region) the rendered shipper configuration writes to."""
    found = cloudwatch_logs.shipper_destinations(env.objects("parent"))
    assert len(found) == 1, f"expected one audit shipper configuration in parent.yaml, found {found}"
    return found[0]


def shipped_events(env) -> list[dict]:
    """Every audit event (ResponseComplete: one per request) in the log group, of every stream.

    The local CloudWatch Logs starts empty with each `make local` that restarts it; only events received since this
    environment's kubelet started count, as for a file.
    """
    group, region = destination(env)
    logs = cloudwatch_logs.client(region)
    since = dt.datetime.fromtimestamp(env.daemon_pid_file("kubelet").stat().st_mtime, dt.UTC)
    events = []
    streams = [s["logStreamName"] for page in logs.get_paginator("describe_log_streams").paginate(logGroupName=group)
               for s in page["logStreams"]]
    for stream in streams:
        token = None
        while True:
            kwargs = {"logGroupName": group, "logStreamName": stream, "startFromHead": True}
            if token:
                kwargs["nextToken"] = token
            page = logs.get_log_events(**kwargs)
            for item in page["events"]:
                event = json.loads(item["message"])
                received = dt.datetime.fromisoformat(event["requestReceivedTimestamp"].replace("Z", "+00:00"))
                if event.get("stage") == "ResponseComplete" and received >= since:
                    events.append(event)
            if page.get("nextForwardToken") in (None, token):
                break
            token = page["nextForwardToken"]
    return events


def messages(env) -> list[str]:
    """The raw messages of the log group, of every stream (what anyone with read access to it sees)."""
    group, region = destination(env)
    logs = cloudwatch_logs.client(region)
    return [e["message"] for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group)
            for e in page["events"]]
