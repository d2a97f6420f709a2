"""The handler also imports the way Lambda loads it: asset root = functions/karmada_manifest,
handler "handler.on_event", sibling modules imported as top-level modules, no PyYAML."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HANDLER_DIR = Path(__file__).resolve().parents[2] / "functions" / "karmada_manifest"

SCRIPT = """
import builtins, sys
real_import = builtins.__import__
def no_yaml(name, *args, **kwargs):
    if name == "yaml" or name.startswith("yaml."):
        raise ImportError("the Lambda runtime has no PyYAML")
    return real_import(name, *args, **kwargs)
builtins.__import__ = no_yaml
sys.path[:0] = [sys.argv[1]]
import handler
assert callable(handler.on_event)
assert handler.KubeClient.__module__ == "kube_client", handler.KubeClient.__module__
print("ok")
"""


def test_handler_imports_as_a_top_level_module_without_pyyaml():
    result = subprocess.run([sys.executable, "-I", "-c", SCRIPT, str(HANDLER_DIR)], capture_output=True,
                            text=True, timeout=60, cwd="/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_handler_code_uses_only_the_runtime_libraries():
    allowed_third_party = {"boto3", "botocore", "urllib3"}
    local = {p.stem for p in HANDLER_DIR.glob("*.py")}
    for path in HANDLER_DIR.glob("*.py"):
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if not stripped.startswith(("import ", "from ")) or stripped.startswith("from ."):
                continue
            module = stripped.split()[1].split(".")[0]
            if module in local or module == "__future__":
                continue
            assert module in sys.stdlib_module_names or module in allowed_third_party, f"{path.name}: {stripped}"
