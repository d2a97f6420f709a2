"""Every Lambda handler of ours imports from its synthesized asset the way the Lambda runtime loads it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.synth import ROOT

# The Python Lambda runtime ships boto3, botocore and urllib3; nothing else third-party.
RUNTIME_THIRD_PARTY = {"boto3", "botocore", "urllib3"}

IMPORT_CHECK = """
import builtins, importlib, sys
real_import = builtins.__import__
def runtime_only(name, *args, **kwargs):
    if name.split(".")[0] in {"yaml", "cryptography", "pydantic", "aws_cdk", "tests"}:
        raise ImportError(f"{name} is not in the Lambda runtime")
    return real_import(name, *args, **kwargs)
builtins.__import__ = runtime_only
sys.path[:0] = [sys.argv[1]]
module_name, _, function = sys.argv[2].rpartition(".")
handler = importlib.import_module(module_name)
assert callable(getattr(handler, function))
print("ok")
"""


def _our_functions(synthesized) -> list[tuple[str, str, str]]:
    found = []
    for stack, template in synthesized.templates.items():
        for logical_id, resource in template["Resources"].items():
            props = resource.get("Properties", {})
            if resource["Type"] == "AWS::Lambda::Function" and str(props.get("Handler", "")).startswith("functions."):
                asset_hash = props["Code"]["S3Key"].removesuffix(".zip")
                found.append((f"{stack}/{logical_id}", props["Handler"], asset_hash))
    return found


def test_handlers_are_deployed(synthesized):
    handlers = {handler for _, handler, _ in _our_functions(synthesized)}
    assert "functions.karmada_manifest.handler.on_event" in handlers


def test_each_handler_imports_from_its_asset_with_runtime_libraries_only(synthesized):
    for where, handler, asset_hash in _our_functions(synthesized):
        asset = synthesized.outdir / f"asset.{asset_hash}"
        files = sorted(p.relative_to(asset).as_posix() for p in asset.rglob("*") if p.is_file())
        assert files and all(f.startswith("functions/") and f.endswith(".py") for f in files), (where, files)
        assert "functions/kube/client.py" in files, (where, "the Kubernetes client shared with the CLI is missing")
        result = subprocess.run([sys.executable, "-I", "-B", "-c", IMPORT_CHECK, str(asset), handler],
                                capture_output=True, text=True, timeout=60, cwd="/")
        assert result.returncode == 0 and result.stdout.strip() == "ok", (where, result.stderr)


# Every package of the asset (the handlers and functions/kube, the client they share with the CLI)
# and "." for the modules at its top (functions/errors.py, functions/provider_framework.py).
PACKAGES = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "__init__.py").exists()) + ["."]


@pytest.mark.parametrize("package", PACKAGES)
def test_handler_code_uses_only_the_runtime_libraries(package):
    for path in (ROOT / "functions" / package).glob("*.py"):
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if not stripped.startswith(("import ", "from ")) or stripped.startswith("from ."):
                continue
            module = stripped.split()[1].split(".")[0]
            if module == "__future__":
                continue
            assert module in sys.stdlib_module_names or module in RUNTIME_THIRD_PARTY, f"{path.name}: {stripped}"
