"""Which ``KarmadaManifest`` owns an object: an annotation naming the custom resource that applied it last.

Every KarmadaManifest applies with the same field manager, so field managers cannot tell them apart. The
annotation can: its value is the custom resource's PhysicalResourceId. A resource that deletes or prunes an
object leaves it in place when the annotation names another resource, so an object moved from one
KarmadaManifest to another (in one deployment, in any order) is never deleted by the one it left. Objects
applied before the annotation existed carry none: they are treated as the deleting resource's own.
"""

from __future__ import annotations

from typing import Any

from .yaml_docs import with_annotation

OWNER_ANNOTATION = "eks-karmada.io/applied-by"


def owned_body(body: Any, owner: str) -> Any:
    """``body`` (a dict, or the YAML text of one document) with the owner annotation set; ``body`` is not changed.

    Raises ``YamlSubsetError`` when YAML text cannot take the annotation (see ``with_annotation``).
    """
    if isinstance(body, str):
        return with_annotation(body, OWNER_ANNOTATION, owner)
    metadata = body.get("metadata") or {}
    annotations = {**(metadata.get("annotations") or {}), OWNER_ANNOTATION: owner}
    return {**body, "metadata": {**metadata, "annotations": annotations}}


def owner_of(obj: dict) -> str:
    """The KarmadaManifest that applied ``obj`` (as the API server returned it), "" when not annotated."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    return str(annotations.get(OWNER_ANNOTATION) or "")
