"""The `eks-karmada` command: typer app with the kubeconfig, status, preflight, cost, members and drill subcommands."""

from __future__ import annotations

import typer

from eks_karmada.cli.agent_bundle import agent_bundle
from eks_karmada.cli.cost import cost
from eks_karmada.cli.drill import drill_app
from eks_karmada.cli.kubeconfig import kubeconfig
from eks_karmada.cli.members import members_app
from eks_karmada.cli.preflight import preflight
from eks_karmada.cli.status import status
from eks_karmada.cli.validate import validate
from eks_karmada.cli.version import root
from eks_karmada.cli.whoami import whoami

app = typer.Typer(
    name="eks-karmada",
    help=(
        "Operate the Karmada control plane this CDK app deploys on Amazon EKS.\n\n"
        "Every command reads the same config as `make synth` (--config, default config/default.yaml). "
        "Exit codes: 0 fine, 1 error, 2 bad usage, 3 checks found problems (status, preflight). "
        "Set EKS_KARMADA_DEBUG=1 to see tracebacks."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

app.callback()(root)
app.command("kubeconfig")(kubeconfig)
app.command("status")(status)
app.command("preflight")(preflight)
app.command("cost")(cost)
app.command("agent-bundle")(agent_bundle)
app.command("validate")(validate)
app.command("whoami")(whoami)
app.add_typer(members_app, name="members")
app.add_typer(drill_app, name="drill")


def main() -> None:  # pragma: no cover - console-script shim
    app(prog_name="eks-karmada")
