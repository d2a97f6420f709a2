"""EKS access policies on the local clusters: an association is an RBAC binding of the entry's user.

EKS authorizes an access policy in an authorizer of its own, beside RBAC; the local API servers have only RBAC, so an
associated policy is a binding of the access entry's username to the Kubernetes role that policy corresponds to
(deviations.ACCESS_POLICY_ROLES): a ClusterRoleBinding at cluster scope, a RoleBinding per namespace otherwise.
Disassociating deletes them, so the user keeps only what its groups' own bindings give it, as in EKS.
"""

from __future__ import annotations

import hashlib

from functions.kube.client import KubeClient

from . import deviations

POLICY_ARN_PREFIX = "arn:aws:eks::aws:cluster-access-policy/"
RBAC = "rbac.authorization.k8s.io/v1"
MANAGER = "local-eks-access-policies"
LABEL = "eks-karmada.local/access-policy"


class UnknownPolicyError(ValueError):
    """A policy ARN with no local counterpart (deviations.ACCESS_POLICY_ROLES)."""


def _role(policy_arn: str) -> str:
    name = policy_arn.removeprefix(POLICY_ARN_PREFIX)
    role = deviations.ACCESS_POLICY_ROLES.get(name)
    if not policy_arn.startswith(POLICY_ARN_PREFIX) or role is None:
        raise UnknownPolicyError(f"{policy_arn}: no local counterpart (deviations.ACCESS_POLICY_ROLES)")
    return role


def binding_name(username: str, policy_arn: str) -> str:
    """One name per (user, policy): the user's ARN is too long and has characters a name may not."""
    digest = hashlib.sha256(username.encode()).hexdigest()[:12]
    return f"eks-access-policy-{digest}-{policy_arn.removeprefix(POLICY_ARN_PREFIX).lower()}"


def associate(client: KubeClient, username: str, policy_arn: str, namespaces: tuple[str, ...] = ()) -> None:
    """Bind ``username`` to the policy's role: everywhere, or in ``namespaces`` (a namespace-scoped association)."""
    role, name = _role(policy_arn), binding_name(username, policy_arn)
    for namespace in namespaces or (None,):
        kind = "RoleBinding" if namespace else "ClusterRoleBinding"
        metadata = {"name": name, "labels": {LABEL: "true"}, **({"namespace": namespace} if namespace else {})}
        client.apply(client.resource_for(RBAC, kind), name, namespace, {
            "apiVersion": RBAC, "kind": kind, "metadata": metadata,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": username}],
        }, MANAGER, force=True)


def disassociate(client: KubeClient, username: str, policy_arn: str) -> bool:
    """Remove every binding of that association; False when there was none (EKS: ResourceNotFoundException)."""
    name = binding_name(username, policy_arn)
    removed = client.delete(client.resource_for(RBAC, "ClusterRoleBinding"), name)
    # Across namespaces: the association's namespaces are not known here.
    found = client.request("GET", f"/apis/{RBAC}/rolebindings", query={"labelSelector": LABEL}) or {}
    for binding in found.get("items", []):
        if binding["metadata"]["name"] == name:
            removed = client.delete(client.resource_for(RBAC, "RoleBinding"), name,
                                    binding["metadata"]["namespace"]) or removed
    return removed
