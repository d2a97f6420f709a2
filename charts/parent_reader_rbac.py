"""Parent-cluster RBAC for the identities of our custom resource handlers."""

from __future__ import annotations

from dataclasses import dataclass

import cdk8s
from cdk8s_plus_27 import k8s
from constructs import Construct


@dataclass(frozen=True)
class ParentReaderRbacProps:
    """Properties of `ParentReaderRbacChart`."""
    name: str
    group: str
    secret_names: list[str]
    namespace: str = "karmada-system"


class ParentReaderRbacChart(cdk8s.Chart):
    """Read access for `group` to the named Secrets and the apiserver's EndpointSlices, nothing more.

    A Role and RoleBinding that let `group` read exactly the named Secrets (credentials issued by cert-manager) and the
    EndpointSlices (to find the karmada-apiserver pods) in the control plane's namespace, and nothing else in the
    parent cluster.
    """

    def __init__(self, scope: Construct, id: str, props: ParentReaderRbacProps) -> None:
        super().__init__(scope, id)
        k8s.KubeRole(
            self,
            "Role",
            metadata=k8s.ObjectMeta(name=props.name, namespace=props.namespace),
            rules=[
                k8s.PolicyRule(api_groups=[""], resources=["secrets"], resource_names=props.secret_names,
                               verbs=["get"]),
                k8s.PolicyRule(api_groups=["discovery.k8s.io"], resources=["endpointslices"], verbs=["get", "list"]),
            ],
        )
        k8s.KubeRoleBinding(
            self,
            "Binding",
            metadata=k8s.ObjectMeta(name=props.name, namespace=props.namespace),
            role_ref=k8s.RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name=props.name),
            subjects=[k8s.Subject(kind="Group", name=props.group, api_group="rbac.authorization.k8s.io")],
        )
