"""One checker per program the docs run.

Each returns the problems it found in one command (an empty list when the command is right): make targets exist, the
CDK and checkov CLIs know the subcommands and flags, `eks-karmada` and `python -m` parse with the real code, kubectl
names only namespaces, resources, labels and containers our manifests render, aws calls are real operations with real
parameters naming our stacks, outputs and clusters, and openssl knows its flags.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from tests.docs.shell import PLACEHOLDER, ROOT, SUBST, SimpleCommand
from tests.docs.targets import CLUSTER_SCOPED, KINDS, Target

# Programs that only shape text or the shell: nothing of ours to check in them.
UTILITIES = {"grep", "jq", "head", "date", "echo", "cat", "base64", "sort", "sleep", "export", "source", "cd",
             "test", "true", "diff", "tee", "wc", "cut", "rm"}


def is_variable(value: str) -> bool:
    """A value the reader or an earlier command supplies: $VAR, $(...), <placeholder>."""
    return value.startswith("$") or SUBST in value or PLACEHOLDER in value


@dataclass
class World:
    """Everything the checks compare against, built once per session."""

    config: object
    templates: dict[str, dict]
    targets: dict[str, Target]
    outdir: Path
    commands: list[SimpleCommand] = field(default_factory=list)  # every documented command, in doc order
    cdk_help: dict[str, str] = field(default_factory=dict)
    checkov_help: str | None = None

    @cached_property
    def makefile(self) -> tuple[set[str], set[str]]:
        text = (ROOT / "Makefile").read_text(encoding="utf-8")
        targets = {m.group(1) for m in re.finditer(r"^([A-Za-z][\w.-]*):(?!=)", text, re.M)}
        variables = {m.group(1) for m in re.finditer(r"^([A-Z_][A-Z0-9_]*)\s*[?:]?=", text, re.M)}
        return targets, variables

    def written_before(self, cmd: SimpleCommand) -> set[str]:
        """Files that earlier commands of the same doc write."""
        if cmd.origin is None:
            return set()
        earlier = [c for c in self.commands if c.origin and c.origin.path == cmd.origin.path
                   and c.origin.line < cmd.origin.line]
        return files_written(earlier)

    @property
    def regions(self) -> set[str]:
        return {self.config.parent.region} | {m.region for m in self.config.members if m.region}

    @property
    def clusters(self) -> dict[str, str]:
        """EKS cluster name -> region (the parent and every new or existing member)."""
        out = {self.config.parent.cluster_name: self.config.parent.region}
        out.update({m.eks_cluster_name: m.region for m in self.config.members if m.region})
        return out

    def outputs(self, stack: str) -> set[str]:
        return set(self.templates.get(stack, {}).get("Outputs", {}))

    def logical_ids(self, stack: str) -> set[str]:
        return set(self.templates.get(stack, {}).get("Resources", {}))


# ------------------------------------------------------------------------------------- make, cdk


def check_make(cmd: SimpleCommand, world: World) -> list[str]:
    targets, variables = world.makefile
    problems = [f"make target '{t}' is not in the Makefile" for t in cmd.argv[1:]
                if not t.startswith("-") and "=" not in t and t not in targets]
    problems += [f"'{name}=' is not a Makefile variable" for name in cmd.assignments if name not in variables]
    if len(cmd.argv) < 2 and ".DEFAULT_GOAL" not in (ROOT / "Makefile").read_text():
        problems.append("make without a target")
    return problems


def cdk_subcommands() -> list[str]:
    """Subcommands the docs use, for CDK help pages fetched up front."""
    from tests.docs.shell import all_commands

    used = set()
    for cmd in all_commands():
        argv = cmd.argv[1:] if cmd.program == "npx" else cmd.argv
        if argv and argv[0] == "cdk":
            words = [a for a in argv[1:] if not a.startswith("-") and "=" not in a]
            if words:
                used.add(words[0])
    return sorted(used | {"deploy", "destroy"})


def cdk_help_pages(subcommands: list[str]) -> dict[str, str]:
    cdk = ROOT / "node_modules" / ".bin" / "cdk"
    if not cdk.exists():
        return {}

    def page(sub: str) -> tuple[str, str]:
        env = {**os.environ, "CDK_DISABLE_CLI_TELEMETRY": "true"}
        out = subprocess.run([str(cdk), "--no-notices", *([sub] if sub else []), "--help"], capture_output=True,
                             text=True, timeout=120, cwd=ROOT, env=env)
        return sub, out.stdout + out.stderr

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(page, ["", *subcommands]))


def _flags_in_help(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", text))


def check_cdk(cmd: SimpleCommand, world: World) -> list[str]:
    argv = cmd.argv[1:] if cmd.program == "npx" else cmd.argv
    if not argv or argv[0] != "cdk":
        return [f"npx runs only the pinned CDK CLI here, not {argv[:1]}"]
    if not world.cdk_help:
        return ["node_modules/.bin/cdk is missing: run make setup"]
    words = [a for a in argv[1:] if not a.startswith("-")]
    sub = words[0] if words else ""
    commands = re.findall(r"^\s+cdk (\w[\w-]*)", world.cdk_help[""], re.M)
    if sub not in commands:
        return [f"'cdk {sub}' is not a CDK CLI command ({', '.join(commands)})"]
    if sub not in world.cdk_help:
        return [f"no help page of 'cdk {sub}' was fetched (tests/docs/checks.py cdk_subcommands)"]
    known = _flags_in_help(world.cdk_help[sub])
    problems = []
    args = argv[1:]
    for index, arg in enumerate(args):
        if arg.startswith("-"):
            flag = arg.split("=", 1)[0]
            if flag not in known:
                problems.append(f"'cdk {sub}' has no flag {flag}")
            if flag in ("-c", "--context"):
                value = arg.split("=", 1)[1] if "=" in arg else args[index + 1]
                key, _, path = value.partition("=")
                if key != "config":
                    problems.append(f"context {key} is not read by app.py (only config=)")
                elif not (path.startswith("path/to/") or (ROOT / path).exists() or is_variable(path)):
                    problems.append(f"config file {path} does not exist")
    stacks = set(world.templates)
    if sub == "bootstrap":
        for word in words[1:]:
            match = re.fullmatch(r"aws://([^/]+)/([a-z0-9-]+)", word)
            if not match:
                problems.append(f"cdk bootstrap {word}: give environments as aws://ACCOUNT/REGION")
            elif not (is_variable(match.group(1)) or re.fullmatch(r"\d{12}", match.group(1))):
                problems.append(f"cdk bootstrap {word}: the account is 12 digits or $ACCOUNT")
            elif match.group(2) not in world.regions:
                problems.append(f"cdk bootstrap {word}: no stack of config/default.yaml deploys to {match.group(2)}")
        return problems
    for word in words[1:]:
        if "=" in word or word in args and args[args.index(word) - 1] in ("-c", "--context"):
            continue
        if not is_variable(word) and not fnmatch.filter(stacks, word):
            problems.append(f"no synthesized stack matches {word} ({', '.join(sorted(stacks))})")
    return problems


# ------------------------------------------------------------------------------------- our CLIs


def check_eks_karmada(cmd: SimpleCommand, world: World, args: list[str] | None = None) -> list[str]:
    import typer
    from typer import _click as click  # typer 0.29 vendors click
    from typer.testing import CliRunner

    from eks_karmada.cli.main import app

    args = cmd.argv[1:] if args is None else args
    group = typer.main.get_command(app)
    if not args or args[0] in ("--help", "-h"):
        return []
    sub_name, rest = args[0], args[1:]
    sub = getattr(group, "commands", {}).get(sub_name)
    if sub is None:
        return [f"eks-karmada has no command {sub_name}"]
    # A command group (`members add NAME`): its subcommand, when one is named.
    while rest and getattr(sub, "commands", None) and rest[0] in sub.commands:
        sub_name, sub, rest = f"{sub_name} {rest[0]}", sub.commands[rest[0]], rest[1:]
    result = CliRunner().invoke(app, [*sub_name.split(), "--help"])
    if result.exit_code != 0:
        return [f"eks-karmada {sub_name} --help exits {result.exit_code}"]
    options = {o for p in sub.params for o in (*p.opts, *p.secondary_opts)} | {"--help", "-h"}
    problems = [f"eks-karmada {sub_name} has no option {a.split('=')[0]}" for a in rest
                if a.startswith("-") and a.split("=")[0] not in options]
    if problems:
        return problems
    if "--help" in rest or "-h" in rest:
        return []
    try:
        ctx = sub.make_context(sub_name, list(rest), resilient_parsing=True)
    except click.ClickException as err:
        return [f"eks-karmada {sub_name}: {err.format_message()}"]
    if ctx.args:
        problems.append(f"eks-karmada {sub_name}: unexpected arguments {ctx.args}")
    for param in sub.params:
        if param.required and ctx.params.get(param.name) in (None, ()):
            problems.append(f"eks-karmada {sub_name}: required {param.opts[0]} missing")
    member = ctx.params.get("member")
    if member and not is_variable(member) and member not in {m.name for m in world.config.members} \
            and "--config" not in rest and "-c" not in rest:
        problems.append(f"eks-karmada {sub_name}: no member {member} in config/default.yaml")
    return problems


def _argparse(parser_factory: Callable) -> Callable[[list[str]], list[str]]:
    def check(args: list[str]) -> list[str]:
        import contextlib
        import io

        stream = io.StringIO()
        try:
            with contextlib.redirect_stderr(stream), contextlib.redirect_stdout(io.StringIO()):
                parser_factory().parse_args(args)
        except SystemExit as exit_:
            if exit_.code:
                return [stream.getvalue().strip().splitlines()[-1] if stream.getvalue() else f"exit {exit_.code}"]
        return []
    return check


def _etcd_backup_parser():
    from charts.etcd_backup.cli import _parser

    return _parser()


def _diagram_parser():
    from eks_karmada.diagram import parser

    return parser()


def _karmada_crds_parser():
    from eks_karmada.karmada_crds import parser

    return parser()


def _image_digests_parser():
    from eks_karmada.image_digests import parser

    return parser()


def _no_args(args: list[str]) -> list[str]:
    return [f"takes no arguments, got {args}"] if args else []


def _dirs(args: list[str]) -> list[str]:
    return [f"{a} is not a directory a synth writes" for a in args if a != "cdk.out" and not (ROOT / a).is_dir()]


def _pytest(args: list[str]) -> list[str]:
    known = {"--snapshot-update", "-q", "-x", "-k", "-n", "--lf", "-v"}
    return [f"pytest option {a} is not one this repo documents" for a in args
            if a.startswith("-") and a not in known] + [
        f"{a} does not exist" for a in args if not a.startswith("-") and "/" in a and not (ROOT / a).exists()]


def _config_file(args: list[str]) -> list[str]:
    """At most one argument, a config file of the repository (or one the reader supplies)."""
    if len(args) > 1:
        return [f"takes at most one config file, got {args}"]
    return [f"{a} does not exist" for a in args if not is_variable(a) and not (ROOT / a).is_file()]


PYTHON_MODULES: dict[str, Callable[[list[str]], list[str]]] = {
    "charts.etcd_backup": _argparse(_etcd_backup_parser),
    "eks_karmada.diagram": _argparse(_diagram_parser),
    "eks_karmada.config_docs": _no_args,
    "eks_karmada.mirrors": _config_file,
    "eks_karmada.image_digests": _argparse(_image_digests_parser),
    "eks_karmada.karmada_crds": _argparse(_karmada_crds_parser),
    "tests.cli.doc_examples": _no_args,
    "tests.security.checkov_gate": _dirs,
    "pytest": _pytest,
}


def check_python(cmd: SimpleCommand, world: World) -> list[str]:
    import importlib.util

    args = cmd.argv[1:]
    if len(args) < 2 or args[0] != "-m":
        return ["run Python code as `python -m <module>` in the docs"]
    module, rest = args[1], args[2:]
    if importlib.util.find_spec(module) is None:
        return [f"no module {module}"]
    if module == "eks_karmada.cli":
        return check_eks_karmada(cmd, world, rest)
    checker = PYTHON_MODULES.get(module)
    if checker is None:
        return [f"python -m {module}: add how to check its arguments to tests/docs/checks.py"]
    return checker(rest)


def check_go(cmd: SimpleCommand) -> list[str]:
    """The docs use Go only to fetch an upstream module into the module cache (eks_karmada/karmada_crds.py)."""
    from eks_karmada.karmada_crds import MODULE

    args = cmd.argv[1:]
    if args[:2] != ["mod", "download"] or len(args) != 3:
        return [f"only `go mod download <module>@<version>` is documented, not {shlex.join(cmd.argv)}"]
    module, _, version = args[2].partition("@")
    if module != MODULE or not re.fullmatch(r"v\d+\.\d+\.\d+", version):
        return [f"{args[2]} is not {MODULE}@<release>"]
    return []


def check_checkov(cmd: SimpleCommand, world: World) -> list[str]:
    pinned = (ROOT / "scan" / "requirements-checkov.txt").read_text()
    if not re.search(r"^checkov==", pinned, re.M):
        return ["checkov is not pinned in scan/requirements-checkov.txt"]
    if cmd.program != ".venv-scan/bin/checkov":
        return ["run checkov from .venv-scan/bin (make scan-setup)"]
    if world.checkov_help is None:
        return []  # .venv-scan absent: make test always creates it, so CI checks the flags
    known = _flags_in_help(world.checkov_help)
    return [f"checkov has no flag {a}" for a in cmd.argv[1:] if a.startswith("-") and a.split("=")[0] not in known]


# ------------------------------------------------------------------------------------- kubectl

# Flags that take a value (as the next word when not written --flag=value), by verb; "*" for all verbs.
_KUBECTL_VALUE = {
    "*": {"-n", "--namespace", "--context", "--kubeconfig", "--request-timeout"},
    "get": {"-o", "--output", "-l", "--selector", "--field-selector", "--sort-by", "-L", "--label-columns"},
    "describe": {"-l", "--selector"},
    "logs": {"-c", "--container", "-l", "--selector", "--since", "--tail", "--max-log-requests"},
    "exec": {"-c", "--container"},
    "apply": {"-f", "--filename", "--field-manager"},
    "replace": {"-f", "--filename"},
    "delete": {"-l", "--selector", "-f", "--filename", "--cascade"},
    "patch": {"--type", "-p", "--patch"},
    "scale": {"--replicas"},
    "rollout": {"--timeout"},
    "wait": {"--for", "--timeout", "-l", "--selector"},
    "create": {"--from"},
    "annotate": set(),
    "top": {"-l", "--selector"},
    "auth": {"--as"},
}
_KUBECTL_BOOL = {
    "*": set(),
    "get": {"-A", "--all-namespaces", "-w", "--watch", "--show-labels", "--ignore-not-found"},
    "describe": {"-A", "--all-namespaces"},
    "logs": {"--all-containers", "--prefix", "-f", "--follow", "--previous", "--timestamps"},
    "exec": {"-i", "-t", "-it", "--stdin", "--tty"},
    "apply": {"--server-side", "--force-conflicts"},
    "replace": set(),
    "delete": {"--all", "--ignore-not-found", "--wait"},
    "patch": set(),
    "scale": set(),
    "rollout": {"-w", "--watch"},
    "wait": {"--all", "-A", "--all-namespaces"},
    "create": set(),
    "annotate": {"--overwrite"},
    "top": {"-A", "--all-namespaces", "--containers"},
    "auth": set(),
}


@dataclass
class KubectlCall:
    verb: str
    words: list[str]
    flags: dict[str, str]  # flag -> value ("" for booleans)
    after_dashdash: list[str]


def parse_kubectl(argv: list[str]) -> KubectlCall | str:
    args = argv[1:]
    verb = next((a for i, a in enumerate(args) if not a.startswith("-")
                 and (i == 0 or args[i - 1].split("=")[0] not in _KUBECTL_VALUE["*"])), None)
    if verb is None or verb not in _KUBECTL_VALUE:
        return f"kubectl verb {verb!r} is not one the checks know: add it to tests/docs/checks.py"
    value_flags = _KUBECTL_VALUE["*"] | _KUBECTL_VALUE[verb]
    bool_flags = _KUBECTL_BOOL["*"] | _KUBECTL_BOOL[verb]
    words, flags, index, dashdash = [], {}, 0, []
    while index < len(args):
        arg = args[index]
        if arg == "--":
            dashdash = args[index + 1:]
            break
        if arg.startswith("-") and arg != "-":
            name, eq, value = arg.partition("=")
            if name in value_flags:
                if not eq:
                    index += 1
                    value = args[index] if index < len(args) else ""
                flags[name] = value
            elif name in bool_flags:
                flags[name] = value
            else:
                return f"kubectl {verb} has no flag {name} (or add it to tests/docs/checks.py if it does)"
        elif not (arg == verb and verb not in words and not words):
            words.append(arg)
        index += 1
    return KubectlCall(verb, words, flags, dashdash)


def _selector(text: str) -> dict[str, str] | str:
    out = {}
    for part in text.split(","):
        key, eq, value = part.partition("=")
        if not eq or not key:
            return f"label selector {text!r}: only key=value terms are checked here"
        out[key] = value
    return out


def _kind(word: str) -> str | None:
    return KINDS.get(word.lower().split(".")[0])


def check_kubectl(cmd: SimpleCommand, world: World) -> list[str]:
    call = parse_kubectl(cmd.argv)
    if isinstance(call, str):
        return [call]
    if call.verb == "apply" or call.verb == "replace":
        files = [call.flags.get("-f") or call.flags.get("--filename") or ""]
        written = world.written_before(cmd)
        return [f"kubectl {call.verb} -f {f}: no earlier command in this doc writes it and it is not in the repo"
                for f in files if f != "-" and not is_variable(f) and not (ROOT / f).exists() and f not in written]
    context = call.flags.get("--context")
    if context is None:
        target = world.targets[world.config.parent.cluster_name]  # the docs' default: the parent cluster
    elif is_variable(context):
        target = None
    elif context in world.targets:
        target = world.targets[context]
    else:
        return [f"--context {context}: the docs' contexts are {', '.join(sorted(world.targets))} "
                "(eks-karmada kubeconfig writes `karmada`; aws eks update-kubeconfig --alias names the others)"]
    namespace = call.flags.get("-n") or call.flags.get("--namespace")
    targets = [target] if target else [t for t in world.targets.values()]
    problems: list[str] = []
    for candidate in targets:
        found = _check_call(call, candidate, namespace)
        if not found:
            return []
        problems = found
    return problems


def _resources(call: KubectlCall) -> tuple[list[tuple[str, str | None]], list[str]]:
    """(kind word, name or None) pairs from the positional words, per the verb's grammar."""
    words = call.words
    if call.verb == "rollout":
        if not words or words[0] not in ("status", "restart", "history", "undo", "pause", "resume"):
            return [], [f"kubectl rollout {words[:1]}: unknown subcommand"]
        words = words[1:]
    if call.verb == "create":
        if not words or words[0] != "job" or "--from" not in call.flags:
            return [], ["kubectl create: only `create job NAME --from=cronjob/NAME` is checked here"]
        kind, _, name = call.flags["--from"].partition("/")
        return [(kind, name)], []
    if call.verb in ("auth",):
        return [], []
    pairs: list[tuple[str, str | None]] = []
    if call.verb in ("logs", "exec"):
        if not words:
            return [], [] if ("-l" in call.flags or "--selector" in call.flags) else [f"kubectl {call.verb}: no pod"]
        first = words[0]
        if "/" in first:
            kind, _, name = first.partition("/")
            return [(kind, name)], []
        return [("pod", first)], []
    if not words:
        return [], [f"kubectl {call.verb}: no resource type"]
    if "/" in words[0]:
        for word in words:
            kind, _, name = word.partition("/")
            pairs.append((kind, name))
        return pairs, []
    kinds = words[0].split(",")
    names = words[1:]
    for kind in kinds:
        if names:
            pairs += [(kind, name) for name in names]
        else:
            pairs.append((kind, None))
    return pairs, []


def _check_call(call: KubectlCall, target: Target, namespace: str | None) -> list[str]:
    problems: list[str] = []
    where = f"on {target.name}"
    if namespace and not is_variable(namespace) and namespace not in target.namespaces:
        problems.append(f"namespace {namespace} does not exist {where}")
    pairs, errors = _resources(call)
    problems += errors
    selector_text = call.flags.get("-l") or call.flags.get("--selector")
    selector = _selector(selector_text) if selector_text else None
    if isinstance(selector, str):
        return problems + [selector]
    if call.verb in ("logs", "exec") and not pairs and selector is not None:
        pairs = [("pod", None)]
    for word, name in pairs:
        kind = _kind(word)
        if kind is None:
            problems.append(f"resource type {word!r} is not one the checks know (tests/docs/targets.py KINDS)")
            continue
        if not target.serves(kind):
            problems.append(f"{kind} is not served {where}")
            continue
        if call.verb == "create" and kind != "CronJob":
            problems.append("kubectl create job --from must name a cronjob")
        ns = None if kind in CLUSTER_SCOPED else (namespace or "default")
        if name is not None and not is_variable(name):
            if not target.find(kind, name, ns):
                problems.append(f"no {kind} {name}" + (f" in namespace {ns}" if ns else "") + f" {where}")
            elif "-c" in call.flags or "--container" in call.flags:
                container = call.flags.get("-c") or call.flags.get("--container")
                objects = target.find(kind, name, ns)
                if not any(container in o.containers for o in objects):
                    problems.append(f"{kind} {name} has no container {container} {where}")
        if selector is not None:
            if not target.with_labels(kind, selector, ns if not call.flags.get("-A") else None):
                problems.append(f"no {kind} labelled {selector_text}" + (f" in {ns}" if ns else "") + f" {where}")
        if name is None and selector is None and kind not in CLUSTER_SCOPED and ns and call.verb in ("get",) \
                and not call.flags.keys() & {"-A", "--all-namespaces"}:
            if not any(o.kind == kind and o.namespace == ns for o in target.objects) and kind not in (
                    "Event", "Pod", "EndpointSlice", "Job", "ResourceBinding", "Work"):
                problems.append(f"no {kind} at all in namespace {ns} {where}")
    return problems


def check_kubectl_karmada(cmd: SimpleCommand, world: World) -> list[str]:
    """`kubectl karmada` (the karmadactl plugin): get/describe against the Karmada API or the members."""
    args = cmd.argv[2:]
    value_flags = {"--karmada-context", "--kubeconfig", "-n", "--namespace", "-o", "--output", "-l", "--selector",
                   "--operation-scope", "-C", "--cluster", "--clusters"}
    bool_flags = {"-A", "--all-namespaces"}
    words, flags, index = [], {}, 0
    while index < len(args):
        arg = args[index]
        name, eq, value = arg.partition("=")
        if arg.startswith("-"):
            if name in value_flags:
                if not eq:
                    index += 1
                    value = args[index]
                flags[name] = value
            elif name not in bool_flags:
                return [f"kubectl karmada: flag {name} is not one the checks know"]
            else:
                flags[name] = ""
        else:
            words.append(arg)
        index += 1
    if not words or words[0] not in ("get", "describe"):
        return [f"kubectl karmada {words[:1]}: only get and describe are checked here"]
    context = flags.get("--karmada-context")
    if context != "karmada":
        return ["kubectl karmada needs --karmada-context karmada (the context eks-karmada kubeconfig writes)"]
    scope = flags.get("--operation-scope", "karmada")
    if scope not in ("karmada", "members", "all"):
        return [f"--operation-scope {scope}: karmada, members or all"]
    call = KubectlCall("get", words[1:], {k: v for k, v in flags.items()
                                         if k in ("-n", "--namespace", "-l", "--selector", "-A")}, [])
    namespace = flags.get("-n") or flags.get("--namespace")
    if scope == "karmada":
        return _check_call(call, world.targets["karmada"], namespace)
    cluster = flags.get("-C") or flags.get("--cluster") or flags.get("--clusters")
    members = [m.name for m in world.config.members]
    if cluster and cluster not in members:
        return [f"--cluster {cluster} is not a member ({', '.join(members)})"]
    problems: list[str] = []
    for member in [cluster] if cluster else members:
        problems += _check_call(call, world.targets[member], namespace)
    return problems


# ------------------------------------------------------------------------------------- aws

_AWS_GLOBAL = {"--region", "--profile", "--output", "--query", "--no-cli-pager", "--cli-binary-format"}
_AWS_CUSTOM = {
    ("eks", "update-kubeconfig"): {"--name", "--alias", "--role-arn", "--kubeconfig", "--user-alias", "--dry-run"},
    ("s3", "ls"): {"--recursive", "--human-readable", "--summarize"},
    ("s3", "cp"): {"--recursive", "--sse"},
    ("logs", "tail"): {"--since", "--follow", "--format", "--filter-pattern", "--log-stream-names"},
}
_AWS_BOOL = {"--no-cli-pager", "--recursive", "--human-readable", "--summarize", "--follow", "--dry-run"}


def _aws_args(args: list[str]) -> tuple[dict[str, str], list[str]]:
    flags, positional, index = {}, [], 0
    while index < len(args):
        arg = args[index]
        if arg.startswith("--"):
            name, eq, value = arg.partition("=")
            if not eq and name not in _AWS_BOOL and index + 1 < len(args) and not args[index + 1].startswith("--"):
                index += 1
                value = args[index]
            flags[name] = value
        else:
            positional.append(arg)
        index += 1
    return flags, positional


def check_aws(cmd: SimpleCommand, world: World) -> list[str]:
    import botocore.session
    from botocore import xform_name

    if len(cmd.argv) < 3:
        return ["aws needs a service and an operation"]
    service, operation, args = cmd.argv[1], cmd.argv[2], cmd.argv[3:]
    flags, positional = _aws_args(args)
    problems: list[str] = []
    custom = _AWS_CUSTOM.get((service, operation))
    if custom is not None:
        allowed = custom | _AWS_GLOBAL
    else:
        session = botocore.session.get_session()
        try:
            model = session.get_service_model(service)
        except Exception:  # noqa: BLE001 - botocore raises UnknownServiceError
            return [f"aws has no service {service}"]
        names = {xform_name(op, "-"): op for op in model.operation_names}
        if operation not in names:
            return [f"aws {service} has no operation {operation}"]
        shape = model.operation_model(names[operation]).input_shape
        members = shape.members if shape else {}
        allowed = {"--" + xform_name(m, "-") for m in members} | _AWS_GLOBAL | {
            "--max-items", "--starting-token", "--page-size", "--no-paginate", "--cli-input-json"}
        for required in (shape.required_members if shape else []):
            if "--" + xform_name(required, "-") not in flags and "--cli-input-json" not in flags:
                problems.append(f"aws {service} {operation} needs --{xform_name(required, '-')}")
    problems += [f"aws {service} {operation} has no option {f}" for f in flags if f not in allowed]
    problems += _aws_semantics(service, operation, flags, positional, world)
    return problems


def _aws_semantics(service: str, operation: str, flags: dict[str, str], positional: list[str],
                   world: World) -> list[str]:
    problems = []
    region = flags.get("--region")
    if region and not is_variable(region) and region not in world.regions:
        problems.append(f"--region {region} is not a region of config/default.yaml")
    stack = flags.get("--stack-name")
    if stack and not is_variable(stack):
        if stack not in world.templates:
            problems.append(f"no stack {stack} in the synthesized app")
        else:
            query = flags.get("--query", "")
            for key in re.findall(r"OutputKey\s*==\s*'([^']+)'", query):
                if key not in world.outputs(stack):
                    problems.append(f"stack {stack} has no output {key}")
            for prefix in re.findall(r"starts_with\(OutputKey,\s*'([^']+)'\)", query):
                if not any(o.startswith(prefix) for o in world.outputs(stack)):
                    problems.append(f"stack {stack} has no output starting with {prefix}")
            for prefix in re.findall(r"starts_with\(LogicalResourceId,\s*'([^']+)'\)", query):
                if not any(i.startswith(prefix) for i in world.logical_ids(stack)):
                    problems.append(f"stack {stack} has no resource whose logical id starts with {prefix}")
    cluster = flags.get("--name") if service == "eks" else None
    cluster = cluster or flags.get("--cluster-name")
    if cluster and not is_variable(cluster):
        if cluster not in world.clusters:
            problems.append(f"EKS cluster {cluster} is not the parent or a member of config/default.yaml")
        elif region and region != world.clusters[cluster]:
            problems.append(f"EKS cluster {cluster} is in {world.clusters[cluster]}, not {region}")
    alias = flags.get("--alias")
    if alias and (alias not in world.targets or alias.startswith("$")) and not is_variable(alias):
        problems.append(f"--alias {alias}: name contexts after the cluster or member ({', '.join(world.targets)})")
    if service == "eks" and operation == "update-kubeconfig" and cluster in world.clusters and alias:
        expected = world.config.parent.cluster_name if cluster == world.config.parent.cluster_name else next(
            m.name for m in world.config.members if m.eks_cluster_name == cluster)
        if alias != expected:
            problems.append(f"--alias {alias} for cluster {cluster}: the docs call that context {expected}")
    for value in (flags.get("--filters", "") if (service, operation) == ("ec2", "describe-addresses") else "",):
        for key, val in re.findall(r"Name=tag:([^,]+),Values=([^\s]+)", value):
            from stacks.egress_stack import EGRESS_TAG

            if key != EGRESS_TAG or val != world.config.parent.cluster_name:
                problems.append(f"tag filter {key}={val}: KarmadaEgress tags its addresses "
                                f"{EGRESS_TAG}={world.config.parent.cluster_name}")
    for path in positional:
        match = re.match(r"s3://[^/]+/etcd-snapshots/([^/]+)/", path)
        if "etcd-snapshots" in path and (not match or match.group(1) != world.config.parent.cluster_name):
            problems.append(f"{path}: snapshots live under etcd-snapshots/{world.config.parent.cluster_name}/")
    return problems


# ------------------------------------------------------------------------------------- openssl


def check_openssl(cmd: SimpleCommand, world: World) -> list[str]:
    if len(cmd.argv) < 2 or cmd.argv[1] not in ("s_client", "x509", "verify"):
        return [f"openssl {cmd.argv[1:2]}: only s_client, x509 and verify are checked here"]
    binary = shutil.which("openssl")
    if binary is None:
        return []
    out = subprocess.run([binary, cmd.argv[1], "-help"], capture_output=True, text=True, timeout=30)
    known = set(re.findall(r"^\s*(-[\w-]+)", out.stdout + out.stderr, re.M))
    problems = [f"openssl {cmd.argv[1]} has no option {a}" for a in cmd.argv[2:]
                if a.startswith("-") and a not in known]
    for index, arg in enumerate(cmd.argv):
        if arg in ("-connect", "-servername") and index + 1 < len(cmd.argv):
            host = cmd.argv[index + 1]
            if not is_variable(host) and "${" not in host:
                problems.append(f"openssl {arg} {host}: use the NLB name from the KarmadaApiEndpoint output")
    return problems


# ------------------------------------------------------------------------------------- dispatch


def check(cmd: SimpleCommand, world: World) -> list[str]:
    program = cmd.program
    if not cmd.argv:
        return []  # assignments only; their $(...) are separate commands
    if program == "make":
        return check_make(cmd, world)
    if program in ("cdk", "npx"):
        return check_cdk(cmd, world)
    if program in ("eks-karmada", ".venv/bin/eks-karmada"):
        return check_eks_karmada(cmd, world)
    if program in ("python", "python3", ".venv/bin/python"):
        return check_python(cmd, world)
    if program == "kubectl":
        if len(cmd.argv) > 1 and cmd.argv[1] == "karmada":
            return check_kubectl_karmada(cmd, world)
        return check_kubectl(cmd, world)
    if program == "aws":
        return check_aws(cmd, world)
    if program == "openssl":
        return check_openssl(cmd, world)
    if program.endswith("checkov"):
        return check_checkov(cmd, world)
    if program == "go":
        return check_go(cmd)
    if program in UTILITIES:
        return []
    return [f"no check for the program {program!r}: add one to tests/docs/checks.py ({shlex.join(cmd.argv)})"]


def files_written(commands: list[SimpleCommand]) -> set[str]:
    """Files the commands write: -o/--output of our tools, and shell redirections."""
    out = set()
    for cmd in commands:
        out |= {w for w in cmd.writes if w and not w.startswith("/dev/")}
        for index, arg in enumerate(cmd.argv[:-1]):
            if arg in ("-o", "--output") and cmd.program != "kubectl" and cmd.program != "aws":
                out.add(cmd.argv[index + 1])
    return out
