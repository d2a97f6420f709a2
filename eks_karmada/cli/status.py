"""`eks-karmada status`: member clusters (Karmada API) and control-plane health (parent cluster)."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer
from rich.table import Table
from rich.text import Text

from eks_karmada.cli import names
from eks_karmada.cli.access import ParentCluster, caller_identity, karmada_as_caller
from eks_karmada.cli.common import (
    ConfigOption,
    ProfileOption,
    RegionOption,
    StackOption,
    consoles,
    make_clients,
    read_config,
    say,
)
from eks_karmada.cli.errors import EXIT_ERROR, EXIT_PROBLEMS, EXPECTED, describe, guard
from eks_karmada.config import AppConfig, MemberKind
from functions.kube.client import KubeClient, Resource

CLUSTERS = Resource("cluster.karmada.io", "v1alpha1", "Cluster", "clusters", False)
DEPLOYMENTS = Resource("apps", "v1", "Deployment", "deployments", True)
STATEFULSETS = Resource("apps", "v1", "StatefulSet", "statefulsets", True)

OK, BAD, WARN = "ok", "bad", "warn"
STYLE = {OK: "green", BAD: "bold red", WARN: "yellow"}


@dataclass
class ComponentHealth:
    """Readiness of one control-plane workload (Deployment or StatefulSet) on the parent cluster."""

    kind: str
    name: str
    ready: int
    desired: int
    found: bool = True
    expected: bool = True

    @property
    def state(self) -> str:
        if not self.found or self.desired == 0 or self.ready < self.desired:
            return BAD
        return OK

    @property
    def note(self) -> str:
        if not self.found:
            return "missing"
        if self.desired == 0:
            return "scaled to zero"
        if self.ready < self.desired:
            return f"{self.desired - self.ready} not ready"
        return "healthy" if self.expected else "healthy (not in the config)"


@dataclass
class MemberHealth:
    """A member cluster as Karmada reports it, against what the config says."""

    name: str
    configured: bool
    registered: bool
    sync_mode: str = ""
    configured_mode: str = ""
    ready: str = ""
    version: str = ""
    nodes: str = ""
    reason: str = ""
    message: str = ""

    @property
    def state(self) -> str:
        if self.configured and not self.registered:
            return BAD
        if self.registered and self.ready != "True":
            return BAD
        if not self.configured or (self.configured_mode and self.sync_mode != self.configured_mode):
            return WARN
        return OK

    @property
    def note(self) -> str:
        if not self.registered:
            return "not registered"
        if self.ready != "True":
            return self.reason or "not ready"
        if not self.configured:
            return "not in the config"
        if self.configured_mode and self.sync_mode != self.configured_mode:
            return f"config says {self.configured_mode}"
        return "ready"


@dataclass
class Report:
    """The status command's result: components, members and errors met while reading them."""

    components: list[ComponentHealth] = field(default_factory=list)
    members: list[MemberHealth] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.errors and all(c.state == OK for c in self.components) and all(
            m.state != BAD for m in self.members
        )


def _replicas(obj: dict) -> tuple[int, int]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    desired = spec.get("replicas")
    return int(status.get("readyReplicas") or 0), int(1 if desired is None else desired)


def component_health(parent: KubeClient, config: AppConfig) -> list[ComponentHealth]:
    """Ready vs desired replicas of every Deployment/StatefulSet in karmada-system; missing expected ones too."""
    found: dict[tuple[str, str], ComponentHealth] = {}
    for resource in (STATEFULSETS, DEPLOYMENTS):
        for obj in parent.list(resource, names.NAMESPACE):
            ready, desired = _replicas(obj)
            name = obj["metadata"]["name"]
            found[(resource.kind, name)] = ComponentHealth(resource.kind, name, ready, desired)
    rows = []
    for kind, name in names.expected_workloads(config):
        rows.append(found.pop((kind, name), None) or ComponentHealth(kind, name, 0, 0, found=False))
    for health in sorted(found.values(), key=lambda h: (h.kind, h.name)):
        health.expected = False
        rows.append(health)
    return rows


def _condition(obj: dict, kind: str) -> dict:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind:
            return condition
    return {}


def member_health(karmada: KubeClient, config: AppConfig) -> list[MemberHealth]:
    """Each configured member (registered or not), then clusters registered outside the config."""
    registered = {c["metadata"]["name"]: c for c in karmada.list(CLUSTERS)}
    rows = []
    for member in config.members:
        rows.append(_member_row(member.name, registered.pop(member.name, None), True, member.sync_mode.value))
    for name in sorted(registered):
        rows.append(_member_row(name, registered[name], False, ""))
    return rows


def _member_row(name: str, cluster: dict | None, configured: bool, configured_mode: str) -> MemberHealth:
    if cluster is None:
        return MemberHealth(name, configured, False, configured_mode=configured_mode)
    ready = _condition(cluster, "Ready")
    status = cluster.get("status") or {}
    nodes = status.get("nodeSummary") or {}
    return MemberHealth(
        name,
        configured,
        True,
        sync_mode=(cluster.get("spec") or {}).get("syncMode", ""),
        configured_mode=configured_mode,
        ready=ready.get("status", "Unknown"),
        version=status.get("kubernetesVersion", ""),
        nodes=f"{nodes.get('readyNum', 0)}/{nodes.get('totalNum', 0)}" if nodes else "",
        reason=ready.get("reason", ""),
        message=ready.get("message", ""),
    )


def _mark(state: str, text: str) -> Text:
    return Text(text, style=STYLE[state])


def members_table(rows: list[MemberHealth], config: AppConfig) -> Table:
    table = Table(title="Member clusters (Karmada API)", title_justify="left")
    for column in ("Member", "In config", "Sync mode", "Ready", "Kubernetes", "Nodes ready", "Status"):
        table.add_column(column)
    kinds = {m.name: m.kind for m in config.members}
    for row in rows:
        in_config = "no"
        if row.configured:
            in_config = "yes" if kinds.get(row.name) is MemberKind.new else f"yes ({kinds[row.name].value})"
        table.add_row(
            row.name,
            in_config,
            row.sync_mode or row.configured_mode or "-",
            row.ready or "-",
            row.version or "-",
            row.nodes or "-",
            _mark(row.state, row.note),
        )
    return table


def components_table(rows: list[ComponentHealth], cluster_name: str) -> Table:
    table = Table(title=f"Karmada control plane ({cluster_name}, namespace {names.NAMESPACE})", title_justify="left")
    for column in ("Component", "Kind", "Ready", "Desired", "Status"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.name, row.kind, str(row.ready), str(row.desired), _mark(row.state, row.note))
    return table


def status(
    ctx: typer.Context,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    region: RegionOption = None,
    stack_name: StackOption = names.PARENT_STACK,
) -> None:
    """Show member clusters and control-plane health; exit 3 if anything is unhealthy.

    Members come from the Karmada API (cluster.karmada.io/v1alpha1 Clusters: sync mode, Ready
    condition, Kubernetes version), each configured member marked missing if it is not
    registered. Control-plane health is every Deployment and StatefulSet in karmada-system on the
    parent cluster (ready vs desired replicas). Both are reached as your own IAM identity: it needs
    an EKS access entry on the parent, and a place in karmada.access.users (or
    parent.admin_role_arns) for the Karmada API. Exit codes: 0 healthy, 3 something unhealthy or
    missing, 1 could not read it all (the parent's view is still shown when only the Karmada API is out of reach).
    """
    out, err = consoles()
    report = Report()
    with guard(err):
        cfg = read_config(config)
        region = region or cfg.parent.region
        clients = make_clients(ctx, profile)
        with err.status(f"Connecting to {cfg.parent.cluster_name} in {region}..."):
            caller = caller_identity(clients, region)
            parent = ParentCluster(clients, cfg, region, caller)
        try:
            with err.status(f"Reading workloads in {names.NAMESPACE}..."), parent.explained(
                f"list Deployments and StatefulSets in {names.NAMESPACE}"
            ):
                report.components = component_health(parent.client, cfg)
            try:
                with err.status("Reading the Karmada CA and the Karmada API address..."):
                    karmada = karmada_as_caller(clients, cfg, parent, stack_name)
                try:
                    with err.status(f"Listing member clusters on {karmada.server}..."), karmada.explained(
                        "list clusters"
                    ):
                        report.members = member_health(karmada.client, cfg)
                finally:
                    karmada.close()
            except EXPECTED as problem:
                # The parent's view is still worth showing when the Karmada API is out of reach.
                report.errors.append(describe(problem))
        finally:
            parent.close()

    if report.members:
        out.print(members_table(report.members, cfg))
    out.print(components_table(report.components, cfg.parent.cluster_name))
    for member in report.members:
        if member.registered and member.ready != "True" and member.message:
            say(out, f"{member.name}: {member.reason or 'not ready'}: {member.message}")
    for problem in report.errors:
        say(err, f"error: {problem}")
    bad_members = [m.name for m in report.members if m.state == BAD]
    bad_components = [c.name for c in report.components if c.state != OK]
    if report.healthy:
        say(out, f"Healthy: {len(report.members)} member(s) ready, {len(report.components)} component(s) ready.")
        return
    summary = []
    if bad_members:
        summary.append(f"members not ready or missing: {', '.join(bad_members)}")
    if bad_components:
        summary.append(f"components not ready: {', '.join(bad_components)}")
    if report.errors:
        summary.append("member clusters could not be read")
    say(out, ("Unhealthy: " if bad_members or bad_components else "Incomplete: ") + "; ".join(summary))
    # Could not look (1) outranks looked and found problems (3).
    raise typer.Exit(EXIT_ERROR if report.errors else EXIT_PROBLEMS)
