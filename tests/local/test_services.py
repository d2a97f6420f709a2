"""local_control_plane.services: Service selection, virtual addresses, /etc/hosts names and EndpointSlices."""

from __future__ import annotations

import pytest

from local_control_plane.podspec import PodSpec
from local_control_plane.services import endpoint_slices, hosts_and_proxy, local_services, selects


def pod(name: str, address: str, labels: dict[str, str], namespace: str = "ns", hostname: str | None = None) -> PodSpec:
    return PodSpec(id=f"c.{namespace}.{name}", cluster="c", namespace=namespace, name=name, netns=f"n-{name}",
                   address=address, hostname=hostname or name, labels=tuple(sorted(labels.items())))


def service(name: str, selector: dict | None, ports: list[dict], namespace: str | None = "ns", **spec) -> dict:
    metadata = {"name": name} | ({"namespace": namespace} if namespace else {})
    body = {"ports": ports, **spec}
    if selector is not None:
        body["selector"] = selector
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": body}


def template(*ports: tuple[str, int]) -> dict:
    return {"spec": {"containers": [{"name": "main", "ports": [{"name": n, "containerPort": p} for n, p in ports]}]}}


API_0 = pod("api-0", "10.250.0.20", {"app": "api", "tier": "control"})
API_1 = pod("api-1", "10.250.0.21", {"app": "api", "tier": "control"})
WEB_0 = pod("web-0", "10.250.0.22", {"app": "web"})
OTHER_NS = pod("api-x", "10.250.0.23", {"app": "api", "tier": "control"}, namespace="elsewhere")
PODS = [API_0, API_1, WEB_0, OTHER_NS]
TEMPLATES = {p.id: template(("https", 8443), ("metrics", 9090)) for p in PODS}

VIPS = {"svc-ns-api": "10.250.1.1", "svc-ns-web": "10.250.1.2", "svc-other-api": "10.250.1.3"}


def vip(key: str) -> str:
    return VIPS[key]


# ----------------------------------------------------------------------------- selection


def test_selects_by_all_labels() -> None:
    assert selects({"app": "api"}, API_0)
    assert selects({"app": "api", "tier": "control"}, API_0)
    assert not selects({"app": "api", "tier": "data"}, API_0)
    assert not selects({"app": "web"}, API_0)
    assert not selects({}, API_0)  # a Service without a selector selects no pods


def test_local_services_select_pods_of_their_namespace_only() -> None:
    objects = [service("api", {"app": "api"}, [{"port": 443, "targetPort": 8443}]),
               service("web", {"app": "web"}, [{"port": 80}]),
               service("api", {"app": "api"}, [{"port": 443}], namespace="elsewhere"),
               {"kind": "ConfigMap", "metadata": {"name": "x", "namespace": "ns"}}]
    api, web, other = local_services(objects, PODS, TEMPLATES)
    assert [p.name for p in api.selected] == ["api-0", "api-1"]  # not api-x, in another namespace
    assert [p.name for p in web.selected] == ["web-0"]
    assert [p.name for p in other.selected] == ["api-x"]
    assert (api.namespace, other.namespace) == ("ns", "elsewhere")
    assert api.ports[0].port == 443 and api.ports[0].target_port == 8443
    assert web.ports[0].target_port == 80  # targetPort defaults to port
    assert not api.headless


def test_service_without_namespace_is_default() -> None:
    (svc,) = local_services([service("api", {"app": "api"}, [{"port": 1}], namespace=None)], PODS, TEMPLATES)
    assert svc.namespace == "default" and svc.selected == ()


def test_named_target_port_resolves_from_the_selected_pods_templates() -> None:
    objects = [service("api", {"app": "api"}, [{"name": "https", "port": 443, "targetPort": "https"},
                                               {"name": "metrics", "port": 9000, "targetPort": "metrics",
                                                "protocol": "TCP"},
                                               {"name": "numeric", "port": 7000, "targetPort": "7001"}])]
    (svc,) = local_services(objects, PODS, TEMPLATES)
    assert [(p.name, p.port, p.target_port) for p in svc.ports] == [
        ("https", 443, 8443), ("metrics", 9000, 9090), ("numeric", 7000, 7001)]


def test_named_target_port_comes_only_from_selected_pods() -> None:
    templates = dict(TEMPLATES)
    templates[WEB_0.id] = template(("web-only", 8080))
    ok = service("web", {"app": "web"}, [{"port": 80, "targetPort": "web-only"}])
    assert local_services([ok], PODS, templates)[0].ports[0].target_port == 8080
    wrong = service("api", {"app": "api"}, [{"port": 80, "targetPort": "web-only"}])
    with pytest.raises(ValueError, match="targetPort 'web-only' names no container port"):
        local_services([wrong], PODS, templates)


def test_unknown_target_port_name_raises() -> None:
    with pytest.raises(ValueError, match="targetPort 'grpc'"):
        local_services([service("api", {"app": "api"}, [{"port": 443, "targetPort": "grpc"}])], PODS, TEMPLATES)


# ----------------------------------------------------------------------------- hosts and the proxy table


def services_for_hosts() -> list:
    objects = [
        service("api", {"app": "api"}, [{"name": "https", "port": 443, "targetPort": "https"},
                                        {"name": "metrics", "port": 9000, "targetPort": 9090}]),
        service("web", {"app": "web"}, [{"port": 80, "targetPort": 8080}]),
        service("api-peers", {"app": "api"}, [{"port": 2380}], clusterIP="None"),
        service("api-alias", None, [], type="ExternalName", externalName="api.ns.svc.cluster.local."),
        service("outside", None, [], type="ExternalName", externalName="example.com"),
    ]
    return local_services(objects, PODS, TEMPLATES)


def test_each_cluster_ip_service_gets_a_vip_with_three_names() -> None:
    hosts, _ = hosts_and_proxy(services_for_hosts(), vip)
    assert ("10.250.1.1", "api.ns.svc.cluster.local api.ns.svc api.ns") in hosts
    assert ("10.250.1.2", "web.ns.svc.cluster.local web.ns.svc web.ns") in hosts


def test_headless_service_resolves_to_pods_with_own_names() -> None:
    hosts, table = hosts_and_proxy(services_for_hosts(), vip)
    peers = [(address, names) for address, names in hosts if "api-peers" in names]
    assert peers == [
        ("10.250.0.20", "api-0.api-peers.ns.svc.cluster.local api-0.api-peers.ns.svc "
                        "api-peers.ns.svc.cluster.local api-peers.ns.svc api-peers.ns"),
        ("10.250.0.21", "api-1.api-peers.ns.svc.cluster.local api-1.api-peers.ns.svc "
                        "api-peers.ns.svc.cluster.local api-peers.ns.svc api-peers.ns"),
    ]
    # No virtual address and no proxy entry for a headless Service.
    assert all(entry["listen"][1] != 2380 for entry in table)


def test_headless_names_use_the_pods_hostname() -> None:
    renamed = pod("api-0", "10.250.0.20", {"app": "api"}, hostname="member-a")
    (svc,) = local_services([service("peers", {"app": "api"}, [{"port": 1}], clusterIP="None")], [renamed], {})
    hosts, _ = hosts_and_proxy([svc], vip)
    assert hosts[0][1].startswith("member-a.peers.ns.svc.cluster.local member-a.peers.ns.svc ")


def test_external_name_aliases_a_local_service_vip() -> None:
    hosts, _ = hosts_and_proxy(services_for_hosts(), vip)
    assert ("10.250.1.1", "api-alias.ns.svc.cluster.local api-alias.ns.svc api-alias.ns") in hosts
    # An ExternalName pointing off the machine gets no entry (it cannot resolve here).
    assert not [h for h in hosts if "outside" in h[1]]


def test_external_name_to_an_unknown_local_name_is_not_aliased() -> None:
    objects = [service("alias", None, [], type="ExternalName", externalName="missing.ns.svc.cluster.local")]
    hosts, table = hosts_and_proxy(local_services(objects, PODS, TEMPLATES), vip)
    assert hosts == [] and table == []


def test_proxy_table_has_an_entry_per_port_with_targets_per_pod() -> None:
    _, table = hosts_and_proxy(services_for_hosts(), vip)
    assert table == [
        {"listen": ["10.250.1.1", 443], "targets": [["10.250.0.20", 8443], ["10.250.0.21", 8443]]},
        {"listen": ["10.250.1.1", 9000], "targets": [["10.250.0.20", 9090], ["10.250.0.21", 9090]]},
        {"listen": ["10.250.1.2", 80], "targets": [["10.250.0.22", 8080]]},
    ]


def test_service_with_no_pods_still_listens_with_no_targets() -> None:
    objects = [service("web", {"app": "nothing"}, [{"port": 80}])]
    hosts, table = hosts_and_proxy(local_services(objects, PODS, TEMPLATES), vip)
    assert hosts == [("10.250.1.2", "web.ns.svc.cluster.local web.ns.svc web.ns")]
    assert table == [{"listen": ["10.250.1.2", 80], "targets": []}]


# ----------------------------------------------------------------------------- EndpointSlices


def test_endpoint_slices_ready_flags_target_ports_and_label() -> None:
    services = services_for_hosts()
    slices = endpoint_slices(services, {API_0.id: True, API_1.id: False})
    by_name = {s["metadata"]["name"]: s for s in slices}
    assert set(by_name) == {"api-local", "web-local", "api-peers-local"}  # ExternalName Services get none
    api = by_name["api-local"]
    assert api["apiVersion"] == "discovery.k8s.io/v1" and api["kind"] == "EndpointSlice"
    assert api["addressType"] == "IPv4"
    assert api["metadata"]["namespace"] == "ns"
    assert api["metadata"]["labels"]["kubernetes.io/service-name"] == "api"
    assert [(e["addresses"], e["conditions"]["ready"], e["targetRef"]["name"]) for e in api["endpoints"]] == [
        (["10.250.0.20"], True, "api-0"), (["10.250.0.21"], False, "api-1")]
    assert api["endpoints"][0]["targetRef"] == {"kind": "Pod", "namespace": "ns", "name": "api-0"}
    # Ports are the target ports (where the pods listen), not the Service's ports.
    assert api["ports"] == [{"name": "https", "port": 8443, "protocol": "TCP"},
                            {"name": "metrics", "port": 9090, "protocol": "TCP"}]
    # A pod missing from the readiness map is not ready.
    assert [e["conditions"]["ready"] for e in by_name["web-local"]["endpoints"]] == [False]
    assert by_name["web-local"]["metadata"]["labels"]["kubernetes.io/service-name"] == "web"


def test_endpoint_slices_follow_readiness_changes() -> None:
    services = services_for_hosts()
    before = endpoint_slices(services, {})
    after = endpoint_slices(services, {WEB_0.id: True})
    assert before != after
    web = next(s for s in after if s["metadata"]["name"] == "web-local")
    assert web["endpoints"][0]["conditions"]["ready"] is True
