"""What control-plane sizing a config gets, and whether it follows the member count.

Two sources, both read-only:
- a sizing function, if the app has one: a callable in charts.karmada.props, stacks.parent_stack
  or eks_karmada.config whose name says it sizes by members/fleet (e.g.
  `component_resources_for_members(n)`); it is called with the member count;
- the ground truth: the Karmada workloads (Deployments, StatefulSets in the control-plane
  namespace) of the synthesized `manifests/parent.yaml`, with replicas, container requests and
  limits and volume sizes. Comparing the smallest and the largest N tells whether the sizing
  follows the member count, whatever function produced it.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import yaml

NAMESPACE = "karmada-system"
_MODULES = ("charts.karmada.props", "charts.karmada", "stacks.parent_stack", "eks_karmada.config")
_SUBJECT = re.compile(r"member|fleet", re.I)
_SIZING = re.compile(r"resource|siz|profile|count|for_|by_|per_", re.I)


class _Name:
    """Names that say "size by member count": sizing_profile, resources_for_members, ComponentResources.for_fleet ..."""

    @staticmethod
    def search(name: str) -> bool:
        lowered = name.lower()
        return bool(_SUBJECT.search(lowered) and _SIZING.search(lowered)) or "sizing" in lowered or "profile" in lowered


_NAME = _Name


def find_sizing_function() -> tuple[str, Any] | None:
    for module_name in _MODULES:
        try:
            module = importlib.import_module(module_name)
        except Exception:  # noqa: BLE001 - an app module that fails to import is reported by synth instead
            continue
        candidates = [(n, o) for n, o in vars(module).items()
                      if callable(o) and not n.startswith("_") and not inspect.isclass(o) and _NAME.search(n)]
        for cls_name, cls in vars(module).items():
            if inspect.isclass(cls) and cls.__module__ == module.__name__:
                candidates += [(f"{cls_name}.{n}", getattr(cls, n)) for n in dir(cls)
                               if not n.startswith("_") and _NAME.search(n) and callable(getattr(cls, n, None))]
        for name, obj in candidates:
            if getattr(obj, "__module__", module_name).startswith(("charts", "stacks", "eks_karmada")):
                return f"{module_name}.{name}", obj
    return None


def _plain(value: Any) -> Any:
    """Pydantic models and dataclasses (possibly nested) as plain dicts, for the JSON and the table."""
    if hasattr(value, "model_dump"):
        return value.model_dump()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def call_sizing_function(function: Any, members: int) -> Any:
    return _plain(function(members))


def workloads(manifest_path: Path) -> dict[str, dict[str, Any]]:
    """Control-plane workloads of a rendered manifest: name -> replicas, resources, volumes."""
    out: dict[str, dict[str, Any]] = {}
    if not manifest_path.exists():
        return out
    for doc in yaml.safe_load_all(manifest_path.read_text()):
        if not doc or doc.get("kind") not in ("Deployment", "StatefulSet"):
            continue
        meta = doc.get("metadata", {})
        if meta.get("namespace") != NAMESPACE:
            continue
        spec = doc.get("spec", {})
        containers = spec.get("template", {}).get("spec", {}).get("containers", [])
        volumes = {
            t.get("metadata", {}).get("name", "?"):
                t.get("spec", {}).get("resources", {}).get("requests", {}).get("storage")
            for t in spec.get("volumeClaimTemplates", []) or []
        }
        out[f"{doc['kind']}/{meta.get('name')}"] = {
            "replicas": spec.get("replicas"),
            "containers": {c["name"]: c.get("resources", {}) for c in containers},
            "volumes": volumes,
        }
    return out


def describe(small: dict[str, Any], large: dict[str, Any]) -> str:
    if not large:
        return "unknown (no rendered parent manifest)"
    if small == large:
        return "not yet sized by member count"
    return "sized by member count"


def probe(member_counts: list[int]) -> dict[str, Any]:
    """Find and call the sizing function, if any (imports the app: run it in a subprocess)."""
    found = find_sizing_function()
    if found is None:
        return {"function": None, "by_members": {}}
    name, function = found
    by_members: dict[str, Any] = {}
    for count in member_counts:
        try:
            by_members[str(count)] = call_sizing_function(function, count)
        except Exception as err:  # noqa: BLE001 - reported, not fatal
            by_members[str(count)] = f"error: {type(err).__name__}: {err}"
    return {"function": name, "by_members": by_members}


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(probe([int(a) for a in sys.argv[1:]]), default=str))
