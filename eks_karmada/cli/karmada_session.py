"""How a command reaches the Karmada API: as your IAM identity (like `status`), or with a kubeconfig.

Without --kubeconfig the CA comes from the parent (ConfigMap karmada-system/karmada-ca-bundle) and the command
signs its own IAM tokens for the Karmada cluster id. The kubeconfig path is for places without the parent's EKS
API, or another identity (the local control plane of `make local`): the context's server, CA,
``tls-server-name`` and user, which may run an ``exec`` plugin (as `eks-karmada kubeconfig` writes: `aws eks
get-token`), hold a ``token`` (or ``tokenFile``), or a client certificate and key (embedded ``*-data`` or files).
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from eks_karmada.cli import names
from eks_karmada.cli.access import KarmadaApi, ParentCluster, SignIn, caller_identity, karmada_as_caller
from eks_karmada.cli.common import make_clients
from eks_karmada.cli.errors import CliError
from eks_karmada.cli.exec_credential import ExecPlugin
from eks_karmada.config import AppConfig
from functions.kube.connection import BearerAuth, KarmadaAuth, TlsMaterial

KubeconfigOption = Annotated[
    Path | None,
    typer.Option("--kubeconfig", help="Reach the Karmada API with this kubeconfig (its user may run an exec plugin, "
                                      "as `eks-karmada kubeconfig` writes, hold a token or a client certificate) "
                                      "instead of as your IAM identity through the parent cluster.",
                 show_default=False, dir_okay=False),
]
ContextOption = Annotated[
    str | None,
    typer.Option("--context", help="The kubeconfig context to use.", show_default="its current-context"),
]


def _named(entries: Any, name: str, what: str, path: Path) -> dict:
    for entry in entries or []:
        if isinstance(entry, dict) and entry.get("name") == name and isinstance(entry.get(what), dict):
            return entry[what]
    raise CliError(f"{path}: no {what} named {name!r}; check --context (kubectl --kubeconfig {path} config "
                   "get-contexts)")


def _material(section: dict, key: str, path: Path, what: str) -> bytes:
    """``<key>-data`` (base64) or ``<key>`` (a file, relative to the kubeconfig's folder)."""
    if section.get(f"{key}-data"):
        try:
            return base64.b64decode(section[f"{key}-data"], validate=True)
        except (ValueError, TypeError):
            raise CliError(f"{path}: {key}-data of the {what} is not base64") from None
    if section.get(key):
        file = Path(os.path.expanduser(section[key]))
        file = file if file.is_absolute() else path.parent / file
        try:
            return file.read_bytes()
        except OSError as err:
            raise CliError(f"{path}: cannot read {key} {file} ({err.strerror})") from None
    raise CliError(f"{path}: the {what} has no {key} or {key}-data; add it, or write a context with "
                   "`eks-karmada kubeconfig`")


@dataclass(frozen=True)
class KubeconfigTarget:
    """A kubeconfig context's Karmada API: server, how to sign in, the TLS name, and who, for the messages."""

    server: str
    auth: KarmadaAuth
    server_name: str | None
    sign_in: SignIn


def _user_auth(user: dict, ca_pem: bytes, path: Path, who: str) -> KarmadaAuth:
    """A kubeconfig user's credential: an exec plugin, a token (or token file), or a client certificate."""
    if isinstance(user.get("exec"), dict):
        plugin = ExecPlugin(user["exec"], who, path)
        first = plugin.credential()
        if first.cert_pem is not None and first.key_pem is not None:
            return TlsMaterial(ca_pem=ca_pem, cert_pem=first.cert_pem, key_pem=first.key_pem)
        return BearerAuth(ca_pem=ca_pem, token_provider=plugin)
    if user.get("token") or user.get("tokenFile"):
        token = str(user.get("token") or _material(user, "tokenFile", path, who).decode("utf-8").strip())
        return BearerAuth(ca_pem=ca_pem, token_provider=lambda: token)
    if any(user.get(k) for k in ("client-certificate", "client-certificate-data")):
        return TlsMaterial(ca_pem=ca_pem, cert_pem=_material(user, "client-certificate", path, who),
                           key_pem=_material(user, "client-key", path, who))
    raise CliError(f"{path}: the {who} has no exec, token or client certificate; write a context with "
                   "`eks-karmada kubeconfig`")


def from_kubeconfig(path: Path, context: str | None) -> KubeconfigTarget:
    """The Karmada API of a kubeconfig context (an exec user runs its command now, once)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise CliError(f"{path}: cannot read the kubeconfig ({err.strerror}); check --kubeconfig") from None
    except yaml.YAMLError:
        raise CliError(f"{path} is not valid YAML; check --kubeconfig") from None
    if not isinstance(data, dict):
        raise CliError(f"{path} is not a kubeconfig (no mapping at the top); check --kubeconfig")
    name = context or data.get("current-context")
    if not name:
        raise CliError(f"{path} has no current-context; name one with --context")
    chosen = _named(data.get("contexts"), name, "context", path)
    cluster = _named(data.get("clusters"), chosen.get("cluster", ""), "cluster", path)
    user = _named(data.get("users"), chosen.get("user", ""), "user", path)
    server = cluster.get("server") or ""
    if not server:
        raise CliError(f"{path}: cluster {chosen.get('cluster')!r} has no server")
    ca_pem = _material(cluster, "certificate-authority", path, f"cluster {chosen.get('cluster')!r}")
    who = f"user {chosen.get('user')!r}"
    auth = _user_auth(user, ca_pem, path, f"{who} of {path}")
    return KubeconfigTarget(server, auth, cluster.get("tls-server-name") or None,
                            SignIn(f"context {name!r} of {path}", user=f"{who} of {path}"))


def open_karmada(ctx: typer.Context, cfg: AppConfig, profile: str | None, err, *, kubeconfig: Path | None = None,
                 context: str | None = None) -> KarmadaApi:
    """The Karmada API, from the kubeconfig when one is given, else as the caller's IAM identity."""
    clients = make_clients(ctx, profile)
    if kubeconfig is not None:
        target = from_kubeconfig(kubeconfig, context)
        return KarmadaApi(clients, cfg, target.server, target.auth, target.sign_in, target.server_name)
    if context is not None:
        raise CliError("--context needs --kubeconfig")
    region = cfg.parent.region
    with err.status(f"Connecting to {cfg.parent.cluster_name} in {region}..."):
        parent = ParentCluster(clients, cfg, region, caller_identity(clients, region))
    try:
        with err.status("Reading the Karmada CA and the Karmada API address..."):
            return karmada_as_caller(clients, cfg, parent, names.PARENT_STACK)
    finally:
        parent.close()
