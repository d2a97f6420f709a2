"""docs/cli.md is generated from real runs of the CLI against the test fixtures, and stays current."""

from pathlib import Path

from tests.cli.doc_examples import render

ROOT = Path(__file__).resolve().parents[2]


def test_cli_docs_are_current():
    current = (ROOT / "docs" / "cli.md").read_text()
    assert current == render(), "run: .venv/bin/python -m tests.cli.doc_examples > docs/cli.md"


def test_cli_docs_cover_every_command_and_exit_code():
    text = (ROOT / "docs" / "cli.md").read_text()
    for command in ("kubeconfig", "status", "preflight", "cost"):
        assert f"## `{command}`" in text and f"$ eks-karmada {command} --help" in text
    for code in (0, 1, 3):
        assert f"# exit code {code}" in text
    assert "│ Total       │    952.42 │" in text
