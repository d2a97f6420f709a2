"""The architecture diagram is generated from the synthesized app and the config.

The architecture diagram is generated from the synthesized app and the config: its DOT source has a node or cluster for
every stack and member, the flows each member's mode implies, and the committed SVG is the rendering of the current DOT
(no Graphviz needed to check that).
"""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from eks_karmada.config import DEFAULT_CONFIG_PATH, parse_config
from eks_karmada.diagram import Assembly, build_dot, digest, svg_digest
from tests.synth import ROOT, synthesize


@pytest.fixture(scope="module")
def default_dot(synthesized, default_config):
    return build_dot(Assembly.read(synthesized.outdir), default_config)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """Push, Pull, existing and external members, an internet-facing API."""
    data = copy.deepcopy(yaml.safe_load(DEFAULT_CONFIG_PATH.read_text()))
    data["api_endpoint"].update(scheme="internet-facing", allowed_cidrs=["198.51.100.0/24"])
    data["karmada"]["etcd_replicas"] = 5
    data["members"] = [
        {"name": "push-1", "region": "us-east-1", "vpc_cidr": "10.1.0.0/16"},
        {"name": "pull-1", "region": "eu-west-1", "sync_mode": "Pull", "vpc_cidr": "10.2.0.0/16"},
        {"name": "old-1", "kind": "existing", "region": "us-west-2", "cluster_name": "prod-west", "sync_mode": "Pull"},
        {"name": "edge-1", "kind": "external", "sync_mode": "Pull"},
    ]
    config = parse_config(data)
    result = synthesize(config, tmp_path_factory.mktemp("diagram-mixed"))
    return config, Assembly.read(result.outdir), build_dot(Assembly.read(result.outdir), config)


def edges(dot: str) -> dict[tuple[str, str], str]:
    return {(a, b): attrs for a, b, attrs in re.findall(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?;$", dot, re.M)}


def node_label(dot: str, node: str) -> str:
    match = re.search(rf"^\s*{node} \[label=(\"(?:[^\"\\]|\\.)*\"|<<.*>>)", dot, re.M)
    assert match, f"no node {node}"
    return match.group(1).replace("\\l", "\n")


def test_waves_come_from_the_manifest_dependencies(synthesized):
    waves = Assembly.read(synthesized.outdir).waves()
    assert waves == [
        ["KarmadaEgress"],
        ["KarmadaParent", "KarmadaMember-member-use1", "KarmadaMember-member-usw2"],
        ["KarmadaRegistration-member-use1", "KarmadaRegistration-member-usw2"],
        ["KarmadaWorkloads"],
    ]


def test_every_stack_is_in_the_diagram(default_dot, synthesized):
    table = node_label(default_dot, "waves")
    for stack in synthesized.templates:
        assert f">{stack}<" in table, f"{stack} missing from the waves table"
    assert "subgraph cluster_KarmadaEgress" in default_dot and "subgraph cluster_KarmadaParent" in default_dot
    for member in ("member_use1", "member_usw2"):
        assert f"subgraph cluster_member_{member}" in default_dot
        assert f"reg_{member} [" in default_dot
    assert "workloads [" in default_dot


def test_parent_shows_what_the_templates_and_manifests_hold(default_dot, default_config):
    vpc = re.search(r'label="(VPC [^"]+)"', default_dot).group(1)
    assert default_config.parent.vpc_cidr in vpc
    assert all(az in vpc for az in default_config.parent.availability_zones)
    nlb = node_label(default_dot, "nlb")
    assert "NLB (internal), TCP 443 passthrough" in nlb and ":5443" in nlb and "/readyz" in nlb
    assert "3 NAT gateways" in node_label(default_dot, "parent_nat")
    # one etcd member per AZ on gp3, from the StatefulSet, its claim template and the StorageClass
    for index, zone in enumerate(default_config.parent.availability_zones):
        assert node_label(default_dot, f"etcd_{index}").startswith(f'"{zone}: 1 x etcd\nEBS gp3 20Gi')
    pki = node_label(default_dot, "pki")
    assert "3 CAs (karmada-ca, karmada-front-proxy-ca, karmada-etcd-ca)" in pki and "rotationPolicy Never" in pki
    assert "karmada-apiserver x2" in node_label(default_dot, "apiserver")
    controllers = node_label(default_dot, "controllers")
    for component in ("karmada-controller-manager x2", "karmada-scheduler x2", "karmada-webhook x2"):
        assert component in controllers
    assert "releases/download/v1.18.2/crds.tar.gz" in node_label(default_dot, "release")
    assert "3 Elastic IPs" in node_label(default_dot, "egress_eips")


def test_flows(default_dot):
    found = edges(default_dot)
    assert ("operator", "nlb") in found and ("nlb", "apiserver") in found
    assert ("controllers", "parent_nat") in found and ("registrar_fn", "parent_nat") in found
    assert "dir=\"back\"" in found[("manifest_fn", "workloads")]  # workloads -> KarmadaManifest provider
    for member in ("member_use1", "member_usw2"):
        assert "Push: Karmada controllers" in found[("parent_nat", f"member_{member}")]
        assert ("egress_eips", f"member_{member}") in found  # endpoint allow-list
        assert ("registrar_fn", f"reg_{member}") in found
        assert ("nlb", f"member_{member}") not in found  # no agent in Push mode


def test_each_member_mode_draws_its_own_flows(mixed):
    config, assembly, dot = mixed
    found = edges(dot)
    assert "Push" in found[("parent_nat", "member_push_1")]
    for pull in ("pull_1", "old_1", "edge_1"):
        assert "Pull: karmada-agent" in found[("nlb", f"member_{pull}")]
    assert "agent's kubeconfig" in found[("parent_nat", "member_pull_1")]
    assert ("parent_nat", "member_edge_1") not in found  # outside AWS: nothing dials it
    assert ("manifest_fn", "reg_edge_1") in found  # its registration is the agent RBAC in Karmada
    assert ("egress_eips", "member_old_1") not in found  # an existing cluster's endpoint is yours to open
    assert "imported by name" in node_label(dot, "member_old_1")
    assert "agent-bundle edge-1" in node_label(dot, "member_edge_1")
    assert "eu-west-1" in dot and "NLB (internet-facing)" in node_label(dot, "nlb")
    assert [node_label(dot, f"etcd_{i}").split(" x ")[0] for i in range(3)] == [
        '"us-east-1a: 2', '"us-east-1b: 2', '"us-east-1c: 1']
    assert len(assembly.waves()) == 4


def test_committed_pictures_are_current(default_dot):
    svg = (ROOT / "docs" / "architecture.svg").read_text(encoding="utf-8")
    assert svg_digest(svg) == digest(default_dot), (
        "the architecture changed: run make diagram and commit docs/architecture.*")
    png = (ROOT / "docs" / "architecture.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 50_000
