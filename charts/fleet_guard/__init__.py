"""The fleet guard's Kubernetes objects (no AWS): its Karmada client certificate and its Karmada RBAC.

Parent cluster:  ``client_certificate_request``, the client certificate the guard reads from the parent.
Karmada API:     ``karmada_rbac``, what that certificate's user may do: read the Clusters and remove their
                 not-ready taints, suspend and restore the one failover ClusterTaintPolicy.
"""

from charts.fleet_guard.manifests import (
    CLIENT_CERT_SECRET,
    CLIENT_USER,
    CLUSTER_ROLE,
    TAINT_POLICY,
    client_certificate_request,
    karmada_rbac,
)

__all__ = [
    "CLIENT_CERT_SECRET",
    "CLIENT_USER",
    "CLUSTER_ROLE",
    "TAINT_POLICY",
    "client_certificate_request",
    "karmada_rbac",
]
