"""The error the work healer reports (a failed run: the Lambda's Errors metric counts it)."""

from __future__ import annotations

from ..errors import HandlerError


class WorkHealerError(HandlerError):
    """A run of the work healer could not look at the Works or nudge one; the message says why."""
