"""`make local-down`: stop every process and remove every namespace, link and file the run made."""

from __future__ import annotations

import shutil
import subprocess

from .environment import Environment
from .layout import NETNS_PREFIX, Layout
from .network import Network, ip


def leftover_processes() -> list[str]:
    """Processes still running in this environment's network namespaces."""
    pids = []
    for line in ip("netns", "list", check=False).stdout.splitlines():
        ns = line.split(" ")[0]
        if ns.startswith(NETNS_PREFIX):
            pids += ip("netns", "pids", ns, check=False).stdout.split()
    return pids


def down(layout: Layout | None = None) -> list[str]:
    layout = layout or Layout()
    removed = []
    try:
        env = Environment(layout)
        env.stop_daemon("schedules")
        env.stop_daemon("sts")
        env.stop_daemon("cloudwatch-logs")
        env.stop_daemon("kubelet")
        removed.append("the schedules, the local STS and CloudWatch Logs, the kubelet and every pod it ran")
    except Exception:  # noqa: BLE001 - no synthesized app: there may still be namespaces to remove
        pass
    for pid in leftover_processes():
        subprocess.run(["kill", "-9", pid], check=False)
        removed.append(f"process {pid}")
    removed += Network(layout).teardown()
    shutil.rmtree(layout.run, ignore_errors=True)
    shutil.rmtree(layout.data, ignore_errors=True)
    for kubeconfig in layout.root.glob("*.kubeconfig"):
        kubeconfig.unlink()
    return removed


def main() -> None:
    removed = down()
    print(f"local control plane down: {len(removed)} items removed" if removed else "nothing was running")
