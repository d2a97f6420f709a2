"""The checks every Makefile target runs before it does anything: `python -m eks_karmada.make_guard CHECK`.

- ``config``: the config file loads and validates (synth, scan, diagram, local).
- ``aws``: the config, then AWS credentials (diff, deploy); for deploy, also Docker when it must build the cluster
  guard's image (no ``karmada.cluster_guard.image``).
- ``destroy``: the config, the confirmation (YES=1, or "yes" typed at a terminal after the plan), then AWS
  credentials and, at a terminal, the plan naming the stacks and clusters.

Protocol with the Makefile, which runs this inside ``$(shell ...)`` when the recipe is expanded: stdout holds
one line, the stack concurrency for ``cdk deploy``/``cdk destroy`` (2 x members + 3: every stack of a wave at
once, docs/PERFORMANCE.md) when everything passed (exit 0), or the one-line error (exit 1) that the Makefile
hands to ``$(error ...)``, so make stops with that line alone. The destroy plan and prompt go to stderr, the
answer is read from stdin (make passes its own terminal through).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from eks_karmada.aws_credentials import CredentialsError, Identity, check_credentials, sts_client
from eks_karmada.config import AppConfig, ConfigError, load_config
from eks_karmada.destroy_plan import DestroyPlan

CHECKS = ("config", "aws", "destroy")
YES_VALUES = ("1", "yes", "true")


class GuardError(Exception):
    """A check failed; the message is the one line make prints."""


def concurrency(config: AppConfig) -> int:
    """Stacks that may deploy or destroy at once: the parent, every member and every registration of a wave."""
    return 2 * len(config.members) + 3


@dataclass(kw_only=True)
class Terminal:
    """Where the destroy confirmation talks to a human (tests pass their own)."""

    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    """The answer is read here."""
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    """The plan and the question are written here (stdout belongs to make)."""

    def interactive(self) -> bool:
        try:
            return self.stdin.isatty()
        except (ValueError, OSError):
            return False

    def ask(self, lines: list[str], question: str) -> str:
        for line in lines:
            print(line, file=self.stderr)
        print(question, end="", file=self.stderr, flush=True)
        answer = self.stdin.readline()
        if not answer:
            print(file=self.stderr)
        return answer.strip()


def _load(path: str) -> AppConfig:
    try:
        return load_config(path or None)
    except ConfigError as err:
        # make prints only the last line (GuardError, through $(error)); the others go to stderr first, one each.
        *others, last = err.lines
        for line in others:
            print(f"error: {line}", file=sys.stderr)
        raise GuardError(f"error: {last}") from None


def _credentials(config: AppConfig, sts: Callable[[str], Any], target: str) -> Identity:
    try:
        return check_credentials(sts(config.parent.region))
    except CredentialsError as err:
        raise GuardError(f"error: make {target} needs AWS credentials: {err}") from None


def _docker(config: AppConfig, which: Callable[[str], str | None]) -> None:
    """`cdk deploy` builds karmada-cluster-guard's image with Docker (or CDK_DOCKER) before any stack deploys."""
    if config.karmada.cluster_guard.image is not None:
        return
    command = os.environ.get("CDK_DOCKER") or "docker"
    if which(command) is None:
        raise GuardError(f"error: make deploy builds the karmada-cluster-guard image with {command}, which is not on "
                         "PATH; install Docker (or set CDK_DOCKER to a compatible CLI), or set "
                         "karmada.cluster_guard.image to a prebuilt image")


def _confirm_destroy(config: AppConfig, path: str, yes: str, sts: Callable[[str], Any], terminal: Terminal) -> None:
    plan = DestroyPlan.of(config, path)
    if yes and yes.lower() not in YES_VALUES:
        raise GuardError(f"error: YES={yes} is not a yes; run `make destroy YES=1` to delete {plan.summary()} "
                         "without asking, or `make destroy` at a terminal to confirm")
    if not yes and not terminal.interactive():
        raise GuardError(f"error: make destroy deletes {plan.summary()} and asks first, but no terminal is attached; "
                         "run `make destroy YES=1` to delete without asking")
    identity = _credentials(config, sts, "destroy")
    if yes:
        return
    answer = terminal.ask(plan.lines(identity.account), "Type yes to delete them: ")
    if answer.lower() != "yes":
        raise GuardError("error: make destroy cancelled (the answer was not yes); nothing was deleted")


def run(check: str, config_path: str, *, target: str = "deploy", yes: str = "",
        sts: Callable[[str], Any] = sts_client, terminal: Terminal | None = None,
        which: Callable[[str], str | None] = shutil.which) -> int:
    """Run one check; return the stack concurrency, or raise GuardError with the one line to print."""
    config = _load(config_path)
    if check == "aws":
        if target == "deploy":
            _docker(config, which)
        _credentials(config, sts, target)
    elif check == "destroy":
        _confirm_destroy(config, config_path or "config/default.yaml", yes, sts, terminal or Terminal())
    return concurrency(config)


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eks_karmada.make_guard",
                                     description="The Makefile's pre-checks: config, AWS credentials, destroy.")
    parser.add_argument("check", choices=CHECKS)
    parser.add_argument("--config", default="", help="the config file (make's CONFIG); default config/default.yaml")
    parser.add_argument("--target", default="deploy", help="the make target, named in the error")
    parser.add_argument("--yes", default="", help="make destroy's YES: 1 deletes without asking")
    args = parser.parse_args(argv)
    out = out or sys.stdout
    try:
        print(run(args.check, args.config, target=args.target, yes=args.yes), file=out)
    except GuardError as err:
        print(err, file=out)
        return 1
    except Exception as err:  # a bug here must still end in one line; EKS_KARMADA_DEBUG=1 shows the traceback
        if os.environ.get("EKS_KARMADA_DEBUG"):
            raise
        print(f"error: make's pre-check failed unexpectedly: {type(err).__name__}: {' '.join(str(err).split())} "
              "(EKS_KARMADA_DEBUG=1 shows the traceback)", file=out)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
