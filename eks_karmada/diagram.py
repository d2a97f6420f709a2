r"""The architecture diagram, generated from a synthesized cloud assembly and the config.

    python -m eks_karmada.diagram --assembly cdk.out --config config/default.yaml \
        --svg docs/architecture.svg --png docs/architecture.png

Nothing here is drawn by hand: the stacks, their regions and deployment waves come from
``cdk.out/manifest.json``; VPCs, AZs, NAT gateways, EKS versions, node groups, the NLB, the
add-ons and the custom resources from the stack templates; etcd, the control-plane
Deployments, the PKI and the backup CronJob from ``cdk.out/manifests/parent.yaml``; each
member's mode from its ``member-<name>.yaml`` and the config. ``build_dot`` returns Graphviz DOT
text (tests check it without Graphviz); ``render`` runs Graphviz's ``dot`` for SVG and PNG.
The SVG carries the DOT source's SHA-256 so a test can tell a stale picture.

With traffic on, eks_karmada/diagram_traffic.py adds the Route 53 entry point, the members' ExternalDNS and public
NLBs, the VPC peering between members and the MultiClusterService flow (`make diagram` draws config/traffic.yaml
into docs/architecture-traffic.*); with it off, nothing of it is drawn.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from eks_karmada import diagram_traffic
from eks_karmada.cloud_assembly import Assembly, Stack
from eks_karmada.config import AppConfig, ConfigError, MemberConfig, MemberKind, SyncMode, load_config
from eks_karmada.diagram_dot import Dot, node_id, quote
from functions.resource_types import KARMADA_MANIFEST, KARMADA_MEMBER_REGISTRATION

EGRESS = "KarmadaEgress"
PARENT = "KarmadaParent"
WORKLOADS = "KarmadaWorkloads"
MEMBER_PREFIX = "KarmadaMember-"
REGISTRATION_PREFIX = "KarmadaRegistration-"
DIGEST_PREFIX = "eks-karmada-diagram-sha256:"

# Flow colours (also the legend).
OPERATOR = "#222222"
PROPAGATION = "#1f5fbf"
REGISTRATION = "#d2691e"
PULL = "#7b3fa0"
DEPLOY_TIME = "#7f7f7f"
STORAGE = "#2e8b57"


# ---------------------------------------------------------------------------------- reading


def _azs(stack: Stack) -> list[str]:
    zones = {p.get("AvailabilityZone") for p in stack.resources("AWS::EC2::Subnet")}
    return sorted(z for z in zones if isinstance(z, str))


def _literal(value: Any, fallback: str) -> str:
    return value if isinstance(value, str) else fallback


def _endpoint(cluster: dict) -> str:
    vpc = cluster.get("ResourcesVpcConfig", {})
    private = vpc.get("EndpointPrivateAccess", False)
    public = vpc.get("EndpointPublicAccess", False)
    cidrs = vpc.get("PublicAccessCidrs", [])
    literal = [c for c in cidrs if isinstance(c, str)]
    looked_up = len(cidrs) - len(literal)
    parts = []
    if private:
        parts.append("private")
    if public:
        allowed = literal + ([f"{looked_up} parent egress /32"] if looked_up else [])
        parts.append("public from " + ", ".join(allowed) if allowed else "public")
    return " + ".join(parts) or "no endpoint"


def _node_group(stack: Stack) -> str:
    group = stack.one("AWS::EKS::Nodegroup")
    if not group:
        return "no node group"
    scaling = group.get("ScalingConfig", {})
    types = ", ".join(group.get("InstanceTypes", []))
    return (f"node group {scaling.get('DesiredSize')} x {types} "
            f"(min {scaling.get('MinSize')}, max {scaling.get('MaxSize')})")


def _cidr(stack: Stack) -> str:
    vpc = stack.one("AWS::EC2::VPC")
    return _literal((vpc or {}).get("CidrBlock"), "?")


def _replicas(objects: list[dict], name: str) -> int | None:
    for obj in objects:
        if obj["metadata"]["name"] == name:
            return obj.get("spec", {}).get("replicas")
    return None


def _image_tag(obj: dict) -> str:
    image = obj["spec"]["template"]["spec"]["containers"][0]["image"]
    return image.rsplit(":", 1)[-1]


# ---------------------------------------------------------------------------------- DOT


def _wave_table(assembly: Assembly) -> str:
    """An HTML-like label: the deployment waves, from manifest.json's dependencies."""
    rows = ['<TR><TD COLSPAN="3" BGCOLOR="#eeeeee"><B>cdk deploy --all: waves (manifest.json)</B></TD></TR>',
            '<TR><TD><B>wave</B></TD><TD><B>stack</B></TD><TD><B>region</B></TD></TR>']
    for index, stacks in enumerate(assembly.waves(), start=1):
        for position, name in enumerate(stacks):
            wave = f'<TD ROWSPAN="{len(stacks)}">{index}</TD>' if position == 0 else ""
            rows.append(f"<TR>{wave}<TD ALIGN=\"LEFT\">{name}</TD><TD>{assembly.stacks[name].region}</TD></TR>")
    return '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">' + "".join(rows) + "</TABLE>>"


def _legend(extra: list[tuple[str, str, str]]) -> str:
    rows = [
        ("operator access", OPERATOR, "solid"),
        ("propagation (Karmada API to members)", PROPAGATION, "solid"),
        ("registration (deploy time)", REGISTRATION, "solid"),
        ("Pull: karmada-agent to Karmada API", PULL, "solid"),
        ("deploy-time apply / look-up", DEPLOY_TIME, "dashed"),
        ("storage / backup", STORAGE, "solid"),
        *extra,
    ]
    cells = "".join(
        f'<TR><TD><FONT COLOR="{colour}">{"&#9472;" * 3 if style == "solid" else "- - -"}</FONT></TD>'
        f'<TD ALIGN="LEFT">{text}</TD></TR>'
        for text, colour, style in rows
    )
    return ('<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
            '<TR><TD COLSPAN="2"><B>legend</B></TD></TR>' + cells + "</TABLE>>")


def build_dot(assembly: Assembly, config: AppConfig, *, config_name: str = "config/default.yaml") -> str:
    """Graphviz DOT text of the deployment the assembly and config describe."""
    parent_stack = assembly.stacks.get(PARENT)
    if parent_stack is None:
        raise ValueError(f"the assembly has no {PARENT} stack; run make synth first")
    parent_objects = assembly.manifests.get("parent", [])
    karmada_objects = assembly.manifests.get("karmada", [])
    traffic = diagram_traffic.read_traffic(assembly, config)
    dot = Dot()
    cluster = parent_stack.one("AWS::EKS::Cluster") or {}
    kubernetes = _literal(cluster.get("Version"), "?")
    karmada_version = config.versions.karmada
    title = (f"eks-karmada: Karmada {karmada_version} on Amazon EKS {kubernetes}\n"
             f"generated by `make diagram` from cdk.out (manifest.json, templates, manifests/) and {config_name}")
    dot.lines.append("digraph eks_karmada {")
    dot.add("graph [rankdir=TB, compound=true, newrank=true, nodesep=0.35, ranksep=0.9, splines=spline, "
            'fontname="DejaVu Sans", fontsize=16, labelloc=t, labeljust=l, pad=0.3];')
    dot.add(f"label={quote(title)};")
    dot.add('node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="DejaVu Sans", fontsize=11];')
    dot.add('edge [fontname="DejaVu Sans", fontsize=9, color="#444444"];')

    # --- outside AWS: the operator, the Karmada release ----------------------------------
    dot.node("operator", "operator\nkubectl --context karmada\neks-karmada CLI", shape="box",
             fillcolor="#fff8dc")
    crds = next((p for p in parent_stack.resources(KARMADA_MANIFEST) if "Source" in p), None)
    if crds:
        url = json.loads(crds["Source"])["url"] if isinstance(crds["Source"], str) else "release tarball"
        dot.node("release", "Karmada release\n" + url.replace("https://", "").replace("/releases/", "\n/releases/"),
                 fillcolor="#f5f5f5", shape="note")

    # --- KarmadaEgress ------------------------------------------------------------------------
    egress = assembly.stacks.get(EGRESS)
    if egress:
        eips = len(egress.resources("AWS::EC2::EIP"))
        dot.open(f"cluster_{node_id(EGRESS)}", f"{EGRESS} ({egress.region}), deploys in seconds",
                 style="rounded,filled", fillcolor="#fdf5e6", color="#b8860b")
        dot.node("egress_eips", f"{eips} Elastic IPs: the parent's NAT egress\n"
                 "(outputs NatAddress<i>Ip; read-only EgressReader role)", fillcolor="#ffffff")
        dot.close()

    # --- KarmadaParent --------------------------------------------------------------------------
    azs = _azs(parent_stack)
    nats = len(parent_stack.resources("AWS::EC2::NatGateway"))
    nlb = parent_stack.one("AWS::ElasticLoadBalancingV2::LoadBalancer") or {}
    listener = parent_stack.one("AWS::ElasticLoadBalancingV2::Listener") or {}
    target = parent_stack.one("AWS::ElasticLoadBalancingV2::TargetGroup") or {}
    helm = {p.get("Chart"): p.get("Version") for p in parent_stack.resources("Custom::AWSCDK-EKS-HelmChart")}
    addons = {p.get("AddonName"): p.get("AddonVersion") for p in parent_stack.resources("AWS::EKS::Addon")}
    dot.open(f"cluster_{node_id(PARENT)}", f"{PARENT} ({parent_stack.region})", style="rounded,filled",
             fillcolor="#f0f6ff", color="#1f5fbf", penwidth="2")
    dot.open("cluster_parent_vpc", f"VPC {_cidr(parent_stack)} over {', '.join(azs)} (flow logs, KMS)",
             style="rounded,filled", fillcolor="#e6f0fa", color="#6a8fbf")
    dot.node("parent_nat", f"{nats} NAT gateways (one per AZ)\nwith the KarmadaEgress addresses",
             fillcolor="#ffffff")
    peered = [m for m in config.members if m.privately_reached]
    if peered:
        dot.node("parent_peering", f"routes to {len(peered)} member VPC(s) over peerings\n(KarmadaControlPeering*): "
                 "TCP 443 to their\nprivate EKS endpoints", fillcolor="#ffffff")
    dot.node("nlb", f"NLB ({_literal(nlb.get('Scheme'), '?')}), {_literal(listener.get('Protocol'), '?')} "
             f"{listener.get('Port')} passthrough\n-> karmada-apiserver pods :{target.get('Port')} "
             f"(IP targets)\nhealth check {target.get('HealthCheckProtocol')} {target.get('HealthCheckPath')}\n"
             "security group: VPC + api_endpoint.allowed_cidrs", fillcolor="#ffffff")
    dot.node("manifest_fn", "KarmadaManifest provider (Lambda)\nserver-side apply to the Karmada API,\n"
             "admin certificate read at run time", fillcolor="#fffaf0")
    dot.node("registrar_fn", "MemberRegistration provider (Lambda)\nassumes each member's join role",
             fillcolor="#fffaf0")
    # The functions run on a schedule, by the schedule's name (karmada_constructs/fleet_guard.py, work_healer.py).
    schedules = {_literal(s.get("Name"), ""): s for s in parent_stack.resources("AWS::Scheduler::Schedule")}
    guard, healer = schedules.get("fleet-guard"), schedules.get("work-healer")
    if guard:
        dot.node("guard_fn", f"Fleet guard (Lambda, {_literal(guard.get('ScheduleExpression'), '?')})\n"
                 "suspends taint eviction while too many\nmembers are not Ready at once", fillcolor="#fffaf0")
    if healer:
        dot.node("healer_fn", f"Work healer (Lambda, {_literal(healer.get('ScheduleExpression'), '?')})\n"
                 "re-reconciles Works left marked failed\nafter a restart (karmada#4065)", fillcolor="#fffaf0")

    dot.open("cluster_parent_eks", f"EKS {_literal(cluster.get('Name'), '?')} (Kubernetes {kubernetes}), "
             f"endpoint {_endpoint(cluster)}\n{_node_group(parent_stack)} over the AZs",
             style="rounded,filled", fillcolor="#ffffff", color="#6a8fbf")
    addon_text = "\n".join(f"{name} {version}" for name, version in sorted(addons.items()))
    charts = "\n".join(f"{name} {version}" for name, version in sorted(helm.items()) if name != "cert-manager")
    dot.node("parent_addons", f"{addon_text}\n{charts}".strip(), fillcolor="#f7f7f7")
    certificates = [o for o in parent_objects if o["kind"] == "Certificate"]
    cas = [c for c in certificates if c["spec"].get("isCA")]
    stable = [c for c in certificates if c["spec"]["privateKey"].get("rotationPolicy") == "Never"]
    leaves = [c for c in certificates if c not in stable]
    durations = sorted({c["spec"]["duration"] for c in leaves})
    dot.node("pki", f"cert-manager {helm.get('cert-manager', '?')}: PKI\n{len(cas)} CAs "
             f"({', '.join(c['metadata']['name'] for c in cas)})\nand the service-account key: "
             f"rotationPolicy Never\n{len(leaves)} leaf certificates, {', '.join(durations)}, renewed\n"
             "automatically; no key in any template", fillcolor="#fffde7")
    deployments = [o for o in parent_objects if o["kind"] == "Deployment" and o["metadata"].get("namespace")]
    namespace = deployments[0]["metadata"]["namespace"] if deployments else "karmada-system"
    apiserver = next((d for d in deployments if d["metadata"]["name"] == "karmada-apiserver"), None)
    dot.node("apiserver", f"karmada-apiserver x{(apiserver or {}).get('spec', {}).get('replicas', '?')}\n"
             f"(kube-apiserver {_image_tag(apiserver) if apiserver else '?'})", fillcolor="#dbe9ff")
    others = [d for d in deployments if d["metadata"]["name"] != "karmada-apiserver"]
    dot.node("controllers", "\n".join(
        f"{d['metadata']['name']} x{d['spec'].get('replicas')}" for d in others) or "controllers",
        fillcolor="#dbe9ff")
    statefulset = next((o for o in parent_objects if o["kind"] == "StatefulSet"), None)
    if statefulset:
        claim = statefulset["spec"]["volumeClaimTemplates"][0]["spec"]
        storage_class = next((o for o in parent_objects if o["kind"] == "StorageClass"
                              and o["metadata"]["name"] == claim.get("storageClassName")), {})
        params = storage_class.get("parameters", {})
        replicas = statefulset["spec"]["replicas"]
        dot.open("cluster_etcd", f"etcd StatefulSet x{replicas} in {namespace} (mTLS peers and clients, "
                 "PodDisruptionBudget)", style="rounded,dashed", color="#2e8b57")
        per_zone = [replicas // len(azs) + (1 if i < replicas % len(azs) else 0) for i in range(len(azs))] if azs \
            else [replicas]
        for index, zone in enumerate(azs or ["?"]):
            dot.node(f"etcd_{index}", f"{zone}: {per_zone[index]} x etcd\nEBS {params.get('type', '?')} "
                     f"{claim['resources']['requests']['storage']}, {params.get('iops', '?')} IOPS",
                     shape="cylinder", fillcolor="#e8f5e9")
        dot.close()
    backup = next((o for o in parent_objects if o["kind"] == "CronJob"), None)
    if backup:
        dot.node("backup_job", f"CronJob {backup['metadata']['name']}\n({backup['spec']['schedule']}, "
                 "snapshot + verify + upload)", fillcolor="#e8f5e9")
    dot.close()  # EKS
    dot.close()  # VPC
    if backup and parent_stack.resources("AWS::S3::Bucket"):
        dot.node("backup_bucket", "S3 etcd snapshots\n(SSE-KMS, versioned, retained)", shape="cylinder",
                 fillcolor="#e8f5e9")
    dot.close()  # parent stack

    # --- members, registrations ------------------------------------------------------------------
    for member in config.members:
        _member(dot, assembly, member, traffic)
    if traffic:
        diagram_traffic.draw_outside(dot, traffic)

    # --- workloads ----------------------------------------------------------------------------------
    workloads = assembly.stacks.get(WORKLOADS)
    if workloads:
        count = len(workloads.resources(KARMADA_MANIFEST))
        policies = [o["metadata"]["name"] for o in karmada_objects if o["kind"] == "PropagationPolicy"]
        sample = next((o for o in karmada_objects if o["kind"] == "Deployment"), None)
        text = f"{WORKLOADS} ({workloads.region})\n{count} x {KARMADA_MANIFEST} (workloads/)"
        if sample:
            text += f"\nDeployment {sample['metadata']['name']} x{sample['spec'].get('replicas')}"
        if policies:
            text += "\nPropagationPolicy " + ", ".join(policies)
        dot.node("workloads", text, fillcolor="#eef3ff", color="#1f5fbf")

    dot.node("waves", _wave_table(assembly), shape="plain", style="")
    dot.node("legend", _legend(diagram_traffic.legend_rows(traffic)), shape="plain", style="")

    # --- flows (top to bottom: operator, parent, registrations and workloads, members) -------------
    # An edge that points up is written top-down with dir=back, so it does not bend the ranks.
    dot.add("{rank=same; operator; " + ("release; " if crds else "") + ("egress_eips; " if egress else "")
            + "legend; waves;}")
    etcd_nodes = [f"etcd_{i}" for i in range(len(azs) or 1)] if statefulset else []
    for row in (["nlb", "pki", "parent_addons"], ["apiserver", "controllers"],
                [*etcd_nodes, *(["backup_job"] if backup else [])],
                ["manifest_fn", "registrar_fn", "parent_nat", *(["parent_peering"] if peered else []),
                 *(["backup_bucket"] if backup else [])],
                [*(f"reg_{node_id(m.name)}" for m in config.members
                   if (REGISTRATION_PREFIX + m.name) in assembly.stacks), *(["workloads"] if workloads else [])],
                [f"member_{node_id(m.name)}" for m in config.members]):
        if row:
            dot.add("{rank=same; " + "; ".join(row) + ";}")
    if traffic:
        diagram_traffic.draw_ranks(dot, traffic, [m.name for m in config.members])
    for left, right in itertools.pairwise(etcd_nodes):
        dot.edge(left, right, style="invis")
    dot.edge("operator", "nlb", "Karmada API over TLS\n(admin client certificate)", color=OPERATOR)
    dot.edge("operator", "pki", "eks-karmada kubeconfig: admin Secret\nread through the EKS API", color=OPERATOR,
             style="dashed")
    dot.edge("nlb", "apiserver", "TCP :5443", color=OPERATOR)
    dot.edge("pki", "apiserver", "Secrets mounted", style="dotted")
    dot.edge("apiserver", "controllers", "watch / reconcile", dir="back")
    if statefulset:
        dot.edge("apiserver", "etcd_1" if len(azs) > 1 else "etcd_0", "mTLS :2379", color=STORAGE,
                 lhead="cluster_etcd")
    if egress:
        dot.edge("egress_eips", "parent_nat", "EIP allocations", color=DEPLOY_TIME, style="dashed",
                 constraint="false")
    if backup:
        dot.edge("etcd_0", "backup_job", "snapshot", color=STORAGE, ltail="cluster_etcd", dir="back")
        if parent_stack.resources("AWS::S3::Bucket"):
            dot.edge("backup_job", "backup_bucket", "upload (Pod Identity)", color=STORAGE)
    dot.edge("apiserver", "manifest_fn", "server-side apply to pod IPs :5443", color=DEPLOY_TIME, style="dashed",
             dir="back")
    if crds:
        dot.edge("release", "manifest_fn", "CRDs fetched at deploy time", color=DEPLOY_TIME, style="dashed",
                 dir="back", constraint="false")
    dot.edge("apiserver", "registrar_fn", "Cluster + Secrets", color=REGISTRATION, dir="back")
    if guard:
        dot.edge("apiserver", "guard_fn", "Clusters, failover policy\n(own client certificate)", color=OPERATOR,
                 style="dashed", dir="back")
    if healer:
        dot.edge("apiserver", "healer_fn", "Works, after a start\n(own client certificate)", color=OPERATOR,
                 style="dashed", dir="back")
    # The parent reaches members in AWS through its NAT gateways, or over a peering (endpoint.parent_access).
    through_nat = [m for m in config.members if m.kind is not MemberKind.external and not m.privately_reached]
    for way, members in (("parent_nat", through_nat), ("parent_peering", peered)):
        if any(m.sync_mode is not SyncMode.pull for m in members):
            dot.edge("controllers", way, "Push: Works to members", color=PROPAGATION)
        if members:
            dot.edge("registrar_fn", way, "to member EKS APIs", color=REGISTRATION)
    if workloads:
        dot.edge("manifest_fn", "workloads", KARMADA_MANIFEST, color=DEPLOY_TIME, style="dashed",
                 dir="back")
    for member in config.members:
        _member_flows(dot, assembly, member, egress is not None)
    if traffic:
        diagram_traffic.draw_flows(dot, traffic, [m.name for m in config.members],
                                   {m.name for m in config.members if m.sync_mode is SyncMode.pull})
    dot.lines.append("}")
    return "\n".join(dot.lines) + "\n"


def _member(dot: Dot, assembly: Assembly, member: MemberConfig, traffic: diagram_traffic.Traffic | None) -> None:
    name = member.name
    mid = node_id(name)
    stack = assembly.stacks.get(MEMBER_PREFIX + name)
    mode = member.sync_mode.value
    agent = any(o["metadata"]["name"] == "karmada-agent" for o in assembly.objects(f"member-{name}", "Deployment"))
    if stack is not None:
        cluster = stack.one("AWS::EKS::Cluster")
        where = f"{stack.name} ({stack.region})"
        if cluster:
            text = (f"EKS {_literal(cluster.get('Name'), member.eks_cluster_name)} (Kubernetes "
                    f"{_literal(cluster.get('Version'), '?')}), {member.kind.value}, {mode}\n"
                    f"VPC {_cidr(stack)} over {', '.join(_azs(stack))}, "
                    f"{len(stack.resources('AWS::EC2::NatGateway'))} NAT\n{_node_group(stack)}\n"
                    f"endpoint {_endpoint(cluster)}")
        else:
            reach = ("kubectl provider in its VPC; endpoint must admit the parent's egress"
                     if stack.resources("AWS::EC2::SecurityGroupIngress")
                     else "endpoint must admit AWS Lambda and the parent's egress")
            text = f"existing EKS {member.eks_cluster_name} (imported by name), {mode}\n{reach}"
    else:
        where = f"external member {name} (no AWS stack)"
        text = f"any Kubernetes cluster, {mode}\napply `eks-karmada agent-bundle {name}`"
    side = ("karmada-system/karmada-agent Deployment (Pull)" if agent
            else "karmada-cluster: ServiceAccount token Secrets (Push)")
    if stack is not None:
        side += "\njoin role + access entry -> eks-karmada:registrar RBAC"
    dot.open(f"cluster_member_{mid}", where, style="rounded,filled", fillcolor="#f3fbf3", color="#2e8b57",
             penwidth="2")
    dot.node(f"member_{mid}", f"{text}\n{side}", fillcolor="#ffffff")
    if traffic:
        diagram_traffic.draw_member(dot, traffic, name)
    dot.close()
    registration = assembly.stacks.get(REGISTRATION_PREFIX + name)
    if registration is not None:
        kind = KARMADA_MEMBER_REGISTRATION if registration.resources(
            KARMADA_MEMBER_REGISTRATION) else f"{KARMADA_MANIFEST} (agent RBAC)"
        dot.node(f"reg_{mid}", f"{registration.name} ({registration.region})\n{kind}", fillcolor="#fff3e0",
                 color=REGISTRATION)


def _member_flows(dot: Dot, assembly: Assembly, member: MemberConfig, has_egress: bool) -> None:
    mid = node_id(member.name)
    pull = member.sync_mode is SyncMode.pull
    in_aws = member.kind is not MemberKind.external
    registration = assembly.stacks.get(REGISTRATION_PREFIX + member.name)
    if registration is not None:
        target = "registrar_fn" if in_aws else "manifest_fn"
        dot.edge(target, f"reg_{mid}", "custom resource", color=REGISTRATION, style="dashed", dir="back")
        dot.edge(f"reg_{mid}", f"member_{mid}", style="invis")
    if in_aws:
        origin = ("to its private endpoint" if member.privately_reached
                  else "from the parent's egress addresses")
        label = (f"Push: Karmada controllers and the registrar,\n{origin}" if not pull
                 else "registrar writes the\nagent's kubeconfig")
        dot.edge("parent_peering" if member.privately_reached else "parent_nat", f"member_{mid}", label,
                 color=PROPAGATION if not pull else REGISTRATION, lhead=f"cluster_member_{mid}")
        if has_egress and member.kind is MemberKind.new and not member.privately_reached:
            dot.edge("egress_eips", f"member_{mid}", "endpoint allow-list\n(DescribeAddresses at deploy)",
                     color="#b0b0b0", fontcolor=DEPLOY_TIME, style="dashed", constraint="false")
    if pull:
        dot.edge("nlb", f"member_{mid}", "Pull: karmada-agent dials the\nKarmada API :443", color=PULL,
                 dir="back", constraint="false")


# ---------------------------------------------------------------------------------- output


def digest(dot_text: str) -> str:
    return hashlib.sha256(dot_text.encode("utf-8")).hexdigest()


def svg_digest(svg_text: str) -> str | None:
    match = re.search(re.escape(DIGEST_PREFIX) + r"([0-9a-f]{64})", svg_text)
    return match.group(1) if match else None


def render(dot_text: str, svg: Path | None, png: Path | None, *, dot_binary: str = "dot") -> None:
    """Run Graphviz; the SVG gets the DOT source's digest as a comment (see svg_digest)."""
    if shutil.which(dot_binary) is None:
        raise RuntimeError("Graphviz `dot` is not installed: apt-get install -y graphviz (make diagram does it)")
    if svg is not None:
        out = subprocess.run([dot_binary, "-Tsvg"], input=dot_text, capture_output=True, text=True, check=True)
        text = out.stdout.replace("<svg ", f"<!-- {DIGEST_PREFIX}{digest(dot_text)} -->\n<svg ", 1)
        svg.write_text(text, encoding="utf-8")
    if png is not None:
        out = subprocess.run([dot_binary, "-Tpng", "-Gdpi=96"], input=dot_text.encode("utf-8"),
                             capture_output=True, check=True)
        png.write_bytes(out.stdout)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eks_karmada.diagram", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--assembly", default="cdk.out", help="the synthesized cloud assembly (default cdk.out)")
    parser.add_argument("--config", default=None,
                        help="the deployment config synthesized (default config/default.yaml)")
    parser.add_argument("--dot", type=Path, default=None, help="write the DOT source here ('-': stdout)")
    parser.add_argument("--svg", type=Path, default=None, help="render an SVG here (needs Graphviz)")
    parser.add_argument("--png", type=Path, default=None, help="render a PNG here (needs Graphviz)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as err:
        for line in err.lines:
            print(f"error: {line}", file=sys.stderr)
        return 1
    assembly = Assembly.read(args.assembly)
    text = build_dot(assembly, config, config_name=args.config or "config/default.yaml")
    if args.dot is not None:
        if str(args.dot) == "-":
            sys.stdout.write(text)
        else:
            args.dot.write_text(text, encoding="utf-8")
    if args.svg is not None or args.png is not None:
        render(text, args.svg, args.png)
    if args.dot is None and args.svg is None and args.png is None:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
