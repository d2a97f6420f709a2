"""Configs and small apps the observability tests synthesize (a plain module, not a conftest)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.synth import ROOT

ACCOUNT = "111122223333"
REGION = "us-east-1"
CLUSTER_NAME = "karmada-parent"
WORKSPACE_ARN = f"arn:aws:aps:{REGION}:{ACCOUNT}:workspace/ws-00000000-0000-0000-0000-000000000000"


def config_data(*, pull_member: bool = False, enabled: bool = True) -> dict[str, Any]:
    """The default config, with member-use1 in Pull mode (and the public endpoint that needs) and the switch set."""
    data = yaml.safe_load((ROOT / "config" / "default.yaml").read_text())
    if pull_member:
        data["members"][0]["sync_mode"] = "Pull"
        data["api_endpoint"].update(scheme="internet-facing", allowed_cidrs=["203.0.113.0/24"])
    data.setdefault("observability", {})["enabled"] = enabled
    return data


def collector_stack() -> tuple[Any, Any, Any]:
    """A stack with only a MetricsCollector, on an imported cluster: (app, stack, collector)."""
    import cdk8s
    from aws_cdk import App, Environment, Stack
    from aws_cdk import aws_eks_v2 as eks

    from charts.karmada.props import KarmadaControlPlaneProps
    from charts.metrics_collector import (
        SERVICE_ACCOUNT,
        MetricsCollectorProps,
        ParentMetricsCollectorChart,
        parent_scrape_jobs,
    )
    from karmada_constructs.metrics_collector import MetricsCollector
    from karmada_constructs.metrics_collector import MetricsCollectorProps as ConstructProps

    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    app = App(context=context)
    stack = Stack(app, "MetricsCollectorTest", env=Environment(account=ACCOUNT, region=REGION))
    provider = eks.KubectlProvider.from_kubectl_provider_attributes(
        stack, "KubectlProvider", service_token=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:kubectl-provider")
    cluster = eks.Cluster.from_cluster_attributes(stack, "Cluster", cluster_name=CLUSTER_NAME,
                                                  kubectl_provider=provider)
    control_plane = KarmadaControlPlaneProps()
    chart_props = MetricsCollectorProps(jobs=parent_scrape_jobs(control_plane), region=REGION,
                                        remote_write_url="https://example.invalid/api/v1/remote_write")
    collector = MetricsCollector(stack, "MetricsCollector", ConstructProps(
        cluster=cluster, namespace=control_plane.namespace, service_account=SERVICE_ACCOUNT,
        workspace_arn=WORKSPACE_ARN, chart=ParentMetricsCollectorChart(cdk8s.App(), "c", chart_props, control_plane),
        target="parent", description="test collector",
    ))
    return app, stack, collector


def manifest_path(outdir: Path, target: str) -> Path:
    return outdir / "manifests" / f"{target}.yaml"
