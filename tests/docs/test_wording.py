"""User-facing text speaks to users: no wording from how the project was built.

README.md, docs/*.md and the generator of docs/cli.md are read by platform engineers, who never saw the
project's internal guidance, its samples or its review notes. Each pattern below is a CLASS of such wording.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
USER_FACING = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "tests" / "cli" / "doc_examples.py"]
INTERNAL_WORDING = {
    r"\bseed (guidance|sample|spec|text|brief|config|version)\b": "the project's starting material",
    r"\bthe seed\b": "the project's starting material",
    r"\bclosing note\b": "a review note of the project",
}


def internal_wording(text: str) -> list[str]:
    """Every match of INTERNAL_WORDING in ``text``, as `line N: 'match' (why)`."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        for pattern, why in INTERNAL_WORDING.items():
            found += [f"line {number}: {m.group(0)!r} ({why})" for m in re.finditer(pattern, line, re.IGNORECASE)]
    return found


@pytest.mark.parametrize("path", USER_FACING, ids=lambda p: str(p.relative_to(ROOT)))
def test_user_facing_text_has_no_internal_wording(path: Path) -> None:
    assert internal_wording(path.read_text(encoding="utf-8")) == [], path


@pytest.mark.parametrize("text", [
    "The seed guidance's figure", "the seed sample: nginx", "See the closing note.", "The Seed Sample",
    "as the seed config says",
])
def test_each_class_of_internal_wording_is_caught(text: str) -> None:
    assert internal_wording(text) != []


@pytest.mark.parametrize("text", [
    "the physical-id seed's fallbacks", "seeded random numbers", "the leader election", "a brief network loss",
    "close the note", "the leading zero",
])
def test_ordinary_words_are_not_caught(text: str) -> None:
    assert internal_wording(text) == []
