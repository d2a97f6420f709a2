"""Parent-cluster RBAC for the identities of our custom resource handlers."""

from __future__ import annotations

from dataclasses import dataclass, field

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
    # ConfigMaps the group writes by server-side apply (the KarmadaManifest handler publishes the Karmada CA).
    published_config_maps: list[str] = field(default_factory=list)
    # ConfigMaps the group only reads (the registrar: the Karmada CA).
    read_config_maps: list[str] = field(default_factory=list)
    # Deployments whose pod template the group patches (the registrar rolls the controllers that cache Push
    # members' tokens after it refreshes them).
    patched_deployments: list[str] = field(default_factory=list)


class ParentReaderRbacChart(cdk8s.Chart):
    """Read access for `group` to the named Secrets and the apiserver's EndpointSlices, and the ConfigMaps it publishes.

    A Role and RoleBinding that let `group` read exactly the named Secrets (credentials issued by cert-manager; no
    Secret rule at all when none is named, since an empty name list would mean every Secret), the named ConfigMaps it
    reads, the EndpointSlices (to find the karmada-apiserver pods) and a patch of the named Deployments in the control
    plane's namespace, and nothing else in the parent cluster.
    """

    def __init__(self, scope: Construct, id: str, props: ParentReaderRbacProps) -> None:
        super().__init__(scope, id)
        rules = [
            k8s.PolicyRule(api_groups=["discovery.k8s.io"], resources=["endpointslices"], verbs=["get", "list"]),
        ]
        if props.secret_names:
            rules.insert(0, k8s.PolicyRule(api_groups=[""], resources=["secrets"], resource_names=props.secret_names,
                                           verbs=["get"]))
        if props.read_config_maps:
            rules.append(k8s.PolicyRule(api_groups=[""], resources=["configmaps"],
                                        resource_names=props.read_config_maps, verbs=["get"]))
        if props.patched_deployments:
            rules.append(k8s.PolicyRule(api_groups=["apps"], resources=["deployments"],
                                        resource_names=props.patched_deployments, verbs=["patch"]))
        if props.published_config_maps:
            # A server-side apply that creates is authorized as create too, and RBAC cannot name a create.
            rules += [
                k8s.PolicyRule(api_groups=[""], resources=["configmaps"],
                               resource_names=props.published_config_maps, verbs=["get", "patch"]),
                k8s.PolicyRule(api_groups=[""], resources=["configmaps"], verbs=["create"]),
            ]
        group_role(self, props.name, props.namespace, props.group, rules)


def group_role(chart: cdk8s.Chart, name: str, namespace: str, group: str, rules: list[k8s.PolicyRule]) -> None:
    """A Role with ``rules`` and a RoleBinding of it to ``group``, both named ``name``, in ``namespace``."""
    k8s.KubeRole(chart, "Role", metadata=k8s.ObjectMeta(name=name, namespace=namespace), rules=rules)
    k8s.KubeRoleBinding(
        chart,
        "Binding",
        metadata=k8s.ObjectMeta(name=name, namespace=namespace),
        role_ref=k8s.RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name=name),
        subjects=[k8s.Subject(kind="Group", name=group, api_group="rbac.authorization.k8s.io")],
    )
