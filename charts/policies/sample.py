"""The sample workload: an unprivileged nginx in its own namespace, split equally over member clusters.

It shows what a production workload carries: its own namespace, propagated only where the workload goes;
a PodDisruptionBudget and a zone spread that travel with the Deployment to every member. With ``traffic``
(traffic.enabled) it also gets a public entry point and a client calling it across members (sample_traffic.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cdk8s import ApiObject, Chart
from constructs import Construct

from . import k8s_syntax
from .chart import add_policy, manifest_api_object
from .enums import TaintEffect, TolerationOperator
from .errors import PolicyError, Problem
from .placement import ClusterToleration, Placement, ReplicaSchedulingStrategy
from .presets import NOT_READY_TAINT_KEY, UNREACHABLE_TAINT_KEY, failover_tolerations
from .propagation import ClusterPropagationPolicy, PropagationPolicy
from .sample_traffic import SampleTraffic, cross_member_call, sample_entry_point
from .selectors import ClusterAffinity, ResourceSelector

SAMPLE_NAME = "sample-nginx"
SAMPLE_NAMESPACE = "eks-karmada-sample"
# Karmada's namespace controller copies every namespace to every member unless it carries this label
# (pkg/controllers/namespace at v1.18.2); the sample's ClusterPropagationPolicy places it instead.
SKIP_AUTO_PROPAGATION_LABEL = "namespace.karmada.io/skip-auto-propagation"

# The stock nginx image runs as root and listens on 80. The official unprivileged build runs as UID 101, listens
# on 8080 and keeps its pid and temp files under /tmp, so it works with runAsNonRoot and a read-only root
# filesystem. Pinned to a release tag, never latest.
DEFAULT_IMAGE = "public.ecr.aws/nginx/nginx-unprivileged:1.29.3-alpine"
CONTAINER_PORT = 8080
SERVICE_PORT = 80
NGINX_UID = 101

# Writable scratch space for a read-only root filesystem: /tmp holds the pid file and the proxy/client temp
# dirs of the unprivileged image; /var/cache/nginx is nginx's compiled-in cache dir.
DEFAULT_NOT_READY_TOLERATION_SECONDS = 300
_SCRATCH_DIRS = {"tmp": "/tmp", "cache": "/var/cache/nginx"}


class SampleWorkloadChart(Chart):
    """Creates the sample: a namespace, an nginx Deployment, its Service and PodDisruptionBudget, and two policies.

    The Deployment meets the restricted Pod Security Standard and spreads its pods over zones; the
    PropagationPolicy sends it, its Service and its PodDisruptionBudget to ``member_names`` and divides the
    replicas with equal static weights; a ClusterPropagationPolicy sends the namespace to the same members only.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        member_names: Sequence[str],
        namespace: str = SAMPLE_NAMESPACE,
        image: str = DEFAULT_IMAGE,
        replicas: int = 4,
        not_ready_toleration_seconds: int = DEFAULT_NOT_READY_TOLERATION_SECONDS,
        traffic: SampleTraffic | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        _check_arguments(member_names, image, replicas)
        if traffic is not None and [m.name for m in traffic.members] != list(member_names):
            raise PolicyError("SampleWorkloadChart", SAMPLE_NAME, Problem(
                "traffic.members", "must be the sample's members, in order; build them from member_names"))
        # Applied in this order and deleted in reverse: the namespace first, and last.
        self.namespace_object: ApiObject = manifest_api_object(self, "namespace", _namespace_manifest(namespace))
        self.namespace_policy = sample_namespace_policy(member_names, namespace)
        self.namespace_policy_object: ApiObject = add_policy(self, self.namespace_policy)
        self.propagation_policy = sample_propagation_policy(member_names, namespace, not_ready_toleration_seconds)
        service = _service_manifest(namespace)
        entry_point = None
        if traffic is not None:
            # One preset call places nginx and publishes it: the Service (an NLB) goes where the replicas go.
            entry_point = sample_entry_point(
                traffic, name=SAMPLE_NAME, namespace=namespace,
                not_ready_toleration_seconds=not_ready_toleration_seconds,
                extra_resource_selectors=self.propagation_policy.resource_selectors[2:],
            )
            self.propagation_policy = entry_point.propagation_policy
            service = entry_point.service(service)
        self.deployment: ApiObject = manifest_api_object(
            self, "deployment", _deployment_manifest(namespace, image, replicas)
        )
        self.service: ApiObject = manifest_api_object(self, "service", service)
        self.disruption_budget: ApiObject = manifest_api_object(
            self, "disruption-budget", _disruption_budget_manifest(namespace)
        )
        self.policy_object: ApiObject = add_policy(self, self.propagation_policy)
        if entry_point is not None:
            add_policy(self, entry_point.override_policy)
        call = traffic and cross_member_call(
            traffic, nginx=SAMPLE_NAME, namespace=namespace, selector_labels=_selector_labels(),
            container_port=CONTAINER_PORT, service_port=SERVICE_PORT,
            not_ready_toleration_seconds=not_ready_toleration_seconds,
        )
        if call:
            add_policy(self, call.member_label_policy)
            manifest_api_object(self, "remote-service", call.remote_service)
            add_policy(self, call.multicluster_service)
            manifest_api_object(self, "client", call.client_deployment)
            manifest_api_object(self, "client-network-policy", call.client_network_policy)
            add_policy(self, call.client_policy)


def sample_namespace_policy(member_names: Sequence[str], namespace: str = SAMPLE_NAMESPACE) -> ClusterPropagationPolicy:
    """The sample namespace to exactly ``member_names``, and kept there while a member is NotReady.

    The namespace tolerates the NoExecute cluster taints for ever: when the sample's replicas move off a sick
    member, its namespace stays, so nothing else in it is deleted and the replicas can come back.
    """
    return ClusterPropagationPolicy(
        name=f"{SAMPLE_NAME}-namespace",
        resource_selectors=(ResourceSelector(api_version="v1", kind="Namespace", name=namespace),),
        placement=Placement(
            cluster_affinity=ClusterAffinity(cluster_names=tuple(member_names)),
            cluster_tolerations=tuple(
                ClusterToleration(key=key, operator=TolerationOperator.EXISTS, effect=TaintEffect.NO_EXECUTE)
                for key in (NOT_READY_TAINT_KEY, UNREACHABLE_TAINT_KEY)
            ),
        ),
    )


def sample_propagation_policy(
    member_names: Sequence[str], namespace: str = SAMPLE_NAMESPACE,
    not_ready_toleration_seconds: int = DEFAULT_NOT_READY_TOLERATION_SECONDS,
) -> PropagationPolicy:
    """The sample's policy: Deployment, Service, PodDisruptionBudget to exactly ``member_names``, weight 1 each.

    It tolerates a NotReady or unreachable member for ``not_ready_toleration_seconds`` before its replicas
    move: without a toleration, Karmada's taint manager evicts at once, and a network loss between the
    control plane and every member evicts from all of them (the partition drill of `make e2e` showed it).
    """
    return PropagationPolicy(
        name=SAMPLE_NAME,
        namespace=namespace,
        resource_selectors=(
            ResourceSelector(api_version="apps/v1", kind="Deployment", name=SAMPLE_NAME),
            ResourceSelector(api_version="v1", kind="Service", name=SAMPLE_NAME),
            ResourceSelector(api_version="policy/v1", kind="PodDisruptionBudget", name=SAMPLE_NAME),
        ),
        placement=Placement(
            cluster_affinity=ClusterAffinity(cluster_names=tuple(member_names)),
            replica_scheduling=ReplicaSchedulingStrategy.static_weights({member: 1 for member in member_names}),
            cluster_tolerations=failover_tolerations(not_ready_toleration_seconds),
        ),
    )


def _check_arguments(member_names: Sequence[str], image: str, replicas: int) -> None:
    def fail(path: str, message: str) -> None:
        raise PolicyError("SampleWorkloadChart", SAMPLE_NAME, Problem(path, message))

    if isinstance(member_names, str) or not member_names:
        fail("member_names", "needs at least one member cluster name, e.g. ['member-us-west-2']")
    for member in member_names:
        if reason := k8s_syntax.cluster_name_problem(member):
            fail("member_names", reason)
    if len(set(member_names)) != len(member_names):
        fail("member_names", f"{list(member_names)!r} lists a cluster twice; each member gets one equal weight")
    last_part = image.rsplit("/", 1)[-1]
    if "@" not in image and (":" not in last_part or last_part.endswith(":latest")):
        fail("image", f"{image!r} is not pinned; use a release tag or digest, e.g. {DEFAULT_IMAGE!r}")
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 1:
        fail("replicas", f"{replicas!r} must be a positive int")


def _labels() -> dict[str, str]:
    return {"app.kubernetes.io/name": SAMPLE_NAME, "app.kubernetes.io/part-of": "eks-karmada-sample"}


def _selector_labels() -> dict[str, str]:
    return {"app.kubernetes.io/name": SAMPLE_NAME}


def _namespace_manifest(namespace: str) -> dict[str, Any]:
    labels = {**_labels(), SKIP_AUTO_PROPAGATION_LABEL: "true"}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": labels}}


def _deployment_manifest(namespace: str, image: str, replicas: int) -> dict[str, Any]:
    container_security = {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": NGINX_UID,
        "runAsGroup": NGINX_UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    probe = {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 10}
    container = {
        "name": "nginx",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": CONTAINER_PORT, "protocol": "TCP"}],
        "readinessProbe": {**probe, "initialDelaySeconds": 2},
        "livenessProbe": {**probe, "initialDelaySeconds": 10},
        "resources": {
            "requests": {"cpu": "50m", "memory": "64Mi"},
            "limits": {"memory": "128Mi"},
        },
        "securityContext": container_security,
        "volumeMounts": [{"name": volume, "mountPath": path} for volume, path in _SCRATCH_DIRS.items()],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": SAMPLE_NAME, "namespace": namespace, "labels": _labels()},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": _selector_labels()},
            "template": {
                "metadata": {"labels": _labels()},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": NGINX_UID,
                        "runAsGroup": NGINX_UID,
                        "fsGroup": NGINX_UID,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    # One pod per zone before two in any zone; ScheduleAnyway, so a member in one zone (or a
                    # zone out of capacity) still runs every replica. matchLabelKeys: count this revision only.
                    "topologySpreadConstraints": [
                        {
                            "maxSkew": 1,
                            "topologyKey": "topology.kubernetes.io/zone",
                            "whenUnsatisfiable": "ScheduleAnyway",
                            "labelSelector": {"matchLabels": _selector_labels()},
                            "matchLabelKeys": ["pod-template-hash"],
                        }
                    ],
                    "containers": [container],
                    "volumes": [
                        {"name": volume, "emptyDir": {"sizeLimit": "64Mi"}} for volume in _SCRATCH_DIRS
                    ],
                },
            },
        },
    }


def _service_manifest(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": SAMPLE_NAME, "namespace": namespace, "labels": _labels()},
        "spec": {
            "type": "ClusterIP",
            "selector": _selector_labels(),
            "ports": [{"name": "http", "port": SERVICE_PORT, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def _disruption_budget_manifest(namespace: str) -> dict[str, Any]:
    # maxUnavailable, not minAvailable: a member given one replica can still drain its nodes.
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": SAMPLE_NAME, "namespace": namespace, "labels": _labels()},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": _selector_labels()}},
    }
