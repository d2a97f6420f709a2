"""Every metrics endpoint the collectors scrape: one `ScrapeJob` per Prometheus ``job`` label.

The job names are an interface: the alarms and dashboards select on ``job`` (and on ``cluster`` for the
parent's series, ``member`` for the agents'), and the local control plane's e2e test scrapes the same
endpoints from this list. Each job finds its pods by their selector labels (one target per pod, so
every replica of a leader-elected component is scraped, not whichever one a Service picks) and keeps
one container port; ``service`` names the Service in front of those pods where one exists.

How each component serves /metrics (Karmada v1.18.2, Kubernetes v1.35.2, etcd 3.6.6, cert-manager):

* karmada-apiserver (kube-apiserver), karmada-aggregated-apiserver, karmada-kube-controller-manager:
  on their TLS port, authenticated and authorised: a client certificate of the Karmada CA whose user
  may ``get`` the non-resource URL /metrics in the Karmada API (the aggregated API server and the
  controller manager ask karmada-apiserver through a SubjectAccessReview).
* karmada-controller-manager, karmada-scheduler, karmada-webhook: plain HTTP on
  ``--metrics-bind-address`` (:8080, controller-runtime's metrics server without TLS).
* etcd: plain HTTP on ``--listen-metrics-urls`` (:2381), which serves /metrics and the probes only.
* cert-manager's controller: plain HTTP on :9402 in its own namespace.
* karmada-agent (Pull members): plain HTTP on ``--metrics-bind-address`` (:8080).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from charts.karmada import names
from charts.karmada.common.objects import selector_labels
from charts.karmada.props import KarmadaControlPlaneProps
from charts.member_access import AGENT_NAME, AGENT_NAMESPACE

METRICS_PATH = "/metrics"
CERT_MANAGER_NAMESPACE = "cert-manager"
CERT_MANAGER_METRICS_PORT = 9402
AGENT_METRICS_PORT = 8080
# The labels that tell the fleet's series apart (alarms and dashboards group by them).
CLUSTER_LABEL = "cluster"
MEMBER_LABEL = "member"


class Auth(Enum):
    """What a scrape presents to the endpoint."""

    NONE = "none"
    KARMADA_CLIENT_CERTIFICATE = "karmada-client-certificate"
    """The collector's own client certificate of the Karmada CA (RBAC: get /metrics only)."""


@dataclass(frozen=True, kw_only=True)
class ScrapeJob:
    """One scrape job: where its pods are and how their metrics endpoint is read."""

    job: str
    """The ``job`` label of every series it collects (the alarms' and dashboards' selector)."""
    namespace: str
    """The namespace of its pods."""
    pod_labels: dict[str, str] = field(default_factory=dict)
    """The labels selecting its pods."""
    port: int
    """The container port serving /metrics."""
    scheme: str = "http"
    """``http`` or ``https``. Default: http."""
    path: str = METRICS_PATH
    """The metrics path. Default: /metrics."""
    service: str | None = None
    """The Service in front of those pods exposing ``port``, if any. Default: none (the pods only)."""
    auth: Auth = Auth.NONE
    """What the scrape presents. Default: nothing."""
    server_name: str | None = None
    """The name the serving certificate is verified against (HTTPS through a pod address). Default: none."""
    verify_server: bool = True
    """Whether the serving certificate is verified. Default: True."""

    @property
    def selector(self) -> str:
        """The pod label selector in Kubernetes' string form (``k=v,k=v``)."""
        return ",".join(f"{k}={v}" for k, v in sorted(self.pod_labels.items()))


def _karmada(job: str, component: str, port: int, props: KarmadaControlPlaneProps, **kwargs) -> ScrapeJob:
    return ScrapeJob(job=job, namespace=props.namespace, pod_labels=selector_labels(component), port=port, **kwargs)


def _tls_name(service: str, props: KarmadaControlPlaneProps) -> str:
    """The ``<service>.<namespace>.svc`` name every serving certificate of the control plane carries."""
    return f"{service}.{props.namespace}.svc"


def parent_scrape_jobs(props: KarmadaControlPlaneProps) -> list[ScrapeJob]:
    """The parent collector's jobs: every Karmada component, etcd and cert-manager."""
    authenticated = {"scheme": "https", "auth": Auth.KARMADA_CLIENT_CERTIFICATE}
    return [
        _karmada(names.APISERVER, names.APISERVER, props.apiserver_port, props, service=names.APISERVER,
                 server_name=_tls_name(names.APISERVER, props), **authenticated),
        _karmada(names.AGGREGATED_APISERVER, names.AGGREGATED_APISERVER, names.SECURE_PORT, props,
                 service=names.AGGREGATED_APISERVER, server_name=_tls_name(names.AGGREGATED_APISERVER, props),
                 **authenticated),
        # Without --tls-cert-file it serves a self-signed certificate made at start: nothing to verify it against.
        # The client certificate it receives grants get /metrics and nothing else.
        _karmada(names.KUBE_CONTROLLER_MANAGER, names.KUBE_CONTROLLER_MANAGER, names.KCM_SECURE_PORT, props,
                 verify_server=False, **authenticated),
        _karmada(names.CONTROLLER_MANAGER, names.CONTROLLER_MANAGER, names.METRICS_PORT, props),
        _karmada(names.SCHEDULER, names.SCHEDULER, names.METRICS_PORT, props),
        _karmada(names.WEBHOOK, names.WEBHOOK, names.METRICS_PORT, props),
        _karmada("etcd", names.ETCD, names.ETCD_METRICS_PORT, props, service=names.ETCD_PEER_SERVICE),
        ScrapeJob(
            job="cert-manager",
            namespace=CERT_MANAGER_NAMESPACE,
            # The Helm release "cert-manager": its controller, not the webhook or the CA injector.
            pod_labels={"app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/instance": "cert-manager",
                        "app.kubernetes.io/component": "controller"},
            port=CERT_MANAGER_METRICS_PORT,
            service="cert-manager",
        ),
    ]


def agent_scrape_job() -> ScrapeJob:
    """A Pull member's collector job: its karmada-agent (charts/member_access.py)."""
    return ScrapeJob(job=AGENT_NAME, namespace=AGENT_NAMESPACE, pod_labels={"app": AGENT_NAME},
                     port=AGENT_METRICS_PORT)


def job_names(props: KarmadaControlPlaneProps | None = None) -> list[str]:
    """Every job label the fleet's metrics carry (parent and members)."""
    return [j.job for j in parent_scrape_jobs(props or KarmadaControlPlaneProps())] + [agent_scrape_job().job]
