"""The pinned CRD digests (eks_karmada/karmada_crd_digests.py): generated from the Karmada module, enforced."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest
import yaml

from eks_karmada import karmada_crds
from eks_karmada.config import SUPPORTED_KARMADA_MINOR, Versions
from eks_karmada.karmada_crd_digests import DIGESTS
from eks_karmada.karmada_crds import (
    TABLE,
    UnpinnedVersionError,
    digests_from_module,
    module_dir,
    pinned_crd_files,
    render_table,
)
from functions.karmada_manifest.errors import SourceError
from functions.karmada_manifest.manifest_source import SourceSpec, load_source

PINNED = Versions().karmada
URL = f"https://github.com/karmada-io/karmada/releases/download/{PINNED}/crds.tar.gz"


def _module() -> Path:
    root = module_dir(PINNED)
    if not (root / karmada_crds.CRDS_IN_MODULE).is_dir():
        pytest.skip(f"the Karmada module {PINNED} is not in the Go module cache ({root}); "
                    f"go mod download {karmada_crds.MODULE}@{PINNED} to run this check")
    return root


def _release_tarball(root: Path) -> bytes:
    """The module's charts/karmada/_crds packed as the release job packs it (renamed crds/, tar.gz)."""
    crds = root / karmada_crds.CRDS_IN_MODULE
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(crds, arcname="crds")
    return buffer.getvalue()


def _spec(files) -> SourceSpec:
    import json

    return SourceSpec.from_json(json.dumps({"url": URL, "paths": ["crds/bases/"], "files": dict(files),
                                            "kinds": ["CustomResourceDefinition"]}))


# --- the table ------------------------------------------------------------------------------------------------
def test_the_default_version_is_pinned_and_every_pinned_version_is_supported():
    assert PINNED in DIGESTS
    assert all(version.startswith(SUPPORTED_KARMADA_MINOR + ".") for version in DIGESTS)


def test_the_table_is_exactly_what_the_generator_writes():
    # No hand edits: regenerating from the same data gives the committed file byte for byte.
    assert TABLE.read_text() == render_table(DIGESTS)


def test_the_table_pins_the_crds_their_patches_and_the_kustomization():
    files = pinned_crd_files(PINNED)
    assert all(path.startswith("crds/") for path in files)
    assert len([p for p in files if p.startswith("crds/bases/")]) == 19
    assert sorted(p for p in files if p.startswith("crds/patches/")) == [
        "crds/patches/webhook_in_clusterresourcebindings.yaml", "crds/patches/webhook_in_resourcebindings.yaml"]
    assert "crds/kustomization.yaml" in files
    assert all(len(digest) == 64 and int(digest, 16) >= 0 for digest in files.values())


def test_the_table_equals_the_files_of_the_pinned_module():
    root = _module()
    assert digests_from_module(root) == pinned_crd_files(PINNED), (
        f"regenerate: .venv/bin/python -m eks_karmada.karmada_crds {PINNED}")
    # Everything the release's kustomization names is pinned (what kubectl apply -k would read).
    kustomization = yaml.safe_load((root / karmada_crds.CRDS_IN_MODULE / "kustomization.yaml").read_text())
    named = {f"crds/{p}" for p in kustomization["resources"]} | {f"crds/{p['path']}" for p in kustomization["patches"]}
    assert named <= set(pinned_crd_files(PINNED))


def test_the_module_the_digests_come_from_is_the_one_go_sum_pins():
    # go.sum's h1 hash (checked by Go against sum.golang.org) covers every file of the module, the CRDs included.
    root = _module()
    assert karmada_crds.go_sum_hash(PINNED) is not None, f"{karmada_crds.GO_SUM} should pin {PINNED}"
    assert karmada_crds.module_hash(root, PINNED) == karmada_crds.go_sum_hash(PINNED)


def test_a_module_that_differs_from_go_sum_is_refused(tmp_path):
    root = tmp_path / "mod"
    (root / "a").mkdir(parents=True)
    (root / "a" / "x.yaml").write_bytes(b"x")
    go_sum = tmp_path / "go.sum"
    go_sum.write_text(f"{karmada_crds.MODULE} v1.18.7 {karmada_crds.module_hash(root, 'v1.18.7')}\n"
                      f"{karmada_crds.MODULE} v1.18.7/go.mod h1:abc=\n")
    assert karmada_crds.verify_module(root, "v1.18.7", go_sum).startswith(f"{karmada_crds.MODULE}@v1.18.7 matches h1:")
    (root / "a" / "x.yaml").write_bytes(b"y")
    with pytest.raises(ValueError, match=r"hashes to h1:.*, not the h1:.* the module cache is corrupt or was changed"):
        karmada_crds.verify_module(root, "v1.18.7", go_sum)
    assert "sum.golang.org" in karmada_crds.verify_module(root, "v1.18.8", go_sum)


def test_an_unpinned_version_names_itself_and_how_to_pin_it():
    with pytest.raises(UnpinnedVersionError) as raised:
        pinned_crd_files("v1.18.9")
    assert str(raised.value) == (
        f"no CRD digests are pinned for Karmada v1.18.9 (pinned: {', '.join(sorted(DIGESTS))}); pin them with: "
        "go mod download github.com/karmada-io/karmada@v1.18.9 && .venv/bin/python -m eks_karmada.karmada_crds "
        "v1.18.9, then review and commit eks_karmada/karmada_crd_digests.py")


# --- the generator ----------------------------------------------------------------------------------------------
def _fake_module(cache: Path, version: str, files: dict[str, bytes]) -> None:
    crds = module_dir(version, cache) / karmada_crds.CRDS_IN_MODULE
    for name, data in files.items():
        (crds / name).parent.mkdir(parents=True, exist_ok=True)
        (crds / name).write_bytes(data)


def test_the_generator_adds_a_version_from_the_module_cache_and_keeps_the_others(tmp_path, monkeypatch, capsys):
    table = tmp_path / "karmada_crd_digests.py"
    monkeypatch.setattr(karmada_crds, "TABLE", table)
    _fake_module(tmp_path / "mod", "v1.18.7", {"bases/a/x.yaml": b"x", "kustomization.yaml": b"k"})
    assert karmada_crds.main(["v1.18.7", "--module-cache", str(tmp_path / "mod")]) == 0
    namespace: dict = {}
    exec(table.read_text(), namespace)  # noqa: S102 - the file just generated
    assert namespace["DIGESTS"]["v1.18.7"] == {"crds/bases/a/x.yaml": hashlib.sha256(b"x").hexdigest(),
                                               "crds/kustomization.yaml": hashlib.sha256(b"k").hexdigest()}
    assert namespace["DIGESTS"][PINNED] == DIGESTS[PINNED]
    assert "v1.18.7: 2 files" in capsys.readouterr().out


def test_the_generator_without_the_module_says_how_to_get_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(karmada_crds, "TABLE", tmp_path / "table.py")
    assert karmada_crds.main(["v1.18.7", "--module-cache", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert err.rstrip().endswith("go mod download github.com/karmada-io/karmada@v1.18.7")
    assert not (tmp_path / "table.py").exists()


def test_the_module_cache_follows_go(monkeypatch, tmp_path):
    monkeypatch.setenv("GOMODCACHE", str(tmp_path / "m"))
    assert karmada_crds.module_cache() == tmp_path / "m"
    monkeypatch.delenv("GOMODCACHE")
    monkeypatch.setenv("GOPATH", f"{tmp_path / 'g'}:{tmp_path / 'h'}")
    assert karmada_crds.module_cache() == tmp_path / "g" / "pkg" / "mod"


# --- the handler with the real pins -------------------------------------------------------------------------------
def test_the_release_archive_passes_with_the_pins_and_yields_only_crds():
    data = _release_tarball(_module())
    bundle = load_source(_spec(pinned_crd_files(PINNED)), lambda url: data)
    assert len(bundle.documents) == 19 and len(bundle.patches) == 2
    assert {d.identity.kind for d in [*bundle.documents, *bundle.patches]} == {"CustomResourceDefinition"}


def test_the_release_archive_with_one_crd_changed_is_refused():
    root = _module()
    crds = root / karmada_crds.CRDS_IN_MODULE
    name = "bases/policy/policy.karmada.io_propagationpolicies.yaml"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(crds.rglob("*")):
            if not path.is_file():
                continue
            data = path.read_bytes()
            relative = path.relative_to(crds).as_posix()
            if relative == name:
                data = data.replace(b"scope: Namespaced", b"scope: Cluster")
            info = tarfile.TarInfo("crds/" + relative)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    with pytest.raises(SourceError, match=f"^crds/{name} in {URL} has sha256 [0-9a-f]{{64}}, not the pinned"):
        load_source(_spec(pinned_crd_files(PINNED)), lambda url: buffer.getvalue())
