"""Generates docs/configuration.md from the config model, so the docs cannot drift from the code.

Run: `.venv/bin/python -m eks_karmada.config_docs > docs/configuration.md` (a test checks it is current).
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from enum import Enum

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from eks_karmada.config import AppConfig


def _type_name(annotation) -> str:
    """list[str] -> 'list of str', str | None -> 'str or null', a model -> its section."""
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation)]
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"map of {_type_name(args[0])} to {_type_name(args[1])}"
    if origin in (typing.Union, types.UnionType):
        return " or ".join("null" if a is type(None) else _type_name(a) for a in args)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return " \\| ".join(f"`{m.value}`" for m in annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object"
    return getattr(annotation, "__name__", str(annotation))


_REQUIRED = object()


def _default_value(name: str, field, defaults: BaseModel | None):
    """A field's real default: read from the enclosing default instance when there is one.

    A nested model's defaults are not always its class's: members' node_group defaults to
    NodeGroupConfig(min_size=2, desired_size=2, max_size=6), the parent's to NodeGroupConfig().
    """
    if defaults is not None:
        return getattr(defaults, name)
    if field.default is not PydanticUndefined:
        return field.default
    if field.default_factory is not None:
        return field.default_factory()
    return _REQUIRED


def _default(value) -> str:
    if value is _REQUIRED:
        return "required"
    if isinstance(value, BaseModel):
        return "see below"
    if isinstance(value, Enum):
        value = value.value
    return "`" + json.dumps(value) + "`"


def _summary(model: type[BaseModel] | None) -> str:
    """The first line of a model's docstring ("" without one)."""
    doc = (model.__doc__ or "").strip() if model is not None else ""
    return doc.splitlines()[0] if doc else ""


# A section: its path, its model, and the instance its defaults come from (None: the class's own).
Section = tuple[str, type[BaseModel], BaseModel | None]


def _rows(model: type[BaseModel], prefix: str, defaults: BaseModel | None, sections: list[Section]) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = field.annotation
        value = _default_value(name, field, defaults)
        candidates = typing.get_args(annotation) or (annotation,)
        nested = next((a for a in candidates if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if nested is not None:
            listed = getattr(annotation, "__origin__", None) is list
            sections.append((path + ("[]" if listed else ""), nested, value if isinstance(value, BaseModel) else None))
        rows.append(f"| `{path}` | {_type_name(annotation)} | {_default(value)} | "
                    f"{field.description or _summary(nested)} |")
    return rows


def render() -> str:
    lines = [
        "# Configuration",
        "",
        "Generated from `eks_karmada/config.py` by `python -m eks_karmada.config_docs`; a test keeps it current.",
        "One YAML file (default `config/default.yaml`; select another with `CONFIG=path make synth` or",
        "`cdk synth -c config=path`). Unknown keys are errors; every error names the field and the fix, and",
        "every error in the file is reported at once, one line each. A setting that would have no effect (such as",
        "`node_group` on an `existing` member) is an error too. An empty file is an error: start from a copy of",
        "`config/default.yaml`. A file holding only `{}` takes every default below: the parent alone, no members.",
        "Quote values YAML would read as numbers or booleans: `kubernetes: \"1.35\"`, `account: \"012345678901\"`.",
        "",
    ]
    sections: list[Section] = [("", AppConfig, AppConfig())]
    # Sibling fields of one model type (karmada.component_settings.<component>) are documented once.
    siblings: dict[tuple[str, type[BaseModel]], str] = {}
    while sections:
        path, model, defaults = sections.pop(0)
        title = path or "top level"
        first = siblings.setdefault((path.rpartition(".")[0], model), path)
        if first != path:
            lines += [f"## {title}", "", f"The fields of `{first}`, under `{path}`.", ""]
            continue
        lines += [f"## {title}", "", inspect.cleandoc(model.__doc__ or ""), "", "| field | type | default | meaning |",
                  "| --- | --- | --- | --- |"]
        prefix = f"{path}." if path else ""
        lines += _rows(model, prefix, defaults, sections)
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
