"""The collector's configuration: a Prometheus receiver scraping the jobs, remote write to AMP, SigV4.

Pipeline: ``prometheus`` receiver (Kubernetes pod discovery, one target per pod and metrics port)
-> ``memory_limiter`` -> ``batch`` -> ``prometheusremotewrite`` signed by the ``sigv4auth`` extension
(service ``aps``) with the Pod Identity credentials. The exporter maps the receiver's resource back
to ``job`` (the scrape job's name) and ``instance``, and adds ``external_labels``; it sends no
``target_info`` series (they would only cost samples).

The remote-write URL and region come from env vars (``${env:...}``, expanded by the collector):
the file itself holds no deploy-time value.
"""

from __future__ import annotations

from typing import Any

import yaml

from charts.metrics_collector.props import MetricsCollectorProps
from charts.metrics_collector.scrape_targets import Auth, ScrapeJob

CONFIG_KEY = "config.yaml"
CONFIG_DIR = "/etc/otel"
CONFIG_PATH = f"{CONFIG_DIR}/{CONFIG_KEY}"
CLIENT_CERT_DIR = "/etc/otel/pki/karmada"
HEALTH_PORT = 13133
REMOTE_WRITE_URL_ENV = "REMOTE_WRITE_URL"
REGION_ENV = "AWS_REGION"
POD_IP_ENV = "POD_IP"


def _tls_config(job: ScrapeJob) -> dict[str, Any]:
    tls: dict[str, Any] = {"min_version": "TLS12"}
    if job.auth is Auth.KARMADA_CLIENT_CERTIFICATE:
        tls.update(ca_file=f"{CLIENT_CERT_DIR}/ca.crt", cert_file=f"{CLIENT_CERT_DIR}/tls.crt",
                   key_file=f"{CLIENT_CERT_DIR}/tls.key")
    if job.server_name:
        tls["server_name"] = job.server_name
    if not job.verify_server:
        tls["insecure_skip_verify"] = True
    return tls


def scrape_config(job: ScrapeJob) -> dict[str, Any]:
    """One Prometheus scrape config: the job's pods in its namespace, only its metrics port."""
    config: dict[str, Any] = {
        "job_name": job.job,
        "scheme": job.scheme,
        "metrics_path": job.path,
        "kubernetes_sd_configs": [{
            "role": "pod",
            "namespaces": {"names": [job.namespace]},
            "selectors": [{"role": "pod", "label": job.selector}],
        }],
        "relabel_configs": [
            # Discovery yields one target per declared container port: keep the metrics one.
            {"source_labels": ["__meta_kubernetes_pod_container_port_number"], "regex": str(job.port),
             "action": "keep"},
            {"source_labels": ["__meta_kubernetes_pod_phase"], "regex": "Running", "action": "keep"},
            {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
            {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
        ],
    }
    if job.scheme == "https":
        config["tls_config"] = _tls_config(job)
    return config


def collector_config(props: MetricsCollectorProps) -> dict[str, Any]:
    """The whole collector configuration, as the ConfigMap holds it."""
    return {
        "extensions": {
            "health_check": {"endpoint": f"${{env:{POD_IP_ENV}}}:{HEALTH_PORT}"},
            "sigv4auth": {"region": f"${{env:{REGION_ENV}}}", "service": "aps"},
        },
        "receivers": {
            "prometheus": {
                "config": {
                    "global": {
                        "scrape_interval": f"{props.scrape_interval_seconds}s",
                        "scrape_timeout": f"{props.scrape_timeout_seconds}s",
                    },
                    "scrape_configs": [scrape_config(j) for j in props.jobs],
                },
            },
        },
        "processors": {
            # Refuse data before the container's memory limit is reached (the receiver retries next scrape).
            "memory_limiter": {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 20},
            "batch": {"timeout": "10s"},
        },
        "exporters": {
            "prometheusremotewrite": {
                "endpoint": f"${{env:{REMOTE_WRITE_URL_ENV}}}",
                "auth": {"authenticator": "sigv4auth"},
                "external_labels": dict(props.external_labels),
                "resource_to_telemetry_conversion": {"enabled": False},
                "target_info": {"enabled": False},
                "timeout": "30s",
            },
        },
        "service": {
            "extensions": ["health_check", "sigv4auth"],
            "pipelines": {
                "metrics": {
                    "receivers": ["prometheus"],
                    "processors": ["memory_limiter", "batch"],
                    "exporters": ["prometheusremotewrite"],
                },
            },
        },
    }


def collector_config_yaml(props: MetricsCollectorProps) -> str:
    return yaml.safe_dump(collector_config(props), sort_keys=False, default_flow_style=False)
