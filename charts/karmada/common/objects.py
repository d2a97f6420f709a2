"""Plain-dict manifests -> cdk8s ApiObjects, plus the shared metadata helpers.

Builders in this package return plain dicts (easy to read, test and diff);
``emit`` is the only place that touches cdk8s. Every top-level field other than
apiVersion/kind/metadata is attached as a JSON patch, which is how cdk8s lets
Python add arbitrary fields to an ``ApiObject``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

import cdk8s
from constructs import Construct

from charts.karmada.props import KarmadaControlPlaneProps

INSTANCE = "karmada"
MANAGED_BY = "eks-karmada"

_ID_UNSAFE = re.compile(r"[^A-Za-z0-9.:_-]")
_TOKEN = re.compile(r"\$\{Token\[[^\]]*\]\}")  # a CDK token as a string: ${Token[AWS.AccountId.7]}


def selector_labels(component: str) -> dict[str, str]:
    """Immutable selector labels of a workload (never include the version)."""
    return {"app.kubernetes.io/name": component, "app.kubernetes.io/instance": INSTANCE}


def labels(component: str, props: KarmadaControlPlaneProps, **extra: str) -> dict[str, str]:
    return {
        **selector_labels(component),
        "app.kubernetes.io/part-of": "karmada",
        "app.kubernetes.io/version": props.karmada_version,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        **extra,
    }


def metadata(
    name: str,
    *,
    namespace: str | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = dict(labels)
    if annotations:
        meta["annotations"] = dict(annotations)
    return meta


def checksum(*documents: Any) -> str:
    """Stable hash of config a pod consumes; changing it rolls the pods.

    A deploy-time value (a CDK token, e.g. the account in a handler role's ARN) counts by its place, not its text:
    the text numbers tokens in creation order, which differs from one synth process to another.
    """
    payload = _TOKEN.sub("${Token}", json.dumps(documents, sort_keys=True, separators=(",", ":")))
    return hashlib.sha256(payload.encode()).hexdigest()


def emit(scope: Construct, manifest: dict[str, Any]) -> cdk8s.ApiObject:
    """Add one manifest to ``scope`` as a cdk8s ApiObject (names are explicit)."""
    meta = manifest["metadata"]
    construct_id = _ID_UNSAFE.sub("-", "-".join(filter(None, [manifest["kind"], meta.get("namespace"), meta["name"]])))
    obj = cdk8s.ApiObject(
        scope,
        construct_id,
        api_version=manifest["apiVersion"],
        kind=manifest["kind"],
        metadata=cdk8s.ApiObjectMetadata(
            name=meta["name"],
            namespace=meta.get("namespace"),
            labels=meta.get("labels"),
            annotations=meta.get("annotations"),
        ),
    )
    for key, value in manifest.items():
        if key not in ("apiVersion", "kind", "metadata"):
            obj.add_json_patch(cdk8s.JsonPatch.add(f"/{key}", value))
    return obj


def emit_all(scope: Construct, manifests: Iterable[dict[str, Any]]) -> list[cdk8s.ApiObject]:
    return [emit(scope, m) for m in manifests]
