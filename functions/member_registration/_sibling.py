"""The sibling package ``karmada_manifest`` (Kubernetes client, EKS auth, Karmada connection, retries).

The Lambda asset is the repository root filtered to ``functions/``, so this package is
``functions.member_registration`` in Lambda and in the tests alike.
"""

from __future__ import annotations

from ..karmada_manifest import connection, eks_auth, kube_client, retry

__all__ = ["connection", "eks_auth", "kube_client", "retry"]
