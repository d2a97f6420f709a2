"""`eks-karmada kubeconfig`: a kubeconfig context for the Karmada API, merged into your file."""

from __future__ import annotations

import base64
import os
import shlex
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from eks_karmada.cli import names
from eks_karmada.cli.access import KarmadaApi, ParentCluster, caller_identity, karmada_server
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
from eks_karmada.cli.status import CLUSTERS
from functions.kube.connection import TlsMaterial

DEFAULT_KUBECONFIG = "~/.kube/config"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def load_kubeconfig(path: Path) -> dict[str, Any]:
    """The file as a kubeconfig mapping; a missing or empty file is an empty config."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError:
        raise CliError(f"{path} is not valid YAML; fix it or write elsewhere with --kubeconfig PATH") from None
    if not isinstance(data, dict):
        raise CliError(f"{path} is not a kubeconfig (no mapping at the top); write elsewhere with --kubeconfig PATH")
    for key in ("clusters", "users", "contexts"):
        if data.get(key) is None:
            data[key] = []
        if not isinstance(data[key], list):
            raise CliError(f"{path}: '{key}' is not a list; fix the file or write elsewhere with --kubeconfig PATH")
    return data


def _upsert(entries: list, name: str, key: str, value: dict) -> None:
    for entry in entries:
        if isinstance(entry, dict) and entry.get("name") == name:
            entry[key] = value
            return
    entries.append({"name": name, key: value})


def merge_context(data: dict[str, Any], *, context: str, server: str, tls: TlsMaterial,
                  set_current: bool | None) -> dict[str, Any]:
    """Add or replace the cluster, user and context named after ``context``; keep everything else."""
    user = f"{context}-admin"
    data.setdefault("apiVersion", "v1")
    data.setdefault("kind", "Config")
    data.setdefault("preferences", {})
    _upsert(data["clusters"], context, "cluster", {"server": server, "certificate-authority-data": _b64(tls.ca_pem)})
    _upsert(data["users"], user, "user",
            {"client-certificate-data": _b64(tls.cert_pem), "client-key-data": _b64(tls.key_pem)})
    _upsert(data["contexts"], context, "context", {"cluster": context, "user": user})
    if set_current or (set_current is None and not data.get("current-context")):
        data["current-context"] = context
    return data


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically with mode 0600 (a symlink's target is replaced)."""
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(prefix=".kubeconfig-", dir=target.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    os.chmod(target, 0o600)


def shown_path(path: Path) -> str:
    """The path as the user would type it (~ for the home directory)."""
    home = Path.home()
    try:
        return "~/" + str(path.relative_to(home))
    except ValueError:
        return str(path)


def try_commands(path_shown: str, context: str) -> list[str]:
    flag = "" if path_shown == DEFAULT_KUBECONFIG else f" --kubeconfig {shlex.quote(path_shown)}"
    return [
        f"kubectl{flag} --context {context} get clusters",
        f"kubectl{flag} --context {context} get propagationpolicies,clusterpropagationpolicies -A",
        f"kubectl karmada{flag} --karmada-context {context} get deployments -A",
    ]


def kubeconfig(
    ctx: typer.Context,
    config: ConfigOption = None,
    kubeconfig_path: Annotated[
        str,
        typer.Option(
            "--kubeconfig",
            help="Kubeconfig file to merge the context into (created if missing; written with mode 0600).",
        ),
    ] = DEFAULT_KUBECONFIG,
    context: Annotated[
        str,
        typer.Option("--context", help="Name of the context, and of its cluster entry (its user is <context>-admin)."),
    ] = "karmada",
    set_current: Annotated[
        bool | None,
        typer.Option(
            "--set-current/--keep-current",
            help="Make it the current context, or leave the current context alone.",
            show_default="set only when the file has no current context",
        ),
    ] = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    stack_name: StackOption = names.PARENT_STACK,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify/--no-verify", help="Check the new context by listing the Karmada clusters before writing."
        ),
    ] = False,
) -> None:
    """Write a kubeconfig context for the Karmada API.

    The server is the KarmadaParent stack's KarmadaApiEndpoint output (or https://<custom_domain>:443).
    The CA and the admin client certificate are read now from the Secret
    karmada-system/karmada-admin-client on the parent cluster, through the EKS API, as your own
    IAM identity: you need eks:DescribeCluster and an EKS access entry on the parent. Key material
    goes only into the file, never to the terminal.
    """
    out, err = consoles()
    with guard(err):
        cfg = read_config(config)
        if not context.strip():
            raise CliError("--context must not be empty")
        region = region or cfg.parent.region
        path = Path(os.path.expanduser(kubeconfig_path))
        existing = load_kubeconfig(path)  # fail on a broken file before any AWS call
        clients = make_clients(ctx, profile)
        with err.status(f"Looking up the Karmada API and {cfg.parent.cluster_name} in {region}..."):
            caller = caller_identity(clients, region)
            server = karmada_server(cfg, clients, region, stack_name)
            parent = ParentCluster(clients, cfg, region, caller)
        try:
            with err.status(f"Reading Secret {names.NAMESPACE}/{names.ADMIN_CLIENT_SECRET} from {parent.name}..."):
                tls = parent.admin_tls()
        finally:
            parent.close()
        members = None
        if verify:
            karmada = KarmadaApi(clients, cfg, server, tls)
            try:
                with err.status(f"Listing clusters on {server}..."), karmada.explained("list clusters"):
                    members = [c["metadata"]["name"] for c in karmada.client.list(CLUSTERS)]
            finally:
                karmada.close()
        merged = merge_context(existing, context=context, server=server, tls=tls, set_current=set_current)
        write_private(path, yaml.safe_dump(merged, default_flow_style=False, sort_keys=False))

        where = shown_path(path)
        say(out, f"Wrote context {context} to {where} (mode 0600)")
        say(out, f"  server:  {server}")
        say(out, f"  user:    {context}-admin (Karmada admin client certificate from "
                 f"{names.NAMESPACE}/{names.ADMIN_CLIENT_SECRET} on {parent.name})")
        say(out, f"  current: {merged.get('current-context')}")
        if members is not None:
            say(out, f"  verified: the Karmada API answers; {len(members)} member cluster(s) registered"
                + (f": {', '.join(members)}" if members else ""))
        say(out, "Try:")
        for command in try_commands(where, context):
            say(out, f"  {command}")
        say(out, "The certificate is the break-glass admin identity (system:masters): keep the file private; "
                 "run this command again after the certificate is renewed.")
