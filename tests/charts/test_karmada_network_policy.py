"""The karmada-system NetworkPolicies admit exactly the paths the rendered control plane uses.

Checked against the rendered workloads, not against a copy of the rules: every pod is selected
by a policy, every Service port that clients use is open to those clients and nothing else, the
etcd client port admits exactly the workloads that dial etcd, and the peer port only etcd.
"""

from __future__ import annotations

import pytest
from karmada_render import Rendered, container_port, containers, flag, render, selected_workloads

from charts.karmada import KarmadaControlPlaneProps, names

VPC = "10.0.0.0/16"


def _policies(r: Rendered) -> list[dict]:
    return r.of_kind("NetworkPolicy")


def _selects(policy: dict, pod_labels: dict) -> bool:
    selector = policy["spec"]["podSelector"].get("matchLabels", {})
    return all(pod_labels.get(k) == v for k, v in selector.items())


def _labels(workload: dict) -> dict:
    return workload["spec"]["template"]["metadata"]["labels"]


def _admitted(r: Rendered, workload: dict, port: int) -> list[dict]:
    """The `from` peers of every rule of every policy selecting the workload's pods for `port`."""
    peers = []
    for policy in _policies(r):
        if not _selects(policy, _labels(workload)):
            continue
        for rule in policy["spec"].get("ingress", []):
            if any(p["port"] == port for p in rule.get("ports", [])):
                peers += rule["from"]
    return peers


def _peer_components(peers: list[dict]) -> set[str]:
    return {p["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for p in peers
            if p.get("podSelector", {}).get("matchLabels")}


@pytest.fixture(scope="module", params=["default", "full"])
def rendered(request) -> Rendered:
    props = KarmadaControlPlaneProps(
        apiserver_client_cidrs=[VPC],
        **({} if request.param == "default" else dict(
            descheduler=True, search=True, metrics_adapter=True, scheduler_estimators=["member-a", "member-b"],
            pull_members=["member-b"])),
    )
    return render(props)


def test_the_namespace_denies_ingress_by_default_and_every_pod_has_its_own_policy(rendered):
    (deny,) = [p for p in _policies(rendered) if p["metadata"]["name"] == "default-deny-ingress"]
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": []}
    for workload in rendered.workloads:
        own = [p for p in _policies(rendered) if p["spec"]["podSelector"] and _selects(p, _labels(workload))]
        assert own, f"{workload['metadata']['name']} has no NetworkPolicy of its own"
    assert all(p["metadata"]["namespace"] == rendered.props.namespace for p in _policies(rendered))
    assert all(p["spec"]["policyTypes"] == ["Ingress"] for p in _policies(rendered))


def test_etcd_client_port_admits_exactly_its_clients_and_the_backup(rendered):
    etcd = rendered.workload(names.ETCD_STATEFULSET)
    dialing = {w["metadata"]["name"] for w in rendered.workloads for c in containers(w) if flag(c, "--etcd-servers")}
    assert _peer_components(_admitted(rendered, etcd, names.ETCD_CLIENT_PORT)) == dialing | {"etcd-backup"}
    assert _peer_components(_admitted(rendered, etcd, names.ETCD_PEER_PORT)) == {names.ETCD}
    assert all("ipBlock" not in p for p in _admitted(rendered, etcd, names.ETCD_CLIENT_PORT))


def test_the_api_server_admits_the_vpc_and_the_namespace(rendered):
    apiserver = rendered.workload(names.APISERVER)
    peers = _admitted(rendered, apiserver, rendered.props.apiserver_port)
    assert {"ipBlock": {"cidr": VPC}} in peers and {"podSelector": {}} in peers
    assert len(peers) == 2


def test_aggregated_servers_webhook_and_estimators_admit_only_their_callers(rendered):
    services = [s for s in rendered.of_kind("Service") if s["metadata"]["name"] not in (
        names.ETCD_PEER_SERVICE, names.ETCD_CLIENT_SERVICE, names.APISERVER)]
    assert services
    for service in services:
        (workload,) = selected_workloads(rendered, service)
        (container,) = workload["spec"]["template"]["spec"]["containers"]
        for port in service["spec"]["ports"]:
            target = container_port(container, port.get("targetPort", port["port"]))
            callers = _peer_components(_admitted(rendered, workload, target))
            if workload["metadata"]["name"].startswith(names.ESTIMATOR_PREFIX):
                expected = {names.SCHEDULER} | ({names.DESCHEDULER} if rendered.props.descheduler else set())
            elif workload["metadata"]["name"] == names.AGGREGATED_APISERVER:
                expected = {names.CLUSTER_GUARD}  # the aggregator reaches it through the guard only
            else:
                expected = {names.APISERVER}
            assert callers == expected, (service["metadata"]["name"], target)


def test_controllers_admit_nothing_but_their_node(rendered):
    for name in (names.CONTROLLER_MANAGER, names.KUBE_CONTROLLER_MANAGER, names.SCHEDULER):
        workload = rendered.workload(name)
        rules = [r for p in _policies(rendered) if _selects(p, _labels(workload)) for r in p["spec"]["ingress"]]
        assert rules == [], name


def test_policies_can_be_left_out():
    bare = render(KarmadaControlPlaneProps(network_policies=False))
    assert bare.of_kind("NetworkPolicy") == []


def test_an_api_client_cidr_must_be_a_cidr():
    with pytest.raises(ValueError, match="not a CIDR block"):
        KarmadaControlPlaneProps(apiserver_client_cidrs=["10.0.0.1/16"])
