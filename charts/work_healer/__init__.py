"""The work healer's Kubernetes objects (no AWS): its Karmada client certificate, RBAC and admission policy.

Parent cluster:  ``client_certificate_request``, the client certificate the healer reads from the parent.
Karmada API:     ``karmada_objects``, what that certificate's user may do: read the Clusters, the Works and the
                 execution controllers' Leases, and nudge a Work (a change of ``spec.suspendDispatching`` between
                 false and absent, nothing else).
"""

from charts.work_healer.manifests import (
    CLIENT_CERT_SECRET,
    CLIENT_USER,
    CLUSTER_ROLE,
    client_certificate_request,
    execution_leases,
    karmada_objects,
)

__all__ = [
    "CLIENT_CERT_SECRET",
    "CLIENT_USER",
    "CLUSTER_ROLE",
    "client_certificate_request",
    "execution_leases",
    "karmada_objects",
]
