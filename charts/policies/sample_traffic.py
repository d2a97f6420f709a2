"""The sample's traffic parts (traffic.enabled): a public entry point for nginx and a client calling across members.

nginx gets ``sample.<domain>`` through ``public_entry_point`` (active-active, latency routing). With two or more
members and connected VPCs, a busybox client in the second member calls nginx in the first through a Karmada
MultiClusterService: the Service ``sample-nginx-remote`` selects only the first member's nginx pods (an
OverridePolicy stamps each member's pods with their member's name), so in the second member it has no local
endpoints and every call crosses to the first member's pods. The client is Ready only while those calls succeed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from .enums import OverriderOperator
from .errors import PolicyError, Problem
from .multicluster_service import MultiClusterService
from .override import OverridePolicy
from .overriders import Overriders, PlaintextOverrider, RuleWithCluster
from .placement import Placement, ReplicaSchedulingStrategy
from .presets import failover_tolerations
from .propagation import PropagationPolicy
from .selectors import ClusterAffinity, ResourceSelector
from .traffic import (
    CrossMemberPort,
    HealthCheck,
    PublicEntryPoint,
    TrafficMember,
    cross_member_service,
    public_entry_point,
)

HOSTNAME_LABEL = "sample"  # the public name is sample.<traffic.domain>
REMOTE_SERVICE = "sample-nginx-remote"
CLIENT_NAME = "sample-client"
# The pod label that tells the members' nginx pods apart (stamped per member by an OverridePolicy).
MEMBER_LABEL = "eks-karmada.io/member"
CLIENT_IMAGE = "public.ecr.aws/docker/library/busybox:1.37.0"
CLIENT_UID = 65534  # nobody
CALL_INTERVAL_SECONDS = 10
# The client touches this file after each successful call; its readiness probe wants it fresher than a minute.
_OK_FILE = "/tmp/reached-nginx"


@dataclass(frozen=True, kw_only=True)
class SampleTraffic:
    """The config's traffic section as the sample takes it."""

    domain: str
    members: Sequence[TrafficMember]
    health_check: HealthCheck = field(default_factory=HealthCheck)
    # traffic.cross_member_ports; None: the member VPCs are not connected, so no cross-member client.
    open_ports: Collection[int] | None = None
    client_image: str = CLIENT_IMAGE


def sample_entry_point(
    traffic: SampleTraffic,
    *,
    name: str,
    namespace: str,
    not_ready_toleration_seconds: int,
    extra_resource_selectors: Sequence[ResourceSelector],
) -> PublicEntryPoint:
    """The sample's placement (equal static weights) and its public entry point, from one preset call."""
    return public_entry_point(
        name,
        host=HOSTNAME_LABEL,
        members=traffic.members,
        domain=traffic.domain,
        namespace=namespace,
        health_check=traffic.health_check,
        extra_resource_selectors=extra_resource_selectors,
        replica_scheduling=ReplicaSchedulingStrategy.static_weights({m.name: 1 for m in traffic.members}),
        not_ready_toleration_seconds=not_ready_toleration_seconds,
    )


@dataclass(frozen=True)
class CrossMemberCall:
    """Everything the cross-member call needs, in apply order: policies and Kubernetes objects."""

    member_label_policy: OverridePolicy
    remote_service: dict[str, Any]
    multicluster_service: MultiClusterService
    client_deployment: dict[str, Any]
    client_network_policy: dict[str, Any]
    client_policy: PropagationPolicy


def cross_member_call(
    traffic: SampleTraffic,
    *,
    nginx: str,
    namespace: str,
    selector_labels: dict[str, str],
    container_port: int,
    service_port: int,
    not_ready_toleration_seconds: int,
) -> CrossMemberCall | None:
    """The client in the second member calling nginx in the first, or None with one member or unconnected VPCs."""
    if traffic.open_ports is None or len(traffic.members) < 2:
        return None
    provider, consumer = traffic.members[0].name, traffic.members[1].name
    if container_port not in traffic.open_ports:
        raise PolicyError(
            "SampleWorkloadChart", nginx,
            Problem("traffic.cross_member_ports",
                    f"the sample's client in {consumer} calls nginx pods in {provider} on TCP {container_port}, "
                    f"which {sorted(traffic.open_ports)} does not open; add {container_port} to "
                    "traffic.cross_member_ports, or set sample_workload.enabled: false"),
        )
    member_label_policy = OverridePolicy(
        name=f"{nginx}-member-label",
        namespace=namespace,
        resource_selectors=(ResourceSelector(api_version="apps/v1", kind="Deployment", name=nginx),),
        override_rules=tuple(
            RuleWithCluster(
                target_cluster=ClusterAffinity(cluster_names=(member.name,)),
                overriders=Overriders(
                    plaintext=(
                        PlaintextOverrider(
                            # "~1" is "/" in a JSON pointer: the label key eks-karmada.io/member.
                            path="/spec/template/metadata/labels/" + MEMBER_LABEL.replace("/", "~1"),
                            operator=OverriderOperator.ADD,
                            value=member.name,
                        ),
                    )
                ),
            )
            for member in traffic.members
        ),
    )
    remote_service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": REMOTE_SERVICE, "namespace": namespace, "labels": _labels(REMOTE_SERVICE)},
        "spec": {
            "type": "ClusterIP",
            "selector": {**selector_labels, MEMBER_LABEL: provider},
            "ports": [{"name": "http", "port": service_port, "targetPort": "http", "protocol": "TCP"}],
        },
    }
    mcs = cross_member_service(
        REMOTE_SERVICE,
        namespace=namespace,
        providers=(provider,),
        consumers=(consumer,),
        ports=(CrossMemberPort(name="http", port=service_port, target_port=container_port),),
        open_ports=traffic.open_ports,
    )
    client_policy = PropagationPolicy(
        name=CLIENT_NAME,
        namespace=namespace,
        resource_selectors=(
            ResourceSelector(api_version="apps/v1", kind="Deployment", name=CLIENT_NAME),
            ResourceSelector(api_version="networking.k8s.io/v1", kind="NetworkPolicy", name=CLIENT_NAME),
        ),
        placement=Placement(
            cluster_affinity=ClusterAffinity(cluster_names=(consumer,)),
            cluster_tolerations=failover_tolerations(not_ready_toleration_seconds),
            replica_scheduling=ReplicaSchedulingStrategy.duplicated(),
        ),
    )
    return CrossMemberCall(
        member_label_policy=member_label_policy,
        remote_service=remote_service,
        multicluster_service=mcs,
        client_deployment=_client_deployment(namespace, traffic.client_image, service_port),
        client_network_policy=_client_network_policy(namespace, service_port, container_port),
        client_policy=client_policy,
    )


def _labels(name: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "eks-karmada-sample"}


def _client_deployment(namespace: str, image: str, service_port: int) -> dict[str, Any]:
    url = f"http://{REMOTE_SERVICE}.{namespace}.svc:{service_port}/"
    loop = (
        f"while true; do if wget -q -T 5 -O /dev/null {url}; then touch {_OK_FILE}; echo reached {url}; "
        f"else echo failed {url}; fi; sleep {CALL_INTERVAL_SECONDS}; done"
    )
    security = {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "privileged": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "runAsUser": CLIENT_UID,
        "runAsGroup": CLIENT_UID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    container = {
        "name": "client",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["/bin/sh", "-c", loop],
        # Ready while a call across members succeeded in the last minute.
        "readinessProbe": {
            "exec": {"command": ["/bin/sh", "-c", f"test -n \"$(find {_OK_FILE} -mmin -1 2>/dev/null)\""]},
            "periodSeconds": 10,
        },
        "livenessProbe": {"exec": {"command": ["/bin/sh", "-c", "test -d /tmp"]}, "periodSeconds": 30},
        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "50m", "memory": "32Mi"}},
        "securityContext": security,
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    selector = {"app.kubernetes.io/name": CLIENT_NAME}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": CLIENT_NAME, "namespace": namespace, "labels": _labels(CLIENT_NAME)},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": selector},
            "template": {
                "metadata": {"labels": _labels(CLIENT_NAME)},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": CLIENT_UID,
                        "runAsGroup": CLIENT_UID,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "16Mi"}}],
                },
            },
        },
    }


def _client_network_policy(namespace: str, service_port: int, container_port: int) -> dict[str, Any]:
    """Nothing in; out only DNS and the nginx ports (the Service port and, after kube-proxy's DNAT, the pods')."""
    tcp = lambda port: {"protocol": "TCP", "port": port}  # noqa: E731 - four ports, same shape
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": CLIENT_NAME, "namespace": namespace, "labels": _labels(CLIENT_NAME)},
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": CLIENT_NAME}},
            "policyTypes": ["Ingress", "Egress"],
            "egress": [
                {"ports": [{"protocol": "UDP", "port": 53}, tcp(53)]},
                {"ports": [tcp(service_port), tcp(container_port)]},
            ],
        },
    }
