"""Pod Security 'restricted' and schema checks shared by the backup and restore tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import kubernetes_validate
import pytest

KUBERNETES_VERSION = "1.35.0"
ALLOWED_VOLUME_SOURCES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
}  # fmt: skip


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec = obj["spec"]
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def containers(obj: dict[str, Any]) -> Iterator[dict[str, Any]]:
    spec = pod_spec(obj)
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def restricted_violations(obj: dict[str, Any]) -> list[str]:
    """Pod Security Standards 'restricted' (latest), as Pod Security Admission enforces them."""
    spec = pod_spec(obj)
    psc = spec.get("securityContext", {})
    out = [h for h in ("hostNetwork", "hostPID", "hostIPC") if spec.get(h)]
    out += [f"volume {v['name']}" for v in spec.get("volumes", []) if not set(v) - {"name"} <= ALLOWED_VOLUME_SOURCES]
    for c in containers(obj):
        sc, name = c.get("securityContext", {}), c["name"]
        caps = sc.get("capabilities", {})
        checks = {
            "privileged": not sc.get("privileged"),
            "allowPrivilegeEscalation": sc.get("allowPrivilegeEscalation") is False,
            "drop ALL": "ALL" in caps.get("drop", []),
            "no added capabilities": not set(caps.get("add", [])) - {"NET_BIND_SERVICE"},
            "runAsNonRoot": sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True,
            "runAsUser != 0": sc.get("runAsUser", psc.get("runAsUser")) != 0,
            "seccomp": sc.get("seccompProfile",
                              psc.get("seccompProfile", {})).get("type") in ("RuntimeDefault", "Localhost"),
            "no hostPort": not any("hostPort" in p for p in c.get("ports", [])),
        }
        out += [f"{name}: {what}" for what, ok in checks.items() if not ok]
    return out


def hardening_gaps(obj: dict[str, Any]) -> list[str]:
    """Beyond 'restricted': read-only root, resources, priority, no API token."""
    spec = pod_spec(obj)
    out = []
    if spec.get("automountServiceAccountToken") is not False:
        out.append("automountServiceAccountToken")
    if not spec.get("priorityClassName"):
        out.append("priorityClassName")
    for c in containers(obj):
        res = c.get("resources", {})
        if not c["securityContext"].get("readOnlyRootFilesystem"):
            out.append(f"{c['name']}: readOnlyRootFilesystem")
        for kind in ("cpu", "memory"):
            if kind not in res.get("requests", {}) or kind not in res.get("limits", {}):
                out.append(f"{c['name']}: {kind} request/limit")
        if ":" not in c["image"].rsplit("/", 1)[-1] or c["image"].endswith(":latest"):
            out.append(f"{c['name']}: unpinned image {c['image']}")
    return out


def validate_strict(objects: list[dict[str, Any]]) -> int:
    """kubernetes-validate (strict, 1.35) on every built-in object; cert-manager objects are checked elsewhere."""
    checked = 0
    for obj in objects:
        if obj["apiVersion"].startswith("cert-manager.io/"):
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as err:
            pytest.fail(f"{obj['kind']}/{obj['metadata']['name']}: {err.message}")
        checked += 1
    return checked
