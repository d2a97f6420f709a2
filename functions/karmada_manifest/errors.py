"""Every exception of the KarmadaManifest handler.

``KarmadaManifestError`` is what the handler reports to CloudFormation (a ``HandlerError``); the
others are raised and caught inside this package and reach CloudFormation only through it. Errors
of the Kubernetes client are in functions/kube/errors.py.
"""

from __future__ import annotations

from ..errors import HandlerError


class KarmadaManifestError(HandlerError):
    """A failure reported to CloudFormation; its text is kept under MAX_MESSAGE_CHARS."""


class OwnershipError(Exception):
    """Overwrite is false and the object exists under another owner."""


class ControlPlaneGoneError(Exception):
    """On Delete: the Karmada API Service no longer exists."""


class SourceError(ValueError):
    """The Source cannot be used (bad spec, bad archive, checksum mismatch, unreadable YAML)."""


class SourceUnavailableError(ConnectionError):
    """The download failed in a way that may pass (network error, HTTP 5xx/429)."""


class YamlSubsetError(ValueError):
    """The document uses YAML this small reader does not handle."""
