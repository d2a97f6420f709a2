"""The MultiClusterService controllers run exactly when traffic is on (controller-manager, Pull agents)."""

from __future__ import annotations

from pathlib import Path

import cdk8s
import yaml
from karmada_render import flag, only_container, render

from charts.karmada import ComponentSettings, KarmadaControlPlaneProps, PodSettings, names
from eks_karmada.chart_props import control_plane_props
from eks_karmada.config import AppConfig, SyncMode, load_config
from eks_karmada.member_objects import member_chart

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "config" / "default.yaml"
LOCAL_CONFIG = DEFAULT_CONFIG.with_name("local.yaml")


def _gates(props: KarmadaControlPlaneProps) -> str:
    return str(flag(only_container(render(props), names.CONTROLLER_MANAGER), "--feature-gates"))


def test_the_gate_is_off_by_default_and_on_with_multi_cluster_service():
    assert _gates(KarmadaControlPlaneProps()) == "Failover=true,GracefulEviction=true"
    assert _gates(KarmadaControlPlaneProps(multi_cluster_service=True)) == (
        "Failover=true,GracefulEviction=true,MultiClusterService=true")


def test_a_configured_gate_still_wins_over_the_charts_own():
    props = KarmadaControlPlaneProps(multi_cluster_service=True, settings=ComponentSettings(
        controller_manager=PodSettings(feature_gates={"MultiClusterService": False})))
    assert _gates(props) == "Failover=true,GracefulEviction=true,MultiClusterService=false"


def _config(tmp_path, **traffic) -> AppConfig:
    config = yaml.safe_load(DEFAULT_CONFIG.read_text())
    config["traffic"] = traffic
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(config))
    return load_config(path)


def test_traffic_enabled_turns_the_gate_on(tmp_path):
    off = control_plane_props(_config(tmp_path, enabled=False), "nlb.example")
    on = control_plane_props(
        _config(tmp_path, enabled=True, hosted_zone_id="Z0123456789ABCDEFGHIJ", domain="apps.example.com"),
        "nlb.example")
    assert (off.multi_cluster_service, on.multi_cluster_service) == (False, True)
    assert "MultiClusterService=true" in _gates(on)


def _agent_args(config: AppConfig) -> list[str]:
    pull = next(m for m in config.members if m.sync_mode is SyncMode.pull)
    chart = member_chart(cdk8s.Testing.app(), config, pull, "https://member.example")
    [agent] = [o for o in chart.to_json() if o["kind"] == "Deployment"]
    return agent["spec"]["template"]["spec"]["containers"][0]["command"]


def test_a_pull_members_agent_collects_endpoint_slices_only_with_traffic_on(tmp_path):
    local = yaml.safe_load(LOCAL_CONFIG.read_text())
    for enabled in (False, True):
        local["traffic"] = {"enabled": True, "hosted_zone_id": "Z0123456789ABCDEFGHIJ", "domain": "apps.example.com",
                            "cross_member_ports": [8080]} if enabled else {}
        path = tmp_path / "local.yaml"
        path.write_text(yaml.safe_dump(local))
        assert ("--feature-gates=MultiClusterService=true" in _agent_args(load_config(path))) is enabled
