"""Traffic presets: MultiClusterService as Karmada v1.18.2 accepts it, and placement emitted together with routing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from charts.policies import PolicyError, presets
from charts.policies.multicluster_service import ExposurePort, MultiClusterService
from charts.policies.selectors import ResourceSelector
from charts.policies.traffic import (
    CrossMemberPort,
    HealthCheck,
    RoutingMode,
    TrafficMember,
    cross_member_service,
    public_entry_point,
)

WEST, EAST = TrafficMember("member-usw2", "us-west-2"), TrafficMember("member-use1", "us-east-1")
MCS_CRD = Path.home() / (
    "go/pkg/mod/github.com/karmada-io/karmada@v1.18.2/charts/karmada/_crds/bases/networking/"
    "networking.karmada.io_multiclusterservices.yaml"
)


def _service() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": "default", "annotations": {"example.com/team": "shop"}},
        "spec": {"type": "ClusterIP", "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


# --- public_entry_point -----------------------------------------------------------------------------------------


def test_active_active_places_deployment_and_service_in_one_policy_on_every_member():
    entry = public_entry_point("web", members=[WEST, EAST], domain="Apps.Example.com.")
    policy = entry.propagation_policy.to_manifest()
    assert entry.hostname == "web.apps.example.com"
    assert [(s["kind"], s["name"]) for s in policy["spec"]["resourceSelectors"]] == [
        ("Deployment", "web"), ("Service", "web")]
    placement = policy["spec"]["placement"]
    assert placement["clusterAffinity"] == {"clusterNames": ["member-usw2", "member-use1"]}
    assert placement["replicaScheduling"] == {"replicaSchedulingType": "Duplicated"}
    assert placement["clusterTolerations"] == [
        {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}
        for key in (presets.NOT_READY_TAINT_KEY, presets.UNREACHABLE_TAINT_KEY)]


def test_active_active_stamps_a_latency_record_per_member_on_the_service_only():
    override = public_entry_point("web", members=[WEST, EAST], domain="apps.example.com").override_policy
    manifest = override.to_manifest()
    assert manifest["metadata"]["name"] == "web-dns"
    assert manifest["spec"]["resourceSelectors"] == [{"apiVersion": "v1", "kind": "Service", "name": "web"}]
    stamped = {
        rule["targetCluster"]["clusterNames"][0]: rule["overriders"]["annotationsOverrider"]
        for rule in manifest["spec"]["overrideRules"]
    }
    assert stamped == {
        member.name: [{"operator": "add", "value": {
            "external-dns.alpha.kubernetes.io/set-identifier": member.name,
            "external-dns.alpha.kubernetes.io/aws-region": member.region,
        }}]
        for member in (WEST, EAST)
    }


def test_remote_dr_reuses_the_dr_placement_and_stamps_primary_and_secondary():
    entry = public_entry_point(
        "web", members=[WEST, EAST], domain="apps.example.com", mode=RoutingMode.REMOTE_DR, primary=EAST.name,
        not_ready_toleration_seconds=90,
    )
    expected = presets.remote_disaster_recovery(
        "web",
        resource_selectors=(ResourceSelector(api_version="apps/v1", kind="Deployment", name="web"),
                            ResourceSelector(api_version="v1", kind="Service", name="web")),
        primary_clusters=(EAST.name,), backup_clusters=(WEST.name,), cluster_failure_toleration_seconds=90,
    )
    assert entry.propagation_policy.to_manifest() == expected.to_manifest()
    failover = {
        rule["targetCluster"]["clusterNames"][0]: rule["overriders"]["annotationsOverrider"][0]["value"]
        for rule in entry.override_policy.to_manifest()["spec"]["overrideRules"]
    }
    assert failover == {
        EAST.name: {"external-dns.alpha.kubernetes.io/set-identifier": EAST.name,
                    "external-dns.alpha.kubernetes.io/aws-failover": "PRIMARY"},
        WEST.name: {"external-dns.alpha.kubernetes.io/set-identifier": WEST.name,
                    "external-dns.alpha.kubernetes.io/aws-failover": "SECONDARY"},
    }


def test_the_service_becomes_an_internet_facing_ip_target_nlb_with_the_health_check_timing():
    entry = public_entry_point("web", members=[WEST, EAST], domain="apps.example.com",
                               health_check=HealthCheck(interval_seconds=5, unhealthy_threshold=3))
    original = _service()
    service = entry.service(original)
    assert service["spec"]["type"] == "LoadBalancer" and original["spec"]["type"] == "ClusterIP"  # a copy
    assert service["metadata"]["annotations"] == {
        "example.com/team": "shop",
        "external-dns.alpha.kubernetes.io/hostname": "web.apps.example.com",
        "service.beta.kubernetes.io/aws-load-balancer-type": "external",
        "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type": "ip",
        "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-interval": "5",
        "service.beta.kubernetes.io/aws-load-balancer-healthcheck-unhealthy-threshold": "3",
    }
    kubernetes_validate.validate(service, "1.35.0", strict=True)


def test_host_names_the_record_and_extra_selectors_travel_in_the_same_policy():
    pdb = ResourceSelector(api_version="policy/v1", kind="PodDisruptionBudget", name="web")
    entry = public_entry_point("web", host="www", members=[WEST], domain="apps.example.com",
                               extra_resource_selectors=(pdb,))
    assert entry.hostname == "www.apps.example.com"
    assert entry.propagation_policy.resource_selectors[-1] == pdb
    assert [p.kind for p in entry.policies] == ["PropagationPolicy", "OverridePolicy"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"mode": "round-robin"},
     "public_entry_point web: mode: 'round-robin' is not supported; use one of: active-active, remote-dr"),
    ({"domain": "not a domain"},
     "public_entry_point web: domain: 'not a domain' is not a DNS name; pass traffic.domain, like apps.example.com"),
    ({"host": "Www"},
     "public_entry_point web: host: 'Www' is not a DNS-1123 label (lowercase letters, digits and '-', starting and "
     "ending with a letter or digit); it is the first label of the hostname, e.g. 'web'"),
    ({"members": []}, "public_entry_point web: members: needs at least one TrafficMember(name, region)"),
    ({"members": [WEST, TrafficMember("member-usw2b", "us-west-2")]},
     "public_entry_point web: members: two members share a region (['us-west-2', 'us-west-2']); Route 53 latency "
     "routing takes one record per region: use mode remote-dr or members in different regions"),
    ({"members": [WEST, WEST]},
     "public_entry_point web: members: ['member-usw2', 'member-usw2'] lists a member twice; list each member once"),
    ({"members": [TrafficMember("member-x", "mars-1")]},
     "public_entry_point web: members: member-x: region 'mars-1' is not an AWS region name like 'us-west-2'"),
    ({"primary": WEST.name},
     "public_entry_point web: primary: is only for mode remote-dr; drop it (active-active has no primary)"),
    ({"mode": "remote-dr", "primary": "member-x"},
     "public_entry_point web: primary: 'member-x' is not one of the members ['member-usw2', 'member-use1']; name "
     "the member that serves normally"),
    ({"mode": "remote-dr", "primary": WEST.name, "members": [WEST, EAST, TrafficMember("member-euw1", "eu-west-1")]},
     "public_entry_point web: members: remote-dr takes exactly two members (Route 53 failover routing has one "
     "PRIMARY and one SECONDARY record), got 3; name the primary and one standby"),
    ({"health_check": HealthCheck(interval_seconds=301)},
     "public_entry_point web: health_check.interval_seconds: 301 is outside the NLB's 5-300 s; set "
     "traffic.health_check_interval_seconds"),
    ({"health_check": HealthCheck(unhealthy_threshold=1)},
     "public_entry_point web: health_check.unhealthy_threshold: 1 is outside the NLB's 2-10; set "
     "traffic.unhealthy_threshold"),
])
def test_public_entry_point_refuses_with_one_line_naming_the_field_and_the_fix(kwargs, message):
    arguments = {"members": [WEST, EAST], "domain": "apps.example.com", **kwargs}
    with pytest.raises(PolicyError) as caught:
        public_entry_point("web", **arguments)
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


# --- MultiClusterService ----------------------------------------------------------------------------------------


def _mcs(**kwargs: Any) -> MultiClusterService:
    return MultiClusterService(**{"name": "web", "provider_clusters": (WEST.name,),
                                  "consumer_clusters": (EAST.name,), **kwargs})


def test_multicluster_service_renders_the_networking_group_and_cluster_selectors():
    manifest = _mcs(ports=(ExposurePort(name="http", port=80),)).to_manifest()
    assert manifest == {
        "apiVersion": "networking.karmada.io/v1alpha1",
        "kind": "MultiClusterService",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "types": ["CrossCluster"],
            "ports": [{"port": 80, "name": "http"}],
            "providerClusters": [{"name": "member-usw2"}],
            "consumerClusters": [{"name": "member-use1"}],
        },
    }


@pytest.mark.skipif(not MCS_CRD.exists(), reason="the Karmada v1.18.2 Go module is not in the module cache")
def test_multicluster_service_matches_the_pinned_crd_schema():
    schema = yaml.safe_load(MCS_CRD.read_text())["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    manifest = _mcs(ports=(ExposurePort(name="http", port=80),)).to_manifest()
    jsonschema.validate(manifest, schema)
    with pytest.raises(jsonschema.ValidationError):  # the schema does reject what the CRD does not know
        jsonschema.validate({**manifest, "spec": {**manifest["spec"], "ports": [{"name": "http"}]}}, schema)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": "1web"}, "MultiClusterService 1web: metadata.name: '1web' is not a DNS-1035 label (lowercase "
                       "letters, digits and '-', starting with a letter and ending with a letter or digit); name the "
                       "MultiClusterService after its Service, e.g. 'web'"),
    ({"types": ()}, "MultiClusterService web: spec.types: is required; use types=[ExposureType.CROSS_CLUSTER]"),
    ({"types": ("CrossCluster", "LoadBalancer")},
     "MultiClusterService web: spec.types: ['CrossCluster', 'LoadBalancer'] holds more than one type; keep exactly "
     "one"),
    ({"types": ("NodePort",)},
     "MultiClusterService web: spec.types[0]: 'NodePort' is not supported; use one of: CrossCluster, LoadBalancer"),
    ({"ports": (ExposurePort(port=70000),)},
     "MultiClusterService web: spec.ports[0].port: 70000 is not a port number; use 1-65535"),
    ({"ports": (ExposurePort(name="http", port=80), ExposurePort(name="http", port=81))},
     "MultiClusterService web: spec.ports[1].name: 'http' is listed twice; list each port once"),
    ({"ports": (ExposurePort(name="HTTP", port=80),)},
     "MultiClusterService web: spec.ports[0].name: 'HTTP' is not a DNS-1123 label (lowercase letters, digits and "
     "'-', starting and ending with a letter or digit); use the Service's port name"),
    ({"consumer_clusters": ("Member_1",)},
     "MultiClusterService web: spec.consumerClusters[0].name: 'Member_1' is not a DNS-1123 label (lowercase "
     "letters, digits and '-', starting and ending with a letter or digit), so no member cluster can have this "
     "name; check the member cluster name"),
    ({"consumer_clusters": (WEST.name,)},
     "MultiClusterService web: spec.consumerClusters: the only consumer is the only provider 'member-usw2', so "
     "nothing crosses members; name another member as consumer"),
    ({"namespace": "karmada-system"},
     "MultiClusterService web: metadata.namespace: 'karmada-system' is reserved by Karmada, which never propagates "
     "resources from it; put the policy in the namespace of the resources it selects"),
])
def test_multicluster_service_refuses_what_the_v1_18_2_webhook_refuses(kwargs, message):
    with pytest.raises(PolicyError) as caught:
        _mcs(**kwargs)
    assert str(caught.value) == message


def test_cross_member_service_shares_the_listed_ports_from_providers_to_consumers():
    mcs = cross_member_service("web", providers=[WEST.name], consumers=[EAST.name], namespace="shop",
                               ports=[CrossMemberPort(name="http", port=80, target_port=8080)], open_ports=[8080])
    assert mcs.to_manifest()["spec"] == {
        "types": ["CrossCluster"], "ports": [{"port": 80, "name": "http"}],
        "providerClusters": [{"name": "member-usw2"}], "consumerClusters": [{"name": "member-use1"}]}
    assert mcs.to_manifest()["metadata"] == {"name": "web", "namespace": "shop"}


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"providers": []}, "MultiClusterService web: spec.providerClusters: is empty, which Karmada reads as every "
                        "cluster; name the members"),
    ({"consumers": []}, "MultiClusterService web: spec.consumerClusters: is empty, which Karmada reads as every "
                        "cluster; name the members"),
    ({"ports": []}, "MultiClusterService web: spec.ports: is empty, which exposes every port of the Service; list "
                    "the ports to share"),
    ({"open_ports": [443]}, "MultiClusterService web: spec.ports[0]: pods serve http on TCP 8080, which "
                            "traffic.cross_member_ports [443] does not open between member VPCs; add 8080 to it"),
])
def test_cross_member_service_refuses_with_the_field_and_the_fix(kwargs, message):
    arguments = {"providers": [WEST.name], "consumers": [EAST.name],
                 "ports": [CrossMemberPort(name="http", port=80, target_port=8080)], **kwargs}
    with pytest.raises(PolicyError) as caught:
        cross_member_service("web", **arguments)
    assert str(caught.value) == message
