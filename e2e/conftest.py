"""Fixtures for the scenarios on the running local control plane (`make e2e`, after `make local`).

Every scenario talks to the real API servers through the built kubectl and the kubeconfigs that
`make local` wrote, and drives drills through the harness (local_control_plane.environment).
"""

from __future__ import annotations

import importlib
import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# The backup drill's fixtures (test_07), registered here so the scenario only names them as arguments.
from e2e.backup_fixtures import drill_pods, etcd_client_tls, local_s3, scratch  # noqa: F401
from local_control_plane import binaries
from local_control_plane.environment import Environment
from local_control_plane.handlers import Deployer, LambdaContext

ROOT = Path(__file__).resolve().parent.parent
# What the drills measured, printed at the end of the run (`make e2e`) and kept in .local/e2e-measurements.json.
MEASUREMENTS: dict[str, str] = {}


def pytest_collection_modifyitems(items) -> None:
    """Run the teardown scenario (test_09) after every other one: it empties the Karmada API.

    test_10_drills and any later file sort after it by name.
    """
    items.sort(key=lambda item: item.path.name == "test_09_teardown.py")


def pytest_terminal_summary(terminalreporter) -> None:
    if MEASUREMENTS:
        terminalreporter.section("measured by the drills")
        for name, value in MEASUREMENTS.items():
            terminalreporter.write_line(f"{name}: {value}")
        (ROOT / ".local" / "e2e-measurements.json").write_text(json.dumps(MEASUREMENTS, indent=1))


class Kubectl:
    """The built kubectl against one of the local kubeconfigs."""

    def __init__(self, binary: Path, kubeconfig: Path) -> None:
        self.binary = binary
        self.kubeconfig = kubeconfig

    def run(self, *args: str, check: bool = True, stdin: str | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess:
        done = subprocess.run([str(self.binary), "--kubeconfig", str(self.kubeconfig), *args], input=stdin,
                              capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {done.stderr.strip()}")
        return done

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "-o", "json").stdout)

    def get(self, kind: str, name: str = "", namespace: str | None = None) -> Any:
        args = ["get", kind] + ([name] if name else [])
        if namespace:
            args += ["-n", namespace]
        done = self.run(*args, "-o", "json", check=False)
        if done.returncode != 0:
            if "NotFound" in done.stderr or "not found" in done.stderr:
                return None
            raise AssertionError(f"kubectl get {kind} {name}: {done.stderr.strip()}")
        return json.loads(done.stdout)

    def apply(self, manifest: str) -> str:
        return self.run("apply", "-f", "-", stdin=manifest).stdout


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 2.0) -> Any:
    """Poll until ``condition()`` returns something truthy; fail saying what did not happen."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = condition()
        except AssertionError as err:
            last = err
        if last and not isinstance(last, AssertionError):
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last})")


@pytest.fixture(scope="session")
def env() -> Environment:
    return Environment(binaries=binaries.ensure(lambda _message: None))


@pytest.fixture(scope="session")
def kubectl_binary(env: Environment) -> Path:
    return env.binaries["kubectl"]


@pytest.fixture(scope="session")
def karmada(env: Environment, kubectl_binary: Path) -> Kubectl:
    return Kubectl(kubectl_binary, env.kubeconfig_path("karmada"))


@pytest.fixture(scope="session")
def parent(env: Environment, kubectl_binary: Path) -> Kubectl:
    return Kubectl(kubectl_binary, env.kubeconfig_path("parent"))


@pytest.fixture(scope="session")
def members(env: Environment, kubectl_binary: Path) -> dict[str, Kubectl]:
    return {name: Kubectl(kubectl_binary, env.kubeconfig_path(name)) for name in env.member_names}


def invoke_schedule(env: Environment, stack: str, expression: str) -> dict:
    """Invoke the one schedule of ``stack`` as EventBridge Scheduler would: its handler, its Input, its role.

    The daily and hourly rates never come round during a run, so a scenario calls it; ``expression`` is the rate
    the synthesized schedule must have.
    """
    deployer = Deployer(env, print)
    (schedule,) = deployer.assembly.schedules(stack)
    assert schedule.expression == expression
    assert schedule.handler == "functions.member_registration.refresh.on_event"
    module = importlib.import_module(schedule.handler.rpartition(".")[0])
    return module.handle(dict(schedule.properties), LambdaContext(), deployer.runtime(module, schedule))


def cluster_ready(cluster: dict) -> str:
    """The status of a Karmada Cluster's Ready condition ("" when it has none)."""
    return next((c["status"] for c in cluster.get("status", {}).get("conditions", []) if c["type"] == "Ready"), "")


def all_fully_applied(karmada: Kubectl) -> bool:
    """Every ResourceBinding FullyApplied (an AssertionError names the first that is not)."""
    for binding in karmada.json("get", "resourcebindings", "-A")["items"]:
        conditions = {c["type"]: c for c in binding.get("status", {}).get("conditions", [])}
        applied = conditions.get("FullyApplied", {})
        assert applied.get("status") == "True", (
            f"ResourceBinding {binding['metadata']['namespace']}/{binding['metadata']['name']}: {applied}")
    return True


def restart_controller_manager(env: Environment, karmada: Kubectl) -> None:
    """Stop and start every karmada-controller-manager pod, as a rollout replaces them; wait until one leads.

    A stopped process does not hand its leader lease back: the new one runs its controllers once the lease has
    expired and it has taken it.
    """
    rendered, _ = env.rendered_pods("parent", "parent")
    managers = [p.id for p in rendered if p.name.startswith("karmada-controller-manager")]
    assert managers
    before = (karmada.get("lease", "karmada-controller-manager", "karmada-system") or {}).get("spec", {})
    for pod_id in managers:
        env.stop_pod(pod_id)
        wait_for(lambda pod_id=pod_id: env.status(pod_id).get("phase") == "Stopped", 60, f"{pod_id} to stop")
        env.start_pod(pod_id)
    env.wait_ready(managers, 180, lambda _message: None, "the restarted karmada-controller-manager")

    def new_leader() -> bool:
        lease = (karmada.get("lease", "karmada-controller-manager", "karmada-system") or {}).get("spec", {})
        return bool(lease.get("holderIdentity")) and (lease.get("holderIdentity"), lease.get("acquireTime")) != (
            before.get("holderIdentity"), before.get("acquireTime"))

    wait_for(new_leader, 120, "a restarted karmada-controller-manager to take the leader lease")


def sample_namespace(karmada: Kubectl) -> str:
    """The sample's own namespace, as the app applied it (config sample_workload.namespace)."""
    found = [p["metadata"]["namespace"] for p in karmada.json("get", "propagationpolicies", "-A")["items"]
             if p["metadata"]["name"] == "sample-nginx"]
    assert found, "no PropagationPolicy sample-nginx in the Karmada API: is sample_workload enabled?"
    return found[0]


def wait_settled(karmada: Kubectl, members: dict[str, Kubectl], timeout: float = 300) -> None:
    """Every member Ready and untainted, the sample scheduled, fully applied and ready where it was placed.

    Drills start from here, so that what they see is their own effect, not the tail of the last one.
    """
    namespace = sample_namespace(karmada)

    def settled() -> bool:
        # Each unsettled state raises, so that a timeout names what was still unsettled.
        for cluster in karmada.json("get", "clusters")["items"]:
            name = cluster["metadata"]["name"]
            assert cluster_ready(cluster) == "True", f"Cluster {name} not Ready"
            assert not cluster["spec"].get("taints"), f"Cluster {name} tainted: {cluster['spec']['taints']}"
        # Every binding of the sample (Deployment, Service, PodDisruptionBudget): a drill that starts while the last
        # one's Service or PDB is still coming back would see that as its own effect. The conditions alone lag (right
        # after the scheduler puts a Service back on a recovered member, FullyApplied is still the old one's), so the
        # placement is checked against the scheduler's generation and what was applied.
        bindings = karmada.json("get", "resourcebindings", "-n", namespace)["items"]
        for each in bindings:
            name, status = each["metadata"]["name"], each.get("status", {})
            conditions = {c["type"]: c["status"] for c in status.get("conditions", [])}
            assert conditions.get("Scheduled") == "True" and conditions.get("FullyApplied") == "True", (
                f"ResourceBinding {name} not scheduled and fully applied: {conditions}")
            assert status.get("schedulerObservedGeneration") == each["metadata"]["generation"], (
                f"ResourceBinding {name}: generation {each['metadata']['generation']} not scheduled yet")
            assert not each["spec"].get("gracefulEvictionTasks"), f"ResourceBinding {name} still evicting"
            placed = {c["name"] for c in each["spec"].get("clusters", [])}
            applied = {s["clusterName"] for s in status.get("aggregatedStatus", []) if s.get("applied")}
            assert placed <= applied, f"ResourceBinding {name} not applied yet in {sorted(placed - applied)}"
            # Without replicas (the Service, the PDB) it goes to every member the policy names: all of them here.
            assert each["spec"].get("replicas") or placed == set(members), (
                f"ResourceBinding {name} on {sorted(placed)} only, not back on every member")
        binding = next((b for b in bindings if b["metadata"]["name"] == "sample-nginx-deployment"), None)
        assert binding is not None, "no ResourceBinding sample-nginx-deployment"
        placed = {c["name"]: c.get("replicas", 0) for c in binding["spec"].get("clusters", [])}
        for name, member in members.items():
            deployment = member.get("deployment", "sample-nginx", namespace) or {}
            ready = deployment.get("status", {}).get("readyReplicas", 0)
            assert ready == placed.get(name, 0), f"{name}: {ready} sample replicas ready, {placed.get(name, 0)} placed"
        return True

    wait_for(settled, timeout, "members Ready and the sample settled where the scheduler placed it")
