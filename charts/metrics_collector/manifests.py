"""The collector's Kubernetes objects: identity, discovery RBAC, configuration, Deployment, NetworkPolicies.

One replica on purpose: two would scrape every target twice and write each sample twice (AMP keeps
one and counts both); ``Recreate`` keeps a rollout from overlapping two collectors for the same
reason. A missed scrape during a restart is a gap of one interval, which the alarms tolerate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from charts.karmada import names
from charts.karmada.common.objects import MANAGED_BY, checksum, metadata, selector_labels
from charts.karmada.common.pod import (
    TMP,
    FieldEnv,
    HttpProbe,
    Port,
    SecretMount,
    restricted_container_security_context,
    restricted_pod_security_context,
)
from charts.karmada.network_policy import API as NETWORK_API
from charts.karmada.network_policy import pods_of
from charts.karmada.pki import CLIENT_USAGES, CertificateRequest
from charts.metrics_collector import config
from charts.metrics_collector.props import COLLECTOR, MetricsCollectorProps
from charts.metrics_collector.scrape_targets import Auth, ScrapeJob

RBAC_API = "rbac.authorization.k8s.io/v1"
RBAC_GROUP = "rbac.authorization.k8s.io"
SERVICE_ACCOUNT = COLLECTOR  # the Pod Identity association names it
# Its own identity in the Karmada API: not a component (no system:karmada:control-plane group),
# not system:masters; the Karmada RBAC binds this user to get /metrics and nothing else.
CLIENT_USER = "system:karmada:metrics-collector"
CLIENT_CERT_SECRET = names.client_secret(COLLECTOR)
CLIENT_CERT = SecretMount("karmada-client-cert", CLIENT_CERT_SECRET, config.CLIENT_CERT_DIR)
METRICS_READER = "eks-karmada:metrics-reader"
PART_OF = "karmada"


def collector_labels() -> dict[str, str]:
    return {**selector_labels(COLLECTOR), "app.kubernetes.io/part-of": PART_OF,
            "app.kubernetes.io/managed-by": MANAGED_BY}


def _meta(name: str, namespace: str | None, **annotations: str) -> dict[str, Any]:
    return metadata(name, namespace=namespace, labels=collector_labels(), annotations=annotations or None)


def needs_client_certificate(props: MetricsCollectorProps) -> bool:
    return any(j.auth is Auth.KARMADA_CLIENT_CERTIFICATE for j in props.jobs)


def client_certificate_request(issuer: str) -> CertificateRequest:
    return CertificateRequest(
        name=CLIENT_CERT_SECRET,
        issuer=issuer,
        common_name=CLIENT_USER,
        usages=CLIENT_USAGES,
        purpose="metrics collector's client certificate for the Karmada API (get /metrics only)",
    )


def service_account(props: MetricsCollectorProps) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(SERVICE_ACCOUNT, props.namespace)}


def discovery_rbac(props: MetricsCollectorProps) -> list[dict[str, Any]]:
    """Read-only pod discovery, in the namespaces of its jobs only (a Role per namespace, no ClusterRole)."""
    objects: list[dict[str, Any]] = []
    for namespace in dict.fromkeys(j.namespace for j in props.jobs):
        name = f"{COLLECTOR}-discovery"
        objects += [
            {"apiVersion": RBAC_API, "kind": "Role", "metadata": _meta(name, namespace),
             "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]},
            {"apiVersion": RBAC_API, "kind": "RoleBinding", "metadata": _meta(name, namespace),
             "roleRef": {"apiGroup": RBAC_GROUP, "kind": "Role", "name": name},
             "subjects": [{"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": props.namespace}]},
        ]
    return objects


def config_map(props: MetricsCollectorProps) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(COLLECTOR, props.namespace),
            "data": {config.CONFIG_KEY: config.collector_config_yaml(props)}}


def _container(props: MetricsCollectorProps) -> dict[str, Any]:
    mounts = [{"name": "config", "mountPath": config.CONFIG_DIR, "readOnly": True}, TMP.mount_k8s()]
    if needs_client_certificate(props):
        mounts.insert(1, CLIENT_CERT.mount_k8s())
    probe = HttpProbe("/", "health", period=10, timeout=5, failure=3)
    return {
        "name": "collector",
        "image": props.image,
        "imagePullPolicy": props.image_pull_policy,
        "args": [f"--config={config.CONFIG_PATH}"],
        "env": [
            FieldEnv(config.POD_IP_ENV, "status.podIP").to_k8s(),
            {"name": config.REGION_ENV, "value": props.region},
            {"name": config.REMOTE_WRITE_URL_ENV, "value": props.remote_write_url},
            # Only Pod Identity: never the node's instance profile.
            {"name": "AWS_EC2_METADATA_DISABLED", "value": "true"},
        ],
        "ports": [Port("health", config.HEALTH_PORT).to_k8s()],
        "livenessProbe": {**probe.to_k8s(), "initialDelaySeconds": 10},
        "readinessProbe": probe.to_k8s(),
        "resources": props.resources.to_k8s(),
        "securityContext": restricted_container_security_context(),
        "volumeMounts": mounts,
        "terminationMessagePolicy": "FallbackToLogsOnError",
    }


def deployment(props: MetricsCollectorProps) -> dict[str, Any]:
    volumes: list[dict[str, Any]] = [{"name": "config", "configMap": {"name": COLLECTOR}}]
    if needs_client_certificate(props):
        volumes.append(CLIENT_CERT.volume_k8s())
    volumes.append(TMP.volume_k8s())
    spec: dict[str, Any] = {
        "serviceAccountName": SERVICE_ACCOUNT,
        # Pod discovery reads the Kubernetes API with this ServiceAccount's token.
        "automountServiceAccountToken": True,
        "enableServiceLinks": False,
        "securityContext": restricted_pod_security_context(),
        "terminationGracePeriodSeconds": 30,
        "containers": [_container(props)],
        "volumes": volumes,
    }
    if props.priority_class_name:
        spec["priorityClassName"] = props.priority_class_name
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(COLLECTOR, props.namespace),
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 3,
            "strategy": {"type": "Recreate"},
            "selector": {"matchLabels": selector_labels(COLLECTOR)},
            "template": {
                "metadata": {
                    "labels": collector_labels(),
                    # A changed configuration rolls the pod (the collector does not reload its file).
                    "annotations": {"checksum/config": checksum(config.collector_config(props))},
                },
                "spec": spec,
            },
        },
    }


def metrics_ingress(job: ScrapeJob, props: MetricsCollectorProps) -> dict[str, Any]:
    """Admits the collector, and nothing else, to one job's metrics port (next to the namespace's default deny)."""
    return {
        "apiVersion": NETWORK_API,
        "kind": "NetworkPolicy",
        "metadata": _meta(f"{job.job}-metrics", job.namespace),
        "spec": {
            "podSelector": {"matchLabels": dict(job.pod_labels)},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [pods_of(COLLECTOR)], "ports": [{"protocol": "TCP", "port": job.port}]}],
        },
    }


def collector_manifests(props: MetricsCollectorProps, *, certificate: dict[str, Any] | None = None,
                        isolated_namespaces: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every object of one collector.

    ``certificate``: the cert-manager Certificate of its Karmada client certificate, needed when a job
    authenticates with it. ``isolated_namespaces``: namespaces with a default-deny ingress policy; each
    job there gets a NetworkPolicy admitting the collector to its port. Elsewhere none is added: a
    policy would isolate the selected pods and cut every other client off.
    """
    if needs_client_certificate(props) and certificate is None:
        raise ValueError("certificate: a job authenticates with the Karmada client certificate; pass its Certificate")
    objects = [service_account(props), *discovery_rbac(props)]
    if certificate is not None:
        objects.append(certificate)
    objects += [config_map(props), deployment(props)]
    objects += [metrics_ingress(j, props) for j in props.jobs if j.namespace in isolated_namespaces]
    return objects


def metrics_reader_rbac() -> list[dict[str, Any]]:
    """In the Karmada API: the collector's user may get /metrics, nothing else."""
    meta = metadata(METRICS_READER, labels=collector_labels())
    return [
        {"apiVersion": RBAC_API, "kind": "ClusterRole", "metadata": meta,
         "rules": [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]},
        {"apiVersion": RBAC_API, "kind": "ClusterRoleBinding", "metadata": meta,
         "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": METRICS_READER},
         "subjects": [{"apiGroup": RBAC_GROUP, "kind": "User", "name": CLIENT_USER}]},
    ]
