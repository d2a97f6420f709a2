"""The scaling checks of issue 8. They flag, they never fail the bench.

Each check returns a `Check` with status "ok", "FLAG" or "n/a" and a one-line detail with the
numbers. Thresholds are the issue's (with CloudFormation's hard quotas next to them):

| check | threshold | hard quota |
| --- | --- | --- |
| parent resources per added member | <= PARENT_PER_MEMBER resources | - |
| resources per stack | <= 400 | 500 |
| template size per stack | <= 800 KB | 1 MB |
| outputs per template | <= 200 | 200 |
| parameters per template | <= 60 | 200 (was 60) |
| modelled critical path at the largest N | within 10 % of the smallest N | - |
| modelled parent path (issue 18) | within 10 % of its floor | - |
| synth wall time (median) at N=100 | < 120 s on this machine | - |
| regional quotas (VPCs, EIPs, IGWs, NAT/AZ, EKS clusters, stacks) | default quotas | adjustable |
| largest custom resource (properties sent to its Lambda) | <= 128 KiB | 256 KB async payload (old + new on update) |
| `make bench` wall time | < 15 min | - |

Per-member growth inside shared stacks (the parent, ...) is also reported resource by resource
(`resource_growth`), with the member count at which the stack or resource would reach its limit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from bench.critical_path import FLOOR_TOLERANCE

PARENT_PER_MEMBER = 2.0  # resources the parent may gain per member (a registration object or two)
MAX_RESOURCES = 400
QUOTA_RESOURCES = 500
MAX_TEMPLATE_BYTES = 800 * 1024
QUOTA_TEMPLATE_BYTES = 1024 * 1024
MAX_OUTPUTS = 200
MAX_PARAMETERS = 60
MAX_CUSTOM_RESOURCE_BYTES = 128 * 1024
CRITICAL_PATH_TOLERANCE = 0.10
SYNTH_SECONDS_AT_100 = 120.0
BENCH_BUDGET_SECONDS = 15 * 60

# Default (adjustable) regional quotas, per region unless noted.
# https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html
# https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/elastic-ip-addresses-eip.html#using-instance-addressing-limit
# https://docs.aws.amazon.com/eks/latest/userguide/service-quotas.html
# https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
REGIONAL_QUOTAS = {
    "AWS::EC2::VPC": ("VPCs per Region", 5),
    "AWS::EC2::InternetGateway": ("Internet gateways per Region", 5),
    "AWS::EC2::EIP": ("Elastic IP addresses per Region", 5),
    "AWS::EKS::Cluster": ("EKS clusters per Region", 100),
    "stacks": ("CloudFormation stacks per Region", 2000),
}
NAT_PER_AZ = 5
# Active VPC peering connections per VPC: 50 by default, adjustable to 125. Each KarmadaControlPeering-<member> stack
# holds one connection to the parent's VPC (endpoint.parent_access private, the default).
PEERINGS_PER_VPC = 50
CONTROL_PEERING_PREFIX = "KarmadaControlPeering-"


@dataclass
class Check:
    """One scaling check and its outcome."""
    name: str
    status: str  # ok | FLAG | n/a
    detail: str


def _ok(flag: bool) -> str:
    return "FLAG" if flag else "ok"


def parent_growth(by_n: dict[int, dict[str, Any]], stack: str = "KarmadaParent") -> Check:
    counts = {n: r["stacks"][stack]["resources"] for n, r in by_n.items() if stack in r.get("stacks", {})}
    if len(counts) < 2:
        return Check(f"{stack} growth per member", "n/a", "needs two sizes")
    low, high = min(counts), max(counts)
    slope = (counts[high] - counts[low]) / (high - low)
    sizes = {n: by_n[n]["stacks"][stack]["template_bytes"] for n in counts}
    bytes_slope = (sizes[high] - sizes[low]) / (high - low)
    detail = (f"{counts[low]} resources at N={low}, {counts[high]} at N={high}: {slope:+.2f} resources/member "
              f"(limit {PARENT_PER_MEMBER:g}); template {bytes_slope:+.0f} bytes/member")
    reach = members_to_reach(MAX_TEMPLATE_BYTES, sizes[high], bytes_slope, high)
    if reach is not None:
        detail += f" (reaches {MAX_TEMPLATE_BYTES // 1024} KiB at N~{reach})"
    return Check(f"{stack} growth per member", _ok(slope > PARENT_PER_MEMBER), detail)


def members_to_reach(limit: float, value: float, per_member: float, at: int) -> int | None:
    """Linear extrapolation: the member count at which `value` (measured at N=`at`) reaches `limit`."""
    if per_member <= 0:
        return None
    return at + max(0, int((limit - value) / per_member))


def resource_growth(by_n: dict[int, dict[str, Any]], stacks: set[str]) -> list[dict[str, Any]]:
    """Resources of shared stacks whose JSON grows with N, fastest first (bytes per added member)."""
    sizes = sorted(by_n)
    if len(sizes) < 2:
        return []
    low, high = sizes[0], sizes[-1]
    rows = []
    for stack in sorted(stacks):
        before = by_n[low]["stacks"].get(stack, {}).get("resource_bytes", {})
        after = by_n[high]["stacks"].get(stack, {}).get("resource_bytes", {})
        for rid, (rtype, size) in after.items():
            old = before.get(rid, [rtype, 0])[1]
            if size - old >= high - low:  # at least a byte per member
                rows.append({"stack": stack, "resource": rid, "type": rtype, "bytes_low": old, "bytes_high": size,
                             "per_member": round((size - old) / (high - low), 1), "low": low, "high": high})
    return sorted(rows, key=lambda r: -r["per_member"])


def custom_resource_size(by_n: dict[int, dict[str, Any]], growth: list[dict[str, Any]]) -> Check:
    top = max(by_n)
    largest = max(((s, rid, t, b) for s, info in by_n[top]["stacks"].items()
                   for rid, (t, b) in info.get("resource_bytes", {}).items() if t.startswith("Custom::")),
                  key=lambda x: x[3], default=None)
    if largest is None:
        return Check(f"largest custom resource at N={top}", "n/a", "no custom resources")
    stack, rid, rtype, size = largest
    detail = f"{stack}/{rid} ({rtype}): {size / 1024:.1f} KiB (limit {MAX_CUSTOM_RESOURCE_BYTES // 1024} KiB)"
    for row in growth:
        if row["type"].startswith("Custom::"):
            reach = members_to_reach(MAX_CUSTOM_RESOURCE_BYTES, row["bytes_high"], row["per_member"], row["high"])
            detail += (f"; fastest-growing: {row['stack']}/{row['resource']} {row['per_member']:+.0f} bytes/member, "
                       f"{row['bytes_high'] / 1024:.1f} KiB at N={row['high']}, reaches the limit at N~{reach}")
            break
    return Check(f"largest custom resource at N={top}", _ok(size > MAX_CUSTOM_RESOURCE_BYTES), detail)


def stack_limits(n: int, stacks: dict[str, dict[str, Any]]) -> list[Check]:
    def worst(key: str) -> tuple[str, int]:
        name = max(stacks, key=lambda s: stacks[s][key])
        return name, stacks[name][key]

    checks = []
    name, value = worst("resources")
    checks.append(Check(f"resources per stack at N={n}", _ok(value > MAX_RESOURCES),
                        f"largest {name}: {value} (limit {MAX_RESOURCES}, quota {QUOTA_RESOURCES})"))
    name, value = worst("template_bytes")
    checks.append(Check(f"template size at N={n}", _ok(value > MAX_TEMPLATE_BYTES),
                        f"largest {name}: {value / 1024:.1f} KiB (limit {MAX_TEMPLATE_BYTES // 1024} KiB, quota 1 "
                        "MiB)"))
    name, value = worst("outputs")
    checks.append(Check(f"outputs per template at N={n}", _ok(value > MAX_OUTPUTS),
                        f"most {name}: {value} (limit {MAX_OUTPUTS})"))
    name, value = worst("parameters")
    checks.append(Check(f"parameters per template at N={n}", _ok(value > MAX_PARAMETERS),
                        f"most {name}: {value} (limit {MAX_PARAMETERS}; today's quota is 200)"))
    return checks


def critical_path(by_n: dict[int, dict[str, Any]], key: str, label: str) -> Check:
    values = {n: r["model"][key] for n, r in by_n.items() if r.get("model") and r["model"].get(key) is not None}
    if len(values) < 2:
        return Check(label, "n/a", "needs two sizes")
    low, high = min(values), max(values)
    ratio = values[high] / values[low] if values[low] else float("inf")
    return Check(label, _ok(ratio > 1 + CRITICAL_PATH_TOLERANCE),
                 f"{values[low]:.1f} min at N={low}, {values[high]:.1f} min at N={high} "
                 f"(x{ratio:.2f}; limit x{1 + CRITICAL_PATH_TOLERANCE:.2f})")


def parent_floor(by_n: dict[int, dict[str, Any]]) -> Check:
    """Issue 18: the parent's modelled path within FLOOR_TOLERANCE of its floor, at every size."""
    label = "parent path vs its floor"
    found = {n: r["model"]["parent_floor"] for n, r in by_n.items() if (r.get("model") or {}).get("parent_floor")}
    if not found:
        return Check(label, "n/a", "no parent stack with a cluster, node group and control plane")
    n, worst = max(found.items(), key=lambda kv: kv[1]["ratio"])
    return Check(label, _ok(worst["ratio"] > 1 + FLOOR_TOLERANCE),
                 f"{worst['minutes']:.1f} min at N={n} against a floor of {worst['floor_minutes']:.1f} min "
                 f"(x{worst['ratio']:.2f}; limit x{1 + FLOOR_TOLERANCE:.2f}); before: "
                 f"{worst['before']['minutes']:.1f} min at {worst['before']['commit']}")


def synth_time(by_n: dict[int, dict[str, Any]], at: int = 100) -> Check:
    result = by_n.get(at)
    if not result or result.get("synth", {}).get("median_seconds") is None:
        return Check(f"synth time at N={at}", "n/a", f"N={at} not measured")
    median = result["synth"]["median_seconds"]
    return Check(f"synth time at N={at}", _ok(median >= SYNTH_SECONDS_AT_100),
                 f"median {median:.1f} s (limit {SYNTH_SECONDS_AT_100:.0f} s)")


def regional_quotas(n: int, stacks: dict[str, dict[str, Any]]) -> list[Check]:
    per_region: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    nat_per_az: dict[str, int] = defaultdict(int)
    for info in stacks.values():
        region = info.get("region") or "unknown"
        per_region[region]["stacks"] += 1
        for rtype, count in info["types"].items():
            per_region[region][rtype] += count
        for az, count in info.get("nat_gateways_by_az", {}).items():
            nat_per_az[az] += count
    checks = []
    for rtype, (label, quota) in REGIONAL_QUOTAS.items():
        worst = max(per_region, key=lambda r: per_region[r][rtype])
        value = per_region[worst][rtype]
        over = sorted(r for r in per_region if per_region[r][rtype] > quota)
        detail = f"most in {worst}: {value} (default quota {quota})"
        if over:
            detail += f"; over quota in {len(over)} region(s): {', '.join(over)}"
        checks.append(Check(f"{label} at N={n}", _ok(bool(over)), detail))
    if nat_per_az:
        worst = max(nat_per_az, key=nat_per_az.__getitem__)
        checks.append(Check(f"NAT gateways per AZ at N={n}", _ok(nat_per_az[worst] > NAT_PER_AZ),
                            f"most in {worst}: {nat_per_az[worst]} (default quota {NAT_PER_AZ})"))
    peerings = sum(name.startswith(CONTROL_PEERING_PREFIX) for name in stacks)
    checks.append(Check(f"VPC peering connections per VPC at N={n}", _ok(peerings > PEERINGS_PER_VPC),
                        f"the parent's VPC: {peerings}, one per member reached privately (default quota "
                        f"{PEERINGS_PER_VPC}, adjustable to 125)"))
    return checks


def bench_budget(seconds: float) -> Check:
    return Check("make bench wall time", _ok(seconds >= BENCH_BUDGET_SECONDS),
                 f"{seconds / 60:.1f} min (limit {BENCH_BUDGET_SECONDS // 60} min)")


def shared_stacks(by_n: dict[int, dict[str, Any]]) -> set[str]:
    """Stacks present at every size that belong to no member (the parent, the egress stack, ...)."""
    if not by_n:
        return set()
    common = set.intersection(*(set(r["stacks"]) for r in by_n.values()))
    members = {m for r in by_n.values() for m in r.get("member_names", [])}
    return {s for s in common if not any(s.endswith(f"-{m}") for m in members)}


def run_all(by_n: dict[int, dict[str, Any]], bench_seconds: float, concurrencies: list[int]) -> list[Check]:
    measured = {n: r for n, r in by_n.items() if r.get("stacks")}
    # Every stack present at every size (the parent and other shared stacks) must stay flat.
    shared = shared_stacks(measured)
    checks = [parent_growth(measured, s)
              for s in sorted(shared, key=lambda s: (s != "KarmadaParent", s))] or [parent_growth(measured)]
    if measured:
        top = max(measured)
        checks += stack_limits(top, measured[top]["stacks"])
        checks.append(custom_resource_size(measured, resource_growth(measured, shared)))
    checks.append(critical_path(measured, "parallel_minutes", "critical path, --concurrency unlimited"))
    for k in concurrencies:
        checks.append(critical_path({n: {"model": {"v": r["model"]["limited_minutes"].get(str(k))}} for n,
                                     r in measured.items()},
                                    "v", f"critical path, --concurrency {k}"))
    checks.append(parent_floor(measured))
    checks.append(synth_time(by_n))
    if measured:
        top = max(measured)
        checks += regional_quotas(top, measured[top]["stacks"])
    checks.append(bench_budget(bench_seconds))
    return checks
