"""Generates docs/configuration.md from the config model, so the docs cannot drift from the code.

Run: `.venv/bin/python -m eks_karmada.config_docs > docs/configuration.md` (a test checks it is current).
"""

from __future__ import annotations

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


def _default(field) -> str:
    if field.default is not PydanticUndefined:
        value = field.default
    elif field.default_factory is not None:
        value = field.default_factory()
    else:
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


def _rows(model: type[BaseModel], prefix: str, sections: list[tuple[str, type[BaseModel]]]) -> list[str]:
    rows = []
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = field.annotation
        candidates = typing.get_args(annotation) or (annotation,)
        nested = next((a for a in candidates if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if nested is not None:
            suffix = "[]" if getattr(annotation, "__origin__", None) is list else ""
            sections.append((path + suffix, nested))
        rows.append(f"| `{path}` | {_type_name(annotation)} | {_default(field)} | "
                    f"{field.description or _summary(nested)} |")
    return rows


def render() -> str:
    lines = [
        "# Configuration",
        "",
        "Generated from `eks_karmada/config.py` by `python -m eks_karmada.config_docs`; a test keeps it current.",
        "One YAML file (default `config/default.yaml`; select another with `CONFIG=path make synth` or",
        "`cdk synth -c config=path`). Unknown keys are errors; every error names the field and the fix.",
        "",
    ]
    sections: list[tuple[str, type[BaseModel]]] = [("", AppConfig)]
    # Sibling fields of one model type (karmada.component_settings.<component>) are documented once.
    siblings: dict[tuple[str, type[BaseModel]], str] = {}
    while sections:
        path, model = sections.pop(0)
        title = path or "top level"
        first = siblings.setdefault((path.rpartition(".")[0], model), path)
        if first != path:
            lines += [f"## {title}", "", f"The fields of `{first}`, under `{path}`.", ""]
            continue
        lines += [f"## {title}", "", (model.__doc__ or "").strip(), "", "| field | type | default | meaning |",
                  "| --- | --- | --- | --- |"]
        prefix = f"{path}." if path else ""
        lines += _rows(model, prefix, sections)
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
