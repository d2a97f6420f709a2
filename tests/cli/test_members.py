"""`eks-karmada members`: the list with Karmada status, and add/remove as one command (issue 17).

The tests run in the repository (pytest's rootdir), so the steps print as typed there; a test below runs
from elsewhere.
"""

from __future__ import annotations

import shlex
import subprocess

import pytest

from eks_karmada.cli import members as members_module
from eks_karmada.cli.members import ROOT
from eks_karmada.config import DEFAULT_CONFIG_PATH, load_config
from tests.cli.harness import write_config

DEFAULT_TEXT = DEFAULT_CONFIG_PATH.read_text()


@pytest.fixture
def config(tmp_path):
    """A copy of the default config, comments and all."""
    return write_config(tmp_path / "my.yaml", DEFAULT_TEXT)


def _deploy(path, stacks: str) -> str:
    return shlex.join(["make", "deploy", f"CONFIG={path}", f"STACKS={stacks}"])


# ---- add -----------------------------------------------------------------------------------------------------


def test_add_appends_the_member_keeping_every_comment_and_prints_the_deploy_of_its_stacks(world, config):
    result = world.invoke("members", "add", "member-euw1", "--region", "eu-west-1", "--vpc-cidr", "10.3.0.0/16",
                          "-c", str(config))
    assert result.exit_code == 0, result.output
    text = config.read_text()
    head, tail = DEFAULT_TEXT.split("\nsample_workload:")
    assert text == head + """  - name: member-euw1
    kind: new
    region: eu-west-1
    sync_mode: Push
    vpc_cidr: 10.3.0.0/16
""" + "\nsample_workload:" + tail
    assert result.stdout.splitlines() == [
        f"Added member member-euw1 (new, eu-west-1) to {config}.",
        "Deploy it (only the stacks concerned):",
        "  " + _deploy(config, "KarmadaParent KarmadaMember-member-euw1 KarmadaRegistration-member-euw1 "
                               "KarmadaControlPeering-member-euw1 KarmadaControlPeeringRoutes-member-euw1 "
                               "KarmadaWorkloads"),
    ]
    assert [m.name for m in load_config(config).members] == ["member-use1", "member-usw2", "member-euw1"]


ADD_PLANS = [
    ("external: no member stack", ["edge-1", "--kind", "external"],
     "api_endpoint: {scheme: internet-facing, allowed_cidrs: [198.51.100.0/24]}\n",
     "KarmadaParent KarmadaRegistration-edge-1 KarmadaWorkloads"),
    ("another account: the egress reader trusts it", ["m2", "--region", "us-west-2", "--account", "210987654321",
                                                      "--vpc-cidr", "10.4.0.0/16", "--parent-access", "public"], "",
     "KarmadaEgress KarmadaParent KarmadaMember-m2 KarmadaRegistration-m2 KarmadaWorkloads"),
    ("existing EKS cluster", ["prod", "--kind", "existing", "--region", "us-east-1", "--cluster-name", "prod-eks"],
     "", "KarmadaParent KarmadaMember-prod KarmadaRegistration-prod KarmadaWorkloads"),
    ("sample off: no workloads stack", ["m2", "--region", "us-west-2"], "sample_workload: {enabled: false}\n",
     "KarmadaParent KarmadaMember-m2 KarmadaRegistration-m2 KarmadaControlPeering-m2 KarmadaControlPeeringRoutes-m2"),
]


@pytest.mark.parametrize("args, extra, stacks", [c[1:] for c in ADD_PLANS], ids=[c[0] for c in ADD_PLANS])
def test_add_deploys_only_the_stacks_concerned(world, tmp_path, args, extra, stacks):
    config = write_config(tmp_path / "c.yaml", extra + "members: []\n")
    result = world.invoke("members", "add", *args, "-c", str(config))
    assert result.exit_code == 0, result.output
    assert _deploy(config, stacks) in result.stdout


ADD_REFUSED = [
    ("invalid region", ["m3", "--region", "eu-west-9"],
     "members[2].region: unknown region 'eu-west-9'; use an AWS region where EKS runs, e.g. us-east-1"),
    ("existing without cluster name", ["m3", "--kind", "existing", "--region", "us-east-1"],
     "members[2].cluster_name: an existing member needs it; add the EKS cluster name to import"),
    ("bad name", ["M3", "--region", "us-east-1"],
     "members[2].name: 'M3' is not a DNS label; use 1-32 lower-case letters, digits and '-'"),
]


@pytest.mark.parametrize("args, problem", [c[1:] for c in ADD_REFUSED], ids=[c[0] for c in ADD_REFUSED])
def test_an_add_that_breaks_the_config_writes_nothing(world, config, args, problem):
    result = world.invoke("members", "add", *args, "-c", str(config))
    assert result.exit_code == 1
    assert result.stderr == f"error: not added, {config} is unchanged: {config}: {problem}\n"
    assert config.read_text() == DEFAULT_TEXT


def test_adding_a_name_already_there_is_refused(world, config):
    result = world.invoke("members", "add", "member-use1", "--region", "us-east-1", "-c", str(config))
    assert result.exit_code == 1
    assert result.stderr == (f"error: {config}: a member named member-use1 is already in the config; choose another "
                             "name or remove it first (eks-karmada members remove member-use1)\n")
    assert config.read_text() == DEFAULT_TEXT


# ---- remove --------------------------------------------------------------------------------------------------


def test_remove_prints_the_steps_in_order_and_changes_nothing(world, config):
    result = world.invoke("members", "remove", "member-usw2", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Nothing changed yet. To remove member-usw2, run in order (or rerun with --run):",
        f"  1. npx cdk destroy --exclusively --force -c config={config} KarmadaRegistration-member-usw2",
        f"  2. npx cdk destroy --exclusively --force -c config={config} KarmadaControlPeeringRoutes-member-usw2",
        f"  3. npx cdk destroy --exclusively --force -c config={config} KarmadaControlPeering-member-usw2",
        f"  4. npx cdk destroy --exclusively --force -c config={config} KarmadaMember-member-usw2",
        f"  5. eks-karmada members remove member-usw2 --edit-only --config {config}",
        "  6. " + _deploy(config, "KarmadaParent KarmadaWorkloads"),
    ]
    assert config.read_text() == DEFAULT_TEXT


def test_edit_only_removes_the_member_and_keeps_the_rest_of_the_file(world, config):
    result = world.invoke("members", "remove", "member-use1", "--edit-only", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert config.read_text() == DEFAULT_TEXT.replace(
        "  - name: member-use1\n    kind: new\n    region: us-east-1\n    sync_mode: Push\n    vpc_cidr: 10.1.0.0/16\n",
        "")


def test_edit_only_also_drops_the_member_from_the_samples_list(world, config):
    listed = "sample_workload:\n  enabled: true\n  members: [member-use1, member-usw2]\n"
    config.write_text(DEFAULT_TEXT.replace("sample_workload:\n  enabled: true\n", listed))
    result = world.invoke("members", "remove", "member-use1", "--edit-only", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert "  members: [member-usw2]\n" in config.read_text()


def test_add_then_remove_gives_back_the_same_file(world, config):
    world.invoke("members", "add", "m3", "--region", "us-west-2", "--vpc-cidr", "10.3.0.0/16", "-c", str(config))
    result = world.invoke("members", "remove", "m3", "--edit-only", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert config.read_text() == DEFAULT_TEXT


def test_removing_the_last_member_destroys_the_workloads_first(world, tmp_path):
    config = write_config(tmp_path / "c.yaml", "members:\n  - {name: only, region: us-east-1}\n")
    result = world.invoke("members", "remove", "only", "-c", str(config))
    assert result.stdout.splitlines()[1:3] == [
        f"  1. npx cdk destroy --exclusively --force -c config={config} KarmadaWorkloads",
        f"  2. npx cdk destroy --exclusively --force -c config={config} KarmadaRegistration-only",
    ]
    assert result.stdout.splitlines()[-1] == "  7. " + _deploy(config, "KarmadaParent")


def test_removing_an_unknown_member_names_the_known_ones(world, config):
    result = world.invoke("members", "remove", "nope", "-c", str(config))
    assert (result.exit_code, result.stderr) == (
        1, f"error: {config}: no member named nope (members: member-use1, member-usw2)\n")


class _Recorder:
    """subprocess.run, recorded: each command with the config text at the time it ran."""

    def __init__(self, config, fail: str = "") -> None:
        self.config, self.fail, self.calls = config, fail, []

    def __call__(self, command, **kwargs):
        self.calls.append((command[:3], "member-usw2" in self.config.read_text()))
        assert kwargs["cwd"] == ROOT
        return subprocess.CompletedProcess(command, 1 if self.fail and self.fail in command else 0)


def test_remove_run_destroys_while_the_member_is_in_the_config_then_edits_then_deploys(world, config, monkeypatch):
    recorder = _Recorder(config)
    monkeypatch.setattr(members_module.subprocess, "run", recorder)
    result = world.invoke("members", "remove", "member-usw2", "--run", "-c", str(config))
    assert result.exit_code == 0, result.output
    # The registration, the two control-peering stacks, the member; then the edit and the deploy.
    assert recorder.calls == [*[(["npx", "cdk", "destroy"], True)] * 4, (["make", "deploy", f"CONFIG={config}"], False)]


def test_a_failed_step_stops_the_removal_before_the_config_changes(world, config, monkeypatch):
    recorder = _Recorder(config, fail="KarmadaMember-member-usw2")
    monkeypatch.setattr(members_module.subprocess, "run", recorder)
    result = world.invoke("members", "remove", "member-usw2", "--run", "-c", str(config))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: `npx cdk destroy --exclusively --force")
    assert result.stderr.endswith("failed (exit code 1); fix what it printed and rerun the same eks-karmada "
                                  "members command\n")
    assert config.read_text() == DEFAULT_TEXT


# ---- list ----------------------------------------------------------------------------------------------------


def _cells(stdout: str, first: str) -> list[str]:
    for line in stdout.splitlines():
        cells = [c.strip() for c in line.split("│")[1:-1]]
        if cells and cells[0] == first:
            return cells
    raise AssertionError(f"no row {first} in:\n{stdout}")


def test_list_shows_the_karmada_status_of_each_member(world):
    world.deployed(members=("member-use1",))
    world.expect_stack()
    result = world.invoke("members")
    assert result.exit_code == 0, result.output
    assert _cells(result.stdout, "member-use1")[-1] == "ready"
    assert _cells(result.stdout, "member-usw2")[-1] == "not registered"


def test_list_falls_back_to_the_config_with_a_note_when_karmada_is_out_of_reach(world):
    world.deployed()
    world.expect_stack()
    world.karmada_unreachable = True
    result = world.invoke("members")
    assert result.exit_code == 0, result.output
    assert _cells(result.stdout, "member-use1")[1:4] == ["new", "us-east-1", "Push"]
    assert result.stdout.splitlines()[-1].startswith(
        "Showing the config only. Karmada API not reached: cannot reach the Karmada API at https://")


def test_list_offline_asks_nothing(world):
    result = world.invoke("members", "--offline")
    assert result.exit_code == 0, result.output
    assert world.profiles == []
    assert result.stdout.splitlines()[-1] == "Showing the config only. not asked (--offline)"


def test_from_outside_the_repository_the_steps_cd_into_it_with_absolute_paths(world, config, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = world.invoke("members", "remove", "member-usw2", "-c", "my.yaml")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1] == (f"  1. cd {ROOT} && npx cdk destroy --exclusively --force -c config={config} "
                        "KarmadaRegistration-member-usw2")
    assert lines[5] == f"  5. eks-karmada members remove member-usw2 --edit-only --config {config}"


# ---- with traffic.interconnect vpc_peering -------------------------------------------------------------------

TRAFFIC_TEXT = (ROOT / "config" / "traffic.yaml").read_text()


def test_adding_a_peered_member_deploys_the_peerings_it_joins(world, tmp_path):
    config = write_config(tmp_path / "t.yaml", TRAFFIC_TEXT)
    result = world.invoke("members", "add", "m4", "--region", "us-west-2", "--vpc-cidr", "10.4.0.0/16",
                          "-c", str(config))
    assert result.exit_code == 0, result.output
    # Every earlier member requests a connection to it; it accepts them in its own routes stack.
    assert _deploy(config, "KarmadaParent KarmadaMember-m4 KarmadaRegistration-m4 KarmadaPeering-member-use1 "
                           "KarmadaPeering-member-usw2 KarmadaPeering-member-use1-b KarmadaPeeringRoutes-m4 "
                           "KarmadaControlPeering-m4 KarmadaControlPeeringRoutes-m4 KarmadaWorkloads") in result.stdout


def test_removing_a_peered_member_destroys_its_own_peering_stacks_before_its_vpc(world, tmp_path):
    config = write_config(tmp_path / "t.yaml", TRAFFIC_TEXT)
    result = world.invoke("members", "remove", "member-usw2", "-c", str(config))
    assert result.exit_code == 0, result.output
    destroy = f"npx cdk destroy --exclusively --force -c config={config}"
    # member-usw2 requests member-use1-b's connection and accepts member-use1's: both its stacks go; member-use1's
    # KarmadaPeering and member-use1-b's KarmadaPeeringRoutes stay, without member-usw2's connection and routes.
    assert result.stdout.splitlines() == [
        "Nothing changed yet. To remove member-usw2, run in order (or rerun with --run):",
        f"  1. {destroy} KarmadaRegistration-member-usw2",
        f"  2. {destroy} KarmadaControlPeeringRoutes-member-usw2",
        f"  3. {destroy} KarmadaControlPeering-member-usw2",
        f"  4. {destroy} KarmadaPeeringRoutes-member-usw2",
        f"  5. {destroy} KarmadaPeering-member-usw2",
        f"  6. {destroy} KarmadaMember-member-usw2",
        f"  7. eks-karmada members remove member-usw2 --edit-only --config {config}",
        "  8. " + _deploy(config, "KarmadaParent KarmadaWorkloads KarmadaPeering-member-use1 "
                                  "KarmadaPeeringRoutes-member-use1-b"),
    ]
