"""The Karmada CA certificate, published on the parent for people's kubeconfigs.

The CA is public; the Secret the handlers read it from also holds the break-glass admin key, which people no
longer read: `eks-karmada kubeconfig` takes the CA from this ConfigMap and signs in with the caller's IAM identity.
The KarmadaManifest handler writes it on every Create and Update (the CA is stable across renewals). Handlers that
sign in with their IAM role (the registrar) read the CA from it too: they never read the admin Secret.
"""

from __future__ import annotations

from .client import KubeClient, Resource
from .errors import SecretNotReadyError

CONFIG_MAPS = Resource("", "v1", "ConfigMap", "configmaps", True)
CA_BUNDLE_CONFIGMAP = "karmada-ca-bundle"
CA_BUNDLE_KEY = "ca.crt"
FIELD_MANAGER = "eks-karmada-ca-bundle"


def publish_ca_bundle(parent: KubeClient, namespace: str, ca_pem: bytes) -> None:
    """Server-side apply the ConfigMap ``namespace``/karmada-ca-bundle with ``ca_pem`` under ca.crt."""
    body = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CA_BUNDLE_CONFIGMAP, "namespace": namespace,
                     "labels": {"app.kubernetes.io/managed-by": "eks-karmada"}},
        "data": {CA_BUNDLE_KEY: ca_pem.decode("ascii")},
    }
    parent.apply(CONFIG_MAPS, CA_BUNDLE_CONFIGMAP, namespace, body, FIELD_MANAGER, force=True)


def ca_pem_of(config_map: dict | None) -> bytes | None:
    """The PEM CA certificate a karmada-ca-bundle ConfigMap holds under ca.crt, or None (absent, empty, not PEM)."""
    value = str(((config_map or {}).get("data") or {}).get(CA_BUNDLE_KEY) or "")
    return value.encode("utf-8") if "-----BEGIN CERTIFICATE-----" in value else None


def read_ca_bundle(parent: KubeClient, namespace: str) -> bytes:
    """The Karmada CA (PEM) from ``namespace``/karmada-ca-bundle; not there yet is retried like a pending Secret."""
    ca_pem = ca_pem_of(parent.get(CONFIG_MAPS, CA_BUNDLE_CONFIGMAP, namespace))
    if ca_pem is None:
        raise SecretNotReadyError(
            f"ConfigMap {namespace}/{CA_BUNDLE_CONFIGMAP} in the parent cluster has no {CA_BUNDLE_KEY} (the Karmada "
            "API bootstrap publishes it)")
    return ca_pem
