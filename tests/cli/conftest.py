"""Fixtures for the CLI tests: a fresh fake world (moto + stubs + fake Kubernetes APIs) per test."""

from __future__ import annotations

import pytest

from tests.cli.harness import pki
from tests.cli.harness import world as make_world


@pytest.fixture
def world(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    with make_world(home) as w:
        yield w
        w.assert_stubs_used()


@pytest.fixture(scope="session")
def material():
    return pki()
