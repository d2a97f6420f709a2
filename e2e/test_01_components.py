"""Scenario 1: every rendered component runs Ready, and every rendered probe answers."""

from __future__ import annotations

import json
import re

from local_control_plane.kubelet import probe_once
from local_control_plane.podspec import PodSpec


def _pods(env) -> list[PodSpec]:
    return [PodSpec.read(path) for path in sorted(env.layout.pods.glob("*.json"))]


def test_every_rendered_workload_runs_ready(env):
    rendered, _ = env.rendered_pods("parent", "parent")
    names = {pod.id for pod in rendered}
    assert {"parent.karmada-system.etcd-0", "parent.karmada-system.etcd-1", "parent.karmada-system.etcd-2",
            "parent.karmada-system.karmada-apiserver-0", "parent.karmada-system.karmada-controller-manager-0",
            "parent.karmada-system.karmada-scheduler-0", "parent.karmada-system.karmada-webhook-0",
            "parent.karmada-system.karmada-aggregated-apiserver-0",
            "parent.karmada-system.karmada-kube-controller-manager-0"} <= names
    not_ready = {pod.id: env.status(pod.id) for pod in _pods(env) if not env.status(pod.id).get("ready")}
    assert not not_ready, f"pods not ready: {not_ready}"


def test_every_rendered_probe_answers(env):
    checked = []
    for pod in _pods(env):
        for container in pod.containers:
            for kind in ("startup", "liveness", "readiness"):
                probe = getattr(container, kind)
                if probe is None:
                    continue
                assert probe_once(probe, pod.address), (
                    f"{pod.id}/{container.name} {kind} probe {probe.scheme} :{probe.port}{probe.path} fails")
                checked.append(f"{pod.name}/{kind}")
    assert len(checked) >= 19, checked


def test_no_container_restarted_after_the_bootstrap(env):
    """Restart loops show a probe on a path the binary does not serve (found that way for the webhook)."""
    for pod in _pods(env):
        status = env.status(pod.id)
        for name, container in status.get("containers", {}).items():
            assert container["restarts"] <= 10, f"{pod.id}/{name} restarted {container['restarts']} times"
            assert container["ready"], f"{pod.id}/{name} not ready"


def test_karmada_api_serves_its_crds_and_aggregated_api(karmada):
    crds = {item["metadata"]["name"] for item in karmada.json("get", "crd")["items"]}
    assert {"propagationpolicies.policy.karmada.io", "resourcebindings.work.karmada.io", "works.work.karmada.io",
            "clustertaintpolicies.policy.karmada.io"} <= crds
    assert "clusters.cluster.karmada.io" not in crds  # Clusters are served by karmada-aggregated-apiserver
    service = karmada.get("apiservice", "v1alpha1.cluster.karmada.io")
    available = next(c for c in service["status"]["conditions"] if c["type"] == "Available")
    assert available["status"] == "True", available
    served = json.loads(karmada.run("get", "--raw", "/apis/cluster.karmada.io/v1alpha1").stdout)
    assert {"clusters", "clusters/proxy", "clusters/status"} <= {r["name"] for r in served["resources"]}


# What the pinned binaries print for a flag that still works but goes in a later release: etcd 3.6
# ("--snapshot-count is deprecated in 3.6 ..."), and pflag in Kubernetes and Karmada components
# ("Flag --x has been deprecated, ...").
DEPRECATED_FLAG = re.compile(r"(--[a-z0-9-]+ is deprecated in|Flag --[a-z0-9-]+ has been deprecated)")


def test_no_rendered_flag_is_deprecated_in_the_pinned_binaries(env):
    warnings = {}
    for pod in _pods(env):
        if not pod.id.startswith("parent."):
            continue
        for container in pod.containers:
            log = env.layout.logs / f"{pod.id}_{container.name}.log"
            text = log.read_text(errors="replace") if log.exists() else ""
            # The log outlives `make local-down`: read what the running process printed (after the
            # kubelet's last "--- hh:mm:ss starting <container>" line).
            current = text[text.rfind(f" starting {container.name}\n"):]
            found = sorted(set(DEPRECATED_FLAG.findall(current)))
            if found:
                warnings[f"{pod.id}/{container.name}"] = found
    assert not warnings, f"deprecated flags in the rendered commands: {warnings}"
