"""The kubeconfig karmada-agent reads, and the Secret ``karmada-kubeconfig`` that holds it.

Built by the registration handler for a Pull member in AWS and by the CLI's ``agent-bundle``
for a Pull member outside AWS, so both write the same Secret.
"""

from __future__ import annotations

import base64
import json
from typing import Any

SYSTEM_LABEL = {"karmada.io/system": "true"}
AGENT_KUBECONFIG_SECRET = "karmada-kubeconfig"  # the name karmada-agent's certRotation controller reads


def agent_kubeconfig(server: str, ca_pem: bytes, cert_pem: bytes, key_pem: bytes) -> bytes:
    """The kubeconfig karmada-agent reads (JSON, which client-go's kubeconfig loader accepts)."""

    def b64(value: bytes) -> str:
        return base64.b64encode(value).decode("ascii")

    cluster, user = "karmada-apiserver", "karmada-agent"
    context = f"{user}@{cluster}"
    config: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": {"server": server, "certificate-authority-data": b64(ca_pem)}}],
        "users": [{"name": user, "user": {"client-certificate-data": b64(cert_pem), "client-key-data": b64(key_pem)}}],
        "contexts": [{"name": context, "context": {"cluster": cluster, "user": user}}],
        "current-context": context,
        "preferences": {},
    }
    return (json.dumps(config, indent=2) + "\n").encode("utf-8")


def kubeconfig_secret(namespace_name: str, key: str, kubeconfig: bytes) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": AGENT_KUBECONFIG_SECRET, "namespace": namespace_name, "labels": dict(SYSTEM_LABEL)},
        "data": {key: base64.b64encode(kubeconfig).decode("ascii")},
    }
