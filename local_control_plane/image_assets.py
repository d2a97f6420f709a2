"""The stand-in for `cdk deploy` publishing the app's own container images (DockerImageAssets).

`cdk deploy` builds each docker image asset of the cloud assembly (``<stack>.assets.json``, ``dockerImages``) from its
staged folder with Docker and pushes it to the CDK assets repository. Here, with no container runtime, an asset whose
folder is a Go module with a Dockerfile whose ENTRYPOINT is one path (a static binary on an empty image) is built
from that same staged folder with the venv's Go, at that path of its image. The rendered manifests show such an image
as ``${ImageAsset.<displayName>}``; the harness fills in ``<displayName>:<tag>``, whose repository the pods map to the
built binary (``binary_key``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from . import binaries as built


class ImageAssetError(Exception):
    """An image asset the harness cannot build; the message says which and why."""


@dataclass(frozen=True)
class ImageAsset:
    """One docker image asset of the cloud assembly."""

    name: str  # its displayName
    folder: Path  # the staged folder in the cloud assembly
    tag: str  # the asset hash: its tag in the assets repository

    @property
    def placeholder(self) -> str:
        return "${ImageAsset." + self.name + "}"

    @property
    def image(self) -> str:
        return f"{self.name}:{self.tag}"

    def entrypoint(self) -> str:
        """The path of the binary in the image: the Dockerfile's ENTRYPOINT, in its exec form with one element."""
        found = re.findall(r'^ENTRYPOINT\s+\[\s*"(/[^"]+)"\s*\]\s*$', (self.folder / "Dockerfile").read_text(),
                           re.MULTILINE)
        if not found:
            raise ImageAssetError(f"image asset {self.name}: its Dockerfile has no ENTRYPOINT [\"/<binary>\"]")
        return found[-1]

    def module_path(self) -> str:
        found = re.search(r"^module\s+(\S+)\s*$", (self.folder / "go.mod").read_text(), re.MULTILINE)
        if not found:
            raise ImageAssetError(f"image asset {self.name}: its go.mod names no module")
        return found.group(1)


def binary_key(repository: str, path: str) -> str:
    """The key of an image asset's binary among the binaries: ``image-asset/<repository><path in the image>``."""
    return f"image-asset/{repository}{path}"


def docker_image_assets(assembly: Path) -> list[ImageAsset]:
    """Every docker image asset of the cloud assembly that has a display name."""
    assets: dict[str, ImageAsset] = {}
    for manifest in sorted(assembly.glob("*.assets.json")):
        for asset_hash, asset in json.loads(manifest.read_text()).get("dockerImages", {}).items():
            if "displayName" in asset:
                assets[asset_hash] = ImageAsset(asset["displayName"], assembly / asset["source"]["directory"],
                                                asset_hash)
    return list(assets.values())


def ensure(assets: list[ImageAsset], log=print) -> dict[str, Path]:
    """Build what is missing of ``assets`` (docker_image_assets); return each asset's binary_key -> its binary."""
    if not assets:
        return {}
    go = built.go_binary()
    version = built.go_version(go)
    files = {}
    for asset in assets:
        if not (asset.folder / "go.mod").exists():
            raise ImageAssetError(f"image asset {asset.name}: {asset.folder} is no Go module, the only kind built here")
        module = built.GoModule(str(asset.folder), asset.tag[:12], {asset.name: asset.module_path()})
        folder = built.cache_root() / "bin" / f"image-asset-{asset.name}-{asset.tag[:12]}-{version}"
        if not (folder / ".complete").exists():
            built.build(go, module, folder, log)
        files[binary_key(asset.name, asset.entrypoint())] = folder / asset.name
    return files
