"""Scenario 13c: people sign in to the Karmada API with their own IAM identity, and RBAC decides.

The real kubectl runs the real `aws eks get-token` (awscli from PyPI) as its exec credential plugin, with the keys
of a local IAM role session; karmada-apiserver hands the token to the real aws-iam-authenticator beside it, which
calls STS with it: here the local STS (local_control_plane/sts.py), which checks the SigV4 signature, so a session
is who its keys say. config/local.yaml maps role platform-admin to eks-karmada:admins and role developer to
eks-karmada:viewers; anything else is unknown to the Karmada API.
"""

from __future__ import annotations

import pytest

from e2e.audit_log import shipped_events
from e2e.conftest import wait_for
from e2e.iam_users import LocalSts, session_user, signed_in


@pytest.fixture(scope="module")
def sts(env) -> LocalSts:
    return LocalSts(env.layout.data)


def audit_events(env) -> list[dict]:
    """The Karmada API's audit events (ResponseComplete: one per request) of this environment.

    As shipped to the (local) CloudWatch Logs group (e2e/audit_log.py).
    """
    return shipped_events(env)


def audit_users(env) -> set[str]:
    """Usernames in the Karmada API's audit log (unauthenticated requests have none)."""
    return {e["user"].get("username", "") for e in audit_events(env)}


REGISTRAR_AGENT = "eks-karmada/member-registration"  # functions/member_registration/handler.py USER_AGENT
REGISTRAR_USER = "eks-karmada:handler:registrar"  # charts/karmada/names.py REGISTRAR_USER
WRITES = ("create", "patch", "update", "delete")


def test_the_registrar_writes_to_karmada_as_its_own_role_never_as_system_admin(env):
    """`make local` registered both members with the registrar: through the authenticator, as its role's user.

    Its requests carry its User-Agent; the only other identity they may show is a Pull agent's (the refresh proves
    that Karmada accepts a renewed agent certificate by reading the Cluster as the agent).
    """
    mine = [e for e in audit_events(env) if e.get("userAgent", "").startswith(REGISTRAR_AGENT)]
    assert mine, "no request of the registrar in the Karmada API's audit log"
    users = {e["user"].get("username", "") for e in mine}
    assert "system:admin" not in users, "the registrar used the break-glass admin certificate"
    assert users - {REGISTRAR_USER} <= {u for u in users if u.startswith("system:karmada:agent:")}, users
    writes = [e for e in mine if e["verb"] in WRITES]
    assert writes and {e["user"]["username"] for e in writes} == {REGISTRAR_USER}
    written = {(e.get("objectRef") or {}).get("resource") for e in writes}
    assert {"clusters", "secrets"} <= written, written  # the Push member's Cluster and its token Secrets
    refused = [e for e in mine if (e.get("responseStatus") or {}).get("code") in (401, 403)]
    assert not refused, [(e["verb"], e.get("objectRef"), e["responseStatus"]) for e in refused]


MANIFEST_AGENT = "eks-karmada/karmada-manifest"  # functions/kube/client.py: KubeClient's default User-Agent
MANIFEST_USER = "eks-karmada:handler:karmada-manifest"  # charts/karmada/names.py MANIFEST_APPLIER_USER
ADMIN_CERT_USER = "system:admin"  # the break-glass certificate (charts/karmada/names.py ADMIN_USER)
RBAC_RESOURCES = {"clusterroles", "clusterrolebindings", "roles", "rolebindings", "namespaces"}


def test_every_karmada_manifest_but_the_rbac_is_applied_as_the_handler_role_never_as_system_admin(env):
    """The break-glass certificate applied only the Karmada API's RBAC; the KarmadaManifest role, everything else.

    `make local` applied the RBAC first, then the CRDs, APIServices, webhooks, the taint policy, the fleet guard's and
    the workloads' objects with the KarmadaManifest provider's own role, which that RBAC binds.
    """
    mine = [e for e in audit_events(env) if e.get("userAgent", "").startswith(MANIFEST_AGENT)]
    writes = [e for e in mine if e["verb"] in WRITES]
    by_user: dict[str, set] = {}
    for event in writes:
        by_user.setdefault(event["user"].get("username", ""), set()).add((event.get("objectRef") or {}).get("resource"))
    assert set(by_user) == {ADMIN_CERT_USER, MANIFEST_USER}, by_user
    assert by_user[ADMIN_CERT_USER] <= RBAC_RESOURCES, by_user[ADMIN_CERT_USER]
    assert {"customresourcedefinitions", "apiservices", "validatingwebhookconfigurations",
            "clustertaintpolicies", "propagationpolicies"} <= by_user[MANIFEST_USER], by_user[MANIFEST_USER]
    refused = [e for e in mine if e["user"].get("username") == MANIFEST_USER
               and (e.get("responseStatus") or {}).get("code") in (401, 403)]
    assert not refused, [(e["verb"], e.get("objectRef"), e["responseStatus"]) for e in refused]
    applied_by = {e["user"].get("username") for e in mine}
    assert "system:masters" not in {g for e in mine if e["user"].get("username") == MANIFEST_USER
                                    for g in e["user"].get("groups", [])}, applied_by


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
