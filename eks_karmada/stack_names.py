"""The app's CloudFormation stack names, one place (eks_karmada/app_builder.py builds them, `make destroy` lists them).

Plain functions of the config, so a command can name the stacks without a synth (which starts Node.js).
"""

from __future__ import annotations

from eks_karmada.config import AppConfig, MemberConfig, MemberKind

EGRESS = "KarmadaEgress"
PARENT = "KarmadaParent"
WORKLOADS = "KarmadaWorkloads"


def member_stack(member: MemberConfig) -> str:
    return f"KarmadaMember-{member.name}"


def registration_stack(member: MemberConfig) -> str:
    return f"KarmadaRegistration-{member.name}"


def has_member_stack(member: MemberConfig) -> bool:
    """An external member lives outside AWS: it has a registration stack only."""
    return member.kind is not MemberKind.external


def all_stacks(config: AppConfig) -> list[str]:
    """Every stack of the config, in the order `cdk destroy --all` deletes them (tests/test_uninstall.py)."""
    members = config.members
    first = [WORKLOADS] if members else []
    registrations = [registration_stack(m) for m in members]
    clusters = [PARENT] + [member_stack(m) for m in members if has_member_stack(m)]
    return first + registrations + clusters + [EGRESS]
