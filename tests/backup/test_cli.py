"""`python -m charts.etcd_backup`: the restore for the deployment's own config, matching what is deployed."""

from __future__ import annotations

import subprocess
import sys

import yaml

from charts.etcd_backup.cli import main, props_from_config
from eks_karmada.chart_props import control_plane_props
from tests.synth import ROOT

KEY = "etcd-snapshots/karmada-parent/20260101T000000Z.db"
# The default config names no account, and the parent pulls through its account's pull-through cache.
ACCOUNT = "111122223333"


def _render(tmp_path, *args: str) -> list[dict]:
    out = tmp_path / "out.yaml"
    assert main([*args, "--account", ACCOUNT, "-o", str(out)]) == 0
    return [d for d in yaml.safe_load_all(out.read_text()) if d]


def test_props_are_the_deployed_control_plane(default_config):
    props = props_from_config(default_config, "bucket", ACCOUNT)
    deployed = control_plane_props(default_config, "nlb.example.com", account_token=ACCOUNT)
    assert props.control_plane.model_dump(exclude={"external_hosts"}) == deployed.model_dump(exclude={"external_hosts"})
    assert (props.cluster_name, props.region) == (default_config.parent.cluster_name, default_config.parent.region)


def test_restore_matches_the_etcd_statefulset_the_app_deploys(tmp_path, synthesized, default_config):
    jobs = _render(tmp_path, "restore", "--bucket", "karmada-backups", "--snapshot-key", KEY)
    assert len(jobs) == default_config.karmada.etcd_replicas
    sts = next(o for o in synthesized.manifests["parent"] if o["kind"] == "StatefulSet"
               and o["metadata"]["name"] == "etcd")
    (etcd,) = sts["spec"]["template"]["spec"]["containers"]
    deployed = dict(a.split("=", 1) for a in etcd["command"] if a.startswith("--") and "=" in a)
    for i, job in enumerate(jobs):
        (restore,) = job["spec"]["template"]["spec"]["containers"]
        args = dict(a.split("=", 1) for a in restore["command"] if a.startswith("--") and "=" in a)
        assert args["--initial-cluster"] == deployed["--initial-cluster"]
        assert args["--data-dir"] == deployed["--data-dir"]
        assert args["--initial-advertise-peer-urls"] == deployed["--initial-advertise-peer-urls"].replace(
            "$(POD_NAME)", f"etcd-{i}")
        assert restore["image"] == etcd["image"].replace("${Parent.AccountId}", ACCOUNT)
        assert restore["image"].startswith(f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/registry.k8s.io/etcd:")
        priority_class = sts["spec"]["template"]["spec"]["priorityClassName"]
        assert job["spec"]["template"]["spec"]["priorityClassName"] == priority_class


def test_new_volumes_and_cleanup(tmp_path, default_config):
    objects = _render(tmp_path, "restore", "--bucket", "b", "--snapshot-key", KEY, "--new-volumes",
                      "--discard-previous-data")
    assert [o["kind"] for o in objects].count("PersistentVolumeClaim") == default_config.karmada.etcd_replicas
    cleanup = _render(tmp_path, "cleanup")
    assert [o["metadata"]["name"] for o in cleanup] == [f"etcd-restore-cleanup-etcd-{i}" for i in range(3)]


def test_errors_are_one_line_and_non_zero(tmp_path, capsys):
    assert main(["restore", "--bucket", "b", "--snapshot-key", "etcd-snapshots/x/y.db", "--account", ACCOUNT]) == 2
    assert "not one of this cluster's snapshots" in capsys.readouterr().err
    # The images' registry (the parent's pull-through cache) names the account, which the config does not.
    assert main(["restore", "--bucket", "b", "--snapshot-key", KEY]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "pass --account <the parent's 12-digit account id>, or set parent.account" in line
    bad = tmp_path / "bad.yaml"
    bad.write_text("karmada: {etcd_replicas: 4}\n")
    assert main(["cleanup", "--config", str(bad)]) == 1
    assert "etcd_replicas" in capsys.readouterr().err


def test_runs_as_a_module(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "charts.etcd_backup", "restore", "--bucket", "b", "--snapshot-key", KEY,
         "--account", ACCOUNT],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# etcd restore of the Karmada API")


def test_restore_jobs_run_as_the_deployed_read_only_restore_identity(tmp_path, synthesized):
    """The rendered restore names a ServiceAccount the app deploys, whose Pod Identity role can read, never write."""
    jobs = _render(tmp_path, "restore", "--bucket", "b", "--snapshot-key", KEY, "--snapshot-version", "v2.old")
    (account,) = {j["spec"]["template"]["spec"]["serviceAccountName"] for j in jobs}
    assert any(o["kind"] == "ServiceAccount" and o["metadata"]["name"] == account
               for o in synthesized.manifests["parent"])
    resources = synthesized.templates["KarmadaParent"]["Resources"]
    (association,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::EKS::PodIdentityAssociation"
                      and r["Properties"]["ServiceAccount"] == account]
    role_id = association["RoleArn"]["Fn::GetAtt"][0]
    actions = {a for r in resources.values() if r["Type"] == "AWS::IAM::Policy"
               and {"Ref": role_id} in r["Properties"]["Roles"]
               for s in r["Properties"]["PolicyDocument"]["Statement"]
               for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}
    assert actions == {"s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions", "kms:Decrypt"}
    versions = [e["value"] for j in jobs for e in j["spec"]["template"]["spec"]["initContainers"][0]["env"]
                if e["name"] == "SNAPSHOT_VERSION"]
    assert versions == ["v2.old"] * len(jobs)
