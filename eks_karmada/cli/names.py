"""Names the CLI looks up in the parent cluster and the Karmada API.

These mirror charts/karmada/names.py and charts/karmada/props.py (a test checks they match the
rendered charts). They are repeated rather than imported because importing the charts package
loads cdk8s, which starts a Node.js process: a console command must not need Node.
"""

from __future__ import annotations

from eks_karmada.config import AppConfig
from functions.kube.ca_bundle import CA_BUNDLE_CONFIGMAP, CA_BUNDLE_KEY

NAMESPACE = "karmada-system"
# The Karmada CA (certificate only, public) that the KarmadaManifest handler publishes on the parent for clients
# that sign in with IAM (functions/kube/ca_bundle.py); the break-glass admin certificate's Secret is deliberately
# not named here: the CLI never reads it.
__all__ = ["CA_BUNDLE_CONFIGMAP", "CA_BUNDLE_KEY"]

# CloudFormation: the parent stack (eks_karmada/app_builder.py) and its outputs (stacks/parent_stack.py).
PARENT_STACK = "KarmadaParent"
OUTPUT_API_ENDPOINT = "KarmadaApiEndpoint"
OUTPUT_PARENT_CLUSTER = "ParentClusterName"
EXTERNAL_PORT = 443
# The backup bucket's output (karmada_constructs/etcd_backup.py) and the snapshots' key prefix under it
# (charts/etcd_backup/props.py: etcd-snapshots/<cluster>/<UTC timestamp>.db).
OUTPUT_BACKUP_BUCKET = "EtcdBackupBucketName"
SNAPSHOT_ROOT = "etcd-snapshots"

# The taint of the failover ClusterTaintPolicy (charts/karmada/bootstrap.py), Karmada's own key for a NotReady
# cluster (cluster/v1alpha1 TaintClusterNotReady), with the effect that makes the taint manager evict.
NOT_READY_TAINT = "cluster.karmada.io/not-ready"
NO_EXECUTE = "NoExecute"
NO_SCHEDULE = "NoSchedule"
# Stands in, during a drill, for the cluster controller's cluster.karmada.io/not-ready:NoSchedule, which that
# controller removes again from a Ready cluster: without a NoSchedule taint the scheduler's TaintToleration
# filter admits the member to a binding that tolerates not-ready:NoExecute for a while, and a binding without
# replicas (a Service) is put back as soon as it is evicted.
DRILL_SCHEDULE_TAINT = "eks-karmada.io/failover-drill"

# Control-plane workloads in NAMESPACE on the parent cluster.
ETCD_STATEFULSET = "etcd"
CORE_DEPLOYMENTS = (
    "karmada-apiserver",
    "karmada-aggregated-apiserver",
    "karmada-cluster-guard",
    "karmada-kube-controller-manager",
    "karmada-controller-manager",
    "karmada-scheduler",
    "karmada-webhook",
)
DESCHEDULER = "karmada-descheduler"
SEARCH = "karmada-search"
METRICS_ADAPTER = "karmada-metrics-adapter"
ESTIMATOR_PREFIX = "karmada-scheduler-estimator"


def expected_workloads(config: AppConfig) -> list[tuple[str, str]]:
    """(kind, name) of every control-plane workload the config deploys, in apply order."""
    workloads = [("StatefulSet", ETCD_STATEFULSET)] + [("Deployment", name) for name in CORE_DEPLOYMENTS]
    components = config.karmada.components
    if components.descheduler:
        workloads.append(("Deployment", DESCHEDULER))
    if components.search:
        workloads.append(("Deployment", SEARCH))
    if components.metrics_adapter:
        workloads.append(("Deployment", METRICS_ADAPTER))
    if components.scheduler_estimators:
        workloads += [("Deployment", f"{ESTIMATOR_PREFIX}-{m.name}") for m in config.members]
    return workloads
