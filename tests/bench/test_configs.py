"""Generated configs are valid per the config model, with unique names and CIDRs."""

from __future__ import annotations

import ipaddress

import pytest

from bench.configs import REGIONS, build_config, check_unique, generate_members, region_code, write_config
from eks_karmada.config import MemberKind, SyncMode, load_config


@pytest.mark.parametrize("count", [1, 2, 10, 100])
def test_generated_configs_are_valid_and_unique(count):
    config = build_config(count)
    check_unique(config)
    assert len(config.members) == count
    names = [m.name for m in config.members]
    assert len(set(names)) == count
    cidrs = [ipaddress.ip_network(m.vpc_cidr) for m in config.members]
    assert len(set(cidrs)) == count and all(c.prefixlen == 16 for c in cidrs)
    parent = ipaddress.ip_network(config.parent.vpc_cidr)
    assert not any(c.overlaps(parent) for c in cidrs)
    assert all(m.kind is MemberKind.new for m in config.members)


def test_members_spread_over_regions_and_mix_shapes():
    config = build_config(100)
    regions = {m.region for m in config.members}
    assert regions == set(REGIONS)
    modes = {m.sync_mode for m in config.members}
    assert modes == {SyncMode.push, SyncMode.pull}
    assert {len(m.zones) for m in config.members} == {2, 3}


def test_everything_but_members_and_endpoint_is_the_default_deployment():
    default = load_config()
    config = build_config(2)
    assert config.api_endpoint.scheme == "internet-facing"  # what Pull members need, at every size
    assert config.model_copy(update={"members": default.members, "api_endpoint": default.api_endpoint}) == default


def test_written_config_loads_back_identically(tmp_path):
    config = build_config(10)
    path = write_config(config, tmp_path / "members-10.yaml")
    assert load_config(path) == config


def test_running_out_of_cidrs_is_an_error():
    # 255 /16s in 10/8 (10.0 is the parent's), 16 in 172.16/12, 1 in 192.168/16.
    assert len(generate_members(272, "10.0.0.0/16")) == 272
    with pytest.raises(ValueError, match="CIDRs"):
        generate_members(273, "10.0.0.0/16")


def test_region_codes_are_dns_safe():
    assert region_code("us-east-1") == "use1"
    assert region_code("ap-southeast-2") == "apse2"
    assert region_code("eu-central-1") == "euc1"
