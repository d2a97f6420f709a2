"""Scenario 16b: Route 53 follows Karmada's placement (issue 16), with the real ExternalDNS in every member.

A Deployment and a LoadBalancer Service go to both members under one PropagationPolicy; an OverridePolicy stamps,
per member, the ExternalDNS annotations (hostname, set-identifier = the member, aws-region = its region: latency
routing). Each member's ExternalDNS (e2e/route53.py: the built binary with its rendered flags, Route 53 faked at
its API by moto) then writes one alias record per member. The failover drill (`eks-karmada drill failover`, as
test_10 runs it) taints a member: Karmada evicts the Service from it, that member's ExternalDNS deletes its own
record and no other, and when the drill restores the member the record comes back.

The stand-ins are listed in deviations.DEVIATIONS (the traffic lines). The one this file runs itself: there is no
AWS Load Balancer Controller here, so ``LoadBalancerStandIn`` writes each member's Service ``status.loadBalancer``
with a fake NLB hostname of the member's region, as the controller does once its NLB exists.
"""

from __future__ import annotations

import datetime
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e import route53
from e2e.conftest import MEASUREMENTS, Kubectl, wait_for, wait_settled
from e2e.test_10_drills import eks_karmada, local_config

NAMESPACE = "e2e-traffic"
APP = "web"
TOLERATION_SECONDS = 10  # shorter than the sample's: this Service leaves the tainted member first
ANNOTATION = "external-dns.alpha.kubernetes.io/"
DRILL_TAINT = "cluster.karmada.io/not-ready"


def workload(hostname: str, members: dict[str, str]) -> str:
    """The Namespace, Deployment, Service, PropagationPolicy and per-member OverridePolicy, as one manifest."""
    rules = "".join(f"""
  - targetCluster: {{clusterNames: [{name}]}}
    overriders:
      annotationsOverrider:
      - operator: add
        value:
          {ANNOTATION}hostname: {hostname}
          {ANNOTATION}set-identifier: {name}
          {ANNOTATION}aws-region: {region}""" for name, region in sorted(members.items()))
    tolerations = "".join(f"""
    - {{key: cluster.karmada.io/{key}, operator: Exists, effect: NoExecute, tolerationSeconds: {TOLERATION_SECONDS}}}"""
                          for key in ("not-ready", "unreachable"))
    return f"""
apiVersion: v1
kind: Namespace
metadata: {{name: {NAMESPACE}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {APP}, namespace: {NAMESPACE}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: {APP}}}}}
  template:
    metadata: {{labels: {{app: {APP}}}}}
    spec:
      automountServiceAccountToken: false
      securityContext: {{runAsNonRoot: true, runAsUser: 101, runAsGroup: 101, seccompProfile: {{type: RuntimeDefault}}}}
      containers:
      - name: web
        image: public.ecr.aws/nginx/nginx-unprivileged:1.29.3-alpine
        ports: [{{name: http, containerPort: 8080}}]
        resources: {{requests: {{cpu: 10m, memory: 32Mi}}, limits: {{memory: 64Mi}}}}
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {{drop: [ALL]}}
          readOnlyRootFilesystem: true
---
apiVersion: v1
kind: Service
metadata:
  name: {APP}
  namespace: {NAMESPACE}
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-type: external
    service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: ip
    service.beta.kubernetes.io/aws-load-balancer-scheme: internet-facing
spec:
  type: LoadBalancer
  selector: {{app: {APP}}}
  ports: [{{name: http, port: 80, targetPort: http, protocol: TCP}}]
---
apiVersion: policy.karmada.io/v1alpha1
kind: PropagationPolicy
metadata: {{name: {APP}, namespace: {NAMESPACE}}}
spec:
  resourceSelectors:
  - {{apiVersion: apps/v1, kind: Deployment, name: {APP}}}
  - {{apiVersion: v1, kind: Service, name: {APP}}}
  placement:
    clusterAffinity: {{clusterNames: [{", ".join(sorted(members))}]}}
    clusterTolerations:{tolerations}
    replicaScheduling:
      replicaSchedulingType: Divided
      replicaDivisionPreference: Weighted
      weightPreference:
        staticWeightList:{"".join(f'''
        - {{targetCluster: {{clusterNames: [{name}]}}, weight: 1}}''' for name in sorted(members))}
---
apiVersion: policy.karmada.io/v1alpha1
kind: OverridePolicy
metadata: {{name: {APP}-dns, namespace: {NAMESPACE}}}
spec:
  resourceSelectors:
  - {{apiVersion: v1, kind: Service, name: {APP}}}
  overrideRules:{rules}
"""


class LoadBalancerStandIn:
    """Writes a fake NLB hostname into each member's copy of the Service, as the AWS Load Balancer Controller would.

    It keeps doing so while the scenario runs: a Service evicted and placed back is a new object with no status.
    """

    def __init__(self, members: dict[str, Kubectl], regions: dict[str, str]) -> None:
        self.members = members
        self.hostnames = {name: route53.fake_nlb_hostname(NAMESPACE, APP, regions[name]) for name in members}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.errors: list[str] = []

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(2):
            for name, member in self.members.items():
                try:
                    self._write(name, member)
                except (AssertionError, OSError) as err:  # the member's API may be briefly unreachable
                    self.errors = [*self.errors[-4:], f"{name}: {err}"]

    def _write(self, name: str, member: Kubectl) -> None:
        service = member.get("service", APP, NAMESPACE)
        if not service:
            return
        ingress = service.get("status", {}).get("loadBalancer", {}).get("ingress") or []
        if [i.get("hostname") for i in ingress] == [self.hostnames[name]]:
            return
        patch = {"status": {"loadBalancer": {"ingress": [{"hostname": self.hostnames[name]}]}}}
        member.run("patch", "service", APP, "-n", NAMESPACE, "--subresource=status", "--type=merge", "-p",
                   json.dumps(patch))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


@pytest.fixture(scope="module")
def dns(env, members: dict[str, Kubectl]) -> Iterator[tuple[route53.LocalRoute53, route53.ExternalDnsSpec,
                                                         list[route53.ExternalDns]]]:
    """One moto Route 53 with the zone, and one ExternalDNS per member; all stopped at teardown."""
    binary = env.binaries.get("external-dns")
    if binary is None or not Path(binary).exists():
        pytest.fail("no external-dns binary: `python -m local_control_plane build` builds it (binaries.MODULES)")
    specs = {name: route53.spec_for(name, env.config[name]["region"], env.objects(f"member-{name}"))
             for name in env.member_names}
    zones = {(s.zone_id, s.domain) for s in specs.values()}
    assert len(zones) == 1, f"the members' ExternalDNS flags name different zones or domains: {zones}"
    server = route53.LocalRoute53()
    processes: list[route53.ExternalDns] = []
    try:
        zone_id, domain = next(iter(zones))
        server.create_zone(zone_id, route53.zone_name(domain))
        for name, spec in specs.items():
            processes.append(route53.ExternalDns(binary, env.kubeconfig_path(name), spec, server.endpoint,
                                                 env.layout.logs / f"drill-external-dns-{name}.log"))
        yield server, next(iter(specs.values())), processes
    finally:
        for process in processes:
            process.stop()
        server.stop()


def _drill_started(karmada: Kubectl, member: str) -> datetime.datetime | None:
    """When the drill's NoExecute taint was added to the member (its timeAdded), or None while it has none."""
    cluster = karmada.get("cluster", member) or {}
    for taint in cluster.get("spec", {}).get("taints") or []:
        if taint.get("key") == DRILL_TAINT and taint.get("effect") == "NoExecute" and taint.get("timeAdded"):
            return datetime.datetime.fromisoformat(taint["timeAdded"].replace("Z", "+00:00"))
    return None


def test_route53_follows_placement_through_a_failover(env, karmada, members, dns):
    server, spec, processes = dns
    wait_settled(karmada, members)
    regions = {name: env.config[name]["region"] for name in env.member_names}
    hostname = f"{APP}.{spec.domain}"
    drilled, survivor = env.member_names[0], env.member_names[1]
    stand_in = LoadBalancerStandIn(members, regions)
    karmada.apply(workload(hostname, regions))
    stand_in.start()
    try:
        # One alias record per member, with its set identifier and region, to its own NLB.
        def both() -> dict[str, dict]:
            for process in processes:
                process.alive()  # a flag this build refuses ends the scenario here, with the log's tail
            found = server.aliases(spec.zone_id, hostname)
            return found if set(found) == set(regions) else {}

        records, seconds = route53.wait_until(both, 180, f"an alias record of {hostname} per member, in Route 53")
        for name, record in records.items():
            assert record["Region"] == regions[name], record
            target = record["AliasTarget"]
            assert target["DNSName"].rstrip(".") == stand_in.hostnames[name], record
            assert target["EvaluateTargetHealth"] is True, record
            if regions[name] in route53.NLB_HOSTED_ZONES:
                assert target["HostedZoneId"] == route53.NLB_HOSTED_ZONES[regions[name]], record
        published = seconds

        # The failover drill, as a user runs it, in the background: this scenario watches Route 53 meanwhile.
        outcome: dict[str, object] = {}
        drill = threading.Thread(target=lambda: outcome.setdefault("done", eks_karmada(
            "drill", "failover", "--member", drilled, "--yes", "--timeout", "600",
            "--kubeconfig", str(env.kubeconfig_path("karmada")), "--config", local_config())), daemon=True)
        drill.start()
        tainted_at, _ = route53.wait_until(lambda: _drill_started(karmada, drilled), 60,
                                           f"the drill's taint on {drilled}")

        def only_survivor() -> dict[str, dict]:
            found = server.aliases(spec.zone_id, hostname)
            return found if set(found) == {survivor} else {}

        route53.wait_until(only_survivor, 300, f"{drilled}'s record gone from Route 53 and {survivor}'s kept")
        gone_after = (datetime.datetime.now(datetime.UTC) - tainted_at).total_seconds()
        print(f"{drilled}'s record left Route 53 {gone_after:.1f} s after the taint "
              f"(toleration {TOLERATION_SECONDS} s included)")

        drill.join(900)
        done = outcome.get("done")
        assert done is not None, "the failover drill did not finish within 900 s"
        output = done.stdout + done.stderr  # type: ignore[attr-defined]
        assert done.returncode == 0, output  # type: ignore[attr-defined]
        assert f"Restored: {drilled} untainted" in done.stdout, output  # type: ignore[attr-defined]

        _, back_after = route53.wait_until(both, 180, f"{drilled}'s record back in Route 53 after the drill")
        print(f"{drilled}'s record back {back_after:.1f} s after the drill restored it")
        MEASUREMENTS["DNS follows placement (ExternalDNS, Route 53 at moto)"] = (
            f"records published in {published:.0f} s; {drilled} tainted: its record gone after {gone_after:.1f} s "
            f"(toleration {TOLERATION_SECONDS} s included), {survivor}'s kept; back {back_after:.1f} s after restore")
    finally:
        stand_in.stop()
        karmada.run("delete", "namespace", NAMESPACE, "--ignore-not-found", "--wait=false", check=False)

    # The Service gone everywhere: each member's ExternalDNS deletes its own record (policy sync).
    wait_for(lambda: not server.aliases(spec.zone_id, hostname), 180, f"every record of {hostname} deleted")
