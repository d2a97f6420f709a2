"""The traffic layer of the architecture diagram (docs/traffic.md).

The Route 53 entry point, the members' ExternalDNS and public NLBs, the VPC peering between members and the
MultiClusterService flow, read from the synthesized app like the rest of the diagram: each member's ExternalDNS from
its Deployment in ``cdk.out/manifests/member-<name>.yaml`` (owner, zone and domain from its flags); the public
Services, their placement and per-member routing from ``karmada.yaml`` (LoadBalancer Services with an ExternalDNS
hostname, the PropagationPolicy and OverridePolicies that select them); the peering connections and the ports they
open from the ``KarmadaPeering-*`` and ``KarmadaPeeringRoutes-*`` templates; the MultiClusterServices from
``karmada.yaml``. With traffic off the assembly holds none of these: ``read_traffic`` returns None and the diagram
is drawn exactly as without this module.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from eks_karmada import stack_names
from eks_karmada.cloud_assembly import Assembly, Stack
from eks_karmada.config import AppConfig, MemberConfig
from eks_karmada.diagram_dot import Dot, node_id

# Flow colours (also the legend rows of the traffic picture).
DNS = "#c2185b"
PEERING = "#00838f"
MCS = "#827717"
_FILL = "#fce4ec"

# The ExternalDNS Deployment in a member (charts/external_dns/props.py NAME, NAMESPACE) and the annotations the
# policy presets stamp (charts/policies/traffic.py); repeated here so the diagram needs no cdk8s, and tied to
# those modules by tests/docs/test_diagram.py.
EXTERNAL_DNS = "external-dns"
HOSTNAME_ANNOTATION = "external-dns.alpha.kubernetes.io/hostname"
SET_IDENTIFIER_ANNOTATION = "external-dns.alpha.kubernetes.io/set-identifier"
AWS_REGION_ANNOTATION = "external-dns.alpha.kubernetes.io/aws-region"
AWS_FAILOVER_ANNOTATION = "external-dns.alpha.kubernetes.io/aws-failover"

_PEERING = "AWS::EC2::VPCPeeringConnection"
_ROUTE = "AWS::EC2::Route"
_INGRESS = "AWS::EC2::SecurityGroupIngress"
_POD_IDENTITY = "AWS::EKS::PodIdentityAssociation"


# ---------------------------------------------------------------------------------- reading


@dataclass(frozen=True, kw_only=True)
class MemberDns:
    """One member's ExternalDNS, from its Deployment's flags and its member stack."""

    member: str
    version: str
    """The image tag."""
    owner: str
    """--txt-owner-id: the TXT records name this owner, and it changes no other owner's records."""
    zone_id: str
    domain: str
    policy: str
    interval: str
    pod_identity: bool
    """The member stack associates an IAM role with ExternalDNS's ServiceAccount."""
    scoped: bool
    """A policy in the member stack allows record changes only in the zone, and only for names under the domain."""


@dataclass(frozen=True, kw_only=True)
class PublicService:
    """A LoadBalancer Service with an ExternalDNS hostname, where its policy places it and how each member routes."""

    namespace: str
    name: str
    hostname: str
    ports: tuple[int, ...]
    members: tuple[str, ...] | None
    """The clusters its PropagationPolicy names; None: no policy names any (every member may run it)."""
    routing: Mapping[str, str]
    """Member -> the Route 53 routing its OverridePolicy stamps there, e.g. 'latency us-east-1'."""


@dataclass(frozen=True, kw_only=True)
class Peering:
    """A VPC peering connection between two members, with the TCP ports each side's security group opens."""

    requester: str
    accepter: str
    cross_region: bool
    requester_ports: tuple[str, ...]
    """Opened on the requester's cluster security group, from the accepter's CIDR (its KarmadaPeering stack)."""
    accepter_ports: tuple[str, ...] | None
    """Opened on the accepter's, from the requester's CIDR (its KarmadaPeeringRoutes stack); None: no such stack."""


@dataclass(frozen=True, kw_only=True)
class CrossMemberService:
    """A CrossCluster MultiClusterService: consumers reach the providers' endpoints."""

    namespace: str
    name: str
    providers: tuple[str, ...] | None
    """None: every member (an empty providerClusters)."""
    consumers: tuple[str, ...] | None
    """None: every member (an empty consumerClusters)."""
    ports: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class Traffic:
    """Everything the traffic layer draws."""

    dns: Mapping[str, MemberDns]
    public: Sequence[PublicService]
    peerings: Sequence[Peering]
    services: Sequence[CrossMemberService]
    health_check_interval_seconds: int
    unhealthy_threshold: int


def read_traffic(assembly: Assembly, config: AppConfig) -> Traffic | None:
    """The traffic parts of the synthesized app, or None when it has none (traffic off)."""
    dns = {m.name: d for m in config.members if (d := _member_dns(assembly, m)) is not None}
    karmada = assembly.manifests.get("karmada", [])
    traffic = Traffic(
        dns=dns,
        public=_public_services(karmada) if dns else [],
        peerings=_peerings(assembly, config),
        services=_cross_member_services(karmada),
        health_check_interval_seconds=config.traffic.health_check_interval_seconds,
        unhealthy_threshold=config.traffic.unhealthy_threshold,
    )
    return traffic if traffic.dns or traffic.peerings or traffic.services else None


def _flags(container: dict) -> dict[str, str]:
    flags = (a.removeprefix("--").split("=", 1) for a in container.get("args", []) if a.startswith("--"))
    return {f[0]: f[1] if len(f) > 1 else "" for f in flags}


def _member_dns(assembly: Assembly, member: MemberConfig) -> MemberDns | None:
    deployment = next((d for d in assembly.objects(f"member-{member.name}", "Deployment")
                       if d["metadata"]["name"] == EXTERNAL_DNS), None)
    if deployment is None:
        return None
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    flags = _flags(container)
    stack = assembly.stacks.get(stack_names.member_stack(member))
    associations = stack.resources(_POD_IDENTITY) if stack else []
    zone_id, domain = flags.get("zone-id-filter", "?"), flags.get("domain-filter", "?")
    return MemberDns(
        member=member.name, version=container["image"].rsplit(":", 1)[-1], owner=flags.get("txt-owner-id", "?"),
        zone_id=zone_id, domain=domain, policy=flags.get("policy", "?"), interval=flags.get("interval", "?"),
        pod_identity=any(a.get("Namespace") == EXTERNAL_DNS for a in associations),
        scoped=stack is not None and _changes_scoped(stack, zone_id, domain),
    )


def _changes_scoped(stack: Stack, zone_id: str, domain: str) -> bool:
    """Every statement allowing route53:ChangeResourceRecordSets names the zone and a name condition on the domain."""
    statements = [st for policy in stack.resources("AWS::IAM::Policy")
                  for st in policy.get("PolicyDocument", {}).get("Statement", [])
                  if "route53:ChangeResourceRecordSets" in _list(st.get("Action"))]
    return bool(statements) and all(
        st.get("Effect") == "Allow" and zone_id in json.dumps(st.get("Resource"))
        and "route53:ChangeResourceRecordSetsNormalizedRecordNames" in json.dumps(st.get("Condition"))
        and domain in json.dumps(st.get("Condition"))
        for st in statements)


def _list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def _selects(policy: dict, kind: str, name: str) -> bool:
    return any(s.get("kind") == kind and s.get("name") in (None, name)
               for s in policy.get("spec", {}).get("resourceSelectors", []))


def _routing(overrides: list[dict]) -> dict[str, str]:
    """Member -> its routing, from the annotations the OverridePolicies add to the Service there."""
    out: dict[str, str] = {}
    for policy in overrides:
        for rule in policy["spec"].get("overrideRules", []):
            added: dict[str, str] = {}
            for overrider in rule.get("overriders", {}).get("annotationsOverrider", []):
                if overrider.get("operator") == "add":
                    added.update(overrider.get("value", {}))
            if SET_IDENTIFIER_ANNOTATION not in added:
                continue
            if AWS_REGION_ANNOTATION in added:
                how = f"latency {added[AWS_REGION_ANNOTATION]}"
            elif AWS_FAILOVER_ANNOTATION in added:
                how = f"failover {added[AWS_FAILOVER_ANNOTATION]}"
            else:
                how = "simple"
            for member in rule.get("targetCluster", {}).get("clusterNames", []):
                out[member] = how
    return out


def _public_services(karmada: list[dict]) -> list[PublicService]:
    out = []
    for service in karmada:
        annotations = service.get("metadata", {}).get("annotations") or {}
        if (service.get("kind") != "Service" or service.get("spec", {}).get("type") != "LoadBalancer"
                or HOSTNAME_ANNOTATION not in annotations):
            continue
        namespace, name = service["metadata"].get("namespace", "default"), service["metadata"]["name"]
        in_namespace = [o for o in karmada if o.get("metadata", {}).get("namespace", "default") == namespace]
        policy = next((p for p in in_namespace if p.get("kind") == "PropagationPolicy"
                       and _selects(p, "Service", name)), None)
        names = ((policy or {}).get("spec", {}).get("placement", {}).get("clusterAffinity") or {}).get(
            "clusterNames")
        overrides = [o for o in in_namespace if o.get("kind") == "OverridePolicy" and _selects(o, "Service", name)]
        out.append(PublicService(
            namespace=namespace, name=name, hostname=annotations[HOSTNAME_ANNOTATION],
            ports=tuple(p["port"] for p in service["spec"].get("ports", [])),
            members=tuple(names) if names else None, routing=_routing(overrides),
        ))
    return out


def _cidr(stack: Stack | None) -> str | None:
    vpc = stack.one("AWS::EC2::VPC") if stack else None
    cidr = (vpc or {}).get("CidrBlock")
    return cidr if isinstance(cidr, str) else None


def _ports(stack: Stack | None, source_cidr: str) -> tuple[str, ...]:
    """The TCP ports (or ranges) the stack's ingress rules open from one CIDR."""
    rules = [r for r in (stack.resources(_INGRESS) if stack else []) if r.get("CidrIp") == source_cidr
             and str(r.get("IpProtocol")) in ("tcp", "6")]
    spans = sorted({(r.get("FromPort"), r.get("ToPort")) for r in rules}, key=str)
    return tuple(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _peerings(assembly: Assembly, config: AppConfig) -> list[Peering]:
    cidrs = {m.name: c for m in config.members if (c := _cidr(assembly.stacks.get(stack_names.member_stack(m))))}
    by_cidr = {c: name for name, c in cidrs.items()}
    members = {m.name: m for m in config.members}
    out = []
    for requester in config.members:
        stack = assembly.stacks.get(stack_names.peering_stack(requester))
        if stack is None or requester.name not in cidrs:
            continue
        resources = stack.template.get("Resources", {})
        routes = [r.get("Properties", {}) for r in resources.values() if r.get("Type") == _ROUTE]
        for logical_id, resource in resources.items():
            if resource.get("Type") != _PEERING:
                continue
            # The connection's peer: the CIDR its routes lead to (templates hold the peer VPC id as a look-up).
            peer_cidrs = {r.get("DestinationCidrBlock") for r in routes
                          if r.get("VpcPeeringConnectionId") == {"Ref": logical_id}}
            accepter = next((by_cidr[c] for c in peer_cidrs if c in by_cidr), None)
            if accepter is None:
                continue
            routes_stack = assembly.stacks.get(stack_names.peering_routes_stack(members[accepter]))
            out.append(Peering(
                requester=requester.name, accepter=accepter,
                cross_region="PeerRegion" in resource.get("Properties", {}),
                requester_ports=_ports(stack, cidrs[accepter]),
                accepter_ports=_ports(routes_stack, cidrs[requester.name]) if routes_stack else None,
            ))
    return out


def _cluster_names(entries: list[dict] | None) -> tuple[str, ...] | None:
    names = tuple(e["name"] for e in entries or [] if "name" in e)
    return names or None


def _cross_member_services(karmada: list[dict]) -> list[CrossMemberService]:
    return [
        CrossMemberService(
            namespace=o["metadata"].get("namespace", "default"), name=o["metadata"]["name"],
            providers=_cluster_names(o["spec"].get("providerClusters")),
            consumers=_cluster_names(o["spec"].get("consumerClusters")),
            ports=tuple(p["port"] for p in o["spec"].get("ports", [])),
        )
        for o in karmada
        if o.get("kind") == "MultiClusterService" and "CrossCluster" in o.get("spec", {}).get("types", [])
    ]


# ---------------------------------------------------------------------------------- DOT


def legend_rows(traffic: Traffic | None) -> list[tuple[str, str, str]]:
    """The legend's extra rows (text, colour, style): none when there is no traffic to draw."""
    if traffic is None:
        return []
    rows = []
    if traffic.dns:
        rows.append(("clients, Route 53 and ExternalDNS", DNS, "solid"))
    if traffic.peerings:
        rows.append(("VPC peering (traffic.cross_member_ports)", PEERING, "solid"))
    if traffic.services:
        rows.append(("MultiClusterService: EndpointSlices", MCS, "solid"))
    return rows


def _ports_text(ports: Sequence[int]) -> str:
    return ", ".join(f":{p}" for p in ports)


def draw_member(dot: Dot, traffic: Traffic, member: str) -> None:
    """Inside a member's cluster: its ExternalDNS and its public NLBs, when it runs ExternalDNS."""
    dns = traffic.dns.get(member)
    if dns is None:
        return
    mid = node_id(member)
    identity = ("no Pod Identity role" if not dns.pod_identity else
                "Pod Identity: records under its domain, in its zone only" if dns.scoped else "Pod Identity role")
    dot.node(f"extdns_{mid}", f"ExternalDNS {dns.version} (namespace {EXTERNAL_DNS})\n{identity}\n"
             f"owner {dns.owner}, --policy={dns.policy}, every {dns.interval}\n"
             "watches LoadBalancer Services with a hostname", fillcolor=_FILL, color=DNS)
    text = (f"public NLB per public Service\n(AWS Load Balancer Controller: internet-facing, IP targets,\n"
            f"health check every {traffic.health_check_interval_seconds} s, unhealthy after "
            f"{traffic.unhealthy_threshold})")
    for service in traffic.public:
        if service.members is None or member in service.members:
            text += f"\n{service.hostname} -> {service.namespace}/{service.name} {_ports_text(service.ports)}"
    dot.node(f"pubnlb_{mid}", text, fillcolor=_FILL, color=DNS)


def _zone(traffic: Traffic) -> tuple[str, str]:
    zones = sorted({d.zone_id for d in traffic.dns.values()})
    domains = sorted({d.domain for d in traffic.dns.values()})
    return ", ".join(zones), ", ".join(domains)


def draw_outside(dot: Dot, traffic: Traffic) -> None:
    """Outside every region: the Route 53 hosted zone and the clients."""
    if not traffic.dns:
        return
    zone_id, domain = _zone(traffic)
    dot.node("route53", f"Route 53 hosted zone {zone_id}\n{domain}\nlatency/failover records per member,\n"
             "alias to each member's NLB, target health", fillcolor=_FILL, color=DNS, penwidth="2")
    names = sorted({s.hostname for s in traffic.public}) or [f"<name>.{domain}"]
    dot.node("clients", "clients on the internet\nresolve " + ", ".join(names), fillcolor="#fff8dc")


def draw_ranks(dot: Dot, traffic: Traffic, members: Sequence[str]) -> None:
    """The members' ExternalDNS and NLBs one row below the members, Route 53 below them, the clients last."""
    row = [f"{kind}_{node_id(m)}" for m in members if m in traffic.dns for kind in ("extdns", "pubnlb")]
    if row:
        dot.add("{rank=same; " + "; ".join(row) + ";}")


def draw_flows(dot: Dot, traffic: Traffic, members: Sequence[str], pull: Collection[str] = ()) -> None:
    """Clients -> Route 53 -> member NLBs, ExternalDNS -> Route 53, the peering mesh and the MultiClusterServices.

    ``pull``: the members in Pull mode, whose karmada-agent collects their EndpointSlices.
    """
    # Edges that point up are written top-down with dir=back, so they do not bend the ranks (as in diagram.py).
    if traffic.dns:
        dot.edge("route53", "clients", "1. resolve the workload's name", color=DNS, fontcolor=DNS, dir="back")
    for member in members:
        dns = traffic.dns.get(member)
        if dns is None:
            continue
        mid = node_id(member)
        dot.edge(f"member_{mid}", f"extdns_{mid}", style="invis")
        dot.edge(f"member_{mid}", f"pubnlb_{mid}", style="invis")
        dot.edge(f"extdns_{mid}", "route53", f"writes its records (TXT owner {dns.owner})", color=DNS,
                 fontcolor=DNS, style="dashed")
        routing = sorted({s.routing[member] for s in traffic.public if member in s.routing})
        how = f" ({', '.join(routing)})" if routing else ""
        dot.edge(f"pubnlb_{mid}", "route53", f"2. answers with this NLB{how}\nwhile it has healthy targets",
                 color=DNS, fontcolor=DNS, dir="back")
    carried = _carried(traffic)
    for peering in traffic.peerings:
        dot.edge(f"member_{node_id(peering.requester)}", f"member_{node_id(peering.accepter)}",
                 _peering_label(peering, carried.get(frozenset((peering.requester, peering.accepter)), [])),
                 color=PEERING, fontcolor=PEERING, dir="both", constraint="false", penwidth="2")
    for service in traffic.services:
        _draw_service(dot, service, members, pull)
    peered = {frozenset((p.requester, p.accepter)) for p in traffic.peerings}
    for pair, calls in carried.items():
        if pair not in peered:  # no interconnect of ours: the picture says the path is missing
            consumer, provider = calls[0][0], calls[0][1]
            dot.edge(f"member_{node_id(consumer)}", f"member_{node_id(provider)}",
                     f"{calls[0][2]}: needs a network path\n(traffic.interconnect: none)", color=MCS,
                     fontcolor=MCS, style="dotted", constraint="false")


def _carried(traffic: Traffic) -> dict[frozenset[str], list[tuple[str, str, str]]]:
    """Member pair -> the (consumer, provider, service) calls a MultiClusterService makes between them."""
    every = sorted({*traffic.dns, *(m for p in traffic.peerings for m in (p.requester, p.accepter))})
    out: dict[frozenset[str], list[tuple[str, str, str]]] = {}
    for service in traffic.services:
        for consumer in service.consumers or every:
            for provider in service.providers or every:
                if consumer != provider:  # to the provider's pod IPs, so on its pods' ports, not the Service's
                    text = f"{service.namespace}/{service.name} (pod IPs)"
                    out.setdefault(frozenset((consumer, provider)), []).append((consumer, provider, text))
    return out


def _peering_label(peering: Peering, calls: list[tuple[str, str, str]]) -> str:
    def opened(ports: tuple[str, ...]) -> str:
        return "TCP " + ", ".join(ports) if ports else "no port"

    kind = "VPC peering, inter-region" if peering.cross_region else "VPC peering"
    if peering.accepter_ports is None or peering.accepter_ports == peering.requester_ports:
        rules = f"{opened(peering.requester_ports)} both ways, from the peer VPC only"
    else:
        rules = (f"{opened(peering.requester_ports)} into {peering.requester}, "
                 f"{opened(peering.accepter_ports)} into {peering.accepter}")
    lines = [kind, rules] + [f"{consumer} -> {provider}: {text}" for consumer, provider, text in calls]
    return "\n".join(lines)


def _draw_service(dot: Dot, service: CrossMemberService, members: Sequence[str], pull: Collection[str]) -> None:
    """Karmada's controller-manager collects the providers' EndpointSlices and dispatches them to the consumers.

    In a Pull member its karmada-agent collects them (karmada v1.18.2 cmd/agent: endpointsliceCollect). The edges
    keep their rank constraint (the members are below the controllers anyway): without it dot routes them, and
    their labels, around the whole parent.
    """
    name = f"MultiClusterService {service.namespace}/{service.name}"
    for provider in service.providers or members:
        who = "its karmada-agent collects" if provider in pull else "collects"
        dot.edge("controllers", f"member_{node_id(provider)}", f"{name}:\n{who} EndpointSlices (provider)",
                 color=MCS, fontcolor=MCS, lhead=f"cluster_member_{node_id(provider)}")
    for consumer in service.consumers or members:
        dot.edge("controllers", f"member_{node_id(consumer)}", f"{name}:\ndispatches EndpointSlices (consumer)",
                 color=MCS, fontcolor=MCS, lhead=f"cluster_member_{node_id(consumer)}")
