"""What must never be in Karmada's etcd in clear: the Push members' tokens, and how etcd stores a Secret."""

from __future__ import annotations

import base64

ENCRYPTED_PREFIX = b"k8s:enc:secretbox:v1:"


def member_tokens(karmada) -> dict[str, bytes]:
    """Secret name -> token of every member credential in karmada-cluster (the Push members')."""
    found = {}
    for secret in karmada.json("get", "secrets", "-n", "karmada-cluster")["items"]:
        token = (secret.get("data") or {}).get("token")
        if token:
            found[secret["metadata"]["name"]] = base64.b64decode(token)
    assert found, "no member token in karmada-cluster: is a Push member registered?"
    return found
