"""The sample workload chart: valid Kubernetes 1.35 objects, restricted Pod Security, equal weights per member."""

from __future__ import annotations

from typing import Any

import cdk8s
import kubernetes_validate
import pytest

from charts.policies import PolicyError, SampleWorkloadChart
from charts.policies.sample import DEFAULT_IMAGE, SAMPLE_NAMESPACE, SKIP_AUTO_PROPAGATION_LABEL

MEMBERS = ["member-us-west-2", "member-us-east-1", "member-eu-west-1"]

# Pod Security Standards "restricted" (Kubernetes 1.35): volume types allowed and capabilities that may be added.
RESTRICTED_VOLUME_TYPES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
}


@pytest.fixture(scope="module")
def manifests() -> list[dict[str, Any]]:
    chart = SampleWorkloadChart(cdk8s.Testing.app(), "sample", member_names=MEMBERS, namespace="web")
    return cdk8s.Testing.synth(chart)


def only(manifests: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    [manifest] = [m for m in manifests if m["kind"] == kind]
    return manifest


def test_chart_holds_its_namespace_first_then_the_workload_and_its_policies(manifests: list[dict[str, Any]]) -> None:
    assert [m["kind"] for m in manifests] == [
        "Namespace", "ClusterPropagationPolicy", "Deployment", "Service", "PodDisruptionBudget", "PropagationPolicy"]
    assert only(manifests, "Namespace")["metadata"]["name"] == "web"
    namespaced = [m for m in manifests if m["kind"] not in ("Namespace", "ClusterPropagationPolicy")]
    assert {m["metadata"]["namespace"] for m in namespaced} == {"web"}


def test_default_namespace_is_the_samples_own() -> None:
    chart = SampleWorkloadChart(cdk8s.Testing.app(), "sample", member_names=MEMBERS)
    assert {m["metadata"].get("namespace", m["metadata"]["name"]) for m in cdk8s.Testing.synth(chart)
            if m["kind"] != "ClusterPropagationPolicy"} == {SAMPLE_NAMESPACE}
    assert SAMPLE_NAMESPACE == "eks-karmada-sample"


def test_namespace_goes_only_to_the_members_and_stays_while_one_is_not_ready(manifests: list[dict[str, Any]]) -> None:
    namespace, policy = only(manifests, "Namespace"), only(manifests, "ClusterPropagationPolicy")
    # Karmada's namespace controller would otherwise copy it to every member, production clusters included.
    assert namespace["metadata"]["labels"][SKIP_AUTO_PROPAGATION_LABEL] == "true"
    assert policy["spec"]["resourceSelectors"] == [{"apiVersion": "v1", "kind": "Namespace", "name": "web"}]
    assert policy["spec"]["placement"]["clusterAffinity"]["clusterNames"] == MEMBERS
    tolerations = policy["spec"]["placement"]["clusterTolerations"]
    assert {(t["key"], t["effect"]) for t in tolerations} == {
        ("cluster.karmada.io/not-ready", "NoExecute"), ("cluster.karmada.io/unreachable", "NoExecute")}
    assert all("tolerationSeconds" not in t for t in tolerations), "the namespace is never evicted"


def test_pods_spread_over_zones_without_ever_staying_pending(manifests: list[dict[str, Any]]) -> None:
    pod = only(manifests, "Deployment")["spec"]["template"]
    [spread] = pod["spec"]["topologySpreadConstraints"]
    assert spread["topologyKey"] == "topology.kubernetes.io/zone" and spread["maxSkew"] == 1
    assert spread["whenUnsatisfiable"] == "ScheduleAnyway"
    assert spread["labelSelector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()


def test_disruption_budget_covers_the_pods_and_lets_a_single_replica_drain(manifests: list[dict[str, Any]]) -> None:
    budget, deployment = only(manifests, "PodDisruptionBudget"), only(manifests, "Deployment")
    assert budget["spec"] == {"maxUnavailable": 1, "selector": deployment["spec"]["selector"]}


def test_built_in_objects_are_strictly_valid_for_kubernetes_1_35(manifests: list[dict[str, Any]]) -> None:
    built_in = [m for m in manifests if not m["apiVersion"].startswith("policy.karmada.io/")]
    assert len(built_in) == 4
    for manifest in built_in:
        kubernetes_validate.validate(manifest, "1.35.0", strict=True)


def test_service_selects_the_pods_and_targets_a_container_port(manifests: list[dict[str, Any]]) -> None:
    deployment, service = only(manifests, "Deployment"), only(manifests, "Service")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    ports = [port for container in deployment["spec"]["template"]["spec"]["containers"] for port in container["ports"]]
    for service_port in service["spec"]["ports"]:
        target = service_port["targetPort"]
        assert any(target in (port["name"], port["containerPort"]) for port in ports), target


def test_pod_meets_the_restricted_pod_security_standard(manifests: list[dict[str, Any]]) -> None:
    pod = only(manifests, "Deployment")["spec"]["template"]["spec"]
    pod_security = pod.get("securityContext", {})
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        assert not pod.get(flag)
    for volume in pod.get("volumes", []):
        assert set(volume) - {"name"} <= RESTRICTED_VOLUME_TYPES, volume
    for container in pod["containers"] + pod.get("initContainers", []):
        security = container["securityContext"]
        assert not security.get("privileged")
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert set(security["capabilities"].get("add", [])) <= {"NET_BIND_SERVICE"}
        assert security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True
        assert security.get("runAsUser", pod_security.get("runAsUser")) != 0
        seccomp = security.get("seccompProfile", pod_security.get("seccompProfile"))
        assert seccomp["type"] in ("RuntimeDefault", "Localhost")
        assert not any(port.get("hostPort") for port in container.get("ports", []))
        # Read-only root filesystem, with every nginx scratch dir on an emptyDir.
        assert security["readOnlyRootFilesystem"] is True
        mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
        assert {"/tmp", "/var/cache/nginx"} <= mounts


def test_nginx_is_the_pinned_unprivileged_image_on_8080(manifests: list[dict[str, Any]]) -> None:
    [container] = only(manifests, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert container["image"] == DEFAULT_IMAGE and "nginx-unprivileged:" in DEFAULT_IMAGE
    assert not DEFAULT_IMAGE.endswith(":latest")
    assert [port["containerPort"] for port in container["ports"]] == [8080]


def test_policy_divides_replicas_with_equal_weights_over_exactly_the_members(manifests: list[dict[str, Any]]) -> None:
    propagated = [only(manifests, kind) for kind in ("Deployment", "Service", "PodDisruptionBudget")]
    spec = only(manifests, "PropagationPolicy")["spec"]
    assert [(s["apiVersion"], s["kind"], s["name"]) for s in spec["resourceSelectors"]] == [
        (m["apiVersion"], m["kind"], m["metadata"]["name"]) for m in propagated]
    deployment = propagated[0]
    placement = spec["placement"]
    assert placement["clusterAffinity"]["clusterNames"] == MEMBERS
    scheduling = placement["replicaScheduling"]
    assert (scheduling["replicaSchedulingType"], scheduling["replicaDivisionPreference"]) == ("Divided", "Weighted")
    weights = scheduling["weightPreference"]["staticWeightList"]
    assert [w["targetCluster"] for w in weights] == [{"clusterNames": [member]} for member in MEMBERS]
    assert {w["weight"] for w in weights} == {1}
    assert deployment["spec"]["replicas"] == 4


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"member_names": []}, "member_names: needs at least one member cluster name"),
        ({"member_names": ["a", "a"]}, "member_names: ['a', 'a'] lists a cluster twice"),
        ({"member_names": ["Member_A"]}, "member_names: 'Member_A' is not a DNS-1123 label"),
        ({"member_names": ["a"], "image": "nginxinc/nginx-unprivileged"}, "image: 'nginxinc/nginx-unprivileged'"),
        ({"member_names": ["a"], "image": "nginx:latest"}, "image: 'nginx:latest' is not pinned"),
        ({"member_names": ["a"], "replicas": 0}, "replicas: 0 must be a positive int"),
        ({"member_names": ["a"], "namespace": "Web"}, "PropagationPolicy sample-nginx: metadata.namespace:"),
    ],
)
def test_bad_arguments_raise_policy_error(kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(PolicyError) as raised:
        SampleWorkloadChart(cdk8s.Testing.app(), "sample", **kwargs)
    assert fragment in str(raised.value)
