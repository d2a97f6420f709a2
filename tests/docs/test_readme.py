"""README.md and the operator docs say what the code does.

README.md and the operator docs say what the code does: the first commands, the stack graph, the cost table, the
commands the CLI prints, and links that resolve.
"""

from __future__ import annotations

import re

import pytest

from eks_karmada.cli.kubeconfig import DEFAULT_KUBECONFIG, try_commands
from eks_karmada.diagram import Assembly
from tests.docs.shell import ROOT, code_blocks

README = ROOT / "README.md"
OWNED = [README, ROOT / "docs" / "operations.md", ROOT / "docs" / "troubleshooting.md"]
# Written in parallel by another change; the link is checked once the file exists.
PENDING = {ROOT / "docs" / "uninstall.md"}


def test_readme_opens_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    lang, start, lines = code_blocks(README)[0]
    assert lang == "bash" and text.splitlines()[0] == "# eks-karmada" and start == 4
    assert [line.split("#")[0].strip() for line in lines] == ["make synth", "make test"]


def test_stack_table_matches_the_synthesized_dependencies(synthesized):
    text = README.read_text(encoding="utf-8")
    rows = {m.group(1): (m.group(2), set(re.findall(r"`([^`]+)`", m.group(3))))
            for m in re.finditer(r"^\| `(Karmada[\w-]+)` \| ([a-z0-9-]+) \| (.*) \|$", text, re.M)}
    assembly = Assembly.read(synthesized.outdir)
    assert set(rows) == set(assembly.stacks)
    for name, stack in assembly.stacks.items():
        region, deps = rows[name]
        assert region == stack.region, name
        assert deps == set(stack.dependencies), name
    for wave in assembly.waves():
        for name in wave:
            assert name in text.split("### Stacks and deployment order")[1].split("```text")[1].split("```")[0]


def test_cost_table_is_the_cli_estimate():
    readme = README.read_text(encoding="utf-8")
    cli = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| \**([A-Za-z0-9 ]+?)\** \| \**([\d.]+)\** \|$", readme, re.M)
    assert len(rows) == 7
    for service, amount in rows:
        assert re.search(rf"│ {re.escape(service)}\s+│\s+{re.escape(amount)} │", cli), (service, amount)


def test_readme_shows_the_commands_the_cli_prints():
    text = README.read_text(encoding="utf-8")
    for command in try_commands(DEFAULT_KUBECONFIG, "karmada"):
        assert command in text, command


def test_readme_keeps_the_layout_note():
    text = README.read_text(encoding="utf-8")
    assert "| `karmada_constructs/` |" in text
    assert "not named `constructs`, which would shadow the library" in text


def test_readme_command_table_names_real_targets():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([A-Za-z][\w-]*):(?!=)", makefile, re.M))
    for target in re.findall(r"^\| `make ([\w-]+)` \|", README.read_text(encoding="utf-8"), re.M):
        assert target in targets, target


def _slug(heading: str) -> str:
    text = heading.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    return {_slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)}


@pytest.mark.parametrize("doc", OWNED, ids=[p.name for p in OWNED])
def test_links_resolve(doc):
    text = re.sub(r"```.*?```", "", doc.read_text(encoding="utf-8"), flags=re.S)
    problems = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+://", target):
            continue
        path_part, _, anchor = target.partition("#")
        path = (doc.parent / path_part).resolve() if path_part else doc
        if not path.exists():
            if path not in PENDING:
                problems.append(f"{target}: no such file")
            continue
        if anchor and path.suffix == ".md" and anchor not in _anchors(path):
            problems.append(f"{target}: no heading #{anchor} in {path.name}")
    assert not problems, "\n".join(problems)
