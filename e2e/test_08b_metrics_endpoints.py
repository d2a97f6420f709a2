"""Scenario 8b: every endpoint the metrics collectors scrape serves Prometheus metrics to the collector's identity.

The collectors themselves do not run here (no Amazon Managed Service for Prometheus; deviations.py): this
scrapes the same endpoints from charts/metrics_collector/scrape_targets.py the way the collector's
configuration does (each pod, its metrics port, scheme and path; for the HTTPS jobs, the collector's own
client certificate and the serving name it verifies), and checks the authenticated endpoints refuse a
client without it.
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
from pathlib import Path

import pytest

from charts.karmada.props import KarmadaControlPlaneProps
from charts.metrics_collector import Auth, ScrapeJob, agent_scrape_job, parent_scrape_jobs

# cert-manager is a Helm chart from the internet, not installed here (deviations.py).
NOT_LOCAL = {"cert-manager"}
CLIENT_SECRET = "karmada-metrics-collector-client"


class _Connection(http.client.HTTPSConnection):
    """HTTPS to a pod address, verifying the certificate against a Service name (as tls_config.server_name does)."""

    def __init__(self, address: str, port: int, context: ssl.SSLContext, server_name: str | None) -> None:
        super().__init__(address, port, context=context, timeout=10)
        self._server_name = server_name or address
        self._tls = context

    def connect(self) -> None:
        raw = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self._server_name)


def _scrape(job: ScrapeJob, address: str, certs: dict[str, Path] | None, *, with_client_cert: bool = True,
            ) -> tuple[int, str]:
    if job.scheme == "http":
        connection: http.client.HTTPConnection = http.client.HTTPConnection(address, job.port, timeout=10)
    else:
        assert certs is not None
        context = ssl.create_default_context(cafile=str(certs["ca.crt"]))
        if not job.verify_server:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if with_client_cert and job.auth is Auth.KARMADA_CLIENT_CERTIFICATE:
            context.load_cert_chain(str(certs["tls.crt"]), str(certs["tls.key"]))
        connection = _Connection(address, job.port, context, job.server_name)
    try:
        connection.request("GET", job.path)
        response = connection.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        connection.close()


@pytest.fixture(scope="module")
def certs(parent, tmp_path_factory) -> dict[str, Path]:
    """The collector's client certificate, issued from its rendered Certificate like every other one."""
    secret = parent.get("secret", CLIENT_SECRET, "karmada-system")
    assert secret is not None, f"no Secret karmada-system/{CLIENT_SECRET}: is observability enabled?"
    folder = tmp_path_factory.mktemp("collector-cert")
    files = {}
    for key in ("ca.crt", "tls.crt", "tls.key"):
        files[key] = folder / key
        files[key].write_bytes(base64.b64decode(secret["data"][key]))
    return files


def _targets(env, target: str, cluster: str, job: ScrapeJob) -> list[str]:
    pods, templates = env.rendered_pods(target, cluster)
    return [pod.address for pod in pods
            if job.pod_labels.items() <= templates[pod.id]["metadata"].get("labels", {}).items()]


def _parent_jobs() -> list[ScrapeJob]:
    return [j for j in parent_scrape_jobs(KarmadaControlPlaneProps()) if j.job not in NOT_LOCAL]


@pytest.mark.parametrize("job", _parent_jobs(), ids=lambda j: j.job)
def test_each_parent_job_serves_metrics_to_the_collector(env, certs, job):
    addresses = _targets(env, "parent", "parent", job)
    assert addresses, f"{job.job}: no pod matches {job.selector}"
    for address in addresses:
        status, body = _scrape(job, address, certs)
        assert status == 200, f"{job.job} {address}:{job.port}{job.path}: HTTP {status}: {body[:300]}"
        assert "# TYPE " in body, f"{job.job}: not Prometheus text"


@pytest.mark.parametrize("job", [j for j in _parent_jobs() if j.auth is Auth.KARMADA_CLIENT_CERTIFICATE],
                         ids=lambda j: j.job)
def test_authenticated_jobs_refuse_a_scrape_without_the_collector_certificate(env, certs, job):
    (address, *_) = _targets(env, "parent", "parent", job)
    status, _ = _scrape(job, address, certs, with_client_cert=False)
    assert status in (401, 403), f"{job.job}: anonymous /metrics answered HTTP {status}"


def test_each_pull_member_agent_serves_metrics(env):
    job = agent_scrape_job()
    checked = 0
    for member in env.member_names:
        for address in _targets(env, f"member-{member}", member, job):
            status, body = _scrape(job, address, None)
            assert status == 200 and "# TYPE " in body, f"{member} karmada-agent {address}: HTTP {status}"
            checked += 1
    assert checked, "no karmada-agent pod on any member (config/local.yaml has a Pull member)"


def _exposed(body: str) -> set[str]:
    """Metric names in a Prometheus text exposition (samples, not comments)."""
    return {line.split("{", 1)[0].split(" ", 1)[0] for line in body.splitlines() if line and not line.startswith("#")}


def test_every_metric_the_alarms_and_dashboards_read_is_exposed_by_the_running_binaries(env, certs):
    """observability/: each name a rule or panel reads, found in a scrape of one of the jobs that should expose it.

    Runs after the failover (test_05) and the propagation scenarios, so the eviction, scheduling and propagation
    families exist. cert-manager does not run here: its names are checked against its source only.
    """
    from observability import metric_names

    exposed: dict[str, set[str]] = {}
    for job in _parent_jobs():
        for address in _targets(env, "parent", "parent", job):
            status, body = _scrape(job, address, certs)
            assert status == 200, f"{job.job} {address}: HTTP {status}"
            exposed.setdefault(job.job, set()).update(_exposed(body))
    agent = agent_scrape_job()
    for member in env.member_names:
        for address in _targets(env, f"member-{member}", member, agent):
            exposed.setdefault(agent.job, set()).update(_exposed(_scrape(agent, address, None)[1]))
    missing = []
    for name, family in sorted(metric_names().items()):
        jobs = [j for j in family.jobs if j not in NOT_LOCAL]
        if jobs and not any(name in exposed.get(j, set()) for j in jobs):
            missing.append(f"{name} (jobs {', '.join(jobs)})")
    assert not missing, "read by an alarm or dashboard but exposed by no running binary: " + "; ".join(missing)
