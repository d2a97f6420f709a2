"""Who gets cluster-admin besides `parent.admin_role_arns`: the identity that deploys.

Synth has no credentials, so `make deploy` resolves the caller (`eks-karmada whoami`) and passes it as the CDK
context value `deployer_arn`; without it (tests, CI, `make synth`) nothing is added and synth stays
deterministic. docs/access.md tells the whole story.
"""

from __future__ import annotations

import re

from eks_karmada.config import AppConfig, ConfigError

CONTEXT_KEY = "deployer_arn"
# What an EKS access entry accepts: an IAM role (with its path) or an IAM user.
_PRINCIPAL = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+")


def deployer_principal(config: AppConfig, context_value: object) -> str | None:
    """The deployer's principal ARN to grant, or None (no context, or `parent.deployer_access: false`).

    A value already in `parent.admin_role_arns` is granted there, once. Raises ConfigError (one line) for a value
    an access entry would refuse.
    """
    if context_value in (None, "") or not config.parent.deployer_access:
        return None
    value = str(context_value)
    if not _PRINCIPAL.fullmatch(value):
        raise ConfigError(
            f"-c {CONTEXT_KEY}: '{value}' is not an IAM role or user ARN; pass what `eks-karmada whoami` prints "
            "(an assumed-role session becomes its role), or leave it out"
        )
    if value in config.parent.admin_role_arns:
        return None
    return value
