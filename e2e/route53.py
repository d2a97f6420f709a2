"""Route 53 faked at its API (moto) and the real ExternalDNS, one process per member, for the traffic scenarios.

ExternalDNS runs on the host (not as the member's kwok-simulated pod) against the member's kubeconfig, with the
flags its rendered Deployment has (``member-<name>.yaml``), and writes to a moto Route 53 served in this process
on loopback. The hosted zone gets the config's zone id (moto's custom-id hook), so ``--zone-id-filter`` runs as
rendered. What differs from EKS is listed in local_control_plane/deviations.py (DEVIATIONS, the traffic lines).

What moto's Route 53 (5.2) does differently from Route 53, and this double corrects (``_route53_semantics``, see
tests/local/test_route53.py): a DELETE of a record with a SetIdentifier removes every record of the zone with that
SetIdentifier, whatever its name and type; and a CREATE sent once before is refused while any record of that name
and type exists, whatever its SetIdentifier. Route 53 keys a record by name, type and SetIdentifier. Uncorrected,
a member whose records came back after a failover drill could not write them again ("already exists": the other
member's ownership TXT of the same name), which is moto's defect, not ExternalDNS's.

What ExternalDNS v0.21.0 writes for a LoadBalancer Service whose status names an NLB (checked against moto, see
tests/local/test_route53.py): an alias A and an alias AAAA record to the hostname, in the canonical NLB zone of its
region (its built-in table), EvaluateTargetHealth true, with the Service's set identifier and aws-region; and TXT
owner records ``_extdns-cname.<name>`` and ``_extdns-aaaa.<name>`` (the endpoint's type is CNAME until the AWS
provider turns it into an alias), with the same set identifier and region.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from e2e.host_process import stop_process

# ExternalDNS's deployment objects, as charts/external_dns renders them.
NAMESPACE = "external-dns"
DEPLOYMENT = "external-dns"
# Used when the member's manifest has no ExternalDNS (traffic not enabled in the local config): the flags
# docs/traffic.md decides on, with the zone and domain below.
DEFAULT_ZONE_ID = "Z0EKSKARMADALOCAL"
DEFAULT_DOMAIN = "apps.eks-karmada.example.com"
# ExternalDNS's own poll: the rendered 60 s would make every scenario wait a minute for nothing it tests.
INTERVAL = "5s"
# Credentials moto accepts (any); never real ones, and AWS_PROFILE is unset so none are read from disk.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local-external-dns", "AWS_SECRET_ACCESS_KEY": "local-external-dns"}
# The canonical hosted zone of network load balancers per region (AWS's published table, which ExternalDNS
# embeds in provider/aws): the alias target zone ExternalDNS writes for a fake NLB hostname of that region.
NLB_HOSTED_ZONES = {"us-east-1": "Z26RNL4JYFTOTI", "us-east-2": "ZLMOA37VPKANP", "us-west-1": "Z24FKFUX50B4VW",
                    "us-west-2": "Z18D5FSROUN65G", "eu-west-1": "Z2IFOLAFXWLO4F", "eu-central-1": "Z3F0SRJ5LGBH90"}


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def fake_nlb_hostname(namespace: str, service: str, region: str) -> str:
    """The DNS name the AWS Load Balancer Controller's NLB for a Service would have, in the member's region."""
    return f"k8s-{namespace[:8]}-{service[:8]}-0123456789.elb.{region}.amazonaws.com"


def zone_name(domain: str) -> str:
    """The zone that holds ``domain``: its parent when it has one below the TLD (apps.example.com in example.com).

    So ExternalDNS's --aws-zone-match-parent is exercised as in a real account, where the domain is a subdomain.
    """
    labels = domain.split(".")
    return ".".join(labels[1:]) if len(labels) > 2 else domain


def _route53_semantics() -> None:
    """Change batches as moto applies them, records keyed by name, type and SetIdentifier as Route 53 keys them.

    Changes to records with a SetIdentifier are checked and applied here; the others go to moto unchanged.
    """
    from moto.route53.exceptions import InvalidInput, ResourceRecordAlreadyExists
    from moto.route53.models import RecordSet, Route53Backend

    original = getattr(Route53Backend.change_resource_record_sets, "__wrapped__",
                       Route53Backend.change_resource_record_sets)

    def key(record: dict[str, Any] | RecordSet) -> tuple[str, Any, Any]:
        if isinstance(record, RecordSet):
            return record.name.rstrip(".").lower(), record.type, record.set_identifier
        return record["Name"].rstrip(".").lower(), record["Type"], record.get("SetIdentifier")

    def change(self: Route53Backend, zoneid: str, change_list: list[dict[str, Any]]) -> None:
        zone = self.get_hosted_zone(zoneid)
        keyed = [c for c in change_list if c["ResourceRecordSet"].get("SetIdentifier") is not None]
        existing = {key(r) for r in zone.rrsets}
        for item in keyed:  # all checked before any is applied: a batch is atomic
            record, action = item["ResourceRecordSet"], item["Action"]
            if action == "CREATE" and key(record) in existing:
                raise ResourceRecordAlreadyExists(name=record["Name"], _type=record["Type"])
            if action == "DELETE" and key(record) not in existing:
                raise InvalidInput(f"Tried to delete resource record set [name='{record['Name']}', "
                                   f"type='{record['Type']}', set-identifier='{record['SetIdentifier']}'] but it "
                                   "was not found")
        rest = [c for c in change_list if c not in keyed]
        if rest:
            original(self, zoneid, rest)
        for item in keyed:
            record = dict(item["ResourceRecordSet"])
            if not record["Name"].endswith("."):
                record["Name"] += "."
            zone.rrsets = [r for r in zone.rrsets if key(r) != key(record)]
            if item["Action"] in ("CREATE", "UPSERT"):
                if "ResourceRecords" in record:
                    record["ResourceRecords"] = [r["Value"] for r in record["ResourceRecords"]]
                zone.add_rrset(record)
            zone.rr_changes.append(item)

    change.__wrapped__ = original  # type: ignore[attr-defined]
    Route53Backend.change_resource_record_sets = change  # type: ignore[method-assign]


class LocalRoute53:
    """A moto server (Route 53 and the rest of moto's API) in this process, on loopback."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access-log line per ExternalDNS request
        _route53_semantics()
        self._server = ThreadedMotoServer(ip_address=host, port=0, verbose=False)
        self._server.start()
        bound_host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{bound_host}:{port}"

    def client(self) -> Any:
        import boto3

        return boto3.client("route53", region_name="us-east-1", endpoint_url=self.endpoint,
                            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])

    def create_zone(self, zone_id: str, name: str) -> str:
        """A public hosted zone ``name`` whose id is exactly ``zone_id`` (as the config names it)."""
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.route53.models import HostedZoneIdentifier
        from moto.utilities.id_generator import moto_id_manager

        identifier = HostedZoneIdentifier(DEFAULT_ACCOUNT_ID, name.rstrip(".") + ".", None)
        moto_id_manager.set_custom_id(identifier, zone_id)
        try:
            created = self.client().create_hosted_zone(Name=name, CallerReference=f"eks-karmada-{zone_id}")
        finally:
            moto_id_manager.unset_custom_id(identifier)
        got = created["HostedZone"]["Id"].rsplit("/", 1)[-1]
        if got != zone_id:
            raise AssertionError(f"moto gave the zone id {got}, not {zone_id}: its custom-id hook changed")
        return got

    def records(self, zone_id: str) -> list[dict]:
        """Every record set of the zone (all pages)."""
        pages = self.client().get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone_id)
        return [record for page in pages for record in page["ResourceRecordSets"]]

    def aliases(self, zone_id: str, name: str) -> dict[str, dict]:
        """The alias A records of ``name``, by set identifier ("" for a record without one)."""
        fqdn = name.rstrip(".") + "."
        return {r.get("SetIdentifier", ""): r for r in self.records(zone_id)
                if r["Name"] == fqdn and r["Type"] == "A" and "AliasTarget" in r}

    def stop(self) -> None:
        self._server.stop()


@dataclass(frozen=True)
class ExternalDnsSpec:
    """What one member's ExternalDNS runs with: its flags (from the rendered Deployment) and the zone it writes."""

    args: tuple[str, ...]
    zone_id: str
    domain: str
    region: str


def rendered_args(objects: list[dict]) -> list[str] | None:
    """The ExternalDNS container's args in a member's rendered objects; None when it renders no ExternalDNS."""
    for obj in objects:
        meta = obj.get("metadata", {})
        if obj.get("kind") == "Deployment" and meta.get("name") == DEPLOYMENT and meta.get("namespace") == NAMESPACE:
            containers = obj["spec"]["template"]["spec"]["containers"]
            container = next((c for c in containers if c["name"] == DEPLOYMENT), containers[0])
            return [*container.get("command", [])[1:], *container.get("args", [])]
    return None


def default_args(owner: str, zone_id: str, domain: str) -> list[str]:
    """The flags docs/traffic.md decides on, for a member whose manifest renders no ExternalDNS."""
    return ["--source=service", "--service-type-filter=LoadBalancer", "--provider=aws", "--aws-zone-type=public",
            f"--zone-id-filter={zone_id}", f"--domain-filter={domain}", "--aws-zone-match-parent",
            "--registry=txt", f"--txt-owner-id={owner}", "--txt-prefix=_extdns-%{record_type}.", "--policy=sync",
            "--interval=60s", "--events"]


def flag(args: list[str] | tuple[str, ...], name: str) -> str | None:
    """The value of ``--name=value`` in args (the last one wins, as with Go's flag parsing)."""
    values = [a.split("=", 1)[1] for a in args if a.startswith(f"--{name}=")]
    return values[-1] if values else None


def spec_for(owner: str, region: str, objects: list[dict]) -> ExternalDnsSpec:
    """A member's ExternalDNS: rendered flags if the manifest has them, else the decided ones; local overrides."""
    args = rendered_args(objects) or default_args(owner, DEFAULT_ZONE_ID, DEFAULT_DOMAIN)
    zone_id, domain = flag(args, "zone-id-filter"), flag(args, "domain-filter")
    if not zone_id or not domain:
        raise AssertionError(f"{owner}'s ExternalDNS flags name no --zone-id-filter or --domain-filter: {args}")
    # Overridden here (deviations.DEVIATIONS): a shorter poll, and metrics on a loopback port of their own
    # (two members' processes share the host's network).
    local = [a for a in args if not a.startswith(("--interval=", "--metrics-address="))]
    local += [f"--interval={INTERVAL}", f"--metrics-address=127.0.0.1:{free_port()}"]
    return ExternalDnsSpec(args=tuple(local), zone_id=zone_id, domain=domain, region=region)


class ExternalDns:
    """The built external-dns binary as one member's ExternalDNS: its kubeconfig, Route 53 at moto."""

    def __init__(self, binary: Path, kubeconfig: Path | None, spec: ExternalDnsSpec, route53_endpoint: str,
                 log: Path, extra_args: tuple[str, ...] = ()) -> None:
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        self._log = open(log, "ab")
        args = [str(binary), *spec.args, *extra_args]
        if kubeconfig is not None:
            args.append(f"--kubeconfig={kubeconfig}")
        env = {"PATH": "/usr/bin:/bin", "HOME": str(log.parent), "AWS_REGION": spec.region,
               "AWS_ENDPOINT_URL_ROUTE_53": route53_endpoint, **FAKE_CREDENTIALS}
        self.process = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        env=env, start_new_session=True)

    def wait(self, timeout: float) -> int:
        """Wait for a ``--once`` run to end; its exit code."""
        try:
            return self.process.wait(timeout)
        finally:
            self._log.flush()

    def alive(self) -> None:
        """Fail with the log's tail if the process has exited."""
        if self.process.poll() is not None:
            raise AssertionError(f"external-dns exited with {self.process.returncode}:\n{self.tail()}")

    def tail(self, lines: int = 20) -> str:
        self._log.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        stop_process(self.process)
        self._log.close()


def objects_of(path: Path) -> list[dict]:
    """The objects of a rendered multi-document YAML file (none when it does not exist)."""
    if not path.exists():
        return []
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def wait_until(condition, timeout: float, what: str, interval: float = 1.0) -> Any:
    """Poll until ``condition()`` is truthy; its value and the seconds it took. Fails saying what did not happen."""
    started = time.monotonic()
    last: Any = None
    while time.monotonic() - started < timeout:
        last = condition()
        if last:
            return last, time.monotonic() - started
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last})")
