"""`make local-down`: stop every process and remove every namespace, link and file the run made."""

from __future__ import annotations

import shutil
import subprocess

from .environment import Environment
from .layout import Layout
from .network import Network


def leftover_processes(layout: Layout) -> list[str]:
    """Processes still running from this environment's pods (found by their netns or rootfs path)."""
    pids = []
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.splitlines()
    for line in listing:
        ns = line.split(" ")[0]
        if ns.startswith("ekl-"):
            pids += subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split()
    return pids


def down(layout: Layout | None = None, keep_data: bool = False) -> list[str]:
    layout = layout or Layout()
    removed = []
    try:
        env = Environment(layout)
        env.stop_kubelet()
        removed.append("kubelet and every pod it ran")
    except Exception:  # noqa: BLE001 - no synthesized app: there may still be namespaces to remove
        pass
    for pid in leftover_processes(layout):
        subprocess.run(["kill", "-9", pid], check=False)
        removed.append(f"process {pid}")
    removed += Network(layout).teardown()
    shutil.rmtree(layout.run, ignore_errors=True)
    if not keep_data:
        shutil.rmtree(layout.data, ignore_errors=True)
        for kubeconfig in layout.root.glob("*.kubeconfig"):
            kubeconfig.unlink()
    return removed


def main() -> None:
    removed = down()
    print(f"local control plane down: {len(removed)} items removed" if removed else "nothing was running")
