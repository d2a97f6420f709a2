"""Applies a component's PodSettings to its rendered manifests, after the component built them.

Like the Karmada operator's patcher: the component modules say what the component is; the operator's
per-component choices (replicas, node selector, tolerations, pod labels and annotations, feature gates
and extra flags) are laid over the result here, in one place. Empty settings change nothing, so the
default rendering is exactly the components' own.
"""

from __future__ import annotations

from typing import Any

from charts.karmada.props import PodSettings

WORKLOAD_KINDS = ("Deployment", "StatefulSet")
FEATURE_GATES_FLAG = "--feature-gates"


def _flag_name(arg: str) -> str | None:
    return arg.split("=", 1)[0] if arg.startswith("--") else None


def feature_gates_arg(gates: dict[str, bool]) -> str:
    return f"{FEATURE_GATES_FLAG}={','.join(f'{name}={str(on).lower()}' for name, on in gates.items())}"


def parse_feature_gates(value: str) -> dict[str, bool]:
    """``"A=true,B=false"`` -> ``{"A": True, "B": False}``."""
    gates = {}
    for item in filter(None, value.split(",")):
        name, _, on = item.partition("=")
        gates[name] = on == "true"
    return gates


def command_with_settings(command: list[str], settings: PodSettings) -> list[str]:
    """The command with the settings' feature gates merged and extra flags replaced in place or appended."""
    out = list(command)
    if settings.feature_gates:
        index = next((i for i, a in enumerate(out) if _flag_name(a) == FEATURE_GATES_FLAG), None)
        if index is None:
            out.append(feature_gates_arg(dict(settings.feature_gates)))
        else:
            merged = {**parse_feature_gates(out[index].split("=", 1)[1]), **settings.feature_gates}
            out[index] = feature_gates_arg(merged)
    for name, value in settings.extra_args.items():
        arg = f"--{name}={value}"
        index = next((i for i, a in enumerate(out) if _flag_name(a) == f"--{name}"), None)
        if index is None:
            out.append(arg)
        else:
            out[index] = arg
    return out


def _patch_pod(template: dict[str, Any], settings: PodSettings, container: str) -> None:
    meta = template["metadata"]
    if settings.pod_labels:
        meta["labels"] = {**meta["labels"], **settings.pod_labels}
    if settings.pod_annotations:
        meta["annotations"] = {**meta.get("annotations", {}), **settings.pod_annotations}
    spec = template["spec"]
    if settings.node_selector:
        spec["nodeSelector"] = dict(settings.node_selector)
    if settings.tolerations:
        spec["tolerations"] = [t.to_k8s() for t in settings.tolerations]
    for c in spec["containers"]:
        if c["name"] == container:
            c["command"] = command_with_settings(c["command"], settings)


def with_settings(manifests: list[dict[str, Any]], settings: PodSettings, *, container: str) -> list[dict[str, Any]]:
    """``manifests`` with ``settings`` applied to their workloads' pods and to the container named ``container``."""
    if settings == PodSettings():
        return manifests
    for manifest in manifests:
        if manifest["kind"] not in WORKLOAD_KINDS:
            continue
        if settings.replicas is not None and manifest["kind"] == "Deployment":
            manifest["spec"]["replicas"] = settings.replicas
        _patch_pod(manifest["spec"]["template"], settings, container)
    return manifests
