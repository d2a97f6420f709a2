"""The base class of every error a handler reports to CloudFormation.

Each handler package subclasses it once in its own ``errors.py`` (``KarmadaManifestError``,
``RegistrationError``, ``CleanupError``), and each entry point lets a ``HandlerError`` through
as it is while it wraps anything else. The shared client's errors (``functions/kube/errors.py``,
under ``KubeError``) are not handler errors: a handler says what it was doing when one happened.
"""

from __future__ import annotations

# The failure reason CloudFormation shows (and the framework's response) must stay short.
MAX_MESSAGE_CHARS = 1000


class HandlerError(Exception):
    """A failure reported to CloudFormation; its text is kept under MAX_MESSAGE_CHARS."""

    def __init__(self, message: str) -> None:
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[: MAX_MESSAGE_CHARS - 3] + "..."
        super().__init__(message)
