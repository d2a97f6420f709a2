"""Undo what a failed Create applied, so that a resource in CREATE_FAILED leaves nothing in Karmada.

CloudFormation follows a failed Create with a Delete whose physical id is ``CREATE_FAILED_MARKER``, which
says nothing of what the Create got to apply; so the Create undoes its own work before it reports the
failure. In reverse order, for each object the run applied (``Run.applied``):

* created by this run (absent when read just before its apply): deleted, unless its owner annotation
  now names another KarmadaManifest (one that applied it meanwhile: ownership.py);
* already there (taken over with Overwrite, or left by an earlier attempt under our field manager): kept;
* a patch on an object that was already there: its fields released, by a server-side apply of the bare
  identity under the patch field manager (server-side apply removes the fields only that manager owned).

A failed Update is not rolled back here: CloudFormation rolls it back by sending the old properties again,
which re-applies them and prunes the rest. The rollback is best effort, within what is left of the time
budget: what it could not undo is logged, one line per object, and named in the error CloudFormation
shows, after the original failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import MAX_MESSAGE_CHARS, HandlerError
from ..kube.retry import Deadline
from .errors import KarmadaManifestError
from .run import ABSENT, DELETED, Applied, Run

logger = logging.getLogger("karmada_manifest")

# A failure that used up the time budget still gets this long to roll back: the handler keeps a 30 s
# margin before the Lambda's timeout to report its error.
ROLLBACK_GRACE_SECONDS = 10.0
MAX_LEFT_CHARS = 400  # the objects a rollback left, as the CloudFormation event names them


@dataclass(frozen=True)
class Outcome:
    """What a rollback did: how many objects it deleted or released, and what it could not undo."""

    rolled_back: int
    left: tuple[str, ...] = ()

    def suffix(self) -> str:
        """What the CloudFormation event adds after the failure ("" when there was nothing to undo)."""
        if self.left:
            return f" (rollback left: {_listed(self.left)})"
        if self.rolled_back:
            return f" (rolled back {self.rolled_back} object(s))"
        return ""


def after_failed_create(run: Run, error: HandlerError) -> HandlerError:
    """Roll back what the failed Create applied; the error to report, with the rollback's outcome appended."""
    if not run.applied:
        return error
    logger.info("Create failed: rolling back what it applied (%d object(s))", len(run.applied))
    outcome = roll_back(run, run.applied)
    if not outcome.suffix():
        return error
    return KarmadaManifestError(with_outcome(str(error), outcome))


def roll_back(run: Run, applied: Sequence[Applied]) -> Outcome:
    """Undo ``applied`` in reverse order: delete what the run created, release its patches on the others."""
    created = {entry.key for entry in applied if entry.created}
    handled: set = set()
    deadline = Deadline(max(run.deadline.remaining(), ROLLBACK_GRACE_SECONDS), run.deadline.clock)
    rolled_back = 0
    left: list[str] = []
    for entry in reversed(applied):
        if entry.key in handled:
            continue
        if entry.key in created:
            handled.add(entry.key)
            what, undo = entry.describe(), _deleter(run, entry)
        elif entry.item.patch:
            what, undo = f"patch of {entry.describe()} [{entry.item.origin}]", _releaser(run, entry)
        else:
            logger.info("roll back %s: kept (it existed before this Create)", entry.describe())
            continue
        if deadline.remaining() <= 0:
            logger.warning("roll back %s: not attempted, no time left", what)
            left.append(what)
            continue
        try:
            done, undone = run.retry(undo, what=f"roll back {what}", deadline=deadline)
        except Exception as err:  # noqa: BLE001 - best effort: the Create's own failure is what gets reported
            logger.warning("roll back %s: failed: %s", what, err)
            left.append(what)
            continue
        logger.info("roll back %s: %s", what, done)
        if undone:
            rolled_back += 1
    return Outcome(rolled_back, tuple(left))


# Each undo returns what it did and whether that counts as rolled back.
def _deleter(run: Run, entry: Applied) -> Callable[[], tuple[str, bool]]:
    def delete() -> tuple[str, bool]:
        outcome = run.delete_if_owned(entry.resource, entry.item.identity.name, entry.namespace)
        return outcome, outcome == DELETED

    return delete


def _releaser(run: Run, entry: Applied) -> Callable[[], tuple[str, bool]]:
    def release() -> tuple[str, bool]:
        client = run.karmada()
        name = entry.item.identity.name
        # An apply to a missing object would create it: read it first.
        if client.get(entry.resource, name, entry.namespace) is None:
            return ABSENT, False
        # Only the identity (the namespace, if any, is the request path's): the manager then owns no field.
        bare = {"apiVersion": entry.item.identity.api_version, "kind": entry.item.identity.kind,
                "metadata": {"name": name}}
        client.apply(entry.resource, name, entry.namespace, bare, entry.manager, force=False)
        return f"released the fields of field manager {entry.manager!r}", True

    return release


def with_outcome(message: str, outcome: Outcome) -> str:
    """``message`` and the outcome's suffix, shortened so that the whole stays under MAX_MESSAGE_CHARS."""
    suffix = outcome.suffix()
    room = MAX_MESSAGE_CHARS - len(suffix)
    if len(message) > room:
        message = message[: room - 3] + "..."
    return message + suffix


def _listed(names: Sequence[str]) -> str:
    """``a, b, c``, or ``a, b and 3 more`` when the whole list would pass MAX_LEFT_CHARS."""
    if len(", ".join(names)) <= MAX_LEFT_CHARS:
        return ", ".join(names)
    shown: list[str] = []
    for name in names:
        more = f" and {len(names) - len(shown) - 1} more"
        if len(", ".join([*shown, name]) + more) > MAX_LEFT_CHARS:
            break
        shown.append(name)
    return ", ".join(shown) + f" and {len(names) - len(shown)} more" if shown else f"{len(names)} object(s)"
