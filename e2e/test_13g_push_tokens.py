"""Scenario 13g: a Push member's tokens expire; a revoked one is replaced and reaches karmada-controller-manager.

Karmada holds, for the Push member, tokens the member's TokenRequest API issued for a bounded life, never the
non-expiring token Secret `karmadactl join` copies (the member holds none). The registration stack's hourly
schedule keeps them while they are young and accepted. Re-creating the member's ServiceAccount (how an operator
revokes a leaked token) makes the member refuse them: the next run requests new ones, writes them into Karmada and
sets the roll annotation on karmada-controller-manager, whose informers only take a new token when they restart.
Then Karmada's watches work again with the new token alone (the old one is refused): a propagated ConfigMap
deleted in the member is put back by the work-status controller, which learns of the deletion from its informer;
and no Work the restart reconciled stays marked failed (charts/retry_delay.py).
"""

from __future__ import annotations

import base64
import json

import pytest

from e2e.conftest import (
    Kubectl,
    all_fully_applied,
    cluster_ready,
    invoke_schedule,
    restart_controller_manager,
    wait_for,
)
from functions.kube.client import KubeClient, Urllib3Transport
from functions.kube.errors import ApiError
from functions.member_registration.push_tokens import (
    CONSUMER_ANNOTATION_PREFIX,
    EXPIRES_ANNOTATION,
    ISSUED_ANNOTATION,
    REQUESTED_ANNOTATION,
)

NAMESPACE = "karmada-cluster"
NAME = "e2e-push-tokens"


@pytest.fixture(scope="module")
def push_member(env) -> str:
    return next(m for m in env.member_names if env.config[m]["sync_mode"] == "Push")


def _held_token(karmada: Kubectl, secret: str) -> tuple[str, dict]:
    found = karmada.get("secret", secret, NAMESPACE)
    return base64.b64decode(found["data"]["token"]).decode(), found["metadata"].get("annotations") or {}


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _who(env, member: str, token: str) -> str | None:
    """Who the member says ``token`` is (a SelfSubjectReview); None when it refuses it (401)."""
    access = env.access(member)
    client = KubeClient(Urllib3Transport(access.host, access.port, ca_pem=access.ca_pem,
                                         server_hostname=access.server_name, token_provider=lambda: token))
    try:
        review = client.request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                body={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"})
        return review["status"]["userInfo"]["username"]
    except ApiError as err:
        if err.code == 401:
            return None
        raise
    finally:
        client.close()


def _refresh(env, member: str) -> dict:
    return invoke_schedule(env, f"KarmadaRegistration-{member}", "rate(1 hour)")


def test_karmada_holds_only_expiring_tokens_and_keeps_young_ones(env, karmada, members, push_member):
    member = members[push_member]
    secrets = member.json("get", "secrets", "-n", NAMESPACE)["items"]
    assert [s["metadata"]["name"] for s in secrets if s["type"] == "kubernetes.io/service-account-token"] == []
    lifetime = 7 * 24 * 3600  # config/local.yaml keeps karmada.push_token_lifetime_hours at its default
    for secret, account in ((push_member, f"karmada-{push_member}"),
                            (f"{push_member}-impersonator", "karmada-impersonator")):
        token, annotations = _held_token(karmada, secret)
        claims = _claims(token)
        assert claims["sub"] == f"system:serviceaccount:{NAMESPACE}:{account}"
        assert claims["exp"] - claims["iat"] == lifetime, claims  # the member granted what was asked
        assert annotations[REQUESTED_ANNOTATION] == str(lifetime)
        assert annotations[ISSUED_ANNOTATION] and annotations[EXPIRES_ANNOTATION]
        assert _who(env, push_member, token) == claims["sub"]

    result = _refresh(env, push_member)

    assert result["Action"] == "Unchanged", result


def test_a_revoked_token_is_replaced_and_reaches_the_watches(env, karmada, parent, members, push_member):
    member = members[push_member]
    karmada.apply(f"""
apiVersion: v1
kind: ConfigMap
metadata: {{name: {NAME}, namespace: default}}
data: {{owner: e2e}}
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: {NAME}, namespace: default}}
spec:
  resourceSelectors: [{{apiVersion: v1, kind: ConfigMap, name: {NAME}}}]
  placement: {{clusterAffinity: {{clusterNames: [{push_member}]}}}}
""")
    try:
        wait_for(lambda: member.get("configmap", NAME, "default"), 120, f"{NAME} in {push_member}")
        old, _ = _held_token(karmada, push_member)

        # Revoke: a re-created ServiceAccount invalidates every token of the old one.
        account = f"karmada-{push_member}"
        member.run("delete", "serviceaccount", account, "-n", NAMESPACE)
        member.run("create", "serviceaccount", account, "-n", NAMESPACE)
        # kube-apiserver caches a token's successful authentication for 10 s: refused within seconds, not at once.
        wait_for(lambda: _who(env, push_member, old) is None, 60, "the member to refuse the revoked token")

        result = _refresh(env, push_member)

        assert result["Action"] == "Refreshed" and "refuses the controllers' token" in result["Reason"], result
        assert result["Rolled"] == ["karmada-controller-manager"]
        new, annotations = _held_token(karmada, push_member)
        assert new != old and _who(env, push_member, new) == f"system:serviceaccount:{NAMESPACE}:{account}"
        deployment = parent.get("deployment", "karmada-controller-manager", "karmada-system")
        template = deployment["spec"]["template"]["metadata"]["annotations"]
        assert template[CONSUMER_ANNOTATION_PREFIX + push_member] == annotations[ISSUED_ANNOTATION]

        # The rollout that pod-template change starts in EKS: here the harness runs the rendered pods itself.
        restart_controller_manager(env, karmada)

        # Only the new token works, and Karmada's informers use it: a deletion in the member is seen and undone.
        wait_for(lambda: cluster_ready(karmada.get("cluster", push_member)) == "True", 180, f"{push_member} Ready")
        wait_for(lambda: member.get("configmap", NAME, "default"), 120, f"{NAME} still in {push_member}")
        deleted_uid = member.get("configmap", NAME, "default")["metadata"]["uid"]
        member.run("delete", "configmap", NAME, "-n", "default")
        recreated = wait_for(
            lambda: (member.get("configmap", NAME, "default") or {}).get("metadata", {}).get("uid") not in
            (None, deleted_uid), 180, f"Karmada to put {NAME} back in {push_member} after its deletion there")
        assert recreated
        # The restart leaves no Work marked failed behind (charts/retry_delay.py, karmada-io/karmada#4065).
        wait_for(lambda: all_fully_applied(karmada), 120, "every ResourceBinding fully applied after the restart")
        assert _refresh(env, push_member)["Action"] == "Unchanged"
    finally:
        karmada.run("delete", "propagationpolicy", NAME, "-n", "default", "--ignore-not-found")
        karmada.run("delete", "configmap", NAME, "-n", "default", "--ignore-not-found")
