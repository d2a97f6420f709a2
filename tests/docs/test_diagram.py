"""The architecture diagram is generated from the synthesized app and the config.

The architecture diagram is generated from the synthesized app and the config: its DOT source has a node or cluster for
every stack and member, the flows each member's mode implies, and the committed SVG is the rendering of the current DOT
(no Graphviz needed to check that).
"""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from eks_karmada import diagram_traffic
from eks_karmada.cloud_assembly import Stack
from eks_karmada.config import DEFAULT_CONFIG_PATH, load_config, parse_config
from eks_karmada.diagram import Assembly, build_dot, digest, svg_digest
from tests.synth import ROOT, synthesize

TRAFFIC_CONFIG = "config/traffic.yaml"


@pytest.fixture(scope="module")
def default_dot(synthesized, default_config):
    return build_dot(Assembly.read(synthesized.outdir), default_config)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """Push, Pull, existing and external members, an internet-facing API."""
    data = copy.deepcopy(yaml.safe_load(DEFAULT_CONFIG_PATH.read_text()))
    data["api_endpoint"].update(scheme="internet-facing", allowed_cidrs=["198.51.100.0/24"])
    data["karmada"]["etcd_replicas"] = 5
    data["members"] = [
        {"name": "push-1", "region": "us-east-1", "vpc_cidr": "10.1.0.0/16", "endpoint": {"parent_access": "public"}},
        {"name": "pull-1", "region": "eu-west-1", "sync_mode": "Pull", "vpc_cidr": "10.2.0.0/16"},
        {"name": "old-1", "kind": "existing", "region": "us-west-2", "cluster_name": "prod-west", "sync_mode": "Pull"},
        {"name": "edge-1", "kind": "external", "sync_mode": "Pull"},
    ]
    config = parse_config(data)
    result = synthesize(config, tmp_path_factory.mktemp("diagram-mixed"))
    return config, Assembly.read(result.outdir), build_dot(Assembly.read(result.outdir), config)


@pytest.fixture(scope="module")
def traffic(tmp_path_factory):
    """config/traffic.yaml, as `make diagram` draws it: three new members in two regions, traffic on."""
    config = load_config(ROOT / TRAFFIC_CONFIG)
    result = synthesize(config, tmp_path_factory.mktemp("diagram-traffic"))
    assembly = Assembly.read(result.outdir)
    return config, assembly, build_dot(assembly, config, config_name=TRAFFIC_CONFIG)


def edges(dot: str) -> dict[tuple[str, str], str]:
    return {(a, b): attrs for a, b, attrs in re.findall(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?;$", dot, re.M)}


def node_label(dot: str, node: str) -> str:
    match = re.search(rf"^\s*{node} \[label=(\"(?:[^\"\\]|\\.)*\"|<<.*>>)", dot, re.M)
    assert match, f"no node {node}"
    return match.group(1).replace("\\l", "\n")


def test_waves_come_from_the_manifest_dependencies(synthesized):
    waves = Assembly.read(synthesized.outdir).waves()
    assert waves == [
        ["KarmadaEgress", "KarmadaImageCache-us-east-1", "KarmadaImageCache-us-west-2"],
        ["KarmadaParent", "KarmadaMember-member-use1", "KarmadaMember-member-usw2"],
        ["KarmadaControlPeering-member-use1", "KarmadaControlPeering-member-usw2"],
        ["KarmadaControlPeeringRoutes-member-use1", "KarmadaControlPeeringRoutes-member-usw2"],
        ["KarmadaRegistration-member-use1", "KarmadaRegistration-member-usw2"],
        ["KarmadaWorkloads"],
    ]


def test_every_stack_is_in_the_diagram(default_dot, synthesized):
    table = node_label(default_dot, "waves")
    for stack in synthesized.templates:
        assert f">{stack}<" in table, f"{stack} missing from the waves table"
    assert "subgraph cluster_KarmadaEgress" in default_dot and "subgraph cluster_KarmadaParent" in default_dot
    for member in ("member_use1", "member_usw2"):
        assert f"subgraph cluster_member_{member}" in default_dot
        assert f"reg_{member} [" in default_dot
    assert "workloads [" in default_dot


def test_parent_shows_what_the_templates_and_manifests_hold(default_dot, default_config):
    vpc = re.search(r'label="(VPC [^"]+)"', default_dot).group(1)
    assert default_config.parent.vpc_cidr in vpc
    assert all(az in vpc for az in default_config.parent.availability_zones)
    nlb = node_label(default_dot, "nlb")
    assert "NLB (internal), TCP 443 passthrough" in nlb and ":5443" in nlb and "/readyz" in nlb
    assert "3 NAT gateways" in node_label(default_dot, "parent_nat")
    # one etcd member per AZ on gp3, from the StatefulSet, its claim template and the StorageClass
    for index, zone in enumerate(default_config.parent.availability_zones):
        assert node_label(default_dot, f"etcd_{index}").startswith(f'"{zone}: 1 x etcd\nEBS gp3 20Gi')
    pki = node_label(default_dot, "pki")
    assert "4 CAs (karmada-ca, karmada-front-proxy-ca, karmada-etcd-ca, karmada-client-ca)" in pki
    assert "rotationPolicy Never" in pki
    assert "karmada-apiserver x2" in node_label(default_dot, "apiserver")
    controllers = node_label(default_dot, "controllers")
    for component in ("karmada-controller-manager x2", "karmada-scheduler x2", "karmada-webhook x2"):
        assert component in controllers
    assert "releases/download/v1.18.2/crds.tar.gz" in node_label(default_dot, "release")
    assert "3 Elastic IPs" in node_label(default_dot, "egress_eips")


def test_flows(default_dot):
    found = edges(default_dot)
    assert ("operator", "nlb") in found and ("nlb", "apiserver") in found
    # Both members are reached over a VPC peering (the default): nothing goes through the parent's NAT gateways.
    assert ("controllers", "parent_nat") not in found and ("registrar_fn", "parent_nat") not in found
    assert ("controllers", "parent_peering") in found and ("registrar_fn", "parent_peering") in found
    assert "routes to 2 member VPC(s)" in node_label(default_dot, "parent_peering")
    assert ("apiserver", "guard_fn") in found and "rate(1 minute)" in node_label(default_dot, "guard_fn")
    assert "dir=\"back\"" in found[("manifest_fn", "workloads")]  # workloads -> KarmadaManifest provider
    for member in ("member_use1", "member_usw2"):
        assert "to its private endpoint" in found[("parent_peering", f"member_{member}")]
        assert ("parent_nat", f"member_{member}") not in found
        assert ("egress_eips", f"member_{member}") not in found  # no endpoint allow-list
        assert ("registrar_fn", f"reg_{member}") in found
        assert ("nlb", f"member_{member}") not in found  # no agent in Push mode


def test_each_member_mode_draws_its_own_flows(mixed):
    config, assembly, dot = mixed
    found = edges(dot)
    assert "Push" in found[("parent_nat", "member_push_1")]  # reached publicly: from the NAT addresses
    assert ("egress_eips", "member_push_1") in found  # its endpoint allow-list
    assert ("controllers", "parent_nat") in found and ("registrar_fn", "parent_nat") in found
    for pull in ("pull_1", "old_1", "edge_1"):
        assert "Pull: karmada-agent" in found[("nlb", f"member_{pull}")]
    assert "agent's kubeconfig" in found[("parent_peering", "member_pull_1")]  # over a peering (the default)
    assert "agent's kubeconfig" in found[("parent_nat", "member_old_1")]
    assert ("parent_nat", "member_edge_1") not in found  # outside AWS: nothing dials it
    assert ("manifest_fn", "reg_edge_1") in found  # its registration is the agent RBAC in Karmada
    assert ("egress_eips", "member_old_1") not in found  # an existing cluster's endpoint is yours to open
    assert "imported by name" in node_label(dot, "member_old_1")
    assert "agent-bundle edge-1" in node_label(dot, "member_edge_1")
    assert "eu-west-1" in dot and "NLB (internet-facing)" in node_label(dot, "nlb")
    assert [node_label(dot, f"etcd_{i}").split(" x ")[0] for i in range(3)] == [
        '"us-east-1a: 2', '"us-east-1b: 2', '"us-east-1c: 1']
    assert len(assembly.waves()) == 6  # pull-1's peering: the peering, then the parent's routes


def test_traffic_off_draws_none_of_it(default_dot, synthesized, default_config):
    assert diagram_traffic.read_traffic(Assembly.read(synthesized.outdir), default_config) is None
    for node in ("route53", "clients"):
        assert not re.search(rf"^\s*{node} \[", default_dot, re.M), node
    for part in ("extdns_", "pubnlb_", "cross_member_ports", "MultiClusterService", "Route 53", "ExternalDNS"):
        assert part not in default_dot, part


def test_traffic_entry_point(traffic):
    config, _, dot = traffic
    zone = node_label(dot, "route53")
    for text in (config.traffic.hosted_zone_id, "\napps.example.com\n", "latency/failover records per member",
                 "alias to each member's NLB, target health"):
        assert text in zone, text
    assert "resolve sample.apps.example.com" in node_label(dot, "clients")
    found = edges(dot)
    assert 'dir="back"' in found[("route53", "clients")]  # clients -> Route 53
    regions = {"member_use1": "us-east-1", "member_usw2": "us-west-2"}
    for member in ("member_use1", "member_usw2", "member_use1_b"):
        external_dns = node_label(dot, f"extdns_{member}")
        assert f"owner {member.replace('_', '-')}, --policy=sync" in external_dns
        assert "Pod Identity: records under its domain, in its zone only" in external_dns
        assert "TXT owner" in found[(f"extdns_{member}", "route53")]
        nlb = node_label(dot, f"pubnlb_{member}")
        assert "public NLB per public Service" in nlb and "health check every 10 s, unhealthy after 2" in nlb
        answer = found[(f"pubnlb_{member}", "route53")]  # Route 53 -> the member's NLB
        assert 'dir="back"' in answer and "healthy targets" in answer
        # the sample is placed on member-use1 and member-usw2 only, latency-routed by region
        assert ("sample.apps.example.com -> eks-karmada-sample/sample-nginx :80" in nlb) == (member in regions)
        assert (f"latency {regions[member]}" in answer) if member in regions else ("latency" not in answer)


def test_traffic_peering_mesh(traffic):
    _, _, dot = traffic
    found = edges(dot)
    pairs = {("use1", "usw2"): True, ("use1", "use1_b"): False, ("usw2", "use1_b"): True}
    for (a, b), cross_region in pairs.items():
        label = found[(f"member_member_{a}", f"member_member_{b}")]
        assert "TCP 8080 both ways, from the peer VPC only" in label
        assert ("inter-region" in label) == cross_region
        assert 'dir="both"' in label and 'constraint="false"' in label
    # the sample's client in member-usw2 calls nginx in member-use1 over their connection
    assert "member-usw2 -> member-use1: eks-karmada-sample/sample-nginx-remote" in found[
        ("member_member_use1", "member_member_usw2")]


def test_traffic_multicluster_service(traffic):
    _, _, dot = traffic
    found = edges(dot)
    provider = found[("controllers", "member_member_use1")]
    consumer = found[("controllers", "member_member_usw2")]
    assert "MultiClusterService eks-karmada-sample/sample-nginx-remote" in provider
    assert "collects EndpointSlices (provider)" in provider
    assert "dispatches EndpointSlices (consumer)" in consumer
    assert ("controllers", "member_member_use1_b") not in found


def read(assembly: Assembly, config) -> diagram_traffic.Traffic:
    traffic = diagram_traffic.read_traffic(assembly, config)
    assert traffic is not None
    return traffic


def changed(assembly: Assembly, stack_name: str, kind: str, change) -> Assembly:
    """The assembly with ``change`` applied to the Properties of each ``kind`` resource of one stack."""
    stacks = dict(assembly.stacks)
    old = stacks[stack_name]
    template = copy.deepcopy(old.template)
    for resource in template["Resources"].values():
        if resource["Type"] == kind:
            change(resource["Properties"])
    stacks[stack_name] = Stack(old.name, old.region, old.account, old.dependencies, template)
    return Assembly(stacks=stacks, manifests=assembly.manifests)


def test_peering_ports_are_read_from_the_templates(traffic):
    """Each side's label shows what its security group opens, so a template change shows in the picture."""
    config, assembly, _ = traffic

    def with_ingress(stack_name: str, change) -> Assembly:
        return changed(assembly, stack_name, "AWS::EC2::SecurityGroupIngress", change)

    def pair(view, a, b):
        return next(p for p in view.peerings if (p.requester, p.accepter) == (a, b))

    moved = read(
        with_ingress("KarmadaPeeringRoutes-member-usw2", lambda p: p.update(FromPort=9090, ToPort=9091)), config)
    assert pair(moved, "member-use1", "member-usw2").accepter_ports == ("9090-9091",)
    assert "TCP 8080 into member-use1, TCP 9090-9091 into member-usw2" in build_dot(
        with_ingress("KarmadaPeeringRoutes-member-usw2", lambda p: p.update(FromPort=9090, ToPort=9091)), config)
    closed = read(
        with_ingress("KarmadaPeering-member-use1", lambda p: p.update(CidrIp="192.0.2.0/24")), config)
    assert pair(closed, "member-use1", "member-use1-b").requester_ports == ()
    assert pair(closed, "member-usw2", "member-use1-b").requester_ports == ("8080",)  # another stack


def test_external_dns_scope_is_read_from_the_role_policy(traffic):
    config, assembly, _ = traffic

    def widen(properties):
        for statement in properties["PolicyDocument"]["Statement"]:
            if "route53:ChangeResourceRecordSets" in statement["Action"]:
                statement["Resource"] = "*"

    member = "member-usw2"
    dns = read(assembly, config).dns
    assert dns[member].pod_identity and dns[member].scoped
    wide = read(changed(assembly, f"KarmadaMember-{member}", "AWS::IAM::Policy", widen), config)
    assert wide.dns[member].pod_identity and not wide.dns[member].scoped
    assert wide.dns["member-use1"].scoped  # another member's stack


def test_traffic_annotations_are_the_charts():
    from charts.external_dns.props import NAME, NAMESPACE
    from charts.policies import traffic as presets

    assert diagram_traffic.EXTERNAL_DNS == NAME == NAMESPACE
    for constant in ("HOSTNAME_ANNOTATION", "SET_IDENTIFIER_ANNOTATION", "AWS_REGION_ANNOTATION",
                     "AWS_FAILOVER_ANNOTATION"):
        assert getattr(diagram_traffic, constant) == getattr(presets, constant), constant


@pytest.mark.parametrize("name", ["architecture", "architecture-traffic"])
def test_committed_pictures_are_current(name, request):
    dot = request.getfixturevalue("default_dot") if name == "architecture" else request.getfixturevalue(
        "traffic")[2]
    svg = (ROOT / "docs" / f"{name}.svg").read_text(encoding="utf-8")
    assert svg_digest(svg) == digest(dot), (
        f"the architecture changed: run make diagram and commit docs/{name}.*")
    png = (ROOT / "docs" / f"{name}.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 50_000


def test_make_diagram_draws_both_pictures(tmp_path):
    """`make diagram` is one command for both: the default config's picture, then config/traffic.yaml's."""
    import subprocess

    result = subprocess.run(["make", "--no-print-directory", "-n", "-o", "setup", "-o", "synth", "diagram"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    commands = result.stdout
    assert "--assembly cdk.out --config config/default.yaml --svg docs/architecture.svg" in commands
    assert f"-c config={TRAFFIC_CONFIG} synth --quiet -o .diagram/cdk.out" in commands
    assert (f"--assembly .diagram/cdk.out --config {TRAFFIC_CONFIG} --svg docs/architecture-traffic.svg "
            "--png docs/architecture-traffic.png") in commands
