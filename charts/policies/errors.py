"""The error a policy builder raises, and the problem record validation produces."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a policy: where (a manifest field path) and what to do about it."""

    path: str
    message: str


class PolicyError(ValueError):
    """A policy would be rejected by Karmada v1.18.2 (CRD schema or webhook) or could never take effect.

    The message is one line: ``<Kind> <name>: <field path>: <what is wrong>; <how to fix it>``.
    """

    def __init__(self, kind: str, name: str, problem: Problem) -> None:
        self.kind = kind
        self.name = name
        self.path = problem.path
        self.reason = problem.message
        super().__init__(f"{kind} {name}: {problem.path}: {problem.message}")
