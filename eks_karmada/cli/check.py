"""One preflight result and its outcomes, shared by every group of preflight checks."""

from __future__ import annotations

from dataclasses import dataclass

OK, BLOCK, WARN = "ok", "blocks", "warning"
STYLE = {OK: "green", BLOCK: "bold red", WARN: "yellow"}


@dataclass
class Check:
    """One preflight result: what was checked where, the outcome, and how to fix it."""

    area: str
    where: str
    what: str
    result: str
    detail: str
    fix: str = ""

    @property
    def title(self) -> str:
        return "CDK bootstrap" if self.area == "bootstrap" else self.what
