"""Builds every stack of the app from a validated config (used by app.py and the tests)."""

from __future__ import annotations

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from eks_karmada.config import AppConfig, MemberKind
from karmada_constructs.rendered_manifests import RenderedManifests
from stacks.egress_stack import KarmadaEgressStack
from stacks.member_stack import KarmadaMemberStack
from stacks.parent_stack import KarmadaParentStack


def build_app(app: App, config: AppConfig) -> RenderedManifests:
    """Add the stacks to `app`; returns the rendered-manifest collector to write after synth."""
    egress = KarmadaEgressStack(app, "KarmadaEgress", config=config)
    KarmadaParentStack(app, "KarmadaParent", config=config, nat_eip_allocation_ids=egress.allocation_ids)
    for member in config.members:
        if member.kind is MemberKind.new:
            stack = KarmadaMemberStack(app, f"KarmadaMember-{member.name}", config=config, member=member)
            # An ordering edge only: the member reads the addresses at deploy time, by tag.
            stack.add_dependency(egress)
    # cdk-nag 3 runs as a policy-validation plugin: unacknowledged findings fail synth.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return RenderedManifests.of(app)
