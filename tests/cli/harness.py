"""A fake outside world for the CLI.

moto (STS, EKS, EC2, ECR, SSM), botocore Stubbers (CloudFormation, Service Quotas, Pricing), an EKS add-on
catalogue (DescribeAddonVersions, which moto lacks) and fake Kubernetes API servers for the parent cluster and
Karmada. The Karmada API signs callers in as the real one does: IAM tokens through a fake aws-iam-authenticator
(made for the Karmada cluster id, mapped by karmada.access.users), the break-glass certificate as system:masters,
and RBAC-like denials for the built-in groups.

`World.clients` is the factory the CLI takes as its typer ``obj``; `World.invoke` runs a command.
Used by the tests and by `python -m tests.cli.doc_examples`, which writes docs/cli.md from them.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.awsrequest
import botocore.session
from botocore.stub import Stubber
from moto import mock_aws
from typer.testing import CliRunner

from eks_karmada.cli.clients import Clients, Clock
from eks_karmada.cli.drill_failover import parse_time, tolerance
from eks_karmada.cli.main import app
from functions.kube.client import build_ssl_context
from functions.kube.connection import BearerAuth, TlsMaterial
from tests.fakes.iam_authenticator import FakeIamAuthenticator, Identity, signed_for
from tests.fakes.kube_api import FakeKubeApi, _json_response, forbidden, unauthorized
from tests.fakes.pki import Pki, make_pki

ACCOUNT = "123456789012"  # moto's
CALLER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/platform-admin"
CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/platform-admin/alice"
KARMADA_CLUSTER_ID = "karmada-parent-karmada"  # AppConfig.karmada_cluster_id of the default config
ADMINS, EDITORS, VIEWERS = "eks-karmada:admins", "eks-karmada:editors", "eks-karmada:viewers"
PARENT_REGION = "us-east-1"
NLB_DNS = "k8s-karmada-apiserver-0123456789.elb.us-east-1.amazonaws.com"
SERVER = f"https://{NLB_DNS}:443"
NAMESPACE = "karmada-system"
STUBBED = ("cloudformation", "service-quotas", "pricing")
COLUMNS = "110"
START = datetime.datetime(2026, 11, 24, 12, 0, 0, tzinfo=datetime.UTC)


class FakeClock(Clock):
    """Simulated time: sleeping advances it at once and runs every ``on_sleep`` hook (the fake controllers)."""

    def __init__(self, start: datetime.datetime = START) -> None:
        self.seconds = 0.0
        self.start = start
        self.on_sleep: list = []

    def monotonic(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.seconds += seconds
        for hook in list(self.on_sleep):
            hook(self)

    def now(self) -> datetime.datetime:
        return self.start + datetime.timedelta(seconds=self.seconds)

_PKI: Pki | None = None


def pki() -> Pki:
    """One throwaway CA + client certificate per process (EC P-256, milliseconds)."""
    global _PKI
    if _PKI is None:
        _PKI = make_pki()
    return _PKI


def admin_secret(material: Pki) -> dict:
    values = {"tls.crt": material.client.cert_pem, "tls.key": material.client.key_pem, "ca.crt": material.ca.cert_pem}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/tls",
        "metadata": {"name": "karmada-admin-client", "namespace": NAMESPACE},
        "data": {k: base64.b64encode(v).decode() for k, v in values.items()},
    }


def ca_bundle(material: Pki) -> dict:
    """The ConfigMap the bootstrap publishes on the parent: the Karmada CA, certificate only."""
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "karmada-ca-bundle", "namespace": NAMESPACE},
            "data": {"ca.crt": material.ca.cert_pem.decode()}}


def workload(kind: str, name: str, desired: int, ready: int) -> dict:
    status = {"replicas": desired}
    if ready:
        status["readyReplicas"] = ready
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"app.kubernetes.io/part-of": "karmada"}},
        "spec": {"replicas": desired},
        "status": status,
    }


def member_cluster(name: str, *, region: str, sync_mode: str = "Push", ready: bool = True,
                   version: str = "v1.35.0-eks-3a1b2c4", nodes: tuple[int, int] = (2, 2)) -> dict:
    condition = {"type": "Ready", "status": "True", "reason": "ClusterReady",
                 "message": "cluster is healthy and ready to accept workloads",
                 "lastTransitionTime": "2026-11-24T10:00:00Z"}
    if not ready:
        condition.update(status="False", reason="ClusterNotReachable", message="cluster is not reachable")
    return {
        "apiVersion": "cluster.karmada.io/v1alpha1",
        "kind": "Cluster",
        "metadata": {"name": name, "labels": {"eks-karmada/region": region}},
        "spec": {"syncMode": sync_mode, "provider": "aws", "region": region,
                 "apiEndpoint": f"https://{name.upper()}0123456789.gr7.{region}.eks.amazonaws.com"},
        "status": {"kubernetesVersion": version, "conditions": [condition],
                   "nodeSummary": {"totalNum": nodes[0], "readyNum": nodes[1]}},
    }


# ---- Karmada's bindings and the controllers that move them (the failover drill) -----------------------------------

NOT_READY_TAINT = "cluster.karmada.io/not-ready"
LAST_SCHEDULED = "2026-11-24T11:00:00Z"


def binding(name: str, placed: dict[str, int], *, namespace: str | None = "sample", tolerations: list | None = None,
            kind: str = "ResourceBinding") -> dict:
    placement = {"clusterAffinity": {"clusterNames": sorted(placed)}, "clusterTolerations": tolerations or []}
    metadata = {"name": name, "annotations": {"policy.karmada.io/applied-placement": json.dumps(placement)}}
    if namespace:
        metadata["namespace"] = namespace
    return {
        "apiVersion": "work.karmada.io/v1alpha2", "kind": kind, "metadata": metadata,
        "spec": {"replicas": sum(placed.values()), "placement": placement,
                 "clusters": [{"name": n, "replicas": r} for n, r in sorted(placed.items())]},
        "status": {"schedulerObservedGeneration": 1, "lastScheduledTime": LAST_SCHEDULED,
                   "conditions": [{"type": "Scheduled", "status": "True", "reason": "Success"}]},
    }


class FakeControllers:
    """Karmada's taint manager, graceful eviction controller and scheduler, one step per poll of the drill.

    An eviction leaves a ``gracefulEvictionTasks`` entry for ``eviction_steps`` polls (the replacements getting
    ready elsewhere); while it is there the scheduler's ClusterEviction filter keeps the binding off that member.
    """

    def __init__(self, world, *, evict: bool = True, eviction_steps: int = 2) -> None:
        self.world = world
        self.evict = evict
        self.eviction_steps = eviction_steps
        self.steps = 0
        self.evicted_at: dict[tuple[str, str], int] = {}  # (binding, member) -> step of the eviction

    def __call__(self, clock) -> None:
        self.steps += 1
        api = self.world.karmada
        clusters = {c["metadata"]["name"]: c for c in api.objects("Cluster")}
        tainted = {name: [t for t in (c.get("spec") or {}).get("taints") or [] if t["effect"] == "NoExecute"]
                   for name, c in clusters.items()}
        # Karmada's TaintToleration filter: NoSchedule and NoExecute taints keep new placements off a member.
        healthy = sorted(name for name, c in clusters.items()
                         if not any(t["effect"] in ("NoSchedule", "NoExecute")
                                    for t in (c.get("spec") or {}).get("taints") or []))
        for obj in api.objects("ResourceBinding") + api.objects("ClusterResourceBinding"):
            placed = {c["name"]: c["replicas"] for c in obj["spec"]["clusters"]}
            total = obj["spec"]["replicas"]
            status = obj["status"]
            tasks = self._finish_evictions(obj)
            trigger = parse_time(obj["spec"].get("rescheduleTriggeredAt"))
            last = parse_time(status["lastScheduledTime"])
            rescheduled = bool(trigger and last and trigger > last)
            if rescheduled:
                fit = [name for name in healthy if name not in {t["fromCluster"] for t in tasks}]
                placed = {name: total // len(fit) for name in fit}
            elif self.evict:
                for name in list(placed):
                    if tainted.get(name) and self._due(obj, tainted[name][0], clock):
                        freed = placed.pop(name)
                        placed[healthy[0]] = placed.get(healthy[0], 0) + freed
                        tasks.append({"fromCluster": name, "reason": "TaintUntolerated", "producer": "TaintManager"})
                        self.evicted_at[(obj["metadata"]["name"], name)] = self.steps
            changed = tasks != (obj["spec"].get("gracefulEvictionTasks") or [])
            obj["spec"]["gracefulEvictionTasks"] = tasks
            if not rescheduled and placed == {c["name"]: c["replicas"] for c in obj["spec"]["clusters"]}:
                if changed:
                    api.put(obj)
                continue
            obj["spec"]["clusters"] = [{"name": n, "replicas": r} for n, r in sorted(placed.items())]
            status["lastScheduledTime"] = clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
            api.put(obj)

    def _finish_evictions(self, obj: dict) -> list[dict]:
        """The eviction tasks still open: each ends ``eviction_steps`` polls after it began."""
        name = obj["metadata"]["name"]
        return [task for task in obj["spec"].get("gracefulEvictionTasks") or []
                if self.steps - self.evicted_at.get((name, task["fromCluster"]), self.steps) < self.eviction_steps]

    @staticmethod
    def _due(obj: dict, taint: dict, clock) -> bool:
        wait = tolerance(obj, taint)
        if wait is None:
            return False
        added = parse_time(taint["timeAdded"])
        return added is not None and clock.now() >= added + datetime.timedelta(seconds=wait)



CONTROL_PLANE = [("StatefulSet", "etcd", 3)] + [
    ("Deployment", name, 2)
    for name in ("karmada-apiserver", "karmada-aggregated-apiserver", "karmada-cluster-guard",
                 "karmada-kube-controller-manager",
                 "karmada-controller-manager", "karmada-scheduler", "karmada-webhook")
]


class FakeClients(Clients):
    """The CLI's seam, wired to the World."""

    def __init__(self, world: World, profile: str | None) -> None:
        super().__init__(profile)
        self.world = world
        self.clock = world.clock

    def aws(self, service: str, region: str) -> Any:
        self.world.profiles.append(self.profile)
        return self.world.aws(service, region)

    def eks_transport(self, cluster, token_provider):
        world = self.world
        world.eks_endpoints.append(cluster)

        def transport(method, path, headers, body):
            if world.parent_unreachable:
                raise ConnectionError(f"{cluster.host}:{cluster.port}: timed out")
            sent = dict(headers)
            sent["Authorization"] = "Bearer " + token_provider()  # what Urllib3Transport adds
            # EKS accepts only tokens signed for this cluster (not, say, for the Karmada API's cluster id).
            if not world.eks_accepts(sent["Authorization"], cluster.name):
                return _json_response(401, unauthorized())
            return world.parent(method, path, sent, body)

        return transport

    def connect(self, host: str, port: int, timeout: float) -> str | None:
        self.world.connect_tests.append((host, port, timeout))
        reached = any(host == known or (known.startswith("*.") and host.endswith(known[1:]))
                      for known in self.world.reachable)
        return None if reached else f"no answer within {timeout:g} s"

    def karmada_transport(self, server, auth, server_name=None):
        world = self.world
        # As the real transport does: the CA (and a client certificate and key) must load as a TLS context.
        if isinstance(auth, TlsMaterial):
            build_ssl_context(auth.ca_pem, auth.cert_pem, auth.key_pem)
        else:
            build_ssl_context(auth.ca_pem)
        world.karmada_connections.append((server, auth) if server_name is None else (server, auth, server_name))

        def transport(method, path, headers, body):
            if world.karmada_unreachable:
                raise ConnectionError(f"{server}: connect timed out")
            sent = dict(headers)
            if isinstance(auth, BearerAuth):
                sent["Authorization"] = "Bearer " + auth.token_provider()  # what Urllib3Transport adds
            return world.karmada_front(method, path, sent, body, auth.cert_pem if isinstance(auth, TlsMaterial)
                                       else None)

        return transport


# What the built-in groups may do (charts' RBAC, simplified): admins anything, editors write namespaced objects,
# viewers only read.
READ_VERBS = ("get", "list", "watch")


def _allowed(groups: list[str], verb: str, namespaced: bool) -> bool:
    if "system:masters" in groups or ADMINS in groups:
        return True
    if EDITORS in groups:
        return verb in READ_VERBS or namespaced
    return VIEWERS in groups and verb in READ_VERBS


def _attributes(method: str, path: str) -> tuple[str, str, str, str, bool]:
    """(verb, group, plural, name, namespaced) of a request, as the API server's RBAC sees it."""
    parts = [p for p in path.split("?")[0].strip("/").split("/") if p]
    core = parts[:1] == ["api"]
    group = "" if core else (parts[1] if len(parts) > 1 else "")
    rest = parts[2:] if core else parts[3:]
    namespaced = len(rest) > 2 and rest[0] == "namespaces"
    if namespaced:
        rest = rest[2:]
    plural, name = (rest[0] if rest else ""), (rest[1] if len(rest) > 1 else "")
    verb = {"GET": "get" if name else "list", "PATCH": "patch", "PUT": "update", "POST": "create",
            "DELETE": "delete"}.get(method.upper(), method.lower())
    return verb, group, plural, name, namespaced


@dataclass
class World:
    """Everything outside the CLI. Create inside `world()` (moto must be active)."""

    home: Path
    parent: FakeKubeApi = field(default_factory=FakeKubeApi)
    karmada: FakeKubeApi = field(default_factory=lambda: FakeKubeApi(karmada=True))
    parent_unreachable: bool = False
    karmada_unreachable: bool = False
    # aws-iam-authenticator in front of the Karmada API (keys and mapping set in __post_init__).
    authenticator: FakeIamAuthenticator = field(default_factory=lambda: FakeIamAuthenticator(KARMADA_CLUSTER_ID))
    karmada_users: list = field(default_factory=list)  # (username, groups) of each request the Karmada API accepted
    eks_endpoints: list = field(default_factory=list)
    karmada_connections: list = field(default_factory=list)
    profiles: list = field(default_factory=list)
    reachable: set = field(default_factory=set)  # hosts a connect test (Clients.connect) reaches
    connect_tests: list = field(default_factory=list)
    # region -> add-on name -> builds for the configured Kubernetes version, newest first; regions
    # not listed answer with `addon_builds`: the app's pinned builds and one newer build each.
    addon_catalog: dict = field(default_factory=dict)
    clock: FakeClock = field(default_factory=FakeClock)
    _session: Any = None
    _clients: dict = field(default_factory=dict)
    _stubbers: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The caller is an assumed role, as with SSO or a deployer role: its session ARN is not the
        # IAM principal an EKS access entry names.
        base = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                     aws_session_token="testing")
        # The role exists, so iam:GetRole gives its full ARN (an access entry names the role, path included).
        base.client("iam", region_name=PARENT_REGION).create_role(
            RoleName=CALLER_ROLE.rsplit("/", 1)[1], AssumeRolePolicyDocument="{}")
        credentials = base.client("sts", region_name=PARENT_REGION).assume_role(
            RoleArn=CALLER_ROLE, RoleSessionName="alice")["Credentials"]
        self._session = boto3.session.Session(aws_access_key_id=credentials["AccessKeyId"],
                                              aws_secret_access_key=credentials["SecretAccessKey"],
                                              aws_session_token=credentials["SessionToken"])
        # STS knows the session's keys; karmada.access.users maps its role (parent.admin_role_arns, say) to admins.
        self.authenticator.keys[credentials["AccessKeyId"]] = Identity(CALLER, credentials["SecretAccessKey"])
        self.authenticator.mapping[CALLER_ROLE] = [ADMINS]

    def eks_accepts(self, authorization: str, cluster_name: str) -> bool:
        """Whether EKS would take this bearer token for ``cluster_name`` (made by a known key for that name)."""
        token = authorization.removeprefix("Bearer ")
        return any(signed_for(token, cluster_name, identity.secret_key)
                   for identity in self.authenticator.keys.values())

    # ---- the Karmada API's sign-in --------------------------------------------------------------
    def karmada_front(self, method: str, path: str, headers: dict, body: Any, client_cert: bytes | None = None):
        """The Karmada API server's authentication and authorization, then the fake API itself."""
        if client_cert is not None and client_cert == pki().client.cert_pem:
            user, groups = "system:admin", ["system:masters"]
        elif client_cert is not None:
            return _json_response(401, unauthorized())
        else:
            signed_in = self.authenticator.authenticate(headers.get("Authorization"))
            if signed_in is None:
                return _json_response(401, unauthorized())
            user, groups = signed_in
        verb, group, plural, name, namespaced = _attributes(method, path)
        if plural and not _allowed(groups, verb, namespaced):
            return _json_response(403, forbidden(plural, name, verb=verb, user=user, group=group))
        self.karmada_users.append((user, groups))
        return self.karmada(method, path, headers, body)

    # ---- AWS ----------------------------------------------------------------------------------
    def aws(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            client = self._session.client(service, region_name=region)
            self._clients[key] = client
            if service == "eks":
                client.meta.events.register("before-call.eks.DescribeAddonVersions",
                                            lambda params, **_: self._addon_versions(region, params))
            if service in STUBBED:
                stubber = Stubber(client)
                stubber.activate()
                self._stubbers[key] = stubber
        return self._clients[key]

    def _addon_versions(self, region: str, params: dict) -> tuple:
        """DescribeAddonVersions(addonName, kubernetesVersion) as EKS answers it, from the catalogue."""
        query = params["query_string"]  # the serialized request: rest-json puts these in the query
        name, kubernetes = query["addonName"], query["kubernetesVersion"]
        builds = self.addon_catalog.get(region, addon_builds()).get(name, [])
        addon = {"addonName": name, "type": "networking", "owner": "aws", "publisher": "eks",
                 "addonVersions": [{"addonVersion": build, "architecture": ["amd64", "arm64"],
                                    "compatibilities": [{"clusterVersion": kubernetes, "platformVersions": ["*"],
                                                         "defaultVersion": index == 0}],
                                    "requiresConfiguration": False} for index, build in enumerate(builds)]}
        http = botocore.awsrequest.AWSResponse(params["url"], 200, {}, None)
        return http, {"addons": [addon] if builds else [], "ResponseMetadata": {"HTTPStatusCode": 200}}

    def stub(self, service: str, region: str) -> Stubber:
        self.aws(service, region)
        return self._stubbers[(service, region)]

    def assert_stubs_used(self) -> None:
        for (service, region), stubber in self._stubbers.items():
            try:
                stubber.assert_no_pending_responses()
            except AssertionError as err:
                raise AssertionError(f"{service} in {region}: {err}") from None

    def clients(self, profile: str | None) -> FakeClients:
        return FakeClients(self, profile)

    # ---- scenarios ----------------------------------------------------------------------------
    def expect_stack(self, *, outputs: dict | None = None, region: str = PARENT_REGION,
                     status: str = "UPDATE_COMPLETE", missing: bool = False) -> None:
        """The next describe_stacks(KarmadaParent) answer."""
        stubber = self.stub("cloudformation", region)
        if missing:
            stubber.add_client_error("describe_stacks", "ValidationError", "Stack with id KarmadaParent does not exist",
                                     400, expected_params={"StackName": "KarmadaParent"})
            return
        if outputs is None:
            outputs = {"KarmadaApiEndpoint": SERVER, "ParentClusterName": "karmada-parent",
                       "ParentKubeconfigCommand": "aws eks update-kubeconfig --region us-east-1 --name karmada-parent"}
        stack = {
            "StackName": "KarmadaParent",
            "StackId": (f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/KarmadaParent/"
                        "0f0e0d0c-0b0a-4909-8807-060504030201"),
            "CreationTime": "2026-11-20T09:00:00Z",
            "StackStatus": status,
            "Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()],
        }
        stubber.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "KarmadaParent"})

    def create_eks_cluster(self, name: str, region: str = PARENT_REGION) -> None:
        self.aws("eks", region).create_cluster(
            name=name, version="1.35", roleArn=f"arn:aws:iam::{ACCOUNT}:role/{name}-cluster",
            resourcesVpcConfig={"subnetIds": [], "endpointPrivateAccess": True, "endpointPublicAccess": False},
        )

    def deployed(self, *, members: tuple = ("member-use1", "member-usw2")) -> World:
        """The default config, deployed and healthy: the parent cluster, its control plane, the members."""
        self.create_eks_cluster("karmada-parent")
        self.parent.put(admin_secret(pki()))  # there, as on a real parent; the CLI must never read it
        self.parent.put(ca_bundle(pki()))
        for kind, name, replicas in CONTROL_PLANE:
            self.parent.put(workload(kind, name, replicas, replicas))
        regions = {"member-use1": "us-east-1", "member-usw2": "us-west-2"}
        for name in members:
            self.karmada.put(member_cluster(name, region=regions.get(name, "us-east-1")))
        return self

    def sample_bound(self) -> FakeControllers:
        """The default deployment with the sample's bindings, and Karmada's controllers running on the clock.

        The sample is split 2/2; its namespace's ClusterResourceBinding tolerates the taint for ever.
        """
        self.deployed()
        self.karmada.put(binding("sample-nginx-deployment", {"member-use1": 2, "member-usw2": 2}))
        self.karmada.put(binding("sample-namespace", {"member-use1": 0, "member-usw2": 0}, namespace=None,
                                 kind="ClusterResourceBinding",
                                 tolerations=[{"key": NOT_READY_TAINT, "operator": "Exists", "effect": "NoExecute"}]))
        controllers = FakeControllers(self)
        self.clock.on_sleep.append(controllers)
        return controllers

    def bootstrapped(self, region: str, version: int = 30, *, status: str = "UPDATE_COMPLETE") -> None:
        """CDKToolkit in ``region``: the stack (stubbed CloudFormation) and its version parameter (moto SSM)."""
        stack = {
            "StackName": "CDKToolkit",
            "StackId": (f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/CDKToolkit/"
                        "11111111-2222-4333-8444-555555555555"),
            "CreationTime": "2026-01-05T12:00:00Z",
            "StackStatus": status,
        }
        self.stub("cloudformation", region).add_response("describe_stacks", {"Stacks": [stack]},
                                                         {"StackName": "CDKToolkit"})
        self.aws("ssm", region).put_parameter(Name="/cdk-bootstrap/hnb659fds/version", Type="String",
                                              Value=str(version), Overwrite=True)

    def not_bootstrapped(self, region: str) -> None:
        self.stub("cloudformation", region).add_client_error(
            "describe_stacks", "ValidationError", "Stack with id CDKToolkit does not exist", 400,
            expected_params={"StackName": "CDKToolkit"})

    def quota(self, region: str, service: str, code: str, value: float, *, applied: bool = True) -> None:
        stubber = self.stub("service-quotas", region)
        answer = {"Quota": {"ServiceCode": service, "QuotaCode": code, "Value": value, "Unit": "None",
                            "QuotaArn": f"arn:aws:servicequotas:{region}:{ACCOUNT}:{service}/{code}"}}
        params = {"ServiceCode": service, "QuotaCode": code}
        if applied:
            stubber.add_response("get_service_quota", answer, params)
        else:
            stubber.add_client_error("get_service_quota", "NoSuchResourceException",
                                     "The request failed because the specified service quota does not exist.", 400,
                                     expected_params=params)
            stubber.add_response("get_aws_default_service_quota", answer, params)

    def default_quotas(self, region: str, *, nat_zones: int, vpcs: float = 5, eips: float = 5, nat: float = 5,
                       eks: float = 100) -> None:
        """Quota answers in the order preflight asks: VPCs, Elastic IPs, NAT per AZ (once), EKS clusters."""
        self.quota(region, "vpc", "L-F678F1CE", vpcs)
        self.quota(region, "ec2", "L-0263D0A3", eips)
        if nat_zones:
            self.quota(region, "vpc", "L-FE5A380F", nat)
        self.quota(region, "eks", "L-1194D53C", eks)

    def use_elastic_ips(self, region: str, count: int) -> None:
        ec2 = self.aws("ec2", region)
        for _ in range(count):
            ec2.allocate_address(Domain="vpc")

    def nat_gateway_in(self, zone: str) -> None:
        region = zone[:-1]
        ec2 = self.aws("ec2", region)
        subnet = next(s for s in ec2.describe_subnets()["Subnets"] if s["AvailabilityZone"] == zone)
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.create_nat_gateway(SubnetId=subnet["SubnetId"], AllocationId=allocation)

    def fake_aws_cli(self, folder: Path, *, fail: str | None = None) -> dict[str, str]:
        """An `aws` command in ``folder`` whose `eks get-token` signs, as the caller, a token for --cluster-name.

        Returns the environment to invoke the CLI with (PATH first, the caller's keys); each run is logged as a
        JSON line (argv, AWS_PROFILE, KUBERNETES_EXEC_INFO) to ``folder/aws.log``. ``fail`` makes it print that
        on stderr and exit 255, as the AWS CLI does.
        """
        root = Path(__file__).resolve().parents[2]
        script = folder / "aws"
        script.write_text(f"""#!{sys.executable}
import datetime, json, os, sys
sys.path.insert(0, {str(root)!r})
with open({str(folder / "aws.log")!r}, "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "profile": os.environ.get("AWS_PROFILE"),
                          "exec_info": os.environ.get("KUBERNETES_EXEC_INFO")}}) + "\\n")
if {fail!r}:
    print("", file=sys.stderr)
    print({fail!r}, file=sys.stderr)
    sys.exit(255)
import boto3.session
from functions.kube.eks_auth import TokenGenerator
os.environ.pop("AWS_PROFILE", None)  # logged above; the keys stand for that profile here
args = sys.argv[1:]
session = boto3.session.Session(aws_access_key_id=os.environ["FAKE_AWS_KEY"],
                                aws_secret_access_key=os.environ["FAKE_AWS_SECRET"],
                                aws_session_token=os.environ["FAKE_AWS_SESSION"])
sts = session.client("sts", region_name=args[args.index("--region") + 1])
token = TokenGenerator(sts, args[args.index("--cluster-name") + 1])()
expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=14)
print(json.dumps({{"kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1beta1", "spec": {{}},
                  "status": {{"expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ"), "token": token}}}}))
""")
        script.chmod(0o755)
        credentials = self._session.get_credentials()
        return {"PATH": f"{folder}{os.pathsep}{os.environ.get('PATH', '')}", "FAKE_AWS_KEY": credentials.access_key,
                "FAKE_AWS_SECRET": credentials.secret_key, "FAKE_AWS_SESSION": credentials.token}

    # ---- running the CLI -----------------------------------------------------------------------
    def invoke(self, *args: str, env: dict | None = None, input: str | None = None) -> Any:  # noqa: A002
        runner = CliRunner()
        environment = {"HOME": str(self.home), "COLUMNS": COLUMNS, "CONFIG": None, "AWS_PROFILE": None,
                       "EKS_KARMADA_DEBUG": None, "NO_COLOR": "1", "TERM": "dumb"}
        environment.update(env or {})
        return runner.invoke(app, list(args), obj=self.clients, env=environment, prog_name="eks-karmada",
                             input=input)


def addon_builds() -> dict[str, list[str]]:
    """The pinned default build of each add-on, with a newer one before it."""
    from eks_karmada.config import AddonVersions

    pinned = AddonVersions()
    return {name: [version.replace("eksbuild.", "eksbuild.9"), version]
            for name, version in (("vpc-cni", pinned.vpc_cni), ("aws-ebs-csi-driver", pinned.ebs_csi_driver),
                                  ("eks-pod-identity-agent", pinned.pod_identity_agent),
                                  ("metrics-server", pinned.metrics_server))}


_LOADERS: dict = {}


def _shared_loader(search_path_string=None):
    """One botocore data loader per search path for the whole process.

    Every boto3 session (ours and the ones moto makes internally) would otherwise parse the same large service
    JSON again.
    """
    if search_path_string not in _LOADERS:
        _LOADERS[search_path_string] = _original_create_loader(search_path_string)
    return _LOADERS[search_path_string]


_original_create_loader = botocore.session.create_loader


@contextlib.contextmanager
def world(home: Path) -> Iterator[World]:
    """A World with moto active and no real AWS credentials in the environment."""
    botocore.session.create_loader = _shared_loader
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                                            "AWS_PROFILE", "AWS_DEFAULT_REGION")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_SESSION_TOKEN="testing")
    os.environ.pop("AWS_PROFILE", None)
    try:
        with mock_aws():
            yield World(home=home)
    finally:
        botocore.session.create_loader = _original_create_loader
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
