"""ExternalDNS's objects, typed against the Kubernetes API (cdk8s_plus_27.k8s).

Least privilege from the pinned source (v0.21.0, source/service.go, NewServiceSource): with
``--service-type-filter=LoadBalancer`` the service source starts only the Services informer (EndpointSlices and
Pods only for ClusterIP/NodePort, Nodes only for NodePort), so the ClusterRole reads Services and nothing else.
"""

from __future__ import annotations

import cdk8s
from cdk8s_plus_27 import k8s
from constructs import Construct

from charts.external_dns.props import HEALTH_PORT, NAME, NAMESPACE, SERVICE_ACCOUNT, TXT_PREFIX, ExternalDnsProps
from charts.karmada.common.pod import NONROOT_UID

_RBAC_GROUP = "rbac.authorization.k8s.io"


def _labels() -> dict[str, str]:
    return {"app.kubernetes.io/name": NAME, "app.kubernetes.io/managed-by": "eks-karmada"}


def external_dns_args(props: ExternalDnsProps) -> list[str]:
    """The flags: Route 53 records for this member's annotated LoadBalancer Services, in one zone, under one domain.

    Only Services with ``external-dns.alpha.kubernetes.io/hostname`` are published (no --fqdn-template). ``sync``
    with the member's owner id: a Service gone from this member (e.g. evicted by a failover) takes this member's
    records with it, and no other member's. ``--aws-zone-match-parent`` lets the domain be a subdomain of the zone
    (apps.example.com in example.com): without it the domain filter drops the zone itself.
    """
    return [
        "--source=service",
        "--service-type-filter=LoadBalancer",
        "--provider=aws",
        "--aws-zone-type=public",
        f"--zone-id-filter={props.hosted_zone_id}",
        f"--domain-filter={props.domain}",
        "--aws-zone-match-parent",
        "--registry=txt",
        f"--txt-owner-id={props.owner_id}",
        f"--txt-prefix={TXT_PREFIX}",
        "--policy=sync",
        f"--interval={props.interval_seconds}s",
        "--events",
        f"--metrics-address=:{HEALTH_PORT}",
        "--log-format=json",
    ]


class ExternalDnsChart(cdk8s.Chart):
    """ExternalDNS for one member.

    Namespace ``external-dns`` (Pod Security "restricted"), its ServiceAccount (the Pod Identity association names
    it), a ClusterRole that reads Services only and its binding, one Deployment (non-root, read-only root
    filesystem, probes on /healthz), and a NetworkPolicy denying all ingress (it serves nothing but its probes,
    which come from the node and are always allowed).
    """

    def __init__(self, scope: Construct, id: str, props: ExternalDnsProps) -> None:
        super().__init__(scope, id, disable_resource_name_hashes=True)
        labels = _labels()
        k8s.KubeNamespace(self, "Namespace", metadata=k8s.ObjectMeta(name=NAMESPACE, labels={
            **labels, "pod-security.kubernetes.io/enforce": "restricted"}))
        k8s.KubeServiceAccount(self, "ServiceAccount",
                               metadata=k8s.ObjectMeta(name=SERVICE_ACCOUNT, namespace=NAMESPACE, labels=labels))
        k8s.KubeClusterRole(self, "ClusterRole", metadata=k8s.ObjectMeta(name=NAME, labels=labels), rules=[
            k8s.PolicyRule(api_groups=[""], resources=["services"], verbs=["get", "list", "watch"]),
        ])
        k8s.KubeClusterRoleBinding(
            self, "ClusterRoleBinding", metadata=k8s.ObjectMeta(name=NAME, labels=labels),
            role_ref=k8s.RoleRef(api_group=_RBAC_GROUP, kind="ClusterRole", name=NAME),
            subjects=[k8s.Subject(kind="ServiceAccount", name=SERVICE_ACCOUNT, namespace=NAMESPACE)],
        )
        k8s.KubeDeployment(self, "Deployment", metadata=k8s.ObjectMeta(name=NAME, namespace=NAMESPACE, labels=labels),
                           spec=_deployment_spec(props))
        k8s.KubeNetworkPolicy(
            self, "DenyIngress", metadata=k8s.ObjectMeta(name=f"{NAME}-deny-ingress", namespace=NAMESPACE,
                                                         labels=labels),
            spec=k8s.NetworkPolicySpec(pod_selector=k8s.LabelSelector(match_labels={"app.kubernetes.io/name": NAME}),
                                       policy_types=["Ingress"], ingress=[]),
        )


def _deployment_spec(props: ExternalDnsProps) -> k8s.DeploymentSpec:
    selector = {"app.kubernetes.io/name": NAME}
    probe_port = k8s.IntOrString.from_string("http")
    liveness = k8s.Probe(http_get=k8s.HttpGetAction(path="/healthz", port=probe_port), initial_delay_seconds=10,
                         period_seconds=10, timeout_seconds=5, failure_threshold=2)
    readiness = k8s.Probe(http_get=k8s.HttpGetAction(path="/healthz", port=probe_port), period_seconds=10,
                          timeout_seconds=5, failure_threshold=6)
    requests = {"cpu": k8s.Quantity.from_string(props.resources.cpu_request),
                "memory": k8s.Quantity.from_string(props.resources.memory_request)}
    limits = {"memory": k8s.Quantity.from_string(props.resources.memory_limit)}
    if props.resources.cpu_limit:
        limits["cpu"] = k8s.Quantity.from_string(props.resources.cpu_limit)
    container = k8s.Container(
        name=NAME,
        image=props.image,
        image_pull_policy=props.image_pull_policy,
        args=external_dns_args(props),
        env=[
            k8s.EnvVar(name="AWS_REGION", value=props.region),
            # Only Pod Identity: never the node's instance profile.
            k8s.EnvVar(name="AWS_EC2_METADATA_DISABLED", value="true"),
        ],
        ports=[k8s.ContainerPort(name="http", container_port=HEALTH_PORT, protocol="TCP")],
        liveness_probe=liveness,
        readiness_probe=readiness,
        resources=k8s.ResourceRequirements(requests=requests, limits=limits),
        security_context=k8s.SecurityContext(
            allow_privilege_escalation=False, privileged=False, read_only_root_filesystem=True,
            run_as_non_root=True, run_as_user=NONROOT_UID, run_as_group=NONROOT_UID,
            capabilities=k8s.Capabilities(drop=["ALL"]),
            seccomp_profile=k8s.SeccompProfile(type="RuntimeDefault"),
        ),
        termination_message_policy="FallbackToLogsOnError",
    )
    return k8s.DeploymentSpec(
        # One writer per member: two replicas would race on the same records (ExternalDNS has no leader election).
        replicas=1,
        revision_history_limit=3,
        strategy=k8s.DeploymentStrategy(type="Recreate"),
        selector=k8s.LabelSelector(match_labels=selector),
        template=k8s.PodTemplateSpec(
            metadata=k8s.ObjectMeta(labels=_labels()),
            spec=k8s.PodSpec(
                service_account_name=SERVICE_ACCOUNT,
                # The service source reads the Kubernetes API with this ServiceAccount's token.
                automount_service_account_token=True,
                enable_service_links=False,
                security_context=k8s.PodSecurityContext(
                    run_as_non_root=True, run_as_user=NONROOT_UID, run_as_group=NONROOT_UID, fs_group=NONROOT_UID,
                    seccomp_profile=k8s.SeccompProfile(type="RuntimeDefault")),
                termination_grace_period_seconds=30,
                containers=[container],
            ),
        ),
    )
