"""A small app with only the metrics workspace and FleetAlarms: the construct's own template."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.synth import ROOT

REGION = "us-east-1"
ACCOUNT = "111122223333"
STACK_NAME = "FleetAlarmsTest"


@dataclass
class AlarmsSynth:
    stack: Any
    alarms: Any
    template: dict[str, Any]
    report: dict[str, Any]


def synthesize_alarms(outdir: Path, *, backup_schedule: str | None = "0 */6 * * *", **props: Any) -> AlarmsSynth:
    from aws_cdk import App, Environment, Stack, Validations
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_lambda as lambda_
    from cdk_nag import AwsSolutionsChecks

    from karmada_constructs.api_load_balancer import KarmadaApiLoadBalancer, KarmadaApiLoadBalancerProps
    from karmada_constructs.fleet_alarms import BackupWatch, FleetAlarms, FleetAlarmsProps
    from karmada_constructs.metrics_workspace import MetricsWorkspace, MetricsWorkspaceProps
    from observability.rules import AlertSettings

    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    app = App(outdir=str(outdir), context=context)
    stack = Stack(app, STACK_NAME, env=Environment(account=ACCOUNT, region=REGION))
    vpc = ec2.Vpc.from_vpc_attributes(
        stack, "Vpc", vpc_id="vpc-0123456789abcdef0", availability_zones=["us-east-1a", "us-east-1b"],
        private_subnet_ids=["subnet-0000000000000000a", "subnet-0000000000000000b"],
        private_subnet_route_table_ids=["rtb-0000000000000000a", "rtb-0000000000000000b"],
        public_subnet_ids=["subnet-1000000000000000a", "subnet-1000000000000000b"],
        public_subnet_route_table_ids=["rtb-1000000000000000a", "rtb-1000000000000000b"])
    api = KarmadaApiLoadBalancer(stack, "Api", KarmadaApiLoadBalancerProps(
        vpc=vpc, vpc_cidr="10.0.0.0/16", internet_facing=False))
    workspace = MetricsWorkspace(stack, "Metrics", MetricsWorkspaceProps(alias="test-karmada", log_retention_days=30))
    handler = lambda_.Function.from_function_arn(
        stack, "Handler", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:karmada-manifest")
    alarms = FleetAlarms(stack, "Alarms", FleetAlarmsProps(
        workspace=workspace,
        settings=props.pop("settings", AlertSettings()),
        target_group=api.target_group,
        handlers={"KarmadaManifest": handler},
        backup=BackupWatch(cluster_name="karmada-parent", schedule=backup_schedule) if backup_schedule else None,
        **props,
    ))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    assembly = app.synth()
    template = json.loads(Path(assembly.get_stack_by_name(STACK_NAME).template_full_path).read_text())
    report = json.loads((outdir / "validation-report.json").read_text())
    return AlarmsSynth(stack, alarms, template, report)
