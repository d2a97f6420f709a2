"""Names and object bodies of a member registration, modelled on karmadactl join/register (v1.18.2).

Pure functions: no I/O. The handler applies what these return.

Push (``karmadactl join``): the member holds, in namespace ``karmada-cluster``, a ServiceAccount
``karmada-<member>`` bound to ClusterRole ``karmada-controller-manager:karmada-<member>`` (full
access) and a ServiceAccount ``karmada-impersonator`` (join also gives each a non-expiring token Secret; here the
registrar requests expiring tokens instead: push_tokens.py). Karmada holds, in ``karmada-cluster``, the Secret
``<member>`` (caBundle, token) and the Secret ``<member>-impersonator`` (token), both controlled by the ``Cluster``.

Pull (``karmadactl register``, narrowed): Karmada holds the Cluster, which the registrar creates, and
the agent's per-member RBAC (ClusterRole/Binding ``system:karmada:<member>:agent`` and
Role/RoleBinding ``system:karmada:<member>:agent-work`` in ``karmada-es-<member>``) for the user
``system:karmada:agent:<member>``; the member holds the Secret ``karmada-kubeconfig`` that
karmada-agent reads. The agent runs with ``--report-secrets=None``: it holds no Secret right in
Karmada and writes only its own Cluster's status. Cluster objects are served by
karmada-aggregated-apiserver, which runs no admission plugin (no webhook, no
ValidatingAdmissionPolicy reaches them): an agent that could create a Cluster or update one's spec
could point it at another member's ``secretRef`` and an endpoint of its own, and
karmada-controller-manager would send that member's token there. RBAC keeps the agent to its own
Cluster's status; karmada-cluster-guard, in front of the aggregated server, refuses a status write
that changes the spec and any Cluster naming another's Secret (charts/karmada/cluster_guard.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# The Pull member's karmada-kubeconfig Secret: shared with the CLI's agent-bundle, and re-exported
# here so that every object of a registration is one ``objects.`` away.
from ..kube.agent_kubeconfig import (  # noqa: F401 - re-exported
    AGENT_KUBECONFIG_SECRET,
    SYSTEM_LABEL,
    agent_kubeconfig,
    kubeconfig_secret,
)
from ..kube.client import Resource

# ---- REST resources (fixed: no discovery round trips) ------------------------------------------

NAMESPACES = Resource("", "v1", "Namespace", "namespaces", False)
SECRETS = Resource("", "v1", "Secret", "secrets", True)
DEPLOYMENTS = Resource("apps", "v1", "Deployment", "deployments", True)
CLUSTER_ROLES = Resource("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False)
CLUSTER_ROLE_BINDINGS = Resource("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False)
ROLES = Resource("rbac.authorization.k8s.io", "v1", "Role", "roles", True)
ROLE_BINDINGS = Resource("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True)
CLUSTERS = Resource("cluster.karmada.io", "v1alpha1", "Cluster", "clusters", False)
WORKS = Resource("work.karmada.io", "v1alpha1", "Work", "works", True)

# ---- names (pkg/util/names, pkg/util, pkg/karmadactl/register at v1.18.2) -------------------------

CLUSTER_NAMESPACE = "karmada-cluster"  # join/register --cluster-namespace default, in Karmada and the member
EXECUTION_SPACE_PREFIX = "karmada-es-"
IMPERSONATOR_SERVICE_ACCOUNT = "karmada-impersonator"
AGENT_USER_PREFIX = "system:karmada:agent:"
AGENT_GROUP = "system:karmada:agents"
TOKEN_KEY = "token"
CA_BUNDLE_KEY = "caBundle"
RBAC_API = "rbac.authorization.k8s.io/v1"
RBAC_GROUP = "rbac.authorization.k8s.io"
CLUSTER_API = "cluster.karmada.io/v1alpha1"
# On the agent Deployment's pod template: changes when the kubeconfig does, so the agent restarts.
KUBECONFIG_HASH_ANNOTATION = "eks-karmada.io/karmada-kubeconfig-hash"
# Also there: the serial number (hex) of the agent certificate the pods were started with.
AGENT_CERTIFICATE_ANNOTATION = "eks-karmada.io/agent-certificate"


def member_service_account(member: str) -> str:
    """The member-side ServiceAccount Karmada's controllers act as: karmada-<member>."""
    return f"karmada-{member}"


def member_cluster_role(member: str) -> str:
    """The member-side ClusterRole/Binding of that ServiceAccount."""
    return f"karmada-controller-manager:{member_service_account(member)}"


def impersonator_secret(member: str) -> str:
    """The Karmada-side Secret with the impersonator token: <member>-impersonator."""
    return f"{member}-impersonator"


def execution_space(member: str) -> str:
    return EXECUTION_SPACE_PREFIX + member


def agent_user(member: str) -> str:
    return AGENT_USER_PREFIX + member


def agent_role_names(member: str) -> tuple[str, str, str]:
    """(cluster role, secret-access role, work-access role) names of the agent's Karmada RBAC."""
    base = f"system:karmada:{member}"
    return f"{base}:agent", f"{base}:agent-secret", f"{base}:agent-work"


# ---- Karmada side: Push --------------------------------------------------------------------------


def namespace(name: str, labels: Mapping[str, str] | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": dict(labels or SYSTEM_LABEL)}}


def owner_reference(cluster: Mapping[str, Any]) -> dict:
    """A controller reference to a Cluster, as join puts on the credential Secrets."""
    metadata = cluster.get("metadata") or {}
    return {
        "apiVersion": CLUSTER_API,
        "kind": "Cluster",
        "name": metadata.get("name", ""),
        "uid": metadata.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": True,
    }


def credential_secret(name: str, data: Mapping[str, str], owner: dict | None = None,
                      annotations: Mapping[str, str] | None = None) -> dict:
    """A Secret in karmada-cluster; ``data`` values are base64 already (copied, never decoded)."""
    metadata: dict = {"name": name, "namespace": CLUSTER_NAMESPACE, "labels": dict(SYSTEM_LABEL)}
    if annotations:
        metadata["annotations"] = dict(annotations)
    if owner is not None:
        metadata["ownerReferences"] = [owner]
    return {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": metadata, "data": dict(data)}


def push_cluster(
    member: str,
    *,
    api_endpoint: str,
    cluster_id: str,
    provider: str,
    region: str,
    zones: Sequence[str],
    labels: Mapping[str, str],
) -> dict:
    """The Cluster ``karmadactl join`` creates (spec.id = the member's kube-system namespace UID)."""
    spec: dict = {
        "syncMode": "Push",
        "apiEndpoint": api_endpoint,
        "id": cluster_id,
        "secretRef": {"namespace": CLUSTER_NAMESPACE, "name": member},
        "impersonatorSecretRef": {"namespace": CLUSTER_NAMESPACE, "name": impersonator_secret(member)},
    }
    if provider:
        spec["provider"] = provider
    if region:
        spec["region"] = region
    if zones:
        spec["zones"] = list(zones)
    return {**cluster_metadata(member, labels), "spec": spec}


def pull_cluster(
    member: str,
    *,
    api_endpoint: str,
    cluster_id: str,
    provider: str,
    region: str,
    zones: Sequence[str],
    labels: Mapping[str, str],
) -> dict:
    """The Cluster of a Pull member, created by the registrar so the agent needs no right to create one.

    Its spec is what karmada-agent v1.18.2 computes at start (cmd/agent/app/agent.go
    generateClusterInControllerPlane, with --report-secrets=None: no secretRef), so the agent finds it
    "already exist and newest" and never updates it; the agent may not (its RBAC has no update on clusters).
    """
    cluster = push_cluster(member, api_endpoint=api_endpoint, cluster_id=cluster_id, provider=provider,
                           region=region, zones=zones, labels=labels)
    spec = cluster["spec"]
    spec["syncMode"] = "Pull"
    del spec["secretRef"], spec["impersonatorSecretRef"]
    return cluster


def cluster_metadata(member: str, labels: Mapping[str, str]) -> dict:
    """Metadata-only apply for a Cluster the agent registered (Pull): the extra labels."""
    metadata: dict = {"name": member}
    if labels:
        metadata["labels"] = dict(labels)
    return {"apiVersion": CLUSTER_API, "kind": "Cluster", "metadata": metadata}


# ---- Karmada side: Pull (the RBAC karmadactl register generates) ----------------------------------


def _user_subject(member: str) -> list[dict]:
    return [{"apiGroup": RBAC_GROUP, "kind": "User", "name": agent_user(member)}]


def agent_rbac(member: str, *, may_create_cluster: bool = False) -> list[tuple[Resource, dict]]:
    """The agent's per-member RBAC in Karmada, in apply order (namespaces first).

    Narrower than ``karmadactl register``: its own Cluster only (get; status update/patch), list/watch of
    Clusters (the agent lists them to check that its id is not taken), no Secret right at all, and no
    ``create`` on clusters unless ``may_create_cluster`` (an external member, which has no registrar
    to create its Cluster: its agent must, and create cannot be limited to one name). No CSR right either:
    the agent's certificate comes from cert-manager in the parent and is refreshed by the registrar, never
    by the agent's certRotation controller (nothing in Karmada signs CSRs).
    """
    cluster_role, _, work_role = agent_role_names(member)
    es = execution_space(member)
    cluster_verbs = ["create", "list", "watch"] if may_create_cluster else ["list", "watch"]
    return [
        (NAMESPACES, namespace(CLUSTER_NAMESPACE)),
        (NAMESPACES, namespace(es)),
        (CLUSTER_ROLES, {
            "apiVersion": RBAC_API, "kind": "ClusterRole", "metadata": {"name": cluster_role},
            "rules": [
                {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters"], "resourceNames": [member],
                 "verbs": ["get"]},
                {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters"], "verbs": cluster_verbs},
                {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters/status"], "resourceNames": [member],
                 "verbs": ["update", "patch"]},
                {"apiGroups": ["config.karmada.io"],
                 "resources": ["resourceinterpreterwebhookconfigurations", "resourceinterpretercustomizations"],
                 "verbs": ["get", "list", "watch"]},
                {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"]},
                {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]},
                {"apiGroups": [""], "resources": ["services"], "verbs": ["list", "watch"]},
                {"apiGroups": [""], "resources": ["events"], "verbs": ["patch", "create", "update"]},
            ],
        }),
        (CLUSTER_ROLE_BINDINGS, {
            "apiVersion": RBAC_API, "kind": "ClusterRoleBinding", "metadata": {"name": cluster_role},
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": cluster_role},
            "subjects": _user_subject(member),
        }),
        (ROLES, {
            "apiVersion": RBAC_API, "kind": "Role", "metadata": {"name": work_role, "namespace": es},
            "rules": [
                {"apiGroups": ["work.karmada.io"], "resources": ["works"],
                 "verbs": ["get", "create", "list", "watch", "update", "delete"]},
                {"apiGroups": ["work.karmada.io"], "resources": ["works/status"], "verbs": ["patch", "update"]},
            ],
        }),
        (ROLE_BINDINGS, {
            "apiVersion": RBAC_API, "kind": "RoleBinding", "metadata": {"name": work_role, "namespace": es},
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": "Role", "name": work_role},
            "subjects": _user_subject(member),
        }),
    ]


def legacy_agent_rbac(member: str) -> list[tuple[Resource, dict]]:
    """What earlier versions granted the agent and this one removes: Secret access in karmada-cluster."""
    secret_role = agent_role_names(member)[1]
    metadata = {"name": secret_role, "namespace": CLUSTER_NAMESPACE}
    return [(ROLE_BINDINGS, {"metadata": dict(metadata)}), (ROLES, {"metadata": dict(metadata)})]
