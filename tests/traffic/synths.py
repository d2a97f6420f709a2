"""Configs and small apps the traffic tests synthesize (a plain module, not a conftest)."""

from __future__ import annotations

import json
from typing import Any

import yaml

from tests.synth import ROOT

ACCOUNT = "111122223333"
REGION = "us-east-1"
CLUSTER_NAME = "karmada-member-use1"
ZONE_ID = "Z0123456789ABCDEFGHIJ"
DOMAIN = "apps.example.com"


def config_data() -> dict[str, Any]:
    """The default config (two new members) with traffic on, plus an existing member that gets no ExternalDNS."""
    data = yaml.safe_load((ROOT / "config" / "default.yaml").read_text())
    data["members"].append({"name": "legacy", "kind": "existing", "region": "eu-west-1", "cluster_name": "legacy"})
    data["traffic"] = {"enabled": True, "hosted_zone_id": ZONE_ID, "domain": DOMAIN, "cross_member_ports": [8080]}
    return data


def external_dns_stack() -> tuple[Any, Any, Any]:
    """A stack with only an ExternalDns, on an imported cluster: (app, stack, construct)."""
    import cdk8s
    from aws_cdk import App, Environment, Stack
    from aws_cdk import aws_eks_v2 as eks

    from charts.external_dns import ExternalDnsChart, ExternalDnsProps
    from karmada_constructs.external_dns import ExternalDns
    from karmada_constructs.external_dns import ExternalDnsProps as ConstructProps

    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    app = App(context=context)
    stack = Stack(app, "ExternalDnsTest", env=Environment(account=ACCOUNT, region=REGION))
    provider = eks.KubectlProvider.from_kubectl_provider_attributes(
        stack, "KubectlProvider", service_token=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:kubectl-provider")
    cluster = eks.Cluster.from_cluster_attributes(stack, "Cluster", cluster_name=CLUSTER_NAME,
                                                  kubectl_provider=provider)
    chart = ExternalDnsChart(cdk8s.App(), "c", ExternalDnsProps(
        owner_id="member-use1", domain=DOMAIN, hosted_zone_id=ZONE_ID, region=REGION))
    construct = ExternalDns(stack, "ExternalDns", ConstructProps(
        cluster=cluster, chart=chart, target="member-member-use1", hosted_zone_id=ZONE_ID, domain=DOMAIN))
    return app, stack, construct
