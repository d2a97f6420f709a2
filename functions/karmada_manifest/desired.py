"""The objects a ``KarmadaManifest`` wants in the Karmada API: from its Manifest and its Source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .properties import Properties
from .yaml_docs import ObjectIdentity


@dataclass(frozen=True)
class Desired:
    """One object to apply: its identity, its body (dict → JSON, str → YAML) and its origin."""

    identity: ObjectIdentity
    body: Any
    origin: str
    patch: bool = False

    def describe(self, namespace: str | None = None) -> str:
        """``Kind namespace/name (apiVersion)``; ``namespace`` is the effective one once known."""
        ident = self.identity
        if namespace is not None:
            ident = ObjectIdentity(ident.api_version, ident.kind, ident.name, namespace or None)
        return f"{ident.describe()} ({ident.api_version})"


# Rendered into Karmada API objects at synth (charts/karmada/bootstrap.py); replaced here by
# base64 of the admin Secret's ca.crt, the CA that signed the Karmada serving certificates.
CA_BUNDLE_PLACEHOLDER = "${Karmada.CaBundle}"


def manifest_objects(props: Properties) -> list[Desired]:
    """The Manifest objects, in order, each named by its index."""
    desired = []
    for index, obj in enumerate(props.manifest):
        metadata = obj.get("metadata") or {}
        identity = ObjectIdentity(obj["apiVersion"], obj["kind"], metadata["name"], metadata.get("namespace") or None)
        desired.append(Desired(identity, obj, f"Manifest[{index}]"))
    return desired
