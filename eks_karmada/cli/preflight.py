"""`eks-karmada preflight`: what would stop `cdk deploy --all`, checked before it runs.

* credentials: sts:GetCallerIdentity;
* CDK bootstrap of every account/region a stack deploys to: the CDKToolkit stack and the
  /cdk-bootstrap/hnb659fds/version parameter (at least MIN_BOOTSTRAP_VERSION);
* service quotas per region against current usage plus what the config adds: VPCs, Elastic IPs
  (one per NAT gateway), NAT gateways per AZ, EKS clusters. A cluster that already exists is
  an update, which adds nothing;
* pinned versions (eks_karmada/cli/pinned_versions.py): every EKS add-on build for the configured
  Kubernetes version in each region it installs to, and images in a private ECR registry.
"""

from __future__ import annotations

import shlex
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer
from botocore.exceptions import ClientError
from rich.table import Table
from rich.text import Text

from eks_karmada.cli.access import Caller, caller_identity
from eks_karmada.cli.check import BLOCK, OK, STYLE, WARN, Check
from eks_karmada.cli.common import ConfigOption, ProfileOption, consoles, make_clients, read_config, say
from eks_karmada.cli.errors import EXIT_PROBLEMS, describe_client_error, guard
from eks_karmada.cli.pinned_versions import VersionCheck, check_pinned_versions
from eks_karmada.cli.preflight_access import check_access, check_reach
from eks_karmada.cli.preflight_network import check_existing_vpcs, check_kubectl_networks
from eks_karmada.config import AppConfig, MemberKind

BOOTSTRAP_STACK = "CDKToolkit"
BOOTSTRAP_QUALIFIER = "hnb659fds"
BOOTSTRAP_PARAMETER = f"/cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version"
# The templates themselves only insist on 6 (their CheckBootstrapVersion rule); 21 is the floor
# this project supports with its pinned CDK CLI (which bootstraps a newer version still).
MIN_BOOTSTRAP_VERSION = 21
USABLE_STACK_STATES = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE")



@dataclass(frozen=True)
class Quota:
    """A service quota preflight checks: its Service Quotas service and code, and AWS's default."""

    service: str
    code: str
    name: str
    default: int  # the AWS default, used only when the applied value cannot be read


VPCS = Quota("vpc", "L-F678F1CE", "VPCs per Region", 5)
ELASTIC_IPS = Quota("ec2", "L-0263D0A3", "EC2-VPC Elastic IPs", 5)
NAT_PER_AZ = Quota("vpc", "L-FE5A380F", "NAT gateways per Availability Zone", 5)
EKS_CLUSTERS = Quota("eks", "L-1194D53C", "EKS clusters per Region", 100)


@dataclass(frozen=True)
class PlannedCluster:
    """An EKS cluster a stack of this app creates, with what it takes from the region's quotas."""

    stack: str
    name: str
    account: str | None
    region: str
    nat_zones: tuple[str, ...]  # one NAT gateway (and one Elastic IP) in each
    creates_vpc: bool = True  # False in an existing VPC (existing_vpc), which also brings its own NAT


def planned_clusters(config: AppConfig) -> list[PlannedCluster]:
    parent = config.parent
    own_vpc = parent.existing_vpc is None
    planned = [PlannedCluster("KarmadaParent", parent.cluster_name, parent.account, parent.region,
                              tuple(parent.availability_zones[: parent.nat_gateways]) if own_vpc else (), own_vpc)]
    for member in config.members:
        if member.kind is MemberKind.new:
            own_vpc = member.existing_vpc is None
            planned.append(PlannedCluster(f"KarmadaMember-{member.name}", member.eks_cluster_name,
                                          member.account or parent.account, member.region or "",
                                          tuple(member.zones[: member.nat_gateways]) if own_vpc else (), own_vpc))
    return planned


def environments(config: AppConfig, caller_account: str) -> dict[tuple[str, str], list[str]]:
    """(account, region) -> the stacks deployed there (the CDK environments to bootstrap)."""
    envs: dict[tuple[str, str], list[str]] = defaultdict(list)
    parent = config.parent
    envs[(parent.account or caller_account, parent.region)].append("KarmadaEgress")
    for cluster in planned_clusters(config):
        envs[(cluster.account or caller_account, cluster.region)].append(cluster.stack)
    return dict(sorted(envs.items()))


@dataclass
class QuotaRow:
    """A quota in one region: its limit, current usage and what the config adds."""

    where: str
    quota: Quota
    limit: float | None
    in_use: int
    needed: int
    note: str = ""

    @property
    def result(self) -> str:
        if self.limit is None:
            return WARN
        return BLOCK if self.in_use + self.needed > self.limit else OK


@dataclass
class Findings:
    """Everything preflight found: caller, bootstrap checks, quota rows, version checks, problems."""

    caller: Caller | None = None
    bootstrap: list[Check] = field(default_factory=list)
    quotas: list[QuotaRow] = field(default_factory=list)
    versions: list[VersionCheck] = field(default_factory=list)
    access: list[Check] = field(default_factory=list)
    problems: list[Check] = field(default_factory=list)

    @property
    def blocking(self) -> list[Check]:
        return [p for p in self.problems if p.result == BLOCK]


def _profile_flag(profile: str | None) -> str:
    return f" --profile {shlex.quote(profile)}" if profile else ""


# ---- CDK bootstrap ---------------------------------------------------------------------------------


def check_bootstrap(clients: Any, account: str, region: str, stacks: list[str], profile: str | None,
                    min_version: int) -> Check:
    where = f"aws://{account}/{region}"
    what = ", ".join(stacks)
    fix = f"npx cdk bootstrap {where}{_profile_flag(profile)}"
    try:
        stack = clients.aws("cloudformation", region).describe_stacks(StackName=BOOTSTRAP_STACK)["Stacks"][0]
    except ClientError as err:
        if "does not exist" in str(err.response.get("Error", {}).get("Message", "")):
            return Check("bootstrap", where, what, BLOCK, f"not bootstrapped: no {BOOTSTRAP_STACK} stack", fix)
        return Check("bootstrap", where, what, BLOCK, f"cannot check: {describe_client_error(err)}",
                     "grant cloudformation:DescribeStacks and ssm:GetParameter, or run preflight as a deployer")
    state = stack.get("StackStatus", "")
    if state not in USABLE_STACK_STATES:
        return Check("bootstrap", where, what, BLOCK, f"{BOOTSTRAP_STACK} is {state}",
                     f"fix or delete the {BOOTSTRAP_STACK} stack in {region}, then: {fix}")
    try:
        value = clients.aws("ssm", region).get_parameter(Name=BOOTSTRAP_PARAMETER)["Parameter"]["Value"]
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ParameterNotFound":
            return Check("bootstrap", where, what, BLOCK,
                         f"{BOOTSTRAP_STACK} exists but {BOOTSTRAP_PARAMETER} does not (legacy or custom qualifier)",
                         fix)
        return Check("bootstrap", where, what, BLOCK, f"cannot check: {describe_client_error(err)}",
                     "grant ssm:GetParameter on the bootstrap parameter, or run preflight as a deployer")
    try:
        version = int(value)
    except ValueError:
        return Check("bootstrap", where, what, BLOCK, f"{BOOTSTRAP_PARAMETER} holds {value!r}, not a version", fix)
    if version < min_version:
        return Check("bootstrap", where, what, BLOCK, f"version {version} < {min_version} required",
                     f"upgrade it: {fix}")
    return Check("bootstrap", where, what, OK, f"version {version} (>= {min_version})")


# ---- quotas ----------------------------------------------------------------------------------------


def quota_value(clients: Any, region: str, quota: Quota) -> tuple[float | None, str]:
    """The applied quota value, falling back to the AWS default; None when neither can be read."""
    service_quotas = clients.aws("service-quotas", region)
    try:
        applied = service_quotas.get_service_quota(ServiceCode=quota.service, QuotaCode=quota.code)
        return float(applied["Quota"]["Value"]), ""
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "NoSuchResourceException":
            return None, f"cannot read the quota ({err.response.get('Error', {}).get('Code')})"
    try:
        answer = service_quotas.get_aws_default_service_quota(ServiceCode=quota.service, QuotaCode=quota.code)
        return float(answer["Quota"]["Value"]), "AWS default"
    except ClientError as err:
        return None, f"cannot read the quota ({err.response.get('Error', {}).get('Code')})"


def _paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list:
    items: list = []
    for page in client.get_paginator(operation).paginate(**kwargs):
        items.extend(page.get(key) or [])
    return items


@dataclass
class RegionUsage:
    """Current usage in a region of the resources the checked quotas limit."""

    vpcs: int
    elastic_ips: int
    nat_per_az: Counter
    eks_clusters: list[str]


def region_usage(clients: Any, region: str) -> RegionUsage:
    ec2 = clients.aws("ec2", region)
    vpcs = len(_paginate(ec2, "describe_vpcs", "Vpcs"))
    addresses = len(ec2.describe_addresses().get("Addresses") or [])
    gateways = [g for g in _paginate(ec2, "describe_nat_gateways", "NatGateways")
                if g.get("State") in ("pending", "available")]
    per_az: Counter = Counter()
    subnet_ids = sorted({g["SubnetId"] for g in gateways if g.get("SubnetId")})
    if subnet_ids:
        zones = {s["SubnetId"]: s["AvailabilityZone"]
                 for s in _paginate(ec2, "describe_subnets", "Subnets", SubnetIds=subnet_ids)}
        for gateway in gateways:
            per_az[zones.get(gateway.get("SubnetId"), "?")] += 1
    clusters = _paginate(clients.aws("eks", region), "list_clusters", "clusters")
    return RegionUsage(vpcs, addresses, per_az, clusters)


def check_quotas(clients: Any, config: AppConfig, caller: Caller, profile: str | None,
                 findings: Findings) -> None:
    by_region: dict[str, list[PlannedCluster]] = defaultdict(list)
    for cluster in planned_clusters(config):
        if (cluster.account or caller.account) != caller.account:
            findings.problems.append(Check(
                "quota", cluster.region, cluster.stack, WARN,
                f"account {cluster.account} is not the caller's ({caller.account}): its quotas were not checked",
                f"run preflight with credentials for account {cluster.account}"))
            continue
        by_region[cluster.region].append(cluster)
    for region in sorted(by_region):
        usage = region_usage(clients, region)
        new = [c for c in by_region[region] if c.name not in usage.eks_clusters]
        existing = [c.name for c in by_region[region] if c.name in usage.eks_clusters]
        note = f"{', '.join(existing)} exists (update)" if existing else ""
        nat_zones = Counter(zone for c in new for zone in c.nat_zones)
        wanted = [
            (region, VPCS, usage.vpcs, sum(c.creates_vpc for c in new)),
            (region, ELASTIC_IPS, usage.elastic_ips, sum(len(c.nat_zones) for c in new)),
            *((zone, NAT_PER_AZ, usage.nat_per_az.get(zone, 0), count) for zone, count in sorted(nat_zones.items())),
            (region, EKS_CLUSTERS, len(usage.eks_clusters), len(new)),
        ]
        values: dict[str, tuple[float | None, str]] = {}
        for where, quota, in_use, needed in wanted:
            if needed == 0:
                continue
            if quota.code not in values:
                values[quota.code] = quota_value(clients, region, quota)
            limit, source = values[quota.code]
            row = QuotaRow(where, quota, limit, in_use, needed, source or note)
            findings.quotas.append(row)
            if row.result == BLOCK:
                assert limit is not None, "QuotaRow.result is BLOCK only when the limit is known"
                desired = in_use + needed
                findings.problems.append(Check(
                    "quota", where, quota.name, BLOCK,
                    f"{in_use} in use + {needed} needed > quota {limit:g}",
                    f"free {desired - int(limit)} or raise the quota: "
                    "aws service-quotas request-service-quota-increase "
                    f"--service-code {quota.service} --quota-code {quota.code} --desired-value {desired} "
                    f"--region {region}{_profile_flag(profile)}"))
            elif row.result == WARN:
                findings.problems.append(Check(
                    "quota", where, quota.name, WARN,
                    f"{source}; {in_use} in use + {needed} needed vs the AWS default {quota.default}",
                    "grant servicequotas:GetServiceQuota to check it"))


# ---- pinned versions -------------------------------------------------------------------------------


def version_result(check: VersionCheck) -> str:
    return OK if check.ok else BLOCK if check.ok is False else WARN


def check_versions(clients: Any, config: AppConfig, findings: Findings) -> None:
    findings.versions = check_pinned_versions(clients, config)
    for check in findings.versions:
        if check.checked and not check.ok:
            findings.problems.append(Check("version", check.where, f"{check.kind} {check.what} {check.version}",
                                           version_result(check), check.detail, check.fix))


# ---- output ----------------------------------------------------------------------------------------


def _mark(result: str, text: str | None = None) -> Text:
    return Text(text or result, style=STYLE[result])


def bootstrap_table(checks: list[Check]) -> Table:
    table = Table(title="CDK bootstrap", title_justify="left")
    table.add_column("Environment", no_wrap=True)
    table.add_column("Stacks")
    table.add_column("Bootstrap", no_wrap=True)
    table.add_column("Result", no_wrap=True)
    for check in checks:
        table.add_row(check.where, check.what, check.detail, _mark(check.result))
    return table


def quotas_table(rows: list[QuotaRow]) -> Table:
    table = Table(title="Service quotas (in the caller's account)", title_justify="left")
    for column in ("Region / AZ", "Quota", "Code", "Limit", "In use", "Needed", "Result"):
        table.add_column(column)
    for row in rows:
        limit = "?" if row.limit is None else f"{row.limit:g}"
        if row.note:
            limit += f" ({row.note})"
        table.add_row(row.where, row.quota.name, row.quota.code, limit, str(row.in_use), str(row.needed),
                      _mark(row.result))
    return table


def access_table(checks: list[Check]) -> Table:
    table = Table(title="Access and network", title_justify="left")
    for column in ("Check", "Where", "Finding", "Result"):
        # Host names are long single words: fold them rather than cut them.
        table.add_column(column, no_wrap=column in ("Check", "Result"), overflow="fold")
    for check in checks:
        table.add_row(check.what, check.where, check.detail, _mark(check.result))
    return table


def versions_table(checks: list[VersionCheck]) -> Table:
    table = Table(title="Pinned versions", title_justify="left")
    for column in ("Kind", "Name", "Region", "Version", "Check", "Result"):
        table.add_column(column, no_wrap=column != "Check")
    for check in checks:
        result = _mark(version_result(check)) if check.checked else Text("-")
        table.add_row(check.kind, check.what, check.where, check.version, check.detail, result)
    return table


def preflight(
    ctx: typer.Context,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    min_bootstrap_version: Annotated[
        int,
        typer.Option("--min-bootstrap-version", min=1,
                     help="Lowest /cdk-bootstrap/hnb659fds/version accepted in each environment."),
    ] = MIN_BOOTSTRAP_VERSION,
    connect_later: Annotated[
        bool,
        typer.Option("--connect-later",
                     help="You will reach the clusters from a network you connect to their VPC after the deploy "
                          "(VPN, peering, a bastion): endpoints unreachable from here are warnings, not blockers."),
    ] = False,
) -> None:
    """Check credentials, CDK bootstrap and service quotas before a deploy; exit 3 if anything blocks.

    Bootstrap is checked in every account/region a stack of the config deploys to (the CDKToolkit
    stack and its version parameter). Quotas are checked per region against current usage plus
    what the config adds: VPCs per Region (L-F678F1CE), EC2-VPC Elastic IPs (L-0263D0A3, one per NAT
    gateway), NAT gateways per AZ (L-FE5A380F) and EKS clusters (L-1194D53C). Every pinned EKS
    add-on build must exist for the configured Kubernetes version in each region it installs to,
    and an image in a private ECR registry must exist there. Someone you can sign in as must become
    cluster admin (you, through `make deploy`, or parent.admin_role_arns), and the parent's EKS API and
    the Karmada API must be reachable from here (a 3-second connect test once deployed; before, what the
    config makes reachable). Existing VPCs: each subnet in its VPC and zone, private subnets without a
    route to an internet gateway, and the load balancer tags. Needs sts:GetCallerIdentity,
    cloudformation:DescribeStacks, ssm:GetParameter, servicequotas:Get*,
    ec2:Describe{Vpcs,Addresses,NatGateways,Subnets,RouteTables}, eks:ListClusters, eks:DescribeCluster,
    eks:DescribeAddonVersions, iam:GetRole (your role's path) and (for a private ECR image)
    ecr:DescribeImages.
    """
    out, err = consoles()
    findings = Findings()
    with guard(err):
        cfg = read_config(config)
        clients = make_clients(ctx, profile)
        with err.status("Checking your AWS credentials..."):
            caller = caller_identity(clients, cfg.parent.region)
        findings.caller = caller
        for (account, region), stacks in environments(cfg, caller.account).items():
            if account != caller.account:
                check = Check("bootstrap", f"aws://{account}/{region}", ", ".join(stacks), WARN,
                              f"not checked: the credentials are for account {caller.account}",
                              f"run preflight with credentials for account {account}")
            else:
                with err.status(f"Checking the CDK bootstrap of aws://{account}/{region}..."):
                    check = check_bootstrap(clients, account, region, stacks, profile, min_bootstrap_version)
            findings.bootstrap.append(check)
            if check.result != OK:
                findings.problems.append(check)
        with err.status("Reading service quotas and current usage..."):
            check_quotas(clients, cfg, caller, profile, findings)
        with err.status("Checking the pinned add-on versions and images..."):
            check_versions(clients, cfg, findings)
        with err.status("Checking who will be cluster admin and what you can reach from here..."):
            findings.access = check_access(clients, cfg, caller)
            findings.access += check_reach(clients, cfg, connect_later=connect_later)
        with err.status("Checking the existing VPCs and subnets..."):
            findings.access += check_existing_vpcs(clients, cfg, caller)
            findings.access += check_kubectl_networks(clients, cfg, caller)
        findings.problems += [check for check in findings.access if check.result != OK]

    say(out, f"AWS identity: {caller.arn} (account {caller.account})")
    out.print(bootstrap_table(findings.bootstrap))
    if findings.quotas:
        out.print(quotas_table(findings.quotas))
    out.print(versions_table(findings.versions))
    out.print(access_table(findings.access))
    for number, problem in enumerate(findings.problems, 1):
        label = "BLOCKS" if problem.result == BLOCK else "WARNING"
        say(out, f"{number}. {label} {problem.where} {problem.title}: {problem.detail}")
        if problem.fix:
            say(out, f"   fix: {problem.fix}")
    if findings.blocking:
        say(out, f"Not ready to deploy: {len(findings.blocking)} blocking problem(s).")
        raise typer.Exit(EXIT_PROBLEMS)
    say(out, "Ready to deploy" + (f" ({len(findings.problems)} warning(s))." if findings.problems else "."))
