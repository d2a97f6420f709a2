"""Just enough YAML to apply files without a YAML library (the Lambda runtime has none).

The API server parses the YAML itself (server-side apply accepts ``application/apply-patch+yaml``),
so all we need is to split a multi-document file into documents and read each document's
identity: ``apiVersion``, ``kind``, ``metadata.name`` and ``metadata.namespace``. That only needs
the document's top-level keys and the direct children of ``metadata``; anything indented deeper
(schemas, descriptions, block scalars) is skipped, which YAML's indentation rules make safe.
Constructs this reader does not understand raise ``YamlSubsetError`` rather than guess.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .errors import YamlSubsetError

_DOC_START = re.compile(r"^---(?:[ \t]+(.*))?$")
_DOC_END = re.compile(r"^\.\.\.[ \t]*$")
_KEY_LINE = re.compile(
    r"""^(?P<key>"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\-?:,\[\]{}&*!|>%@`][^:#]*?)"""
    r"""[ \t]*:(?:[ \t]+(?P<value>.*)|[ \t]*)$"""
)


@dataclass(frozen=True)
class ObjectIdentity:
    """Who an object is: enough to find its REST path and to compare manifests."""

    api_version: str
    kind: str
    name: str
    namespace: str | None = None

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0]

    def describe(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"


def split_documents(text: str) -> list[str]:
    """Split a YAML stream on ``---`` / ``...`` lines; drop documents with no content."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    documents: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if any(_is_content(line) for line in current):
            documents.append("\n".join(current).strip("\n") + "\n")
        current.clear()

    for line in text.split("\n"):
        start = _DOC_START.match(line)
        if start:
            flush()
            rest = (start.group(1) or "").strip()
            if rest and not rest.startswith("#"):
                raise YamlSubsetError(f"content on a document start line is not supported: {line!r}")
            continue
        if _DOC_END.match(line):
            flush()
            continue
        if line.startswith("%") and not any(_is_content(previous) for previous in current):
            continue  # a directive (%YAML 1.2) before the document's content
        current.append(line)
    flush()
    return documents


def read_identity(document: str) -> ObjectIdentity:
    """apiVersion, kind, metadata.name and metadata.namespace of one YAML document."""
    top = _mapping_entries(document.split("\n"), indent=0, where="the document")
    api_version = _scalar(top, "apiVersion", "the document")
    kind = _scalar(top, "kind", "the document")
    if not api_version or not kind:
        raise YamlSubsetError("the document has no apiVersion or kind")
    if "metadata" not in top:
        raise YamlSubsetError(f"{kind} has no metadata")
    inline, block = top["metadata"]
    if inline:
        metadata = _flow_mapping(inline, f"{kind} metadata")
    else:
        indent = _child_indent(block)
        metadata = _mapping_entries(block, indent=indent, where=f"{kind} metadata") if indent else {}
    name = _scalar(metadata, "name", f"{kind} metadata")
    if not name:
        raise YamlSubsetError(f"{kind} has no metadata.name")
    namespace = _scalar(metadata, "namespace", f"{kind} metadata")
    return ObjectIdentity(api_version, kind, name, namespace or None)


def with_annotation(document: str, key: str, value: str) -> str:
    """The document with ``metadata.annotations[key] = value``, by adding one line or one flow entry.

    The rest of the text is kept as it is: the API server parses it. The key and the value are written as
    JSON strings (valid YAML double-quoted scalars). Raises ``YamlSubsetError`` when the document already
    has the key, or spells its metadata or annotations in a way this reader does not handle.
    """
    read_identity(document)  # a document this reader understands, with a metadata mapping
    lines = document.split("\n")
    entry = f"{json.dumps(key)}: {json.dumps(value)}"
    meta = _key_index(lines, 0, 0, "metadata")
    assert meta is not None  # read_identity found it
    inline = _inline_value(lines[meta], 0)
    if inline:
        if "annotations" in _flow_mapping(inline, "metadata"):
            raise YamlSubsetError("metadata.annotations in a flow mapping is not supported")
        lines[meta] = _extend_flow(lines[meta], f"annotations: {{{entry}}}")
        return "\n".join(lines)
    indent = _child_indent(lines[meta + 1:])
    at = _key_index(lines, meta + 1, indent, "annotations")
    if at is None:
        lines[meta + 1:meta + 1] = [" " * indent + "annotations:", " " * (indent + 2) + entry]
        return "\n".join(lines)
    inline = _inline_value(lines[at], indent)
    if inline.startswith("{"):
        if key in _flow_mapping(inline, "metadata.annotations"):
            raise YamlSubsetError(f"metadata.annotations already has {key}")
        lines[at] = _extend_flow(lines[at], entry)
    elif inline:
        if _plain_or_quoted(inline, "metadata.annotations") is not None:
            raise YamlSubsetError("metadata.annotations is not a mapping")
        lines[at] = _replace_value(lines[at], indent, "{" + entry + "}")  # "annotations: null"
    else:
        block = _block_of(lines, at + 1, indent)
        child = _child_indent(block)
        if child:
            if key in _mapping_entries(block, child, "metadata.annotations"):
                raise YamlSubsetError(f"metadata.annotations already has {key}")
        lines.insert(at + 1, " " * (child or indent + 2) + entry)
    return "\n".join(lines)


# ---- internals --------------------------------------------------------------------------------


def _is_content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _child_indent(lines: list[str]) -> int:
    for line in lines:
        if _is_content(line):
            return _indent_of(line)
    return 0


def _mapping_entries(lines: list[str], indent: int, where: str) -> dict[str, tuple[str, list[str]]]:
    """Keys at exactly ``indent`` → (inline value text, the lines nested under the key)."""
    entries: dict[str, tuple[str, list[str]]] = {}
    current: str | None = None
    for line in lines:
        if not _is_content(line):
            if current is not None:
                entries[current][1].append(line)
            continue
        if line.startswith("\t"):
            raise YamlSubsetError(f"tab indentation in {where}")
        line_indent = _indent_of(line)
        if line_indent > indent:
            if current is None:
                raise YamlSubsetError(f"unexpected indentation in {where}: {line.strip()[:60]!r}")
            entries[current][1].append(line)
            continue
        if line_indent < indent:
            break  # the end of this mapping (only happens for nested mappings)
        body = line[indent:]
        if body.startswith("- ") or body == "-":
            # A block sequence may sit at its parent key's own indentation ("rules:\n- ...").
            if current is None or entries[current][0]:
                raise YamlSubsetError(f"{where} is a sequence, not a mapping")
            entries[current][1].append(line)
            continue
        match = _KEY_LINE.match(body)
        if not match:
            raise YamlSubsetError(f"cannot read {where} line {body.strip()[:60]!r}")
        key = _unquote_key(match.group("key"))
        if key in entries:
            raise YamlSubsetError(f"duplicate key {key!r} in {where}")
        entries[key] = ((match.group("value") or "").strip(), [])
        current = key
    return entries


def _unquote_key(key: str) -> str:
    key = key.strip()
    if key.startswith('"') or key.startswith("'"):
        value, _ = _quoted(key)
        return value
    return key


def _scalar(entries: dict[str, tuple[str, list[str]]], key: str, where: str) -> str | None:
    if key not in entries:
        return None
    inline, nested = entries[key]
    if not inline:
        if any(_is_content(line) for line in nested):
            raise YamlSubsetError(f"{key} in {where} is not a single-line scalar")
        return None
    return _plain_or_quoted(inline, f"{key} in {where}")


def _plain_or_quoted(text: str, what: str) -> str | None:
    text = text.strip()
    if text[:1] in ('"', "'"):
        value, rest = _quoted(text)
        rest = rest.strip()
        if rest and not rest.startswith("#"):
            raise YamlSubsetError(f"unexpected text after the quoted {what}")
        return value
    if text[:1] in ("|", ">", "&", "*", "!", "[", "{", "@", "`"):
        raise YamlSubsetError(f"{what} uses YAML this reader does not support: {text[:40]!r}")
    value = re.split(r"[ \t]#", text, maxsplit=1)[0].strip()
    if value in ("", "~", "null", "Null", "NULL"):
        return None
    return value


def _quoted(text: str) -> tuple[str, str]:
    """Parse a leading quoted scalar; return (value, the text after it)."""
    if text.startswith("'"):
        match = re.match(r"'((?:[^']|'')*)'", text)
        if not match:
            raise YamlSubsetError(f"unterminated single-quoted string: {text[:40]!r}")
        return match.group(1).replace("''", "'"), text[match.end():]
    match = re.match(r'"((?:[^"\\]|\\.)*)"', text)
    if not match:
        raise YamlSubsetError(f"unterminated double-quoted string: {text[:40]!r}")
    try:
        # YAML double-quoted escapes are a superset of JSON's; the names we read use JSON's.
        value = json.loads('"' + match.group(1) + '"')
    except ValueError as err:
        raise YamlSubsetError(f"unsupported escape in {text[:40]!r}") from err
    return value, text[match.end():]


def _flow_mapping(text: str, where: str) -> dict[str, tuple[str, list[str]]]:
    """A one-line flow mapping of scalars, e.g. ``{name: x, namespace: y}``."""
    text = text.strip()
    end = text.rfind("}")
    after = text[end + 1:].strip() if end >= 0 else ""
    if not text.startswith("{") or end < 0 or (after and not after.startswith("#")):
        raise YamlSubsetError(f"{where} must be a mapping")
    inner = text[1:end].strip()
    entries: dict[str, tuple[str, list[str]]] = {}
    if not inner:
        return entries
    if any(ch in inner for ch in "{}[]"):
        raise YamlSubsetError(f"nested collections in {where} are not supported")
    for part in _split_flow(inner):
        key, sep, value = part.partition(":")
        if not sep:
            raise YamlSubsetError(f"cannot read {part.strip()!r} in {where}")
        entries[_unquote_key(key)] = (value.strip(), [])
    return entries


def _split_flow(inner: str) -> list[str]:
    parts, current, quote = [], [], ""
    for ch in inner:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
        elif ch in ("'", '"'):
            quote = ch
            current.append(ch)
        elif ch == ",":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current))
    return [part for part in parts if part.strip()]


def _key_index(lines: list[str], start: int, indent: int, key: str) -> int | None:
    """The index of the line holding ``key`` at exactly ``indent``, in the mapping that starts at ``start``."""
    for index in range(start, len(lines)):
        line = lines[index]
        if not _is_content(line):
            continue
        line_indent = _indent_of(line)
        if line_indent < indent:
            return None  # the end of this mapping
        match = _KEY_LINE.match(line[indent:]) if line_indent == indent else None
        if match and _unquote_key(match.group("key")) == key:
            return index
    return None


def _inline_value(line: str, indent: int) -> str:
    """The text after ``key:`` on a key line at ``indent`` ("" when the value is a nested block)."""
    match = _KEY_LINE.match(line[indent:])
    assert match is not None  # found by _key_index
    return (match.group("value") or "").strip()


def _replace_value(line: str, indent: int, value: str) -> str:
    match = _KEY_LINE.match(line[indent:])
    assert match is not None  # found by _key_index
    return line[:indent] + match.group("key") + ": " + value


def _extend_flow(line: str, entry: str) -> str:
    """A key line whose value is a one-line flow mapping, with ``entry`` added before its closing brace."""
    end = line.rfind("}")
    if line[end + 1:].strip():
        raise YamlSubsetError("a flow mapping followed by a comment is not supported")
    inner = line[line.index("{") + 1:end].strip()
    return line[:end].rstrip() + (", " if inner else "") + entry + "}"


def _block_of(lines: list[str], start: int, indent: int) -> list[str]:
    """The lines nested under a key at ``indent`` whose block starts at ``start``."""
    block = []
    for line in lines[start:]:
        if _is_content(line) and _indent_of(line) <= indent:
            break
        block.append(line)
    return block
