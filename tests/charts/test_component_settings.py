"""Each component's PodSettings reach its own pods, container command and Deployment, and nothing else.

The config side (what is refused, with which message) is in tests/test_config_rules.py; here the same settings, laid
over every component at once, must land on the right Kubernetes fields, and empty settings must change nothing.
"""

from __future__ import annotations

import pytest
from karmada_render import TUNED_PROPS, Rendered, args, flag, flags, only_container, pod_spec, render

from charts.karmada import ComponentSettings, KarmadaControlPlaneProps, PodSettings, Resources, Toleration, names

# Component (ComponentSettings field) -> (workload name, container name).
WORKLOADS = {
    "etcd": (names.ETCD_STATEFULSET, "etcd"),
    "apiserver": (names.APISERVER, "kube-apiserver"),
    "aggregated_apiserver": (names.AGGREGATED_APISERVER, names.AGGREGATED_APISERVER),
    "kube_controller_manager": (names.KUBE_CONTROLLER_MANAGER, "kube-controller-manager"),
    "controller_manager": (names.CONTROLLER_MANAGER, names.CONTROLLER_MANAGER),
    "scheduler": (names.SCHEDULER, names.SCHEDULER),
    "webhook": (names.WEBHOOK, names.WEBHOOK),
    "descheduler": (names.DESCHEDULER, names.DESCHEDULER),
    "search": (names.SEARCH, names.SEARCH),
    "metrics_adapter": (names.METRICS_ADAPTER, names.METRICS_ADAPTER),
    "scheduler_estimator": ("karmada-scheduler-estimator-member-a", "karmada-scheduler-estimator"),
}
OPTIONAL = {"descheduler": True, "search": True, "metrics_adapter": True, "scheduler_estimators": ["member-a"]}


def _settings(component: str) -> PodSettings:
    """Settings that name their component, so a setting that lands on another component shows."""
    tag = component.replace("_", "-")
    return PodSettings(
        replicas=None if component in ("etcd", "apiserver") else 3,
        node_selector={"example.com/pool": tag},
        tolerations=[Toleration(key="dedicated", value=tag, effect="NoSchedule"),
                     Toleration(operator="Exists", effect="NoExecute", toleration_seconds=60)],
        pod_labels={"example.com/component": tag},
        pod_annotations={"example.com/owner": tag},
        extra_args={"v": "5", f"example-{tag}": "on"},
    )


@pytest.fixture(scope="module")
def tuned_everywhere() -> Rendered:
    settings = ComponentSettings(**{c: _settings(c) for c in WORKLOADS})
    return render(KarmadaControlPlaneProps(settings=settings, **OPTIONAL))


@pytest.fixture(scope="module")
def untuned() -> Rendered:
    return render(KarmadaControlPlaneProps(**OPTIONAL))


@pytest.mark.parametrize("component", sorted(WORKLOADS))
def test_each_setting_reaches_its_own_component(component, tuned_everywhere: Rendered, untuned: Rendered):
    workload_name, container_name = WORKLOADS[component]
    tag = component.replace("_", "-")
    workload, before = tuned_everywhere.workload(workload_name), untuned.workload(workload_name)
    spec, template = pod_spec(workload), workload["spec"]["template"]
    assert spec["nodeSelector"] == {"example.com/pool": tag}
    assert spec["tolerations"] == [
        {"operator": "Equal", "key": "dedicated", "value": tag, "effect": "NoSchedule"},
        {"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60},
    ]
    # Added to the charts' own labels and annotations, which stay (the selector still selects the pods).
    assert template["metadata"]["labels"] == {**before["spec"]["template"]["metadata"]["labels"],
                                              "example.com/component": tag}
    assert template["metadata"]["annotations"] == {**before["spec"]["template"]["metadata"].get("annotations", {}),
                                                   "example.com/owner": tag}
    expected_replicas = before["spec"]["replicas"] if component in ("etcd", "apiserver") else 3
    assert workload["spec"]["replicas"] == expected_replicas
    (container,) = [c for c in spec["containers"] if c["name"] == container_name]
    (unchanged,) = [c for c in pod_spec(before)["containers"] if c["name"] == container_name]
    command, old = args(container), args(unchanged)
    # An extra flag is appended; one the chart sets (etcd's log level aside, --v) is replaced where it stood.
    assert command[-1] == f"--example-{tag}=on"
    if "--v=2" in old:
        assert command[:-1] == [("--v=5" if a == "--v=2" else a) for a in old]
    else:
        assert command[:-2] == old and command[-2] == "--v=5"
    # Everything but the pod template's placement, metadata and command is the charts' own.
    assert {k: v for k, v in workload["spec"].items() if k not in ("template", "replicas")} == {
        k: v for k, v in before["spec"].items() if k not in ("template", "replicas")}


def test_empty_settings_render_the_same_objects(untuned: Rendered):
    settings = ComponentSettings(**{c: PodSettings() for c in WORKLOADS})
    assert render(KarmadaControlPlaneProps(settings=settings, **OPTIONAL)).charts == untuned.charts


def test_feature_gates_merge_after_the_charts_own():
    props = KarmadaControlPlaneProps(settings=ComponentSettings(
        controller_manager=PodSettings(feature_gates={"PropagationPolicyPreemption": True, "GracefulEviction": True}),
        scheduler=PodSettings(feature_gates={"PriorityBasedScheduling": True, "ContextualLogging": False}),
    ))
    rendered = render(props)
    assert flag(only_container(rendered, names.CONTROLLER_MANAGER), "--feature-gates") == (
        "Failover=true,GracefulEviction=true,PropagationPolicyPreemption=true")
    assert flag(only_container(rendered, names.SCHEDULER), "--feature-gates") == (
        "PriorityBasedScheduling=true,ContextualLogging=false")
    assert "--feature-gates" not in flags(only_container(rendered, names.WEBHOOK))


def test_etcd_tuning_reaches_etcd_flags_only_when_set():
    tuned = KarmadaControlPlaneProps(
        etcd_quota_backend_bytes=6 * 1024**3, etcd_auto_compaction_mode="revision",
        etcd_auto_compaction_retention="10000", etcd_snapshot_count=5000, etcd_heartbeat_interval_ms=250,
        etcd_election_timeout_ms=2500,
    )
    etcd = flags(pod_spec(render(tuned).workload(names.ETCD_STATEFULSET))["containers"][0])
    assert {k: etcd[k] for k in ("--quota-backend-bytes", "--auto-compaction-mode", "--auto-compaction-retention",
                                 "--snapshot-count", "--heartbeat-interval", "--election-timeout")} == {
        "--quota-backend-bytes": str(6 * 1024**3), "--auto-compaction-mode": "revision",
        "--auto-compaction-retention": "10000", "--snapshot-count": "5000", "--heartbeat-interval": "250",
        "--election-timeout": "2500"}
    default = flags(pod_spec(render(KarmadaControlPlaneProps()).workload(names.ETCD_STATEFULSET))["containers"][0])
    unset = {"--auto-compaction-mode", "--snapshot-count", "--heartbeat-interval", "--election-timeout"}
    assert not unset & set(default)


def test_the_documented_example_reaches_the_pods():
    """docs/operations.md's example, through the config and chart_props, as the stack renders it."""
    rendered = render(TUNED_PROPS)
    etcd = rendered.workload(names.ETCD_STATEFULSET)
    etcd_container = pod_spec(etcd)["containers"][0]
    assert etcd_container["resources"] == {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"memory": "6Gi"}}
    assert pod_spec(etcd)["nodeSelector"] == {"karmada.io/role": "control-plane"}
    assert flag(etcd_container, "--quota-backend-bytes") == str(6 * 1024**3)
    assert (flag(etcd_container, "--auto-compaction-mode"), flag(etcd_container, "--auto-compaction-retention")) == (
        "periodic", "1h")
    apiserver = only_container(rendered, names.APISERVER)
    assert (flag(apiserver, "--max-requests-inflight"), flag(apiserver, "--v")) == ("3000", "3")
    # The other components keep the member-count sizing.
    assert only_container(rendered, names.APISERVER)["resources"]["requests"] == {"cpu": "500m", "memory": "1Gi"}
    assert rendered.workload(names.CONTROLLER_MANAGER)["spec"]["replicas"] == 3
    assert rendered.workload(names.SCHEDULER)["spec"]["replicas"] == 2
    for member in ("member-use1", "member-usw2"):
        estimator = pod_spec(rendered.workload(f"karmada-scheduler-estimator-{member}"))
        assert estimator["tolerations"] == [{"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}]


@pytest.mark.parametrize("kwargs", [
    {"replicas": 1},
    {"node_selector": {"bad key": "x"}},
    {"node_selector": {"k": "bad value"}},
    {"pod_labels": {"app.kubernetes.io/name": "x"}},
    {"pod_annotations": {"checksum/config": "x"}},
    {"feature_gates": {"lowercase": True}},
    {"extra_args": {"--v": "4"}},
    {"extra_args": {"feature-gates": "A=true"}},
])
def test_invalid_pod_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        PodSettings(**kwargs)


@pytest.mark.parametrize("kwargs", [
    {"operator": "In", "key": "k"},
    {"operator": "Exists", "key": "k", "value": "v"},
    {"value": "v"},
    {"key": "bad key", "value": "v"},
    {"key": "k", "value": "v", "effect": "Never"},
    {"key": "k", "value": "v", "effect": "NoSchedule", "toleration_seconds": 5},
])
def test_invalid_tolerations_are_refused(kwargs):
    with pytest.raises(ValueError):
        Toleration(**kwargs)


@pytest.mark.parametrize("kwargs", [
    {"etcd": PodSettings(replicas=3)},
    {"apiserver": PodSettings(replicas=3)},
])
def test_etcd_and_apiserver_replicas_have_their_own_props(kwargs):
    with pytest.raises(ValueError, match="etcd_replicas and apiserver_replicas"):
        ComponentSettings(**kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({"memory_request": "2Gi", "memory_limit": "1Gi"}, "memory request 2Gi is above its limit 1Gi"),
    ({"cpu_request": "1500m", "cpu_limit": "1"}, "cpu request 1500m is above its limit 1"),
])
def test_requests_above_limits_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Resources(**kwargs)
    assert Resources(cpu_request="1", cpu_limit="1000m", memory_request="1Gi", memory_limit="1024Mi")


@pytest.mark.parametrize("kwargs", [
    {"etcd_auto_compaction_mode": "periodic"},
    {"etcd_auto_compaction_retention": "1h"},
    {"etcd_auto_compaction_mode": "daily", "etcd_auto_compaction_retention": "1"},
    {"etcd_heartbeat_interval_ms": 300},
    {"etcd_heartbeat_interval_ms": 100, "etcd_election_timeout_ms": 499},
])
def test_inconsistent_etcd_tuning_is_refused(kwargs):
    with pytest.raises(ValueError, match="etcd_"):
        KarmadaControlPlaneProps(**kwargs)
