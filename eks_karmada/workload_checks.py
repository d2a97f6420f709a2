"""Checks the workload charts against the config and against each other, at synth and in `eks-karmada validate`.

manifest_checks.py judges each object alone; this module judges the set the KarmadaWorkloads stack applies,
so that a mistake that would pass the API server and then schedule nothing, or fail only at deploy, stops
synth with one line naming the chart, the object, the field and the fix:

- a cluster name in a policy (cluster affinity, exclusions, static weights, override targets, suspension,
  taint targets: every `clusterNames` and `exclude`) that is not a member of the config;
- a namespaced object in a namespace that no workload creates and that is not built in (default, kube-*);
- a resource selector of a PropagationPolicy, ClusterPropagationPolicy, OverridePolicy or
  ClusterOverridePolicy that selects no object of the workloads (a policy for objects applied by other
  means says so with the annotation `SELECTS_OTHER_OBJECTS_ANNOTATION: "true"`);
- one object (API group, kind, namespace, name) defined twice;
- a MultiClusterService whose provider or consumer is not a member, whose Service (same name and namespace) no
  workload defines, or whose Service a (Cluster)PropagationPolicy also selects (Karmada v1.18.2 hands the Service
  to the MultiClusterService, which propagates it to providers and consumers; the policy's placement is ignored).

The objects are the charts' rendered dicts (`cdk8s.Chart.to_json()`); no CDK import here.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eks_karmada.manifest_checks import ManifestError

# Namespaces every cluster (and the Karmada API) has without anyone creating them.
BUILT_IN_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
POLICY_GROUP = "policy.karmada.io"
NETWORKING_GROUP = "networking.karmada.io"
PROPAGATING_POLICY_KINDS = frozenset({"PropagationPolicy", "ClusterPropagationPolicy"})
SELECTING_POLICY_KINDS = frozenset(
    {"PropagationPolicy", "ClusterPropagationPolicy", "OverridePolicy", "ClusterOverridePolicy"}
)
NAMESPACED_POLICY_KINDS = frozenset({"PropagationPolicy", "OverridePolicy"})
# Karmada's ClusterAffinity (and the taint policy's targetClusters) name clusters in these two lists.
CLUSTER_NAME_FIELDS = ("clusterNames", "exclude")
SELECTS_OTHER_OBJECTS_ANNOTATION = "eks-karmada.io/selects-objects-applied-elsewhere"


class WorkloadError(ManifestError):
    """The workloads have problems; one line each (``problems``), joined by newlines in the message."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class WorkloadManifest:
    """The rendered objects of one workload chart and where they come from."""

    source: str
    """How messages name the chart: its construct path, e.g. "KarmadaWorkloads/sample-workload"."""
    objects: tuple[Mapping[str, Any], ...]
    """The chart's objects, as rendered (apiVersion, kind, metadata, ...)."""


@dataclass(frozen=True)
class ObjectKey:
    """What makes an object one object in an API server."""

    group: str
    kind: str
    namespace: str | None
    name: str

    @classmethod
    def of(cls, obj: Mapping[str, Any]) -> ObjectKey:
        metadata = obj.get("metadata") or {}
        return cls(_group(obj.get("apiVersion", "")), obj.get("kind", ""), metadata.get("namespace") or None,
                   metadata.get("name", ""))

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}" if self.namespace else f"{self.kind} {self.name}"


@dataclass(frozen=True)
class _Located:
    source: str
    key: ObjectKey
    obj: Mapping[str, Any]

    def problem(self, text: str) -> str:
        return f"{self.source}: {self.key}: {text}"


def workload_problems(manifests: Sequence[WorkloadManifest], member_names: Sequence[str]) -> list[str]:
    """Every problem of the workloads, one line each, in chart and object order (empty when all is well).

    ``member_names`` are the config's members: the only cluster names a policy may use.
    """
    located = [_Located(m.source, ObjectKey.of(obj), obj) for m in manifests for obj in m.objects]
    created = {item.key.name for item in located if (item.key.group, item.key.kind) == ("", "Namespace")}
    problems: list[str] = []
    first: dict[ObjectKey, _Located] = {}
    for item in located:
        if item.key in first:
            problems.append(item.problem(f"defined twice (also in {first[item.key].source}); keep one definition, "
                                         "the second would overwrite the first at deploy"))
        else:
            first[item.key] = item
        problems.extend(_namespace_problems(item, created))
        if item.key.group == POLICY_GROUP:
            problems.extend(_cluster_name_problems(item, member_names))
            problems.extend(_selector_problems(item, located))
        if (item.key.group, item.key.kind) == (NETWORKING_GROUP, "MultiClusterService"):
            problems.extend(_multicluster_service_problems(item, located, member_names))
    return problems


def check_workloads(manifests: Sequence[WorkloadManifest], member_names: Sequence[str]) -> None:
    """Raise WorkloadError listing every problem of ``workload_problems``."""
    problems = workload_problems(manifests, member_names)
    if problems:
        raise WorkloadError(problems)


def _namespace_problems(item: _Located, created: set[str]) -> Iterator[str]:
    namespace = item.key.namespace
    if namespace is None or namespace in created or namespace in BUILT_IN_NAMESPACES:
        return
    yield item.problem(f"metadata.namespace: namespace '{namespace}' is not created by any workload; add a "
                       f"Namespace '{namespace}' to a workload chart (and a ClusterPropagationPolicy that sends it "
                       f"where the object goes), or use one of {', '.join(BUILT_IN_NAMESPACES)}")


def _cluster_name_problems(item: _Located, member_names: Sequence[str]) -> Iterator[str]:
    members = ", ".join(member_names) if member_names else "none: the config has no members"
    for path, name in _cluster_names(item.obj.get("spec"), "spec"):
        if name not in member_names:
            yield item.problem(f"{path}: '{name}' is not a member of the config; use one of {members}")


def _cluster_names(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(field path, cluster name) of every cluster name list under ``value``."""
    if isinstance(value, Mapping):
        for key, child in value.items():
            child_path = f"{path}.{key}"
            if key in CLUSTER_NAME_FIELDS and isinstance(child, list):
                for index, name in enumerate(child):
                    if isinstance(name, str):
                        yield f"{child_path}[{index}]", name
            else:
                yield from _cluster_names(child, child_path)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _cluster_names(child, f"{path}[{index}]")


def _multicluster_service_problems(
    item: _Located, located: Sequence[_Located], member_names: Sequence[str]
) -> Iterator[str]:
    spec = item.obj.get("spec") or {}
    members = ", ".join(member_names) if member_names else "none: the config has no members"
    for field in ("providerClusters", "consumerClusters"):
        for index, cluster in enumerate(spec.get(field) or []):
            name = cluster.get("name") if isinstance(cluster, Mapping) else None
            if name not in member_names:
                yield item.problem(f"spec.{field}[{index}].name: '{name}' is not a member of the config; use one of "
                                   f"{members}")
    service = ObjectKey("", "Service", item.key.namespace, item.key.name)
    annotations = (item.obj.get("metadata") or {}).get("annotations") or {}
    if annotations.get(SELECTS_OTHER_OBJECTS_ANNOTATION) != "true" and not any(o.key == service for o in located):
        yield item.problem(f"metadata.name: no workload defines the {service} it shares; add the Service (same name "
                           "and namespace) to a workload chart")
    service_object = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": item.key.name,
                                                                          "namespace": item.key.namespace}}
    target = next((o for o in located if o.key == service), _Located(item.source, service, service_object))
    for other in located:
        if other.key.group != POLICY_GROUP or other.key.kind not in PROPAGATING_POLICY_KINDS:
            continue
        policy_namespace = other.key.namespace if other.key.kind == "PropagationPolicy" else None
        selectors = (other.obj.get("spec") or {}).get("resourceSelectors") or []
        if any(isinstance(s, Mapping) and _selects(s, policy_namespace, target) for s in selectors):
            yield item.problem(f"{other.key} also selects {service}, which the MultiClusterService takes over and "
                               "propagates to its providers and consumers; leave the Service out of the policy")


def _selector_problems(item: _Located, located: Sequence[_Located]) -> Iterator[str]:
    if item.key.kind not in SELECTING_POLICY_KINDS:
        return
    annotations = (item.obj.get("metadata") or {}).get("annotations") or {}
    if annotations.get(SELECTS_OTHER_OBJECTS_ANNOTATION) == "true":
        return
    policy_namespace = item.key.namespace if item.key.kind in NAMESPACED_POLICY_KINDS else None
    selectors = (item.obj.get("spec") or {}).get("resourceSelectors") or []
    for index, selector in enumerate(selectors):
        if not isinstance(selector, Mapping):
            continue
        if not any(_selects(selector, policy_namespace, other) for other in located if other is not item):
            yield item.problem(
                f"spec.resourceSelectors[{index}]: selects no object of the workloads "
                f"({_describe(selector, policy_namespace)}); "
                "fix the selector or add the object to a workload chart (for objects applied by other means, "
                f'annotate the policy {SELECTS_OTHER_OBJECTS_ANNOTATION}: "true")'
            )


def _selects(selector: Mapping[str, Any], policy_namespace: str | None, other: _Located) -> bool:
    key = other.key
    if other.obj.get("apiVersion") != selector.get("apiVersion") or key.kind != selector.get("kind"):
        return False
    # A namespaced policy selects in its own namespace only; a cluster-wide one where its selector says.
    namespace = policy_namespace or selector.get("namespace")
    if namespace and key.namespace != namespace:
        return False
    if selector.get("name"):
        return key.name == selector["name"]
    labels = (other.obj.get("metadata") or {}).get("labels") or {}
    return _labels_match(selector.get("labelSelector"), labels)


def _labels_match(label_selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A metav1.LabelSelector against labels; no selector (or an empty one) matches everything."""
    if not label_selector:
        return True
    if any(labels.get(k) != v for k, v in (label_selector.get("matchLabels") or {}).items()):
        return False
    for expression in label_selector.get("matchExpressions") or []:
        key, operator, values = expression.get("key"), expression.get("operator"), expression.get("values") or []
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _describe(selector: Mapping[str, Any], policy_namespace: str | None) -> str:
    text = f"{selector.get('apiVersion')} {selector.get('kind')}"
    if policy_namespace or selector.get("namespace"):
        text += f" in {policy_namespace or selector['namespace']}"
    if selector.get("name"):
        text += f" named {selector['name']}"
    elif selector.get("labelSelector"):
        text += f" with labels {_describe_labels(selector['labelSelector'])}"
    return text


def _describe_labels(label_selector: Mapping[str, Any]) -> str:
    parts = [f"{k}={v}" for k, v in (label_selector.get("matchLabels") or {}).items()]
    parts += [f"{e.get('key')} {e.get('operator')} {e.get('values') or ''}".strip()
              for e in label_selector.get("matchExpressions") or []]
    return ", ".join(parts)


def _group(api_version: Any) -> str:
    return api_version.rsplit("/", 1)[0] if isinstance(api_version, str) and "/" in api_version else ""

