"""The parent collector, read from the synthesized app: what it scrapes is what the control plane serves.

Everything is derived from cdk.out/manifests (parent.yaml, karmada.yaml) and the parent template, not from
the lists in charts/metrics_collector: a component, port or Service added to the control plane without a
scrape job, or a job whose port, Service, certificate name or network path does not exist, fails here.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from charts.karmada.props import KarmadaControlPlaneProps
from charts.metrics_collector import job_names, parent_scrape_jobs

NAMESPACE = "karmada-system"
COLLECTOR = "karmada-metrics-collector"
# Job pods of the control plane's namespace that are not components (no metrics to collect).
# The cluster guard serves no /metrics: its refusals are in its log (docs/troubleshooting.md).
NOT_COMPONENTS = {COLLECTOR, "etcd-backup", "etcd-restore", "karmada-cluster-guard"}
REQUIRED_JOBS = ["karmada-apiserver", "karmada-aggregated-apiserver", "karmada-controller-manager",
                 "karmada-scheduler", "karmada-webhook", "karmada-kube-controller-manager", "etcd", "cert-manager",
                 "karmada-agent"]


@pytest.fixture(scope="module")
def parent(synthesized) -> list[dict[str, Any]]:
    return synthesized.manifests["parent"]


def _find(objects, kind: str, name: str, namespace: str | None = NAMESPACE) -> dict[str, Any]:
    (obj,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name
              and o["metadata"].get("namespace") == namespace]
    return obj


@pytest.fixture(scope="module")
def config(parent) -> dict[str, Any]:
    return yaml.safe_load(_find(parent, "ConfigMap", COLLECTOR)["data"]["config.yaml"])


@pytest.fixture(scope="module")
def scrapes(config) -> dict[str, dict[str, Any]]:
    return {s["job_name"]: s for s in config["receivers"]["prometheus"]["config"]["scrape_configs"]}


def _selector(scrape: dict[str, Any]) -> tuple[str, dict[str, str]]:
    (sd,) = scrape["kubernetes_sd_configs"]
    (namespace,) = sd["namespaces"]["names"]
    (selector,) = sd["selectors"]
    return namespace, dict(part.split("=", 1) for part in selector["label"].split(","))


def _kept_port(scrape: dict[str, Any]) -> int:
    (keep,) = [r for r in scrape["relabel_configs"]
               if r["source_labels"] == ["__meta_kubernetes_pod_container_port_number"]]
    assert keep["action"] == "keep"
    return int(keep["regex"])


def _workloads(objects):
    return [o for o in objects if o["kind"] in ("Deployment", "StatefulSet")
            and o["metadata"].get("namespace") == NAMESPACE]


def _metrics_port(workload: dict[str, Any]) -> int:
    """The port a component serves /metrics on: its "metrics" port, or the TLS port of an API server or controller."""
    ports = {p["name"]: p["containerPort"] for c in workload["spec"]["template"]["spec"]["containers"]
             for p in c.get("ports", [])}
    return ports["metrics"] if "metrics" in ports else ports["https"]


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def test_the_job_names_are_the_labels_the_alarms_and_dashboards_select_on(scrapes):
    assert sorted(job_names()) == sorted(REQUIRED_JOBS)
    assert sorted(scrapes) == sorted(j for j in REQUIRED_JOBS if j != "karmada-agent")


def test_every_component_of_the_control_plane_is_scraped_on_its_metrics_port(parent, scrapes):
    served = {}
    for workload in _workloads(parent):
        labels = workload["spec"]["template"]["metadata"]["labels"]
        if labels["app.kubernetes.io/name"] in NOT_COMPONENTS:
            continue
        served[labels["app.kubernetes.io/name"]] = _metrics_port(workload)
    scraped = {}
    for scrape in scrapes.values():
        namespace, selector = _selector(scrape)
        if namespace != NAMESPACE:
            continue
        (workload,) = [w for w in _workloads(parent)
                       if _matches(selector, w["spec"]["template"]["metadata"]["labels"])]
        scraped[workload["metadata"]["name"]] = _kept_port(scrape)
        # The port is really declared on the pod (pod discovery only yields declared ports).
        assert _kept_port(scrape) in {p["containerPort"] for c in workload["spec"]["template"]["spec"]["containers"]
                                      for p in c.get("ports", [])}
    assert served and scraped == served


def test_each_named_service_fronts_the_job_pods_on_the_scraped_port(parent):
    for job in parent_scrape_jobs(KarmadaControlPlaneProps()):
        if job.service is None or job.namespace != NAMESPACE:
            continue
        service = _find(parent, "Service", job.service)
        (workload,) = [w for w in _workloads(parent) if _matches(service["spec"]["selector"],
                                                                  w["spec"]["template"]["metadata"]["labels"])]
        named = {p["name"]: p["containerPort"] for c in workload["spec"]["template"]["spec"]["containers"]
                 for p in c.get("ports", [])}
        targets = {named.get(p["targetPort"], p["targetPort"]) for p in service["spec"]["ports"]}
        assert job.port in targets, job.job


def test_https_jobs_verify_a_name_the_serving_certificate_carries(parent, scrapes):
    certificates = [o for o in parent if o["kind"] == "Certificate"]
    checked = 0
    for scrape in scrapes.values():
        if scrape["scheme"] != "https":
            continue
        tls = scrape["tls_config"]
        assert tls["ca_file"].startswith("/etc/otel/pki/karmada/")
        if tls.get("insecure_skip_verify"):
            assert scrape["job_name"] == "karmada-kube-controller-manager"  # serves a self-signed certificate
            continue
        assert any(tls["server_name"] in c["spec"].get("dnsNames", []) for c in certificates), scrape["job_name"]
        checked += 1
    assert checked == 2


def test_cert_manager_declares_the_port_the_collector_keeps(synthesized, scrapes):
    scrape = scrapes["cert-manager"]
    assert _selector(scrape)[0] == "cert-manager" and _kept_port(scrape) == 9402
    template = synthesized.templates["KarmadaParent"]
    (chart,) = [r for r in template["Resources"].values() if r["Type"] == "Custom::AWSCDK-EKS-HelmChart"
                and r["Properties"].get("Release") == "cert-manager"]
    values = chart["Properties"]["Values"]
    values = values if isinstance(values, str) else str(values)
    assert '"prometheus":{"enabled":true,"servicemonitor":{"enabled":false},"podmonitor":{"enabled":false}}' in values


def test_parent_series_carry_the_cluster_label_and_go_to_the_workspace_signed(config, default_config):
    exporter = config["exporters"]["prometheusremotewrite"]
    assert exporter["external_labels"] == {"cluster": default_config.parent.cluster_name}
    assert exporter["auth"] == {"authenticator": "sigv4auth"}
    assert config["extensions"]["sigv4auth"]["service"] == "aps"
    assert config["receivers"]["prometheus"]["config"]["global"]["scrape_interval"] == (
        f"{default_config.observability.scrape_interval_seconds}s")


def test_the_deployment_reads_the_workspace_url_and_its_own_certificate(parent):
    spec = _find(parent, "Deployment", COLLECTOR)["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["REMOTE_WRITE_URL"] == "${Metrics.PrometheusEndpoint}api/v1/remote_write"
    secrets = {v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v}
    assert secrets == {"karmada-metrics-collector-client"}
    assert spec["serviceAccountName"] == COLLECTOR


def test_its_identity_is_its_own_and_may_only_get_metrics_in_the_karmada_api(parent, synthesized):
    certificate = _find(parent, "Certificate", "karmada-metrics-collector-client")["spec"]
    assert certificate["commonName"] == "system:karmada:metrics-collector"
    assert "subject" not in certificate  # no group: neither system:masters nor the components' group
    assert certificate["issuerRef"]["name"] == "karmada-client-ca"
    karmada = synthesized.manifests["karmada"]
    roles = [o for o in karmada if o["kind"] == "ClusterRoleBinding"
             and any(s.get("name") == certificate["commonName"] for s in o["subjects"])]
    assert [(r["roleRef"]["name"], r["subjects"]) for r in roles] == [
        ("eks-karmada:metrics-reader",
         [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "system:karmada:metrics-collector"}])]
    role = _find(karmada, "ClusterRole", "eks-karmada:metrics-reader", namespace=None)
    assert role["rules"] == [{"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]


def _admits(policy: dict[str, Any], source: dict[str, str], port: int) -> bool:
    for rule in policy["spec"].get("ingress", []):
        peers = rule.get("from", [])
        ports = [p["port"] for p in rule.get("ports", [])]
        from_source = any("podSelector" in p and "namespaceSelector" not in p
                          and _matches(p["podSelector"].get("matchLabels", {}), source) for p in peers)
        if from_source and (not ports or port in ports):
            return True
    return False


def test_network_policies_admit_the_collector_to_each_metrics_port_and_only_there(parent, scrapes):
    policies = [o for o in parent if o["kind"] == "NetworkPolicy" and o["metadata"]["namespace"] == NAMESPACE]
    collector = _find(parent, "Deployment", COLLECTOR)["spec"]["template"]["metadata"]["labels"]
    for scrape in scrapes.values():
        namespace, selector = _selector(scrape)
        if namespace != NAMESPACE:
            continue
        port = _kept_port(scrape)
        applying = [p for p in policies if _matches(p["spec"]["podSelector"].get("matchLabels", {}), selector)]
        assert any(_admits(p, collector, port) for p in applying), scrape["job_name"]
    # The policies it adds admit the collector alone, to the metrics port alone.
    added = [p for p in policies if p["metadata"]["labels"]["app.kubernetes.io/name"] == COLLECTOR]
    assert len(added) == 7
    for policy in added:
        (rule,) = policy["spec"]["ingress"]
        assert rule["from"] == [{"podSelector": {"matchLabels": {
            "app.kubernetes.io/name": COLLECTOR, "app.kubernetes.io/instance": "karmada"}}}]
        (port,) = rule["ports"]
        assert port["port"] in {_kept_port(s) for s in scrapes.values()}


def test_the_parent_role_remote_writes_to_the_parent_workspace_only(synthesized):
    resources = synthesized.templates["KarmadaParent"]["Resources"]
    (workspace_id,) = [k for k, v in resources.items() if v["Type"] == "AWS::APS::Workspace"]
    (association,) = [v for v in resources.values() if v["Type"] == "AWS::EKS::PodIdentityAssociation"
                      and v["Properties"]["ServiceAccount"] == COLLECTOR]
    role_id = association["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    policies = [v for v in resources.values() if v["Type"] == "AWS::IAM::Policy"
                and {"Ref": role_id} in v["Properties"]["Roles"]]
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert [(s["Action"], s["Resource"]) for s in statements] == [
        ("aps:RemoteWrite", {"Fn::GetAtt": [workspace_id, "Arn"]})]
