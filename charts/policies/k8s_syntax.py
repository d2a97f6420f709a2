"""Kubernetes name, label and JSON-pointer syntax checks (the apimachinery rules Karmada relies on).

Each function returns ``None`` when the value is valid, else a short reason.
"""

from __future__ import annotations

import re

_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_RE = re.compile(rf"^{_DNS1123_LABEL}$")
_DNS1035_LABEL_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN_RE = re.compile(rf"^{_DNS1123_LABEL}(\.{_DNS1123_LABEL})*$")
_LABEL_NAME_RE = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")

# Namespaces Karmada keeps for itself; its resource detector ignores everything in them
# (pkg/util/names/names.go IsReservedNamespace).
RESERVED_NAMESPACES = ("karmada-system", "karmada-cluster")
RESERVED_NAMESPACE_PREFIX = "karmada-es-"

TOTAL_ANNOTATION_SIZE_LIMIT_BYTES = 256 * 1024


def dns1123_subdomain_problem(value: str) -> str | None:
    """Why ``value`` is not a DNS-1123 subdomain (the rule for object names), or None."""
    if len(value) > 253:
        return f"{value!r} is longer than 253 characters"
    if not _DNS1123_SUBDOMAIN_RE.match(value):
        return (
            f"{value!r} is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', "
            "starting and ending with a letter or digit)"
        )
    return None


def dns1123_label_problem(value: str) -> str | None:
    """Why ``value`` is not a DNS-1123 label (the rule for namespace names), or None."""
    if len(value) > 63:
        return f"{value!r} is longer than 63 characters"
    if not _DNS1123_LABEL_RE.match(value):
        return (
            f"{value!r} is not a DNS-1123 label (lowercase letters, digits and '-', "
            "starting and ending with a letter or digit)"
        )
    return None


def dns1035_label_problem(value: str) -> str | None:
    """Why ``value`` is not a DNS-1035 label (the rule for Service names), or None."""
    if len(value) > 63:
        return f"{value!r} is longer than 63 characters"
    if not _DNS1035_LABEL_RE.match(value):
        return (
            f"{value!r} is not a DNS-1035 label (lowercase letters, digits and '-', "
            "starting with a letter and ending with a letter or digit)"
        )
    return None


def label_key_problem(value: str) -> str | None:
    """Why ``value`` is not a qualified name ``[prefix/]name`` (label keys, annotation keys), or None."""
    parts = value.split("/")
    if len(parts) > 2:
        return f"{value!r} has more than one '/'; use an optional DNS prefix and a name, e.g. 'example.com/name'"
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            return f"{value!r} has an empty prefix before '/'"
        prefix_problem = dns1123_subdomain_problem(prefix)
        if prefix_problem:
            return f"prefix of {value!r}: {prefix_problem}"
    if not name:
        return f"{value!r} has an empty name part"
    if len(name) > 63:
        return f"name part of {value!r} is longer than 63 characters"
    if not _LABEL_NAME_RE.match(name):
        return (
            f"name part of {value!r} must consist of letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit"
        )
    return None


def label_value_problem(value: str) -> str | None:
    """Why ``value`` is not a valid label value (empty is valid), or None."""
    if len(value) > 63:
        return f"{value!r} is longer than 63 characters"
    if value and not _LABEL_NAME_RE.match(value):
        return (
            f"{value!r} must be empty or consist of letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit"
        )
    return None


def json_pointer_problem(value: str) -> str | None:
    """Why ``value`` is not an RFC 6901 JSON pointer (as go-openapi/jsonpointer parses it), or None."""
    if value and not value.startswith("/"):
        return f"{value!r} is not a JSON pointer; it must start with '/', e.g. '/spec/replicas'"
    return None


def cluster_name_problem(value: str) -> str | None:
    """Why ``value`` cannot name a Karmada member cluster (ValidateClusterName: DNS-1123 label, <= 48), or None."""
    if len(value) > 48:
        return f"{value!r} is longer than 48 characters, so no member cluster can have this name"
    if reason := dns1123_label_problem(value):
        return f"{reason}, so no member cluster can have this name"
    return None


def is_reserved_namespace(namespace: str) -> bool:
    """Whether Karmada ignores resources in ``namespace``."""
    return namespace in RESERVED_NAMESPACES or namespace.startswith(RESERVED_NAMESPACE_PREFIX)
