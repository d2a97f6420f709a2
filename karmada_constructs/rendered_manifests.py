"""The record of every Kubernetes object the app applies, written as readable YAML.

Each construct that applies objects (to the parent, the Karmada API or a member)
records them here under its target. After synth, `write` puts one multi-document
YAML file per target into <outdir>/manifests/ (DESIGN.md, "Rendered manifests").
Deploy-time values are CDK tokens at synth; each is registered with a readable
name and shown as `${Name}` in the files, so reviewers can read them in diffs.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import yaml
from aws_cdk import Token
from constructs import Construct, IConstruct

from eks_karmada.manifest_notes import header, notes_by_target

_TOKEN = re.compile(r"\$\{Token\[[^\]]+\]\}")


class RenderedManifests(Construct):
    """Collects objects per target; one instance per CDK app (see `of`)."""

    _ID = "RenderedManifests"

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        self._objects: dict[str, list[dict[str, Any]]] = {}
        self._placeholders: dict[str, str] = {}

    @classmethod
    def of(cls, scope: IConstruct) -> RenderedManifests:
        """The app-wide collector, created on first use."""
        root = scope.node.root
        if not isinstance(root, Construct):
            raise TypeError(f"{scope.node.path}: the construct tree's root is no Construct")
        found = root.node.try_find_child(cls._ID)
        return found if isinstance(found, RenderedManifests) else cls(root, cls._ID)

    def placeholder(self, value: str, name: str) -> str:
        """Register a deploy-time string (a CDK token) under a readable name; returns the value."""
        if Token.is_unresolved(value):
            for token in _TOKEN.findall(value):
                self._placeholders[token] = name
        return value

    def record(self, target: str, objects: list[dict[str, Any]]) -> None:
        """Add objects to a target's file (parent, karmada, member-<name>)."""
        self._objects.setdefault(target, []).extend(objects)

    @property
    def targets(self) -> list[str]:
        return sorted(self._objects)

    def readable(self, target: str) -> list[dict[str, Any]]:
        """A target's objects with every token shown as its placeholder; unknown tokens are a bug."""
        text = json.dumps(self._objects.get(target, []))
        for token, name in self._placeholders.items():
            text = text.replace(token, "${" + name + "}")
        leftover = _TOKEN.search(text)
        if leftover:
            raise ValueError(
                f"manifest for {target} holds an unnamed deploy-time value {leftover.group(0)}; "
                "register it with RenderedManifests.placeholder"
            )
        return json.loads(text)

    def write(self, outdir: str | Path) -> list[Path]:
        """Write <outdir>/manifests/<target>.yaml for every target, and nothing else; returns the paths.

        The folder is emptied first, so a member removed from the config leaves no file behind. Each file
        starts with a header naming what reaches that API by other means (eks_karmada/manifest_notes.py),
        read from the templates already synthesized into ``outdir``.
        """
        outdir = Path(outdir)
        folder = outdir / "manifests"
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        notes = notes_by_target(_templates(outdir))
        written = []
        for target in sorted(set(self.targets) | set(notes)):
            path = folder / f"{target}.yaml"
            documents = yaml.safe_dump_all(self.readable(target), sort_keys=False, default_flow_style=False)
            path.write_text(header(target, notes.get(target, [])) + documents, encoding="utf-8")
            written.append(path)
        return written


def _templates(outdir: Path) -> dict[str, dict[str, Any]]:
    """Stack name -> template of every stack of this synth (the cloud assembly's manifest.json).

    Not every *.template.json in ``outdir``: the CDK leaves the templates of stacks an earlier synth had (a
    member since removed) in place, and their notes would bring back that member's manifest file.
    """
    assembly = outdir / "manifest.json"
    if not assembly.exists():
        return {}
    artifacts = json.loads(assembly.read_text(encoding="utf-8")).get("artifacts", {})
    return {name: json.loads((outdir / a["properties"]["templateFile"]).read_text(encoding="utf-8"))
            for name, a in sorted(artifacts.items()) if a.get("type") == "aws:cloudformation:stack"}
