"""The workloads against the config and each other: every rule from both sides, with its exact one-line message."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from eks_karmada.workload_checks import (
    SELECTS_OTHER_OBJECTS_ANNOTATION,
    WorkloadError,
    WorkloadManifest,
    check_workloads,
    workload_problems,
)

MEMBERS = ("member-use1", "member-usw2")
SHOP = "KarmadaWorkloads/shop"


def obj(api_version: str, kind: str, name: str, namespace: str | None = None, **fields: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    if "labels" in fields:
        metadata["labels"] = fields.pop("labels")
    if "annotations" in fields:
        metadata["annotations"] = fields.pop("annotations")
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **fields}


def policy(kind: str, name: str, namespace: str | None, spec: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return obj("policy.karmada.io/v1alpha1", kind, name, namespace, spec=spec, **meta)


def selector(kind: str = "Deployment", api_version: str = "apps/v1", **fields: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, **fields}


def affinity(*names: str) -> dict[str, Any]:
    return {"clusterAffinity": {"clusterNames": list(names)}}


NAMESPACE = obj("v1", "Namespace", "shop")
DEPLOYMENT = obj("apps/v1", "Deployment", "api", "shop", labels={"app": "api", "tier": "web"})
SERVICE = obj("v1", "Service", "api", "shop", labels={"app": "api"})
PROPAGATION = policy("PropagationPolicy", "api", "shop", {
    "resourceSelectors": [selector(name="api"), selector("Service", "v1", name="api")],
    "placement": affinity(*MEMBERS)})
SHOP_OBJECTS = (NAMESPACE, DEPLOYMENT, SERVICE, PROPAGATION)


def problems(*objects: dict[str, Any], members: tuple[str, ...] = MEMBERS, other: tuple = ()) -> list[str]:
    manifests = [WorkloadManifest(SHOP, tuple(objects))]
    if other:
        manifests.append(WorkloadManifest("KarmadaWorkloads/sample-workload", tuple(other)))
    return workload_problems(manifests, members)


def with_spec(base: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(base)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


NOT_MEMBER = "is not a member of the config; use one of member-use1, member-usw2"
BAD = [
    pytest.param(
        (NAMESPACE, DEPLOYMENT, SERVICE, with_spec(PROPAGATION, ("spec", "placement"), affinity("member-us-west-2"))),
        MEMBERS,
        [f"{SHOP}: PropagationPolicy shop/api: spec.placement.clusterAffinity.clusterNames[0]: 'member-us-west-2' "
         f"{NOT_MEMBER}"],
        id="affinity-names-a-non-member",
    ),
    pytest.param(
        (NAMESPACE, DEPLOYMENT, SERVICE, with_spec(PROPAGATION, ("spec", "placement"),
                                                   {"clusterAffinity": {"exclude": ["member-use1", "old-1"]}})),
        MEMBERS,
        [f"{SHOP}: PropagationPolicy shop/api: spec.placement.clusterAffinity.exclude[1]: 'old-1' {NOT_MEMBER}"],
        id="exclude-names-a-non-member",
    ),
    pytest.param(
        (NAMESPACE, DEPLOYMENT, SERVICE, with_spec(PROPAGATION, ("spec", "placement"), {
            "clusterAffinities": [{"affinityName": "primary", "clusterNames": ["member-use1"]},
                                  {"affinityName": "backup", "clusterNames": ["member-euw1"]}]})),
        MEMBERS,
        [f"{SHOP}: PropagationPolicy shop/api: spec.placement.clusterAffinities[1].clusterNames[0]: 'member-euw1' "
         f"{NOT_MEMBER}"],
        id="cluster-affinities-name-a-non-member",
    ),
    pytest.param(
        (NAMESPACE, DEPLOYMENT, SERVICE, with_spec(PROPAGATION, ("spec", "placement", "replicaScheduling"), {
            "replicaSchedulingType": "Divided", "replicaDivisionPreference": "Weighted", "weightPreference": {
                "staticWeightList": [{"targetCluster": {"clusterNames": ["member-use1"]}, "weight": 1},
                                     {"targetCluster": {"clusterNames": ["member-usw3"]}, "weight": 1}]}})),
        MEMBERS,
        [f"{SHOP}: PropagationPolicy shop/api: spec.placement.replicaScheduling.weightPreference.staticWeightList[1]"
         f".targetCluster.clusterNames[0]: 'member-usw3' {NOT_MEMBER}"],
        id="static-weight-names-a-non-member",
    ),
    pytest.param(
        (*SHOP_OBJECTS, policy("OverridePolicy", "api-env", "shop", {
            "resourceSelectors": [selector(name="api")],
            "overrideRules": [{"targetCluster": {"clusterNames": ["member-usw2", "edge"]},
                               "overriders": {"labelsOverrider": [{"operator": "add", "value": {"a": "b"}}]}}]})),
        MEMBERS,
        [f"{SHOP}: OverridePolicy shop/api-env: spec.overrideRules[0].targetCluster.clusterNames[1]: 'edge' "
         f"{NOT_MEMBER}"],
        id="override-targets-a-non-member",
    ),
    pytest.param(
        (policy("ClusterTaintPolicy", "taint", None, {"targetClusters": {"clusterNames": ["x"]}, "taints": []}),),
        (),
        [f"{SHOP}: ClusterTaintPolicy taint: spec.targetClusters.clusterNames[0]: 'x' is not a member of the config; "
         "use one of none: the config has no members"],
        id="no-members-at-all",
    ),
    pytest.param(
        (DEPLOYMENT,),
        MEMBERS,
        [f"{SHOP}: Deployment shop/api: metadata.namespace: namespace 'shop' is not created by any workload; add a "
         "Namespace 'shop' to a workload chart (and a ClusterPropagationPolicy that sends it where the object goes), "
         "or use one of default, kube-system, kube-public, kube-node-lease"],
        id="namespace-not-created",
    ),
    pytest.param(
        (NAMESPACE, DEPLOYMENT, SERVICE, with_spec(PROPAGATION, ("spec", "resourceSelectors", 1, "name"), "apx")),
        MEMBERS,
        [f"{SHOP}: PropagationPolicy shop/api: spec.resourceSelectors[1]: selects no object of the workloads (v1 "
         "Service in shop named apx); fix the selector or add the object to a workload chart (for objects applied "
         f'by other means, annotate the policy {SELECTS_OTHER_OBJECTS_ANNOTATION}: "true")'],
        id="selector-name-selects-nothing",
    ),
    pytest.param(
        (NAMESPACE, DEPLOYMENT, SERVICE, with_spec(PROPAGATION, ("spec", "resourceSelectors"), [
            selector(labelSelector={"matchLabels": {"app": "api"},
                                    "matchExpressions": [{"key": "tier", "operator": "In", "values": ["db"]}]})])),
        MEMBERS,
        [f"{SHOP}: PropagationPolicy shop/api: spec.resourceSelectors[0]: selects no object of the workloads (apps/v1 "
         "Deployment in shop with labels app=api, tier In ['db']); fix the selector or add the object to a workload "
         f'chart (for objects applied by other means, annotate the policy {SELECTS_OTHER_OBJECTS_ANNOTATION}: "true")'],
        id="selector-labels-select-nothing",
    ),
    pytest.param(
        (NAMESPACE, DEPLOYMENT, obj("v1", "Namespace", "other"),
         policy("PropagationPolicy", "api", "other", {"resourceSelectors": [selector(name="api")]})),
        MEMBERS,
        [f"{SHOP}: PropagationPolicy other/api: spec.resourceSelectors[0]: selects no object of the workloads "
         "(apps/v1 Deployment in other named api); fix the selector or add the object to a workload chart (for "
         f'objects applied by other means, annotate the policy {SELECTS_OTHER_OBJECTS_ANNOTATION}: "true")'],
        id="namespaced-policy-selects-in-its-own-namespace-only",
    ),
    pytest.param(
        (NAMESPACE, DEPLOYMENT, policy("ClusterPropagationPolicy", "all", None, {
            "resourceSelectors": [selector(namespace="default")]})),
        MEMBERS,
        [f"{SHOP}: ClusterPropagationPolicy all: spec.resourceSelectors[0]: selects no object of the workloads "
         "(apps/v1 Deployment in default); fix the selector or add the object to a workload chart (for objects "
         f'applied by other means, annotate the policy {SELECTS_OTHER_OBJECTS_ANNOTATION}: "true")'],
        id="cluster-policy-selector-namespace",
    ),
    pytest.param(
        (NAMESPACE, DEPLOYMENT, policy("PropagationPolicy", "api", "shop", {
            "resourceSelectors": [selector(api_version="apps/v1beta1", name="api")]})),
        MEMBERS,
        [f"{SHOP}: PropagationPolicy shop/api: spec.resourceSelectors[0]: selects no object of the workloads "
         "(apps/v1beta1 Deployment in shop named api); fix the selector or add the object to a workload chart (for "
         f'objects applied by other means, annotate the policy {SELECTS_OTHER_OBJECTS_ANNOTATION}: "true")'],
        id="selector-api-version-differs",
    ),
    pytest.param(
        (*SHOP_OBJECTS, copy.deepcopy(SERVICE)),
        MEMBERS,
        [f"{SHOP}: Service shop/api: defined twice (also in {SHOP}); keep one definition, the second would "
         "overwrite the first at deploy"],
        id="defined-twice-in-one-chart",
    ),
]


@pytest.mark.parametrize(("objects", "members", "expected"), BAD)
def test_each_mistake_is_one_exact_line(objects: tuple, members: tuple[str, ...], expected: list[str]) -> None:
    assert problems(*objects, members=members) == expected


def test_an_object_defined_in_two_charts_names_both() -> None:
    assert problems(*SHOP_OBJECTS, other=(NAMESPACE,)) == [
        "KarmadaWorkloads/sample-workload: Namespace shop: defined twice (also in KarmadaWorkloads/shop); keep one "
        "definition, the second would overwrite the first at deploy"]


def test_every_problem_is_reported_not_only_the_first() -> None:
    wrong = with_spec(PROPAGATION, ("spec", "placement"), affinity("a", "b"))
    found = problems(DEPLOYMENT, wrong)
    assert len(found) == 5  # two namespaces, two cluster names, the Service selector
    with pytest.raises(WorkloadError) as raised:
        check_workloads([WorkloadManifest(SHOP, (DEPLOYMENT, wrong))], MEMBERS)
    assert raised.value.problems == tuple(found)
    assert str(raised.value).splitlines() == found


GOOD = [
    pytest.param(SHOP_OBJECTS, id="namespace-created-selectors-by-name"),
    pytest.param((obj("apps/v1", "Deployment", "api", "default"),
                  policy("PropagationPolicy", "api", "default", {"resourceSelectors": [selector(name="api")]})),
                 id="built-in-namespace"),
    pytest.param((obj("v1", "ConfigMap", "c", "kube-system"), obj("v1", "ConfigMap", "c", "kube-public"),
                  obj("v1", "ConfigMap", "c", "kube-node-lease")), id="other-built-in-namespaces"),
    pytest.param((obj("rbac.authorization.k8s.io/v1", "ClusterRole", "reader"),), id="cluster-scoped-has-no-namespace"),
    pytest.param((NAMESPACE, DEPLOYMENT, policy("PropagationPolicy", "all", "shop", {
        "resourceSelectors": [selector(labelSelector={"matchLabels": {"app": "api"}, "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["web"]}, {"key": "tier", "operator": "Exists"},
            {"key": "gone", "operator": "DoesNotExist"}, {"key": "tier", "operator": "NotIn", "values": ["db"]}]})]})),
        id="label-selector-matches"),
    pytest.param((NAMESPACE, DEPLOYMENT, policy("PropagationPolicy", "all", "shop", {
        "resourceSelectors": [selector()]})), id="kind-only-selector"),
    pytest.param((NAMESPACE, DEPLOYMENT, policy("ClusterPropagationPolicy", "all", None, {
        "resourceSelectors": [selector(), selector("Namespace", "v1", name="shop")]})), id="cluster-policy-any-ns"),
    pytest.param((NAMESPACE, DEPLOYMENT, policy("ClusterPropagationPolicy", "all", None, {
        "resourceSelectors": [selector(namespace="shop", name="api")]})), id="cluster-policy-selector-namespace"),
    pytest.param((NAMESPACE, policy("PropagationPolicy", "ci", "shop", {"resourceSelectors": [selector(name="x")]},
                                    annotations={SELECTS_OTHER_OBJECTS_ANNOTATION: "true"})),
                 id="selects-objects-applied-elsewhere"),
    pytest.param((NAMESPACE, DEPLOYMENT, policy("OverridePolicy", "all", "shop", {"overrideRules": []})),
                 id="override-policy-without-selectors-selects-all"),
    pytest.param((NAMESPACE, DEPLOYMENT, obj("apps/v1", "Deployment", "api", "default"),
                  obj("apps/v1", "StatefulSet", "api", "shop"), obj("v1", "ConfigMap", "api", "shop")),
                 id="same-name-other-namespace-or-kind-is-another-object"),
    pytest.param((policy("ClusterTaintPolicy", "t", None, {"targetClusters": {"clusterNames": list(MEMBERS),
                                                                              "exclude": ["member-use1"]}}),),
                 id="every-cluster-name-a-member"),
]


@pytest.mark.parametrize("objects", GOOD)
def test_valid_neighbours_have_no_problem(objects: tuple) -> None:
    assert problems(*objects) == []


def test_a_non_policy_object_with_cluster_names_is_not_judged() -> None:
    config_map = obj("v1", "ConfigMap", "c", "default", data={"clusterNames": ["anything"]})
    assert problems(config_map) == []
