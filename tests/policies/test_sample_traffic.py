"""The sample with traffic on: published at sample.<domain>, and a client in the second member calling the first."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import cdk8s
import kubernetes_validate
import pytest
import yaml

from charts.policies import PolicyError, SampleWorkloadChart
from charts.policies.sample_traffic import MEMBER_LABEL, REMOTE_SERVICE, SampleTraffic
from charts.policies.traffic import TrafficMember
from eks_karmada.config import load_config
from eks_karmada.workload_sources import checked_charts

WEST, EAST = TrafficMember("member-usw2", "us-west-2"), TrafficMember("member-use1", "us-east-1")
DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "config" / "default.yaml"


def _synth(members: list[TrafficMember], open_ports: Collection[int] | None = (8080,)) -> list[dict[str, Any]]:
    traffic = SampleTraffic(domain="apps.example.com", members=members, open_ports=open_ports)
    chart = SampleWorkloadChart(cdk8s.Testing.app(), "sample", member_names=[m.name for m in members],
                                namespace="web", traffic=traffic)
    return cdk8s.Testing.synth(chart)


def _find(manifests: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    [manifest] = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    return manifest


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    return _synth([WEST, EAST])


def test_the_chart_adds_the_entry_point_and_the_cross_member_call_in_apply_order(manifests):
    assert [(m["kind"], m["metadata"]["name"]) for m in manifests] == [
        ("Namespace", "web"), ("ClusterPropagationPolicy", "sample-nginx-namespace"),
        ("Deployment", "sample-nginx"), ("Service", "sample-nginx"), ("PodDisruptionBudget", "sample-nginx"),
        ("PropagationPolicy", "sample-nginx"), ("OverridePolicy", "sample-nginx-dns"),
        ("OverridePolicy", "sample-nginx-member-label"), ("Service", REMOTE_SERVICE),
        ("MultiClusterService", REMOTE_SERVICE), ("Deployment", "sample-client"),
        ("NetworkPolicy", "sample-client"), ("PropagationPolicy", "sample-client"),
    ]


def test_nginx_keeps_its_equal_split_and_its_service_is_the_public_nlb_at_sample_domain(manifests):
    policy = _find(manifests, "PropagationPolicy", "sample-nginx")["spec"]
    assert [s["kind"] for s in policy["resourceSelectors"]] == ["Deployment", "Service", "PodDisruptionBudget"]
    weights = policy["placement"]["replicaScheduling"]["weightPreference"]["staticWeightList"]
    assert [(w["targetCluster"]["clusterNames"], w["weight"]) for w in weights] == [([WEST.name], 1), ([EAST.name], 1)]
    service = _find(manifests, "Service", "sample-nginx")
    assert service["spec"]["type"] == "LoadBalancer"
    assert service["metadata"]["annotations"]["external-dns.alpha.kubernetes.io/hostname"] == "sample.apps.example.com"


def test_the_remote_service_selects_only_the_first_members_pods(manifests):
    rules = _find(manifests, "OverridePolicy", "sample-nginx-member-label")["spec"]["overrideRules"]
    stamped = {rule["targetCluster"]["clusterNames"][0]: rule["overriders"]["plaintext"] for rule in rules}
    assert stamped == {member.name: [{"path": "/spec/template/metadata/labels/eks-karmada.io~1member",
                                      "operator": "add", "value": member.name}] for member in (WEST, EAST)}
    remote = _find(manifests, "Service", REMOTE_SERVICE)
    assert remote["spec"]["selector"] == {"app.kubernetes.io/name": "sample-nginx", MEMBER_LABEL: WEST.name}
    nginx_labels = _find(manifests, "Deployment", "sample-nginx")["spec"]["template"]["metadata"]["labels"]
    assert remote["spec"]["selector"].items() - nginx_labels.items() == {(MEMBER_LABEL, WEST.name)}


def test_the_multicluster_service_shares_the_first_members_endpoints_with_the_second(manifests):
    spec = _find(manifests, "MultiClusterService", REMOTE_SERVICE)["spec"]
    assert spec == {"types": ["CrossCluster"], "ports": [{"port": 80, "name": "http"}],
                    "providerClusters": [{"name": WEST.name}], "consumerClusters": [{"name": EAST.name}]}
    # Karmada takes the Service over from policies: no PropagationPolicy may select it.
    for policy in (m for m in manifests if m["kind"] == "PropagationPolicy"):
        assert REMOTE_SERVICE not in {s.get("name") for s in policy["spec"]["resourceSelectors"]}


def test_the_client_runs_in_the_second_member_only_and_calls_the_remote_service(manifests):
    placement = _find(manifests, "PropagationPolicy", "sample-client")["spec"]["placement"]
    assert placement["clusterAffinity"] == {"clusterNames": [EAST.name]}
    client = _find(manifests, "Deployment", "sample-client")
    [container] = client["spec"]["template"]["spec"]["containers"]
    assert f"http://{REMOTE_SERVICE}.web.svc:80/" in container["command"][-1]
    assert "sleep 10" in container["command"][-1]
    assert container["resources"]["requests"] and container["resources"]["limits"]["memory"]
    security = container["securityContext"]
    assert security["runAsNonRoot"] and security["readOnlyRootFilesystem"] and security["capabilities"]["drop"] == [
        "ALL"]
    assert not security["allowPrivilegeEscalation"]
    selected = {s["kind"] for s in _find(manifests, "PropagationPolicy", "sample-client")["spec"]["resourceSelectors"]}
    assert selected == {"Deployment", "NetworkPolicy"}
    egress = _find(manifests, "NetworkPolicy", "sample-client")["spec"]["egress"]
    assert {(p["protocol"], p["port"]) for rule in egress for p in rule["ports"]} == {
        ("UDP", 53), ("TCP", 53), ("TCP", 80), ("TCP", 8080)}


def test_every_kubernetes_object_is_valid_for_1_35(manifests):
    built_in = [m for m in manifests if ".karmada.io/" not in m["apiVersion"]]
    assert len(built_in) == 7
    for manifest in built_in:
        kubernetes_validate.validate(manifest, "1.35.0", strict=True)


def test_no_cross_member_call_with_one_member_or_unconnected_vpcs():
    for manifests in (_synth([WEST]), _synth([WEST, EAST], open_ports=None)):
        kinds = [m["kind"] for m in manifests]
        assert "MultiClusterService" not in kinds and kinds.count("Deployment") == 1
        assert _find(manifests, "Service", "sample-nginx")["spec"]["type"] == "LoadBalancer"


def test_a_closed_port_stops_the_sample_with_the_config_field_to_change():
    with pytest.raises(PolicyError) as caught:
        _synth([WEST, EAST], open_ports=[443])
    assert str(caught.value) == (
        "SampleWorkloadChart sample-nginx: traffic.cross_member_ports: the sample's client in member-use1 calls "
        "nginx pods in member-usw2 on TCP 8080, which [443] does not open; add 8080 to traffic.cross_member_ports, "
        "or set sample_workload.enabled: false")


def test_the_config_drives_the_sample(tmp_path):
    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config["traffic"] = {"enabled": True, "hosted_zone_id": "Z0123456789ABCDEFGHIJ", "domain": "apps.example.com",
                         "health_check_interval_seconds": 30, "unhealthy_threshold": 3, "cross_member_ports": [8080]}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(config))
    [chart] = checked_charts(cdk8s.App(), load_config(path))  # raises on any workload problem
    objects = chart.to_json()
    annotations = _find(objects, "Service", "sample-nginx")["metadata"]["annotations"]
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval"] == "30"
    assert annotations["service.beta.kubernetes.io/aws-load-balancer-healthcheck-unhealthy-threshold"] == "3"
    regions = {rule["targetCluster"]["clusterNames"][0]:
               rule["overriders"]["annotationsOverrider"][0]["value"]["external-dns.alpha.kubernetes.io/aws-region"]
               for rule in _find(objects, "OverridePolicy", "sample-nginx-dns")["spec"]["overrideRules"]}
    assert regions == {"member-use1": "us-east-1", "member-usw2": "us-west-2"}
    config["traffic"]["interconnect"] = "none"
    path.write_text(yaml.safe_dump(config))
    [chart] = checked_charts(cdk8s.App(), load_config(path))
    assert "MultiClusterService" not in [o["kind"] for o in chart.to_json()]


def test_traffic_members_must_be_the_samples():
    with pytest.raises(PolicyError, match="traffic.members: must be the sample's members"):
        SampleWorkloadChart(cdk8s.Testing.app(), "s", member_names=[WEST.name, EAST.name],
                            traffic=SampleTraffic(domain="apps.example.com", members=[EAST, WEST]))
