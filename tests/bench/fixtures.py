"""Hand-made cloud assemblies for the bench tests: manifest.json plus small templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def stack_artifact(name: str, region: str, deps: list[str]) -> dict[str, Any]:
    return {
        "type": "aws:cloudformation:stack",
        "environment": f"aws://unknown-account/{region}",
        "properties": {"templateFile": f"{name}.template.json"},
        # Asset manifests are artifacts too: the bench must ignore them as dependencies.
        "dependencies": [f"{name}.assets", *deps],
    }


def write_assembly(outdir: Path, stacks: dict[str, tuple[str, list[str], dict[str, Any]]],
                   docker_images: dict[str, list[str]] | None = None) -> Path:
    """stacks: artifact id -> (region, stack dependencies, template); docker_images: its Docker image assets' names."""
    outdir.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, Any] = {"Tree": {"type": "cdk:tree", "properties": {"file": "tree.json"}}}
    for name, (region, deps, template) in stacks.items():
        artifacts[f"{name}.assets"] = {"type": "cdk:asset-manifest", "properties": {"file": f"{name}.assets.json"}}
        images = {f"hash{i}": {"displayName": image, "source": {"directory": f"asset.hash{i}"}}
                  for i, image in enumerate((docker_images or {}).get(name, []))}
        (outdir / f"{name}.assets.json").write_text(json.dumps({"version": "48.0.0", "dockerImages": images}))
        artifacts[name] = stack_artifact(name, region, deps)
        (outdir / f"{name}.template.json").write_text(json.dumps(template, indent=1))
    (outdir / "manifest.json").write_text(json.dumps({"version": "48.0.0", "artifacts": artifacts}, indent=1))
    return outdir


def template(resources: dict[str, dict[str, Any]], outputs: int = 0, parameters: int = 0) -> dict[str, Any]:
    body: dict[str, Any] = {"Resources": resources}
    if outputs:
        body["Outputs"] = {f"Out{i}": {"Value": "x"} for i in range(outputs)}
    if parameters:
        body["Parameters"] = {f"Param{i}": {"Type": "String"} for i in range(parameters)}
    return body


# A member-like network: VPC -> subnet -> NAT gateway -> cluster (DependsOn), a role off the path.
NETWORK_AND_CLUSTER = {
    "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.1.0.0/16"}},
    "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "AvailabilityZone": "us-west-2a"}},
    "Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {"SubnetId": {"Ref": "Subnet"}}},
    "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
    "Cluster": {
        "Type": "AWS::EKS::Cluster",
        "DependsOn": "Nat",
        "Properties": {"RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}, "Region": {"Ref": "AWS::Region"}},
    },
    "Handler": {"Type": "AWS::Lambda::Function", "Properties": {"Role": {"Fn::GetAtt": "Role.Arn"}}},
    "Manifest": {"Type": "Custom::AWSCDK-EKS-KubernetesResource",
                 "Properties": {"ServiceToken": {"Fn::GetAtt": ["Handler", "Arn"]}}},
    "Metadata": {"Type": "AWS::CDK::Metadata", "Properties": {}},
}
