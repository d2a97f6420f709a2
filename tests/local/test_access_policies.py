"""The local stand-in for EKS access policies: an association is an RBAC binding of the entry's user."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from local_control_plane import access_policies

ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
VIEW = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
USER = "arn:aws:sts::000000000000:assumed-role/KubectlHandlerRole/local"


@dataclass(frozen=True)
class Kind:
    kind: str


@dataclass
class Cluster:
    """Bindings by (kind, namespace, name): what an API server would hold."""

    objects: dict[tuple[str, str | None, str], dict] = field(default_factory=dict)

    def resource_for(self, _api_version: str, kind: str) -> Kind:
        return Kind(kind)

    def apply(self, resource: Kind, name: str, namespace: str | None, body: dict, _manager: str, force: bool) -> dict:
        assert force
        self.objects[(resource.kind, namespace, name)] = body
        return body

    def delete(self, resource: Kind, name: str, namespace: str | None = None) -> bool:
        return self.objects.pop((resource.kind, namespace, name), None) is not None

    def request(self, method: str, path: str, query: dict[str, str]) -> dict:
        assert (method, path) == ("GET", "/apis/rbac.authorization.k8s.io/v1/rolebindings")  # every namespace
        return {"items": [o for (kind, _, _), o in self.objects.items() if kind == "RoleBinding"
                          and query["labelSelector"] in o["metadata"].get("labels", {})]}


def test_a_cluster_wide_association_binds_the_user_to_the_policys_role_until_disassociated():
    cluster = Cluster()
    access_policies.associate(cluster, USER, ADMIN)
    ((kind, namespace, _), binding), = cluster.objects.items()
    assert (kind, namespace) == ("ClusterRoleBinding", None)
    assert binding["roleRef"]["name"] == "cluster-admin"
    assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": USER}]
    assert access_policies.disassociate(cluster, USER, ADMIN) is True
    assert cluster.objects == {}
    assert access_policies.disassociate(cluster, USER, ADMIN) is False  # EKS: ResourceNotFoundException


def test_a_namespace_scoped_association_binds_in_those_namespaces_only():
    cluster = Cluster()
    access_policies.associate(cluster, USER, VIEW, ("team-a", "team-b"))
    assert sorted((k, n) for k, n, _ in cluster.objects) == [("RoleBinding", "team-a"), ("RoleBinding", "team-b")]
    assert {o["roleRef"]["name"] for o in cluster.objects.values()} == {"view"}
    assert access_policies.disassociate(cluster, USER, VIEW) is True
    assert cluster.objects == {}


def test_one_binding_per_user_and_policy():
    names = {access_policies.binding_name(user, policy) for user in (USER, USER + "x") for policy in (ADMIN, VIEW)}
    assert len(names) == 4 and all(len(n) <= 253 for n in names)


def test_a_policy_without_a_local_counterpart_is_refused():
    with pytest.raises(access_policies.UnknownPolicyError, match="AmazonEKSNetworkingPolicy"):
        access_policies.associate(Cluster(), USER, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSNetworkingPolicy")
