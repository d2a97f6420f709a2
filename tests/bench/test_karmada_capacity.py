"""`make bench-karmada`'s parts that run without a control plane: chart defaults, plan, configs, report."""

from __future__ import annotations

import json

import pytest

from bench.karmada import configs, report, series, workloads
from bench.karmada.chart_defaults import ChartDefaultsError, FlagDefault, chart_defaults
from bench.karmada.run import parse_plan
from charts.karmada.controller_manager import controller_manager_command
from charts.karmada.props import ComponentSettings, KarmadaControlPlaneProps, PodSettings, ThroughputFlags
from charts.karmada.sizing import PROFILES, sizing_profile_for_members
from eks_karmada.chart_props import control_plane_props
from eks_karmada.config import AppConfig

TEMPLATE = """\
          command:
            - /bin/karmada-controller-manager
            - --cluster-status-update-frequency=10s
            - --v={{ .Values.controllerManager.logVerbosity }}
"""
OPTIONS = """\
func (o *Options) AddFlags(flags *pflag.FlagSet) {
	flags.Float32Var(&o.KubeAPIQPS, "kube-api-qps", 40.0, "QPS to use while talking with karmada-apiserver.")
	flags.IntVar(&o.KubeAPIBurst, "kube-api-burst", 60, "Burst to use while talking with karmada-apiserver.")
	flags.DurationVar(&o.ClusterStatusUpdateFrequency.Duration, "cluster-status-update-frequency", 60*time.Second, "")
}
"""


@pytest.fixture
def module(tmp_path):
    (tmp_path / "charts/karmada/templates").mkdir(parents=True)
    (tmp_path / "charts/karmada/templates/karmada-controller-manager.yaml").write_text(TEMPLATE)
    (tmp_path / "cmd/controller-manager/app/options").mkdir(parents=True)
    (tmp_path / "cmd/controller-manager/app/options/options.go").write_text(OPTIONS)
    (tmp_path / "cmd/controller-manager/app/options/options_test.go").write_text(
        'flags.IntVar(&o.X, "kube-api-burst", 999, "")')
    (tmp_path / "pkg/sharedcli/ratelimiterflag").mkdir(parents=True)
    return tmp_path


def test_chart_defaults_prefer_the_template_then_the_binary(module):
    found = chart_defaults(module, {"controller_manager": [
        "kube-api-qps", "kube-api-burst", "cluster-status-update-frequency"]})["controller_manager"]
    assert found["kube-api-qps"] == FlagDefault("40", "cmd/controller-manager/app/options/options.go")
    assert found["kube-api-burst"].value == "60"  # not the _test.go file's
    # The chart writes this one: its value wins over the binary's 60s.
    assert found["cluster-status-update-frequency"] == FlagDefault(
        "10s", "charts/karmada/templates/karmada-controller-manager.yaml")


def test_chart_defaults_refuse_a_flag_the_release_does_not_have(module):
    with pytest.raises(ChartDefaultsError, match="--concurrent-work-syncs: neither"):
        chart_defaults(module, {"controller_manager": ["concurrent-work-syncs"]})


def test_every_tuned_flag_exists_in_the_pinned_release():
    from local_control_plane import binaries

    try:
        module = binaries.module_source("karmada", "github.com/karmada-io/karmada")
    except binaries.BuildError:
        pytest.skip("the pinned Karmada module is not in the Go module cache (make local fetches it)")
    for profile in PROFILES:
        flags = {c: list(flags) for c, flags in configs.tuned_flags(profile.max_members or 1000).items()}
        found = chart_defaults(module, flags)
        assert found["controller_manager"]["kube-api-qps"].value == "40"
        assert found["scheduler"]["kube-api-burst"].value == "60"
        # A Go duration, written as the command line takes it.
        assert found["controller_manager"]["rate-limiter-base-delay"] == FlagDefault(
            "5ms", "pkg/sharedcli/ratelimiterflag/ratelimiterflag.go")


def test_a_profile_with_its_failover_and_cleanup_stays_within_its_share():
    from bench.karmada.run import CLEANUP_SECONDS, CONFIGURE_SECONDS, FAILOVER_FLOOR_SECONDS, steps_budget

    share, cap = 650.0, 81.0
    # Before the largest member count the failover gets what the steps left, or its floor: the floor is kept out.
    steps = steps_budget(share, cap, one_count=False, timed=True)
    assert CONFIGURE_SECONDS + steps + 3 * FAILOVER_FLOOR_SECONDS + CLEANUP_SECONDS == share
    # After the steps of one member count it gets its whole cap; an untimed profile gives nothing to it.
    assert steps_budget(share, cap, one_count=True, timed=True) == share - CONFIGURE_SECONDS - 3 * cap - CLEANUP_SECONDS
    assert steps_budget(share, cap, one_count=True, timed=False) == share - CONFIGURE_SECONDS - CLEANUP_SECONDS
    assert steps_budget(100.0, cap, one_count=False, timed=True) == 60.0  # a minute at least


def test_plan_parsing_and_its_errors():
    assert parse_plan("2:100,5:100,2:1000", 10) == [(2, 100), (5, 100), (2, 1000)]
    for bad, message in (("2-100", "is not M:W"), ("11:100", "is not M:W"), ("2:1000,2:100", "must grow")):
        with pytest.raises(SystemExit, match=message):
            parse_plan(bad, 10)


def test_profiles_raise_client_limits_with_the_fleet():
    small, medium, large = PROFILES
    for name, chart_default in (("kube-api-qps", 40), ("concurrent-work-syncs", 5)):
        values = [int(p.throughput.controller_manager[name]) for p in PROFILES]
        assert values == sorted(values) and values[0] > chart_default
    assert sizing_profile_for_members(10) is small and sizing_profile_for_members(11) is medium
    assert int(large.throughput.scheduler["kube-api-burst"]) == int(large.throughput.scheduler["kube-api-qps"]) * 3 // 2


def test_the_controller_manager_renders_the_profile_and_extra_args_override_it():
    props = control_plane_props(AppConfig(), "nlb.example")
    command = controller_manager_command(props)
    assert f"--kube-api-qps={PROFILES[0].throughput.controller_manager['kube-api-qps']}" in command
    override = props.model_copy(update={"settings": ComponentSettings(
        controller_manager=PodSettings(extra_args={"kube-api-qps": "40"}))})
    from charts.karmada.controller_manager import controller_manager_manifests
    deployment = next(m for m in controller_manager_manifests(override) if m["kind"] == "Deployment")
    rendered = deployment["spec"]["template"]["spec"]["containers"][0]["command"]
    assert rendered.count("--kube-api-qps=40") == 1 and not any(a.startswith("--kube-api-qps=2") for a in rendered)
    assert KarmadaControlPlaneProps().throughput == ThroughputFlags()  # the charts alone: the binaries' defaults


def test_bench_configs_are_valid_configs_that_differ_only_in_the_flags():
    defaults = {"controller_manager": {"kube-api-qps": FlagDefault("40", "x")}}
    ours, chart = configs.bench_config(10, None), configs.bench_config(10, defaults)
    for config in (ours, chart):
        loaded = AppConfig.model_validate(config)
        assert [m.sync_mode.value for m in loaded.members] == ["Push"] * 10
        assert not loaded.sample_workload.enabled
    ours_settings = ours["karmada"].pop("component_settings", {})
    chart_settings = chart["karmada"].pop("component_settings")
    assert chart == ours
    # The chart's flags come on top of what config/local.yaml sets (its feature gates stay in both profiles).
    expected = {**ours_settings, "controller_manager": {**ours_settings.get("controller_manager", {}),
                                                        "extra_args": {"kube-api-qps": "40"}}}
    assert chart_settings == expected
    assert chart_settings["controller_manager"].get("feature_gates") == ours_settings.get(
        "controller_manager", {}).get("feature_gates")


def test_workloads_and_the_status_rule():
    objects = workloads.workload("s", 7)
    assert [o["kind"] for o in objects] == ["ConfigMap", "Deployment", "Service"]
    assert all(o["metadata"]["labels"][workloads.LABEL] == "s" for o in objects)
    policy = workloads.propagation_policy("s", ["a", "b"])
    assert policy["spec"]["placement"]["clusterAffinity"]["clusterNames"] == ["a", "b"]
    entry = {"applied": True, "status": {"observedGeneration": 1}}
    assert workloads.status_collected({"status": {"aggregatedStatus": [entry, entry]}}, 2)
    assert not workloads.status_collected({"status": {"aggregatedStatus": [entry]}}, 2)
    assert not workloads.status_collected({"status": {"aggregatedStatus": [entry, {"applied": True}]}}, 2)


def test_percentiles():
    assert series.percentiles([]) == {"p50": None, "p95": None, "p99": None}
    values = [float(i) for i in range(1, 101)]
    assert series.percentiles(values) == {"p50": 50.5, "p95": 95.05, "p99": 99.01}


def _step(m: int, w: int, *, throughput: float, p99: float, done: int | None = None) -> dict:
    return {"members": m, "total": w, "workloads": w, "done": w if done is None else done, "seconds": 100.0,
            "throughput": throughput, "propagated": {"p50": p99 / 2, "p95": p99, "p99": p99},
            "status": {"p50": 1.0, "p95": 1.0, "p99": p99 + 1}, "cpu_seconds": {}, "peak_rss_mib": {},
            "etcd_db_growth_mib": 3.0}


def test_report_puts_the_profiles_side_by_side_as_ratios():
    result = {
        "plan": [[2, 100], [2, 1000]], "members": 2, "bench_seconds": 60, "bring_up_seconds": 170,
        "machine": {"cpus": 2, "cpu_model": "x", "memory_gib": 24},
        "flags": {"controller_manager": {"kube-api-qps": {"ours": "200", "chart": "40", "chart_source": "o.go"},
                                         "rate-limiter-base-delay": {"ours": "5s", "chart": "5ms",
                                                                     "chart_source": "r"}}},
        "profiles": [
            {"profile": "ours", "steps": [_step(2, 100, throughput=20, p99=2), _step(2, 1000, throughput=10, p99=5)],
             "failover": {"member": "bench-01", "bindings": 3, "rescheduled_seconds": 1.0, "removed_seconds": 2.0,
                          "restored_seconds": 3.0, "deadline_seconds": 99, "settled_seconds": 4.5, "members": 5},
             "configure_seconds": 1, "cleanup_seconds": 2},
            {"profile": "chart", "steps": [_step(2, 100, throughput=5, p99=8),
                                           _step(2, 1000, throughput=2, p99=50, done=700)],
             "failover": {"member": "bench-01", "bindings": 300, "rescheduled_seconds": None, "removed_seconds": None,
                          "restored_seconds": None, "deadline_seconds": 99, "settled_seconds": None, "members": 5,
                          "left": 102},
             "configure_seconds": 1,
             "cleanup_seconds": None},
        ],
    }
    first, second = report.rows(result)
    assert first[3:6] == ["20", "5", "4.0x"] and first[9] == "4.0x"
    assert second[8] == ">100 (700/1000 done)" and second[9] == "-"  # no ratio against an unfinished step
    text = "\n".join(report.section(result))
    assert "| controller_manager | --kube-api-qps | 200 | 40 | o.go |" in text
    assert "--rate-limiter-base-delay (ours 5s, the chart's 5ms) and the rate limiter's bucket" in text
    assert "bench-karmada.svg" in text
    assert "- ours (5 members, settled 4.5 s after the steps): 3 bindings off bench-01: rescheduled in 1 s, the " \
           "member emptied in 2 s, back after the taint went in 3 s." in text
    # An unfinished reschedule still gives a rate: 198 moved in the 99 s window.
    assert "- chart (5 members, never settled within 99 s, so the times include the steps' backlog): 300 bindings " \
           "off bench-01: rescheduled (not within 99 s) (198 of 300 moved, 2.0 bindings/s), the member emptied " \
           "(not within 99 s)" in text
    console = report.console(result)
    assert "chart: failover of bench-01 (5 members, never settled within 99 s, so the times include the steps' " \
           "backlog), 300 bindings: rescheduled - (198 of 300 moved, 2.0 bindings/s)" in console
    assert "workloads removed in -" in console and "bring-up 170 s; whole run: 1.0 min" in console
    svg = report.plot_svg(result)
    assert svg.startswith("<svg") and "ours M=2 p99" in svg and "chart M=2 p99" in svg  # chart's 100 point is done


def test_the_capacity_section_replaces_itself_or_goes_before_the_budget_section():
    section = ["## Control-plane capacity (`make bench-karmada`)", "", "new table", ""]
    before = "# Perf\n\n## Creation-time estimates\n\nx\n\n## Budget and noise\n\ny\n"
    once = report.splice(before, section)
    assert once == ("# Perf\n\n## Creation-time estimates\n\nx\n\n## Control-plane capacity (`make bench-karmada`)\n\n"
                    "new table\n\n## Budget and noise\n\ny\n")
    again = report.splice(once, [section[0], "", "newer", ""])
    assert "new table" not in again and again.count("## Control-plane capacity") == 1
    assert again.index("newer") < again.index("## Budget and noise")


METRICS = """\
# HELP karmada_scheduler_schedule_attempts_total Number of attempts
# TYPE karmada_scheduler_schedule_attempts_total counter
karmada_scheduler_schedule_attempts_total{result="scheduled",schedule_type="ReconcileSchedule"} 598
karmada_scheduler_schedule_attempts_total{result="error",schedule_type="ReconcileSchedule"} 2
karmada_scheduler_e2e_scheduling_duration_seconds_sum{result="scheduled",schedule_type="ReconcileSchedule"} 71.5
karmada_scheduler_e2e_scheduling_duration_seconds_count{result="scheduled",schedule_type="ReconcileSchedule"} 598
karmada_scheduler_queue_incoming_bindings_total{event="BindingAdd"} 300
karmada_scheduler_queue_incoming_bindings_total{event="BindingUpdate"} 300
"""


def test_scheduler_counters_sum_over_labels_and_the_report_says_how_busy_its_worker_was(monkeypatch):
    from bench.karmada import observe

    totals = observe.prometheus_totals(METRICS, ("karmada_scheduler_schedule_attempts_total",
                                                 "karmada_scheduler_e2e_scheduling_duration_seconds_sum", "absent"))
    assert totals == {"karmada_scheduler_schedule_attempts_total": 600.0,
                      "karmada_scheduler_e2e_scheduling_duration_seconds_sum": 71.5, "absent": 0.0}
    pages = iter(["", METRICS])

    class Page:
        def __init__(self, text: str) -> None:
            self.text = text

        def __enter__(self):
            return self

        def __exit__(self, *_):
            return False

        def read(self) -> bytes:
            return self.text.encode()

    monkeypatch.setattr(observe.urllib.request, "urlopen", lambda url, timeout: Page(next(pages)))
    load = observe.SchedulerCounters("http://10.0.0.1:8080/metrics").since_start()
    assert load == observe.SchedulerLoad(attempts=600, busy_seconds=71.5, bindings_added=300, bindings_updated=300)
    step = _step(2, 100, throughput=1.4, p99=50) | {"seconds": 71.5, "cpu_seconds": {"scheduler": 3.0},
                                                     "scheduler": vars(load)}
    result = {"machine": {"cpus": 2}, "profiles": [{"profile": "ours", "steps": [step]}]}
    line = next(x for x in report._where_the_time_went(result) if x.startswith("- ours"))
    assert ("scheduler: 600 attempts (300 new bindings, 300 scheduled again after a spec change), 119 ms each, "
            "its one worker busy 1.00 of the step") in line


def test_the_flag_groups_hold_every_tuned_flag_once_and_each_ablation_profile_sets_back_only_its_group():
    grouped = [member for members in configs.FLAG_GROUPS.values() for member in members]
    for profile in PROFILES:
        tuned = [(c, f) for c, flags in configs.tuned_flags(profile.max_members or 1000).items() for f in flags]
        assert sorted(grouped) == sorted(tuned), f"{profile.name}: a tuned flag outside FLAG_GROUPS, or gone"
    assert set(configs.FAILOVER_GROUPS) <= set(configs.FLAG_GROUPS)
    defaults = {c: {f: FlagDefault(f"chart-{f}", "x") for cc, f in grouped if cc == c}
                for c in ("controller_manager", "scheduler")}
    assert configs.profile_names(False) == ["ours", "chart"]
    names = configs.profile_names(True)
    assert names[0] == "ours" and names[-1] == configs.CONTROL and len(names) == 2 + len(configs.FLAG_GROUPS)
    assert configs.profile_names(True, ["workers"]) == ["ours", "without-workers", configs.CONTROL]
    assert configs.chart_flags_of("ours", defaults) == configs.chart_flags_of(configs.CONTROL, defaults) == {}
    assert configs.chart_flags_of("chart", defaults) == defaults
    workers = configs.chart_flags_of("without-workers", defaults)
    assert list(workers) == ["controller_manager"] and sorted(workers["controller_manager"]) == [
        "concurrent-resource-template-syncs", "concurrent-resourcebinding-syncs", "concurrent-work-syncs"]
    config = configs.bench_config(10, configs.chart_flags_of("without-scheduler-qps", defaults))
    assert config["karmada"]["component_settings"]["scheduler"]["extra_args"] == {
        "kube-api-qps": "chart-kube-api-qps", "kube-api-burst": "chart-kube-api-burst"}
    assert "extra_args" not in config["karmada"]["component_settings"].get("controller_manager", {})
    assert "component_settings" not in configs.bench_config(10, {})["karmada"] or not any(
        "extra_args" in v for v in configs.bench_config(10, {})["karmada"]["component_settings"].values())


def test_the_flag_by_flag_run_is_its_own_table_beside_ours(tmp_path, monkeypatch):
    fail = {"member": "bench-01", "bindings": 3, "rescheduled_seconds": 30.0, "removed_seconds": 35.0,
            "restored_seconds": 40.0}
    flags = {"ablation": True, "members": 2, "bench_seconds": 600, "plan": [[2, 100]], "profiles": [
        {"profile": "ours", "steps": [_step(2, 100, throughput=1.5, p99=40)], "failover": fail, **_timings()},
        {"profile": "without-karmada-qps", "steps": [_step(2, 100, throughput=0.7, p99=120)], "failover": None,
         **_timings()},
        {"profile": "without-eviction-rate", "steps": [_step(2, 100, throughput=1.4, p99=42)],
         "failover": fail | {"rescheduled_seconds": None}, **_timings()},
    ]}
    rows = report.flag_rows(flags)
    assert rows[0] == ["without-karmada-qps", "2", "100", "0.7", "1.5", "120", "40", "121", "41", "not timed", "30"]
    assert rows[1][-2:] == ["-", "30"]
    unfinished = fail | {"rescheduled_seconds": None, "deadline_seconds": 58, "bindings": 300, "left": 273}
    assert report.flag_rows({**flags, "profiles": [{**flags["profiles"][0], "failover": unfinished},
                                                  flags["profiles"][2]]})[0][-2:] == ["-", ">58 (27/300 moved)"]
    text = "\n".join(report.section({**_published_like(), "profiles": []}, [flags]))
    assert "### Each tuned flag group on its own" in text and "`karmada-qps` (--kube-api-qps, --kube-api-burst)" in text
    assert "`workers`" not in text  # only the groups the run set back
    assert "| without-karmada-qps | 2 | 100 | 0.7 | 1.5 |" in text
    monkeypatch.setattr(report, "PUBLISHED", tmp_path / "main.json")
    monkeypatch.setattr(report, "PUBLISHED_FLAGS", tmp_path / "flags.json")
    monkeypatch.setattr(report, "PLOT", tmp_path / "plot.svg")
    monkeypatch.setattr(report, "ROOT", tmp_path)
    report.publish(flags)
    assert (tmp_path / "flags.json").exists() and not (tmp_path / "main.json").exists()
    # A run of other groups is kept beside it; a newer run of a group it holds replaces it.
    delay = {**flags, "bench_seconds": 300, "profiles": [
        flags["profiles"][0], {**flags["profiles"][1], "profile": "without-retry-delay"}]}
    report.publish(delay)
    runs = json.loads((tmp_path / "flags.json").read_text())["runs"]
    assert [report.ablated_groups(r) for r in runs] == [{"karmada-qps", "eviction-rate"}, {"retry-delay"}]
    text = "\n".join(report.published_section())
    assert text.count("### Each tuned flag group on its own") == 0  # no main run published: no section at all
    text = "\n".join(report.section({**_published_like(), "profiles": []}, runs))
    assert text.count("### Each tuned flag group on its own") == 1 and "whole run 5.0 min" in text
    assert "| without-retry-delay |" in text and "| without-karmada-qps |" in text
    report.publish({**flags, "profiles": flags["profiles"][:2]})
    runs = json.loads((tmp_path / "flags.json").read_text())["runs"]
    assert [report.ablated_groups(r) for r in runs] == [{"retry-delay"}, {"karmada-qps"}]
    assert "no failover" in report.console(flags | {"bring_up_seconds": 1})


def _published_like() -> dict:
    return {"plan": [], "members": 2, "bench_seconds": 60, "machine": {"cpus": 2, "cpu_model": "x", "memory_gib": 24},
            "flags": {}}


def _timings() -> dict:
    return {"configure_seconds": 1, "cleanup_seconds": 2}
