"""Host processes the scenarios start themselves (moto servers, ExternalDNS): stopped the same way."""

from __future__ import annotations

import subprocess


def stop_process(process: subprocess.Popen, grace_seconds: float = 10) -> None:
    """SIGTERM, then SIGKILL if it is still running after ``grace_seconds``; returns once it is gone."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(grace_seconds)
