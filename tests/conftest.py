"""Shared fixtures: one synthesized app per config, reused by every test that reads it."""

from __future__ import annotations

import os

import pytest

from eks_karmada.bundled_node import use_bundled_node
from tests.synth import SynthesizedApp, synthesize

# jsii starts `node` from PATH: make it the venv's supported Node, never an older system one.
use_bundled_node()
# Our own use of a deprecated aws-cdk-lib API fails every synth of the suite (tests/test_deprecations.py).
os.environ.setdefault("JSII_DEPRECATED", "fail")


@pytest.fixture(scope="session")
def default_config():
    from eks_karmada.config import load_config

    return load_config()


@pytest.fixture(scope="session")
def synthesized(default_config, tmp_path_factory) -> SynthesizedApp:
    """The default config, synthesized once per test session (per xdist worker)."""
    return synthesize(default_config, tmp_path_factory.mktemp("cdk.out"))
