from __future__ import annotations

import pathlib
import sys

import pytest

# The helpers live next to this file; importable whether or not tests/charts
# ever becomes a package.
sys.path.insert(0, str(pathlib.Path(__file__).parent))

from karmada_render import ALL_PROPS, BARE_PROPS, DEFAULT_PROPS, FULL_PROPS, Rendered, render  # noqa: E402


@pytest.fixture(scope="session")
def default() -> Rendered:
    """Default props with an NLB token and a custom domain as external hosts."""
    return render(DEFAULT_PROPS)


@pytest.fixture(scope="session")
def full() -> Rendered:
    """Every optional component, two estimators and pull-mode registration."""
    return render(FULL_PROPS)


@pytest.fixture(scope="session")
def bare() -> Rendered:
    """Props() exactly as defaulted (no external hosts)."""
    return render(BARE_PROPS)


@pytest.fixture(scope="session", params=sorted(ALL_PROPS))
def any_rendered(request) -> Rendered:
    return render(ALL_PROPS[request.param])
