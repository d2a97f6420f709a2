"""What a member cluster holds so Karmada can manage it: Push access or the Pull-mode agent.

The objects mirror what `karmadactl join` (Push) and `karmadactl register` (Pull)
create at Karmada v1.18.2, except that Push holds no long-lived token Secret: the
registration handler asks the member for expiring tokens (TokenRequest) at deploy time
and on its schedule, and writes the agent's kubeconfig likewise, so no credential is
ever rendered here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cdk8s
from cdk8s_plus_27 import k8s
from constructs import Construct

from charts.retry_delay import rate_limiter_flags

PUSH_NAMESPACE = "karmada-cluster"
AGENT_NAMESPACE = "karmada-system"
AGENT_NAME = "karmada-agent"
AGENT_KUBECONFIG_SECRET = "karmada-kubeconfig"
IMPERSONATOR = "karmada-impersonator"
SYSTEM_LABELS = {"karmada.io/system": "true"}
_RBAC = "rbac.authorization.k8s.io"
_ALL = [k8s.PolicyRule(api_groups=["*"], resources=["*"], verbs=["*"]),
        k8s.PolicyRule(non_resource_ur_ls=["*"], verbs=["get"])]


def _meta(name: str, namespace: str | None = None, **annotations: str) -> k8s.ObjectMeta:
    return k8s.ObjectMeta(name=name, namespace=namespace, labels=SYSTEM_LABELS, annotations=annotations or None)


def _binding(scope: Construct, id: str, name: str, *, role_kind: str, subject: k8s.Subject,
             namespace: str | None = None) -> None:
    metadata = _meta(name, namespace)
    role_ref = k8s.RoleRef(api_group=_RBAC, kind=role_kind, name=name)
    if namespace:
        k8s.KubeRoleBinding(scope, id, metadata=metadata, role_ref=role_ref, subjects=[subject])
    else:
        k8s.KubeClusterRoleBinding(scope, id, metadata=metadata, role_ref=role_ref, subjects=[subject])


def _registrar_role(scope: Construct, namespace: str, group: str, rules: list[k8s.PolicyRule]) -> None:
    """What the registration handler (by its EKS access entry group) may do here, and nothing more."""
    name = "eks-karmada:registrar"
    k8s.KubeRole(scope, "RegistrarRole", metadata=_meta(name, namespace), rules=rules)
    _binding(scope, "RegistrarBinding", name, role_kind="Role", namespace=namespace,
             subject=k8s.Subject(kind="Group", name=group, api_group=_RBAC))


@dataclass(frozen=True)
class PushMemberAccessProps:
    """Properties of `PushMemberAccessChart`."""
    member_name: str
    registrar_group: str


class PushMemberAccessChart(cdk8s.Chart):
    """What Karmada needs inside a Push member.

    Namespace karmada-cluster, the ServiceAccount Karmada's controllers act as (full access, as `karmadactl join`
    grants) and the impersonator ServiceAccount, with no token Secret: the registrar may request expiring tokens
    for exactly those two ServiceAccounts (TokenRequest) and read the kube-system namespace, whose UID becomes the
    Cluster id. `karmadactl join` creates a non-expiring token Secret for each instead.
    """

    def __init__(self, scope: Construct, id: str, props: PushMemberAccessProps) -> None:
        super().__init__(scope, id)
        controller_sa = f"karmada-{props.member_name}"
        k8s.KubeNamespace(self, "Namespace", metadata=_meta(PUSH_NAMESPACE))
        k8s.KubeServiceAccount(self, "ControllerAccount", metadata=_meta(controller_sa, PUSH_NAMESPACE))
        role = f"karmada-controller-manager:{controller_sa}"
        k8s.KubeClusterRole(self, "ControllerRole", metadata=_meta(role), rules=_ALL)
        _binding(self, "ControllerBinding", role, role_kind="ClusterRole",
                 subject=k8s.Subject(kind="ServiceAccount", name=controller_sa, namespace=PUSH_NAMESPACE))
        # Karmada's unified-auth controller pushes the impersonator's RBAC itself.
        k8s.KubeServiceAccount(self, "ImpersonatorAccount", metadata=_meta(IMPERSONATOR, PUSH_NAMESPACE))

        registrar = k8s.Subject(kind="Group", name=props.registrar_group, api_group=_RBAC)
        k8s.KubeClusterRole(self, "RegistrarClusterRole", metadata=_meta("eks-karmada:registrar"), rules=[
            k8s.PolicyRule(api_groups=[""], resources=["namespaces"], resource_names=["kube-system"], verbs=["get"]),
        ])
        _binding(self, "RegistrarClusterBinding", "eks-karmada:registrar", role_kind="ClusterRole", subject=registrar)
        _registrar_role(self, PUSH_NAMESPACE, props.registrar_group, [
            # TokenRequest is a create on the ServiceAccount's token subresource, named after the ServiceAccount.
            k8s.PolicyRule(api_groups=[""], resources=["serviceaccounts/token"],
                           resource_names=[controller_sa, IMPERSONATOR], verbs=["create"]),
        ])


@dataclass(frozen=True)
class PullAgentProps:
    """Properties of `PullAgentChart`."""
    member_name: str
    registrar_group: str
    image: str
    cluster_api_endpoint: str
    provider: str = "aws"
    region: str = ""
    zones: list[str] = field(default_factory=list)
    replicas: int = 2
    priority_class_name: str = "system-cluster-critical"
    # traffic.enabled: in a Pull member the agent, not karmada-controller-manager, collects the EndpointSlices a
    # MultiClusterService shares (its endpointsliceCollect controller runs only with this Alpha gate).
    multi_cluster_service: bool = False


class PullAgentChart(cdk8s.Chart):
    """The Pull member's karmada-agent and what it needs.

    karmada-agent in the member (namespace karmada-system, leader-elected replicas with a PDB, restricted Pod
    Security, --report-secrets=None), its ServiceAccount and RBAC as `karmadactl register` grants, and the
    registrar's right to read the kube-system UID (the Cluster id), write the agent's kubeconfig Secret and restart
    the agent.
    """

    def __init__(self, scope: Construct, id: str, props: PullAgentProps) -> None:
        super().__init__(scope, id)
        labels = {"app": AGENT_NAME}
        k8s.KubeNamespace(self, "Namespace", metadata=_meta(AGENT_NAMESPACE))
        k8s.KubeServiceAccount(self, "Account", metadata=_meta(AGENT_NAME, AGENT_NAMESPACE))
        k8s.KubeClusterRole(self, "Role", metadata=_meta(AGENT_NAME), rules=_ALL)
        _binding(self, "Binding", AGENT_NAME, role_kind="ClusterRole",
                 subject=k8s.Subject(kind="ServiceAccount", name=AGENT_NAME, namespace=AGENT_NAMESPACE))
        args = [
            "/bin/karmada-agent",
            "--karmada-kubeconfig=/etc/kubeconfig/karmada-kubeconfig",
            f"--cluster-name={props.member_name}",
            f"--cluster-api-endpoint={props.cluster_api_endpoint}",
            f"--cluster-provider={props.provider}",
            f"--cluster-region={props.region}",
            f"--cluster-zones={','.join(props.zones)}",
            "--cluster-namespace=karmada-cluster",
            # No member token into Karmada: the agent then needs no Secret right there, and the Cluster the
            # registrar wrote (no secretRef) is already what the agent would write (it may not update it).
            "--report-secrets=None",
            f"--leader-elect-resource-namespace={AGENT_NAMESPACE}",
            "--metrics-bind-address=:8080",
            "--health-probe-bind-address=0.0.0.0:10357",
            *rate_limiter_flags(),
            *(["--feature-gates=MultiClusterService=true"] if props.multi_cluster_service else []),
        ]
        probe = lambda path: k8s.Probe(  # noqa: E731 - two probes, same shape
            http_get=k8s.HttpGetAction(path=path, port=k8s.IntOrString.from_number(10357), scheme="HTTP"),
            initial_delay_seconds=10, period_seconds=10, failure_threshold=3,
        )
        k8s.KubeDeployment(
            self,
            "Deployment",
            metadata=_meta(AGENT_NAME, AGENT_NAMESPACE),
            spec=k8s.DeploymentSpec(
                replicas=props.replicas,
                selector=k8s.LabelSelector(match_labels=labels),
                template=k8s.PodTemplateSpec(
                    metadata=k8s.ObjectMeta(labels=labels),
                    spec=k8s.PodSpec(
                        service_account_name=AGENT_NAME,
                        priority_class_name=props.priority_class_name,
                        security_context=k8s.PodSecurityContext(
                            run_as_non_root=True, run_as_user=65532, run_as_group=65532,
                            seccomp_profile=k8s.SeccompProfile(type="RuntimeDefault"),
                        ),
                        topology_spread_constraints=[k8s.TopologySpreadConstraint(
                            max_skew=1, topology_key="topology.kubernetes.io/zone",
                            when_unsatisfiable="ScheduleAnyway", label_selector=k8s.LabelSelector(match_labels=labels),
                        )],
                        containers=[k8s.Container(
                            name=AGENT_NAME,
                            image=props.image,
                            command=args,
                            ports=[k8s.ContainerPort(name="metrics", container_port=8080)],
                            liveness_probe=probe("/healthz"),
                            # karmada-agent's health server serves /healthz only (no readyz check in v1.18.2).
                            readiness_probe=probe("/healthz"),
                            resources=k8s.ResourceRequirements(
                                requests={"cpu": k8s.Quantity.from_string("100m"),
                                          "memory": k8s.Quantity.from_string("128Mi")},
                                limits={"memory": k8s.Quantity.from_string("512Mi")},
                            ),
                            security_context=k8s.SecurityContext(
                                allow_privilege_escalation=False, read_only_root_filesystem=True,
                                capabilities=k8s.Capabilities(drop=["ALL"]),
                            ),
                            volume_mounts=[k8s.VolumeMount(name="kubeconfig", mount_path="/etc/kubeconfig",
                                                           read_only=True)],
                        )],
                        volumes=[k8s.Volume(name="kubeconfig",
                                            secret=k8s.SecretVolumeSource(secret_name=AGENT_KUBECONFIG_SECRET))],
                    ),
                ),
            ),
        )
        k8s.KubePodDisruptionBudget(
            self, "Budget", metadata=_meta(AGENT_NAME, AGENT_NAMESPACE),
            spec=k8s.PodDisruptionBudgetSpec(max_unavailable=k8s.IntOrString.from_number(1),
                                             selector=k8s.LabelSelector(match_labels=labels)),
        )
        # The registrar creates the Cluster; its id is the kube-system namespace's UID, as the agent reads it.
        k8s.KubeClusterRole(self, "RegistrarClusterRole", metadata=_meta("eks-karmada:registrar"), rules=[
            k8s.PolicyRule(api_groups=[""], resources=["namespaces"], resource_names=["kube-system"], verbs=["get"]),
        ])
        _binding(self, "RegistrarClusterBinding", "eks-karmada:registrar", role_kind="ClusterRole",
                 subject=k8s.Subject(kind="Group", name=props.registrar_group, api_group=_RBAC))
        _registrar_role(self, AGENT_NAMESPACE, props.registrar_group, [
            k8s.PolicyRule(api_groups=[""], resources=["secrets"], resource_names=[AGENT_KUBECONFIG_SECRET],
                           verbs=["get", "create", "patch", "delete"]),
            k8s.PolicyRule(api_groups=["apps"], resources=["deployments"], resource_names=[AGENT_NAME],
                           verbs=["patch"]),
        ])
