"""The fleet guard's identity in the Karmada API: its client certificate (parent) and its RBAC (Karmada).

Its own user, not the admin's: no group (not system:masters, not the components' group), so a bug in the guard can
do no more than the ClusterRole below allows.
"""

from __future__ import annotations

from typing import Any

from charts.karmada import names
from charts.karmada.common.objects import MANAGED_BY, metadata, selector_labels
from charts.karmada.pki import CLIENT_USAGES, CertificateRequest

GUARD = "karmada-fleet-guard"
CLIENT_USER = "system:karmada:fleet-guard"
CLIENT_CERT_SECRET = names.client_secret(GUARD)
CLUSTER_ROLE = "eks-karmada:fleet-guard"
TAINT_POLICY = names.FAILOVER_TAINT_POLICY
RBAC_API = "rbac.authorization.k8s.io/v1"
RBAC_GROUP = "rbac.authorization.k8s.io"


def client_certificate_request(issuer: str = names.CLIENT_CA_ISSUER) -> CertificateRequest:
    """The guard's client certificate, issued by the Karmada client CA like the components' (and renewed like them)."""
    return CertificateRequest(
        name=CLIENT_CERT_SECRET,
        issuer=issuer,
        common_name=CLIENT_USER,
        usages=CLIENT_USAGES,
        purpose="fleet guard's client certificate for the Karmada API (suspends taint eviction in a fleet-wide "
                "outage)",
    )


def karmada_rbac() -> list[dict[str, Any]]:
    """In the Karmada API: what the guard's user may do, and nothing else.

    Clusters (served by karmada-aggregated-apiserver, authorized by karmada-apiserver's RBAC): list them to count the
    Ready ones, patch one to remove the policy's not-ready taint from its spec.taints. The ClusterTaintPolicy
    (a cluster-scoped CRD): get and patch the failover policy only, to suspend and restore its targetClusters.
    """
    meta = metadata(CLUSTER_ROLE, labels={**selector_labels(GUARD), "app.kubernetes.io/part-of": "karmada",
                                          "app.kubernetes.io/managed-by": MANAGED_BY})
    return [
        {"apiVersion": RBAC_API, "kind": "ClusterRole", "metadata": meta,
         "rules": [
             {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters"], "verbs": ["get", "list", "patch"]},
             {"apiGroups": ["policy.karmada.io"], "resources": ["clustertaintpolicies"],
              "resourceNames": [TAINT_POLICY], "verbs": ["get", "patch"]},
         ]},
        {"apiVersion": RBAC_API, "kind": "ClusterRoleBinding", "metadata": meta,
         "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": CLUSTER_ROLE},
         "subjects": [{"apiGroup": RBAC_GROUP, "kind": "User", "name": CLIENT_USER}]},
    ]
