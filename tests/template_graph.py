"""The dependency graph of a synthesized CloudFormation template, as CloudFormation orders it."""

from __future__ import annotations

from typing import Any


def references(value: Any) -> set[str]:
    """Every name a Ref or Fn::GetAtt inside `value` points at (resources and pseudo parameters)."""
    found: set[str] = set()
    if isinstance(value, dict):
        if isinstance(value.get("Ref"), str):
            found.add(value["Ref"])
        if "Fn::GetAtt" in value:
            found.add(value["Fn::GetAtt"][0])
        for v in value.values():
            found |= references(v)
    elif isinstance(value, list):
        for v in value:
            found |= references(v)
    return found


def edges(template: dict) -> dict[str, set[str]]:
    """DependsOn plus Ref / Fn::GetAtt: every resource a resource waits for (and outlives on delete)."""
    resources = template["Resources"]
    graph = {}
    for logical_id, body in resources.items():
        depends = body.get("DependsOn", [])
        direct = set([depends] if isinstance(depends, str) else depends)
        graph[logical_id] = direct | (references(body.get("Properties", {})) & set(resources))
    return graph


def closure(graph: dict[str, set[str]], start: str) -> set[str]:
    """Everything `start` waits for, directly or through others."""
    seen, todo = set(), [start]
    while todo:
        for dep in graph[todo.pop()]:
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen
