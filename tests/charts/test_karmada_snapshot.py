"""Rendered YAML of every chart, reviewed as a diff on change.

Update with: python -m pytest tests/charts --snapshot-update
"""

from __future__ import annotations

import pytest
from karmada_render import ALL_PROPS, render, to_yaml


@pytest.mark.parametrize("config", ["default", "full"])
def test_rendered_yaml(config, snapshot):
    assert to_yaml(render(ALL_PROPS[config])) == snapshot
