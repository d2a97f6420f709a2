"""e2e/route53.py and the built ExternalDNS against moto's Route 53: what the traffic scenario (test_16b) relies on.

The scenario itself needs `make local`; these run without it. The last two run the pinned external-dns binary
(`python -m local_control_plane build`), the last one also the pinned etcd and kube-apiserver as a stand-in member
API, and are skipped, saying so, when those are not built.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import boto3
import kubernetes_validate
import pytest
import yaml
from moto import mock_aws

from e2e import route53
from e2e.test_16b_dns_follows_placement import workload
from local_control_plane import binaries

ZONE_ID = "Z0123456789TESTZONE"
MEMBERS = {"member-a": "us-east-1", "member-b": "us-west-2"}


@pytest.fixture(scope="module")
def server() -> Iterator[route53.LocalRoute53]:
    # moto's server extra (Flask) is installed with the local control plane (requirements-local.txt, make local).
    pytest.importorskip("flask", reason="moto's server extra comes with make local (requirements-local.txt)")
    moto = route53.LocalRoute53()
    try:
        yield moto
    finally:
        moto.stop()


def _alias(name: str, member: str, region: str) -> dict:
    return {"Action": "CREATE", "ResourceRecordSet": {
        "Name": name, "Type": "A", "SetIdentifier": member, "Region": region,
        "AliasTarget": {"HostedZoneId": route53.NLB_HOSTED_ZONES[region], "EvaluateTargetHealth": True,
                        "DNSName": route53.fake_nlb_hostname("ns", "svc", region)}}}


def test_the_zone_gets_the_configured_id_and_aliases_read_back_by_set_identifier(server) -> None:
    zone = server.create_zone(ZONE_ID, "example.com")
    assert zone == ZONE_ID
    changes = [_alias("web.apps.example.com", member, region) for member, region in MEMBERS.items()]
    server.client().change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})
    aliases = server.aliases(zone, "web.apps.example.com")
    assert set(aliases) == set(MEMBERS)
    assert aliases["member-b"]["Region"] == "us-west-2"
    assert aliases["member-b"]["AliasTarget"]["HostedZoneId"] == "Z18D5FSROUN65G"
    assert server.aliases(zone, "other.apps.example.com") == {}


def test_records_are_keyed_by_name_type_and_set_identifier_as_route53_keys_them() -> None:
    """The local Route 53 corrects two moto defects (e2e/route53.py _route53_semantics).

    moto alone deletes every record with the SetIdentifier and refuses a repeated CREATE of a name that another
    member's record shares.
    """
    route53._route53_semantics()  # what LocalRoute53 installs, here on moto in this process (no server extra)
    with mock_aws():
        _keyed_by_set_identifier(boto3.client("route53", region_name="us-east-1"))


def _keyed_by_set_identifier(client) -> None:
    zone = client.create_hosted_zone(Name="quirk.example", CallerReference="quirk")["HostedZone"]["Id"]

    def aliases(name: str) -> set[str]:
        records = client.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
        return {r["SetIdentifier"] for r in records if r["Name"] == f"{name}." and "SetIdentifier" in r}

    first, second = _alias("a.quirk.example", "m", "us-east-1"), _alias("b.quirk.example", "m", "us-east-1")
    other = _alias("a.quirk.example", "n", "us-west-2")
    client.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [first, second, other]})
    client.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [dict(first, Action="DELETE")]})
    assert aliases("b.quirk.example") == {"m"}  # only the record named went
    assert aliases("a.quirk.example") == {"n"}
    # The member's record comes back after a failover: the same CREATE again, beside n's record of that name.
    client.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [first]})
    assert aliases("a.quirk.example") == {"m", "n"}
    with pytest.raises(client.exceptions.InvalidChangeBatch):  # but not twice
        client.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [first]})
    with pytest.raises(client.exceptions.InvalidInput):  # nor a delete of what is not there
        client.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
            dict(_alias("c.quirk.example", "m", "us-east-1"), Action="DELETE")]})


def _rendered(args: list[str]) -> list[dict]:
    return [{"kind": "Namespace", "metadata": {"name": "external-dns"}},
            {"kind": "Deployment", "metadata": {"name": "external-dns", "namespace": "external-dns"},
             "spec": {"template": {"spec": {"containers": [{"name": "external-dns", "args": args}]}}}}]


def test_spec_keeps_the_rendered_flags_but_the_poll_and_the_metrics_address() -> None:
    rendered = ["--source=service", "--provider=aws", f"--zone-id-filter={ZONE_ID}", "--domain-filter=apps.example.com",
                "--txt-owner-id=member-a", "--interval=60s", "--metrics-address=:7979"]
    spec = route53.spec_for("member-a", "us-east-1", _rendered(rendered))
    assert (spec.zone_id, spec.domain, spec.region) == (ZONE_ID, "apps.example.com", "us-east-1")
    assert spec.args[:5] == tuple(rendered[:5])
    assert route53.flag(spec.args, "interval") == route53.INTERVAL
    assert [a for a in spec.args if a.startswith("--interval=")] == [f"--interval={route53.INTERVAL}"]
    assert route53.flag(spec.args, "metrics-address").startswith("127.0.0.1:")  # type: ignore[union-attr]


def test_spec_falls_back_to_the_decided_flags_when_no_external_dns_is_rendered() -> None:
    spec = route53.spec_for("member-b", "us-west-2", [{"kind": "Namespace", "metadata": {"name": "x"}}])
    assert (spec.zone_id, spec.domain) == (route53.DEFAULT_ZONE_ID, route53.DEFAULT_DOMAIN)
    assert route53.flag(spec.args, "txt-owner-id") == "member-b"
    assert {"--source=service", "--provider=aws", "--registry=txt", "--policy=sync"} <= set(spec.args)


def test_spec_refuses_flags_without_a_zone_filter() -> None:
    with pytest.raises(AssertionError, match="member-a's ExternalDNS flags name no --zone-id-filter"):
        route53.spec_for("member-a", "us-east-1", _rendered(["--source=service", "--domain-filter=a.example.com"]))


def test_zone_name_is_the_domains_parent() -> None:
    assert route53.zone_name("apps.example.com") == "example.com"
    assert route53.zone_name("example.com") == "example.com"


def test_the_scenario_workload_is_valid_and_stamps_each_member_with_its_own_identity() -> None:
    docs = list(yaml.safe_load_all(workload("web.apps.example.com", MEMBERS)))
    core = [d for d in docs if d["apiVersion"] in ("v1", "apps/v1")]
    assert [d["kind"] for d in core] == ["Namespace", "Deployment", "Service"]
    for obj in core:
        kubernetes_validate.validate(obj, "1.35.0", strict=True)
    override = next(d for d in docs if d["kind"] == "OverridePolicy")
    stamped = {rule["targetCluster"]["clusterNames"][0]: rule["overriders"]["annotationsOverrider"][0]["value"]
               for rule in override["spec"]["overrideRules"]}
    assert set(stamped) == set(MEMBERS)
    for member, stamp in stamped.items():
        assert stamp == {"external-dns.alpha.kubernetes.io/hostname": "web.apps.example.com",
                               "external-dns.alpha.kubernetes.io/set-identifier": member,
                               "external-dns.alpha.kubernetes.io/aws-region": MEMBERS[member]}
    policy = next(d for d in docs if d["kind"] == "PropagationPolicy")
    assert sorted(policy["spec"]["placement"]["clusterAffinity"]["clusterNames"]) == sorted(MEMBERS)


def _built(folder_name: str, command: str) -> Path:
    """A pinned binary from the cache, or skip saying how to build it."""
    module = next(m for m in binaries.MODULES if m.folder == folder_name)
    try:
        go_version = binaries.go_version(binaries.go_binary())
    except (binaries.BuildError, OSError, subprocess.CalledProcessError) as err:
        pytest.skip(f"no Go toolchain to locate the {folder_name} build: {err}")
    folder = binaries.module_dir(module, go_version)
    if not (folder / ".complete").exists():
        pytest.skip(f"{folder_name} {module.version} is not built ({folder}): `python -m local_control_plane build`")
    return folder / command


def _built_external_dns() -> Path:
    return _built("external-dns", "external-dns")


def test_external_dns_writes_alias_records_and_owners_to_moto(server, tmp_path: Path) -> None:
    """The AWS provider against moto: zone found by id, ELB hostname -> alias A to the region's NLB zone, TXT owners.

    ``--source=fake`` (no Kubernetes) makes ten names under example.com; ``--default-targets`` with
    ``--force-default-targets`` points them at a fake NLB hostname, as a LoadBalancer Service's status would.
    """
    binary = _built_external_dns()
    zone = server.create_zone("Z0123456789FAKESRC", "example.com")
    nlb = route53.fake_nlb_hostname("ns", "svc", "us-east-1")
    spec = route53.ExternalDnsSpec(args=(
        "--source=fake", "--provider=aws", "--aws-zone-type=public", f"--zone-id-filter={zone}",
        "--domain-filter=example.com", "--registry=txt", "--txt-owner-id=member-a",
        "--txt-prefix=_extdns-%{record_type}.", "--policy=sync", f"--default-targets={nlb}",
        "--force-default-targets", "--once", f"--metrics-address=127.0.0.1:{route53.free_port()}",
    ), zone_id=zone, domain="example.com", region="us-east-1")
    started = time.monotonic()
    process = route53.ExternalDns(binary, None, spec, server.endpoint, tmp_path / "external-dns.log")
    try:
        code = process.wait(25)
    except subprocess.TimeoutExpired:
        pytest.fail(f"external-dns --once did not finish in 25 s:\n{process.tail()}")
    finally:
        process.stop()
    assert code == 0, process.tail()
    records = server.records(zone)
    aliases = [r for r in records if r["Type"] == "A" and "AliasTarget" in r]
    assert len(aliases) == 10, process.tail()
    for record in aliases:
        assert record["AliasTarget"]["DNSName"].rstrip(".") == nlb
        assert record["AliasTarget"]["HostedZoneId"] == route53.NLB_HOSTED_ZONES["us-east-1"]
        assert record["AliasTarget"]["EvaluateTargetHealth"] is True
    owners = [r for r in records if r["Type"] == "TXT" and r["Name"].startswith("_extdns-")]
    assert owners and all("external-dns/owner=member-a" in r["ResourceRecords"][0]["Value"] for r in owners)
    assert time.monotonic() - started < 30


TOKEN = "route53-test-token"


class MemberApi:
    """etcd and kube-apiserver (the pinned builds) on loopback: a member's API without Karmada around it."""

    def __init__(self, folder: Path) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        etcd, apiserver = _built("etcd", "etcd"), _built("kubernetes", "kube-apiserver")
        self.kubectl = apiserver.with_name("kubectl")
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (folder / "sa.key").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                          serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
        (folder / "sa.pub").write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                                      serialization.PublicFormat.SubjectPublicKeyInfo))
        (folder / "tokens.csv").write_text(f'{TOKEN},admin,admin,"system:masters"\n')
        client, peer, self.port = route53.free_port(), route53.free_port(), route53.free_port()
        self.log = open(folder / "api.log", "ab")
        self.processes = [subprocess.Popen(
            [str(etcd), f"--data-dir={folder / 'etcd'}", f"--listen-client-urls=http://127.0.0.1:{client}",
             f"--advertise-client-urls=http://127.0.0.1:{client}", f"--listen-peer-urls=http://127.0.0.1:{peer}",
             f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
             f"--initial-cluster=default=http://127.0.0.1:{peer}"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)]
        self.processes.append(subprocess.Popen(
            [str(apiserver), f"--etcd-servers=http://127.0.0.1:{client}", "--bind-address=127.0.0.1",
             f"--secure-port={self.port}", f"--cert-dir={folder / 'certs'}",
             f"--token-auth-file={folder / 'tokens.csv'}",
             "--authorization-mode=RBAC", "--service-account-issuer=https://kubernetes.default.svc",
             f"--service-account-key-file={folder / 'sa.pub'}",
             f"--service-account-signing-key-file={folder / 'sa.key'}", "--service-cluster-ip-range=10.96.0.0/16"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True))
        self.kubeconfig = folder / "kubeconfig"
        self.kubeconfig.write_text(yaml.safe_dump({
            "apiVersion": "v1", "kind": "Config", "current-context": "m",
            "clusters": [{"name": "m", "cluster": {"server": f"https://127.0.0.1:{self.port}",
                                                   "insecure-skip-tls-verify": True}}],
            "users": [{"name": "m", "user": {"token": TOKEN}}],
            "contexts": [{"name": "m", "context": {"cluster": "m", "user": "m"}}]}))

    def wait_ready(self, timeout: float) -> None:
        insecure = ssl.create_default_context()
        insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE
        request = urllib.request.Request(f"https://127.0.0.1:{self.port}/readyz",
                                         headers={"Authorization": f"Bearer {TOKEN}"})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(request, context=insecure, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        pytest.fail(f"kube-apiserver not ready after {timeout:.0f} s; see {self.log.name}")

    def run(self, *args: str, stdin: str | None = None) -> None:
        done = subprocess.run([str(self.kubectl), f"--kubeconfig={self.kubeconfig}", *args], input=stdin,
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        self.log.close()


# Per member: the routing annotation and the record field it sets (latency: active-active; failover: remote DR).
ROUTING = {
    "latency": {member: ("aws-region", "Region", region) for member, region in MEMBERS.items()},
    "failover": {"member-a": ("aws-failover", "Failover", "PRIMARY"),
                 "member-b": ("aws-failover", "Failover", "SECONDARY")},
}


@pytest.mark.parametrize("routing", sorted(ROUTING))
def test_each_members_external_dns_writes_and_deletes_only_its_own_alias(server, tmp_path: Path,
                                                                         routing: str) -> None:
    """The scenario's chain without Karmada: annotated LoadBalancer Services -> the decided flags -> Route 53.

    One API server stands for both members; ``--label-filter`` gives each ExternalDNS only its own member's
    Service, as each member's API would. When member-a's Service goes (what a failover does), member-a's
    ExternalDNS deletes its own records and member-b's stay.
    """
    binary = _built_external_dns()
    api = MemberApi(tmp_path)
    try:
        api.wait_ready(25)
        # A zone per case: moto's state outlives a server in this process, and a zone id is given once.
        zone = server.create_zone(f"Z0{routing.upper()}ZONE", route53.zone_name(route53.DEFAULT_DOMAIN))
        hostname = f"{routing}.{route53.DEFAULT_DOMAIN}"
        nlbs = {member: route53.fake_nlb_hostname("default", member, region) for member, region in MEMBERS.items()}
        for member in MEMBERS:
            api.run("apply", "-f", "-", stdin=yaml.safe_dump({
                "apiVersion": "v1", "kind": "Service",
                "metadata": {"name": member, "namespace": "default", "labels": {"member": member}, "annotations": {
                    "external-dns.alpha.kubernetes.io/hostname": hostname,
                    "external-dns.alpha.kubernetes.io/set-identifier": member,
                    f"external-dns.alpha.kubernetes.io/{ROUTING[routing][member][0]}": ROUTING[routing][member][2]}},
                "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]}}))
            api.run("patch", "service", member, "--subresource=status", "--type=merge", "-p",
                    json.dumps({"status": {"loadBalancer": {"ingress": [{"hostname": nlbs[member]}]}}}))

        def sync(member: str) -> None:
            rendered = _rendered(route53.default_args(member, zone, route53.DEFAULT_DOMAIN))
            spec = route53.spec_for(member, MEMBERS[member], rendered)
            process = route53.ExternalDns(binary, api.kubeconfig, spec, server.endpoint, tmp_path / f"{member}.log",
                                          extra_args=("--once", f"--label-filter=member={member}"))
            try:
                assert process.wait(20) == 0, process.tail()
            finally:
                process.stop()

        for member in MEMBERS:
            sync(member)
        aliases = server.aliases(zone, hostname)
        assert set(aliases) == set(MEMBERS)
        for member, record in aliases.items():
            _, field, value = ROUTING[routing][member]
            assert record[field] == value, record
            assert record["AliasTarget"] == {"HostedZoneId": route53.NLB_HOSTED_ZONES[MEMBERS[member]],
                                             "DNSName": nlbs[member], "EvaluateTargetHealth": True}
        owners = {r["SetIdentifier"] for r in server.records(zone) if r["Type"] == "TXT"
                  and f"external-dns/owner={r.get('SetIdentifier')}" in r["ResourceRecords"][0]["Value"]}
        assert owners == set(MEMBERS)

        api.run("delete", "service", "member-a")
        sync("member-a")
        assert set(server.aliases(zone, hostname)) == {"member-b"}
        assert {r.get("SetIdentifier") for r in server.records(zone) if r["Name"].endswith(hostname + ".")} == {
            "member-b"}
    finally:
        api.stop()
