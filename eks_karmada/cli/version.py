"""`eks-karmada --version`: this package's version and the upstream versions a config deploys by default."""

from __future__ import annotations

from importlib import metadata
from typing import Annotated

import typer

from eks_karmada.config import Versions

DISTRIBUTION = "eks-karmada"


def package_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed: run make setup)"


def version_lines() -> list[str]:
    """The lines `--version` prints: the package, then the pinned defaults of `versions:` in the config."""
    pinned = Versions()
    return [
        f"{DISTRIBUTION} {package_version()}",
        f"defaults (config versions.*): Karmada {pinned.karmada}, Kubernetes {pinned.kubernetes} (EKS), "
        f"kube-apiserver and kube-controller-manager {pinned.kube_components}, etcd {pinned.etcd}",
    ]


def _print_version(value: bool) -> None:
    if value:
        for line in version_lines():
            typer.echo(line)
        raise typer.Exit()


VersionOption = Annotated[
    bool,
    typer.Option("--version", "-V", is_eager=True, callback=_print_version,
                 help="Print the eks-karmada version and the pinned Karmada, Kubernetes and etcd defaults, then exit."),
]


def root(version: VersionOption = False) -> None:
    # The group's own options (--version); every command is a subcommand.
    del version
