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


def test_aggregated_api_proxies_to_each_member(env, karmada):
    for name in env.member_names:
        raw = karmada.run("get", "--raw",
                          f"/apis/cluster.karmada.io/v1alpha1/clusters/{name}/proxy/api/v1/nodes").stdout
        nodes = json.loads(raw)["items"]
        assert {n["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in nodes} == set(env.config[name]["zones"])
