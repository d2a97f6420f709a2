"""`eks-karmada agent-bundle`: everything a Pull member outside AWS applies to join Karmada."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml

from eks_karmada.bundled_node import use_bundled_node
from eks_karmada.cli import names
from eks_karmada.cli.access import ParentCluster, caller_identity, karmada_server
from eks_karmada.cli.common import (
    ConfigOption,
    ProfileOption,
    RegionOption,
    StackOption,
    consoles,
    make_clients,
    read_config,
    say,
)
from eks_karmada.cli.errors import CliError, guard
from eks_karmada.config import AppConfig, MemberConfig, SyncMode
from eks_karmada.private_file import write_private
from functions.kube.agent_kubeconfig import agent_kubeconfig, kubeconfig_secret
from functions.kube.connection import read_admin_tls
from functions.kube.errors import SecretNotReadyError

AGENT_NAMESPACE = "karmada-system"
AGENT_KUBECONFIG_KEY = "karmada-kubeconfig"


def _pull_member(config: AppConfig, name: str) -> MemberConfig:
    member = next((m for m in config.members if m.name == name), None)
    if member is None:
        known = ", ".join(m.name for m in config.members) or "none"
        raise CliError(f"no member named {name} in the config (members: {known})")
    if member.sync_mode is not SyncMode.pull:
        raise CliError(f"member {name} uses Push mode: Karmada dials it, there is no agent to install; "
                       "set its sync_mode: Pull to run karmada-agent in it")
    return member


def agent_objects(config: AppConfig, member: MemberConfig, cluster_api_endpoint: str) -> list[dict]:
    """The member-side objects of the agent, as `make synth` renders them into member-<name>.yaml."""
    use_bundled_node()
    import cdk8s  # starts Node: only when a bundle is really built

    from eks_karmada.member_objects import member_chart

    return member_chart(cdk8s.App(), config, member, cluster_api_endpoint).to_json()


def agent_bundle(
    ctx: typer.Context,
    member: Annotated[str, typer.Argument(help="The Pull member (usually kind: external) to build the bundle for.")],
    cluster_api_endpoint: Annotated[
        str,
        typer.Option("--cluster-api-endpoint", help="The member's own API server URL, as Karmada should record it."),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Required: the file to write the bundle to (mode 0600; it holds a "
                                             "private key, so it never goes to standard output)."),
    ] = None,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    stack_name: StackOption = names.PARENT_STACK,
) -> None:
    """Write the karmada-agent bundle of a Pull member to a file: apply it to that cluster with kubectl.

    The bundle is the agent's namespace, ServiceAccount, RBAC, Deployment and PodDisruptionBudget, plus
    the Secret karmada-system/karmada-kubeconfig with the agent's client certificate (issued by
    cert-manager on the parent, read now through the EKS API as your IAM identity) and the Karmada API
    address. It contains a private key, so --output is required: apply the file, then delete it.
    """
    out, err = consoles()
    with guard(err):
        if output is None:
            raise CliError("--output FILE is required: the bundle holds the agent's private key, so it is written "
                           "only to a file (mode 0600), never to standard output")
        cfg = read_config(config)
        target = _pull_member(cfg, member)
        if not cluster_api_endpoint.startswith("https://"):
            raise CliError("--cluster-api-endpoint must be an https:// URL of the member's API server")
        region = region or cfg.parent.region
        clients = make_clients(ctx, profile)
        secret = f"karmada-agent-{target.name}-client"
        with err.status(f"Reading Secret {names.NAMESPACE}/{secret} from {cfg.parent.cluster_name}..."):
            caller = caller_identity(clients, region)
            server = karmada_server(cfg, clients, region, stack_name)
            parent = ParentCluster(clients, cfg, region, caller)
            try:
                with parent.explained(f"read Secret {names.NAMESPACE}/{secret}"):
                    try:
                        tls = read_admin_tls(parent.client, names.NAMESPACE, secret)
                    except SecretNotReadyError as error:
                        raise CliError(f"{error}: deploy the {names.PARENT_STACK} stack with member {target.name} "
                                       "in the config so cert-manager issues the agent's certificate") from None
            finally:
                parent.close()
        kubeconfig = agent_kubeconfig(server, tls.ca_pem, tls.cert_pem, tls.key_pem)
        documents = [*agent_objects(cfg, target, cluster_api_endpoint),
                     kubeconfig_secret(AGENT_NAMESPACE, AGENT_KUBECONFIG_KEY, kubeconfig)]
        text = yaml.safe_dump_all(documents, sort_keys=False, default_flow_style=False)
        write_private(output, text)
        say(err, f"Wrote the karmada-agent bundle of {target.name} to {output} (mode 0600; it holds a private key).")
        say(err, f"Apply it to the member: kubectl --context <member> apply -f {output}; then delete the file.")
