"""The docs generated from code stay in sync with it."""

from eks_karmada.config_docs import render
from tests.synth import ROOT


def test_configuration_reference_is_current():
    current = (ROOT / "docs" / "configuration.md").read_text()
    assert current == render(), "run: .venv/bin/python -m eks_karmada.config_docs > docs/configuration.md"


def test_every_config_field_is_documented():
    text = render()
    for field in ("parent.availability_zones", "karmada.etcd_replicas", "members[].sync_mode",
                  "api_endpoint.allowed_cidrs"):
        assert f"`{field}`" in text
    assert "| None |" not in text, "every field needs a description"
