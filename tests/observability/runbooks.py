"""The headings of docs/operations.md as GitHub anchors (what a `runbook:` link points at)."""

from __future__ import annotations

import re

from tests.synth import ROOT


def anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def operations_anchors() -> set[str]:
    text = (ROOT / "docs" / "operations.md").read_text()
    return {anchor(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}
