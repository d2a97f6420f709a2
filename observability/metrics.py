"""Every metric a query here may read, with the jobs that expose it and where upstream defines it.

Names are as they appear in the Prometheus exposition (a histogram ``x`` is read as ``x_bucket``,
``x_count`` and ``x_sum``), so a scrape of the pinned binaries can check each one. Jobs are the
collector's ``job`` labels. Sources: Karmada v1.18.2, k8s.io/apiserver v0.35.2 (Kubernetes
v1.35.2), etcd server v3.6.6, cert-manager v1.21.2.
"""

from __future__ import annotations

from dataclasses import dataclass

APISERVER = "karmada-apiserver"
CONTROLLER_MANAGER = "karmada-controller-manager"
SCHEDULER = "karmada-scheduler"
AGENT = "karmada-agent"
ETCD = "etcd"
CERT_MANAGER = "cert-manager"

# The Karmada binaries that run the cluster-status and execution controllers: the controller-manager for
# Push members, each member's karmada-agent for Pull members.
CLUSTER_STATUS_JOBS = (CONTROLLER_MANAGER, AGENT)


@dataclass(frozen=True)
class Metric:
    """One exposed metric family."""

    name: str
    kind: str
    """counter, gauge or histogram."""
    jobs: tuple[str, ...]
    """The jobs whose scrape carries it. A labelled family appears only once its code path has run: cluster_*
    after a member registered, eviction_* after a taint eviction (a failover), the propagation ones after a
    policy matched and a workload went out, the scheduler's after a binding was scheduled."""
    source: str
    """Where the pinned upstream defines it."""

    @property
    def exposed_names(self) -> tuple[str, ...]:
        if self.kind == "histogram":
            return (f"{self.name}_bucket", f"{self.name}_count", f"{self.name}_sum")
        return (self.name,)


_KARMADA_CLUSTER = "karmada pkg/metrics/cluster.go (cluster-status controller)"
_KARMADA_RESOURCE = "karmada pkg/metrics/resource.go"
_KARMADA_EVICTION = "karmada pkg/metrics/cluster.go (taint-manager eviction worker)"

FAMILIES: tuple[Metric, ...] = (
    # Karmada: members (label member_cluster)
    Metric("cluster_ready_state", "gauge", CLUSTER_STATUS_JOBS, _KARMADA_CLUSTER),
    Metric("cluster_node_number", "gauge", CLUSTER_STATUS_JOBS, _KARMADA_CLUSTER),
    Metric("cluster_ready_node_number", "gauge", CLUSTER_STATUS_JOBS, _KARMADA_CLUSTER),
    Metric("cluster_pod_allocated_number", "gauge", CLUSTER_STATUS_JOBS, _KARMADA_CLUSTER),
    Metric("cluster_pod_allocatable_number", "gauge", CLUSTER_STATUS_JOBS, _KARMADA_CLUSTER),
    Metric("cluster_sync_status_duration_seconds", "histogram", CLUSTER_STATUS_JOBS, _KARMADA_CLUSTER),
    # Karmada: propagation (labels result; member_cluster, kind, apiversion on the per-cluster counters)
    Metric("resource_match_policy_duration_seconds", "histogram", (CONTROLLER_MANAGER,), _KARMADA_RESOURCE),
    Metric("policy_apply_attempts_total", "counter", (CONTROLLER_MANAGER,), _KARMADA_RESOURCE),
    Metric("binding_sync_work_duration_seconds", "histogram", (CONTROLLER_MANAGER,), _KARMADA_RESOURCE),
    Metric("work_sync_workload_duration_seconds", "histogram", CLUSTER_STATUS_JOBS, _KARMADA_RESOURCE),
    # Registered by the controller-manager only (cmd/agent registers ResourceCollectorsForAgent: the workload
    # histogram alone), so they count Push members' operations.
    Metric("create_resource_to_cluster", "counter", (CONTROLLER_MANAGER,), _KARMADA_RESOURCE),
    Metric("update_resource_to_cluster", "counter", (CONTROLLER_MANAGER,), _KARMADA_RESOURCE),
    Metric("delete_resource_from_cluster", "counter", (CONTROLLER_MANAGER,), _KARMADA_RESOURCE),
    # Karmada: scheduling (labels result, schedule_type)
    Metric("karmada_scheduler_e2e_scheduling_duration_seconds", "histogram", (SCHEDULER,),
           "karmada pkg/scheduler/metrics/metrics.go"),
    Metric("karmada_scheduler_schedule_attempts_total", "counter", (SCHEDULER,),
           "karmada pkg/scheduler/metrics/metrics.go"),
    # Karmada: failover (NoExecute taint eviction; labels name, result, member_cluster, resource_kind)
    Metric("eviction_queue_depth", "gauge", (CONTROLLER_MANAGER,), _KARMADA_EVICTION),
    Metric("eviction_kind_total", "gauge", (CONTROLLER_MANAGER,), _KARMADA_EVICTION),
    Metric("eviction_processing_total", "counter", (CONTROLLER_MANAGER,), _KARMADA_EVICTION),
    # kube-apiserver as karmada-apiserver
    Metric("apiserver_request_total", "counter", (APISERVER,), "k8s.io/apiserver pkg/endpoints/metrics/metrics.go"),
    Metric("apiserver_request_duration_seconds", "histogram", (APISERVER,),
           "k8s.io/apiserver pkg/endpoints/metrics/metrics.go"),
    # Remaining lifetime of every client certificate presented to the API server (agents, users).
    Metric("apiserver_client_certificate_expiration_seconds", "histogram", (APISERVER,),
           "k8s.io/apiserver pkg/authentication/request/x509/x509.go"),
    # etcd
    Metric("etcd_mvcc_db_total_size_in_bytes", "gauge", (ETCD,), "etcd server/storage/mvcc/metrics.go"),
    Metric("etcd_server_quota_backend_bytes", "gauge", (ETCD,), "etcd server/storage/metrics.go"),
    Metric("etcd_server_leader_changes_seen_total", "counter", (ETCD,), "etcd server/etcdserver/metrics.go"),
    Metric("etcd_server_has_leader", "gauge", (ETCD,), "etcd server/etcdserver/metrics.go"),
    Metric("etcd_disk_wal_fsync_duration_seconds", "histogram", (ETCD,), "etcd server/storage/wal/metrics.go"),
    # cert-manager (labels name, namespace, issuer_name, ...)
    Metric("certmanager_certificate_expiration_timestamp_seconds", "gauge", (CERT_MANAGER,),
           "cert-manager internal/collectors/certificate_collector.go"),
)

CATALOG: dict[str, Metric] = {name: family for family in FAMILIES for name in family.exposed_names}
"""Exposed name -> its family."""
