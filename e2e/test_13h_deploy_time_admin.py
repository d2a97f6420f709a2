"""Scenario 13h: a member's kubectl provider is cluster admin only while a deploy applies (issue 13, item 10).

`make local` deployed each member stack in CloudFormation's order: DeployTimeAdmin's Grant associated
AmazonEKSClusterAdminPolicy with the provider's access entry (an RBAC binding of the entry's user here), the provider
applied the member-side objects as itself, and Withdraw took the policy away. Between deploys the provider may do
nothing in the member; a deploy that changes the objects applies them because Grant ran first, and leaves the
provider powerless again; without Grant the same apply is refused.
"""

from __future__ import annotations

import json

import pytest

from functions.kube.client import ApiError
from functions.resource_types import DEPLOY_TIME_ADMIN
from local_control_plane.cloudformation import CustomResource
from local_control_plane.environment import LocalError
from local_control_plane.handlers import KUBERNETES_RESOURCE, Deployer

PROBE = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": "e2e-deploy-time-admin-probe"}, "rules": []}


@pytest.fixture(scope="module")
def deployer(env) -> Deployer:
    return Deployer(env, lambda _message: None)


def _stack(member: str) -> str:
    return f"KarmadaMember-{member}"


def _bracket(deployer: Deployer, member: str) -> dict[str, CustomResource]:
    """The member stack's grant and withdraw resources, by phase."""
    found = deployer.assembly.custom_resources(_stack(member), (DEPLOY_TIME_ADMIN,))
    return {r.properties["Phase"]: r for r in found}


def _provider(deployer: Deployer, member: str):
    """The kubectl provider's own identity in the member (the access entry of the role Grant names)."""
    grant = _bracket(deployer, member)["grant"]
    return deployer.identity_for(grant.properties["ClusterName"], grant.properties["PrincipalArn"]).client()


def _may_create_cluster_roles(client) -> bool:
    """Whether the identity may create a ClusterRole (a dry run: nothing is stored)."""
    try:
        client.request("POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", query={"dryRun": "All"}, body=PROBE)
    except ApiError as err:
        if err.code == 403:
            return False
        raise
    return True


def _pretend_the_last_deploy_differed(deployer: Deployer, *resources: CustomResource) -> None:
    """Rewrite the local CloudFormation's record of each resource, so that the next deploy sends it an Update."""
    for resource in resources:
        record = deployer.state_dir / resource.stack / f"{resource.logical_id}.json"
        state = json.loads(record.read_text())
        state["properties"] = {**state["properties"], "E2ePreviousDeploy": "1"}
        record.write_text(json.dumps(state))


def _member_objects(deployer: Deployer, member: str) -> CustomResource:
    """The member-side objects' manifest (ClusterRoles with every verb among them: only an admin may create them)."""
    manifests = deployer.assembly.custom_resources(_stack(member), (KUBERNETES_RESOURCE,))
    (objects,) = [m for m in manifests if m.logical_id.startswith("KarmadaAccessObjects")]
    return objects


def test_between_deploys_the_provider_may_do_nothing(env, deployer):
    for member in env.member_names:
        bracket = _bracket(deployer, member)
        assert set(bracket) == {"grant", "withdraw"}, f"{member}: {sorted(bracket)}"
        provider = _provider(deployer, member)
        assert not _may_create_cluster_roles(provider), f"{member}'s kubectl provider is still cluster admin"
        with pytest.raises(ApiError) as refused:
            provider.list(provider.resource_for("v1", "Secret"), "kube-system")
        assert refused.value.code == 403


def test_a_changed_deploy_applies_with_the_policy_then_withdraws_it(env, deployer):
    member = env.member_names[0]
    bracket, objects = _bracket(deployer, member), _member_objects(deployer, member)
    sent: list[str] = []
    watching = Deployer(env, sent.append)
    _pretend_the_last_deploy_differed(watching, bracket["grant"], objects, bracket["withdraw"])
    watching.deploy_stack(_stack(member))
    updates = [line.split("/")[1].split(" ")[0] for line in sent if line.endswith(": Update")]
    assert updates == [bracket["grant"].logical_id, objects.logical_id, bracket["withdraw"].logical_id], sent
    assert not _may_create_cluster_roles(_provider(deployer, member)), "Withdraw left the policy associated"


def test_without_grant_the_same_apply_is_refused(env, deployer):
    member = env.member_names[0]
    bracket, objects = _bracket(deployer, member), _member_objects(deployer, member)
    _pretend_the_last_deploy_differed(deployer, objects)
    try:
        with pytest.raises(LocalError, match="forbidden"):
            deployer.send(objects, "Create")
    finally:
        # Leave the member as a completed deploy does: Grant, the objects applied, Withdraw.
        _pretend_the_last_deploy_differed(deployer, bracket["grant"], bracket["withdraw"])
        deployer.deploy_stack(_stack(member))
    assert not _may_create_cluster_roles(_provider(deployer, member))
