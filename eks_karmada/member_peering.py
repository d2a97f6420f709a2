"""Which members' VPCs traffic.interconnect: vpc_peering connects, and which the parent peers with, from the config.

Plain functions (no CDK), so the stack names and `make destroy` can list the peering stacks without a synth.
"""

from __future__ import annotations

from dataclasses import dataclass

from eks_karmada.config import AppConfig, Interconnect, MemberConfig, MemberKind


@dataclass(frozen=True, kw_only=True)
class PeeredPair:
    """Two new members whose VPCs are peered: the requester comes first in the config."""

    requester: MemberConfig
    """Owns the peering connection (in the KarmadaPeering-<requester> stack, in its region)."""
    accepter: MemberConfig
    """Accepts it; its routes and rules are in KarmadaPeeringRoutes-<accepter>, in its region."""

    @property
    def cross_region(self) -> bool:
        return self.requester.region != self.accepter.region


def peered_members(config: AppConfig) -> list[MemberConfig]:
    """The members the mesh connects: every `new` member, when traffic with vpc_peering is on."""
    traffic = config.traffic
    if not traffic.enabled or traffic.interconnect is not Interconnect.vpc_peering:
        return []
    return [m for m in config.members if m.kind is MemberKind.new]


def peered_pairs(config: AppConfig) -> list[PeeredPair]:
    """Every two peered members once, in config order: n(n-1)/2 peering connections for n members."""
    members = peered_members(config)
    return [PeeredPair(requester=a, accepter=b) for i, a in enumerate(members) for b in members[i + 1:]]


def requesters(config: AppConfig) -> list[MemberConfig]:
    """Members that request at least one peering (all peered members but the last)."""
    return peered_members(config)[:-1]


def accepters(config: AppConfig) -> list[MemberConfig]:
    """Members that accept at least one peering (all peered members but the first)."""
    return peered_members(config)[1:]


def privately_reached(config: AppConfig) -> list[MemberConfig]:
    """The `new` members the parent reaches over a VPC peering with its own VPC (endpoint.parent_access: private)."""
    return [m for m in config.members if m.privately_reached]
