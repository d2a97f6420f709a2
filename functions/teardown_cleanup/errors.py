"""Every exception of the TeardownCleanup handler (bad properties are plain ``ValueError``s)."""

from __future__ import annotations

from ..errors import HandlerError


class CleanupError(HandlerError):
    """What is still there when the wait ran out; the Provider puts str() into the CloudFormation event."""
