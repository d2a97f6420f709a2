"""Applying rendered objects to a local API server, as the deploy-time appliers do."""

from __future__ import annotations

from . import deviations, pki

# Their controllers are Helm charts from the internet (deviations.py): the PKI is issued by pki.py.
SKIPPED_GROUPS = ("cert-manager.io/", "elbv2.k8s.aws/")
FIELD_MANAGER = "eks-karmada-local"


def _target(client, obj: dict):
    metadata = obj["metadata"]
    resource = client.resource_for(obj["apiVersion"], obj["kind"])
    namespace = (metadata.get("namespace") or "default") if resource.namespaced else None
    return resource, metadata["name"], namespace


def apply_manifest(client, objects: list[dict], *, delete: bool = False, manager: str = FIELD_MANAGER) -> int:
    """Server-side apply in order (or delete in reverse order); returns how many objects it touched."""
    count = 0
    for obj in reversed(objects) if delete else objects:
        if obj["apiVersion"].startswith(SKIPPED_GROUPS):
            continue
        if obj["metadata"].get("namespace") in deviations.ABSENT_NAMESPACES:
            continue
        resource, name, namespace = _target(client, obj)
        if delete:
            client.delete(resource, name, namespace)
        else:
            client.apply(resource, name, namespace, obj, manager, force=True)
        count += 1
    return count


def issue_pki(client, objects: list[dict], renew=None) -> list[str]:
    """Issue every Certificate's Secret as cert-manager would, keeping the valid ones already issued.

    Returns the Secrets written (new or re-issued).
    """
    existing = {}
    secrets = client.resource_for("v1", "Secret")
    for obj in objects:
        if obj.get("kind") == "Certificate" and obj["apiVersion"].startswith("cert-manager.io/"):
            namespace, name = obj["metadata"].get("namespace", "default"), obj["spec"]["secretName"]
            found = client.get(secrets, name, namespace)
            if found:
                existing[(namespace, name)] = found
    changed = []
    for secret in pki.issue(objects, existing=existing, renew=renew):
        before = existing.get((secret.namespace, secret.name))
        if before and before.get("data") == secret.manifest.get("data"):
            continue
        client.apply(secrets, secret.name, secret.namespace, secret.manifest, "cert-manager-local", force=True)
        changed.append(f"{secret.namespace}/{secret.name}")
    return changed
