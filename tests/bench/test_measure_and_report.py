"""The measuring helper, the checks and the report on small inputs (no synth, no timing asserted)."""

from __future__ import annotations

import json
import sys

from bench import checks
from bench.critical_path import model_app
from bench.measure import measure_in_fresh_process
from bench.report import render, summary_lines
from bench.run import analyze
from bench.sizing import describe, workloads
from tests.bench.fixtures import NETWORK_AND_CLUSTER, template, write_assembly

CHILD = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'x = b\"y\" * (80 * 1024 * 1024)'], check=True)"


def test_measure_counts_a_grandchild(tmp_path):
    result = measure_in_fresh_process([sys.executable, "-c", CHILD], tmp_path / "m.json")
    assert result.returncode == 0
    # The 80 MiB grandchild is the largest process: getrusage(RUSAGE_CHILDREN) sees it exactly.
    assert result.largest_process_kib >= 80 * 1024
    assert result.cpu_seconds >= 0 and result.wall_seconds > 0
    assert json.loads((tmp_path / "m.json").read_text())["returncode"] == 0


def test_measure_reports_failure(tmp_path):
    result = measure_in_fresh_process([sys.executable, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(3)"],
                                      tmp_path / "m.json")
    assert result.returncode == 3 and "boom" in result.stderr_tail


def _stack(resources: int, size_pad: int = 0) -> dict:
    return {"resources": resources, "template_bytes": 1000 + size_pad, "outputs": 1, "parameters": 1,
            "region": "us-east-1",
            "types": {"AWS::EC2::VPC": 1}, "nat_gateways_by_az": {}}


def test_parent_growth_is_flagged_beyond_the_per_member_constant():
    flat = {1: {"stacks": {"KarmadaParent": _stack(100)}}, 100: {"stacks": {"KarmadaParent": _stack(199)}}}
    assert checks.parent_growth(flat).status == "ok"  # +1 resource per member
    steep = {1: {"stacks": {"KarmadaParent": _stack(100)}}, 100: {"stacks": {"KarmadaParent": _stack(400)}}}
    assert checks.parent_growth(steep).status == "FLAG"


def test_stack_limits_and_regional_quotas():
    stacks = {"Big": _stack(450, 900 * 1024), **{f"M{i}": _stack(50) for i in range(6)}}
    found = {c.name.split(" at ")[0]: c.status for c in checks.stack_limits(100, stacks)
             + checks.regional_quotas(100, stacks)}
    assert found["resources per stack"] == "FLAG" and found["template size"] == "FLAG"
    assert found["outputs per template"] == "ok"
    assert found["VPCs per Region"] == "FLAG"  # 7 VPCs in us-east-1, default quota 5
    assert found["EKS clusters per Region"] == "ok"
    assert found["VPC peering connections per VPC"] == "ok"


def test_the_parents_peering_connections_are_flagged_beyond_the_quota():
    def peered(count: int) -> str:
        stacks = {**{f"KarmadaControlPeering-m{i}": _stack(5) for i in range(count)},
                  **{f"KarmadaControlPeeringRoutes-m{i}": _stack(3) for i in range(count)}}
        (check,) = [c for c in checks.regional_quotas(count, stacks) if c.name.startswith("VPC peering")]
        assert f"the parent's VPC: {count}," in check.detail
        return check.status

    assert peered(50) == "ok" and peered(51) == "FLAG"  # one connection per KarmadaControlPeering stack


def test_critical_path_check_tolerance():
    by_n = {1: {"model": {"p": 30.0}}, 100: {"model": {"p": 32.9}}}
    assert checks.critical_path(by_n, "p", "x").status == "ok"
    by_n[100]["model"]["p"] = 33.1
    assert checks.critical_path(by_n, "p", "x").status == "FLAG"


def test_sizing_reads_control_plane_workloads(tmp_path):
    manifest = tmp_path / "parent.yaml"
    manifest.write_text(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: etcd, namespace: karmada-system}\n"
        "spec:\n  replicas: 3\n  template: {spec: {containers: [{name: etcd, resources: {requests: {cpu: 500m}}}]}}\n"
        "  volumeClaimTemplates: [{metadata: {name: data}, spec: {resources: {requests: {storage: 20Gi}}}}]\n"
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: other, namespace: kube-system}\nspec: {}\n"
    )
    found = workloads(manifest)
    assert found == {"StatefulSet/etcd": {"replicas": 3, "containers": {"etcd": {"requests": {"cpu": "500m"}}},
                                          "volumes": {"data": "20Gi"}}}
    assert describe(found, found) == "not yet sized by member count"
    assert describe(found, {}) .startswith("unknown")


def test_report_renders_from_an_analyzed_assembly(tmp_path):
    results = {}
    for n in (1, 2):
        stacks = {"KarmadaParent": ("us-east-1", [], template(NETWORK_AND_CLUSTER))}
        stacks.update({f"KarmadaMember-m{i}": ("us-west-2", [], template(NETWORK_AND_CLUSTER))
                       for i in range(1, n + 1)})
        outdir = write_assembly(tmp_path / str(n), stacks)
        entry = {"members": n, "member_names": [f"m{i}" for i in range(1, n + 1)], "regions": {"us-west-2": n},
                 "sync_modes": {"Push": n}, "error": None,
                 "runs": [{"wall_seconds": 1.0, "returncode": 0, "loadavg_before": 0.1}],
                 "synth": {"median_seconds": 1.0, "cpu_seconds_median": 1.0, "tree_peak_rss_mib": 10.0,
                           "sum_of_hwm_mib": 11.0, "largest_process_mib": 9.0}}
        entry.update(analyze(outdir, entry["member_names"], [1]))
        results[n] = entry
    result = {
        "machine": {k: "x" for k in ("nproc", "memory_gib", "cpu_model", "kernel", "python", "node", "cdk_cli",
                                     "aws_cdk_lib", "cdk_nag", "git_commit", "date")},
        "parameters": {"sizes": [1, 2], "runs": 1, "concurrency": [1], "stack_overhead_minutes": 0.5,
                       "join_member_minutes": 1.0},
        "bench_seconds": 5.0,
        "results": {str(n): r for n, r in results.items()},
        "sizing": {"probe": {"function": None, "by_members": {}}, "at": 2, "verdict": "not yet sized by member count"},
        "checks": [c.__dict__ for c in checks.run_all(results, 5.0, [1])],
        "estimates": {},
    }
    text = render(result)
    assert "# Performance and scaling" in text and "KarmadaMember-<member>" in text
    # Member clusters join in parallel without limit, one slot serializes them: the check flags it.
    assert "critical path, --concurrency 1" in text and "**FLAG**" in text
    assert summary_lines(result)[0].strip().startswith("N")
    json.dumps(result)  # JSON-ready
    assert model_app is not None


def test_compact_json_keeps_the_numbers_and_drops_the_bulk(tmp_path):
    from bench.run import compact

    stacks = {"KarmadaParent": ("us-east-1", [], template(NETWORK_AND_CLUSTER))}
    stacks.update({f"KarmadaMember-m{i}": ("us-west-2", [], template(NETWORK_AND_CLUSTER)) for i in range(1, 4)})
    entry = {"member_names": ["m1", "m2", "m3"], "member_shapes": {f"m{i}": "Push, 3 AZ" for i in range(1, 4)},
             "runs": [{"processes": {"1 node": 1}, "stderr_tail": "x", "command": ["cdk"], "wall_seconds": 1.0}]}
    entry.update(analyze(write_assembly(tmp_path, stacks), entry["member_names"], [8]))
    out = compact({"results": {"3": entry}})["results"]["3"]
    assert out["totals"] == entry["totals"] and out["model"] == entry["model"]
    assert out["runs"] == [{"wall_seconds": 1.0}]
    assert out["stack_groups"]["KarmadaMember-<member> (Push, 3 AZ)"][0]["count"] == 3
    # The parent and the member stack on the critical chain stay in full; the other members are grouped.
    assert "KarmadaParent" in out["stacks"] and len(out["stacks"]) < len(entry["stacks"])


def test_sizing_function_names():
    from bench.sizing import _NAME

    for name in ("resources_for_members", "for_members", "sizing_profile", "fleet_size", "member_count_profile"):
        assert _NAME.search(name), name
    for name in ("eks_cluster_name", "zones", "control_plane_props", "estimator_name", "member_kubeconfig_secret"):
        assert not _NAME.search(name), name


def test_slope():
    from bench.report import slope

    assert slope([1, 2, 3], [2, 4, 6]) == 2.0
    assert slope([5, 5], [1, 2]) == 0.0


def _with_bytes(resource_bytes: dict) -> dict:
    return {**_stack(len(resource_bytes)), "resource_bytes": resource_bytes}


def test_resource_growth_and_custom_resource_size():
    by_n = {
        1: {"member_names": ["a"],
            "stacks": {"P": _with_bytes({"Certs": ["Custom::Manifest", 10_000], "Vpc": ["AWS::EC2::VPC", 100]}),
                                               "KarmadaMember-a": _with_bytes({})}},
        101: {"member_names": ["a"],
              "stacks": {"P": _with_bytes({"Certs": ["Custom::Manifest", 110_000], "Vpc": ["AWS::EC2::VPC", 100]}),
                                                 "KarmadaMember-a": _with_bytes({})}},
    }
    assert checks.shared_stacks(by_n) == {"P"}
    growth = checks.resource_growth(by_n, {"P"})
    # (110000 - 10000) / 100 members = 1000 bytes per member; the VPC does not grow.
    assert [(g["resource"], g["per_member"]) for g in growth] == [("Certs", 1000.0)]
    check = checks.custom_resource_size(by_n, growth)
    assert check.status == "ok"
    # 128 KiB = 131072 bytes: (131072 - 110000) / 1000 = 21 more members after N=101.
    assert "N~122" in check.detail
    assert checks.members_to_reach(100, 50, 0, 10) is None
