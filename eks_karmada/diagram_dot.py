"""Writing Graphviz DOT text: node ids, quoted labels and a document with nested subgraphs.

Shared by the architecture diagram (eks_karmada/diagram.py) and its traffic layer (eks_karmada/diagram_traffic.py).
"""

from __future__ import annotations

import re


def node_id(text: str) -> str:
    """A DOT identifier made of the text: every character but letters, digits and _ becomes _."""
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def quote(text: str) -> str:
    """A DOT double-quoted string; newlines become left-justified line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\l") + ('\\l"' if "\n" in text else '"')


class Dot:
    """A Graphviz DOT document being written, with the current nesting depth for indentation."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 1

    def add(self, line: str) -> None:
        self.lines.append("  " * self.depth + line)

    def node(self, name: str, label: str, **attrs: str) -> None:
        extra = "".join(f", {k}={quote(v)}" for k, v in attrs.items())
        text = label if label.startswith("<<") and label.endswith(">>") else quote(label)  # HTML-like label
        self.add(f"{name} [label={text}{extra}];")

    def edge(self, a: str, b: str, label: str = "", **attrs: str) -> None:
        parts = [f"label={quote(label)}"] if label else []
        parts += [f"{k}={quote(v)}" for k, v in attrs.items()]
        self.add(f"{a} -> {b}" + (f" [{', '.join(parts)}]" if parts else "") + ";")

    def open(self, name: str, label: str, **attrs: str) -> None:
        self.add(f"subgraph {name} {{")
        self.depth += 1
        self.add(f"label={quote(label)};")
        for key, value in attrs.items():
            self.add(f"{key}={quote(value)};")

    def close(self) -> None:
        self.depth -= 1
        self.add("}")
