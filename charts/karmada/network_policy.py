"""NetworkPolicies of karmada-system: default deny for ingress, then exactly the paths the control plane uses.

Enforced where the cluster runs a NetworkPolicy engine (the parent's vpc-cni add-on has its
network-policy agent on: karmada_constructs/vpc_cni.py); traffic from a pod's own node (kubelet
probes) is always allowed, so the probes need no rule. Ingress only: egress stays open because the
controllers dial member API servers (Push mode), the members' agents and AWS APIs at addresses
not known in advance.

* default-deny-ingress: every pod in the namespace, no ingress (anything not listed below,
  including metrics ports: the metrics collector's chart, charts/metrics_collector, adds one
  policy per component admitting only the collector to its metrics port).
* etcd: client port from the pods that hold an etcd client certificate (karmada-apiserver,
  karmada-aggregated-apiserver, karmada-search when enabled, the etcd-backup CronJob); peer
  port from etcd only.
* karmada-apiserver: its port from ``apiserver_client_cidrs`` (the subnets of the NLB, whose IP
  targets and health checks come from its own addresses with client IP preservation off, and of
  the deploy-time handlers; the whole VPC when they are not known) and from the pods of the
  namespace (controllers, scheduler, webhook, aggregated API servers).
* karmada-webhook, the cluster guard and the aggregated API servers (karmada-search,
  karmada-metrics-adapter): their port from karmada-apiserver only.
* karmada-aggregated-apiserver: its port from the cluster guard only (the APIService of
  cluster.karmada.io names the guard, which admits each Cluster write before passing it on).
* karmada-scheduler-estimator-<member>: gRPC from karmada-scheduler and karmada-descheduler.
* The controllers (karmada-controller-manager, karmada-kube-controller-manager,
  karmada-scheduler, karmada-descheduler) serve nothing but probes and metrics: no ingress.

Peers are matchLabels selectors, never matchExpressions: scanners (checkov) read a selector
without matchLabels as "every pod".
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from charts.karmada import names
from charts.karmada.common.objects import emit_all, labels, metadata, selector_labels
from charts.karmada.props import KarmadaControlPlaneProps

API = "networking.k8s.io/v1"
DEFAULT_DENY = "default-deny-ingress"
# The etcd backup CronJob's pods (charts/etcd_backup/pods.py BACKUP) are etcd clients too.
ETCD_BACKUP = "etcd-backup"

Peer = dict[str, Any]


def pods_of(component: str) -> Peer:
    return {"podSelector": {"matchLabels": selector_labels(component)}}


def namespace_pods() -> Peer:
    """Any pod of the policy's own namespace (an empty podSelector, no namespaceSelector)."""
    return {"podSelector": {}}


def cidr(block: str) -> Peer:
    return {"ipBlock": {"cidr": block}}


def _port(port: int) -> dict[str, Any]:
    return {"protocol": "TCP", "port": port}


def ingress_policy(component: str, props: KarmadaControlPlaneProps, rules: list[tuple[int, list[Peer]]],
                   *, name: str | None = None) -> dict[str, Any]:
    """A policy selecting `component`'s pods that admits, per (port, peers), only those peers on that port."""
    return {
        "apiVersion": API,
        "kind": "NetworkPolicy",
        "metadata": metadata(name or component, namespace=props.namespace, labels=labels(component, props)),
        "spec": {
            "podSelector": {"matchLabels": selector_labels(component)},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": peers, "ports": [_port(port)]} for port, peers in rules],
        },
    }


def default_deny(props: KarmadaControlPlaneProps) -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": "NetworkPolicy",
        "metadata": metadata(DEFAULT_DENY, namespace=props.namespace, labels=labels("karmada", props)),
        "spec": {"podSelector": {}, "policyTypes": ["Ingress"], "ingress": []},
    }


def etcd_clients(props: KarmadaControlPlaneProps) -> list[str]:
    clients = [names.APISERVER, names.AGGREGATED_APISERVER]
    if props.search:
        clients.append(names.SEARCH)
    return [*clients, ETCD_BACKUP]


def network_policy_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    from_apiserver = [pods_of(names.APISERVER)]
    policies = [
        default_deny(props),
        ingress_policy(names.ETCD, props, [
            (names.ETCD_CLIENT_PORT, [pods_of(c) for c in etcd_clients(props)]),
            (names.ETCD_PEER_PORT, [pods_of(names.ETCD)]),
        ]),
        ingress_policy(names.APISERVER, props, [
            (props.apiserver_port, [*(cidr(c) for c in props.apiserver_client_cidrs), namespace_pods()]),
        ]),
        # Clusters reach karmada-aggregated-apiserver only through the cluster guard, its admission.
        ingress_policy(names.AGGREGATED_APISERVER, props, [(names.SECURE_PORT, [pods_of(names.CLUSTER_GUARD)])]),
        ingress_policy(names.CLUSTER_GUARD, props, [(names.SECURE_PORT, from_apiserver)]),
        ingress_policy(names.WEBHOOK, props, [(names.SECURE_PORT, from_apiserver)]),
        ingress_policy(names.KUBE_CONTROLLER_MANAGER, props, []),
        ingress_policy(names.CONTROLLER_MANAGER, props, []),
        ingress_policy(names.SCHEDULER, props, []),
    ]
    if props.descheduler:
        policies.append(ingress_policy(names.DESCHEDULER, props, []))
    if props.search:
        policies.append(ingress_policy(names.SEARCH, props, [(names.SECURE_PORT, from_apiserver)]))
    if props.metrics_adapter:
        policies.append(ingress_policy(names.METRICS_ADAPTER, props, [(names.SECURE_PORT, from_apiserver)]))
    estimator_clients = [pods_of(names.SCHEDULER)] + ([pods_of(names.DESCHEDULER)] if props.descheduler else [])
    for member in props.scheduler_estimators:
        policies.append(ingress_policy(names.estimator_name(member), props,
                                       [(names.ESTIMATOR_GRPC_PORT, estimator_clients)]))
    return policies


class KarmadaNetworkPolicies(Construct):
    """The karmada-system NetworkPolicies (see the module docstring)."""

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id)
        emit_all(self, network_policy_manifests(props))
