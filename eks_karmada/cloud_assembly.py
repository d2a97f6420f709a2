"""A synthesized cloud assembly read back from disk, with its rendered manifests.

Its stacks (region, dependencies, template) from manifest.json, and cdk.out/manifests/*.yaml. Plain JSON and YAML
reading, no CDK: the architecture diagrams (eks_karmada/diagram.py, eks_karmada/diagram_traffic.py) and the tests
read an assembly without building the app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Stack:
    """A synthesized stack read from the cloud assembly: where it deploys, its dependencies and template."""

    name: str
    region: str
    account: str
    dependencies: tuple[str, ...]
    template: dict

    def resources(self, kind: str) -> list[dict]:
        return [r.get("Properties", {}) for r in self.template.get("Resources", {}).values() if r.get("Type") == kind]

    def one(self, kind: str) -> dict | None:
        found = self.resources(kind)
        return found[0] if found else None


@dataclass
class Assembly:
    """The stacks of a cloud assembly (only those manifest.json lists) and the rendered manifests."""

    stacks: dict[str, Stack]
    manifests: dict[str, list[dict]] = field(default_factory=dict)

    @classmethod
    def read(cls, outdir: str | Path) -> Assembly:
        outdir = Path(outdir)
        manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
        stacks: dict[str, Stack] = {}
        artifacts = manifest.get("artifacts", {})
        for name, artifact in artifacts.items():
            if artifact.get("type") != "aws:cloudformation:stack":
                continue
            env = artifact.get("environment", "aws://unknown-account/unknown-region")
            account, region = env.removeprefix("aws://").split("/", 1)
            deps = tuple(
                d for d in artifact.get("dependencies", [])
                if artifacts.get(d, {}).get("type") == "aws:cloudformation:stack"
            )
            template_file = artifact["properties"]["templateFile"]
            template = json.loads((outdir / template_file).read_text(encoding="utf-8"))
            stacks[artifact.get("displayName", name)] = Stack(name, region, account, deps, template)
        manifests = {
            path.stem: [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
            for path in sorted((outdir / "manifests").glob("*.yaml"))
        }
        return cls(stacks=stacks, manifests=manifests)

    def waves(self) -> list[list[str]]:
        """Stacks grouped by deployment wave: a stack's wave is one after its latest dependency."""
        level: dict[str, int] = {}

        def wave(name: str, seen: tuple[str, ...] = ()) -> int:
            if name in level:
                return level[name]
            if name in seen:
                raise ValueError(f"dependency cycle through {name}")
            deps = [d for d in self.stacks[name].dependencies if d in self.stacks]
            level[name] = 1 + max((wave(d, seen + (name,)) for d in deps), default=-1)
            return level[name]

        for name in self.stacks:
            wave(name)
        out: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
        for name in self.stacks:  # manifest order within a wave
            out[level[name]].append(name)
        return out

    def objects(self, target: str, kind: str) -> list[dict]:
        return [o for o in self.manifests.get(target, []) if o.get("kind") == kind]
