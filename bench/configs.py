"""Benchmark configs with N member clusters, built and validated with the app's config model.

Every config is the default deployment (config/default.yaml: parent, Karmada, versions) with its
members replaced by N generated `new` members:

- spread round-robin over REGIONS (regions whose AZs a, b and c exist in every account, so the
  model's default `<region>a,b,c` zones are real),
- each with its own /16 VPC CIDR, distinct from each other and from the parent's VPC,
- sync modes mixed (every third member Pull, the others Push), and every fourth member on two
  AZs instead of three, so both shapes the model allows are synthesized.

Pull members need an internet-facing Karmada API endpoint that admits them (a config rule): every
size, Pull members or not, gets `api_endpoint: {scheme: internet-facing, allowed_cidrs:
[203.0.113.0/24]}` (RFC 5737 documentation range, standing for the members' egress addresses),
so the parent stack has the same shape at every N and its growth is due to the members alone.

The members are `MemberConfig` objects and the whole config goes through `parse_config`, so a
generated config is exactly as valid as a hand-written one; the YAML written is the validated
model dumped back (the fields the base file sets, and the members).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import yaml

from eks_karmada.config import AppConfig, MemberConfig, MemberKind, SyncMode, load_config, parse_config

# Regions with EKS whose zones a, b and c exist for every account (ap-northeast-1 and
# ca-central-1 lack a "b"/"c" zone, us-west-1 has only two zones, so they are left out).
REGIONS: tuple[str, ...] = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "us-east-2",
    "eu-west-2",
)

DEFAULT_SIZES: tuple[int, ...] = (1, 2, 10, 50, 100)

# What Pull members need from the Karmada API endpoint (see the module docstring).
API_ENDPOINT = {"scheme": "internet-facing", "allowed_cidrs": ["203.0.113.0/24"]}

# Pools of /16 blocks for member VPCs, in order: 10.1-10.255, 172.16-172.31, 192.168.
_POOLS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


def region_code(region: str) -> str:
    """us-east-1 -> use1, ap-southeast-2 -> apse2 (short, DNS-label safe)."""
    parts = region.split("-")
    middle = "".join(p[0] if p not in ("southeast", "northeast") else p[0] + "e" for p in parts[1:-1])
    return parts[0] + middle + parts[-1]


def member_cidrs(taken: list[str]) -> Iterator[str]:
    """Every /16 of the private pools that does not overlap a CIDR in `taken` (the parent's)."""
    used = [ipaddress.ip_network(c) for c in taken]
    for pool in _POOLS:
        for block in ipaddress.ip_network(pool).subnets(new_prefix=16):
            if not any(block.overlaps(u) for u in used):
                yield str(block)


def generate_members(count: int, parent_cidr: str, regions: tuple[str, ...] = REGIONS) -> list[MemberConfig]:
    """`count` new members, validated one by one by MemberConfig."""
    cidrs = member_cidrs([parent_cidr])
    members = []
    for index in range(1, count + 1):
        region = regions[(index - 1) % len(regions)]
        try:
            cidr = next(cidrs)
        except StopIteration:
            raise ValueError(f"{count} members need {count} distinct /16 CIDRs; the private pools ran out") from None
        members.append(
            MemberConfig(
                name=f"m{index:03d}-{region_code(region)}",
                kind=MemberKind.new,
                region=region,
                sync_mode=SyncMode.pull if index % 3 == 0 else SyncMode.push,
                vpc_cidr=cidr,
                availability_zones=[f"{region}a", f"{region}b"] if index % 4 == 0 else [],
                labels={"bench/index": str(index)},
            )
        )
    return members


def build_config(count: int, base: AppConfig | None = None) -> AppConfig:
    """The default deployment with `count` generated members, validated by the config model."""
    base = base or load_config()
    # Only what the base file sets: a switched-off section written out in full would be refused.
    data = base.model_dump(mode="json", exclude_unset=True)
    data["api_endpoint"] = {**data.get("api_endpoint", {}), **API_ENDPOINT}
    data["members"] = [m.model_dump(mode="json") for m in generate_members(count, base.parent.vpc_cidr)]
    return parse_config(data, source=f"bench config N={count}")


def check_unique(config: AppConfig) -> None:
    """What the model does not check itself: member CIDRs distinct and clear of the parent's VPC."""
    names = [m.name for m in config.members]
    if len(set(names)) != len(names):
        raise ValueError("duplicate member names")
    networks = [ipaddress.ip_network(config.parent.vpc_cidr)] + [ipaddress.ip_network(m.vpc_cidr)
                                                                 for m in config.members]
    for i, a in enumerate(networks):
        for b in networks[i + 1:]:
            if a.overlaps(b):
                raise ValueError(f"overlapping VPC CIDRs {a} and {b}")


def write_config(config: AppConfig, path: Path) -> Path:
    """Write the validated config as YAML; loading it back gives the same model."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"# Generated by bench/configs.py: {len(config.members)} members. Do not edit.\n"
    path.write_text(header + yaml.safe_dump(config.model_dump(mode="json", exclude_unset=True),
                                                        sort_keys=False), encoding="utf-8")
    return path
