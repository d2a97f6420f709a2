"""The trust policy of every Pod Identity role (karmada_constructs/pod_identity.py), asserted in one place."""

from __future__ import annotations

from typing import Any


def assert_pod_identity_trust(role: dict[str, Any], *, account: str, cluster_arn: str, namespace: str,
                              service_account: str) -> None:
    """``role`` (a template's AWS::IAM::Role) may be assumed by that ServiceAccount of that cluster only."""
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert sorted(statement["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    # Another account's, another cluster's or another ServiceAccount's Pod Identity cannot use the role.
    assert statement["Condition"] == {
        "StringEquals": {
            "aws:SourceAccount": account,
            "aws:RequestTag/eks-cluster-arn": cluster_arn,
            "aws:RequestTag/kubernetes-namespace": namespace,
            "aws:RequestTag/kubernetes-service-account": service_account,
        },
        "ArnEquals": {"aws:SourceArn": cluster_arn},
    }
