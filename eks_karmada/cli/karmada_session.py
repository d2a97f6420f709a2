"""How a command reaches the Karmada API: as your IAM identity through the parent (like `status`), or a kubeconfig.

The kubeconfig path is for places without the AWS path (a network that reaches the Karmada API but not the
parent's EKS API, or the local control plane of `make local`): the context's server, CA and client certificate
(embedded ``*-data`` or files), and its ``tls-server-name``. `eks-karmada kubeconfig` writes such a context.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from eks_karmada.cli import names
from eks_karmada.cli.access import KarmadaApi, ParentCluster, caller_identity, karmada_server
from eks_karmada.cli.common import make_clients
from eks_karmada.cli.errors import CliError
from eks_karmada.config import AppConfig
from functions.kube.connection import TlsMaterial

KubeconfigOption = Annotated[
    Path | None,
    typer.Option("--kubeconfig", help="Reach the Karmada API with this kubeconfig (a client-certificate context, as "
                                      "`eks-karmada kubeconfig` writes) instead of through the parent cluster.",
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
    raise CliError(f"{path}: the {what} has no {key}; use a client-certificate context such as the one "
                   "`eks-karmada kubeconfig` writes")


def from_kubeconfig(path: Path, context: str | None) -> tuple[str, TlsMaterial, str | None]:
    """(server, TLS material, TLS server name) of a kubeconfig context."""
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
    tls = TlsMaterial(ca_pem=_material(cluster, "certificate-authority", path, f"cluster {chosen.get('cluster')!r}"),
                      cert_pem=_material(user, "client-certificate", path, f"user {chosen.get('user')!r}"),
                      key_pem=_material(user, "client-key", path, f"user {chosen.get('user')!r}"))
    return server, tls, cluster.get("tls-server-name") or None


def open_karmada(ctx: typer.Context, cfg: AppConfig, profile: str | None, err, *, kubeconfig: Path | None = None,
                 context: str | None = None) -> KarmadaApi:
    """The Karmada API, from the kubeconfig when one is given, else through the parent as the caller."""
    clients = make_clients(ctx, profile)
    if kubeconfig is not None:
        server, tls, server_name = from_kubeconfig(kubeconfig, context)
        return KarmadaApi(clients, cfg, server, tls, server_name)
    if context is not None:
        raise CliError("--context needs --kubeconfig")
    region = cfg.parent.region
    with err.status(f"Connecting to {cfg.parent.cluster_name} in {region}..."):
        parent = ParentCluster(clients, cfg, region, caller_identity(clients, region))
    try:
        with err.status("Reading the admin certificate and the Karmada API address..."):
            tls = parent.admin_tls()
            server = karmada_server(cfg, clients, region, names.PARENT_STACK)
    finally:
        parent.close()
    return KarmadaApi(clients, cfg, server, tls)
