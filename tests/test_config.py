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


# --- karmada.component_settings: values as the charts take them ------------------------------------------
def _with_karmada(**karmada):
    data = copy.deepcopy(DEFAULT)
    data["karmada"].update(karmada)
    return parse_config(data)


@pytest.mark.parametrize("quantity, value", [
    ("250m", "0.25"), ("2", "2"), ("1.5", "1.5"), ("3k", "3000"), ("2M", "2000000"), ("1G", "1000000000"),
    ("1T", "1000000000000"), ("2Ki", "2048"), ("3Mi", "3145728"), ("1Gi", "1073741824"), ("1Ti", "1099511627776"),
])
def test_quantities_compare_by_what_they_stand_for(quantity, value):
    from decimal import Decimal

    from eks_karmada.config import quantity_value

    assert quantity_value(quantity) == Decimal(value)


def test_numbers_in_yaml_mean_their_text():
    resources = {"requests": {"cpu": 2, "memory": "1Gi"}, "limits": {"cpu": 2.5, "memory": "2Gi"}}
    config = _with_karmada(component_settings={"scheduler": {"resources": resources}},
                           etcd={"auto_compaction_mode": "periodic", "auto_compaction_retention": 1})
    scheduler = config.karmada.component_settings.scheduler.resources
    assert (scheduler.requests.cpu, scheduler.limits.cpu) == ("2", "2.5")
    assert config.karmada.etcd.auto_compaction_retention == "1"
    with pytest.raises(ConfigError, match=r'requests\.cpu: YAML reads true as the boolean true; quote it: "true"'):
        _with_karmada(component_settings={"scheduler": {"resources": {**resources, "requests": {"cpu": True,
                                                                                                "memory": "1Gi"}}}})


def test_extra_args_are_written_as_the_command_line_takes_them():
    config = _with_karmada(component_settings={"apiserver": {"extra_args": {
        "max-requests-inflight": 3000, "enable-priority-and-fairness": False, "v": "4"}}})
    assert config.karmada.component_settings.apiserver.flag_values() == {
        "max-requests-inflight": "3000", "enable-priority-and-fairness": "false", "v": "4"}


def test_the_quota_rule_knows_the_smallest_etcd_volume():
    from charts.karmada.sizing import PROFILES
    from eks_karmada.config import SMALLEST_ETCD_VOLUME_GIB

    assert SMALLEST_ETCD_VOLUME_GIB == min(p.etcd_volume_gib for p in PROFILES)


# Flags the charts render whose value is a default an operator may change through extra_args.
TUNABLE = {"v", "log-level", "max-requests-inflight", "max-mutating-requests-inflight", "goaway-chance",
           "shutdown-delay-duration", "cluster-status-update-frequency", "no-execute-taint-eviction-purge-mode",
           "rate-limiter-base-delay"}
# Flags with a typed setting, and the setting each error names.
TYPED = {
    "feature-gates": "karmada.component_settings.{component}.feature_gates",
    "quota-backend-bytes": "karmada.etcd.quota_backend_gib",
    "auto-compaction-mode": "karmada.etcd.auto_compaction_mode",
    "auto-compaction-retention": "karmada.etcd.auto_compaction_retention",
    "snapshot-count": "karmada.etcd.snapshot_count",
    "heartbeat-interval": "karmada.etcd.heartbeat_interval_ms",
    "election-timeout": "karmada.etcd.election_timeout_ms",
    "enable-scheduler-estimator": "karmada.components.scheduler_estimators",
}


def _rendered_flags() -> dict[str, set[str]]:
    """Every flag each component's container is rendered with, over props that turn every option on."""
    from charts.karmada import KarmadaControlPlaneProps
    from charts.karmada.aggregated_apiserver import aggregated_apiserver_manifests
    from charts.karmada.apiserver import apiserver_manifests
    from charts.karmada.controller_manager import controller_manager_manifests
    from charts.karmada.etcd import etcd_manifests
    from charts.karmada.kube_controller_manager import kcm_manifests
    from charts.karmada.optional import (
        descheduler_manifests,
        metrics_adapter_manifests,
        scheduler_estimator_manifests,
        search_manifests,
    )
    from charts.karmada.scheduler import scheduler_manifests
    from charts.karmada.webhook import webhook_manifests

    props = KarmadaControlPlaneProps(
        descheduler=True, search=True, metrics_adapter=True, scheduler_estimators=["m"], pull_members=["m"],
        etcd_auto_compaction_mode="periodic", etcd_auto_compaction_retention="1h", etcd_snapshot_count=5000,
        etcd_heartbeat_interval_ms=200, etcd_election_timeout_ms=2000,
    )
    builders = {
        "etcd": etcd_manifests, "apiserver": apiserver_manifests,
        "aggregated_apiserver": aggregated_apiserver_manifests,
        "kube_controller_manager": kcm_manifests, "controller_manager": controller_manager_manifests,
        "scheduler": scheduler_manifests, "webhook": webhook_manifests, "descheduler": descheduler_manifests,
        "search": search_manifests, "metrics_adapter": metrics_adapter_manifests,
        "scheduler_estimator": scheduler_estimator_manifests,
    }
    flags: dict[str, set[str]] = {}
    for component, build in builders.items():
        workloads = [m for m in build(props) if m["kind"] in ("Deployment", "StatefulSet")]
        assert workloads, component
        flags[component] = {arg.split("=", 1)[0][2:] for w in workloads
                            # The component's own container (the apiserver's aws-iam-authenticator has other flags).
                            for c in w["spec"]["template"]["spec"]["containers"][:1] for arg in c["command"]
                            if arg.startswith("--")}
    return flags


def test_extra_args_may_change_only_what_the_charts_leave_open():
    optional = {"descheduler": True, "search": True, "metrics_adapter": True, "scheduler_estimators": True}
    checked = 0
    for component, flags in _rendered_flags().items():
        for flag in sorted(flags):
            settings = {"component_settings": {component: {"extra_args": {flag: "1"}}}, "components": optional}
            if flag in TUNABLE:
                assert _with_karmada(**settings).karmada.component_settings.model_dump()[component]["extra_args"]
                continue
            with pytest.raises(ConfigError) as refused:
                _with_karmada(**settings)
            where = f"config: karmada.component_settings.{component}.extra_args: "
            if flag in TYPED:
                assert str(refused.value) == (f"{where}--{flag} has a setting of its own; use "
                                              f"{TYPED[flag].format(component=component)} instead")
            else:
                assert str(refused.value) == (f"{where}the chart sets --{flag} (wiring the control plane relies on); "
                                              f"remove {flag}")
            checked += 1
    assert checked > 150


def _config_examples():
    """Every YAML block of README.md and docs/*.md that is a config fragment (its keys are config sections)."""
    from eks_karmada.config import AppConfig
    from tests.docs.shell import code_blocks

    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for lang, start, lines in code_blocks(path):
            if lang != "yaml":
                continue
            try:
                documents = list(yaml.safe_load_all("\n".join(lines)))
            except yaml.YAMLError:  # a sketch with placeholders, not a config
                continue
            data = documents[0] if len(documents) == 1 else None
            if isinstance(data, dict) and set(data) <= set(AppConfig.model_fields):
                yield pytest.param(data, id=f"{path.relative_to(ROOT)}:{start}")


@pytest.mark.parametrize("example", list(_config_examples()))
def test_config_examples_in_the_docs_load(example):
    """A fragment's sections are laid over the default file's (a list replaces the default's)."""
    data = copy.deepcopy(DEFAULT)
    for section, value in example.items():
        data[section] = {**data.get(section, {}), **value} if isinstance(value, dict) else value
    parse_config(data, "example")


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
