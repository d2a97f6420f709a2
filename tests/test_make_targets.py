"""Every make target that reads a config stops at the config check with one line, before anything else runs.

make runs for real with `cdk` replaced by a stub that records being called (CDK=...), and without set-up
(`-o setup`), AWS credentials or network: a target that got past its pre-check would print the stub's marker.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STUB = "echo CDK-STUB-RAN"
# Targets that read $(CONFIG); `local` reads $(LOCAL_CONFIG) and runs with -n (it would need root otherwise).
TARGETS = ["synth", "diff", "deploy", "destroy", "scan", "diagram"]


def _env(tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("AWS_", "MAKE", "MFLAGS")) and k not in ("CONFIG", "YES", "CONCURRENCY")}
    return {**keep, "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}


def _make(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "-o", "setup", "-o", "scan-setup", *args, f"CDK={STUB}"],
                          cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, input=stdin, timeout=300)


def _one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "CDK-STUB-RAN" not in result.stdout, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def bad_config(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("config") / "bad.yaml"
    path.write_text("parent:\n  bogus: 1\n")
    return path


@pytest.mark.parametrize("target", TARGETS)
def test_a_bad_config_stops_every_target_with_one_line(target, bad_config, tmp_path):
    line = _one_error_line(_make(tmp_path, target, f"CONFIG={bad_config}"))
    assert line.endswith(f"*** error: {bad_config}: parent.bogus: unknown key; remove it or fix its spelling "
                         "(see docs/configuration.md).  Stop.")


@pytest.mark.parametrize("target", TARGETS)
def test_a_missing_config_stops_every_target_with_one_line(target, tmp_path):
    missing = tmp_path / "missing.yaml"
    line = _one_error_line(_make(tmp_path, target, f"CONFIG={missing}"))
    assert f"*** error: {missing}: cannot read the config file (No such file or directory)" in line


def test_make_local_checks_its_config_first(bad_config, tmp_path):
    result = _make(tmp_path, "-n", "-o", ".venv/.local-installed", "-o", ".venv-awscli/.installed", "local",
                   f"LOCAL_CONFIG={bad_config}")
    assert "parent.bogus: unknown key" in _one_error_line(result)


@pytest.mark.parametrize("target", ["diff", "deploy"])
def test_aws_targets_check_credentials_first(target, tmp_path):
    line = _one_error_line(_make(tmp_path, target))
    assert line.endswith(f"*** error: make {target} needs AWS credentials: no AWS credentials found; set "
                         "AWS_PROFILE=<profile> (for SSO, first `aws sso login --profile <profile>`) or export "
                         "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then check everything with "
                         "`.venv/bin/eks-karmada preflight`.  Stop.")


def test_destroy_without_a_terminal_needs_yes(tmp_path):
    line = _one_error_line(_make(tmp_path, "destroy", stdin="yes\n"))
    assert line.endswith("*** error: make destroy deletes 13 stacks and 3 EKS clusters (karmada-parent, "
                         "karmada-member-use1, karmada-member-usw2) of config/default.yaml and asks first, but no "
                         "terminal is attached; run `make destroy YES=1` to delete without asking.  Stop.")
    line = _one_error_line(_make(tmp_path, "destroy", "YES=1"))
    assert "*** error: make destroy needs AWS credentials: no AWS credentials found" in line


def test_a_good_config_passes_the_check_and_make_goes_on_to_cdk(tmp_path):
    result = _make(tmp_path, "-n", "synth")
    assert (result.returncode, result.stderr) == (0, "")
    assert f"{STUB} synth --quiet" in result.stdout


def _fake_cdk(tmp_path: Path, status: int) -> str:
    script = tmp_path / "cdk"
    script.write_text("#!/bin/sh\n"
                      "echo 'Successfully synthesized to /x/cdk.out' >&2\n"
                      "echo 'Supply a stack id (KarmadaEgress, KarmadaParent) to display its template.' >&2\n"
                      "echo 'warning: api_endpoint.allowed_cidrs admits 0.0.0.0/0' >&2\n"
                      f"exit {status}\n")
    script.chmod(0o755)
    return str(script)


@pytest.mark.parametrize("status", [0, 1])
def test_synth_drops_cdks_routine_lines_and_keeps_the_rest(tmp_path, status):
    cdk = _fake_cdk(tmp_path, status)
    result = subprocess.run(["make", "--no-print-directory", "-o", "setup", "synth", f"CDK={cdk}"], cwd=ROOT,
                            env=_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert result.stderr.splitlines()[0] == "warning: api_endpoint.allowed_cidrs admits 0.0.0.0/0"
    assert "Supply a stack id" not in result.stderr and "Successfully synthesized" not in result.stderr
    if status == 0:
        assert result.returncode == 0
        assert result.stdout == "Templates and cdk.out/manifests/*.yaml written for config/default.yaml\n"
    else:
        assert result.returncode != 0 and "written for" not in result.stdout


def test_make_synth_of_the_default_config_is_one_line(tmp_path):
    """The real cdk synth: on stderr only the note that docker.io is not cached, one line on stdout.

    No deprecation, no stack list: the default config pulls the Karmada images from Docker Hub directly (ECR caches
    Docker Hub only with credentials), which synth says in one line with how to change it.
    """
    # The real CLI into a temporary cloud assembly; make exports a command-line CDK= to the environment,
    # where the CDK CLI would read it, so the wrapper drops it.
    cdk = tmp_path / "cdk"
    cdk.write_text(f"#!/bin/sh\nunset CDK\nexec cdk --no-notices -c config=config/default.yaml "
                   f"-o {tmp_path / 'cdk.out'} \"$@\"\n")
    cdk.chmod(0o755)
    result = subprocess.run(["make", "--no-print-directory", "-o", "setup", "synth", f"CDK={cdk}"],
                            cwd=ROOT, env=_env(tmp_path), capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    (note,) = result.stderr.splitlines()
    assert note.startswith("note: mirrors.pull_through_cache: docker.io images (Karmada's) are pulled from Docker Hub")
    assert result.stdout == "Templates and cdk.out/manifests/*.yaml written for config/default.yaml\n"
    assert (tmp_path / "cdk.out" / "manifest.json").exists()
