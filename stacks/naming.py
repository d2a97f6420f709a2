"""Names other stacks must know without a cross-stack reference (other regions, other accounts)."""

from __future__ import annotations

import hashlib

from eks_karmada.config import AppConfig, MemberConfig


def _iam_name(name: str) -> str:
    """IAM role names are at most 64 characters; keep long ones unique with a hash."""
    if len(name) <= 64:
        return name
    return f"{name[:55]}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def egress_reader_role_name(config: AppConfig) -> str:
    return _iam_name(f"eks-karmada-egress-{config.parent.cluster_name}-{config.parent.region}")


def registrar_role_name(config: AppConfig) -> str:
    return _iam_name(f"eks-karmada-registrar-{config.parent.cluster_name}-{config.parent.region}")


def join_role_name(config: AppConfig, member: MemberConfig) -> str:
    return _iam_name(f"eks-karmada-join-{member.name}-{config.parent.cluster_name}-{config.parent.region}")


def role_arn(account: str, name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account}:role/{name}"
