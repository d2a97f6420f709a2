"""The local member edge: what a member's EKS API makes of a handler's bearer token."""

from __future__ import annotations

from types import SimpleNamespace

from functions.kube.client import Urllib3Transport
from local_control_plane.handlers import Deployer
from tests.fakes.pki import make_pki

JOIN_ROLE = "arn:aws:iam::000000000000:role/eks-karmada-join-member-push"


def _deployer(seen: list) -> SimpleNamespace:
    access = SimpleNamespace(host="10.250.1.2", port=443, ca_pem=make_pki().ca.cert_pem, server_name=None)
    return SimpleNamespace(
        identity_for=lambda cluster, role: seen.append((cluster, role)) or SimpleNamespace(transport=lambda: "entry"),
        env=SimpleNamespace(local_cluster_name=lambda name: name.removeprefix("karmada-"), access=lambda name: access))


def test_an_eks_token_is_the_identity_of_the_join_roles_access_entry():
    seen: list = []
    transport = Deployer.member_transport(_deployer(seen), "karmada-member-push", JOIN_ROLE,  # pyright: ignore
                                          None, lambda: "k8s-aws-v1.aHR0cHM6Ly9zdHM")
    assert transport == "entry" and seen == [("karmada-member-push", JOIN_ROLE)]


def test_a_service_account_token_is_sent_as_it_is_for_the_member_api_server_to_judge():
    seen: list = []
    transport = Deployer.member_transport(_deployer(seen), "karmada-member-push", JOIN_ROLE,  # pyright: ignore
                                          None, lambda: "eyJhbGciOiJSUzI1NiJ9.sa-token")
    assert isinstance(transport, Urllib3Transport) and seen == []
    assert transport._token_provider is not None and transport._token_provider() == "eyJhbGciOiJSUzI1NiJ9.sa-token"
    transport.close()
