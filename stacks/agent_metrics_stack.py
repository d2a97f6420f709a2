"""KarmadaAgentMetrics-<name>: a Pull member's karmada-agent metrics, written to the parent's AMP workspace."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false

from __future__ import annotations

import cdk8s
from aws_cdk import Stack
from constructs import Construct

from charts.metrics_collector import DEFAULT_COLLECTOR_IMAGE, SERVICE_ACCOUNT, AgentMetricsCollectorChart
from eks_karmada.chart_props import agent_collector_props, metrics_workspace_alias
from eks_karmada.config import AppConfig, MemberConfig
from eks_karmada.member_objects import member_target
from eks_karmada.mirrors import cluster_mirror
from karmada_constructs.metrics_collector import MetricsCollector, MetricsCollectorProps
from karmada_constructs.metrics_workspace_lookup import MetricsWorkspaceLookup, MetricsWorkspaceLookupProps
from karmada_constructs.rendered_manifests import RenderedManifests
from stacks.member_stack import KarmadaMemberStack
from stacks.naming import member_environment
from stacks.parent_stack import KarmadaParentStack


class KarmadaAgentMetricsStack(Stack):
    """The collector next to a Pull member's karmada-agent, in the member's region and account.

    Members never depend on the parent (they deploy in parallel with it); this stack comes after both, like the
    registration, because it needs the workspace the parent creates. It finds the workspace by alias at deploy
    time rather than through a cross-region reference. Deleting it removes only the collector.
    """

    def __init__(self, scope: Construct, id: str, *, config: AppConfig, member: MemberConfig,
                 parent: KarmadaParentStack, member_stack: KarmadaMemberStack, **kwargs) -> None:
        super().__init__(
            scope,
            id,
            env=member_environment(config, member),
            description=f"eks-karmada: karmada-agent metrics of member {member.name} to the fleet's AMP workspace",
            **kwargs,
        )
        self.add_stack_dependency(parent, "the collector writes to the workspace the parent creates")
        self.add_stack_dependency(member_stack, "the collector runs next to the member's karmada-agent")
        rendered = RenderedManifests.of(self)
        workspace = MetricsWorkspaceLookup(self, "Workspace", MetricsWorkspaceLookupProps(
            alias=metrics_workspace_alias(config), region=config.parent.region))
        rendered.placeholder(workspace.workspace_id, "Metrics.WorkspaceId")
        rendered.placeholder(self.url_suffix, "AWS::URLSuffix")
        props = agent_collector_props(
            config, member.name,
            remote_write_url=workspace.remote_write_url,
            region=config.parent.region,
            image=cluster_mirror(config, member).image(DEFAULT_COLLECTOR_IMAGE),
        )
        self.collector = MetricsCollector(self, "MetricsCollector", MetricsCollectorProps(
            cluster=member_stack.cluster, namespace=props.namespace, service_account=SERVICE_ACCOUNT,
            workspace_arn=workspace.workspace_arn,
            chart=AgentMetricsCollectorChart(cdk8s.App(), f"{member.name}-metrics-collector", props),
            target=member_target(member),
            description=f"karmada-agent metrics collector of member {member.name}: remote write to the fleet's "
                        f"AMP workspace (Pod Identity: {props.namespace}/{SERVICE_ACCOUNT})",
        ))
