"""Synthesize the app in-process, as `cdk synth` would, and collect what it wrote."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class SynthesizedApp:
    """What a synth produced: the app, its cloud assembly dir, templates and rendered manifests."""

    app: object
    outdir: Path
    templates: dict[str, dict]
    manifests: dict[str, list[dict]]

    def stack(self, name: str):
        return self.app.node.find_child(name)


def synthesize(config, outdir: Path, workloads=None, context: dict | None = None) -> SynthesizedApp:
    from aws_cdk import App

    from eks_karmada.app_builder import build_app
    from karmada_constructs.deploy_time_lookup import REFRESH_CONTEXT

    # The same feature flags `cdk synth` passes from cdk.json, so tests see the real templates.
    context = {**json.loads((ROOT / "cdk.json").read_text())["context"], **(context or {})}
    # The deploy-time look-ups' refresh value, which otherwise differs on every synth.
    context[REFRESH_CONTEXT] = "synth"
    app = App(outdir=str(outdir), context=context)
    rendered = build_app(app, config, workloads)
    assembly = app.synth()
    rendered.write(outdir)
    templates = {
        stack.stack_name: json.loads(Path(stack.template_full_path).read_text()) for stack in assembly.stacks
    }
    manifests = {
        path.stem: [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        for path in sorted((outdir / "manifests").glob("*.yaml"))
    }
    return SynthesizedApp(app=app, outdir=outdir, templates=templates, manifests=manifests)
