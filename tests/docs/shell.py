"""Shell commands as the docs show them.

Shell commands as the docs show them: fenced code blocks of README.md and docs/*.md, split into simple commands
(pipelines, `&&`, `;` and `$(...)` substitutions taken apart, redirections and leading VAR=value assignments set
aside).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHELL_LANGS = {"bash", "sh", "shell", "console"}
SUBST = "__SUBST__"
PLACEHOLDER = "__PLACEHOLDER__"  # <job>, <member>, <each template and manifest>: the reader fills these in
_PLACEHOLDER = re.compile(r"<[A-Za-z][A-Za-z0-9 _.:/=-]*>")
_OPERATORS = {"|", "||", "&&", ";", "&"}
_REDIRECTS = {">", ">>", "<", ">&", "<<<", "&>"}


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass(frozen=True)
class DocLine:
    """One command line of a doc (continuations joined), where it is."""

    path: Path
    line: int
    text: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


@dataclass
class SimpleCommand:
    """One program invocation: argv after assignments, with what it redirects to."""

    argv: list[str]
    assignments: dict[str, str] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    origin: DocLine | None = None

    @property
    def program(self) -> str:
        return self.argv[0] if self.argv else ""

    def __str__(self) -> str:
        return shlex.join(self.argv)


def code_blocks(path: Path) -> list[tuple[str, int, list[str]]]:
    """(language, first line number, lines) of each fenced block."""
    blocks, current, lang, start = [], None, "", 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.lstrip().startswith("```"):
            if current is None:
                lang, start, current = line.strip()[3:].strip().lower(), number + 1, []
            else:
                blocks.append((lang, start, current))
                current = None
            continue
        if current is not None:
            current.append(line)
    return blocks


def command_lines(path: Path) -> list[DocLine]:
    """Every command of the shell blocks: console blocks' `$ ` lines, every other non-comment line."""
    out: list[DocLine] = []
    for lang, start, lines in code_blocks(path):
        if lang not in SHELL_LANGS:
            continue
        pending, first = "", 0
        for offset, raw in enumerate(lines):
            line = raw.rstrip()
            if not pending:
                stripped = line.strip()
                if lang == "console":
                    if not stripped.startswith("$ "):
                        continue
                    stripped = stripped[2:]
                if not stripped or stripped.startswith("#"):
                    continue
                line, first = stripped, start + offset
            else:
                line = line.strip()
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            out.append(DocLine(path, first, pending + line))
            pending = ""
    return out


def _substitutions(text: str) -> tuple[str, list[str]]:
    """Replace each top-level $(...) with SUBST; return the inner texts too."""
    out, inner, i, quote = [], [], 0, ""
    while i < len(text):
        char = text[i]
        if quote == "'":
            if char == "'":
                quote = ""
            out.append(char)
            i += 1
            continue
        if char == "'" and not quote:
            quote = "'"
        elif char == '"':
            quote = "" if quote == '"' else '"'
        if text.startswith("$(", i):
            depth, j = 1, i + 2
            while j < len(text) and depth:
                depth += {"(": 1, ")": -1}.get(text[j], 0)
                j += 1
            if depth:
                raise ValueError(f"unbalanced $( in: {text}")
            inner.append(text[i + 2:j - 1])
            out.append(SUBST)
            i = j
            continue
        out.append(char)
        i += 1
    return "".join(out), inner


_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def split(text: str, origin: DocLine | None = None) -> list[SimpleCommand]:
    """The simple commands of one command line, substitutions first."""
    flat, inner = _substitutions(_PLACEHOLDER.sub(PLACEHOLDER, text))
    commands: list[SimpleCommand] = []
    for sub in inner:
        commands += split(sub, origin)
    lexer = shlex.shlex(flat, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    tokens = list(lexer)
    current: list[str] = []

    def finish() -> None:
        if not current:
            return
        command = SimpleCommand([], origin=origin)
        index = 0
        while index < len(current) and _ASSIGNMENT.match(current[index]):
            name, value = current[index].split("=", 1)
            command.assignments[name] = value
            index += 1
        rest = current[index:]
        argv: list[str] = []
        skip = False
        for position, token in enumerate(rest):
            if skip:
                skip = False
                continue
            if token in _REDIRECTS:
                target = rest[position + 1] if position + 1 < len(rest) else ""
                (command.reads if token.startswith("<") else command.writes).append(target)
                if argv and argv[-1].isdigit():  # 2>/dev/null
                    argv.pop()
                skip = True
                continue
            argv.append(token)
        command.argv = argv
        commands.append(command)
        current.clear()

    for token in tokens:
        if token in _OPERATORS:
            finish()
        else:
            current.append(token)
    finish()
    return commands


def all_commands() -> list[SimpleCommand]:
    out: list[SimpleCommand] = []
    for path in doc_files():
        for line in command_lines(path):
            out += split(line.text, line)
    return out
