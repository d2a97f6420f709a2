"""The ResourceProperties of ``Custom::KarmadaManifest``: their keys, named once, and their parsing.

The construct (karmada_constructs/karmada_manifest.py, and karmada_constructs/parent_cluster_function.py
for the keys that say how to reach Karmada) writes the keys; ``Properties.parse`` reads them. It
imports only the standard library and this package's pure modules, so the construct can import the
keys without the handler's code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..provider_framework import property_text
from .errors import KarmadaManifestError, SourceError
from .manifest_source import SourceSpec

CLUSTER_NAME = "ClusterName"  # the parent EKS cluster, where the Karmada control plane runs
MANIFEST = "Manifest"  # JSON list of objects
SOURCE = "Source"  # JSON: a release tarball and the paths to apply from it
OVERWRITE = "Overwrite"  # "true" / "false"
FIELD_MANAGER = "FieldManager"
ADMIN_SECRET_NAME = "AdminSecretName"  # kubernetes.io/tls Secret of the Karmada admin client, in the parent
# The cluster id of the Karmada API's aws-iam-authenticator: the handler signs in with its own IAM role instead.
KARMADA_CLUSTER_ID = "KarmadaClusterId"
ADMIN_SECRET_NAMESPACE = "AdminSecretNamespace"
API_SERVER_NAMESPACE = "ApiServerNamespace"
API_SERVER_SERVICE = "ApiServerService"
API_SERVER_PORT = "ApiServerPort"
API_SERVER_SERVER_NAME = "ApiServerServerName"  # the name checked on the server's certificate


@dataclass(frozen=True)
class Properties:
    """ResourceProperties, parsed and checked (CloudFormation delivers every value as a string)."""

    cluster_name: str
    manifest: tuple
    source: SourceSpec | None
    overwrite: bool
    field_manager: str
    admin_secret_namespace: str
    admin_secret_name: str  # "" when the handler signs in with its role (karmada_cluster_id)
    api_server_namespace: str
    api_server_service: str
    api_server_port: int
    api_server_server_name: str
    karmada_cluster_id: str = ""  # "" when the handler uses the admin certificate (the Karmada API bootstrap)

    @classmethod
    def parse(cls, raw: dict | None) -> Properties:
        raw = raw or {}
        cluster_name = property_text(raw, CLUSTER_NAME)
        if not cluster_name:
            raise KarmadaManifestError(f"{CLUSTER_NAME} is required")
        namespace = property_text(raw, API_SERVER_NAMESPACE) or "karmada-system"
        service = property_text(raw, API_SERVER_SERVICE) or "karmada-apiserver"
        try:
            port = int(property_text(raw, API_SERVER_PORT) or "5443")
        except ValueError:
            raise KarmadaManifestError(
                f"{API_SERVER_PORT} must be a number, not {raw.get(API_SERVER_PORT)!r}"
            ) from None
        secret_name = property_text(raw, ADMIN_SECRET_NAME)
        cluster_id = property_text(raw, KARMADA_CLUSTER_ID)
        if bool(secret_name) == bool(cluster_id):
            raise KarmadaManifestError(
                f"set exactly one of {KARMADA_CLUSTER_ID} (sign in with the handler's own IAM role) and "
                f"{ADMIN_SECRET_NAME} (the break-glass admin certificate: the Karmada API bootstrap only)")
        source = None
        if property_text(raw, SOURCE):
            try:
                source = SourceSpec.from_json(property_text(raw, SOURCE))
            except SourceError as err:
                raise KarmadaManifestError(str(err)) from err
        return cls(
            cluster_name=cluster_name,
            manifest=tuple(_parse_manifest(raw.get(MANIFEST))),
            source=source,
            overwrite=_boolean(raw, OVERWRITE, False),
            field_manager=property_text(raw, FIELD_MANAGER) or "eks-karmada",
            admin_secret_namespace=property_text(raw, ADMIN_SECRET_NAMESPACE) or namespace,
            admin_secret_name=secret_name,
            api_server_namespace=namespace,
            api_server_service=service,
            api_server_port=port,
            api_server_server_name=(property_text(raw, API_SERVER_SERVER_NAME)
                                    or f"{service}.{namespace}.svc.cluster.local"),
            karmada_cluster_id=cluster_id,
        )


def _boolean(raw: dict, key: str, default: bool) -> bool:
    value = property_text(raw, key).lower()
    if not value:
        return default
    if value in ("true", "false"):
        return value == "true"
    raise KarmadaManifestError(f"{key} must be \"true\" or \"false\", not {raw.get(key)!r}")


def _parse_manifest(value: Any) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as err:
            raise KarmadaManifestError(f"Manifest is not valid JSON: {err}") from err
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise KarmadaManifestError("Manifest must be a JSON list of Kubernetes objects")
    objects = []
    for index, obj in enumerate(value):
        where = f"Manifest[{index}]"
        if not isinstance(obj, dict):
            raise KarmadaManifestError(f"{where} is not an object")
        metadata = obj.get("metadata") or {}
        if not obj.get("apiVersion") or not obj.get("kind") or not metadata.get("name"):
            raise KarmadaManifestError(f"{where} needs apiVersion, kind and metadata.name")
        objects.append(obj)
    return objects
