"""What every command shares: help text, config errors, AWS credential errors, the entry points."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from eks_karmada.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ("kubeconfig", "status", "preflight", "cost", "agent-bundle", "validate", "members", "whoami", "drill")
# No real AWS credentials, no instance metadata, no profile: the real credential chain finds nothing.
NO_AWS = {
    "AWS_ACCESS_KEY_ID": None,
    "AWS_SECRET_ACCESS_KEY": None,
    "AWS_SESSION_TOKEN": None,
    "AWS_PROFILE": None,
    "AWS_DEFAULT_PROFILE": None,
    "AWS_WEB_IDENTITY_TOKEN_FILE": None,
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": None,
    "AWS_CONTAINER_CREDENTIALS_FULL_URI": None,
    "AWS_EC2_METADATA_DISABLED": "true",
    "COLUMNS": "110",
    "CONFIG": None,
}


def _run(*args: str, obj=None, env: dict | None = None, tmp_path: Path | None = None):
    environment = dict(NO_AWS)
    if tmp_path is not None:
        environment["AWS_CONFIG_FILE"] = str(tmp_path / "aws-config")
        environment["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "aws-credentials")
        environment["HOME"] = str(tmp_path)
    environment.update(env or {})
    return CliRunner().invoke(app, list(args), obj=obj, env=environment, prog_name="eks-karmada")


def test_every_option_explains_itself():
    group = get_command(app)
    assert sorted(group.commands) == sorted(COMMANDS)
    for name, command in group.commands.items():
        assert command.help and len(command.help) > 80, name
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"{name} {param.opts} has no help"
        text = _run(name, "--help").stdout
        for param in command.params:
            if param.param_type_name == "option":
                assert param.opts[0] in text, f"{name} --help misses {param.opts[0]}"
    assert "kubeconfig" in _run("--help").stdout


def test_every_members_subcommand_explains_itself():
    members = get_command(app).commands["members"]
    assert sorted(members.commands) == ["add", "remove"]
    for name, command in members.commands.items():
        assert command.help and len(command.help) > 80, name
        text = _run("members", name, "--help").stdout
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"members {name} {param.opts} has no help"
                assert param.opts[0] in text, f"members {name} --help misses {param.opts[0]}"


def test_every_drill_explains_itself():
    drills = get_command(app).commands["drill"]
    assert sorted(drills.commands) == ["failover", "restore"]
    for name, command in drills.commands.items():
        assert command.help and len(command.help) > 80, name
        text = _run("drill", name, "--help").stdout
        options = {opt for p in command.params for opt in p.opts}
        assert {"--config", "-c", "--profile"} <= options, name
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"drill {name} {param.opts} has no help"
                assert param.opts[0] in text, f"drill {name} --help misses {param.opts[0]}"


def test_common_options_are_everywhere():
    group = get_command(app)
    for name in COMMANDS:
        if name == "drill":  # a group: its subcommands have them (test_every_drill_explains_itself)
            continue
        options = {opt for p in group.commands[name].params for opt in p.opts}
        # validate never talks to AWS, so it has no --profile.
        assert {"--config", "-c", "--profile"} - ({"--profile"} if name == "validate" else set()) <= options, name
    for name in ("kubeconfig", "status"):
        assert "--region" in {opt for p in group.commands[name].params for opt in p.opts}


def test_a_missing_config_file(tmp_path):
    result = _run("cost", "-c", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: {tmp_path / 'nope.yaml'}: cannot read the config file (No such file or "
                                     f"directory); check the path given as CONFIG or -c config")


def test_an_invalid_config_is_the_apps_one_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("karmada: {etcd_replicas: 4}\n")
    required = {"agent-bundle": ["edge-1", "--cluster-api-endpoint", "https://10.9.0.1:6443", "--output",
                                 str(tmp_path / "bundle.yaml")],
                "drill": ["restore", "--dry-run"]}
    for command in COMMANDS:
        result = _run(command, *required.get(command, []), "--config", str(path))
        assert result.exit_code == 1, command
        assert result.stderr.strip() == (
            f"error: {path}: karmada.etcd_replicas: 4 etcd replicas tolerate no more failures than 3; "
            "use an odd number such as 3 or 5"), command
        assert "Traceback" not in result.output


def test_config_from_the_environment(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("members: []\n")
    result = _run("cost", "--json", env={"CONFIG": str(path)})
    assert result.exit_code == 0
    assert '"EKS"' in result.stdout and "us-west-2" not in result.stdout


@pytest.mark.parametrize("command", ["preflight", "status", "kubeconfig"])
def test_no_credentials(command, tmp_path):
    result = _run(command, tmp_path=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: no AWS credentials found; pass --profile NAME (or set AWS_PROFILE), "
        "or sign in with `aws sso login` / `aws configure`")


def test_no_credentials_for_live_prices(tmp_path):
    result = _run("cost", "--live", tmp_path=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: no AWS credentials found")


def test_unknown_profile(tmp_path):
    result = _run("preflight", "--profile", "nope", tmp_path=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: The config profile (nope) could not be found; "
                                     "list your profiles with `aws configure list-profiles`")


def test_an_unexpected_error_is_still_one_line(tmp_path):
    def broken(profile):
        raise ZeroDivisionError("boom")

    result = _run("preflight", obj=broken, tmp_path=tmp_path)
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: internal error: ZeroDivisionError: boom "
                                     "(set EKS_KARMADA_DEBUG=1 to see the traceback and report it)")
    debug = _run("preflight", obj=broken, tmp_path=tmp_path, env={"EKS_KARMADA_DEBUG": "1"})
    assert isinstance(debug.exception, ZeroDivisionError)


def test_bad_usage_is_exit_2():
    result = _run("cost", "--nat-gb", "-1")
    assert result.exit_code == 2


def test_console_script_and_module():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["eks-karmada"] == "eks_karmada.cli.main:app"
    assert isinstance(app, typer.Typer)
    assert "functions*" in project["tool"]["setuptools"]["packages"]["find"]["include"]
    result = subprocess.run([sys.executable, "-m", "eks_karmada.cli", "cost", "--json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    assert result.returncode == 0, result.stderr
    assert '"total": 952.415' in result.stdout


def test_requirements_pin_typer_and_rich():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    assert "typer==0.29.1" in lines and "rich==15.0.0" in lines
