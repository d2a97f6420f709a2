"""The stand-in clusters' processes: full members for the scenarios, lean ones for the capacity benchmark."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_control_plane.clusters import LEAN_CONTROLLERS, ClusterPlan, LocalCluster
from local_control_plane.environment import LocalError, member_stand_ins
from local_control_plane.layout import Layout
from local_control_plane.network import Network


def _lean_member(tmp_path: Path) -> LocalCluster:
    layout = Layout(tmp_path)
    plan = ClusterPlan("m1", member=True, zones=("us-east-1a",), region="us-east-1", lean=True)
    binaries = {name: tmp_path / name for name in ("kube-controller-manager", "kube-scheduler", "kwok")}
    return LocalCluster(layout, Network(layout), plan, binaries)


def test_a_lean_member_runs_only_the_controllers_karmada_reads_back(tmp_path: Path) -> None:
    member = _lean_member(tmp_path)
    components = member._member_components(str(member.pki_dir), {k: str(v) for k, v in member.binaries.items()})
    assert [c.name for c in components] == ["kube-controller-manager"]  # no scheduler, no kwok
    flags = [a for a in components[0].argv if a.startswith("--controllers=")]
    assert flags == [f"--controllers={LEAN_CONTROLLERS}"]
    # Deployment status (what the benchmark waits for) and namespace cleanup; registration's tokens come from the
    # API server (TokenRequest), so no token controller.
    assert set(LEAN_CONTROLLERS.split(",")) == {"deployment", "namespace"}


@pytest.mark.parametrize(("value", "expected"), [(None, "full"), ("", "full"), ("full", "full"), ("lean", "lean")])
def test_member_stand_ins_default_to_full(monkeypatch: pytest.MonkeyPatch, value: str | None, expected: str) -> None:
    if value is None:
        monkeypatch.delenv("LOCAL_MEMBERS", raising=False)
    else:
        monkeypatch.setenv("LOCAL_MEMBERS", value)
    assert member_stand_ins() == expected


def test_an_unknown_member_stand_in_is_one_line_naming_the_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCAL_MEMBERS", "tiny")
    with pytest.raises(LocalError) as err:
        member_stand_ins()
    assert "\n" not in str(err.value)
    assert str(err.value).startswith("LOCAL_MEMBERS='tiny': use full (the default) or lean")
