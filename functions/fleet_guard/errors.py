"""The error the fleet guard reports (a failed run: the Lambda's Errors metric counts it)."""

from __future__ import annotations

from ..errors import HandlerError


class FleetGuardError(HandlerError):
    """A run of the fleet guard could not look at the fleet or act on it; the message says why."""
