"""Parent-cluster RBAC for the identity that applies objects to the Karmada API."""

from __future__ import annotations

from dataclasses import dataclass

import cdk8s
from cdk8s_plus_27 import k8s
from constructs import Construct


@dataclass(frozen=True)
class ManifestApplierRbacProps:
    group: str
    namespace: str = "karmada-system"
    admin_secret: str = "karmada-admin-client"


class ManifestApplierRbacChart(cdk8s.Chart):
    """A Role and RoleBinding that let `group` read exactly the Karmada admin
    client Secret and the EndpointSlices (to find karmada-apiserver pods) in
    the control plane's namespace, and nothing else in the parent cluster.
    """

    def __init__(self, scope: Construct, id: str, props: ManifestApplierRbacProps) -> None:
        super().__init__(scope, id)
        name = "eks-karmada-manifest-applier"
        k8s.KubeRole(
            self,
            "Role",
            metadata=k8s.ObjectMeta(name=name, namespace=props.namespace),
            rules=[
                k8s.PolicyRule(api_groups=[""], resources=["secrets"], resource_names=[props.admin_secret], verbs=["get"]),
                k8s.PolicyRule(api_groups=["discovery.k8s.io"], resources=["endpointslices"], verbs=["get", "list"]),
            ],
        )
        k8s.KubeRoleBinding(
            self,
            "Binding",
            metadata=k8s.ObjectMeta(name=name, namespace=props.namespace),
            role_ref=k8s.RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name=name),
            subjects=[k8s.Subject(kind="Group", name=props.group, api_group="rbac.authorization.k8s.io")],
        )
