"""What the benchmark watches: objects appearing in API servers (watch streams) and the components' processes.

`Watch` follows one collection of one API server (list, then watch from its resourceVersion; on a dropped
stream, list and watch again) and calls ``seen(name, object, time)`` for every object it learns about, with
the monotonic time it learned it. `ProcessSampler` samples the CPU time and resident memory of the control
plane's processes, found through the local kubelet's pod status files. `SchedulerCounters` reads
karmada-scheduler's own metrics: how many scheduling attempts a step took and how long its one worker was busy.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import urllib3

from functions.kube.client import build_ssl_context
from local_control_plane.access import ClusterAccess

Seen = Callable[[str, dict[str, Any], float], None]
Deleted = Callable[[str, float], None]


class Watch(threading.Thread):
    """One collection's objects as they come, until `stop()`."""

    def __init__(self, access: ClusterAccess, path: str, seen: Seen, deleted: Deleted | None = None) -> None:
        super().__init__(name=f"watch {access.name}{path}", daemon=True)
        self.path = path
        self.seen = seen
        self.deleted = deleted
        self.stopping = threading.Event()
        self.synced = threading.Event()
        extra: dict[str, Any] = {}
        if access.server_name:
            extra = {"server_hostname": access.server_name, "assert_hostname": access.server_name}
        self.pool = urllib3.HTTPSConnectionPool(
            access.host, access.port, ssl_context=build_ssl_context(access.ca_pem, access.cert_pem, access.key_pem),
            cert_reqs="CERT_REQUIRED", retries=False, timeout=urllib3.Timeout(connect=5, read=60), maxsize=1, **extra)
        self.errors = 0

    def stop(self) -> None:
        self.stopping.set()

    def _get(self, query: dict[str, str], stream: bool) -> Any:
        url = f"{self.path}?{urllib.parse.urlencode(query)}"
        return self.pool.urlopen("GET", url, headers={"Accept": "application/json"}, preload_content=not stream,
                                 retries=False)

    def _list(self) -> str:
        response = self._get({"limit": "0"}, stream=False)
        if response.status != 200:
            raise ConnectionError(f"list {self.path}: HTTP {response.status}")
        body = json.loads(response.data)
        now = time.monotonic()
        for item in body.get("items", []):
            self.seen(item["metadata"]["name"], item, now)
        return body["metadata"]["resourceVersion"]

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                version = self._list()
                self.synced.set()
                response = self._get({"watch": "1", "resourceVersion": version, "timeoutSeconds": "50",
                                      "allowWatchBookmarks": "true"}, stream=True)
                buffer = b""
                for chunk in response.stream(65536):
                    if self.stopping.is_set():
                        break
                    buffer += chunk
                    *lines, buffer = buffer.split(b"\n")
                    now = time.monotonic()
                    for line in lines:
                        if line.strip():
                            self._event(json.loads(line), now)
                response.release_conn()
            except (urllib3.exceptions.HTTPError, OSError, ValueError, ConnectionError):
                self.errors += 1
                self.stopping.wait(1)

    def _event(self, event: dict[str, Any], now: float) -> None:
        kind, item = event.get("type"), event.get("object", {})
        if kind in ("ADDED", "MODIFIED"):
            self.seen(item["metadata"]["name"], item, now)
        elif kind == "DELETED" and self.deleted is not None:
            self.deleted(item["metadata"]["name"], now)


@dataclass
class ProcessUsage:
    """CPU seconds used and the largest resident memory seen, per component, over one sampling window."""

    cpu_seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_mib: dict[str, float] = field(default_factory=dict)


_TICKS = 100  # USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class ProcessSampler(threading.Thread):
    """Samples the named pods' processes every `interval` seconds between `start()` and `stop()`."""

    def __init__(self, status_dir: Path, components: dict[str, str], interval: float = 0.5) -> None:
        """``components``: name to report -> pod id (the local kubelet's status file name without .json)."""
        super().__init__(name="process sampler", daemon=True)
        self.pids = {name: self._pid(status_dir / f"{pod}.json") for name, pod in components.items()}
        self.interval = interval
        self.stopping = threading.Event()
        self.usage = ProcessUsage()
        self._cpu_at_start = {name: _cpu_seconds(pid) for name, pid in self.pids.items()}

    @staticmethod
    def _pid(path: Path) -> int:
        containers = json.loads(path.read_text())["containers"]
        pid = next(iter(containers.values()))["pid"]
        if not pid:
            raise RuntimeError(f"{path.stem} has no running process")
        return pid

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        for name, pid in self.pids.items():
            rss = _rss_mib(pid)
            self.usage.peak_rss_mib[name] = max(self.usage.peak_rss_mib.get(name, 0.0), rss)

    def stop(self) -> ProcessUsage:
        self.stopping.set()
        self.join()
        self._sample()
        self.usage.cpu_seconds = {n: round(_cpu_seconds(p) - self._cpu_at_start[n], 2) for n, p in self.pids.items()}
        self.usage.peak_rss_mib = {n: round(v, 1) for n, v in self.usage.peak_rss_mib.items()}
        return self.usage


def prometheus_totals(text: str, names: tuple[str, ...]) -> dict[str, float]:
    """The named series of a Prometheus text exposition, each summed over its labels (absent: 0)."""
    totals = dict.fromkeys(names, 0.0)
    for line in text.splitlines():
        name = line.split("{", 1)[0].split(" ", 1)[0]
        if name in totals:
            totals[name] += float(line.rsplit(" ", 1)[1])
    return totals


@dataclass(frozen=True)
class SchedulerLoad:
    """karmada-scheduler over one step: attempts, the seconds its worker spent on them, and the bindings it saw."""

    attempts: int
    busy_seconds: float
    bindings_added: int  # BindingAdd events: new ResourceBindings
    bindings_updated: int  # BindingUpdate events with a new generation: each is scheduled again


_ATTEMPTS = "karmada_scheduler_schedule_attempts_total"
_BUSY = "karmada_scheduler_e2e_scheduling_duration_seconds_sum"
_INCOMING = "karmada_scheduler_queue_incoming_bindings_total"


class SchedulerCounters:
    """karmada-scheduler's counters at its metrics address, read before and after a step.

    Karmada v1.18.2's scheduler runs one worker (pkg/scheduler/scheduler.go, `Run`: a single `s.worker`), and no
    flag adds more, so its busy seconds over a step's seconds say whether that worker was the bound.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._start = self._read()

    def _read(self) -> tuple[dict[str, float], dict[str, float]]:
        with urllib.request.urlopen(self.url, timeout=10) as response:  # noqa: S310 - a pod address on the bridge
            text = response.read().decode()
        incoming: dict[str, float] = {}
        for line in text.splitlines():
            if line.startswith(_INCOMING + "{") and 'event="' in line:
                event = line.split('event="', 1)[1].split('"', 1)[0]
                incoming[event] = incoming.get(event, 0.0) + float(line.rsplit(" ", 1)[1])
        return prometheus_totals(text, (_ATTEMPTS, _BUSY)), incoming

    def since_start(self) -> SchedulerLoad:
        (totals, incoming), (totals0, incoming0) = self._read(), self._start
        return SchedulerLoad(
            attempts=round(totals[_ATTEMPTS] - totals0[_ATTEMPTS]),
            busy_seconds=round(totals[_BUSY] - totals0[_BUSY], 2),
            bindings_added=round(incoming.get("BindingAdd", 0) - incoming0.get("BindingAdd", 0)),
            bindings_updated=round(incoming.get("BindingUpdate", 0) - incoming0.get("BindingUpdate", 0)))
