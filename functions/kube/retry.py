"""Bounded retries with exponential backoff, on an injectable clock and sleep.

One ``Deadline`` bounds a whole invocation, so waiting for a freshly deployed API server can never
outlive the Lambda: the operation fails with its own error message instead of a timeout.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from .errors import RetryExhaustedError

T = TypeVar("T")

# The logger keeps the name it had in karmada_manifest: a child of the handler's logger (level INFO).
logger = logging.getLogger("karmada_manifest.retry")


@dataclass
class Deadline:
    """A point in time on ``clock`` after which no new attempt starts."""

    seconds: float
    clock: Callable[[], float] = time.monotonic
    start: float = field(default=-1.0)

    def __post_init__(self) -> None:
        if self.start < 0:
            self.start = self.clock()

    def remaining(self) -> float:
        return self.start + self.seconds - self.clock()


@dataclass(frozen=True)
class Backoff:
    """Delays: initial, initial*factor, ... capped at maximum."""

    initial: float = 1.0
    factor: float = 2.0
    maximum: float = 30.0

    def delay(self, attempt: int) -> float:
        return min(self.maximum, self.initial * (self.factor ** max(0, attempt - 1)))


def call_with_retry(
    operation: Callable[[], T],
    *,
    what: str,
    retry_window: Callable[[BaseException], float | None],
    deadline: Deadline,
    sleep: Callable[[float], None] = time.sleep,
    backoff: Backoff = Backoff(),
    on_retry: Callable[[BaseException], None] | None = None,
) -> T:
    """Run ``operation`` until it succeeds, fails for good, or time runs out.

    ``retry_window(error)`` says how long (seconds since this call started) an error of that kind
    may keep being retried: None means fail at once, ``math.inf`` means until the deadline.
    ``on_retry(error)`` runs before each wait (e.g. to forget a connection that failed).
    ``what`` names the operation in log lines; the error raised at the end does not repeat it.
    """
    clock = deadline.clock
    started = clock()
    attempt = 0
    while True:
        attempt += 1
        try:
            return operation()
        except Exception as error:  # noqa: BLE001 - classified just below
            window = retry_window(error)
            if window is None:
                raise
            delay = backoff.delay(attempt)
            elapsed = clock() - started
            if elapsed + delay > window or delay > deadline.remaining():
                if window is not math.inf and elapsed + delay > window and delay <= deadline.remaining():
                    limit = f"{window:.0f}s"
                else:
                    limit = "the time budget"
                raise RetryExhaustedError(
                    f"gave up after {attempt} attempt(s) in {elapsed:.0f}s ({limit}): {error}",
                    error,
                    attempt,
                ) from error
            logger.warning("%s: attempt %d failed (%s); retrying in %.0fs", what, attempt, error, delay)
            if on_retry is not None:
                on_retry(error)
            sleep(delay)


def root_cause(error: BaseException | None) -> BaseException | None:
    """The error a retried call ended with: a ``RetryExhaustedError``'s last one, any other error itself."""
    return error.last_error if isinstance(error, RetryExhaustedError) else error
