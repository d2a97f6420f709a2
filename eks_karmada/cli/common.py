"""Options every command shares, the consoles, and the config loader."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from eks_karmada.cli.clients import Clients
from eks_karmada.config import AppConfig, load_config

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        envvar="CONFIG",
        help="Deployment config file (the same YAML `make synth` reads; also $CONFIG).",
        show_default="config/default.yaml",
        dir_okay=False,
    ),
]
ProfileOption = Annotated[
    str | None,
    typer.Option(
        "--profile",
        envvar="AWS_PROFILE",
        help="AWS named profile whose credentials to use (also $AWS_PROFILE); default: the usual AWS credential chain.",
        show_default=False,
    ),
]
RegionOption = Annotated[
    str | None,
    typer.Option(
        "--region",
        help="Region of the parent cluster and its KarmadaParent stack.",
        show_default="parent.region from the config",
    ),
]
StackOption = Annotated[
    str,
    typer.Option("--stack-name", help="CloudFormation stack of the parent, whose outputs name the Karmada API."),
]


def consoles() -> tuple[Console, Console]:
    """(stdout, stderr) consoles, made per run so the terminal width and streams are current."""
    return Console(highlight=False), Console(stderr=True, highlight=False)


def say(console: Console, text: str) -> None:
    """Plain text, never wrapped (commands stay copy-pasteable) and never read as rich markup."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def read_config(path: Path | None) -> AppConfig:
    """The app's own loader: a bad file raises ConfigError with one line."""
    return load_config(path)


def make_clients(ctx: typer.Context, profile: str | None) -> Clients:
    """Clients from the factory in the context (tests put theirs in ``obj``), else the real ones."""
    factory: Any = ctx.find_root().obj or Clients
    return factory(profile)
