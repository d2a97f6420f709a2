"""local_control_plane.up: the parent's objects at once, the pods, then the PKI they wait for (issue 18)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from local_control_plane import up

WAITING = {"phase": "Pending", "message": "waiting for volume: secret karmada-system/karmada-etcd-server: 404"}
PENDING = {"phase": "Pending"}  # the kubelet has said nothing about this spec yet
RUNNING = {"phase": "Running", "message": ""}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_waits_until_every_pod_has_reported_then_names_those_waiting_for_volumes():
    clock = Clock()
    reports = {"etcd-0": [PENDING, WAITING], "apiserver": [PENDING, PENDING, WAITING], "proxy": [RUNNING]}

    def status(pod_id: str) -> dict:
        seen = reports[pod_id]
        return seen.pop(0) if len(seen) > 1 else seen[0]

    waiting = up.pods_waiting_for_volumes(status, list(reports), sleep=clock.sleep, clock=clock)
    assert waiting == ["apiserver", "etcd-0"]
    assert clock.now == 1.0  # two half-second polls


def test_gives_up_after_the_timeout_and_a_rerun_finds_them_running():
    clock = Clock()
    assert up.pods_waiting_for_volumes(lambda _: PENDING, ["a"], timeout=3, sleep=clock.sleep, clock=clock) == []
    assert 3 <= clock.now <= 3.5
    assert up.pods_waiting_for_volumes(lambda _: RUNNING, ["a", "b"], sleep=clock.sleep, clock=clock) == []


class FakeEnv:
    """What BringUp.control_plane asks of the environment, recording what it does in `events`."""

    def __init__(self, events: list[str], tmp_path: Path) -> None:
        self.events = events
        self.layout = SimpleNamespace(run=tmp_path)
        self.network = SimpleNamespace(ensure_namespace=lambda *args: None)
        self.pods = [SimpleNamespace(id=f"parent.karmada-system.{n}") for n in ("etcd-0", "karmada-apiserver")]

    def access(self, name):
        return SimpleNamespace(client=lambda: "client")

    def objects(self, target):
        return [{"kind": "Namespace"}, {"kind": "Certificate"}, {"kind": "Deployment"}]

    def rendered_pods(self, target, cluster):
        return self.pods, {}

    def services(self, *args):
        return []

    def service_hosts(self, services):
        return [], []

    def service_proxy_pod(self, table_path):
        return SimpleNamespace(id="harness.service-proxy")

    def run_pod(self, pod):
        self.events.append(f"run {pod.id}")

    def status(self, pod_id):
        self.events.append(f"status {pod_id}")
        return WAITING if "proxy" not in pod_id else RUNNING


def test_the_control_plane_pods_start_before_the_pki_they_wait_for(monkeypatch, tmp_path):
    events: list[str] = []
    monkeypatch.setattr(up, "apply_manifest", lambda client, objects: events.append("apply all") or len(objects))
    monkeypatch.setattr(up, "issue_pki", lambda client, objects: events.append("issue pki") or ["s1", "s2"])
    monkeypatch.setattr(up, "write_table", lambda *args: None)
    monkeypatch.setattr(up, "with_hosts", lambda pod, hosts: pod)
    monkeypatch.setattr(up, "EndpointSliceSync", lambda *args: SimpleNamespace(start=lambda: events.append("slices")))
    monkeypatch.setattr(up, "log", events.append)
    bring_up = object.__new__(up.BringUp)
    bring_up.env = FakeEnv(events, tmp_path)  # pyright: ignore[reportAttributeAccessIssue]

    bring_up.control_plane()

    steps = [e for e in events if not e.startswith("status")]
    assert steps[:2] == ["apply all", "parent manifests applied at once (3 objects)"]
    pki = steps.index("issue pki")
    runs = [i for i, e in enumerate(steps) if e.startswith("run parent.")]
    assert len(runs) == 2 and max(runs) < pki
    # The PKI is issued only after both pods reported that they wait for it.
    assert [e for e in events[:events.index("issue pki")] if e.startswith("status")] == [
        "status parent.karmada-system.etcd-0", "status parent.karmada-system.karmada-apiserver"]
    assert "as cert-manager would, after the pods (2 of 2 were waiting for them)" in steps[pki + 1]
