"""The local stand-in for `cdk deploy` building the app's own images (local_control_plane/image_assets.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local_control_plane import image_assets
from local_control_plane.pods import image_files


def _assembly(tmp_path: Path, dockerfile: str, *, display_name: str | None = "guard") -> Path:
    folder = tmp_path / "asset.abc123"
    folder.mkdir()
    (folder / "Dockerfile").write_text(dockerfile)
    (folder / "go.mod").write_text("// a comment\nmodule example.local/guard\n\ngo 1.26\n")
    asset: dict = {"source": {"directory": folder.name}, "destinations": {}}
    if display_name:
        asset["displayName"] = display_name
    (tmp_path / "Parent.assets.json").write_text(json.dumps({"dockerImages": {"abc123": asset}}))
    return tmp_path


def test_an_asset_is_found_with_its_binary_path_and_module(tmp_path) -> None:
    assembly = _assembly(tmp_path, 'FROM scratch\nENTRYPOINT ["/old"]\nCOPY x /guard\nENTRYPOINT ["/guard"]\n')
    (asset,) = image_assets.docker_image_assets(assembly)
    assert (asset.name, asset.tag, asset.placeholder, asset.image) == (
        "guard", "abc123", "${ImageAsset.guard}", "guard:abc123")
    assert asset.entrypoint() == "/guard"  # the last ENTRYPOINT wins, as in Docker
    assert asset.module_path() == "example.local/guard"


def test_pods_find_the_built_binary_at_its_path_in_the_image(tmp_path) -> None:
    built = {image_assets.binary_key("guard", "/guard"): tmp_path / "bin"}
    assert image_files("guard:abc123", built) == ((("/guard", str(tmp_path / "bin")),), False)


def test_an_asset_without_a_display_name_is_not_ours(tmp_path) -> None:
    assert image_assets.docker_image_assets(_assembly(tmp_path, "FROM scratch\n", display_name=None)) == []


def test_a_shell_entrypoint_is_refused_with_its_reason(tmp_path) -> None:
    (asset,) = image_assets.docker_image_assets(_assembly(tmp_path, "FROM scratch\nENTRYPOINT /guard --flag\n"))
    with pytest.raises(image_assets.ImageAssetError, match=r'guard: its Dockerfile has no ENTRYPOINT \["/<binary>"\]'):
        asset.entrypoint()
