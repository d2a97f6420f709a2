"""The work healer's identity in the Karmada API: client certificate (parent), RBAC and admission policies (Karmada).

Its own user, no group. RBAC cannot say which fields a patch may touch, and ``patch`` on Works is the right to deploy
anything to any member; two ValidatingAdmissionPolicies take that back. For this user an update of a Work must leave
its workload, its preserveResourcesOnDeletion, its labels, annotations, finalizers and owners as they were, and may
not suspend or resume it: what is left is the nudge, ``spec.suspendDispatching`` between false and absent. An update
of a Work's status must leave its manifests' statuses and every condition but the healer's own as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from charts.karmada import names
from charts.karmada.common.objects import MANAGED_BY, metadata, selector_labels
from charts.karmada.pki import CLIENT_USAGES, CertificateRequest
from charts.member_access import AGENT_NAMESPACE

HEALER = "karmada-work-healer"
CLIENT_USER = "system:karmada:work-healer"
CLIENT_CERT_SECRET = names.client_secret(HEALER)
CLUSTER_ROLE = "eks-karmada:work-healer"
POLICY = "eks-karmada-work-healer-nudge-only"
STATUS_POLICY = "eks-karmada-work-healer-status-mark-only"
REFRESHED = "eks-karmada.io/StatusRefreshed"  # its own condition (functions/work_healer/handler.py)
RBAC_API = "rbac.authorization.k8s.io/v1"
RBAC_GROUP = "rbac.authorization.k8s.io"
VAP_API = "admissionregistration.k8s.io/v1"
# Karmada's leader-election Lease names: karmada-controller-manager's default --leader-elect-resource-name, and the
# agent's "karmada-agent-<cluster>" (v1.18.2 cmd/agent/app/agent.go).
CONTROLLER_MANAGER_LEASE = "karmada-controller-manager"


def execution_leases(namespace: str, pull_members: Sequence[str]) -> list[tuple[str, str]]:
    """(namespace, name) of the Leases of the processes that run an execution controller, in the Karmada API.

    karmada-controller-manager's in the control plane's namespace (its --leader-elect-resource-namespace), each Pull
    member's agent's in the agent's (charts/member_access.py).
    """
    return [(namespace, CONTROLLER_MANAGER_LEASE),
            *((AGENT_NAMESPACE, f"karmada-agent-{member}") for member in sorted(pull_members))]


def client_certificate_request(issuer: str = names.CLIENT_CA_ISSUER) -> CertificateRequest:
    """The healer's client certificate, issued by the Karmada client CA like the components' (and renewed like them)."""
    return CertificateRequest(
        name=CLIENT_CERT_SECRET,
        issuer=issuer,
        common_name=CLIENT_USER,
        usages=CLIENT_USAGES,
        purpose="work healer's client certificate for the Karmada API (re-reconciles Works left marked failed)",
    )


def _same(field: str) -> str:
    """CEL: ``field`` of the object is as it was (absent stays absent)."""
    return (f"has(object.{field}) == has(oldObject.{field}) && "
            f"(!has(object.{field}) || object.{field} == oldObject.{field})")


# Each check with the message a refused patch shows.
_NUDGE_ONLY = [
    ("object.spec.workload == oldObject.spec.workload", "may not change a Work's workload"),
    (_same("spec.preserveResourcesOnDeletion"), "may not change spec.preserveResourcesOnDeletion"),
    ("!has(object.spec.suspendDispatching) || object.spec.suspendDispatching == false",
     "may not suspend a Work's dispatching"),
    ("!has(oldObject.spec.suspendDispatching) || oldObject.spec.suspendDispatching == false",
     "may not resume a suspended Work"),
    (_same("metadata.labels"), "may not change a Work's labels"),
    (_same("metadata.annotations"), "may not change a Work's annotations"),
    (_same("metadata.finalizers"), "may not change a Work's finalizers"),
    (_same("metadata.ownerReferences"), "may not change a Work's owners"),
]


def _others(obj: str) -> str:
    return f"(has({obj}.status.conditions) ? {obj}.status.conditions.filter(c, c.type != '{REFRESHED}') : [])"


_STATUS_MARK_ONLY = [
    (_same("status.manifestStatuses"), "may not change a Work's manifestStatuses"),
    (f"{_others('object')} == {_others('oldObject')}", f"may change no condition of a Work but {REFRESHED}"),
]


def _policy(name: str, resource: str, checks: list[tuple[str, str]], meta: dict[str, Any]) -> list[dict[str, Any]]:
    """A ValidatingAdmissionPolicy (and its binding) denying what ``checks`` refuse in the healer's updates."""
    policy_meta = {**meta, "name": name}
    return [
        {"apiVersion": VAP_API, "kind": "ValidatingAdmissionPolicy", "metadata": policy_meta,
         "spec": {
             "failurePolicy": "Fail",
             "matchConstraints": {"resourceRules": [{"apiGroups": ["work.karmada.io"], "apiVersions": ["*"],
                                                     "operations": ["UPDATE"], "resources": [resource]}]},
             "matchConditions": [{"name": "work-healer",
                                  "expression": f"request.userInfo.username == '{CLIENT_USER}'"}],
             "validations": [{"expression": expression, "message": f"the work healer {refusal}", "reason": "Forbidden"}
                             for expression, refusal in checks],
         }},
        {"apiVersion": VAP_API, "kind": "ValidatingAdmissionPolicyBinding", "metadata": policy_meta,
         "spec": {"policyName": name, "validationActions": ["Deny"]}},
    ]


def karmada_objects(leases: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """In the Karmada API: what the healer's user may do, and the policies that narrow its patches of Works.

    Clusters get/list (which members are Ready, and since when); Works get/list/patch, their status get/patch; bindings
    get/list; the execution controllers' Leases get, by name (a ClusterRole: a Role would need karmada-system, which
    only the bootstrap creates, and the healer stays off its path).
    """
    meta = metadata(CLUSTER_ROLE, labels={**selector_labels(HEALER), "app.kubernetes.io/part-of": "karmada",
                                          "app.kubernetes.io/managed-by": MANAGED_BY})
    return [
        {"apiVersion": RBAC_API, "kind": "ClusterRole", "metadata": meta,
         "rules": [
             {"apiGroups": ["cluster.karmada.io"], "resources": ["clusters"], "verbs": ["get", "list"]},
             {"apiGroups": ["work.karmada.io"], "resources": ["works"], "verbs": ["get", "list", "patch"]},
             {"apiGroups": ["work.karmada.io"], "resources": ["works/status"], "verbs": ["get", "patch"]},
             {"apiGroups": ["work.karmada.io"], "resources": ["resourcebindings", "clusterresourcebindings"],
              "verbs": ["get", "list"]},
             {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
              "resourceNames": sorted({name for _namespace, name in leases}), "verbs": ["get"]},
         ]},
        {"apiVersion": RBAC_API, "kind": "ClusterRoleBinding", "metadata": meta,
         "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": CLUSTER_ROLE},
         "subjects": [{"apiGroup": RBAC_GROUP, "kind": "User", "name": CLIENT_USER}]},
        *_policy(POLICY, "works", _NUDGE_ONLY, meta),
        *_policy(STATUS_POLICY, "works/status", _STATUS_MARK_ONLY, meta),
    ]
