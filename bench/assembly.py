"""Reads a synthesized cloud assembly (cdk.out) into what the bench measures and models.

- stacks: the artifacts of type `aws:cloudformation:stack` in manifest.json, with their
  dependencies on other *stacks* (asset manifests, the tree and other artifact types are
  ignored: they are published, not deployed, and never wait on a stack);
- per stack: its template's resources, outputs and parameters, the template size in bytes as
  written (what `cdk deploy` uploads), and the resource dependency edges CloudFormation
  derives: `DependsOn`, `Ref`, `Fn::GetAtt` and the `${...}` references inside `Fn::Sub`
  (references to parameters and pseudo parameters are not resources and are dropped).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STACK_ARTIFACT = "aws:cloudformation:stack"
ASSET_MANIFEST = "cdk:asset-manifest"
NESTED_ASSEMBLY = "cdk:cloud-assembly"
CUSTOM_RESOURCE_TYPES = ("AWS::CloudFormation::CustomResource",)
LAMBDA_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")

_SUB_REF = re.compile(r"\$\{([^!}][^}]*)\}")


@dataclass
class Resource:
    """One resource of a synthesized template and the resources it waits for."""
    logical_id: str
    type: str
    properties: dict[str, Any]
    depends_on: set[str] = field(default_factory=set)  # resolved edges: every resource this one waits for
    size: int = 0  # bytes of the resource's JSON (compact): what grows when per-member data piles up in one resource

    @property
    def is_custom_resource(self) -> bool:
        return self.type.startswith("Custom::") or self.type in CUSTOM_RESOURCE_TYPES

    @property
    def is_lambda(self) -> bool:
        return self.type in LAMBDA_TYPES


@dataclass
class StackInfo:
    """One stack of the cloud assembly: its template's size, resources and dependencies."""
    artifact_id: str
    region: str | None
    dependencies: list[str]  # other stack artifact ids
    template_path: Path
    template_bytes: int
    resources: dict[str, Resource]
    outputs: int
    parameters: int
    docker_images: list[str] = field(default_factory=list)  # its Docker image assets, built before it deploys

    @property
    def resource_count(self) -> int:
        return len(self.resources)

    @property
    def lambda_count(self) -> int:
        return sum(r.is_lambda for r in self.resources.values())

    @property
    def custom_resource_count(self) -> int:
        return sum(r.is_custom_resource for r in self.resources.values())

    def count(self, resource_type: str) -> int:
        return sum(r.type == resource_type for r in self.resources.values())


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def references(node: Any) -> set[str]:
    """Logical ids referenced by Ref, Fn::GetAtt and Fn::Sub anywhere inside `node`."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if len(value) == 1:
                (key, arg), = value.items()
                if key == "Ref" and isinstance(arg, str):
                    found.add(arg)
                    return
                if key == "Fn::GetAtt":
                    if isinstance(arg, list) and arg and isinstance(arg[0], str):
                        found.add(arg[0])
                        walk(arg[1:])
                    elif isinstance(arg, str):
                        found.add(arg.split(".", 1)[0])
                    return
                if key == "Fn::Sub":
                    # "${Name}" / "${Name.Attr}" reference resources, except the names the Sub defines itself
                    # and "${!Literal}" escapes.
                    text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1] if len(arg) > 1 else {})
                    local = set(variables) if isinstance(variables, dict) else set()
                    if isinstance(text, str):
                        for ref in _SUB_REF.findall(text):
                            name = ref.split(".", 1)[0]
                            if name not in local:
                                found.add(name)
                    walk(variables)
                    return
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(node)
    return found


def parse_template(template: dict[str, Any]) -> dict[str, Resource]:
    """Resources of a template with their resolved dependency edges (resources only)."""
    raw = template.get("Resources", {}) or {}
    resources: dict[str, Resource] = {}
    for logical_id, body in raw.items():
        refs = references({k: v for k, v in body.items() if k != "DependsOn"})
        refs |= set(_as_list(body.get("DependsOn")))
        resources[logical_id] = Resource(
            logical_id=logical_id,
            type=body.get("Type", "?"),
            properties=body.get("Properties", {}) or {},
            depends_on=refs,
            size=len(json.dumps(body, separators=(",", ":"))),
        )
    for resource in resources.values():
        # Parameters, pseudo parameters (AWS::Region) and conditions are not creation steps.
        resource.depends_on = {d for d in resource.depends_on if d in resources and d != resource.logical_id}
    return resources


def _region(environment: str | None) -> str | None:
    # aws://<account>/<region>; "unknown-region" for environment-agnostic stacks.
    if not environment or not environment.startswith("aws://"):
        return None
    region = environment.split("/")[-1]
    return None if region.startswith("unknown") else region


def load_assembly(outdir: Path) -> dict[str, StackInfo]:
    """Every stack of the assembly in `outdir` (nested assemblies of Stages included), in manifest order."""
    outdir = Path(outdir)
    manifest = json.loads((outdir / "manifest.json").read_text())
    artifacts: dict[str, Any] = manifest.get("artifacts", {})
    stacks: dict[str, StackInfo] = {}
    for artifact_id, artifact in artifacts.items():
        kind = artifact.get("type")
        if kind == NESTED_ASSEMBLY:
            nested_dir = outdir / artifact.get("properties", {}).get("directoryName", "")
            stacks.update(load_assembly(nested_dir))
            continue
        if kind != STACK_ARTIFACT:
            continue
        template_path = outdir / artifact["properties"]["templateFile"]
        template = json.loads(template_path.read_text())
        deps = [d for d in artifact.get("dependencies", []) if artifacts.get(d, {}).get("type") == STACK_ARTIFACT]
        stacks[artifact_id] = StackInfo(
            artifact_id=artifact_id,
            region=_region(artifact.get("environment")),
            dependencies=deps,
            template_path=template_path,
            template_bytes=template_path.stat().st_size,
            resources=parse_template(template),
            outputs=len(template.get("Outputs", {}) or {}),
            parameters=len(template.get("Parameters", {}) or {}),
            docker_images=_docker_images(outdir, artifacts, artifact.get("dependencies", [])),
        )
    return stacks


def _docker_images(outdir: Path, artifacts: dict[str, Any], dependencies: list[str]) -> list[str]:
    """The Docker image assets of a stack (display name, else hash), from its asset manifest."""
    names: list[str] = []
    for dependency in dependencies:
        artifact = artifacts.get(dependency, {})
        if artifact.get("type") == ASSET_MANIFEST:
            manifest = json.loads((outdir / artifact["properties"]["file"]).read_text())
            names += [image.get("displayName", asset_hash)
                      for asset_hash, image in manifest.get("dockerImages", {}).items()]
    return names


def nat_gateways_by_az(stack: StackInfo) -> dict[str, int]:
    """NAT gateways per availability zone (from the subnet each one is placed in)."""
    out: dict[str, int] = {}
    for resource in stack.resources.values():
        if resource.type != "AWS::EC2::NatGateway":
            continue
        subnet_ref = resource.properties.get("SubnetId")
        subnet_id = subnet_ref.get("Ref") if isinstance(subnet_ref, dict) else None
        subnet = stack.resources.get(subnet_id) if isinstance(subnet_id, str) else None
        az = subnet.properties.get("AvailabilityZone") if subnet else None
        key = az if isinstance(az, str) else "?"
        out[key] = out.get(key, 0) + 1
    return out


def summarize(stack: StackInfo) -> dict[str, Any]:
    """The per-stack numbers the bench reports (JSON-ready)."""
    types: dict[str, int] = {}
    for resource in stack.resources.values():
        types[resource.type] = types.get(resource.type, 0) + 1
    return {
        "region": stack.region,
        "dependencies": stack.dependencies,
        "resources": stack.resource_count,
        "template_bytes": stack.template_bytes,
        "outputs": stack.outputs,
        "parameters": stack.parameters,
        "lambda_functions": stack.lambda_count,
        "custom_resources": stack.custom_resource_count,
        "types": dict(sorted(types.items())),
        "nat_gateways_by_az": nat_gateways_by_az(stack),
        "resource_bytes": {rid: [r.type, r.size] for rid, r in stack.resources.items()},
    }
