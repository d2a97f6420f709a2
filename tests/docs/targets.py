"""What each kubectl target holds, from the synthesized app.

What each kubectl target holds, from the synthesized app: the Kubernetes objects the app renders
(cdk.out/manifests/*.yaml) plus the ones that follow from them at run time (a StatefulSet's pods and claims, a
Certificate's Secret, a CronJob's Jobs, the restore Jobs, each member's Cluster in Karmada, the objects a
PropagationPolicy sends to a member).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eks_karmada.config import AppConfig, SyncMode

BUILTIN_NAMESPACES = {"default", "kube-system", "kube-public", "kube-node-lease"}

# kubectl resource words -> kind. Only what the docs may name; an unknown word fails the test.
KINDS = {
    **dict.fromkeys(["deployment", "deployments", "deploy"], "Deployment"),
    **dict.fromkeys(["statefulset", "statefulsets", "sts"], "StatefulSet"),
    **dict.fromkeys(["pod", "pods", "po"], "Pod"),
    **dict.fromkeys(["job", "jobs"], "Job"),
    **dict.fromkeys(["cronjob", "cronjobs", "cj"], "CronJob"),
    **dict.fromkeys(["pvc", "persistentvolumeclaim", "persistentvolumeclaims"], "PersistentVolumeClaim"),
    **dict.fromkeys(["pv", "persistentvolume", "persistentvolumes"], "PersistentVolume"),
    **dict.fromkeys(["secret", "secrets"], "Secret"),
    **dict.fromkeys(["configmap", "configmaps", "cm"], "ConfigMap"),
    **dict.fromkeys(["service", "services", "svc"], "Service"),
    **dict.fromkeys(["namespace", "namespaces", "ns"], "Namespace"),
    **dict.fromkeys(["node", "nodes", "no"], "Node"),
    **dict.fromkeys(["event", "events", "ev"], "Event"),
    **dict.fromkeys(["endpointslice", "endpointslices"], "EndpointSlice"),
    **dict.fromkeys(["networkpolicy", "networkpolicies", "netpol"], "NetworkPolicy"),
    **dict.fromkeys(["pdb", "poddisruptionbudget", "poddisruptionbudgets"], "PodDisruptionBudget"),
    **dict.fromkeys(["storageclass", "storageclasses", "sc"], "StorageClass"),
    **dict.fromkeys(["certificate", "certificates", "cert", "certs"], "Certificate"),
    **dict.fromkeys(["issuer", "issuers"], "Issuer"),
    **dict.fromkeys(["certificaterequest", "certificaterequests"], "CertificateRequest"),
    **dict.fromkeys(["targetgroupbinding", "targetgroupbindings"], "TargetGroupBinding"),
    **dict.fromkeys(["validatingwebhookconfiguration", "validatingwebhookconfigurations"],
                    "ValidatingWebhookConfiguration"),
    **dict.fromkeys(["mutatingwebhookconfiguration", "mutatingwebhookconfigurations"],
                    "MutatingWebhookConfiguration"),
    **dict.fromkeys(["apiservice", "apiservices"], "APIService"),
    **dict.fromkeys(["crd", "crds", "customresourcedefinition", "customresourcedefinitions"],
                    "CustomResourceDefinition"),
    **dict.fromkeys(["cluster", "clusters"], "Cluster"),
    **dict.fromkeys(["propagationpolicy", "propagationpolicies", "pp"], "PropagationPolicy"),
    **dict.fromkeys(["clusterpropagationpolicy", "clusterpropagationpolicies", "cpp"], "ClusterPropagationPolicy"),
    **dict.fromkeys(["overridepolicy", "overridepolicies", "op"], "OverridePolicy"),
    **dict.fromkeys(["resourcebinding", "resourcebindings", "rb"], "ResourceBinding"),
    **dict.fromkeys(["work", "works"], "Work"),
    **dict.fromkeys(["clustertaintpolicy", "clustertaintpolicies"], "ClusterTaintPolicy"),
    **dict.fromkeys(["clusterrolebinding", "clusterrolebindings"], "ClusterRoleBinding"),
    **dict.fromkeys(["validatingadmissionpolicy", "validatingadmissionpolicies"], "ValidatingAdmissionPolicy"),
}

_WORKLOAD_KINDS = {"Deployment", "StatefulSet", "Pod", "Job", "CronJob", "PersistentVolumeClaim", "Secret",
                   "NetworkPolicy",
                   "ConfigMap", "Service", "Namespace", "Event", "EndpointSlice", "PodDisruptionBudget",
                   "CustomResourceDefinition", "APIService", "ValidatingWebhookConfiguration",
                   "MutatingWebhookConfiguration", "ClusterRoleBinding", "ValidatingAdmissionPolicy"}
# What each kind of API serves (kinds from CRDs only where their CRDs are installed).
SERVED = {
    "parent": _WORKLOAD_KINDS | {"Node", "StorageClass", "PersistentVolume", "Certificate", "Issuer",
                                 "CertificateRequest",
                                 "TargetGroupBinding"},
    "member": _WORKLOAD_KINDS | {"Node", "StorageClass", "PersistentVolume"},
    # The Karmada API has no nodes, kubelets or volumes: pods, nodes and claims are in the members.
    "karmada": {"Deployment", "StatefulSet", "Job", "CronJob", "Secret", "ConfigMap", "Service", "Namespace",
                "Event", "CustomResourceDefinition", "APIService", "ValidatingWebhookConfiguration",
                "MutatingWebhookConfiguration", "Cluster", "PropagationPolicy", "ClusterPropagationPolicy",
                "OverridePolicy", "ResourceBinding", "Work", "ClusterTaintPolicy", "ClusterRoleBinding",
                "ValidatingAdmissionPolicy"},
}
CLUSTER_SCOPED = {"Namespace", "Node", "StorageClass", "PersistentVolume", "CustomResourceDefinition", "APIService",
                  "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "Cluster",
                  "ClusterPropagationPolicy", "ClusterTaintPolicy", "ClusterRoleBinding", "ValidatingAdmissionPolicy"}


@dataclass
class Obj:
    kind: str
    namespace: str | None
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    containers: tuple[str, ...] = ()


@dataclass
class Target:
    """One API a kubectl context points at."""

    name: str
    flavour: str  # parent | karmada | member
    objects: list[Obj] = field(default_factory=list)
    extra_namespaces: set[str] = field(default_factory=set)

    @property
    def namespaces(self) -> set[str]:
        found = {o.namespace for o in self.objects if o.namespace} | {
            o.name for o in self.objects if o.kind == "Namespace"}
        return found | BUILTIN_NAMESPACES | self.extra_namespaces

    def serves(self, kind: str) -> bool:
        return kind in SERVED[self.flavour]

    def find(self, kind: str, name: str, namespace: str | None) -> list[Obj]:
        return [o for o in self.objects if o.kind == kind and o.name == name
                and (kind in CLUSTER_SCOPED or namespace is None or o.namespace == namespace)]

    def with_labels(self, kind: str, selector: dict[str, str], namespace: str | None) -> list[Obj]:
        return [o for o in self.objects if o.kind == kind
                and (namespace is None or kind in CLUSTER_SCOPED or o.namespace == namespace)
                and all(o.labels.get(k) == v for k, v in selector.items())]

    def add(self, obj: dict) -> None:
        self.objects += _derived(obj)


def _pod_template(obj: dict) -> dict | None:
    spec = obj.get("spec", {})
    if obj["kind"] == "CronJob":
        return spec["jobTemplate"]["spec"]["template"]
    return spec.get("template")


def _containers(template: dict) -> tuple[str, ...]:
    spec = template.get("spec", {})
    return tuple(c["name"] for c in [*spec.get("initContainers", []), *spec.get("containers", [])])


def _derived(obj: dict) -> list[Obj]:
    """The object and what Kubernetes makes from it."""
    meta = obj["metadata"]
    kind, namespace, name = obj["kind"], meta.get("namespace"), meta["name"]
    if kind not in CLUSTER_SCOPED and namespace is None:
        namespace = "default"
    out = [Obj(kind, namespace, name, dict(meta.get("labels") or {}))]
    template = _pod_template(obj) if kind in ("Deployment", "StatefulSet", "Job", "CronJob") else None
    if template is not None:
        labels = dict(template.get("metadata", {}).get("labels") or {})
        containers = _containers(template)
        out[0].containers = containers
        if kind == "StatefulSet":
            for index in range(obj["spec"].get("replicas", 1)):
                out.append(Obj("Pod", namespace, f"{name}-{index}", labels, containers))
                for claim in obj["spec"].get("volumeClaimTemplates", []):
                    out.append(Obj("PersistentVolumeClaim", namespace, f"{claim['metadata']['name']}-{name}-{index}",
                                   dict(claim["metadata"].get("labels") or {})))
        else:
            # Pods of Deployments and Jobs have generated names: selectable by label only.
            out.append(Obj("Pod", namespace, "", labels, containers))
        if kind == "CronJob":
            job_labels = dict(obj["spec"]["jobTemplate"].get("metadata", {}).get("labels") or {})
            out.append(Obj("Job", namespace, "", job_labels, containers))
    if kind == "Job":
        out[0].containers = _containers(obj["spec"]["template"])
    if kind == "Certificate":
        out.append(Obj("Secret", namespace, obj["spec"]["secretName"],
                       dict((obj["spec"].get("secretTemplate") or {}).get("labels") or {})))
        out.append(Obj("CertificateRequest", namespace, ""))  # generated names
    if kind == "Service":
        out.append(Obj("EndpointSlice", namespace, "", {"kubernetes.io/service-name": name}))
    return out


def _selected(policy: dict, objects: list[dict]) -> list[dict]:
    namespace = policy["metadata"].get("namespace", "default")
    picked = []
    for selector in policy["spec"].get("resourceSelectors", []):
        for obj in objects:
            if (obj.get("apiVersion") == selector.get("apiVersion") and obj["kind"] == selector.get("kind")
                    and obj["metadata"]["name"] == selector.get("name", obj["metadata"]["name"])
                    and obj["metadata"].get("namespace", "default") == namespace):
                picked.append(obj)
    return picked


# What every EKS cluster runs without this app (the CoreDNS add-on).
EKS_BUILTINS = [
    Obj("Deployment", "kube-system", "coredns", {"k8s-app": "kube-dns"}, ("coredns",)),
    Obj("Pod", "kube-system", "", {"k8s-app": "kube-dns"}, ("coredns",)),
    Obj("Service", "kube-system", "kube-dns", {"k8s-app": "kube-dns"}),
]


def pull_member_example(config: AppConfig) -> Target:
    """What a Pull member of any name holds: the docs say `--context "$MEMBER"` for those."""
    import cdk8s

    from eks_karmada.config import MemberConfig
    from eks_karmada.member_objects import member_chart

    member = MemberConfig(name="pull-example", region=config.parent.region, sync_mode=SyncMode.pull)
    target = Target("a Pull member", "member", objects=list(EKS_BUILTINS))
    for obj in member_chart(cdk8s.App(), config, member, "https://example.invalid").to_json():
        target.add(obj)
    target.objects.append(Obj("Secret", "karmada-system", "karmada-kubeconfig"))
    return target


def helm_releases(template: dict) -> list[Obj]:
    """The Deployment each Helm chart of a template installs (named after its release, as these charts do)."""
    out = []
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "Custom::AWSCDK-EKS-HelmChart":
            props = resource["Properties"]
            namespace = props.get("Namespace", "default")
            labels = {"app.kubernetes.io/name": props["Chart"]}
            out += [Obj("Deployment", namespace, props["Release"], labels, (props["Chart"],)),
                    Obj("Pod", namespace, "", labels, (props["Chart"],))]
    return out


def build_targets(config: AppConfig, manifests: dict[str, list[dict]], extra_parent: list[dict],
                  parent_template: dict | None = None) -> dict[str, Target]:
    """Targets by kubectl context name.

    Targets by kubectl context name: `karmada`, the parent cluster's name, each member's name (and, under a name no
    context has, a Pull member for `--context "$MEMBER"`).
    """
    parent = Target("parent", "parent", objects=[*EKS_BUILTINS, *helm_releases(parent_template or {})])
    for obj in [*manifests.get("parent", []), *extra_parent]:
        parent.add(obj)
    karmada = Target("karmada", "karmada")
    karmada_objects = manifests.get("karmada", [])
    for obj in karmada_objects:
        karmada.add(obj)
    for crd in karmada_crds(karmada_objects):
        karmada.objects.append(Obj("CustomResourceDefinition", None, crd))
    targets = {"karmada": karmada, config.parent.cluster_name: parent}
    policies = [o for o in karmada_objects if o["kind"] == "PropagationPolicy"]
    for policy in policies:
        for obj in _selected(policy, karmada_objects):
            karmada.objects.append(Obj("ResourceBinding", policy["metadata"].get("namespace", "default"),
                                       f"{obj['metadata']['name']}-{obj['kind'].lower()}"))
    for member in config.members:
        karmada.objects.append(Obj("Cluster", None, member.name, dict(member.labels)))
        karmada.extra_namespaces.add(f"karmada-es-{member.name}")
        if member.sync_mode is SyncMode.push:
            karmada.objects += [Obj("Secret", "karmada-cluster", member.name),
                                Obj("Secret", "karmada-cluster", f"{member.name}-impersonator")]
        target = Target(f"member-{member.name}", "member", objects=list(EKS_BUILTINS))
        for obj in manifests.get(f"member-{member.name}", []):
            target.add(obj)
        if member.sync_mode is SyncMode.pull:  # written by the registrar (or the agent bundle)
            target.objects.append(Obj("Secret", "karmada-system", "karmada-kubeconfig"))
        for policy in policies:
            placement = policy["spec"].get("placement", {})
            names = (placement.get("clusterAffinity") or {}).get("clusterNames")
            if names is None or member.name in names:
                for obj in _selected(policy, karmada_objects):
                    target.add(obj)
        targets[member.name] = target
    targets["$MEMBER"] = pull_member_example(config)
    return targets


def karmada_crds(karmada_objects: list[dict]) -> set[str]:
    """`<plural>.<group>` of the Karmada resources our own bootstrap objects name (webhook rules, RBAC)."""
    crds = set()
    for obj in karmada_objects:
        rules = []
        if obj["kind"] in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
            rules = [r for hook in obj.get("webhooks", []) for r in hook.get("rules", [])]
        elif obj["kind"] == "ClusterRole":
            rules = obj.get("rules", [])
        for rule in rules:
            for group in rule.get("apiGroups", []):
                if group.endswith(".karmada.io") and group != "cluster.karmada.io":  # Clusters: aggregated API
                    crds |= {f"{r.split('/')[0]}.{group}" for r in rule.get("resources", []) if r != "*"}
    return crds
