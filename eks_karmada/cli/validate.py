"""`eks-karmada validate`: the config and every workload chart checked as synth checks them, without a synth."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

from eks_karmada.bundled_node import use_bundled_node
from eks_karmada.cli.common import ConfigOption, consoles, say
from eks_karmada.cli.errors import EXIT_ERROR, guard
from eks_karmada.config import DEFAULT_CONFIG_PATH, AppConfig, ConfigError, load_config

if TYPE_CHECKING:
    import cdk8s


def validate(
    config_file: Annotated[
        Path | None,
        typer.Argument(
            metavar="CONFIG", help="Config file to check; default: --config, $CONFIG, then config/default.yaml.",
            dir_okay=False, show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Check the config and the workloads as `make synth` would, and print every error, one line each.

    Builds the workload charts (the sample and the modules in workloads.modules) and checks each object,
    then the workloads against the config and each other: cluster names in policies are members,
    namespaces exist or are created, resource selectors select an object, no object is defined twice.
    No CDK app is synthesized and nothing talks to AWS. Exit 0 with a summary, or 1 with the errors.
    """
    out, err = consoles()
    path = config_file or config or DEFAULT_CONFIG_PATH
    with guard(err):
        try:
            cfg = load_config(path)
        except ConfigError as error:
            _fail(err, str(error).splitlines())
        for note in cfg.warnings():
            say(err, f"warning: {note}")
        use_bundled_node()
        import cdk8s  # starts Node: only once the config is good

        from eks_karmada.workload_checks import WorkloadError
        from eks_karmada.workload_sources import checked_charts

        try:
            charts = checked_charts(cdk8s.App(), cfg)
        except WorkloadError as error:
            _fail(err, list(error.problems))
        say(out, f"OK: {_shown(path)}: {_members(cfg)}; {_charts(charts)}")


def _fail(err: Console, lines: list[str]) -> NoReturn:
    for line in lines:
        say(err, f"error: {line.removeprefix('error: ')}")
    raise typer.Exit(EXIT_ERROR)


def _shown(path: Path) -> str:
    """The path as the user would type it: relative to the current directory when it is below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _members(config: AppConfig) -> str:
    if not config.members:
        return "no members"
    listed = ", ".join(f"{m.name} ({m.kind.value}, {m.sync_mode.value})" for m in config.members)
    return f"{len(config.members)} member{'s' if len(config.members) != 1 else ''}: {listed}"


def _charts(charts: list[cdk8s.Chart]) -> str:
    if not charts:
        return "no workload charts"
    listed = ", ".join(f"{chart.node.id} ({len(chart.to_json())} objects)" for chart in charts)
    return f"{len(charts)} workload chart{'s' if len(charts) != 1 else ''}: {listed}"
