"""`eks-karmada members`: list the members with their Karmada status; add or remove one in a single command.

`add` and `remove` edit the config file in place (ruamel.yaml round trip: comments, order and quoting stay),
after validating the edited config with the app's own loader (nothing is written when it fails), and print
or run (`--run`) the deploy of only the stacks concerned. Removal destroys the member's stacks first, while
the member is still in the config (CDK never deletes a stack that has left the app), then edits the file and
updates the parent; docs/operations.md#add-or-remove-a-member states what Karmada does with the workloads.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from eks_karmada import stack_names
from eks_karmada.cli import names
from eks_karmada.cli.common import ConfigOption, ProfileOption, consoles, read_config, say
from eks_karmada.cli.errors import EXPECTED, CliError, describe, guard
from eks_karmada.cli.karmada_session import open_karmada
from eks_karmada.cli.status import MemberHealth, member_health
from eks_karmada.config import (
    DEFAULT_CONFIG_PATH,
    AppConfig,
    ConfigError,
    MemberConfig,
    MemberKind,
    ParentAccess,
    parse_config,
)
from eks_karmada.member_peering import peered_pairs

ROOT = DEFAULT_CONFIG_PATH.parent.parent
EGRESS_STACK = "KarmadaEgress"
WORKLOADS_STACK = "KarmadaWorkloads"

members_app = typer.Typer(
    name="members",
    help="List the member clusters (with their Karmada status), or add or remove one: the config is edited and "
         "only the stacks concerned are deployed.",
    no_args_is_help=False,
    invoke_without_command=True,
)


# ---- stacks ------------------------------------------------------------------------------------------------


def member_stack(name: str) -> str:
    return f"KarmadaMember-{name}"


def registration_stack(name: str) -> str:
    return f"KarmadaRegistration-{name}"


def member_stacks(member: MemberConfig) -> list[str]:
    """The stacks the app makes for one member (an external member has no KarmadaMember stack)."""
    own = [] if member.kind is MemberKind.external else [member_stack(member.name)]
    return [*own, registration_stack(member.name)]


def peering_stacks(config: AppConfig, member: MemberConfig) -> list[str]:
    """The peering stacks that hold a connection, route or rule of `member`.

    In deploy order: the requesters' KarmadaPeering stacks, then the accepters' KarmadaPeeringRoutes stacks
    (traffic.interconnect vpc_peering), then its KarmadaControlPeering and KarmadaControlPeeringRoutes stacks
    (endpoint.parent_access private).
    """
    pairs = [p for p in peered_pairs(config) if member.name in (p.requester.name, p.accepter.name)]
    requested = [stack_names.peering_stack(p.requester) for p in pairs]
    accepted = [stack_names.peering_routes_stack(p.accepter) for p in pairs]
    control = ([stack_names.control_peering_stack(member), stack_names.control_peering_routes_stack(member)]
               if member.privately_reached else [])
    return list(dict.fromkeys([*requested, *accepted, *control]))


def has_workloads_stack(config: AppConfig) -> bool:
    """Whether the app has a KarmadaWorkloads stack whose content follows the members: the sample's.

    Decided from the config alone: building the workload charts would start jsii in the CLI. With the sample
    off, your own workloads select members themselves: deploy KarmadaWorkloads when you change them.
    """
    return bool(config.members) and config.sample_workload.enabled


def shared_stacks(before: AppConfig, after: AppConfig, member: MemberConfig) -> list[str]:
    """The stacks besides the member's own that change when it joins or leaves.

    KarmadaParent always (the registrar's join-role list; a Pull member's agent certificate), KarmadaEgress when
    the member is in another account (the egress reader trusts it), KarmadaWorkloads when it exists after the
    change (the sample's placement lists every member).
    """
    stacks = [names.PARENT_STACK]
    parent_account = after.parent.account
    if member.account and member.account != parent_account:
        stacks.insert(0, EGRESS_STACK)
    if has_workloads_stack(after):
        stacks.append(WORKLOADS_STACK)
    return stacks


# ---- the config file ---------------------------------------------------------------------------------------


@dataclass
class ConfigFile:
    """A config file loaded for a round trip: comments, key order and quoting survive an edit."""

    path: Path
    document: Any
    yaml: YAML = field(repr=False)

    @classmethod
    def load(cls, path: Path) -> ConfigFile:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise CliError(f"{path}: cannot read the config file ({err.strerror}); check --config") from None
        try:
            _, indent, offset = load_yaml_guess_indent(text)
            yaml = YAML(typ="rt")
            yaml.preserve_quotes = True
            yaml.width = 4096
            # offset 0 (dashes under their key, as yaml.safe_dump writes them) is a guess too, not "none found".
            yaml.indent(mapping=2, sequence=indent or 4, offset=2 if offset is None else offset)
            # Keep an explicit null as `null` (ruamel would write nothing after the colon).
            yaml.representer.add_representer(
                type(None), lambda representer, _: representer.represent_scalar("tag:yaml.org,2002:null", "null"))
            document = yaml.load(text)
        except YAMLError as err:
            raise CliError(f"{path}: not valid YAML ({' '.join(str(err).split())}); fix the syntax") from None
        if document is None:
            document = CommentedMap()
        if not isinstance(document, dict):
            raise CliError(f"{path}: the file must hold a YAML mapping of settings")
        return cls(path, document, yaml)

    @property
    def members(self) -> CommentedSeq:
        if self.document.get("members") is None:
            self.document["members"] = CommentedSeq()
        return self.document["members"]

    def append_member(self, entry: CommentedMap) -> None:
        """Append after the last member, which keeps the blank line or comment that followed it."""
        seq = self.members
        seq.append(entry)
        if len(seq) > 1:
            _move_trailing_comment(seq[-2], entry)

    def remove_member(self, index: int) -> None:
        """Remove one member; the blank line or comment after the last one stays, on the new last one."""
        seq = self.members
        removed = seq[index]
        del seq[index]
        if index == len(seq) and seq:
            _move_trailing_comment(removed, seq[-1])
        # The sample may list it by name (sample_workload.members): a name of no member is a config error.
        sample = self.document.get("sample_workload")
        listed = sample.get("members") if isinstance(sample, dict) else None
        if isinstance(listed, list) and removed.get("name") in listed:
            listed.remove(removed.get("name"))

    def validated(self) -> AppConfig:
        """The edited document through the app's own loader: a ConfigError names what the edit broke."""
        return parse_config(json.loads(json.dumps(self.document)), str(self.path))

    def write(self) -> None:
        buffer = io.StringIO()
        self.yaml.dump(self.document, buffer)
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        temporary.write_text(buffer.getvalue(), encoding="utf-8")
        os.replace(temporary, self.path)


def _move_trailing_comment(source: Any, target: Any) -> None:
    """Ruamel keeps what follows a mapping (blank lines, comments) on its last key: move it to another mapping."""
    if not (isinstance(source, CommentedMap) and isinstance(target, CommentedMap) and source and target):
        return
    source_key, target_key = list(source)[-1], list(target)[-1]
    tail = source.ca.items.pop(source_key, None)
    if tail is not None:
        target.ca.items[target_key] = tail


def _config_path(config: Path | None) -> Path:
    return config or DEFAULT_CONFIG_PATH


# ---- commands to run ---------------------------------------------------------------------------------------


def _in_repository() -> bool:
    return Path.cwd().resolve() == ROOT


def _config_arg(path: Path) -> str:
    """The config path as the steps (run in the repository) must see it."""
    return str(path) if _in_repository() else str(path.resolve())


def make_deploy(path: Path, stacks: list[str]) -> list[str]:
    return ["make", "deploy", f"CONFIG={_config_arg(path)}", f"STACKS={' '.join(stacks)}"]


def cdk_destroy(path: Path, stack: str) -> list[str]:
    return ["npx", "cdk", "destroy", "--exclusively", "--force", "-c", f"config={_config_arg(path)}", stack]


def shown(command: list[str]) -> str:
    """A step as you would type it: make and cdk run in the repository (Makefile, cdk.json)."""
    prefix = "" if _in_repository() or command[0] == "eks-karmada" else f"cd {shlex.quote(str(ROOT))} && "
    return prefix + shlex.join(command)


def run(command: list[str], console) -> None:
    """Run one step in the repository, with the venv's Node and CDK CLI first on PATH, or stop with one line."""
    say(console, f"$ {shown(command)}")
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(ROOT / ".venv" / "bin"), str(ROOT / "node_modules" / ".bin"), env["PATH"]])
    try:
        finished = subprocess.run(command, cwd=ROOT, env=env, check=False)
    except FileNotFoundError as err:
        raise CliError(f"cannot run {command[0]}: {err.strerror}; run `make setup` first") from None
    if finished.returncode != 0:
        raise CliError(f"`{shown(command)}` failed (exit code {finished.returncode}); fix what it printed and "
                       "rerun the same eks-karmada members command")


# ---- list ----------------------------------------------------------------------------------------------------


@members_app.callback()
def members(
    ctx: typer.Context,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    offline: Annotated[bool, typer.Option("--offline", help="List the config only; do not ask the Karmada API.")]
    = False,
) -> None:
    """List the configured members with their Karmada status (the config only when the API is out of reach).

    Status comes from the Karmada API (`cluster.karmada.io/v1alpha1` Clusters), reached like `status` does (your
    IAM identity, signed in as karmada.access.users maps it). Subcommands: `add NAME ...`, `remove NAME`.
    """
    if ctx.invoked_subcommand is not None:
        return
    out, err = consoles()
    with guard(err):
        cfg = read_config(config)
        health: dict[str, MemberHealth] = {}
        note = "not asked (--offline)" if offline else ""
        if not offline:
            try:
                health = {row.name: row for row in _karmada_members(ctx, cfg, profile, err)}
            except EXPECTED as problem:
                note = f"Karmada API not reached: {describe(problem)}"
    out.print(members_table(cfg, health, reached=not note))
    if note:
        say(out, f"Showing the config only. {note}")


def _karmada_members(ctx: typer.Context, cfg: AppConfig, profile: str | None, err) -> list[MemberHealth]:
    karmada = open_karmada(ctx, cfg, profile, err)
    try:
        with err.status(f"Listing member clusters on {karmada.server}..."), karmada.explained("list clusters"):
            return member_health(karmada.client, cfg)
    finally:
        karmada.close()


def members_table(cfg: AppConfig, health: dict[str, MemberHealth], *, reached: bool) -> Table:
    table = Table(title="Members", title_justify="left")
    for column in ("Member", "Kind", "Region", "Sync mode", "Stacks", "Karmada"):
        table.add_column(column, overflow="fold")
    for member in cfg.members:
        row = health.get(member.name)
        karmada = "-" if not reached else (row.note if row else "not registered")
        table.add_row(member.name, member.kind.value, member.region or "-", member.sync_mode.value,
                      ", ".join(member_stacks(member)), karmada)
    for name in sorted(set(health) - {m.name for m in cfg.members}):
        table.add_row(name, "-", "-", health[name].sync_mode or "-", "-", "registered, not in the config")
    return table


# ---- add -----------------------------------------------------------------------------------------------------


@members_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The member's Karmada cluster name (DNS label).", show_default=False)],
    kind: Annotated[MemberKind, typer.Option("--kind", help="new, existing or external.")] = MemberKind.new,
    region: Annotated[str | None, typer.Option("--region", help="AWS region (new and existing).")] = None,
    account: Annotated[str | None, typer.Option("--account", help="AWS account id; default: the parent's.")] = None,
    sync_mode: Annotated[str | None, typer.Option("--sync-mode", help="Push or Pull; default: Push (external: "
                                                                          "Pull).")] = None,
    cluster_name: Annotated[str | None, typer.Option("--cluster-name", help="EKS cluster name (existing: "
                                                                              "required; new: default karmada-NAME).")]
    = None,
    zones: Annotated[str | None, typer.Option("--zones", help="new: two or three AZs, comma-separated; default "
                                                              "<region>a,b,c.")] = None,
    vpc_cidr: Annotated[str | None, typer.Option("--vpc-cidr", help="new: VPC CIDR; default 10.1.0.0/16.")] = None,
    parent_access: Annotated[ParentAccess | None, typer.Option(
        "--parent-access", help="new: private (a VPC peering with the parent's; the default) or public (its "
                                "endpoint admits the parent's NAT addresses: another account's member).")] = None,
    config: ConfigOption = None,
    run_deploy: Annotated[bool, typer.Option("--run", help="Also run the deploy (make deploy STACKS=...).")] = False,
) -> None:
    """Add a member to the config and deploy only its stacks and the ones it changes.

    The config file is edited in place (comments and order kept) only if the edited config is valid. Then the
    command prints `make deploy STACKS=...` with the member's stacks, KarmadaParent, and KarmadaEgress,
    KarmadaWorkloads and the VPC peering stacks it joins when they change; `--run` runs it. Run
    `eks-karmada preflight` first when the member's region or account is new to the deployment (CDK bootstrap,
    quotas).
    """
    out, err = consoles()
    with guard(err):
        path = _config_path(config)
        document = ConfigFile.load(path)
        before = document.validated()
        if any(m.name == name for m in before.members):
            raise CliError(f"{path}: a member named {name} is already in the config; choose another name or remove "
                           f"it first (eks-karmada members remove {name})")
        entry = CommentedMap()
        # The key order of config/default.yaml's members.
        for key, value in (
            ("name", name), ("kind", kind.value), ("region", region), ("account", account),
            ("sync_mode", sync_mode or ("Pull" if kind is MemberKind.external else "Push")),
            ("cluster_name", cluster_name),
            ("availability_zones", None if zones is None else [z.strip() for z in zones.split(",") if z.strip()]),
            ("vpc_cidr", vpc_cidr),
            ("endpoint", None if parent_access is None else CommentedMap(parent_access=parent_access.value)),
        ):
            if value is not None:
                entry[key] = value
        document.append_member(entry)
        try:
            after = document.validated()
        except ConfigError as problem:
            raise CliError(f"not added, {path} is unchanged: {problem}") from None
        member = next(m for m in after.members if m.name == name)
        shared = shared_stacks(before, after, member)
        # In dependency order (cdk deploys --exclusively stacks in that order anyway).
        stacks = [*(s for s in shared if s != WORKLOADS_STACK), *member_stacks(member),
                  *peering_stacks(after, member), *(s for s in shared if s == WORKLOADS_STACK)]
        document.write()
        say(out, f"Added member {name} ({member.kind.value}, {member.region or 'outside AWS'}) to {path}.")
        deploy = make_deploy(path, stacks)
        if member.kind is MemberKind.external:
            say(out, f"After the deploy, apply its agent: eks-karmada agent-bundle {name} --cluster-api-endpoint URL")
        if run_deploy:
            run(deploy, out)
            return
        say(out, "Deploy it (only the stacks concerned):")
        say(out, f"  {shown(deploy)}")


# ---- remove --------------------------------------------------------------------------------------------------


@members_app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="The member to remove.", show_default=False)],
    config: ConfigOption = None,
    run_steps: Annotated[bool, typer.Option("--run", help="Run every step: destroy its stacks, edit the config, "
                                                           "deploy the stacks it changes.")] = False,
    edit_only: Annotated[bool, typer.Option("--edit-only", help="Only edit the config (its stacks are already "
                                                                "destroyed, or were never deployed).")] = False,
) -> None:
    """Unjoin a member: destroy its registration (Karmada unjoins it) and its stack, then drop it from the config.

    Without --run it prints the steps and changes nothing. The registration goes first, while the member is
    still in the config: deleting it deletes the member's Cluster in Karmada, which removes what Karmada
    propagated there and reschedules divided replicas to the other members (docs/operations.md). Then the
    member's peering stacks that leave the app (traffic.interconnect), then its own stack (for a new member its
    VPC and EKS cluster), then the config edit, then the deploy of KarmadaParent (and KarmadaEgress,
    KarmadaWorkloads and the other members' peering stacks when they change).
    """
    out, err = consoles()
    with guard(err):
        path = _config_path(config)
        document = ConfigFile.load(path)
        before = document.validated()
        member = next((m for m in before.members if m.name == name), None)
        if member is None:
            known = ", ".join(m.name for m in before.members) or "none"
            raise CliError(f"{path}: no member named {name} (members: {known})")
        document.remove_member(next(i for i, m in enumerate(document.members) if m.get("name") == name))
        try:
            after = document.validated()
        except ConfigError as problem:
            raise CliError(f"not removed, {path} is unchanged: {problem}") from None
        # Its peering stacks that leave the app go before its VPC; the others lose its connection in the deploy.
        peering = peering_stacks(before, member)
        remaining = set(stack_names.all_stacks(after))
        vanishing = [s for s in reversed(peering) if s not in remaining]
        registration, *cluster = reversed(member_stacks(member))
        destroys = [cdk_destroy(path, stack) for stack in [registration, *vanishing, *cluster]]
        if has_workloads_stack(before) and not has_workloads_stack(after):
            # The last member: the workloads stack leaves the app with it.
            destroys.insert(0, cdk_destroy(path, WORKLOADS_STACK))
        deploy = make_deploy(path, [*shared_stacks(before, after, member),
                                    *(s for s in peering if s in remaining)])
        edit = ["eks-karmada", "members", "remove", name, "--edit-only", "--config", str(path.resolve())
                if not _in_repository() else str(path)]
        if edit_only:
            document.write()
            say(out, f"Removed member {name} from {path}. Update the stacks it changes:")
            say(out, f"  {shown(deploy)}")
            return
        if not run_steps:
            say(out, f"Nothing changed yet. To remove {name}, run in order (or rerun with --run):")
            for number, command in enumerate([*destroys, edit, deploy], 1):
                say(out, f"  {number}. {shown(command)}")
            return
        for command in destroys:
            run(command, out)
        document.write()
        say(out, f"Removed member {name} from {path}.")
        run(deploy, out)
