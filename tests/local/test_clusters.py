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


def test_one_identity_asked_for_at_once_is_one_matching_key_pair(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every caller of an identity asked for at once gets the one pair, and it matches.

    The deployer and the schedules daemon's threads ask for the same handler identity together (a CI run read one
    maker's certificate beside another's key: KEY_VALUES_MISMATCH).
    """
    from concurrent.futures import ThreadPoolExecutor

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from local_control_plane import pki

    member = _lean_member(tmp_path)
    member.ca  # noqa: B018 - the CA first, as the parent's start makes it
    issue = pki.issue_leaf

    def slow_issue(*args, **kwargs):  # widen the window in which a second maker would start
        import time
        time.sleep(0.2)
        return issue(*args, **kwargs)

    monkeypatch.setattr(pki, "issue_leaf", slow_issue)
    with ThreadPoolExecutor(6) as pool:
        accesses = list(pool.map(lambda _: member.identity("arn:aws:sts::1:assumed-role/r/local", ("g",), "r"),
                                 range(6)))
    assert len({(a.cert_pem, a.key_pem) for a in accesses}) == 1
    public = x509.load_pem_x509_certificate(accesses[0].cert_pem).public_key()
    key = serialization.load_pem_private_key(accesses[0].key_pem, None).public_key()
    assert public.public_numbers() == key.public_numbers()  # type: ignore[union-attr]
    assert (member.pki_dir / "client-r.key").stat().st_mode & 0o777 == 0o600
