"""e2e/route53.py and the built ExternalDNS against moto's Route 53: what the traffic scenario (test_16b) relies on.

The scenario itself needs `make local`; these run without it. The last test runs the pinned external-dns binary
(`python -m local_control_plane build`) and is skipped, saying so, when it is not built.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from e2e import route53
from e2e.test_16b_dns_follows_placement import workload
from local_control_plane import binaries

ZONE_ID = "Z0123456789TESTZONE"
MEMBERS = {"member-a": "us-east-1", "member-b": "us-west-2"}


@pytest.fixture(scope="module")
def server() -> Iterator[route53.LocalRoute53]:
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


def test_moto_deletes_every_record_with_the_set_identifier(server) -> None:
    """The quirk e2e/route53.py documents: if moto fixes it, the docstring and deviations.py change with it."""
    zone = server.create_zone("Z0123456789QUIRKZONE", "quirk.example")
    first, second = _alias("a.quirk.example", "m", "us-east-1"), _alias("b.quirk.example", "m", "us-east-1")
    other = _alias("a.quirk.example", "n", "us-west-2")
    client = server.client()
    client.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [first, second, other]})
    client.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [dict(first, Action="DELETE")]})
    assert server.aliases(zone, "b.quirk.example") == {}  # Route 53 would keep it
    assert set(server.aliases(zone, "a.quirk.example")) == {"n"}


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


def _built_external_dns() -> Path:
    module = next(m for m in binaries.MODULES if m.folder == "external-dns")
    try:
        go_version = binaries._go_version(binaries.go_binary())
    except (binaries.BuildError, OSError, subprocess.CalledProcessError) as err:
        pytest.skip(f"no Go toolchain to locate the external-dns build: {err}")
    folder = binaries.module_dir(module, go_version)
    if not (folder / ".complete").exists():
        pytest.skip(f"external-dns {module.version} is not built ({folder}): `python -m local_control_plane build`")
    return folder / "external-dns"


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
