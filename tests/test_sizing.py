"""The control plane is sized for the fleet the config declares."""

from __future__ import annotations

import copy

import pytest
import yaml

from charts.karmada import sizing_profile_for_members
from eks_karmada.chart_props import control_plane_props, storage_class_props
from eks_karmada.config import DEFAULT_CONFIG_PATH, parse_config


@pytest.mark.parametrize("members, tier", [(0, "small"), (2, "small"), (10, "small"), (11, "medium"), (50, "medium"),
                                           (51, "large"), (100, "large"), (500, "large")])
def test_tier_by_member_count(members, tier):
    assert sizing_profile_for_members(members).name == tier


def test_sizes_grow_monotonically():
    small, medium, large = (sizing_profile_for_members(n) for n in (1, 30, 100))
    assert small.etcd_volume_gib < medium.etcd_volume_gib < large.etcd_volume_gib
    assert small.gp3_iops < medium.gp3_iops < large.gp3_iops
    gib = {"1Gi": 1, "2Gi": 2, "4Gi": 4}
    assert [gib[p.resources.etcd.memory_request] for p in (small, medium, large)] == [1, 2, 4]


def _config(members: int, **karmada):
    data = copy.deepcopy(yaml.safe_load(DEFAULT_CONFIG_PATH.read_text()))
    data["members"] = [{"name": f"m{i}", "region": "us-west-2", "vpc_cidr": f"10.{10 + i % 200}.0.0/16"}
                       for i in range(members)]
    data["karmada"].update(karmada)
    return parse_config(data)


def test_a_hundred_members_get_the_large_profile():
    config = _config(100)
    props = control_plane_props(config, "nlb.example.com")
    assert props.resources.etcd.memory_request == "4Gi" and props.resources.apiserver.cpu_request == "2"
    assert props.etcd_storage_size == "100Gi"
    storage = storage_class_props(config)
    assert (storage.iops, storage.throughput_mibps) == (6000, 500)


def test_config_can_only_raise_the_profile():
    assert control_plane_props(_config(2, etcd_volume_gib=200), "nlb").etcd_storage_size == "200Gi"
    assert control_plane_props(_config(2, etcd_volume_gib=5), "nlb").etcd_storage_size == "20Gi"
