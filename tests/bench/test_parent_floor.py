"""The parent's first deploy against its floor (issue 18): hand-made graphs, then the synthesized parent."""

from __future__ import annotations

import dataclasses

import pytest

from bench import checks, estimates
from bench import critical_path as cp
from bench.assembly import StackInfo, load_assembly
from bench.estimates import Estimate
from functions.resource_types import KARMADA_MANIFEST
from tests.bench.fixtures import template, write_assembly

MANIFEST = "Custom::AWSCDK-EKS-KubernetesResource"
COMPONENTS = ("pki", "etcd", "apiserver")


@pytest.fixture
def fixed_estimates(monkeypatch):
    """Durations chosen for hand computation; stack overhead 0.5."""
    table = {"AWS::EC2::Subnet": 0.1, "AWS::EKS::Cluster": 10.0, "AWS::EKS::Nodegroup": 4.0, "AWS::EKS::Addon": 1.5,
             "Custom::AWSCDK-EKS-HelmChart": 2.0, MANIFEST: 0.5, KARMADA_MANIFEST: 1.0, "AWS::IAM::Role": 0.3}
    monkeypatch.setattr(estimates, "minutes", lambda r: 2.0 if r.properties.get("Source") else table[r.type])
    monkeypatch.setattr(estimates, "STACK_OVERHEAD", Estimate(0.5, "test"))


def _parent(chained: bool) -> dict:
    """Subnet -> cluster -> node group -> {cert-manager, an add-on} -> the control plane -> CRDs -> objects."""
    resources = {
        "Subnet": {"Type": "AWS::EC2::Subnet"},
        "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {"SubnetIds": [{"Ref": "Subnet"}]}},
        "NodeRole": {"Type": "AWS::IAM::Role"},
        "Nodes": {"Type": "AWS::EKS::Nodegroup", "DependsOn": ["Cluster"],
                  "Properties": {"NodeRole": {"Fn::GetAtt": ["NodeRole", "Arn"]}}},
        "CertManager": {"Type": "Custom::AWSCDK-EKS-HelmChart", "DependsOn": ["Nodes"]},
        "Ebs": {"Type": "AWS::EKS::Addon", "DependsOn": ["Nodes"]},
        # Not waited for by the control plane: not part of the floor.
        "Alb": {"Type": "Custom::AWSCDK-EKS-HelmChart", "DependsOn": ["Nodes"]},
        "KarmadaControlPlanefoundationManifest": {"Type": MANIFEST, "DependsOn": ["CertManager", "Ebs"]},
        "KarmadaApiBootstrapCrds": {"Type": KARMADA_MANIFEST, "Properties": {"Source": "{}"}},
        "KarmadaApiBootstrapObjects": {"Type": KARMADA_MANIFEST, "DependsOn": ["KarmadaApiBootstrapCrds"]},
    }
    previous = "KarmadaControlPlanefoundationManifest"
    for name in COMPONENTS:
        logical_id = f"KarmadaControlPlane{name}Manifest"
        resources[logical_id] = {"Type": MANIFEST, "DependsOn": [previous]}
        previous = logical_id if chained else previous
    resources["KarmadaApiBootstrapCrds"]["DependsOn"] = [k for k in resources if k.startswith("KarmadaControlPlane")]
    return template(resources)


def _stack(tmp_path, chained: bool) -> StackInfo:
    return load_assembly(write_assembly(tmp_path, {"KarmadaParent": ("us-east-1", [], _parent(chained))}))[
        "KarmadaParent"]


@pytest.mark.parametrize("chained", [False, True])
def test_floor_is_cluster_nodes_charts_and_one_bring_up_whatever_the_order(tmp_path, fixed_estimates, chained):
    floor = cp.parent_floor(_stack(tmp_path, chained))
    assert floor is not None
    assert floor.parts == {
        "EKS cluster": 10.0, "node group": 4.0,
        "charts the nodes must run": 2.0,  # cert-manager, beside the 1.5 min add-on
        "control plane: namespace, then the rest at once": 1.0,  # 0.5 + 0.5
        "Karmada API bootstrap": 3.0,  # CRDs 2 + objects 1
        "stack overhead": 0.5,
    }
    assert floor.total == pytest.approx(20.5)


def test_the_path_reaches_the_floor_only_when_the_components_go_at_once(tmp_path, fixed_estimates):
    # All at once: 0.1 subnet + the floor's 20.5 (the 0.3 node role runs beside the cluster).
    at_once = cp.stack_model(_stack(tmp_path / "a", chained=False))
    assert at_once.minutes == pytest.approx(20.6)
    # One after another: four manifests of 0.5 min where two waves were.
    chained = cp.stack_model(_stack(tmp_path / "b", chained=True))
    assert chained.minutes == pytest.approx(21.6)
    assert [rid for rid, _, _ in chained.resource_path if rid.startswith("KarmadaControlPlane")] == [
        "KarmadaControlPlanefoundationManifest", *(f"KarmadaControlPlane{n}Manifest" for n in COMPONENTS)]


def test_no_floor_without_a_cluster_node_group_and_control_plane(tmp_path, fixed_estimates):
    body = _parent(chained=False)
    del body["Resources"]["Nodes"]
    for resource in body["Resources"].values():
        resource.pop("DependsOn", None)
    stack = load_assembly(write_assembly(tmp_path, {"KarmadaParent": ("us-east-1", [], body)}))["KarmadaParent"]
    assert cp.parent_floor(stack) is None


def _entry(minutes: float, floor: float) -> dict:
    return {"model": {"parent_floor": {"minutes": minutes, "floor_minutes": floor, "ratio": minutes / floor,
                                       "before": dataclasses.asdict(cp.PARENT_BEFORE)}}}


def test_the_floor_check_flags_the_worst_size_beyond_ten_percent():
    assert checks.parent_floor({1: _entry(22.0, 20.5), 100: _entry(22.5, 20.5)}).status == "ok"  # x1.098
    flagged = checks.parent_floor({1: _entry(22.0, 20.5), 100: _entry(22.7, 20.5)})  # x1.107
    assert flagged.status == "FLAG" and "22.7 min at N=100" in flagged.detail
    assert checks.parent_floor({1: {"model": {"parent_floor": None}}}).status == "n/a"


# --- the synthesized parent -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parent(synthesized) -> StackInfo:
    return load_assembly(synthesized.outdir)["KarmadaParent"]


def test_the_synthesized_parent_is_within_ten_percent_of_its_floor(parent):
    model, floor = cp.stack_model(parent), cp.parent_floor(parent)
    assert floor is not None
    assert model.minutes <= floor.total * (1 + cp.FLOOR_TOLERANCE)
    assert model.minutes < cp.PARENT_BEFORE.minutes
    path = [rid for rid, _, _ in model.resource_path]
    # One control-plane wave after the namespace, and nothing of the NAT egress before the cluster.
    assert len([rid for rid in path if rid.startswith(cp.CONTROL_PLANE_PREFIX)]) == 2
    cluster = next(i for i, (_, rtype, _) in enumerate(model.resource_path) if rtype == "AWS::EKS::Cluster")
    assert not {rtype for _, rtype, _ in model.resource_path[:cluster]} & {
        "AWS::EC2::NatGateway", "AWS::EC2::Route", "AWS::EC2::VPCGatewayAttachment"}


def test_the_old_ordering_of_the_synthesized_parent_would_be_flagged(parent):
    """Chain the control-plane manifests again and make the cluster wait for the routes: 30 % over the floor."""
    resources = {rid: dataclasses.replace(r, depends_on=set(r.depends_on)) for rid, r in parent.resources.items()}
    manifests = sorted((rid for rid, r in resources.items()
                        if rid.startswith(cp.CONTROL_PLANE_PREFIX) and r.type == MANIFEST),
                       key=lambda rid: "foundation" not in rid)
    for before, after in zip(manifests, manifests[1:], strict=False):
        resources[after].depends_on.add(before)
    (cluster,) = [r for r in resources.values() if r.type == "AWS::EKS::Cluster"]
    cluster.depends_on |= {rid for rid, r in resources.items() if r.type == "AWS::EC2::Route"}
    old = dataclasses.replace(parent, resources=resources)
    floor, today = cp.parent_floor(old), cp.parent_floor(parent)
    assert floor is not None and today is not None and floor.total == pytest.approx(today.total)
    assert cp.stack_model(old).minutes > floor.total * (1 + cp.FLOOR_TOLERANCE)
