"""Karmada RBAC of the deploy-time handlers that sign in with their own IAM role (not system:masters).

The KarmadaManifest provider (functions/karmada_manifest, every KarmadaManifest but the bootstrap's RBAC) is the user
``eks-karmada:handler:karmada-manifest`` in the group ``eks-karmada:handlers:karmada-manifest``, bound to
cluster-admin: a KarmadaManifest applies whatever its construct lists (CRDs, webhooks, RBAC of any rules, workloads),
so nothing narrower would do, but a binding can be revoked and every write is audited under its name, unlike the
break-glass certificate's system:masters, which now signs only the bootstrap's RBAC (``manifest_applier_rbac``).

The registrar (functions/member_registration: registration, unregistration and the Pull agents' certificate
refresh) is the user ``eks-karmada:handler:registrar`` in the group ``eks-karmada:handlers:registrar``
(charts/karmada/iam_authenticator.py maps its role). Its ClusterRole lists what those handlers do in the Karmada API:

* Clusters: get, list (the id check), create, patch (server-side apply, the secretRef removal), delete;
* namespaces: get/patch of karmada-cluster and the Pull members' execution spaces (server-side apply), create (an
  apply that creates is authorized as create, which RBAC cannot limit to names), delete of those execution spaces;
* Secrets in karmada-cluster only (a Role there): a Push member's token Secrets, and the clean-up of older ones;
* Pull members: list/delete of Works in their execution spaces (unregistration), and the agent's per-member RBAC
  (functions/member_registration/objects.py agent_rbac): get/patch/delete by name, create.

Writing a Role or ClusterRole needs either ``escalate`` (or ``bind``, for bindings) or holding every right it grants.
The registrar holds the rights: ``escalate``/``bind`` on a role name lets the holder put any rule in that role and
bind it to anyone (itself too), which is cluster-admin in two steps; holding them bounds what it can grant to exactly
the agent's rules. They are the agent's own rules, built from agent_rbac, so the two cannot drift. What the holding
adds (Work writes in the execution spaces, a Pull Cluster's status) reaches no further than what registration
already needs: it writes every member's credentials and Cluster spec.
"""

from __future__ import annotations

from typing import Any

from charts.karmada import names
from charts.karmada.props import KarmadaControlPlaneProps
from functions.member_registration import objects as registration

RBAC_API = "rbac.authorization.k8s.io/v1"
RBAC_GROUP = "rbac.authorization.k8s.io"


def _rule(group: str, resources: list[str], verbs: list[str], names_: list[str] | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {"apiGroups": [group], "resources": resources}
    if names_:
        rule["resourceNames"] = sorted(names_)
    rule["verbs"] = verbs
    return rule


def _agent_rules(members: list[str]) -> list[dict[str, Any]]:
    """Every rule of the Pull members' agent roles, without duplicates: what the registrar must hold to grant them."""
    held: list[dict[str, Any]] = []
    for member in members:
        for _, body in registration.agent_rbac(member):
            for rule in body.get("rules", []):
                if rule not in held:
                    held.append(rule)
    return held


def registrar_rules(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    """The registrar's cluster-wide rules (Secrets excepted: see ``registrar_rbac``)."""
    pull = sorted(props.pull_members)
    spaces = [registration.execution_space(m) for m in pull]
    rules = [
        _rule("cluster.karmada.io", ["clusters"], ["get", "list", "create", "patch", "delete"]),
        _rule("", ["namespaces"], ["get", "patch"], [names.CLUSTER_CREDENTIALS_NAMESPACE, *spaces]),
        _rule("", ["namespaces"], ["create"]),
    ]
    if not pull:
        return rules
    cluster_roles = [registration.agent_role_names(m)[0] for m in pull]
    roles = [name for m in pull for name in registration.agent_role_names(m)[1:]]  # agent-work, legacy agent-secret
    rules += [
        _rule("", ["namespaces"], ["delete"], spaces),
        _rule("work.karmada.io", ["works"], ["list", "delete"]),
        _rule(RBAC_GROUP, ["clusterroles"], ["get", "patch", "delete"], cluster_roles),
        _rule(RBAC_GROUP, ["clusterrolebindings"], ["patch", "delete"], cluster_roles),
        _rule(RBAC_GROUP, ["roles", "rolebindings"], ["patch", "delete"], roles),
        _rule(RBAC_GROUP, ["clusterroles", "clusterrolebindings", "roles", "rolebindings"], ["create"]),
        *_agent_rules(pull),
    ]
    return rules


def registrar_rbac(props: KarmadaControlPlaneProps, meta: Any) -> list[dict[str, Any]]:
    """The registrar's namespace for credentials, ClusterRole, Role (Secrets in karmada-cluster) and bindings.

    ``meta(name, namespace=None)`` gives each object the bootstrap chart's metadata.
    """
    subjects = [{"apiGroup": RBAC_GROUP, "kind": "Group", "name": names.REGISTRAR_GROUP}]
    namespace = names.CLUSTER_CREDENTIALS_NAMESPACE
    role_ref = {"apiGroup": RBAC_GROUP, "name": names.REGISTRAR_ROLE}
    return [
        # Made here so that the Role on its Secrets has a place before the first registration.
        {"apiVersion": "v1", "kind": "Namespace", "metadata": meta(namespace)},
        {"apiVersion": RBAC_API, "kind": "ClusterRole", "metadata": meta(names.REGISTRAR_ROLE),
         "rules": registrar_rules(props)},
        {"apiVersion": RBAC_API, "kind": "ClusterRoleBinding", "metadata": meta(names.REGISTRAR_ROLE),
         "roleRef": {**role_ref, "kind": "ClusterRole"}, "subjects": subjects},
        {"apiVersion": RBAC_API, "kind": "Role", "metadata": meta(names.REGISTRAR_ROLE, namespace=namespace),
         "rules": [_rule("", ["secrets"], ["get", "create", "patch", "delete"])]},
        {"apiVersion": RBAC_API, "kind": "RoleBinding", "metadata": meta(names.REGISTRAR_ROLE, namespace=namespace),
         "roleRef": {**role_ref, "kind": "Role"}, "subjects": subjects},
    ]


def manifest_applier_rbac(meta: Any) -> list[dict[str, Any]]:
    """The KarmadaManifest provider's group -> cluster-admin (``meta(name)`` gives the bootstrap chart's metadata)."""
    return [{
        "apiVersion": RBAC_API, "kind": "ClusterRoleBinding", "metadata": meta(names.MANIFEST_APPLIER_USER),
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"apiGroup": RBAC_GROUP, "kind": "Group", "name": names.MANIFEST_APPLIER_GROUP}],
    }]
