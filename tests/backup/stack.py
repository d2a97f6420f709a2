"""A small app with only the etcd backup, on an imported cluster: the construct's own template and manifests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cdk8s
import yaml

from tests.synth import ROOT

CLUSTER_NAME = "karmada-parent"
REGION = "us-east-1"
ACCOUNT = "111122223333"
STACK_NAME = "EtcdBackupTest"


@dataclass
class BackupSynth:
    app: Any
    stack: Any
    backup: Any
    outdir: Path
    template: dict[str, Any]
    manifests: dict[str, list[dict[str, Any]]]
    report: dict[str, Any]


def synthesize_backup(outdir: Path, **settings: Any) -> BackupSynth:
    from aws_cdk import App, Environment, Stack, Validations
    from aws_cdk import aws_eks_v2 as eks
    from cdk_nag import AwsSolutionsChecks

    from charts.karmada import KarmadaControlPlaneProps
    from karmada_constructs.etcd_backup import EtcdBackup, EtcdBackupConstructProps, EtcdBackupSettings
    from karmada_constructs.rendered_manifests import RenderedManifests

    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    app = App(outdir=str(outdir), context=context)
    stack = Stack(app, STACK_NAME, env=Environment(account=ACCOUNT, region=REGION))
    provider = eks.KubectlProvider.from_kubectl_provider_attributes(
        stack, "KubectlProvider", service_token=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:kubectl-provider"
    )
    cluster = eks.Cluster.from_cluster_attributes(stack, "Cluster", cluster_name=CLUSTER_NAME,
                                                  kubectl_provider=provider)
    backup = EtcdBackup(stack, "EtcdBackup", EtcdBackupConstructProps(
        cluster=cluster,
        cluster_name=CLUSTER_NAME,
        charts=cdk8s.App(),
        control_plane=KarmadaControlPlaneProps(),
        target="parent",
        settings=EtcdBackupSettings(**settings),
    ))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    rendered = RenderedManifests.of(app)
    assembly = app.synth()
    rendered.write(outdir)
    template = json.loads(Path(assembly.get_stack_by_name(STACK_NAME).template_full_path).read_text())
    manifests = {
        p.stem: [d for d in yaml.safe_load_all(p.read_text()) if d]
                 for p in sorted((outdir / "manifests").glob("*.yaml"))
    }
    report = json.loads((outdir / "validation-report.json").read_text())
    return BackupSynth(app, stack, backup, outdir, template, manifests, report)
