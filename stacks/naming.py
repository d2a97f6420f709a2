"""Names other stacks must know without a cross-stack reference (other regions, other accounts)."""

from __future__ import annotations

import hashlib

from aws_cdk import Environment

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


def manifest_applier_role_name(config: AppConfig) -> str:
    """The KarmadaManifest provider's role: a fixed name, so the Karmada API's authenticator maps a stable ARN."""
    return _iam_name(f"eks-karmada-manifest-{config.parent.cluster_name}-{config.parent.region}")


def join_role_name(config: AppConfig, member: MemberConfig) -> str:
    return _iam_name(f"eks-karmada-join-{member.name}-{config.parent.cluster_name}-{config.parent.region}")


def join_external_id(config: AppConfig, member: MemberConfig) -> str:
    """The ExternalId the registrar passes when it assumes a member's join role (sts:ExternalId in its trust).

    Confused-deputy protection, not a secret: it binds the join role to this parent (account, region, cluster) and
    this member, so a role of another deployment that the registrar's role could assume is not taken for this one's,
    and the join role does not accept an AssumeRole made for another member. Derived from the config alone, so the
    member stack (another account) and the registration stack agree without a cross-stack reference.
    """
    parent = config.parent
    seed = f"eks-karmada/{parent.account or ''}/{parent.region}/{parent.cluster_name}/{member.name}"
    return f"eks-karmada-{hashlib.sha256(seed.encode()).hexdigest()[:40]}"


def role_arn(account: str, name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:iam::{account}:role/{name}"


def parent_environment(config: AppConfig) -> Environment:
    """Where the parent's stacks (and those that work beside the registrar) deploy."""
    return Environment(account=config.parent.account, region=config.parent.region)


def member_environment(config: AppConfig, member: MemberConfig) -> Environment:
    """Where a member's own stacks deploy: its account (the parent's unless it names one) and region."""
    return Environment(account=member.account or config.parent.account, region=member.region)
