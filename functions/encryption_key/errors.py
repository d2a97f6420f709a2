"""The error this handler reports to CloudFormation."""

from __future__ import annotations

from ..errors import HandlerError


class EncryptionKeyError(HandlerError):
    """A KarmadaEncryptionKey event could not be completed; the message says what and why."""
