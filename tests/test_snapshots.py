"""Snapshots of every template and rendered manifest: they change only when the infrastructure does."""

from __future__ import annotations

import json
import re

import pytest
from syrupy.extensions.json import JSONSnapshotExtension

_ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")


def _normalized(template: dict) -> dict:
    """Drop what changes without the infrastructure changing: asset hashes and CDK analytics."""
    text = _ASSET_HASH.sub("<asset-hash>", json.dumps(template, sort_keys=True))
    data = json.loads(text)
    data.get("Resources", {}).pop("CDKMetadata", None)
    data.get("Conditions", {}).pop("CDKMetadataAvailable", None)
    return data


@pytest.fixture
def snapshot_json(snapshot):
    return snapshot.use_extension(JSONSnapshotExtension)


def test_templates(synthesized, snapshot_json):
    for name in sorted(synthesized.templates):
        assert _normalized(synthesized.templates[name]) == snapshot_json(name=f"template-{name}")


def test_rendered_manifests(synthesized, snapshot_json):
    assert sorted(synthesized.manifests) == sorted(synthesized.manifests)  # every target is snapshotted below
    for target in sorted(synthesized.manifests):
        assert synthesized.manifests[target] == snapshot_json(name=f"manifest-{target}")
