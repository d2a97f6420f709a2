"""The base every builder shares: render typed dataclass fields as camelCase Kubernetes JSON, type-check them.

Builders are frozen, keyword-only dataclasses. A field ``spread_by_field`` renders as ``spreadByField``;
``api_field(json_name=...)`` overrides the key where the API name differs (``exclude_clusters`` -> ``exclude``).

Rendering omits unset optionals the way Karmada's Go types do with ``omitempty``: ``None``, ``False``, ``""`` and
empty lists or maps are left out (every boolean in this API defaults to false). Nested builders are always rendered,
even when empty (``{}``), because an empty object can be meaningful (``targetCluster: {}`` selects all clusters).
Fields holding free-form JSON (override values) keep falsy values; only ``None`` is omitted there.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from .errors import Problem

JSONValue = Any
"""Any JSON value (str, int, float, bool, list, dict); used for override values."""

_JSON_NAME = "json_name"
_JSON_VALUE = "json_value"
_BUILDER_ONLY = "builder_only"


def api_field(
    *,
    json_name: str | None = None,
    json_value: bool = False,
    builder_only: bool = False,
    **kwargs: Any,
) -> Any:
    """A dataclass field with API rendering options.

    json_name: manifest key when it is not the camelCase of the Python name.
    json_value: the field holds free-form JSON; keep falsy values such as ``false`` or ``0``.
    builder_only: a builder setting that is never rendered.
    """
    metadata = {_JSON_NAME: json_name, _JSON_VALUE: json_value, _BUILDER_ONLY: builder_only}
    return dataclasses.field(metadata=metadata, **kwargs)


def camel_case(snake: str) -> str:
    """``spread_by_field`` -> ``spreadByField``."""
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def json_name(field: dataclasses.Field[Any]) -> str:
    """The manifest key of a builder field."""
    return field.metadata.get(_JSON_NAME) or camel_case(field.name)


def is_builder_only(field: dataclasses.Field[Any]) -> bool:
    """Whether a field is a builder setting that never reaches the manifest."""
    return bool(field.metadata.get(_BUILDER_ONLY))


class ApiStruct:
    """Base of every builder: ``to_manifest()`` renders the dataclass fields as the Kubernetes JSON object."""

    def to_manifest(self) -> dict[str, Any]:
        """The object as a Kubernetes-style dict (camelCase keys, unset optionals omitted)."""
        return render_fields(self, dataclasses.fields(self))  # type: ignore[arg-type]


def render_fields(obj: Any, fields: Sequence[dataclasses.Field[Any]]) -> dict[str, Any]:
    """Render ``fields`` of ``obj`` into a dict, skipping unset optionals and builder-only settings."""
    rendered: dict[str, Any] = {}
    for field in fields:
        if is_builder_only(field):
            continue
        value = getattr(obj, field.name)
        if _is_unset(value, keep_falsy=bool(field.metadata.get(_JSON_VALUE))):
            continue
        rendered[json_name(field)] = render_value(value)
    return rendered


def render_value(value: Any) -> Any:
    """Render one value: builders to dicts, enums to their wire strings, collections element-wise."""
    if isinstance(value, ApiStruct):
        return value.to_manifest()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(key): render_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [render_value(item) for item in value]
    return value


def _is_unset(value: Any, *, keep_falsy: bool) -> bool:
    if value is None:
        return True
    if keep_falsy:
        return False
    if value is False or value == "":
        return True
    return isinstance(value, (list, tuple, Mapping)) and len(value) == 0


# --- type checking -------------------------------------------------------------------------------------------


def type_problems(obj: ApiStruct, path: str) -> Iterator[Problem]:
    """Problems with the Python types of ``obj``'s fields and of every builder nested in it."""
    for field in dataclasses.fields(obj):  # type: ignore[arg-type]
        yield from field_type_problems(obj, field, f"{path}.{json_name(field)}")


def field_type_problems(obj: Any, field: dataclasses.Field[Any], path: str) -> Iterator[Problem]:
    """Problems with one field's value against its annotation (enums, required strings, nested builders)."""
    annotation = _type_hints(type(obj))[field.name]
    value = getattr(obj, field.name)
    required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
    if required and value == "":
        yield Problem(path, "is required; set a non-empty value")
        return
    yield from _value_problems(value, annotation, path)


@functools.cache
def _type_hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _value_problems(value: Any, annotation: Any, path: str) -> Iterator[Problem]:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)

    if annotation is Any:
        yield from _json_problems(value, path)
    elif origin in (typing.Union, types.UnionType):
        yield from _union_problems(value, args, path)
    elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        yield from _enum_problems(value, annotation, path)
    elif origin in (Sequence, list, tuple):
        if not isinstance(value, (list, tuple)):
            yield _wrong_type(path, "a list", value)
            return
        for index, item in enumerate(value):
            yield from _value_problems(item, args[0], f"{path}[{index}]")
    elif origin is Mapping:
        if not isinstance(value, Mapping):
            yield _wrong_type(path, "a mapping", value)
            return
        for key, item in value.items():
            yield from _value_problems(key, args[0], f"{path} key {key!r}")
            yield from _value_problems(item, args[1], f"{path}[{key!r}]")
    elif annotation is bool:
        if not isinstance(value, bool):
            yield _wrong_type(path, "a bool", value)
    elif annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            yield _wrong_type(path, "an int", value)
    elif annotation is str:
        if not isinstance(value, str):
            yield _wrong_type(path, "a string", value)
    elif isinstance(annotation, type) and issubclass(annotation, ApiStruct):
        # Exact type: a ClusterAffinityTerm is a ClusterAffinity in Python but would render an extra affinityName.
        if type(value) is not annotation:
            yield _wrong_type(path, f"a {annotation.__name__}", value)
            return
        yield from type_problems(value, path)
    else:  # pragma: no cover - guards against an annotation form this module does not know yet
        raise TypeError(f"unsupported builder annotation {annotation!r} at {path}")


def _union_problems(value: Any, args: tuple[Any, ...], path: str) -> Iterator[Problem]:
    if value is None:
        if type(None) not in args:
            yield Problem(path, "is required; set a value")
        return
    choices = [arg for arg in args if arg is not type(None)]
    enums = [arg for arg in choices if isinstance(arg, type) and issubclass(arg, enum.Enum)]
    if enums:  # ``SomeEnum | str``: any string is accepted by type, then checked against the enum values
        yield from _enum_problems(value, enums[0], path)
    elif len(choices) == 1:
        yield from _value_problems(value, choices[0], path)
    else:  # pragma: no cover - no builder uses other unions
        raise TypeError(f"unsupported builder union {args!r} at {path}")


def _enum_problems(value: Any, enum_type: type[enum.Enum], path: str) -> Iterator[Problem]:
    allowed = [member.value for member in enum_type]
    if not isinstance(value, str) or value not in allowed:
        yield Problem(path, f"{_show(value)} is not supported; use one of: {', '.join(allowed)}")


def _json_problems(value: Any, path: str) -> Iterator[Problem]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                yield _wrong_type(f"{path} key", "a string", key)
            yield from _json_problems(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _json_problems(item, f"{path}[{index}]")
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        yield _wrong_type(path, "a JSON value (str, int, float, bool, list or dict)", value)


def _wrong_type(path: str, expected: str, value: Any) -> Problem:
    return Problem(path, f"expected {expected}, got {type(value).__name__} {_show(value)}")


def _show(value: Any) -> str:
    return repr(value.value if isinstance(value, enum.Enum) else value)
