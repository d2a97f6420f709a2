"""Scenario 3: the sample lands with the split its policy asks for; its status comes back to Karmada.

The sample lives in its own namespace, which goes (like its Service and PodDisruptionBudget) to exactly the members
its policy names, and nowhere else.
"""

from __future__ import annotations

from e2e.conftest import sample_namespace, wait_for


def _policy_weights(karmada) -> dict[str, int]:
    policy = karmada.get("propagationpolicy", "sample-nginx", sample_namespace(karmada))
    weights = policy["spec"]["placement"]["replicaScheduling"]["weightPreference"]["staticWeightList"]
    return {w["targetCluster"]["clusterNames"][0]: w["weight"] for w in weights}


def test_sample_is_split_as_its_policy_asks(karmada, members):
    namespace = sample_namespace(karmada)
    template = karmada.get("deployment", "sample-nginx", namespace)
    total = template["spec"]["replicas"]
    weights = _policy_weights(karmada)
    expected = {name: total * weight // sum(weights.values()) for name, weight in weights.items()}

    def landed():
        found = {}
        for name, member in members.items():
            deployment = member.get("deployment", "sample-nginx", namespace)
            found[name] = (deployment or {}).get("status", {}).get("readyReplicas", 0)
        return found if found == expected else None

    wait_for(landed, 180, f"sample-nginx ready replicas {expected} in the members")


def test_status_is_aggregated_back_to_karmada(karmada):
    namespace = sample_namespace(karmada)

    def aggregated():
        deployment = karmada.get("deployment", "sample-nginx", namespace)
        status = deployment.get("status", {})
        return status if status.get("readyReplicas") == deployment["spec"]["replicas"] else None

    wait_for(aggregated, 120, "sample-nginx readyReplicas aggregated in the Karmada API")
    binding = karmada.get("resourcebinding", "sample-nginx-deployment", namespace)
    per_cluster = {item["clusterName"]: item for item in binding["status"]["aggregatedStatus"]}
    assert set(per_cluster) == {c["name"] for c in binding["spec"]["clusters"]}
    assert all(item.get("health") == "Healthy" for item in per_cluster.values()), per_cluster


def test_the_service_and_disruption_budget_are_propagated_too(karmada, members):
    namespace = sample_namespace(karmada)
    targets = set(_policy_weights(karmada))
    for name, member in members.items():
        if name in targets:
            assert member.get("service", "sample-nginx", namespace) is not None, name
            assert member.get("poddisruptionbudget", "sample-nginx", namespace) is not None, name


def test_the_sample_namespace_goes_only_where_the_sample_goes(karmada, members):
    namespace = sample_namespace(karmada)
    targets = set(_policy_weights(karmada))
    wait_for(lambda: all((member.get("namespace", namespace) is not None) == (name in targets)
                         for name, member in members.items()),
             120, f"namespace {namespace} in exactly {sorted(targets)}")
