"""`eks-karmada validate`: the config and the workloads, every error one line, no synth and no AWS."""

from __future__ import annotations

import textwrap
from pathlib import Path

import cdk8s  # noqa: F401 - start jsii under the real HOME, before any test changes it
from typer.testing import CliRunner

from eks_karmada.cli.main import app
from tests.synth import ROOT

ENV = {"COLUMNS": "200", "CONFIG": None, "AWS_PROFILE": None, "AWS_ACCESS_KEY_ID": None,
       "AWS_EC2_METADATA_DISABLED": "true", "EKS_KARMADA_DEBUG": None}
SHOP = """
from cdk8s import ApiObject, Chart
from charts.policies import ClusterAffinity, Placement, PropagationPolicy, ResourceSelector, add_policy


def shop(app, config):
    chart = Chart(app, "shop")
    ApiObject(chart, "api", api_version="apps/v1", kind="Deployment", metadata={"name": "api", "namespace": "shop"})
    add_policy(chart, PropagationPolicy(
        name="api", namespace="shop",
        resource_selectors=[ResourceSelector(api_version="apps/v1", kind="Deployment", name="apl")],
        placement=Placement(cluster_affinity=ClusterAffinity(cluster_names=["member-use1", "member-euw1"])),
    ))
    return chart


WORKLOADS = [shop]
"""


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(app, ["validate", *args], env={**ENV, **(env or {})}, prog_name="eks-karmada")


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_the_default_config_is_ok_with_a_summary(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run()
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == ("OK: config/default.yaml: 2 members: member-use1 (new, Push), member-usw2 (new, Push); "
                             "1 workload chart: sample-workload (6 objects)\n")


def test_every_workload_problem_is_printed_one_line_each(tmp_path):
    (tmp_path / "shop_validate_cli.py").write_text(SHOP)
    config = write(tmp_path, f"""\
        members:
          - {{name: member-use1, region: us-east-1}}
        workloads:
          python_path: [{tmp_path}]
          modules: [shop_validate_cli]
        """)
    result = run(str(config))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: KarmadaWorkloads/shop: Deployment shop/api: metadata.namespace: namespace 'shop' is not created by "
        "any workload; add a Namespace 'shop' to a workload chart (and a ClusterPropagationPolicy that sends it where "
        "the object goes), or use one of default, kube-system, kube-public, kube-node-lease",
        "error: KarmadaWorkloads/shop: PropagationPolicy shop/api: metadata.namespace: namespace 'shop' is not "
        "created by any workload; add a Namespace 'shop' to a workload chart (and a ClusterPropagationPolicy that "
        "sends it where the object goes), or use one of default, kube-system, kube-public, kube-node-lease",
        "error: KarmadaWorkloads/shop: PropagationPolicy shop/api: spec.placement.clusterAffinity.clusterNames[1]: "
        "'member-euw1' is not a member of the config; use one of member-use1",
        "error: KarmadaWorkloads/shop: PropagationPolicy shop/api: spec.resourceSelectors[0]: selects no object of "
        "the workloads (apps/v1 Deployment in shop named apl); fix the selector or add the object to a workload "
        'chart (for objects applied by other means, annotate the policy '
        'eks-karmada.io/selects-objects-applied-elsewhere: "true")',
    ]


def test_a_bad_config_is_the_apps_message_and_stops_there(tmp_path):
    config = write(tmp_path, "karmada: {etcd_replicas: 4}\nworkloads: {modules: [not_there]}\n")
    result = run(str(config))
    assert result.exit_code == 1
    assert result.stderr == (f"error: {config}: karmada.etcd_replicas: 4 etcd replicas tolerate no more failures "
                             "than 3; use an odd number such as 3 or 5\n")
    assert "Traceback" not in result.output


def test_a_missing_file_is_one_line(tmp_path):
    result = run(str(tmp_path / "nope.yaml"))
    assert result.exit_code == 1
    assert result.stderr == (f"error: {tmp_path / 'nope.yaml'}: cannot read the config file (No such file or "
                             "directory); check the path given as CONFIG or -c config\n")


def test_the_argument_wins_over_the_option_and_the_environment(tmp_path):
    good = write(tmp_path, "members: []\n", "good.yaml")
    bad = write(tmp_path, "members: 3\n", "bad.yaml")
    assert run(str(good), "--config", str(bad), env={"CONFIG": str(bad)}).exit_code == 0
    assert run("--config", str(good), env={"CONFIG": str(bad)}).exit_code == 0
    assert run(env={"CONFIG": str(bad)}).exit_code == 1


def test_warnings_go_to_stderr_and_the_sample_is_left_out_of_existing_members(tmp_path):
    config = write(tmp_path, "members:\n  - {name: prod, kind: existing, region: us-east-1, cluster_name: prod}\n")
    result = run(str(config))
    assert result.exit_code == 0
    assert result.stdout == f"OK: {config}: 1 member: prod (existing, Push); no workload charts\n"
    assert result.stderr == ("warning: members.prod.kubectl_network not set: its kubectl provider runs outside any "
                             "VPC, so the cluster's public endpoint must admit AWS Lambda; give private subnets of "
                             "its VPC (docs/operations.md, existing members)\n"
                             "warning: sample_workload: no `new` member, so the sample is not deployed; list the "
                             "members it may go to in sample_workload.members, or set sample_workload.enabled: "
                             "false\n")
