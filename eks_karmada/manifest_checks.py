"""Checks every Kubernetes object the app applies, at synth, before anything reaches a cluster.

KarmadaManifest (objects for the Karmada API: bootstrap, registrations, your workloads) and
ChartManifest (objects for the parent and member clusters) call `check_manifest`. A bad object
raises `ManifestError` with one line naming the object and the field, e.g.

    KarmadaWorkloads/my-app: Deployment default/Web: metadata.name: 'Web' is not a DNS-1123
    subdomain (...); use lower-case letters, digits, '-' and '.'

app.py prints it as `error: <message>` without a stack trace and exits 1. The rules are the
object-metadata rules every API server applies (so a deploy would fail on them anyway, only
much later and in a CloudFormation event), plus one of ours: a Secret never carries data in a
template, because templates, rendered manifests and the cloud assembly are not secret stores.

No CDK import here: app.py imports this module before the CDK is loaded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeGuard

_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_RE = re.compile(rf"^{_DNS1123_LABEL}$")
_DNS1123_SUBDOMAIN_RE = re.compile(rf"^{_DNS1123_LABEL}(\.{_DNS1123_LABEL})*$")
# Unresolved CDK tokens (deploy-time values) are opaque at synth: never judge them.
_TOKEN_RE = re.compile(r"\$\{Token\[[^\]]+\]\}")

# Built-in kinds without a namespace, by API group ("" is the core group). A namespace on one of
# them is a mistake the API server silently drops (client-side apply) or rejects (server-side
# apply), so it is refused here. Karmada's own cluster-scoped kinds are listed too.
CLUSTER_SCOPED_KINDS: frozenset[tuple[str, str]] = frozenset(
    {
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("node.k8s.io", "RuntimeClass"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "VolumeAttributesClass"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("certificates.k8s.io", "ClusterTrustBundle"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("resource.k8s.io", "DeviceClass"),
        ("cluster.karmada.io", "Cluster"),
        ("policy.karmada.io", "ClusterPropagationPolicy"),
        ("policy.karmada.io", "ClusterOverridePolicy"),
        ("policy.karmada.io", "ClusterTaintPolicy"),
        ("work.karmada.io", "ClusterResourceBinding"),
        ("config.karmada.io", "ResourceInterpreterCustomization"),
        ("config.karmada.io", "ResourceInterpreterWebhookConfiguration"),
    }
)
# Kinds whose names are path segments (RBAC uses names such as "system:karmada:agents").
_PATH_SEGMENT_NAME_KINDS = frozenset(
    {
        ("rbac.authorization.k8s.io", "Role"),
        ("rbac.authorization.k8s.io", "RoleBinding"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    }
)
# Kinds whose names become DNS labels (Service names are host names; namespaces are labels).
_DNS_LABEL_NAME_KINDS = frozenset({("", "Namespace"), ("", "Service")})


class ManifestError(ValueError):
    """A Kubernetes object the app would apply is malformed; the message is one line."""


def check_manifest(objects: Any, source: str) -> None:
    """Raise ManifestError on the first malformed object of `objects` (a list of mappings).

    `source` names where the objects come from (a construct path such as
    "KarmadaWorkloads/sample-workload"); it starts the message.
    """
    if isinstance(objects, Mapping):
        objects = [objects]
    if not isinstance(objects, Iterable) or isinstance(objects, str | bytes):
        raise ManifestError(f"{source}: the manifest must be a list of Kubernetes objects, got "
                            f"{type(objects).__name__}")
    for index, obj in enumerate(objects):
        problem = _object_problem(obj, index)
        if problem:
            raise ManifestError(f"{source}: {problem}")


def _object_problem(obj: Any, index: int) -> str | None:
    if not isinstance(obj, Mapping):
        return f"object #{index + 1}: must be a mapping with apiVersion, kind and metadata, got {type(obj).__name__}"
    api_version, kind, meta = obj.get("apiVersion"), obj.get("kind"), obj.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    label = _label(index, kind, meta)
    if not _is_text(api_version):
        return f"{label}: apiVersion: missing; add e.g. apiVersion: apps/v1"
    if not _is_text(kind):
        return f"{label}: kind: missing; add e.g. kind: Deployment"
    if not isinstance(meta, Mapping):
        return f"{label}: metadata: missing; add metadata with a name"
    if not _is_text(name):
        return f"{label}: metadata.name: missing; every object needs a name (generateName cannot be applied)"
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    namespace = meta.get("namespace")
    name_problem = _name_problem(group, kind, name)
    if name_problem:
        return f"{label}: metadata.name: {name_problem}"
    if namespace is not None:
        if (group, kind) in CLUSTER_SCOPED_KINDS:
            return (f"{label}: metadata.namespace: {kind} is cluster-scoped, so it has no namespace; "
                    f"remove metadata.namespace ({namespace!r})")
        if not _is_text(namespace):
            return f"{label}: metadata.namespace: must be a non-empty string or absent"
        if not _is_token(namespace) and (len(namespace) > 63 or not _DNS1123_LABEL_RE.match(namespace)):
            return (f"{label}: metadata.namespace: {namespace!r} is not a DNS-1123 label; "
                    "use up to 63 lower-case letters, digits and '-'")
    if (group, kind) == ("", "Secret"):
        for field in ("data", "stringData"):
            if obj.get(field):
                return (f"{label}: {field}: secrets must never go into templates (they end up in the cloud "
                        "assembly, the rendered manifests and CloudFormation); create the Secret at deploy "
                        "time (e.g. from AWS Secrets Manager) and reference it by name")
    return None


def _name_problem(group: str, kind: str, name: str) -> str | None:
    if _is_token(name):
        return None
    if (group, kind) in _PATH_SEGMENT_NAME_KINDS:
        if name in (".", "..") or "/" in name or "%" in name:
            return f"{name!r} may not be '.' or '..' or contain '/' or '%'; rename the object"
        return None
    if (group, kind) in _DNS_LABEL_NAME_KINDS:
        if len(name) > 63 or not _DNS1123_LABEL_RE.match(name):
            return (f"{name!r} is not a DNS-1123 label (a {kind} name is a host name); "
                    "use up to 63 lower-case letters, digits and '-', starting and ending with a letter or digit")
        return None
    if len(name) > 253 or not _DNS1123_SUBDOMAIN_RE.match(name):
        return (f"{name!r} is not a DNS-1123 subdomain; use lower-case letters, digits, '-' and '.', "
                "starting and ending with a letter or digit (at most 253 characters)")
    return None


def _label(index: int, kind: Any, meta: Any) -> str:
    """How the message names the object: `Kind namespace/name`, or its position when nameless."""
    kind_text = kind if _is_text(kind) else "object"
    if isinstance(meta, Mapping) and _is_text(meta.get("name")):
        namespace = meta.get("namespace")
        where = f"{namespace}/{meta['name']}" if _is_text(namespace) else meta["name"]
        return f"{kind_text} {where}"
    return f"{kind_text} #{index + 1}"


def _is_text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and value.strip() != ""


def _is_token(value: str) -> bool:
    return bool(_TOKEN_RE.search(value))
