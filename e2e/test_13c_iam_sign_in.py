"""Scenario 13c: people sign in to the Karmada API with their own IAM identity, and RBAC decides.

The real kubectl runs the real `aws eks get-token` (awscli from PyPI) as its exec credential plugin, with the keys
of a local IAM role session; karmada-apiserver hands the token to the real aws-iam-authenticator beside it, which
calls STS with it: here the local STS (local_control_plane/sts.py), which checks the SigV4 signature, so a session
is who its keys say. config/local.yaml maps role platform-admin to eks-karmada:admins and role developer to
eks-karmada:viewers; anything else is unknown to the Karmada API.
"""

from __future__ import annotations

import json

import pytest

from e2e.conftest import wait_for
from e2e.iam_users import LocalSts, session_user, signed_in


@pytest.fixture(scope="module")
def sts(env) -> LocalSts:
    return LocalSts(env.layout.data)


def audit_users(env) -> set[str]:
    """Usernames in the Karmada API's audit log (every karmada-apiserver pod's stdout)."""
    users = set()
    for log in env.layout.logs.glob("parent.karmada-system.karmada-apiserver-*_kube-apiserver.log"):
        for line in log.read_text(errors="replace").splitlines():
            if '"kind":"Event"' in line and '"audit.k8s.io/v1"' in line:
                users.add(json.loads(line)["user"].get("username", ""))  # unauthenticated: none
    return users


def test_an_admin_signs_in_with_their_role_session_and_is_audited_by_name(env, sts, kubectl_binary, tmp_path):
    alice = signed_in(env, sts, kubectl_binary, tmp_path, "platform-admin", "alice@example.com")
    who = alice.json("auth", "whoami")["status"]["userInfo"]
    assert who["username"] == session_user("platform-admin", "alice@example.com")
    assert "eks-karmada:admins" in who["groups"] and "system:masters" not in who["groups"]
    assert alice.json("get", "clusters")["items"], "the admin sees the members"
    alice.run("create", "namespace", "iam-sign-in-check")
    alice.run("delete", "namespace", "iam-sign-in-check", "--wait=false")
    wait_for(lambda: session_user("platform-admin", "alice@example.com") in audit_users(env), 30,
             "the audit log naming alice's session")


def test_a_viewer_reads_the_fleet_but_may_not_write_or_read_secrets(env, sts, kubectl_binary, tmp_path):
    bob = signed_in(env, sts, kubectl_binary, tmp_path, "developer", "bob")
    assert bob.json("get", "clusters")["items"]
    assert bob.json("get", "propagationpolicies", "-A") is not None
    for attempt in (("create", "namespace", "bob-was-here"), ("get", "secrets", "-n", "karmada-cluster")):
        done = bob.run(*attempt, check=False)
        assert done.returncode != 0 and "Forbidden" in done.stderr, (attempt, done.stderr)
        assert session_user("developer", "bob") in done.stderr, done.stderr


def test_an_unmapped_role_and_a_token_for_another_cluster_are_not_signed_in(env, sts, kubectl_binary, tmp_path):
    for kubectl in (signed_in(env, sts, kubectl_binary, tmp_path, "intruder", "mallory"),
                    # alice's own token, but signed for the parent EKS cluster: STS refuses the signature.
                    signed_in(env, sts, kubectl_binary, tmp_path, "platform-admin", "alice@example.com",
                              cluster_id="karmada-parent")):
        done = kubectl.run("get", "namespaces", check=False)
        assert done.returncode != 0 and "Unauthorized" in done.stderr, done.stderr
