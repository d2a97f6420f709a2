"""Scenario 11: a Pull member's karmada-agent cannot take the Push member's credential.

With the agent's own client certificate (the parent's Secret karmada-agent-<member>-client, the identity
karmada-agent uses), each attack on the Push member's token is tried against the Karmada API and refused:
a new Cluster pointing at the Push member's Secret, its own Cluster re-pointed at it, TLS verification
switched off, reading the Secrets. RBAC refuses what the agent may not do at all (403 for the agent's
user). What it must do, write its Cluster's status, goes through karmada-cluster-guard: Karmada v1.18.2's
status subresource stores any spec it is sent, and karmada-aggregated-apiserver runs no admission, so
the guard in front of it refuses (422) a status write that changes the spec, and any Cluster, even an
admin's, that names another Cluster's Secret or skips TLS verification.
"""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest

from charts.karmada.names import agent_client_secret
from e2e.conftest import Kubectl
from functions.member_registration.objects import CLUSTER_NAMESPACE, agent_user


@pytest.fixture(scope="module")
def pull_member(env) -> str:
    return next(m for m in env.member_names if env.config[m]["sync_mode"] == "Pull")


@pytest.fixture(scope="module")
def push_member(env) -> str:
    return next(m for m in env.member_names if env.config[m]["sync_mode"] == "Push")


@pytest.fixture(scope="module")
def agent(env, parent, kubectl_binary, pull_member, tmp_path_factory) -> Kubectl:
    """Kubectl as the Pull member's karmada-agent (its certificate from the parent, the admin's address and CA)."""
    secret = parent.get("secret", agent_client_secret(pull_member), "karmada-system")
    assert secret, f"no Secret karmada-system/{agent_client_secret(pull_member)} in the parent"
    data = {key: base64.b64decode(value) for key, value in secret["data"].items()}
    access = dataclasses.replace(env.access("karmada"), name="karmada-agent", cert_pem=data["tls.crt"],
                                 key_pem=data["tls.key"])
    path = tmp_path_factory.mktemp("agent") / "agent.kubeconfig"
    access.write(path)
    return Kubectl(kubectl_binary, path)


def refused(agent: Kubectl, member: str, *args: str, stdin: str | None = None) -> str:
    """Run kubectl as the agent; it must fail with RBAC's Forbidden for the agent's user."""
    done = agent.run(*args, check=False, stdin=stdin)
    assert done.returncode != 0, f"kubectl {' '.join(args)} as the agent succeeded: {done.stdout.strip()}"
    # kubectl words it "(Forbidden)" for most verbs and "... is forbidden: User ..." for `create secret`.
    assert ("(Forbidden)" in done.stderr or " is forbidden: " in done.stderr) and agent_user(member) in done.stderr, \
        done.stderr
    return done.stderr


def test_the_agent_credential_works_for_its_own_cluster(agent, pull_member):
    """The control: the identity is the agent's and reads what the agent needs (else every 403 proves nothing)."""
    assert agent.json("get", "cluster", pull_member)["metadata"]["name"] == pull_member
    assert agent.run("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}").stdout == agent_user(pull_member)


def test_a_new_cluster_pointing_at_the_push_members_secret_is_refused(agent, pull_member, push_member):
    stolen = {
        "apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": f"{pull_member}-steal"},
        "spec": {"syncMode": "Push", "apiEndpoint": "https://203.0.113.10:6443",
                 "secretRef": {"namespace": CLUSTER_NAMESPACE, "name": push_member},
                 "impersonatorSecretRef": {"namespace": CLUSTER_NAMESPACE, "name": f"{push_member}-impersonator"}},
    }
    refused(agent, pull_member, "create", "-f", "-", stdin=json.dumps(stolen))


def test_its_own_cluster_cannot_be_repointed_at_the_push_members_secret(agent, karmada, pull_member, push_member):
    patch = {"spec": {"secretRef": {"namespace": CLUSTER_NAMESPACE, "name": push_member}, "syncMode": "Push",
                      "apiEndpoint": "https://203.0.113.10:6443"}}
    refused(agent, pull_member, "patch", "cluster", pull_member, "--type=merge", "-p", json.dumps(patch))
    # an update (PUT) of the whole object is refused the same way
    cluster = agent.json("get", "cluster", pull_member)
    cluster["spec"].update(patch["spec"])
    refused(agent, pull_member, "replace", "-f", "-", stdin=json.dumps(cluster))
    spec = karmada.json("get", "cluster", pull_member)["spec"]
    assert spec["syncMode"] == "Pull" and "secretRef" not in spec


def test_tls_verification_cannot_be_switched_off(agent, pull_member, push_member):
    patch = json.dumps({"spec": {"insecureSkipTLSVerification": True}})
    for name in (pull_member, push_member):
        refused(agent, pull_member, "patch", "cluster", name, "--type=merge", "-p", patch)


def guard_refused(kubectl: Kubectl, *args: str, stdin: str | None = None) -> str:
    """Run kubectl; the cluster guard must refuse it as invalid (422), naming itself."""
    done = kubectl.run(*args, check=False, stdin=stdin)
    assert done.returncode != 0, f"kubectl {' '.join(args)} succeeded: {done.stdout.strip()}"
    assert "invalid" in done.stderr and "(karmada-cluster-guard)" in done.stderr, done.stderr
    return done.stderr


def test_the_status_subresource_does_not_write_the_spec(agent, karmada, pull_member, push_member):
    """The agent may write its Cluster's status; a spec change sent there is refused and nothing is stored.

    The request is the agent's own kind of write, a PUT of the whole object on clusters/<name>/status (kubectl's
    `patch --subresource` first reads the subresource, which the agent may not). The guard refuses only when the
    aggregated server's dry run of this very request returns the changed spec: the refusal itself shows that
    Karmada v1.18.2 would have stored it.
    """
    before = karmada.json("get", "cluster", pull_member)["spec"]
    cluster = agent.json("get", "cluster", pull_member)
    status_path = f"/apis/cluster.karmada.io/v1alpha1/clusters/{pull_member}/status"
    stolen = json.loads(json.dumps(cluster))
    stolen["spec"].update({"syncMode": "Push", "apiEndpoint": "https://203.0.113.10:6443",
                           "secretRef": {"namespace": CLUSTER_NAMESPACE, "name": push_member},
                           "insecureSkipTLSVerification": True})
    stderr = guard_refused(agent, "replace", "--raw", status_path, "-f", "-", stdin=json.dumps(stolen))
    assert "the status subresource may not change the spec" in stderr, stderr
    assert karmada.json("get", "cluster", pull_member)["spec"] == before
    # the status is still the agent's to write: the same PUT with only the status changed passes (as a dry run, so
    # the agent's own writes go on undisturbed)
    cluster["status"]["kubernetesVersion"] = "v0.0.0-e2e"
    answer = json.loads(agent.run("replace", "--raw", f"{status_path}?dryRun=All", "-f", "-",
                                  stdin=json.dumps(cluster)).stdout)
    assert answer["status"]["kubernetesVersion"] == "v0.0.0-e2e" and answer["spec"] == before


def test_no_one_may_point_a_cluster_at_another_clusters_secret(karmada, pull_member, push_member):
    """Not even an admin, whom RBAC lets through: the guard holds every Cluster to its own Secrets and TLS."""
    stolen = {
        "apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": f"{pull_member}-steal"},
        "spec": {"syncMode": "Push", "apiEndpoint": "https://203.0.113.10:6443",
                 "secretRef": {"namespace": CLUSTER_NAMESPACE, "name": push_member}},
    }
    stderr = guard_refused(karmada, "create", "-f", "-", stdin=json.dumps(stolen))
    assert f"spec.secretRef: must be {CLUSTER_NAMESPACE}/{pull_member}-steal" in stderr, stderr
    guard_refused(karmada, "patch", "cluster", push_member, "--type=merge", "-p",
                  json.dumps({"spec": {"insecureSkipTLSVerification": True}}))
    assert not karmada.json("get", "cluster", push_member)["spec"].get("insecureSkipTLSVerification")
    assert karmada.run("get", "cluster", f"{pull_member}-steal", check=False).returncode != 0
