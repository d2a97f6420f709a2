"""The deploy model on hand-made graphs, with totals computed by hand in the comments."""

from __future__ import annotations

import pytest

from bench import critical_path as cp
from bench import estimates
from bench.assembly import load_assembly, parse_template
from bench.estimates import Estimate
from functions.resource_types import KARMADA_MANIFEST
from tests.bench.fixtures import template, write_assembly


def test_parallel_stacks_take_the_longest_one():
    durations = {"A": 10.0, "B": 5.0, "C": 7.0}
    result = cp.schedule(durations, {})
    assert result.total == 10.0
    assert result.chain == ["A"]


def test_parallel_stacks_with_limited_concurrency():
    durations = {"A": 10.0, "B": 5.0, "C": 7.0}
    # One slot: 10 + 5 + 7.
    assert cp.schedule(durations, {}, concurrency=1).total == 22.0
    # Two slots: A 0-10, B 0-5, C 5-12 (manifest order: C waits for the first free slot).
    two = cp.schedule(durations, {}, concurrency=2)
    assert two.total == 12.0
    assert two.start == {"A": 0.0, "B": 0.0, "C": 5.0}


def test_dependency_chain_adds_up():
    durations = {"A": 1.0, "B": 2.0, "C": 3.0}
    deps = {"B": ["A"], "C": ["B"]}
    result = cp.schedule(durations, deps)
    assert result.total == 6.0
    assert result.chain == ["A", "B", "C"]
    assert result.start == {"A": 0.0, "B": 1.0, "C": 3.0}
    assert cp.schedule(durations, deps, concurrency=1).total == 6.0


def test_diamond_takes_the_longer_branch():
    # A(1) -> B(4) -> D(1) and A -> C(2) -> D: 1 + 4 + 1.
    durations = {"A": 1.0, "B": 4.0, "C": 2.0, "D": 1.0}
    result = cp.longest_path(durations, {"B": {"A"}, "C": {"A"}, "D": {"B", "C"}})
    assert result.total == 6.0
    assert result.path == ["A", "B", "D"]


def test_limited_concurrency_respects_dependencies():
    # E(1) first; then P(10) and M1..M3(5) need E; two slots:
    # E 0-1 | P 1-11, M1 1-6 | M2 6-11 | M3 11-16 (P and M2 both end at 11).
    durations = {"E": 1.0, "P": 10.0, "M1": 5.0, "M2": 5.0, "M3": 5.0}
    deps = {n: ["E"] for n in ("P", "M1", "M2", "M3")}
    result = cp.schedule(durations, deps, concurrency=2)
    assert result.total == 16.0
    assert result.start["M3"] == 11.0
    assert cp.schedule(durations, deps).total == 11.0


def test_cycles_and_unknown_dependencies_are_errors():
    with pytest.raises(ValueError, match="cycle"):
        cp.longest_path({"A": 1.0, "B": 1.0}, {"A": ["B"], "B": ["A"]})
    with pytest.raises(ValueError, match="unknown"):
        cp.longest_path({"A": 1.0}, {"A": ["Z"]})


def test_empty_graph():
    assert cp.longest_path({}, {}).total == 0.0


def test_resource_depends_on_inside_a_stack():
    # Vpc 0.3 -> Subnet (Ref) 0.1 -> Nat (Ref) 2.0 -> Cluster (DependsOn) 10.0 = 12.4 min.
    resources = parse_template(template({
        "Vpc": {"Type": "AWS::EC2::VPC"},
        "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}}},
        "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {"SubnetId": {"Ref": "Subnet"}}},
        "Role": {"Type": "AWS::IAM::Role"},
        "Cluster": {"Type": "AWS::EKS::Cluster", "DependsOn": ["Nat"],
                    "Properties": {"RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}}},
    }))
    durations = {"AWS::EC2::VPC": 0.3, "AWS::EC2::Subnet": 0.1, "AWS::EC2::NatGateway": 2.0,
                 "AWS::IAM::Role": 0.3, "AWS::EKS::Cluster": 10.0}
    result = cp.longest_path({rid: durations[r.type] for rid, r in resources.items()},
                             {rid: r.depends_on for rid, r in resources.items()})
    assert result.total == pytest.approx(12.4)
    assert result.path == ["Vpc", "Subnet", "Nat", "Cluster"]


@pytest.fixture
def fixed_estimates(monkeypatch):
    """Durations by type chosen for hand computation, stack overhead 0.5, join 1.0."""
    table = {"T::Small": 1.0, "T::Parent": 10.0, "T::Member": 5.0, "T::Reg": 2.0}
    monkeypatch.setattr(estimates, "minutes", lambda r: table[r.type])
    monkeypatch.setattr(estimates, "STACK_OVERHEAD", Estimate(0.5, "test"))
    monkeypatch.setattr(estimates, "JOIN_MEMBER", Estimate(1.0, "test"))


def _one(rtype: str) -> dict:
    return template({"R": {"Type": rtype}})


def test_app_model_with_a_modelled_join(tmp_path, fixed_estimates):
    stacks = load_assembly(write_assembly(tmp_path, {
        "KarmadaEgress": ("us-east-1", [], _one("T::Small")),
        "KarmadaParent": ("us-east-1", ["KarmadaEgress"], _one("T::Parent")),
        "KarmadaMember-m1": ("us-west-2", ["KarmadaEgress"], _one("T::Member")),
    }))
    model = cp.model_app(stacks, ["m1"], concurrencies=[1])
    # Egress 1.5; parent 1.5 + 10.5 = 12; member ends 1.5 + 5.5 = 7; join after both: 12 + 1 = 13.
    assert model.parallel.total == pytest.approx(13.0)
    assert model.parallel.chain == ["KarmadaEgress", "KarmadaParent", "(join m1)"]
    assert model.virtual_joins == ["m1"]
    # Sequential: member 5.5 + (egress 1.5 + parent 10.5) + join 1 = 18.5, what one slot gives too.
    assert model.sequential_minutes == pytest.approx(18.5)
    assert model.sequential_parts == pytest.approx({"member clusters": 5.5, "parent, Karmada and shared stacks": 12.0,
                                                    "joins": 1.0})
    assert model.limited[1].total == pytest.approx(18.5)
    # One slot: 18.5 > 13 x 1.1; two slots: egress, then parent and member together, join: 13.
    assert model.concurrency_needed == 2


def test_a_docker_image_is_built_before_its_stack_beside_the_stacks_it_waits_for(tmp_path, fixed_estimates,
                                                                                 monkeypatch):
    monkeypatch.setattr(estimates, "DOCKER_IMAGE_ASSET", Estimate(2.0, "test"))
    assembly = {
        "KarmadaEgress": ("us-east-1", [], _one("T::Small")),
        "KarmadaParent": ("us-east-1", ["KarmadaEgress"], _one("T::Parent")),
    }
    stacks = load_assembly(write_assembly(tmp_path, assembly, {"KarmadaParent": ["guard"]}))
    assert stacks["KarmadaParent"].docker_images == ["guard"] and stacks["KarmadaEgress"].docker_images == []
    # The build (2) outlasts Egress (1.5): the parent starts at 2 and ends at 2 + 10.5.
    model = cp.model_app(stacks, [], concurrencies=[1])
    assert model.parallel.total == pytest.approx(12.5)
    assert model.parallel.chain == ["(image guard)", "KarmadaParent"]


def test_concurrency_needed_for_many_equal_stacks():
    # Ten independent 10-min stacks: K slots take ceil(10 / K) x 10 min; only K = 10 is within 10 %.
    durations = {f"S{i}": 10.0 for i in range(10)}
    assert cp.concurrency_needed(durations, {}) == 10
    assert cp.concurrency_needed(durations, {}, tolerance=1.0) == 5  # 20 min allowed: two waves


def test_app_model_uses_registration_stacks(tmp_path, fixed_estimates):
    stacks = load_assembly(write_assembly(tmp_path, {
        "KarmadaParent": ("us-east-1", [], _one("T::Parent")),
        "KarmadaMember-m1": ("us-west-2", [], _one("T::Member")),
        "KarmadaMember-m10": ("us-west-2", [], _one("T::Member")),
        "KarmadaRegistration-m1": ("us-east-1", ["KarmadaParent", "KarmadaMember-m1"], _one("T::Reg")),
        "KarmadaRegistration-m10": ("us-east-1", ["KarmadaParent", "KarmadaMember-m10"], _one("T::Reg")),
    }))
    model = cp.model_app(stacks, ["m1", "m10"], concurrencies=[2])
    assert model.virtual_joins == []
    # Parent 10.5, then a registration 2.5: 13.
    assert model.parallel.total == pytest.approx(13.0)
    # Two slots: P 0-10.5, M1 0-5.5, M10 5.5-11, R-m1 10.5-13, R-m10 11-13.5.
    assert model.limited[2].total == pytest.approx(13.5)
    # Sequential: 2 x 5.5 + 10.5 + 2 x 2.5.
    assert model.sequential_minutes == pytest.approx(26.5)


def test_classify_does_not_confuse_prefixes():
    members, registrations = cp.classify(
        ["KarmadaParent", "KarmadaMember-m1", "KarmadaMember-m10", "KarmadaJoin-m10", "KarmadaJoin-m1"], ["m1", "m10"])
    assert members == {"m1": "KarmadaMember-m1", "m10": "KarmadaMember-m10"}
    assert registrations == {"m1": "KarmadaJoin-m1", "m10": "KarmadaJoin-m10"}


def test_classify_leaves_the_peering_waves_out_of_the_joins():
    # Peering stacks name their member too, and may come before its registration in the assembly.
    members, registrations = cp.classify(
        ["KarmadaMember-m1", "KarmadaMember-m2", "KarmadaPeering-m1", "KarmadaPeeringRoutes-m2",
         "KarmadaRegistration-m1", "KarmadaRegistration-m2"], ["m1", "m2"])
    assert registrations == {"m1": "KarmadaRegistration-m1", "m2": "KarmadaRegistration-m2"}


def test_stack_model_adds_overhead_and_names_the_path(tmp_path):
    stacks = load_assembly(write_assembly(tmp_path, {"S": ("us-east-1", [], template({
        "Key": {"Type": "AWS::KMS::Key"},
        "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {"Key": {"Fn::GetAtt": ["Key", "Arn"]}}},
        "Meta": {"Type": "AWS::CDK::Metadata"},
    }))}))
    model = cp.stack_model(stacks["S"])
    expected = (estimates.STACK_OVERHEAD.minutes + estimates.BY_TYPE["AWS::KMS::Key"].minutes
                + estimates.BY_TYPE["AWS::EKS::Cluster"].minutes)
    assert model.minutes == pytest.approx(expected)
    assert [step[0] for step in model.resource_path] == ["Key", "Cluster"]
    assert model.resource_path[1][1:] == ("AWS::EKS::Cluster", estimates.BY_TYPE["AWS::EKS::Cluster"].minutes)


def test_property_refinements_of_estimates():
    resources = parse_template(template({
        "VpcFn": {"Type": "AWS::Lambda::Function", "Properties": {"VpcConfig": {"SubnetIds": ["a"]}}},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
        "Chart": {"Type": "Custom::AWSCDK-EKS-HelmChart", "Properties": {"Wait": False}},
        "Crds": {"Type": KARMADA_MANIFEST, "Properties": {"Source": "{}"}},
        "Odd": {"Type": "Custom::Unknown"},
    }))
    assert estimates.minutes(resources["VpcFn"]) > estimates.minutes(resources["Fn"])
    assert estimates.minutes(resources["Chart"]) < estimates.BY_TYPE["Custom::AWSCDK-EKS-HelmChart"].minutes
    assert estimates.minutes(resources["Crds"]) > estimates.BY_TYPE[KARMADA_MANIFEST].minutes
    assert not estimates.is_estimated("Custom::Unknown")
    assert estimates.minutes(resources["Odd"]) == estimates.CUSTOM_DEFAULT.minutes


def test_every_estimate_states_its_basis():
    for rtype, estimate in estimates.BY_TYPE.items():
        assert estimate.minutes >= 0 and estimate.basis, rtype
    for rtype in ("AWS::EKS::Cluster", "AWS::EKS::Nodegroup", "AWS::EC2::NatGateway", "AWS::EKS::Addon",
                  "Custom::AWSCDK-EKS-HelmChart", "Custom::AWSCDK-EKS-KubernetesResource", KARMADA_MANIFEST,
                  "AWS::Lambda::Function", "AWS::IAM::Role", "AWS::ElasticLoadBalancingV2::LoadBalancer"):
        assert rtype in estimates.BY_TYPE
