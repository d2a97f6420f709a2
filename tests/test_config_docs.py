"""docs/configuration.md states every field's real default: read back from the page, compared with the models.

The page is generated (tests/test_docs.py checks it is current); this checks what the generator printed against
defaults taken independently of it, so a generator that reads the wrong default (a nested model's class defaults
instead of its parent's default instance, say) fails here whatever the field.
"""

from __future__ import annotations

import json
import re

import pytest

from eks_karmada.config import AppConfig, ConfigError, MemberConfig, parse_config
from tests.synth import ROOT

PAGE = (ROOT / "docs" / "configuration.md").read_text()
# A cell may hold an escaped bar (an enum type: `new` \\| `existing`).
ROW = re.compile(r"^\| `(?P<path>[^`]+)` \| (?P<type>(?:[^|]|\\\|)+?) \| (?P<default>[^|]+?) \| (?P<meaning>.*) \|$",
                 re.M)
ROWS = {m["path"]: m["default"] for m in ROW.finditer(PAGE)}


def _real_defaults() -> dict:
    """Every default, as a config with nothing set has them; a member as one with only its name set."""
    top = AppConfig().model_dump(mode="json")
    top["members[]"] = MemberConfig.model_construct(name="m").model_dump(mode="json")
    return top


def _leaves(node: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in node.items():
        path = f"{prefix}{key}"
        out[path] = value
        if isinstance(value, dict) and (path == "members[]" or f"## {path}" in PAGE):
            out.update(_leaves(value, f"{path}."))
    return out


REAL = _leaves(_real_defaults())
REAL.pop("members[]")


def test_every_field_has_exactly_one_row_and_every_row_a_field():
    assert sorted(ROWS) == sorted(REAL)


@pytest.mark.parametrize("path", sorted(p for p, d in ROWS.items() if d.startswith("`")))
def test_each_printed_default_is_the_models_default(path):
    assert json.loads(ROWS[path].strip("`")) == REAL[path]


@pytest.mark.parametrize("path", sorted(p for p, d in ROWS.items() if d == "see below"))
def test_each_object_default_is_a_section_of_its_own(path):
    assert isinstance(REAL[path], dict)
    assert f"\n## {path}\n" in PAGE


@pytest.mark.parametrize("path", sorted(p for p, d in ROWS.items() if d == "required"))
def test_each_required_field_is_required(path):
    assert path.startswith("members[].")
    with pytest.raises(ConfigError) as raised:
        parse_config({"members": [{}]})
    leaf = path.removeprefix("members[].")
    assert f"config: members[0].{leaf}: required field is missing; add it" in raised.value.lines


def test_member_and_parent_node_groups_document_their_own_defaults():
    # The instance of the mistake this file guards against: members' 2/2/6 were once printed as the parent's 3/3/6.
    sizes = [ROWS[f"{who}.node_group.{size}"] for who in ("parent", "members[]")
             for size in ("min_size", "desired_size", "max_size")]
    assert sizes == ["`3`", "`3`", "`6`", "`2`", "`2`", "`6`"]
