"""The app's CloudFormation stack names, one place (eks_karmada/app_builder.py builds them, `make destroy` lists them).

Plain functions of the config, so a command can name the stacks without a synth (which starts Node.js).
"""

from __future__ import annotations

from eks_karmada.config import AppConfig, MemberConfig, MemberKind, SyncMode
from eks_karmada.image_cache import CacheSite, cache_sites
from eks_karmada.member_peering import accepters, privately_reached, requesters

EGRESS = "KarmadaEgress"
PARENT = "KarmadaParent"
WORKLOADS = "KarmadaWorkloads"


def member_stack(member: MemberConfig) -> str:
    return f"KarmadaMember-{member.name}"


def registration_stack(member: MemberConfig) -> str:
    return f"KarmadaRegistration-{member.name}"


def peering_stack(member: MemberConfig) -> str:
    """The peering connections `member` requests, with its own routes and rules (its region)."""
    return f"KarmadaPeering-{member.name}"


def peering_routes_stack(member: MemberConfig) -> str:
    """The routes and rules of the peerings `member` accepts (its region), after their KarmadaPeering stacks."""
    return f"KarmadaPeeringRoutes-{member.name}"


def control_peering_stack(member: MemberConfig) -> str:
    """The VPC peering from a privately reached member to the parent, with the member's side (its region)."""
    return f"KarmadaControlPeering-{member.name}"


def control_peering_routes_stack(member: MemberConfig) -> str:
    """The parent's routes to a privately reached member (the parent's region), after its KarmadaControlPeering."""
    return f"KarmadaControlPeeringRoutes-{member.name}"


def agent_metrics_stack(member: MemberConfig) -> str:
    return f"KarmadaAgentMetrics-{member.name}"


IMAGE_CACHE_PREFIX = "KarmadaImageCache-"


def image_cache_stack(site: CacheSite) -> str:
    """The pull-through cache of one registry: its region, and its account where the config names one."""
    return f"{IMAGE_CACHE_PREFIX}{site.account}-{site.region}" if site.account else f"{IMAGE_CACHE_PREFIX}{site.region}"


def has_agent_metrics_stack(config: AppConfig, member: MemberConfig) -> bool:
    """A Pull member in AWS, in the parent's account, with observability on: its agent's collector.

    A member in another account cannot find or write to the parent's workspace with its own credentials
    (docs/operations.md, "Metrics", says what to set up instead).
    """
    same_account = member.account is None or member.account == config.parent.account
    return (config.observability.enabled and member.sync_mode is SyncMode.pull
            and member.kind is not MemberKind.external and same_account)


def has_member_stack(member: MemberConfig) -> bool:
    """An external member lives outside AWS: it has a registration stack only."""
    return member.kind is not MemberKind.external


def all_stacks(config: AppConfig) -> list[str]:
    """Every stack of the config, in the order `cdk destroy --all` deletes them (tests/test_uninstall.py)."""
    members = config.members
    first = [WORKLOADS] if members else []
    registrations = [registration_stack(m) for m in members]
    registrations += [agent_metrics_stack(m) for m in members if has_agent_metrics_stack(config, m)]
    # Routes before the connections they use, both before the member VPCs they connect.
    peering = [peering_routes_stack(m) for m in accepters(config)] + [peering_stack(m) for m in requesters(config)]
    private = privately_reached(config)
    peering += [control_peering_routes_stack(m) for m in private] + [control_peering_stack(m) for m in private]
    clusters = [PARENT] + [member_stack(m) for m in members if has_member_stack(m)]
    caches = [image_cache_stack(site) for site in cache_sites(config)]
    return first + registrations + peering + clusters + caches + [EGRESS]
