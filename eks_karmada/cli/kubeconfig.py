"""`eks-karmada kubeconfig`: a kubeconfig context for the Karmada API, merged into your file.

The context holds no credential: its user runs `aws eks get-token` for the Karmada cluster id, so whoever uses
it signs in with their own IAM identity, which aws-iam-authenticator maps through karmada.access.users.
"""

from __future__ import annotations

import base64
import os
import re
import shlex
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from eks_karmada.cli import names
from eks_karmada.cli.access import CA_BUNDLE, KarmadaApi, ParentCluster, caller_identity, iam_sign_in, karmada_server
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
from eks_karmada.private_file import write_private

DEFAULT_KUBECONFIG = "~/.kube/config"
EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"
ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")


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


def get_token_user(cluster_id: str, region: str, profile: str | None, role_arn: str | None) -> dict[str, Any]:
    """A kubeconfig user that signs in as whoever runs it: `aws eks get-token` for the Karmada cluster id."""
    args = ["eks", "get-token", "--cluster-name", cluster_id, "--region", region, "--output", "json"]
    if role_arn:
        args += ["--role-arn", role_arn]
    plugin: dict[str, Any] = {"apiVersion": EXEC_API_VERSION, "command": "aws", "args": args}
    if profile:
        plugin["env"] = [{"name": "AWS_PROFILE", "value": profile}]
    plugin["interactiveMode"] = "Never"
    plugin["provideClusterInfo"] = False
    return {"exec": plugin}


def merge_context(data: dict[str, Any], *, context: str, server: str, ca_pem: bytes, user: dict[str, Any],
                  set_current: bool | None) -> list[str]:
    """Add or replace the cluster, user and context named ``context``; keep everything else.

    A ``<context>-admin`` user that earlier versions wrote (the break-glass certificate) is removed once no
    context uses it. Returns the names of the users removed.
    """
    data.setdefault("apiVersion", "v1")
    data.setdefault("kind", "Config")
    data.setdefault("preferences", {})
    _upsert(data["clusters"], context, "cluster", {"server": server, "certificate-authority-data": _b64(ca_pem)})
    _upsert(data["users"], context, "user", user)
    _upsert(data["contexts"], context, "context", {"cluster": context, "user": context})
    if set_current or (set_current is None and not data.get("current-context")):
        data["current-context"] = context
    stale = f"{context}-admin"
    used = {(entry.get("context") or {}).get("user") for entry in data["contexts"] if isinstance(entry, dict)}
    removed = [entry.get("name") for entry in data["users"] if isinstance(entry, dict) and entry.get("name") == stale
               and stale not in used and "client-key-data" in (entry.get("user") or {})]
    data["users"] = [entry for entry in data["users"] if not (isinstance(entry, dict) and entry.get("name") in removed)]
    return [str(name) for name in removed]


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
        typer.Option("--context", help="Name of the context, and of its cluster and user entries."),
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
    role_arn: Annotated[
        str | None,
        typer.Option("--role-arn", help="Make the context assume this IAM role for its tokens (aws eks get-token "
                                        "--role-arn); the role must be in karmada.access.users.", show_default=False),
    ] = None,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify/--no-verify", help="Check the new context by listing the Karmada clusters before writing "
                                         "(as your own IAM identity, without --role-arn)."
        ),
    ] = False,
) -> None:
    """Write a kubeconfig context for the Karmada API that holds no secret: you sign in as your IAM identity.

    The server is the KarmadaParent stack's KarmadaApiEndpoint output (or https://<custom_domain>:443).
    The Karmada CA (public) is read now from the ConfigMap karmada-system/karmada-ca-bundle on the
    parent cluster, through the EKS API, as your own IAM identity: you need eks:DescribeCluster and
    an EKS access entry on the parent. The context's user runs `aws eks get-token` for the Karmada
    cluster id (<parent.cluster_name>-karmada) whenever kubectl needs a token, with --profile as
    AWS_PROFILE and --role-arn passed on; what that identity may do is decided by
    karmada.access.users (and parent.admin_role_arns).
    """
    out, err = consoles()
    with guard(err):
        cfg = read_config(config)
        if not context.strip():
            raise CliError("--context must not be empty")
        if role_arn is not None and not ROLE_ARN.fullmatch(role_arn):
            raise CliError(f"--role-arn: {role_arn!r} is not an IAM role ARN; use arn:aws:iam::<account>:role/<name>")
        region = region or cfg.parent.region
        path = Path(os.path.expanduser(kubeconfig_path))
        existing = load_kubeconfig(path)  # fail on a broken file before any AWS call
        clients = make_clients(ctx, profile)
        with err.status(f"Looking up the Karmada API and {cfg.parent.cluster_name} in {region}..."):
            caller = caller_identity(clients, region)
            server = karmada_server(cfg, clients, region, stack_name)
            parent = ParentCluster(clients, cfg, region, caller)
        try:
            with err.status(f"Reading {CA_BUNDLE} from {parent.name}..."):
                ca_pem = parent.karmada_ca()
        finally:
            parent.close()
        members = None
        if verify:
            auth, sign_in = iam_sign_in(clients, cfg, region, caller, ca_pem)
            karmada = KarmadaApi(clients, cfg, server, auth, sign_in)
            try:
                with err.status(f"Listing clusters on {server}..."), karmada.explained("list clusters"):
                    members = [c["metadata"]["name"] for c in karmada.client.list(CLUSTERS)]
            finally:
                karmada.close()
        user = get_token_user(cfg.karmada_cluster_id, region, profile, role_arn)
        removed = merge_context(existing, context=context, server=server, ca_pem=ca_pem, user=user,
                                set_current=set_current)
        write_private(path, yaml.safe_dump(existing, default_flow_style=False, sort_keys=False))

        where = shown_path(path)
        say(out, f"Wrote context {context} to {where} (mode 0600)")
        say(out, f"  server:  {server}")
        say(out, f"  CA:      {CA_BUNDLE} on {parent.name}")
        say(out, f"  user:    {context} (aws eks get-token --cluster-name {cfg.karmada_cluster_id} --region {region}"
                 + (f" --role-arn {role_arn}" if role_arn else "") + (f", AWS_PROFILE={profile}" if profile else "")
                 + ")")
        say(out, f"  current: {existing.get('current-context')}")
        for name in removed:
            say(out, f"  removed: user {name} (the admin certificate earlier versions wrote)")
        if members is not None:
            say(out, f"  verified: the Karmada API answers; {len(members)} member cluster(s) registered"
                + (f": {', '.join(members)}" if members else ""))
        say(out, "Try:")
        for command in try_commands(where, context):
            say(out, f"  {command}")
        say(out, "The context holds no secret and may be shared: each person signs in as their own IAM identity, "
                 "and karmada.access.users decides who gets in and with which groups.")
        say(out, "HTTP 401 (Unauthorized): the identity is not in karmada.access.users (nor parent.admin_role_arns); "
                 "ask an admin to add it and redeploy.")
        say(out, "HTTP 403 (Forbidden): signed in, but its groups lack that right; ask for eks-karmada:editors or "
                 "eks-karmada:admins.")
