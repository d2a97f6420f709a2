"""Parsing of manifest.json and templates (hand-made fixtures, no synth)."""

from __future__ import annotations

from bench.assembly import load_assembly, references, summarize
from tests.bench.fixtures import NETWORK_AND_CLUSTER, template, write_assembly


def test_references_in_every_intrinsic():
    node = {
        "A": {"Ref": "Vpc"},
        "B": {"Fn::GetAtt": ["Role", "Arn"]},
        "C": {"Fn::GetAtt": "Key.Arn"},
        "D": {"Fn::Sub": "arn:${AWS::Partition}:x:${Bucket}/${Queue.Arn}/${!Literal}"},
        "E": {"Fn::Sub": ["${Local}-${Topic}", {"Local": {"Ref": "Table"}}]},
        "F": [{"Fn::Join": ["", [{"Ref": "AWS::Region"}, {"Ref": "Param"}]]}],
    }
    found = references(node)
    assert {"Vpc", "Role", "Key", "Bucket", "Queue", "Topic", "Table"} <= found
    assert "Local" not in found and "Literal" not in found and "!Literal" not in found


def test_load_assembly_reads_stacks_edges_and_counts(tmp_path):
    outdir = write_assembly(tmp_path, {
        "KarmadaParent": ("us-east-1", [], template(NETWORK_AND_CLUSTER, outputs=3, parameters=1)),
        "KarmadaMember-m1": ("us-west-2", ["KarmadaParent"], template({"Q": {"Type": "AWS::SQS::Queue"}})),
    })
    stacks = load_assembly(outdir)
    assert list(stacks) == ["KarmadaParent", "KarmadaMember-m1"]
    parent, member = stacks["KarmadaParent"], stacks["KarmadaMember-m1"]
    # Asset-manifest dependencies are not stack dependencies.
    assert parent.dependencies == [] and member.dependencies == ["KarmadaParent"]
    assert parent.region == "us-east-1" and member.region == "us-west-2"
    assert parent.template_bytes == (outdir / "KarmadaParent.template.json").stat().st_size
    assert (parent.resource_count, parent.outputs, parent.parameters) == (8, 3, 1)
    assert parent.lambda_count == 1 and parent.custom_resource_count == 1
    edges = {rid: r.depends_on for rid, r in parent.resources.items()}
    assert edges["Cluster"] == {"Nat", "Role"}  # DependsOn + GetAtt; AWS::Region is not a resource
    assert edges["Subnet"] == {"Vpc"} and edges["Nat"] == {"Subnet"}
    assert edges["Handler"] == {"Role"} and edges["Manifest"] == {"Handler"}
    summary = summarize(parent)
    assert summary["nat_gateways_by_az"] == {"us-west-2a": 1}
    assert summary["types"]["AWS::EC2::VPC"] == 1


def test_environment_agnostic_stack_has_no_region(tmp_path):
    outdir = write_assembly(tmp_path, {"S": ("unknown-region", [], template({}))})
    assert load_assembly(outdir)["S"].region is None
