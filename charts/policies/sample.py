"""The sample workload: an unprivileged nginx, its Service, and a policy splitting it equally over member clusters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cdk8s import ApiObject, Chart
from constructs import Construct

from . import k8s_syntax
from .chart import add_policy, manifest_api_object
from .errors import PolicyError, Problem
from .placement import Placement, ReplicaSchedulingStrategy
from .presets import failover_tolerations
from .propagation import PropagationPolicy
from .selectors import ClusterAffinity, ResourceSelector

SAMPLE_NAME = "sample-nginx"

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
    """Creates the sample: an nginx Deployment, a ClusterIP Service for it, and a PropagationPolicy.

    The Deployment meets the restricted Pod Security Standard; the PropagationPolicy divides the replicas with
    equal static weights over ``member_names``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        member_names: Sequence[str],
        namespace: str = "default",
        image: str = DEFAULT_IMAGE,
        replicas: int = 4,
        not_ready_toleration_seconds: int = DEFAULT_NOT_READY_TOLERATION_SECONDS,
    ) -> None:
        super().__init__(scope, construct_id)
        _check_arguments(member_names, image, replicas)
        self.propagation_policy = sample_propagation_policy(member_names, namespace, not_ready_toleration_seconds)
        self.deployment: ApiObject = manifest_api_object(
            self, "deployment", _deployment_manifest(namespace, image, replicas)
        )
        self.service: ApiObject = manifest_api_object(self, "service", _service_manifest(namespace))
        self.policy_object: ApiObject = add_policy(self, self.propagation_policy)


def sample_propagation_policy(
    member_names: Sequence[str], namespace: str = "default",
    not_ready_toleration_seconds: int = DEFAULT_NOT_READY_TOLERATION_SECONDS,
) -> PropagationPolicy:
    """The sample's policy: Deployment and Service to exactly ``member_names``, replicas split with weight 1 each.

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
