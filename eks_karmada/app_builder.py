"""Builds every stack of the app from a validated config (used by app.py and the tests)."""

from __future__ import annotations

import cdk8s
from aws_cdk import App, Stack, Validations
from cdk_nag import AwsSolutionsChecks

from eks_karmada import stack_names
from eks_karmada.config import AppConfig, MemberConfig, MemberKind
from eks_karmada.deployer import CONTEXT_KEY as DEPLOYER_CONTEXT
from eks_karmada.deployer import deployer_principal
from eks_karmada.image_cache import cache_site, cache_sites
from eks_karmada.member_objects import member_chart, member_target
from eks_karmada.member_peering import accepters, peered_pairs, requesters
from eks_karmada.workload_sources import checked_charts
from karmada_constructs.log_encryption import give_every_function_its_log_group
from karmada_constructs.rendered_manifests import RenderedManifests
from stacks.agent_metrics_stack import KarmadaAgentMetricsStack
from stacks.control_peering_routes_stack import KarmadaControlPeeringRoutesStack
from stacks.control_peering_stack import KarmadaControlPeeringStack
from stacks.egress_stack import KarmadaEgressStack
from stacks.image_cache_stack import KarmadaImageCacheStack
from stacks.member_stack import KarmadaMemberStack
from stacks.parent_stack import KarmadaParentStack
from stacks.peering_routes_stack import KarmadaPeeringRoutesStack
from stacks.peering_stack import KarmadaPeeringStack
from stacks.registration_stack import KarmadaRegistrationStack
from stacks.workloads_stack import KarmadaWorkloadsStack
from workloads import Workload


def build_app(app: App, config: AppConfig, workloads: list[Workload] | None = None) -> RenderedManifests:
    """Add the stacks to `app`; returns the rendered-manifest collector to write after synth.

    The CDK context value deployer_arn (eks_karmada/deployer.py) adds a cluster-admin access entry for the
    deployer on the parent and every new member.
    """
    rendered = RenderedManifests.of(app)
    deployer_arn = deployer_principal(config, app.node.try_get_context(DEPLOYER_CONTEXT))
    egress = KarmadaEgressStack(app, stack_names.EGRESS, config=config)
    # One pull-through cache per account and region a cluster pulls in (its rules are the registry's, by prefix).
    caches = {site: KarmadaImageCacheStack(app, stack_names.image_cache_stack(site), config=config, site=site)
              for site in cache_sites(config)}
    parent = KarmadaParentStack(app, stack_names.PARENT, config=config, nat_eip_allocation_ids=egress.allocation_ids,
                                deployer_arn=deployer_arn)
    if (site := cache_site(config)) is not None:
        parent.add_stack_dependency(caches[site], "the parent's nodes pull through the cache of its account and region")
    registrations = []
    member_stacks: dict[str, KarmadaMemberStack] = {}
    for member in config.members:
        member_stack = None
        if member.kind is MemberKind.external:
            # Nothing in AWS: the agent bundle is rendered for the operator (`eks-karmada agent-bundle`).
            chart = member_chart(cdk8s.App(), config, member, f"${{Member.{member.name}.Endpoint}}")
            rendered.record(member_target(member), chart.to_json())
        else:
            member_stack = KarmadaMemberStack(app, stack_names.member_stack(member), config=config, member=member,
                                              deployer_arn=deployer_arn)
            member_stacks[member.name] = member_stack
            if not member.privately_reached:
                # An ordering edge only: the member reads the parent's egress addresses at deploy time, by tag.
                member_stack.add_stack_dependency(egress, "the member admits the parent's egress addresses, by tag")
            if (site := cache_site(config, member)) is not None:
                member_stack.add_stack_dependency(
                    caches[site], "the member's nodes pull through the cache of its account and region")
            if stack_names.has_agent_metrics_stack(config, member):
                KarmadaAgentMetricsStack(app, stack_names.agent_metrics_stack(member), config=config, member=member,
                                         parent=parent, member_stack=member_stack)
        registration = KarmadaRegistrationStack(
            app, stack_names.registration_stack(member), config=config, member=member, parent=parent,
            member_stack=member_stack,
        )
        if member_stack is not None and member.privately_reached:
            registration.add_stack_dependency(_add_control_peering(app, config, member, parent, member_stack),
                                              "the registrar dials the member's private endpoint over the peering")
        registrations.append(registration)
    _add_peering(app, config, member_stacks)
    charts = checked_charts(cdk8s.App(), config, workloads)
    if registrations and charts:
        KarmadaWorkloadsStack(app, stack_names.WORKLOADS, config=config, parent=parent, charts=charts,
                              registrations=registrations)
    # Last, once every stack holds all its functions (CDK's provider singletons included).
    for stack in (c for c in app.node.children if isinstance(c, Stack)):
        give_every_function_its_log_group(stack, retention_days=config.parent.log_retention_days)
    # cdk-nag 3 runs as a policy-validation plugin: unacknowledged findings fail synth.
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return rendered


def _add_control_peering(app: App, config: AppConfig, member: MemberConfig, parent: KarmadaParentStack,
                         member_stack: KarmadaMemberStack) -> Stack:
    """endpoint.parent_access private: the peering with the parent's VPC (member's region), then the parent's routes."""
    peering = KarmadaControlPeeringStack(app, stack_names.control_peering_stack(member), config=config,
                                         member=member, parent=parent, member_stack=member_stack)
    return KarmadaControlPeeringRoutesStack(app, stack_names.control_peering_routes_stack(member), config=config,
                                            member=member, parent=parent, peering=peering)


def _add_peering(app: App, config: AppConfig, member_stacks: dict[str, KarmadaMemberStack]) -> None:
    """traffic.interconnect vpc_peering: two waves after the members (connections, then the accepters' routes)."""
    pairs = peered_pairs(config)
    peering_stacks = {
        a.name: KarmadaPeeringStack(app, stack_names.peering_stack(a), config=config, requester=a,
                                    pairs=[p for p in pairs if p.requester is a], member_stacks=member_stacks)
        for a in requesters(config)
    }
    for b in accepters(config):
        KarmadaPeeringRoutesStack(app, stack_names.peering_routes_stack(b), config=config, accepter=b,
                                  pairs=[p for p in pairs if p.accepter is b], member_stacks=member_stacks,
                                  peering_stacks=peering_stacks)
