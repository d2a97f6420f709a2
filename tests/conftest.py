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


# Mirrors for every artifact, and members with their add-ons on, off and opt-in (tests/test_mirrors.py and
# tests/test_member_addons.py read the same synth); member-euw1 admits the parent on its public endpoint
# (tests/test_deploy_and_teardown.py).
MIRRORED_CONFIG = {
    "members": [
        {"name": "member-use1", "region": "us-east-1", "vpc_cidr": "10.1.0.0/16"},
        {"name": "member-usw2", "region": "us-west-2", "vpc_cidr": "10.2.0.0/16",
         "addons": {"metrics_server": False}},
        {"name": "member-euw1", "region": "eu-west-1", "vpc_cidr": "10.3.0.0/16",
         "addons": {"metrics_server": False, "load_balancer_controller": False},
         "endpoint": {"parent_access": "public"}},
        {"name": "prod", "kind": "existing", "region": "eu-west-1", "cluster_name": "prod-eks",
         "addons": {"metrics_server": True}},
        {"name": "legacy", "kind": "existing", "region": "eu-west-1", "cluster_name": "legacy-eks"},
    ],
    "mirrors": {
        "images": "123456789012.dkr.ecr.{region}.amazonaws.com",
        "helm_charts": "oci://123456789012.dkr.ecr.{region}.amazonaws.com/charts",
        "crds": "s3://my-mirror/karmada/v1.18.2/crds.tar.gz",
    },
}


@pytest.fixture(scope="session")
def mirrored_config():
    from eks_karmada.config import parse_config

    return parse_config(MIRRORED_CONFIG, "mirrored")


@pytest.fixture(scope="session")
def mirrored(mirrored_config, tmp_path_factory) -> SynthesizedApp:
    """MIRRORED_CONFIG, synthesized once per test session (per xdist worker)."""
    return synthesize(mirrored_config, tmp_path_factory.mktemp("cdk.out-mirrored"))
