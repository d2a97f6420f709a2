"""The shell steps, run for real under a POSIX sh with a fake `aws` on PATH."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from charts.etcd_backup.scripts import CLEANUP_PREVIOUS, PREPARE_RESTORE, UPLOAD

SHELLS = [s for s in ("/bin/sh", shutil.which("bash")) if s and Path(s).exists()]

# Records its arguments; `aws s3 cp s3://... <file>` writes a fake snapshot; FAIL_AWS=1 fails like a 403.
FAKE_AWS = """#!/bin/sh
echo "$@" >> "$AWS_LOG"
[ "${FAIL_AWS:-0}" = 1 ] && { echo "An error occurred (AccessDenied)" >&2; exit 1; }
[ "${FAIL_CLOUDWATCH:-0}" = 1 ] && [ "$1" = cloudwatch ] && { echo "An error occurred (AccessDenied)" >&2; exit 1; }
if [ "$1" = s3api ] && [ "$2" = get-object ]; then for last in "$@"; do :; done; printf 'version' > "$last"; exit 0; fi
case "$3" in s3://*) ;; *) exit 0 ;; esac
case "$4" in s3://*) ;; *) printf 'snapshot' > "$4" ;; esac
"""


@pytest.fixture
def sandbox(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    aws = bin_dir / "aws"
    aws.write_text(FAKE_AWS)
    aws.chmod(0o755)
    work, volume = tmp_path / "work", tmp_path / "volume"
    work.mkdir()
    volume.mkdir()
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "AWS_LOG": str(tmp_path / "aws.log"),
        "WORK_DIR": str(work),
        "BUCKET": "karmada-backups",
        "SNAPSHOT_PREFIX": "etcd-snapshots/karmada-parent/",
        "SNAPSHOT_KEY": "etcd-snapshots/karmada-parent/20260101T000000Z.db",
        "DATA_DIR": str(volume / "data"),
        "PREVIOUS_DATA_DIR": str(volume / "data.before-restore-20260101t000000z"),
        "KEEP_PREVIOUS_DATA": "true",
        "ETCD_VOLUME": str(volume),
    }
    return tmp_path, env


def run(shell: str, script: str, env: dict[str, str], **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([shell, "-c", script], env={**env, **extra}, capture_output=True, text=True, timeout=30)


def aws_calls(tmp_path: Path) -> list[str]:
    log = tmp_path / "aws.log"
    return log.read_text().splitlines() if log.exists() else []


def test_scripts_use_no_kubernetes_expandable_syntax():
    for script in (UPLOAD, PREPARE_RESTORE, CLEANUP_PREVIOUS):
        assert "$(" not in script


@pytest.mark.parametrize("shell", SHELLS)
def test_upload_puts_a_timestamped_key_under_the_prefix_with_a_checksum(shell, sandbox):
    tmp_path, env = sandbox
    (Path(env["WORK_DIR"]) / "snapshot.db").write_bytes(b"db")
    done = run(shell, UPLOAD, env)
    assert done.returncode == 0, done.stderr
    (call,) = aws_calls(tmp_path)
    match = re.fullmatch(
        r"s3 cp (\S+)/snapshot\.db s3://karmada-backups/etcd-snapshots/karmada-parent/(\d{8}T\d{6}Z)\.db "
        r"--checksum-algorithm SHA256 --only-show-errors --no-progress",
        call,
    )
    assert match and match.group(1) == env["WORK_DIR"], call
    assert f"uploaded s3://karmada-backups/etcd-snapshots/karmada-parent/{match.group(2)}.db" in done.stdout


@pytest.mark.parametrize("shell", SHELLS)
def test_upload_fails_without_a_snapshot_or_when_s3_refuses(shell, sandbox):
    tmp_path, env = sandbox
    assert run(shell, UPLOAD, env).returncode != 0 and aws_calls(tmp_path) == []
    (Path(env["WORK_DIR"]) / "snapshot.db").write_bytes(b"db")
    assert run(shell, UPLOAD, env, FAIL_AWS="1").returncode != 0


METRIC = {"METRIC_NAMESPACE": "EKSKarmada/EtcdBackup", "METRIC_NAME": "SnapshotsUploaded",
          "METRIC_DIMENSIONS": "ClusterName=karmada-parent"}


@pytest.mark.parametrize("shell", SHELLS)
def test_upload_counts_itself_in_cloudwatch_after_the_upload_when_asked(shell, sandbox):
    tmp_path, env = sandbox
    (Path(env["WORK_DIR"]) / "snapshot.db").write_bytes(b"db")
    done = run(shell, UPLOAD, env, **METRIC)
    assert done.returncode == 0, done.stderr
    upload, count = aws_calls(tmp_path)
    assert upload.startswith("s3 cp ")
    assert count == ("cloudwatch put-metric-data --namespace EKSKarmada/EtcdBackup --metric-name SnapshotsUploaded "
                     "--dimensions ClusterName=karmada-parent --value 1 --unit Count")
    assert "counted in EKSKarmada/EtcdBackup/SnapshotsUploaded" in done.stdout


@pytest.mark.parametrize("shell", SHELLS)
def test_an_upload_that_cannot_be_counted_fails_and_a_failed_upload_is_not_counted(shell, sandbox):
    tmp_path, env = sandbox
    (Path(env["WORK_DIR"]) / "snapshot.db").write_bytes(b"db")
    assert run(shell, UPLOAD, env, FAIL_CLOUDWATCH="1", **METRIC).returncode != 0
    (tmp_path / "aws.log").unlink()
    assert run(shell, UPLOAD, env, FAIL_AWS="1", **METRIC).returncode != 0
    assert [c.split()[0] for c in aws_calls(tmp_path)] == ["s3"]


@pytest.mark.parametrize("shell", SHELLS)
def test_prepare_downloads_and_moves_the_old_data_aside_once(shell, sandbox):
    tmp_path, env = sandbox
    data, aside = Path(env["DATA_DIR"]), Path(env["PREVIOUS_DATA_DIR"])
    (data / "member").mkdir(parents=True)
    (data / "member" / "old").write_text("old")
    done = run(shell, PREPARE_RESTORE, env)
    assert done.returncode == 0, done.stderr
    assert aws_calls(tmp_path) == [
        f"s3 cp s3://karmada-backups/{env['SNAPSHOT_KEY']} {env['WORK_DIR']}/snapshot.db "
        "--checksum-mode ENABLED --only-show-errors --no-progress"
    ]
    assert (Path(env["WORK_DIR"]) / "snapshot.db").read_text() == "snapshot"
    assert not data.exists() and (aside / "member" / "old").read_text() == "old"

    # A retry after a half-written restore: the partial output goes, the kept original stays.
    (data / "member").mkdir(parents=True)
    (data / "member" / "partial").write_text("partial")
    assert run(shell, PREPARE_RESTORE, env).returncode == 0
    assert not data.exists() and (aside / "member" / "old").read_text() == "old"


@pytest.mark.parametrize("shell", SHELLS)
def test_prepare_downloads_the_named_version_of_an_overwritten_snapshot(shell, sandbox):
    tmp_path, env = sandbox
    done = run(shell, PREPARE_RESTORE, env, SNAPSHOT_VERSION="3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")
    assert done.returncode == 0, done.stderr
    assert aws_calls(tmp_path) == [
        f"s3api get-object --bucket karmada-backups --key {env['SNAPSHOT_KEY']} --version-id "
        f"3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY --checksum-mode ENABLED {env['WORK_DIR']}/snapshot.db"
    ]
    assert (Path(env["WORK_DIR"]) / "snapshot.db").read_text() == "version"


@pytest.mark.parametrize("shell", SHELLS)
def test_prepare_discards_old_data_when_told_and_handles_an_empty_volume(shell, sandbox):
    tmp_path, env = sandbox
    assert run(shell, PREPARE_RESTORE, env).returncode == 0  # nothing to move
    data = Path(env["DATA_DIR"])
    data.mkdir()
    assert run(shell, PREPARE_RESTORE, env, KEEP_PREVIOUS_DATA="false").returncode == 0
    assert not data.exists() and not Path(env["PREVIOUS_DATA_DIR"]).exists()


@pytest.mark.parametrize("shell", SHELLS)
def test_prepare_leaves_the_data_alone_when_the_download_fails(shell, sandbox):
    tmp_path, env = sandbox
    data = Path(env["DATA_DIR"])
    data.mkdir()
    assert run(shell, PREPARE_RESTORE, env, FAIL_AWS="1").returncode != 0
    assert data.exists() and not Path(env["PREVIOUS_DATA_DIR"]).exists()


@pytest.mark.parametrize("shell", SHELLS)
def test_cleanup_removes_only_the_kept_aside_directories(shell, sandbox):
    tmp_path, env = sandbox
    volume = Path(env["ETCD_VOLUME"])
    for name in ("data", "data.before-restore-a", "data.before-restore-b", "lost+found"):
        (volume / name).mkdir()
    done = run(shell, CLEANUP_PREVIOUS, env)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(volume)) == ["data", "lost+found"]
    assert "nothing to remove" in run(shell, CLEANUP_PREVIOUS, env).stdout
