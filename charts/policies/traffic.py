"""Traffic presets: placement and the way clients reach it, emitted together so the two cannot drift apart.

``public_entry_point`` puts a Deployment and its Service in ONE PropagationPolicy (the Service goes exactly where
the replicas go, and leaves with them on failover), makes the Service an internet-facing NLB (AWS Load Balancer
Controller annotations) with one DNS name, and stamps per member the ExternalDNS routing annotations with an
OverridePolicy; each member's ExternalDNS then writes that member's Route 53 record (alias to its NLB, so Route 53
answers only with members whose NLB has healthy targets). ``cross_member_service`` is the Karmada
MultiClusterService through which pods in consumer members reach a Service's pods in provider members.

docs/traffic.md explains the whole path; docs/policies.md shows the YAML.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from . import k8s_syntax
from .enums import ExposureType, OverriderOperator
from .errors import PolicyError, Problem
from .multicluster_service import ExposurePort, MultiClusterService
from .override import OverridePolicy
from .overriders import LabelAnnotationOverrider, Overriders, RuleWithCluster
from .placement import Placement, ReplicaSchedulingStrategy
from .policy_base import KarmadaPolicy
from .presets import failover_tolerations, remote_disaster_recovery
from .propagation import PropagationPolicy
from .selectors import ClusterAffinity, ResourceSelector

# ExternalDNS service-source annotations (sigs.k8s.io/external-dns source/annotations, docs/annotations).
HOSTNAME_ANNOTATION = "external-dns.alpha.kubernetes.io/hostname"
SET_IDENTIFIER_ANNOTATION = "external-dns.alpha.kubernetes.io/set-identifier"
AWS_REGION_ANNOTATION = "external-dns.alpha.kubernetes.io/aws-region"  # latency routing
AWS_FAILOVER_ANNOTATION = "external-dns.alpha.kubernetes.io/aws-failover"  # failover routing: PRIMARY | SECONDARY
# AWS Load Balancer Controller service annotations (docs/guide/service/annotations.md).
_LBC = "service.beta.kubernetes.io/aws-load-balancer-"
LB_TYPE_ANNOTATION = f"{_LBC}type"
LB_TARGET_TYPE_ANNOTATION = f"{_LBC}nlb-target-type"
LB_SCHEME_ANNOTATION = f"{_LBC}scheme"
LB_HEALTHCHECK_INTERVAL_ANNOTATION = f"{_LBC}healthcheck-interval"
LB_HEALTHCHECK_UNHEALTHY_THRESHOLD_ANNOTATION = f"{_LBC}healthcheck-unhealthy-threshold"

# NLB target-group limits (ELB API: HealthCheckIntervalSeconds 5-300, UnhealthyThresholdCount 2-10).
HEALTH_CHECK_INTERVAL_RANGE = (5, 300)
UNHEALTHY_THRESHOLD_RANGE = (2, 10)
DEFAULT_NOT_READY_TOLERATION_SECONDS = 300

_AWS_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_KIND = "public_entry_point"


class RoutingMode(StrEnum):
    """How Route 53 chooses among the members that run a public workload."""

    ACTIVE_ACTIVE = "active-active"  # every member serves; latency routing sends clients to the nearest
    REMOTE_DR = "remote-dr"  # the primary serves; failover routing sends clients to the standby when it is gone


@dataclass(frozen=True)
class TrafficMember:
    """A member cluster and the AWS region its load balancer is in (the latency record's region)."""

    name: str
    region: str


@dataclass(frozen=True, kw_only=True)
class HealthCheck:
    """The NLB's target health check: a target is unhealthy after ``unhealthy_threshold`` failures in a row."""

    interval_seconds: int = 10
    unhealthy_threshold: int = 2


@dataclass(frozen=True)
class PublicEntryPoint:
    """What ``public_entry_point`` returns: the policies to apply and the Service annotations they rely on."""

    hostname: str
    propagation_policy: PropagationPolicy
    override_policy: OverridePolicy
    service_annotations: Mapping[str, str]

    @property
    def policies(self) -> tuple[KarmadaPolicy, ...]:
        """The PropagationPolicy and the OverridePolicy, in apply order."""
        return (self.propagation_policy, self.override_policy)

    def service(self, service_manifest: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``service_manifest`` as an internet-facing NLB Service carrying ``service_annotations``."""
        service = copy.deepcopy(dict(service_manifest))
        metadata = service.setdefault("metadata", {})
        metadata["annotations"] = {**metadata.get("annotations", {}), **self.service_annotations}
        service.setdefault("spec", {})["type"] = "LoadBalancer"
        return service


def public_entry_point(
    name: str,
    *,
    members: Sequence[TrafficMember],
    domain: str,
    namespace: str = "default",
    mode: RoutingMode | str = RoutingMode.ACTIVE_ACTIVE,
    primary: str | None = None,
    health_check: HealthCheck = HealthCheck(),
    host: str | None = None,
    deployment: str | None = None,
    service: str | None = None,
    extra_resource_selectors: Sequence[ResourceSelector] = (),
    replica_scheduling: ReplicaSchedulingStrategy | None = None,
    not_ready_toleration_seconds: int = DEFAULT_NOT_READY_TOLERATION_SECONDS,
) -> PublicEntryPoint:
    """Place Deployment ``deployment`` and Service ``service`` (both default ``name``); publish ``<host>.<domain>``.

    ``host`` defaults to ``name``; the policies are named ``name`` and ``<name>-dns``.

    active-active: every member runs the workload (Duplicated unless ``replica_scheduling`` says otherwise) and
    gets a latency record in its region; the members' regions must differ (Route 53 takes one latency record per
    region). remote-dr: exactly two members; ``primary`` runs it with the PRIMARY record, the other is the standby
    (remote_disaster_recovery's placement and failover) and publishes the SECONDARY record once the workload moves
    there. Both tolerate a NotReady member for ``not_ready_toleration_seconds`` before the replicas (and with them
    the Service, its NLB and its record) leave it.
    """
    _check_entry_point(name, host or name, members, domain, mode, primary, health_check)
    hostname = f"{host or name}.{domain.rstrip('.').lower()}"
    deployment_name, service_name = deployment or name, service or name
    selectors = (
        ResourceSelector(api_version="apps/v1", kind="Deployment", name=deployment_name),
        ResourceSelector(api_version="v1", kind="Service", name=service_name),
        *extra_resource_selectors,
    )
    names = tuple(member.name for member in members)
    if mode == RoutingMode.REMOTE_DR:
        standby = next(member for member in names if member != primary)
        placement_policy = remote_disaster_recovery(
            name,
            resource_selectors=selectors,
            namespace=namespace,
            primary_clusters=(str(primary),),
            backup_clusters=(standby,),
            cluster_failure_toleration_seconds=not_ready_toleration_seconds,
        )
        routing = {
            member: {AWS_FAILOVER_ANNOTATION: "PRIMARY" if member == primary else "SECONDARY"} for member in names
        }
    else:
        placement_policy = PropagationPolicy(
            name=name,
            namespace=namespace,
            resource_selectors=selectors,
            placement=Placement(
                cluster_affinity=ClusterAffinity(cluster_names=names),
                cluster_tolerations=failover_tolerations(not_ready_toleration_seconds),
                replica_scheduling=replica_scheduling or ReplicaSchedulingStrategy.duplicated(),
            ),
        )
        routing = {member.name: {AWS_REGION_ANNOTATION: member.region} for member in members}
    override = OverridePolicy(
        name=f"{name}-dns",
        namespace=namespace,
        resource_selectors=(ResourceSelector(api_version="v1", kind="Service", name=service_name),),
        override_rules=tuple(
            RuleWithCluster(
                target_cluster=ClusterAffinity(cluster_names=(member,)),
                overriders=Overriders(
                    annotations_overrider=(
                        LabelAnnotationOverrider(
                            operator=OverriderOperator.ADD,
                            # The set identifier tells Route 53 the members' records apart; the member's name also
                            # is its ExternalDNS owner id, so each member only ever deletes its own record.
                            value={SET_IDENTIFIER_ANNOTATION: member, **annotations},
                        ),
                    )
                ),
            )
            for member, annotations in routing.items()
        ),
    )
    annotations = {
        HOSTNAME_ANNOTATION: hostname,
        LB_TYPE_ANNOTATION: "external",
        LB_TARGET_TYPE_ANNOTATION: "ip",
        LB_SCHEME_ANNOTATION: "internet-facing",
        LB_HEALTHCHECK_INTERVAL_ANNOTATION: str(health_check.interval_seconds),
        LB_HEALTHCHECK_UNHEALTHY_THRESHOLD_ANNOTATION: str(health_check.unhealthy_threshold),
    }
    return PublicEntryPoint(hostname, placement_policy, override, annotations)


def _check_entry_point(
    name: str,
    host: str,
    members: Sequence[TrafficMember],
    domain: str,
    mode: RoutingMode | str,
    primary: str | None,
    health_check: HealthCheck,
) -> None:
    def fail(path: str, message: str) -> None:
        raise PolicyError(_KIND, name, Problem(path, message))

    # The name becomes the first label of the hostname.
    if reason := k8s_syntax.dns1123_label_problem(host):
        fail("host", f"{reason}; it is the first label of the hostname, e.g. 'web'")
    if not domain or k8s_syntax.dns1123_subdomain_problem(domain.rstrip(".").lower()):
        fail("domain", f"{domain!r} is not a DNS name; pass traffic.domain, like apps.example.com")
    if mode not in tuple(RoutingMode):
        fail("mode", f"{mode!r} is not supported; use one of: {', '.join(RoutingMode)}")
    if isinstance(members, (str, TrafficMember)) or not members:
        fail("members", "needs at least one TrafficMember(name, region)")
    for member in members:
        if reason := k8s_syntax.cluster_name_problem(member.name):
            fail("members", f"{reason}; check the member cluster name")
        if not _AWS_REGION.match(member.region):
            fail("members", f"{member.name}: region {member.region!r} is not an AWS region name like 'us-west-2'")
    names = [member.name for member in members]
    if len(set(names)) != len(names):
        fail("members", f"{names} lists a member twice; list each member once")
    if mode == RoutingMode.REMOTE_DR:
        if len(members) != 2:
            fail("members", f"remote-dr takes exactly two members (Route 53 failover routing has one PRIMARY and "
                            f"one SECONDARY record), got {len(members)}; name the primary and one standby")
        if primary not in names:
            fail("primary", f"{primary!r} is not one of the members {names}; name the member that serves normally")
    else:
        if primary is not None:
            fail("primary", "is only for mode remote-dr; drop it (active-active has no primary)")
        regions = [member.region for member in members]
        if len(set(regions)) != len(regions):
            fail("members", f"two members share a region ({regions}); Route 53 latency routing takes one record per "
                            "region: use mode remote-dr or members in different regions")
    low, high = HEALTH_CHECK_INTERVAL_RANGE
    if not low <= health_check.interval_seconds <= high:
        fail("health_check.interval_seconds",
             f"{health_check.interval_seconds} is outside the NLB's {low}-{high} s; "
             "set traffic.health_check_interval_seconds")
    low, high = UNHEALTHY_THRESHOLD_RANGE
    if not low <= health_check.unhealthy_threshold <= high:
        fail("health_check.unhealthy_threshold",
             f"{health_check.unhealthy_threshold} is outside the NLB's {low}-{high}; set traffic.unhealthy_threshold")


@dataclass(frozen=True, kw_only=True)
class CrossMemberPort:
    """A Service port to share across members; pods are reached at ``target_port``, the port the VPCs must open."""

    name: str
    port: int
    target_port: int


def cross_member_service(
    service: str,
    *,
    providers: Sequence[str],
    consumers: Sequence[str],
    ports: Sequence[CrossMemberPort],
    namespace: str = "default",
    open_ports: Collection[int] | None = None,
) -> MultiClusterService:
    """A CrossCluster MultiClusterService: pods in ``consumers`` reach Service ``service``'s pods in ``providers``.

    Karmada takes the Service over (leave it out of every PropagationPolicy; the MultiClusterService propagates
    it to providers and consumers) and copies the providers' EndpointSlices into the consumers. Consumers connect
    to the pods' VPC addresses directly, so every ``target_port`` must be one the member VPCs let through:
    pass ``open_ports`` (traffic.cross_member_ports) to check it.
    """

    def fail(path: str, message: str) -> None:
        raise PolicyError(MultiClusterService.KIND, service, Problem(path, message))

    for key, clusters in (("providerClusters", providers), ("consumerClusters", consumers)):
        if isinstance(clusters, str) or not clusters:
            # Empty would mean "every cluster" to Karmada; a preset names them.
            fail(f"spec.{key}", "is empty, which Karmada reads as every cluster; name the members")
    if not ports:
        fail("spec.ports", "is empty, which exposes every port of the Service; list the ports to share")
    for index, port in enumerate(ports):
        if open_ports is not None and port.target_port not in open_ports:
            fail(f"spec.ports[{index}]",
                 f"pods serve {port.name} on TCP {port.target_port}, which traffic.cross_member_ports "
                 f"{sorted(open_ports)} does not open between member VPCs; add {port.target_port} to it")
    return MultiClusterService(
        name=service,
        namespace=namespace,
        types=(ExposureType.CROSS_CLUSTER,),
        ports=tuple(ExposurePort(name=port.name, port=port.port) for port in ports),
        provider_clusters=tuple(providers),
        consumer_clusters=tuple(consumers),
    )
