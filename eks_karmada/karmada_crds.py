"""The pinned digests of Karmada's CRD files, by release: looked up at synth, regenerated from the Go module.

Karmada's release asset ``crds.tar.gz`` is ``charts/karmada/_crds`` of the release's source tree, renamed ``crds/``
and packed as it is (.github/workflows/release.yml, job ``release-crds-assests``, at v1.18.2). So the bytes of every
file the KarmadaManifest handler may read from it (the CRDs under ``crds/bases/``, the conversion patches under
``crds/patches/``, the kustomization.yaml) are known at build time: they are the files of the module
``github.com/karmada-io/karmada@<version>`` in the Go module cache (checked against the hash go.sum pins for it
where the local control plane's go.sum names that version). Their sha256 digests are generated into
eks_karmada/karmada_crd_digests.py, reviewed, and committed; the handler refuses an archive with any other file,
any missing file or any other bytes, wherever it comes from (the release or a mirror, however the mirror packed it).

Pin a release (after ``go mod download github.com/karmada-io/karmada@<version>``)::

    .venv/bin/python -m eks_karmada.karmada_crds v1.18.2
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path

from eks_karmada.karmada_crd_digests import DIGESTS

MODULE = "github.com/karmada-io/karmada"
CRDS_IN_MODULE = Path("charts", "karmada", "_crds")
ARCHIVE_TOP = "crds/"
TABLE = Path(__file__).with_name("karmada_crd_digests.py")
# The local control plane builds Karmada from this wrapper module; its go.sum pins the module's hash.
GO_SUM = Path(__file__).resolve().parent.parent / "local_control_plane" / "gobuild" / "karmada" / "go.sum"


class UnpinnedVersionError(ValueError):
    """No digests are pinned for this Karmada release (one line, with the command that pins them)."""


def regenerate_command(version: str) -> str:
    """The commands that pin the CRD digests of `version`."""
    return (f"go mod download {MODULE}@{version} && "
            f".venv/bin/python -m eks_karmada.karmada_crds {version}")


def pinned_crd_files(version: str) -> Mapping[str, str]:
    """Archive path (``crds/...``) -> sha256 of every file in the CRD archive of Karmada `version`."""
    files = DIGESTS.get(version)
    if not files:
        raise UnpinnedVersionError(
            f"no CRD digests are pinned for Karmada {version} (pinned: {', '.join(sorted(DIGESTS)) or 'none'}); "
            f"pin them with: {regenerate_command(version)}, then review and commit eks_karmada/karmada_crd_digests.py")
    return files


def module_cache() -> Path:
    """The Go module cache: $GOMODCACHE, else the first $GOPATH's pkg/mod, else ~/go/pkg/mod (Go's defaults)."""
    if os.environ.get("GOMODCACHE"):
        return Path(os.environ["GOMODCACHE"])
    gopath = os.environ.get("GOPATH", "").split(os.pathsep)[0]
    return Path(gopath or Path.home() / "go") / "pkg" / "mod"


def module_dir(version: str, cache: Path | None = None) -> Path:
    """Where the module cache holds Karmada `version` (Go writes module paths as they are: all lower case)."""
    return (cache or module_cache()) / f"{MODULE}@{version}"


def module_hash(root: Path, version: str) -> str:
    """Go's ``h1:`` hash of a module directory (golang.org/x/mod/sumdb/dirhash Hash1), as go.sum records it."""
    prefix = f"{MODULE}@{version}/"
    names = sorted(prefix + path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())
    summary = hashlib.sha256()
    for name in names:
        digest = hashlib.sha256((root / name.removeprefix(prefix)).read_bytes()).hexdigest()
        summary.update(f"{digest}  {name}\n".encode())
    return "h1:" + base64.b64encode(summary.digest()).decode()


def go_sum_hash(version: str, go_sum: Path = GO_SUM) -> str | None:
    """The ``h1:`` hash go.sum pins for Karmada `version`; None if it pins none."""
    if not go_sum.is_file():
        return None
    for line in go_sum.read_text().splitlines():
        fields = line.split()
        if fields[:2] == [MODULE, version]:
            return fields[2]
    return None


def verify_module(root: Path, version: str, go_sum: Path = GO_SUM) -> str:
    """Check the module directory against go.sum where it pins `version`; say what the files were checked against."""
    pinned = go_sum_hash(version, go_sum)
    if pinned is None:
        return f"{MODULE}@{version} is not in {go_sum.name}; go mod download checked it against sum.golang.org"
    actual = module_hash(root, version)
    if actual != pinned:
        raise ValueError(f"{root} hashes to {actual}, not the {pinned} of {go_sum}: the module cache is corrupt or "
                         f"was changed; remove it (go clean -modcache) and download it again")
    return f"{MODULE}@{version} matches {actual} of {go_sum}"


def digests_from_module(root: Path) -> dict[str, str]:
    """Archive path -> sha256 of every file under the module's charts/karmada/_crds, as the release packs them."""
    crds = root / CRDS_IN_MODULE
    if not crds.is_dir():
        raise FileNotFoundError(f"{crds} does not exist: is {root} the Karmada module?")
    files = {}
    for path in sorted(crds.rglob("*")):
        if path.is_file():
            files[ARCHIVE_TOP + path.relative_to(crds).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    if not files:
        raise FileNotFoundError(f"{crds} holds no files")
    return files


def render_table(digests: Mapping[str, Mapping[str, str]]) -> str:
    """The text of eks_karmada/karmada_crd_digests.py for `digests` (version -> archive path -> sha256)."""
    lines = [
        '"""sha256 of every file in the crds.tar.gz of each pinned Karmada release. Generated: do not edit.',
        "",
        "Regenerate with `.venv/bin/python -m eks_karmada.karmada_crds <version>` (eks_karmada/karmada_crds.py), from",
        f"the files of {CRDS_IN_MODULE.as_posix()} in the module {MODULE}@<version>, then review the diff.",
        '"""',
        "",
        "DIGESTS: dict[str, dict[str, str]] = {",
    ]
    for version in sorted(digests):
        lines.append(f'    "{version}": {{')
        lines.extend(f'        "{path}":\n            "{digest}",' for path, digest in sorted(digests[version].items()))
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines) + "\n"


def parser() -> argparse.ArgumentParser:
    """The command line of `python -m eks_karmada.karmada_crds`."""
    result = argparse.ArgumentParser(
        prog="python -m eks_karmada.karmada_crds",
        description="Pin (or re-pin) the CRD digests of the given Karmada releases from the Go module cache.")
    result.add_argument("versions", nargs="+", metavar="VERSION", help="Karmada release, e.g. v1.18.2")
    result.add_argument("--module-cache", type=Path, default=None,
                        help="the Go module cache (default: $GOMODCACHE, $GOPATH/pkg/mod or ~/go/pkg/mod)")
    result.add_argument("--drop", action="store_true", help="remove these versions from the table instead")
    return result


def main(argv: list[str] | None = None) -> int:
    """Pin (or re-pin) the CRD digests of the given Karmada releases from the Go module cache."""
    args = parser().parse_args(argv)
    table = {version: dict(files) for version, files in DIGESTS.items()}
    for version in args.versions:
        if args.drop:
            table.pop(version, None)
            continue
        root = module_dir(version, args.module_cache)
        try:
            table[version] = digests_from_module(root)
            checked = verify_module(root, version)
        except (FileNotFoundError, OSError) as err:
            print(f"error: {err}; download the module first: go mod download {MODULE}@{version}", file=sys.stderr)
            return 1
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        print(f"{version}: {len(table[version])} files from {root / CRDS_IN_MODULE} ({checked})")
    TABLE.write_text(render_table(table))
    print(f"wrote {TABLE}; review the diff and commit it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
