"""Scenario 4: karmada-webhook rejects an invalid policy; the aggregated API proxies to a member."""

from __future__ import annotations

import json

INVALID_POLICY = """
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {name: e2e-invalid, namespace: default}
spec:
  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment, name: sample-nginx}]
  placement:
    spreadConstraints:
    - {spreadByField: cluster, maxGroups: 1, minGroups: 2}
"""


def test_webhook_rejects_an_invalid_policy(karmada):
    done = karmada.run("apply", "-f", "-", stdin=INVALID_POLICY, check=False)
    assert done.returncode != 0
    assert "admission webhook" in done.stderr and "denied the request" in done.stderr, done.stderr
    assert "maxGroups" in done.stderr, done.stderr
    assert karmada.get("propagationpolicy", "e2e-invalid", "default") is None


def test_webhook_accepts_the_valid_neighbour(karmada):
    valid = INVALID_POLICY.replace("maxGroups: 1, minGroups: 2", "maxGroups: 2, minGroups: 1").replace(
        "e2e-invalid", "e2e-valid").replace("name: sample-nginx", "name: e2e-nothing")
    karmada.apply(valid)
    karmada.run("delete", "propagationpolicy", "e2e-valid", "-n", "default")


def test_aggregated_api_proxies_to_push_members_and_refuses_pull_ones(env, karmada):
    for name in env.member_names:
        path = f"/apis/cluster.karmada.io/v1alpha1/clusters/{name}/proxy/api/v1/nodes"
        if env.config[name]["sync_mode"] == "Pull":
            # A Pull agent reports no Secrets (--report-secrets=None: it may write none in the Karmada API), so there
            # is no impersonation token to proxy with: refused, saying so.
            done = karmada.run("get", "--raw", path, check=False)
            assert done.returncode != 0 and "impersonatorSecretRef" in done.stderr, done.stderr
            continue
        nodes = json.loads(karmada.run("get", "--raw", path).stdout)["items"]
        assert {n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes} == set(env.config[name]["zones"])
