"""The benchmark's workloads: a Deployment, a Service and a ConfigMap each, under one PropagationPolicy per series.

Replicas are 0: what is measured is the control plane distributing objects and collecting their status back,
not the members' schedulers starting pods (that would measure kwok and the members' own control planes).
Every member that the series' policy names receives every object (Duplicated).
"""

from __future__ import annotations

from typing import Any

LABEL = "bench.eks-karmada.io/series"
POLICY_NAME = "bench"
KINDS = (("apps/v1", "Deployment"), ("v1", "Service"), ("v1", "ConfigMap"))


def workload_name(index: int) -> str:
    return f"w{index:05d}"


def namespace(series: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": series, "labels": {LABEL: series}}}


def propagation_policy(series: str, members: list[str]) -> dict[str, Any]:
    """Every Deployment, Service and ConfigMap of the series to each of ``members``.

    No not-ready toleration: the failover measurement taints a member and expects eviction.
    """
    return {
        "apiVersion": "policy.karmada.io/v1alpha1",
        "kind": "PropagationPolicy",
        "metadata": {"name": POLICY_NAME, "namespace": series},
        "spec": {
            "resourceSelectors": [
                {"apiVersion": api, "kind": kind, "labelSelector": {"matchLabels": {LABEL: series}}}
                for api, kind in KINDS
            ],
            "placement": {
                "clusterAffinity": {"clusterNames": list(members)},
                "replicaScheduling": {"replicaSchedulingType": "Duplicated"},
            },
        },
    }


def workload(series: str, index: int) -> list[dict[str, Any]]:
    """The three objects of workload ``index``, in the order they are created (ConfigMap first: the pods mount it)."""
    name = workload_name(index)
    labels = {LABEL: series, "app": name}
    meta = {"name": name, "namespace": series, "labels": labels}
    return [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"index": str(index)}},
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {
                "replicas": 0,
                "selector": {"matchLabels": {"app": name}},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "containers": [{
                            "name": "app",
                            "image": "registry.k8s.io/pause:3.10",
                            "volumeMounts": [{"name": "config", "mountPath": "/config"}],
                        }],
                        "volumes": [{"name": "config", "configMap": {"name": name}}],
                    },
                },
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta,
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]},
        },
    ]


def status_collected(binding: dict[str, Any], members: int) -> bool:
    """Whether a Deployment's ResourceBinding holds, from every member, the status of the current generation.

    Karmada's status controller writes one aggregatedStatus entry per member once the member reports the
    applied object; ``applied`` and the member's observedGeneration say it is this generation's.
    """
    entries = binding.get("status", {}).get("aggregatedStatus") or []
    done = [e for e in entries if e.get("applied") and (e.get("status") or {}).get("observedGeneration")]
    return len(done) >= members
