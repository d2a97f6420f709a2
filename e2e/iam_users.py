"""Local IAM people for the scenarios: role sessions of the local STS and kubeconfigs that sign in as them.

The kubeconfig holds no credential: kubectl (or the CLI) runs the real `aws eks get-token` (awscli from PyPI) as
its exec plugin with the session's keys, as `eks-karmada kubeconfig` writes it for a person.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from e2e.conftest import ROOT, Kubectl
from local_control_plane.handlers import ACCOUNT
from local_control_plane.sts import LocalSts

__all__ = ["LocalSts", "session_user", "signed_in", "signed_in_kubeconfig"]

AWS = ROOT / ".venv-awscli" / "bin" / "aws"
REGION = "us-east-1"
KARMADA_CLUSTER_ID = "karmada-parent-karmada"  # AppConfig.karmada_cluster_id of config/local.yaml


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def session_user(role_name: str, session: str) -> str:
    """The username aws-iam-authenticator gives a role session (charts/karmada/props.py IamIdentity).

    {{SessionName}} writes '@' as '-', as EKS access entries do (an SSO session is the person's e-mail).
    """
    return f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/{session.replace('@', '-')}"


def signed_in_kubeconfig(env, sts: LocalSts, folder: Path, role_name: str, session: str,
                         cluster_id: str = KARMADA_CLUSTER_ID) -> Path:
    """A kubeconfig that signs in to the Karmada API as a session of ``role_name`` (`aws eks get-token` as exec)."""
    keys = sts.role_session(role(role_name), session)
    admin = env.access("karmada")
    kubeconfig = {
        "apiVersion": "v1", "kind": "Config", "current-context": "karmada",
        "clusters": [{"name": "karmada", "cluster": {**admin.kubeconfig()["clusters"][0]["cluster"]}}],
        "users": [{"name": session, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": str(AWS),
            "args": ["eks", "get-token", "--cluster-name", cluster_id, "--region", REGION, "--output", "json"],
            "env": [{"name": "AWS_ACCESS_KEY_ID", "value": keys["AccessKeyId"]},
                    {"name": "AWS_SECRET_ACCESS_KEY", "value": keys["SecretAccessKey"]},
                    {"name": "AWS_SESSION_TOKEN", "value": keys["SessionToken"]},
                    {"name": "AWS_CONFIG_FILE", "value": os.devnull},
                    {"name": "AWS_SHARED_CREDENTIALS_FILE", "value": os.devnull}],
            "interactiveMode": "Never"}}}],
        "contexts": [{"name": "karmada", "context": {"cluster": "karmada", "user": session}}],
    }
    path = folder / f"{role_name}-{session}-{cluster_id}.kubeconfig"
    path.write_text(yaml.safe_dump(kubeconfig))
    path.chmod(0o600)
    return path


def signed_in(env, sts: LocalSts, kubectl_binary: Path, folder: Path, role_name: str, session: str,
              cluster_id: str = KARMADA_CLUSTER_ID) -> Kubectl:
    """Kubectl as a session of ``role_name``."""
    return Kubectl(kubectl_binary, signed_in_kubeconfig(env, sts, folder, role_name, session, cluster_id))
