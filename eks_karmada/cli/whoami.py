"""`eks-karmada whoami`: the IAM principal `make deploy` grants cluster-admin (CDK context deployer_arn)."""

from __future__ import annotations

import typer

from eks_karmada.cli.access import access_principal, caller_identity
from eks_karmada.cli.common import ConfigOption, ProfileOption, consoles, make_clients, read_config, say
from eks_karmada.cli.errors import CliError, guard


def whoami(ctx: typer.Context, config: ConfigOption = None, profile: ProfileOption = None) -> None:
    """Print the IAM role or user ARN an EKS access entry for you names (nothing with deployer_access: false).

    `make deploy` and `make diff` pass it as `-c deployer_arn=...`, so whoever deploys gets cluster-admin on
    the parent and every new member (docs/access.md). An assumed-role session becomes its role, with the
    role's path read by iam:GetRole (a note on stderr when that is denied). Needs sts:GetCallerIdentity.
    """
    out, err = consoles()
    with guard(err):
        cfg = read_config(config)
        if not cfg.parent.deployer_access:
            return
        clients = make_clients(ctx, profile)
        principal = access_principal(clients, caller_identity(clients, cfg.parent.region), cfg.parent.region)
        if principal.arn is None:
            raise CliError(principal.note)
        if principal.note:
            say(err, f"note: {principal.note}")
        say(out, principal.arn)
