"""docs/configuration.md states every field's real default: read back from the page, compared with the models.

The page is generated (tests/test_docs.py checks it is current); this checks what the generator printed against
defaults taken independently of it, so a generator that reads the wrong default (a nested model's class defaults
instead of its parent's default instance, say) fails here whatever the field.
"""

from __future__ import annotations

import json
import re
import typing

import pytest
from pydantic import BaseModel, TypeAdapter

from eks_karmada.config import AppConfig, ConfigError, parse_config
from tests.synth import ROOT

PAGE = (ROOT / "docs" / "configuration.md").read_text()
# A cell may hold an escaped bar (an enum type: `new` \\| `existing`).
ROW = re.compile(r"^\| `(?P<path>[^`]+)` \| (?P<type>(?:[^|]|\\\|)+?) \| (?P<default>[^|]+?) \| (?P<meaning>.*) \|$",
                 re.M)
ROWS = {m["path"]: m["default"] for m in ROW.finditer(PAGE)}


REQUIRED = object()


def _nested_model(annotation) -> tuple[type[BaseModel] | None, bool]:
    """The model a field holds (directly, optionally or as list items), and whether it is a list of them."""
    candidates = typing.get_args(annotation) or (annotation,)
    model = next((a for a in candidates if isinstance(a, type) and issubclass(a, BaseModel)), None)
    return model, typing.get_origin(annotation) is list


def _walk(model: type[BaseModel], instance: BaseModel | None, prefix: str, out: dict) -> None:
    """Each field's default: from the enclosing default instance when there is one, else from the class."""
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        if instance is not None:
            value = getattr(instance, name)
        elif field.is_required():
            value = REQUIRED
        else:
            value = field.get_default(call_default_factory=True)
        out[path] = value if value is REQUIRED else TypeAdapter(field.annotation).dump_python(value, mode="json")
        nested, listed = _nested_model(field.annotation)
        section = path + ("[]" if listed else "")
        if nested is None or f"\n## {section}\n" not in PAGE or f"\n## {section}\n\nThe fields of " in PAGE:
            continue  # no section of its own, or documented once under a sibling of the same model
        _walk(nested, value if isinstance(value, BaseModel) else None, f"{section}.", out)


REAL: dict[str, object] = {}
_walk(AppConfig, AppConfig(), "", REAL)


def test_every_field_has_exactly_one_row_and_every_row_a_field():
    assert sorted(ROWS) == sorted(REAL)


@pytest.mark.parametrize("path", sorted(p for p, d in ROWS.items() if d.startswith("`")))
def test_each_printed_default_is_the_models_default(path):
    assert json.loads(ROWS[path].strip("`")) == REAL[path]


@pytest.mark.parametrize("path", sorted(p for p, d in ROWS.items() if d == "see below"))
def test_each_object_default_is_a_section_of_its_own(path):
    assert isinstance(REAL[path], dict)
    assert f"\n## {path}\n" in PAGE


def test_required_is_printed_for_exactly_the_required_fields():
    assert sorted(p for p, d in ROWS.items() if d == "required") == sorted(p for p, v in REAL.items() if v is REQUIRED)


# A member's own required fields (not those inside an optional section such as existing_vpc).
@pytest.mark.parametrize("path", sorted(p for p, d in ROWS.items()
                                        if d == "required" and re.fullmatch(r"members\[\]\.\w+", p)))
def test_each_required_member_field_is_required_by_the_loader(path):
    with pytest.raises(ConfigError) as raised:
        parse_config({"members": [{}]})
    leaf = path.removeprefix("members[].")
    assert f"config: members[0].{leaf}: required field is missing; add it" in raised.value.lines


def test_member_and_parent_node_groups_document_their_own_defaults():
    # The instance of the mistake this file guards against: members' 2/2/6 were once printed as the parent's 3/3/6.
    sizes = [ROWS[f"{who}.node_group.{size}"] for who in ("parent", "members[]")
             for size in ("min_size", "desired_size", "max_size")]
    assert sizes == ["`3`", "`3`", "`6`", "`2`", "`2`", "`6`"]
