"""Every exception of the shared Kubernetes client package, under one base class, ``KubeError``.

Each keeps the built-in base it had (``LookupError``, ``ConnectionError``) so that code which
classifies errors by those (retries, failover) treats them as before.
"""

from __future__ import annotations

import http
import json
from typing import Any, cast


class KubeError(Exception):
    """Base of this package's errors: the API server, EKS or the way to them did not do what was asked."""


# ---- the API server (client.py) -------------------------------------------------------------


class ApiError(KubeError):
    """A non-2xx answer from the API server, carrying its ``Status`` (code, reason, message)."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        status: dict[str, Any] | None = None,
        method: str = "",
        path: str = "",
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.status = status or {}
        self.method = method
        self.path = path

    @property
    def causes(self) -> list[Any]:
        details: dict[str, Any] = self.status.get("details") or {}
        return list(details.get("causes") or [])

    def __str__(self) -> str:
        return f"{self.message} [HTTP {self.code} {self.reason}]"

    @classmethod
    def from_response(cls, status_code: int, body: bytes, method: str = "", path: str = "") -> ApiError:
        """Build the error from a response body: a JSON ``Status`` when there is one, else its text."""
        try:
            default_reason = http.HTTPStatus(status_code).phrase.replace(" ", "")
        except ValueError:
            default_reason = "Unknown"
        text = (body or b"").decode("utf-8", "replace").strip()
        try:
            parsed: object = json.loads(text) if text else None
        except ValueError:
            parsed = None
        # A JSON object: its keys are strings.
        status = cast("dict[str, Any]", parsed) if isinstance(parsed, dict) else {}
        if status.get("kind") == "Status":
            return cls(
                code=int(status.get("code") or status_code),
                reason=status.get("reason") or default_reason,
                message=status.get("message") or text[:300] or default_reason,
                status=status,
                method=method,
                path=path,
            )
        # Some answers are plain text (e.g. the API priority-and-fairness 429 filter).
        return cls(status_code, default_reason, text[:300] or default_reason, None, method, path)


class TlsVerificationError(KubeError):
    """The server's certificate did not verify (wrong CA or host name): retrying will not help."""


class KindNotServedError(KubeError, LookupError):
    """The API server does not serve this apiVersion/kind (no such group-version or kind)."""

    def __init__(self, api_version: str, kind: str) -> None:
        super().__init__(f"the server does not serve kind {kind!r} in apiVersion {api_version!r}")
        self.api_version = api_version
        self.kind = kind


# ---- EKS (eks_auth.py) ------------------------------------------------------------------------


class ClusterNotFoundError(KubeError, LookupError):
    """describe_cluster says the cluster does not exist."""


# ---- the Karmada API server through the parent cluster (connection.py) -----------------------


class SecretNotReadyError(KubeError, LookupError):
    """The admin Secret does not exist (yet) or lacks a key: cert-manager may not have issued it."""


class NoReadyEndpointsError(KubeError, ConnectionError):
    """The Service has no ready endpoint to connect to (yet)."""


class ServiceGoneError(NoReadyEndpointsError):
    """The Service has no EndpointSlices at all: it (and so the control plane) does not exist."""


class ObjectGoneError(KubeError, LookupError):
    """The object to change no longer exists (``KubeClient.merge_patch_unless_changed``)."""


class KeptChangingError(KubeError):
    """Every attempt at an optimistic-concurrency patch met a newer version (``merge_patch_unless_changed``)."""


# ---- retries (retry.py) -----------------------------------------------------------------------


class RetryExhaustedError(KubeError):
    """An operation kept failing with a retryable error until its time ran out."""

    def __init__(self, message: str, last_error: BaseException, attempts: int) -> None:
        super().__init__(message)
        self.last_error = last_error
        self.attempts = attempts
