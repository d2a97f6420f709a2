"""`make local`: bring the rendered app up on this machine, idempotently.

Order, as a deploy would go: the parent cluster's API; the parent's manifests, every object at once
(the templates order only the namespace's manifest before the other control-plane manifests, and
parent.yaml lists it first); the Karmada control plane pods; then the PKI as cert-manager would issue
it, once the pods have found their Secrets missing (cert-manager issues them after the Certificates
exist, while the pods applied beside them already wait); the Karmada API bootstrap through the
KarmadaManifest handler; each member's API and its access objects; registration through the
registration handler (Push and Pull, with karmada-agent run from the member's manifest); the
workloads. Ends by writing the kubeconfigs and printing what to run next.
"""

from __future__ import annotations

import base64
import logging
import threading
import time

from functions.resource_types import KARMADA_ENCRYPTION_KEY, KARMADA_MANIFEST

from . import binaries as built
from . import cloudwatch_logs, deviations
from .access import ClusterAccess
from .apply import FIELD_MANAGER, apply_manifest, issue_pki
from .environment import Environment, LocalError, ready_map, with_hosts
from .handlers import Deployer
from .kubelet import access_path
from .layout import Layout
from .services import endpoint_slices, write_table
from .sts import sts_hosts_entry

# How long the PKI waits for the control-plane pods to report that they wait for it (a rerun finds them running).
PKI_AFTER_PODS_SECONDS = 30.0
WAITING_FOR_VOLUME = "waiting for volume"


def log(message: str) -> None:
    print(message, flush=True)


def pods_waiting_for_volumes(status, pod_ids: list[str], timeout: float = PKI_AFTER_PODS_SECONDS,
                             sleep=time.sleep, clock=time.monotonic) -> list[str]:
    """Once every pod has reported on its spec (or `timeout`): the pods that wait for a Secret or ConfigMap."""
    deadline = clock() + timeout
    while True:
        statuses = {pod_id: status(pod_id) for pod_id in pod_ids}
        waiting = sorted(p for p, s in statuses.items() if s.get("message", "").startswith(WAITING_FOR_VOLUME))
        silent = [p for p, s in statuses.items() if s.get("phase") == "Pending" and p not in waiting]
        if not silent or clock() > deadline:
            return waiting
        sleep(0.5)


class EndpointSliceSync(threading.Thread):
    """Keeps the parent's EndpointSlices in step with the pods' readiness while `make local` runs."""

    def __init__(self, client, services, readiness) -> None:
        super().__init__(name="endpointslices", daemon=True)
        self.client = client
        self.services = services
        self.readiness = readiness
        self.written: dict[str, dict] = {}
        self.sync()

    def sync(self) -> None:
        resource = self.client.resource_for("discovery.k8s.io/v1", "EndpointSlice")
        for slice_ in endpoint_slices(self.services, self.readiness()):
            key = slice_["metadata"]["name"]
            if self.written.get(key) != slice_:
                self.client.apply(resource, key, slice_["metadata"]["namespace"], slice_, FIELD_MANAGER, force=True)
                self.written[key] = slice_

    def run(self) -> None:
        while True:
            time.sleep(2)
            try:
                self.sync()
            except Exception as err:  # noqa: BLE001 - the parent API may blink; try again
                log(f"  (EndpointSlice sync: {err})")


class BringUp:
    """The steps of `make local`, each idempotent."""

    def __init__(self, layout: Layout | None = None) -> None:
        self.started = time.monotonic()
        log("eks-karmada local control plane")
        self.binaries = built.ensure(log)
        self.env = Environment(layout, self.binaries)
        self.deployer = Deployer(self.env, log)

    def run(self) -> None:
        env = self.env
        env.network.ensure_bridge()
        env.start_daemon("kubelet")
        # STS for aws-iam-authenticator (beside each karmada-apiserver): it writes the CA the authenticator trusts.
        env.start_daemon("sts")
        # CloudWatch Logs for the audit shipper beside karmada-apiserver, with the log group the template would create.
        env.start_daemon("cloudwatch-logs")
        self.sts_ready()
        self.cloudwatch_logs_ready()
        self.parent_cluster()
        self.control_plane()
        # The parent's own manifests were applied from parent.yaml (control_plane): here the encryption config the
        # apiserver pods wait for, then the Karmada API. CloudFormation runs the two at once (the bootstrap waits
        # for the apiserver); the handlers run here one after the other, so the one the other waits for first.
        self.deployer.deploy_stack("KarmadaParent", (KARMADA_ENCRYPTION_KEY,))
        self.deployer.deploy_stack("KarmadaParent", (KARMADA_MANIFEST,))
        self.control_plane_ready()
        # EventBridge Scheduler's stand-in (the fleet guard), restarted on every run to read the new synth.
        env.start_daemon("schedules", keep_current=False)
        for member in env.member_names:
            self.member_cluster(member)
        for member in env.member_names:
            self.deployer.deploy_stack(f"KarmadaRegistration-{member}")
            self.member_workloads_ready(member)
        self.deployer.deploy_stack("KarmadaWorkloads")
        self.kubeconfigs()
        self.summary()

    def sts_ready(self) -> None:
        """The daemon has written its CA (the authenticator's image holds it from its first start)."""
        sts_ca = self.env.binaries[deviations.STS_CA_FILE]
        deadline = time.monotonic() + 60
        while not sts_ca.exists():
            if time.monotonic() > deadline:
                raise LocalError(f"the local STS wrote no CA at {sts_ca}: see {self.env.layout.logs / 'sts.log'}")
            time.sleep(0.5)

    def cloudwatch_logs_ready(self) -> None:
        try:
            cloudwatch_logs.wait_listening()
        except OSError as err:
            raise LocalError(f"the local CloudWatch Logs does not listen ({err}): see "
                             f"{self.env.layout.logs / 'cloudwatch-logs.log'}") from None
        groups = cloudwatch_logs.ensure_log_groups(self.env.objects("parent"))
        log(f"local CloudWatch Logs at {deviations.cloudwatch_logs_endpoint()}: {', '.join(groups) or 'no log group'}")

    # -- the parent
    def parent_cluster(self) -> None:
        env = self.env
        parent = env.cluster("parent")
        for pod in parent.pods():
            env.run_pod(pod)
        env.wait_ready([p.id for p in parent.pods()], 180, log, "parent API server")
        parent.admin.write(env.kubeconfig_path("parent"))
        log(f"parent API ready at {parent.endpoint}")

    def control_plane(self) -> None:
        env = self.env
        client = env.access("parent").client()
        objects = env.objects("parent")
        applied = apply_manifest(client, objects)
        log(f"parent manifests applied at once ({applied} objects)")
        pods, templates = env.rendered_pods("parent", "parent")
        for pod in pods:
            env.network.ensure_namespace(pod.id)
        services = env.services("parent", pods, templates)
        hosts, table = env.service_hosts(services)
        hosts.append(sts_hosts_entry())
        table_path = env.layout.run / "services.json"
        write_table(table_path, table)
        proxy = env.service_proxy_pod(table_path)
        env.network.ensure_namespace("services", tuple(sorted({entry["listen"][0] for entry in table})))
        env.run_pod(proxy)
        pods = [with_hosts(pod, hosts) for pod in pods]
        for pod in pods:
            env.run_pod(pod)
        self.control_plane_pods = pods
        log(f"control plane: {len(pods)} pods started")
        waiting = pods_waiting_for_volumes(env.status, [p.id for p in pods])
        changed = issue_pki(client, objects)
        log(f"PKI: {len(changed)} Secrets issued as cert-manager would, after the pods ({len(waiting)} of "
            f"{len(pods)} were waiting for them); the Karmada API bootstrap waits for the apiserver")
        # Like the endpointslice controller: the handlers find the apiserver pods through EndpointSlices.
        self.slices = EndpointSliceSync(client, services, lambda: ready_map(env, pods))
        self.slices.start()

    def control_plane_ready(self) -> None:
        """After the bootstrap (CRDs, RBAC, webhooks), every component's readiness probe passes."""
        self.env.wait_ready([p.id for p in self.control_plane_pods], 600, log, "control-plane pods")
        log(f"control plane ready ({time.monotonic() - self.started:.0f} s)")

    # -- members
    def member_cluster(self, member: str) -> None:
        env = self.env
        cluster = env.cluster(member)
        for pod in cluster.pods():
            env.run_pod(pod)
        env.wait_ready([p.id for p in cluster.pods()], 180, log, f"{member} API server")
        client = cluster.admin.client()
        nodes = client.resource_for("v1", "Node")
        for node in cluster.nodes():
            client.apply(nodes, node["metadata"]["name"], None, node, FIELD_MANAGER, force=True)
        cluster.admin.write(env.kubeconfig_path(member))
        self.deployer.deploy_stack(f"KarmadaMember-{member}")
        # The member's own workloads (karmada-agent in Pull mode) start now and wait for their Secrets,
        # which registration creates, as they would in the member EKS cluster.
        hosts = [(env.network.address("nlb"), deviations.NLB_DNS_NAME)]
        for pod in self.member_pods(member):
            env.run_pod(with_hosts(pod, hosts))
        log(f"member {member} ready at {cluster.endpoint} ({len(cluster.nodes())} kwok nodes)")

    def member_pods(self, member: str) -> list:
        return self.env.rendered_pods(f"member-{member}", member)[0]

    def member_workloads_ready(self, member: str) -> None:
        pods = self.member_pods(member)
        if pods:
            self.env.wait_ready([p.id for p in pods], 300, log, f"{member} workloads")
            log(f"member {member}: {', '.join(p.name for p in pods)} ready")

    # -- results
    def kubeconfigs(self) -> None:
        """The Karmada API admin kubeconfig, through the NLB stand-in.

        It checks the NLB name on the serving certificate.
        """
        env = self.env
        parent = env.access("parent")
        secret = parent.client().request("GET", "/api/v1/namespaces/karmada-system/secrets/karmada-admin-client")
        data = {k: base64.b64decode(v) for k, v in secret["data"].items()}
        karmada = ClusterAccess("karmada", env.network.address("nlb"), 443, data["ca.crt"], data["tls.crt"],
                                data["tls.key"], server_name=deviations.NLB_DNS_NAME)
        karmada.save(access_path(env.layout, "karmada"))
        karmada.write(env.kubeconfig_path("karmada"))

    def summary(self) -> None:
        env = self.env
        kubectl = self.binaries["kubectl"]
        root = env.layout.root
        log("")
        log(f"Local control plane up in {time.monotonic() - self.started:.0f} s. Try:")
        log(f"  {kubectl} --kubeconfig {root}/karmada.kubeconfig get clusters")
        for member in env.member_names:
            log(f"  {kubectl} --kubeconfig {root}/{member}.kubeconfig get deployments -A")
        log("  make e2e        # the scenarios: propagation, failover, partition, backup/restore, renewal")
        log("  make local-down # stop everything and remove the namespaces")
        log(f"Built tools: kubectl {kubectl}, karmadactl {self.binaries['karmadactl']}")
        log(f"Deviations from the rendered objects: local_control_plane/deviations.py; logs: {env.layout.logs}")


def main() -> None:
    # The handlers log like their Lambda functions do; here their lines go to the terminal.
    logging.basicConfig(level=logging.INFO, format="    %(name)s: %(message)s")
    BringUp().run()

