"""The config model: the default is valid, and each kind of bad input gives one clear line."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys

import pytest
import yaml

from eks_karmada.config import DEFAULT_CONFIG_PATH, ConfigError, load_config, parse_config
from tests.synth import ROOT

DEFAULT = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())


def test_default_config_is_the_documented_deployment():
    config = load_config()
    assert config.parent.region == "us-east-1"
    assert config.parent.availability_zones == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert [(m.name, m.kind.value, m.region) for m in config.members] == [
        ("member-use1", "new", "us-east-1"),
        ("member-usw2", "new", "us-west-2"),
    ]
    assert (config.versions.karmada, config.versions.kubernetes) == ("v1.18.2", "1.35")
    assert (config.versions.kube_components, config.versions.etcd) == ("v1.35.2", "3.6.6-0")
    assert config.warnings() == []


def _set(path: str, value):
    """A mutation of the default config: set the dotted `path` (list indexes as numbers)."""

    def mutate(data):
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        node = data
        for key in parents:
            node = node[key]
        node[last] = value

    return mutate


def _duplicate_member(data):
    data["members"].append({**copy.deepcopy(data["members"][0]), "vpc_cidr": "10.3.0.0/16"})


def _existing_member(data):
    data["members"][0]["kind"] = "existing"
    del data["members"][0]["vpc_cidr"]


BAD_CONFIGS = {
    "wrong type": (_set("karmada.etcd_replicas", "three"), "karmada.etcd_replicas", "valid integer"),
    "unknown key": (_set("karmada.etcd_replica", 3), "karmada.etcd_replica", "unknown key; remove it"),
    "unknown nested key": (_set("members.0.zone", "a"), "members[0].zone", "unknown key"),
    "duplicate member name": (_duplicate_member, "members[2].name", "give each member a unique name"),
    "even etcd replica count": (_set("karmada.etcd_replicas", 4), "karmada.etcd_replicas", "use an odd number"),
    "negative sample toleration": (_set("sample_workload.not_ready_toleration_seconds", -1),
                                   "sample_workload.not_ready_toleration_seconds", "greater than or equal to 0"),
    "invalid CIDR": (_set("parent.vpc_cidr", "10.0.0.0/33"), "parent.vpc_cidr", "write it like 10.0.0.0/16"),
    "CIDR with host bits": (_set("members.1.vpc_cidr", "10.2.0.1/16"), "members[1].vpc_cidr", "not a valid CIDR"),
    "unknown region": (_set("members.1.region", "us-west-9"), "members[1].region", "unknown region 'us-west-9'"),
    "unsupported Kubernetes version": (
        _set("versions.kubernetes", "1.29"), "versions.kubernetes", "use one of 1.34, 1.35"
    ),
    "unsupported Karmada version": (_set("versions.karmada", "v1.12.0"), "versions.karmada", "v1.18.x release"),
    "latest is not a version": (
        _set("versions.kube_components", "latest"), "versions.kube_components", "pin an exact version"
    ),
    "AZ outside the region": (
        _set("parent.availability_zones", ["us-east-1a", "us-east-1b", "us-west-2c"]),
        "parent.availability_zones",
        "not in region us-east-1",
    ),
    "two AZs for the parent": (
        _set("parent.availability_zones", ["us-east-1a", "us-east-1b"]),
        "parent.availability_zones",
        "exactly 3 distinct zones",
    ),
    "Karmada API open to the world": (
        _set("api_endpoint.allowed_cidrs", ["0.0.0.0/0"]),
        "api_endpoint.allowed_cidrs",
        "set allow_anywhere: true",
    ),
    "existing member without cluster name": (
        _existing_member,
        "members[0].cluster_name",
        "add the EKS cluster name",
    ),
    "unknown member kind": (_set("members.0.kind", "imported"), "members[0].kind", "input should be 'new'"),
    "bad member name": (_set("members.0.name", "Member_1"), "members[0].name", "not a DNS label"),
    "Pull member behind an internal NLB": (
        _set("members.1.sync_mode", "Pull"),
        "members[1].sync_mode",
        "set api_endpoint.scheme: internet-facing",
    ),
    "node group sizes out of order": (
        _set("parent.node_group.min_size", 5),
        "parent.node_group.desired_size",
        "min_size <= desired_size <= max_size",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_is_one_line_naming_field_and_fix(case):
    mutate, field, fix = BAD_CONFIGS[case]
    data = copy.deepcopy(DEFAULT)
    mutate(data)
    with pytest.raises(ConfigError) as raised:
        parse_config(data, "bad.yaml")
    (message,) = raised.value.lines
    assert "\n" not in message
    assert message.startswith(f"bad.yaml: {field}: "), message
    assert fix in message, message


def test_not_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="must hold a YAML mapping"):
        load_config(path)


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("karmada:\n  etcd_replicas: [3\n")
    with pytest.raises(ConfigError, match=r"line \d+, column \d+: not valid YAML: "):
        load_config(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path / "nope.yaml")


def test_open_endpoint_allowed_only_explicitly_and_warned():
    data = copy.deepcopy(DEFAULT)
    data["api_endpoint"].update(allowed_cidrs=["0.0.0.0/0"], allow_anywhere=True)
    config = parse_config(data)
    assert config.warnings() == [
        "api_endpoint.allowed_cidrs admits 0.0.0.0/0: the Karmada API is open to the internet"
    ]


def _run_app(env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {**os.environ, **env_extra}
    return subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("how", ["CONFIG", "context"])
def test_app_exits_nonzero_with_one_line_and_no_trace(tmp_path, how):
    bad = copy.deepcopy(DEFAULT)
    bad["karmada"]["etcd_replicas"] = 2
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    # `cdk synth -c config=path` reaches the app as CDK_CONTEXT_JSON.
    env = {"CONFIG": str(path)} if how == "CONFIG" else {"CDK_CONTEXT_JSON": json.dumps({"config": str(path)})}
    result = _run_app({**env, "CDK_OUTDIR": str(tmp_path / "out")})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"error: {path}: karmada.etcd_replicas: 2 etcd replicas tolerate no more failures than 1; "
                     "use an odd number such as 3 or 5"]
    assert not list((tmp_path / "out").glob("*.template.json")), "nothing may be synthesized from a bad config"


def _two_problems(tmp_path):
    bad = copy.deepcopy(DEFAULT)
    bad["karmada"]["etcd_replicas"] = 2
    bad["members"][1]["vpc_cidr"] = "10.0.0.0/16"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    return path, [
        f"error: {path}: karmada.etcd_replicas: 2 etcd replicas tolerate no more failures than 1; "
        "use an odd number such as 3 or 5",
        f"error: {path}: members[1].vpc_cidr: 10.0.0.0/16 overlaps parent.vpc_cidr 10.0.0.0/16; the VPCs must not "
        "overlap to be peered or joined by a transit gateway: use a free range such as 10.2.0.0/16",
    ]


def test_app_prints_every_problem_as_its_own_error_line(tmp_path):
    path, expected = _two_problems(tmp_path)
    result = _run_app({"CONFIG": str(path), "CDK_OUTDIR": str(tmp_path / "out")})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.strip()] == expected


def test_cli_prints_every_problem_as_its_own_error_line(tmp_path):
    from typer.testing import CliRunner

    from eks_karmada.cli.main import app

    path, expected = _two_problems(tmp_path)
    result = CliRunner().invoke(app, ["cost", "--config", str(path)], env={"COLUMNS": "400"}, prog_name="eks-karmada")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == expected
