"""Shared fixtures: one synthesized app per config, reused by every test that reads it."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

# jsii starts `node` from PATH: make it the venv's supported Node, never an older system one.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("JSII_DEPRECATED", "quiet")

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


def synthesize(config, outdir: Path) -> SynthesizedApp:
    import json

    import yaml
    from aws_cdk import App

    from eks_karmada.app_builder import build_app

    # The same feature flags `cdk synth` passes from cdk.json, so tests see the real templates.
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    app = App(outdir=str(outdir), context=context)
    rendered = build_app(app, config)
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


@pytest.fixture(scope="session")
def default_config():
    from eks_karmada.config import load_config

    return load_config()


@pytest.fixture(scope="session")
def synthesized(default_config, tmp_path_factory) -> SynthesizedApp:
    """The default config, synthesized once per test session (per xdist worker)."""
    return synthesize(default_config, tmp_path_factory.mktemp("cdk.out"))
