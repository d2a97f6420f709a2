"""The audit log shipper beside karmada-apiserver: its audit file to CloudWatch Logs, one stream per pod.

karmada-apiserver writes its audit log (JSON lines) to a file in an emptyDir of the pod and rotates it at
``max_file_mb``, keeping ``max_backups`` rotated files: a stalled shipper costs audit events, never the node's
disk (the emptyDir's size limit is above what the rotation keeps, so the pod is never evicted for it).

A collector in the same pod (the AWS Distro for OpenTelemetry image) ships it:

* ``filelog`` reads ``audit*.log`` (the file and its rotated copies, told apart by fingerprint, so a rotation in the
  middle of a read loses nothing) from the beginning of a file it has not seen, and from its checkpoint otherwise;
  ``json_parser`` takes each event's ``stageTimestamp`` as the log event's time.
* ``file_storage`` keeps those checkpoints and the exporter's queue in a second emptyDir, which outlives restarts of
  the collector's container: a restart neither resends nor skips events (a crash may resend the last few).
* ``memory_limiter`` refuses data before the container's limit; the receiver retries what was refused.
* ``awscloudwatchlogs`` sends each event's raw JSON (``raw_log``: CloudWatch Logs Insights reads its fields) to the
  log group, in a stream named after the pod, retrying without end while its persistent queue holds; a full queue
  holds the receiver back instead of dropping.

Its credentials are the pod's ServiceAccount's, through EKS Pod Identity, injected into this container only
(``eks.amazonaws.com/skip-containers`` names the others): nothing else in the pod gets AWS credentials.
"""

from __future__ import annotations

from typing import Any

import yaml

from charts.karmada.common.pod import (
    POD_IP,
    POD_NAME,
    ConfigMapMount,
    Container,
    EmptyDirMount,
    HttpProbe,
    Port,
    ValueEnv,
)
from charts.karmada.props import AuditShippingProps, KarmadaControlPlaneProps

NAME = "audit-log-shipper"
CONFIG_MAP = "karmada-apiserver-audit-shipper"
CONFIG_KEY = "config.yaml"
HEALTH_PORT = 13133
# The image's entry point (aws-otel-collector's Dockerfile: ENTRYPOINT ["/awscollector"]).
BINARY = "/awscollector"
# The annotation EKS Pod Identity's webhook reads: containers that get no credentials (aws/amazon-eks-pod-identity-
# webhook, "skip-containers").
SKIP_CONTAINERS_ANNOTATION = "eks.amazonaws.com/skip-containers"

LOG_FILE_NAME = "audit.log"
MAX_AGE_DAYS = 30
CONFIG = ConfigMapMount("audit-shipper-config", CONFIG_MAP, "/etc/otel")
STATE = EmptyDirMount("audit-shipper-state", "/var/lib/audit-shipper", size_limit="64Mi")
STORAGE = "file_storage"


def log_volume(shipping: AuditShippingProps) -> EmptyDirMount:
    """The audit files, written by karmada-apiserver (read-only in the collector)."""
    return EmptyDirMount("audit-log", "/var/log/karmada-apiserver", size_limit=f"{shipping.volume_size_mib}Mi")


def log_path(shipping: AuditShippingProps) -> str:
    return f"{log_volume(shipping).path}/{LOG_FILE_NAME}"


def apiserver_flags(shipping: AuditShippingProps | None) -> list[str]:
    """kube-apiserver's audit log flags: to the file the collector ships, or (no shipping) to stdout."""
    if shipping is None:
        return ["--audit-log-path=-", "--audit-log-format=json"]
    return [
        f"--audit-log-path={log_path(shipping)}",
        "--audit-log-format=json",
        f"--audit-log-maxsize={shipping.max_file_mb}",
        f"--audit-log-maxbackup={shipping.max_backups}",
        # Rotated files are shipped within seconds; one older than this was lost to a shipper down that long.
        f"--audit-log-maxage={MAX_AGE_DAYS}",
    ]


def collector_config(shipping: AuditShippingProps) -> dict[str, Any]:
    """The collector's whole configuration, as the ConfigMap holds it."""
    directory = log_volume(shipping).path
    return {
        "extensions": {
            "health_check": {"endpoint": f"${{env:{POD_IP.name}}}:{HEALTH_PORT}"},
            STORAGE: {"directory": STATE.path, "create_directory": False,
                      "compaction": {"on_start": True, "directory": STATE.path}},
        },
        "receivers": {
            "filelog": {
                "include": [f"{directory}/audit*.log"],
                "start_at": "beginning",
                "storage": STORAGE,
                # One audit event can be large (long URIs, many annotations); kube-apiserver writes one per line.
                "max_log_size": "1MiB",
                "retry_on_failure": {"enabled": True, "initial_interval": "1s", "max_interval": "30s",
                                     "max_elapsed_time": "0s"},
                "operators": [{
                    "type": "json_parser",
                    "timestamp": {"parse_from": "attributes.stageTimestamp", "layout_type": "gotime",
                                  "layout": "2006-01-02T15:04:05.999999999Z07:00"},
                }],
            },
        },
        "processors": {
            "memory_limiter": {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 20},
        },
        "exporters": {
            "awscloudwatchlogs": {
                "log_group_name": shipping.log_group_name,
                "log_stream_name": f"${{env:{POD_NAME.name}}}",
                "region": shipping.region,
                "raw_log": True,
                "retry_on_failure": {"enabled": True, "initial_interval": "1s", "max_interval": "60s",
                                     "max_elapsed_time": "0s"},
                "sending_queue": {"enabled": True, "storage": STORAGE, "queue_size": 5000, "num_consumers": 1,
                                  "block_on_overflow": True},
            },
        },
        "service": {
            "extensions": ["health_check", STORAGE],
            "pipelines": {
                "logs": {"receivers": ["filelog"], "processors": ["memory_limiter"],
                         "exporters": ["awscloudwatchlogs"]},
            },
            "telemetry": {"logs": {"encoding": "json"}, "metrics": {"level": "none"}},
        },
    }


def config_data(shipping: AuditShippingProps) -> dict[str, str]:
    return {CONFIG_KEY: yaml.safe_dump(collector_config(shipping), sort_keys=False, default_flow_style=False)}


def container(props: KarmadaControlPlaneProps, shipping: AuditShippingProps) -> Container:
    health = HttpProbe("/", HEALTH_PORT, period=10, timeout=5, failure=3)
    return Container(
        name=NAME,
        image=shipping.image,
        pull_policy=props.image_pull_policy,
        command=[BINARY, f"--config={CONFIG.file(CONFIG_KEY)}"],
        env=[POD_IP, POD_NAME,
             # Pod Identity's credentials only, never the node's instance profile.
             ValueEnv("AWS_EC2_METADATA_DISABLED", "true")],
        resources=shipping.resources,
        ports=[Port("shipper-health", HEALTH_PORT)],
        liveness=health,
        readiness=health,
        mounts=[CONFIG, log_volume(shipping).reading(), STATE],
    )
