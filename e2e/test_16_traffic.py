"""Scenario 16: a MultiClusterService (CrossCluster) brings one member's endpoints into another.

Through the Karmada API: a Deployment and Service `mcs-echo` in the sample's namespace, the Deployment placed in a
Push member (the provider: karmada-controller-manager collects its EndpointSlices) by a PropagationPolicy, and a
MultiClusterService naming that member as provider and another as consumer. Karmada v1.18.2 (feature gate
MultiClusterService, which config/local.yaml turns on through the rendered manifests) then
- propagates the Service itself to the provider and the consumer (pkg/controllers/multiclusterservice/
  mcs_controller.go),
- copies the provider's EndpointSlices of the Service into the consumer as `<provider>-<slice>`, labelled
  `endpointslice.kubernetes.io/managed-by: endpointslice-dispatch-controller.karmada.io` and annotated
  `endpointslice.karmada.io/provision-cluster: <provider>` (endpointslice_dispatch_controller.go),
and removes the copies when the MultiClusterService goes. The simulated pods have addresses and are Ready, so the
members' own EndpointSlice controllers publish them; nothing here needs a data path between the members.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from charts.policies import (
    ClusterAffinity,
    CrossMemberPort,
    Placement,
    PropagationPolicy,
    ReplicaSchedulingStrategy,
    ResourceSelector,
    cross_member_service,
)
from e2e.conftest import Kubectl, sample_namespace, wait_for

NAME = "mcs-echo"
DISPATCHED_BY = "endpointslice-dispatch-controller.karmada.io"
PROVISION_CLUSTER = "endpointslice.karmada.io/provision-cluster"
IMAGE = "public.ecr.aws/nginx/nginx-unprivileged:1.29.3-alpine"


def _deployment(namespace: str, replicas: int) -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": NAME}
    security = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True,
                "runAsUser": 101, "seccompProfile": {"type": "RuntimeDefault"}}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": NAME, "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {
                "automountServiceAccountToken": False,
                "containers": [{"name": "echo", "image": IMAGE, "securityContext": security,
                                "ports": [{"name": "http", "containerPort": 8080}],
                                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"},
                                              "limits": {"memory": "64Mi"}}}],
            }},
        },
    }


def _service(namespace: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": NAME, "namespace": namespace},
            "spec": {"selector": {"app.kubernetes.io/name": NAME},
                     "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}}


def _members(karmada: Kubectl) -> tuple[str, str]:
    """A Push member as provider (karmada-controller-manager collects its slices) and another as consumer."""
    clusters = {c["metadata"]["name"]: c["spec"].get("syncMode") for c in karmada.json("get", "clusters")["items"]}
    push = sorted(name for name, mode in clusters.items() if mode == "Push")
    assert push and len(clusters) >= 2, f"needs a Push member and another member, got {clusters}"
    provider = push[0]
    # Prefer a Pull consumer: then the dispatched slices also travel through karmada-agent.
    others = sorted((mode != "Pull", name) for name, mode in clusters.items() if name != provider)
    return provider, others[0][1]


def _addresses(slices: list[dict[str, Any]]) -> set[str]:
    return {address for s in slices for endpoint in s.get("endpoints") or []
            if (endpoint.get("conditions") or {}).get("ready", True) for address in endpoint["addresses"]}


def _slices(member: Kubectl, namespace: str, *selectors: str) -> list[dict[str, Any]]:
    selector = ",".join((f"kubernetes.io/service-name={NAME}", *selectors))
    return member.json("get", "endpointslices", "-n", namespace, "-l", selector)["items"]


def _provider_slices(member: Kubectl, namespace: str) -> list[dict[str, Any]]:
    return _slices(member, namespace, f"endpointslice.kubernetes.io/managed-by!={DISPATCHED_BY}")


def _dispatched(member: Kubectl, namespace: str) -> list[dict[str, Any]]:
    return _slices(member, namespace, f"endpointslice.kubernetes.io/managed-by={DISPATCHED_BY}")


def _apply(karmada: Kubectl, *objects: dict[str, Any]) -> None:
    karmada.apply(yaml.safe_dump_all(list(objects), sort_keys=False))


@pytest.fixture(scope="module")
def scene(karmada: Kubectl, members: dict[str, Kubectl], parent: Kubectl) -> Iterator[dict[str, Any]]:
    controller = parent.get("deployment", "karmada-controller-manager", "karmada-system")
    command = json.dumps(controller["spec"]["template"]["spec"]["containers"][0]["command"])
    assert "MultiClusterService=true" in command, (
        "karmada-controller-manager runs without the MultiClusterService feature gate; config/local.yaml sets it "
        "(karmada.component_settings.controller_manager.feature_gates) or traffic.enabled does: re-run make local")
    namespace = sample_namespace(karmada)
    provider, consumer = _members(karmada)
    policy = PropagationPolicy(
        name=NAME, namespace=namespace,
        # The Deployment only: the MultiClusterService claims the Service and propagates it itself.
        resource_selectors=(ResourceSelector(api_version="apps/v1", kind="Deployment", name=NAME),),
        placement=Placement(cluster_affinity=ClusterAffinity(cluster_names=(provider,)),
                            replica_scheduling=ReplicaSchedulingStrategy.duplicated()),
    )
    mcs = cross_member_service(NAME, namespace=namespace, providers=(provider,), consumers=(consumer,),
                               ports=(CrossMemberPort(name="http", port=80, target_port=8080),))
    _apply(karmada, _deployment(namespace, 2), _service(namespace), policy.to_manifest(), mcs.to_manifest())
    try:
        yield {"namespace": namespace, "provider": provider, "consumer": consumer}
    finally:
        for kind in ("multiclusterservice", "propagationpolicy", "service", "deployment"):
            karmada.run("delete", kind, NAME, "-n", namespace, "--ignore-not-found", "--wait=false", check=False)


def test_the_service_reaches_the_consumer_and_the_providers_endpoints_follow(karmada, members, scene):
    namespace, provider, consumer = scene["namespace"], scene["provider"], scene["consumer"]

    def provider_ready() -> set[str]:
        addresses = _addresses(_provider_slices(members[provider], namespace))
        return addresses if len(addresses) == 2 else set()

    expected = wait_for(provider_ready, 180, f"two ready endpoints of {NAME} in provider {provider}")
    assert members[consumer].get("deployment", NAME, namespace) is None, "the Deployment went to the consumer too"

    def applied() -> bool:
        mcs = karmada.get("multiclusterservice", NAME, namespace) or {}
        return any(c["type"] == "ServiceApplied" and c["status"] == "True"
                   for c in mcs.get("status", {}).get("conditions", []))

    wait_for(applied, 120, f"MultiClusterService {NAME} ServiceApplied")
    wait_for(lambda: members[consumer].get("service", NAME, namespace), 120, f"Service {NAME} in consumer {consumer}")
    assert members[provider].get("service", NAME, namespace) is not None, "the provider lost its Service"

    def dispatched() -> list[dict[str, Any]]:
        slices = _dispatched(members[consumer], namespace)
        return slices if _addresses(slices) == expected else []

    slices = wait_for(dispatched, 180, f"the endpoints {sorted(expected)} of {provider} dispatched into {consumer}")
    for eps in slices:
        assert eps["metadata"]["name"].startswith(f"{provider}-"), eps["metadata"]["name"]
        assert eps["metadata"]["annotations"][PROVISION_CLUSTER] == provider
    works = karmada.json("get", "works", "-n", f"karmada-es-{consumer}",
                         "-l", f"multiclusterservice.karmada.io/name={NAME}")["items"]
    assert works, f"no Work carries the dispatched EndpointSlices in karmada-es-{consumer}"
    # The provider's own slices are not sent back to it.
    assert _dispatched(members[provider], namespace) == []


def test_scaling_in_the_provider_shows_in_the_consumer(karmada, members, scene):
    namespace, provider, consumer = scene["namespace"], scene["provider"], scene["consumer"]
    karmada.run("scale", "deployment", NAME, "-n", namespace, "--replicas=3")

    def three() -> set[str]:
        addresses = _addresses(_provider_slices(members[provider], namespace))
        return addresses if len(addresses) == 3 else set()

    expected = wait_for(three, 180, f"three ready endpoints of {NAME} in {provider}")
    wait_for(lambda: _addresses(_dispatched(members[consumer], namespace)) == expected, 180,
             f"the third endpoint dispatched into {consumer}")


def test_deleting_cleans_up_the_copies_then_the_service(karmada, members, scene):
    namespace, provider, consumer = scene["namespace"], scene["provider"], scene["consumer"]
    karmada.run("delete", "multiclusterservice", NAME, "-n", namespace, "--wait=false")
    wait_for(lambda: _dispatched(members[consumer], namespace) == [], 180,
             f"the dispatched EndpointSlices gone from {consumer}")
    wait_for(lambda: karmada.get("multiclusterservice", NAME, namespace) is None, 120,
             "the MultiClusterService gone (its finalizer released)")
    for kind in ("propagationpolicy", "service", "deployment"):
        karmada.run("delete", kind, NAME, "-n", namespace, "--wait=false")
    for name in (provider, consumer):
        wait_for(lambda name=name: all(members[name].get(kind, NAME, namespace) is None
                                       for kind in ("service", "deployment")),
                 180, f"{NAME} gone from {name}")
