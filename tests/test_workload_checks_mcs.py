"""Workload checks of a MultiClusterService: members, its Service, no PropagationPolicy competing for it."""

from __future__ import annotations

from typing import Any

from eks_karmada.workload_checks import SELECTS_OTHER_OBJECTS_ANNOTATION, WorkloadManifest, workload_problems

MEMBERS = ("member-use1", "member-usw2")
SHOP = "KarmadaWorkloads/shop"


def _namespace() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}}


def _service() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"}, "spec": {}}


def _mcs(providers=("member-use1",), consumers=("member-usw2",), **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "networking.karmada.io/v1alpha1", "kind": "MultiClusterService",
            "metadata": {"name": "web", "namespace": "shop", **metadata},
            "spec": {"types": ["CrossCluster"], "providerClusters": [{"name": n} for n in providers],
                     "consumerClusters": [{"name": n} for n in consumers]}}


def _policy(kind: str = "Service") -> dict[str, Any]:
    return {"apiVersion": "policy.karmada.io/v1alpha1", "kind": "PropagationPolicy",
            "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"resourceSelectors": [{"apiVersion": "v1", "kind": kind, "name": "web"}],
                     "placement": {"clusterAffinity": {"clusterNames": ["member-use1"]}}}}


def _problems(*objects: dict[str, Any]) -> list[str]:
    return workload_problems([WorkloadManifest(SHOP, (_namespace(), *objects))], MEMBERS)


def test_a_multicluster_service_with_its_service_and_members_is_fine():
    assert _problems(_service(), _mcs()) == []


def test_providers_and_consumers_must_be_members():
    assert _problems(_service(), _mcs(consumers=("member-euw1",))) == [
        f"{SHOP}: MultiClusterService shop/web: spec.consumerClusters[0].name: 'member-euw1' is not a member of the "
        "config; use one of member-use1, member-usw2"]


def test_its_service_must_be_defined_unless_applied_elsewhere():
    assert _problems(_mcs()) == [
        f"{SHOP}: MultiClusterService shop/web: metadata.name: no workload defines the Service shop/web it shares; "
        "add the Service (same name and namespace) to a workload chart"]
    assert _problems(_mcs(annotations={SELECTS_OTHER_OBJECTS_ANNOTATION: "true"})) == []


def test_a_propagation_policy_must_not_select_its_service():
    assert _problems(_service(), _mcs(), _policy()) == [
        f"{SHOP}: MultiClusterService shop/web: PropagationPolicy shop/web also selects Service shop/web, which the "
        "MultiClusterService takes over and propagates to its providers and consumers; leave the Service out of the "
        "policy"]
    # A policy for other objects of the same name is not in the way.
    assert not any("MultiClusterService" in p for p in _problems(_service(), _mcs(), _policy("Deployment")))
