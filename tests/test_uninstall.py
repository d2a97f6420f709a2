"""`make destroy` (cdk destroy --all) removes everything in an order that leaves no cost and no blocker behind.

docs/uninstall.md describes what these tests hold: the stack order, the order inside the parent
stack, what cleans up after the controllers, and what is retained on purpose.
"""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from aws_cdk.assertions import Match, Template

from charts.storage_class import VOLUME_CLUSTER_TAG
from eks_karmada.config import DEFAULT_CONFIG_PATH, parse_config
from karmada_constructs.karmada_manifest import KarmadaManifest
from karmada_constructs.teardown_cleanup import CSI_VOLUME_TAG, TeardownCleanup
from tests.synth import synthesize
from tests.template_graph import closure, edges


def _resources(template: dict, type_: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def _one(template: dict, type_: str, predicate=lambda k, v: True) -> str:
    (logical_id,) = [k for k, v in _resources(template, type_).items() if predicate(k, v)]
    return logical_id


@pytest.fixture(scope="module")
def parent(synthesized) -> dict:
    return synthesized.templates["KarmadaParent"]


# --- stacks ----------------------------------------------------------------------------------------------------

def test_cdk_destroy_all_removes_workloads_then_registrations_then_clusters_then_egress(synthesized):
    """Cdk destroy --all deletes a stack only after every stack that depends on it (cdk.out/manifest.json)."""
    manifest = json.loads((synthesized.outdir / "manifest.json").read_text())
    stacks = {k: v for k, v in manifest["artifacts"].items() if v["type"] == "aws:cloudformation:stack"}
    depends = {k: {d for d in v.get("dependencies", []) if d in stacks} for k, v in stacks.items()}
    # Reverse topological order: a stack goes once nothing left depends on it.
    order, remaining = [], set(stacks)
    while remaining:
        wave = sorted(s for s in remaining if not any(s in depends[o] for o in remaining))
        assert wave, f"dependency cycle among {remaining}"
        order.append(wave)
        remaining -= set(wave)
    assert order == [
        ["KarmadaWorkloads"],
        ["KarmadaRegistration-member-use1", "KarmadaRegistration-member-usw2"],
        ["KarmadaControlPeeringRoutes-member-use1", "KarmadaControlPeeringRoutes-member-usw2"],
        ["KarmadaControlPeering-member-use1", "KarmadaControlPeering-member-usw2"],
        ["KarmadaMember-member-use1", "KarmadaMember-member-usw2", "KarmadaParent"],
        ["KarmadaEgress", "KarmadaImageCache-us-east-1", "KarmadaImageCache-us-west-2"],
    ]


# --- inside the parent stack -----------------------------------------------------------------------------------

def test_every_kubernetes_object_and_helm_release_goes_while_nodes_and_drivers_still_run(parent):
    graph = edges(parent)
    node_group = _one(parent, "AWS::EKS::Nodegroup")
    addons = {v["Properties"]["AddonName"]: k for k, v in _resources(parent, "AWS::EKS::Addon").items()}
    on_cluster = {**_resources(parent, "Custom::AWSCDK-EKS-KubernetesResource"),
                  **_resources(parent, "Custom::AWSCDK-EKS-HelmChart"),
                  **_resources(parent, KarmadaManifest.RESOURCE_TYPE)}
    assert len(on_cluster) > 10
    for logical_id in on_cluster:
        assert node_group in closure(graph, logical_id), f"{logical_id} may outlive the node group"
    # What may hold volumes (the StorageClass and everything after it) also outlives neither driver.
    storage_class = next(k for k in on_cluster if k.startswith("Gp3StorageClass"))
    etcd = next(k for k in on_cluster if "karmadaetcdManifest" in k)
    for logical_id in (storage_class, etcd):
        assert {addons["aws-ebs-csi-driver"], addons["vpc-cni"]} <= closure(graph, logical_id)


def test_the_control_plane_goes_after_the_karmada_api_at_once_then_its_namespace(parent):
    graph = edges(parent)
    components = {k for k in _resources(parent, "Custom::AWSCDK-EKS-KubernetesResource")
                  if k.startswith("KarmadaControlPlanekarmada")}
    (namespace,) = [k for k in components if "foundation" in k]
    others = components - {namespace}
    assert len(others) == 9
    for logical_id in others:
        # Deleted before the namespace (which takes etcd's claims), and none waits for another.
        assert namespace in graph[logical_id] and not closure(graph, logical_id) & others, logical_id
    # The Karmada API objects (and the CRDs they are instances of) go while every component still runs.
    bootstrap = _resources(parent, KarmadaManifest.RESOURCE_TYPE)
    assert bootstrap and all(components <= closure(graph, k) for k in bootstrap)


def test_the_target_group_binding_goes_before_the_load_balancer_controller(parent):
    binding = next(k for k, v in _resources(parent, "Custom::AWSCDK-EKS-KubernetesResource").items()
                   if "TargetGroupBinding" in json.dumps(v["Properties"]["Manifest"]))
    controller = _one(parent, "Custom::AWSCDK-EKS-HelmChart",
                      lambda k, v: v["Properties"]["Chart"] == "aws-load-balancer-controller")
    assert controller in closure(edges(parent), binding)


def test_teardown_cleanup_runs_after_the_node_group_and_before_the_cluster_and_the_volume_key(parent):
    graph = edges(parent)
    cleanup = _one(parent, TeardownCleanup.RESOURCE_TYPE)
    node_group = _one(parent, "AWS::EKS::Nodegroup")
    cluster = _one(parent, "AWS::EKS::Cluster")
    volume_key = next(k for k in _resources(parent, "AWS::KMS::Key") if k.startswith("EbsCsiDriverVolumeKey"))
    assert cleanup in graph[node_group]
    assert {cluster, volume_key} <= graph[cleanup]
    # Nothing of the cleanup depends on what it must outlive.
    assert node_group not in closure(graph, cleanup)
    props = parent["Resources"][cleanup]["Properties"]
    assert props["ClusterName"] == "karmada-parent"
    assert (props["VolumeTagKey"], props["VolumeTagValue"]) == (VOLUME_CLUSTER_TAG, "karmada-parent")
    assert json.loads(props["RetainVolumeNamespaces"]) == []
    assert props["VpcId"] == {"Ref": _one(parent, "AWS::EC2::VPC")}


def test_the_storage_class_tags_every_volume_for_the_cleanup_and_encrypts_it_with_the_volume_key(synthesized):
    (storage_class,) = [o for o in synthesized.manifests["parent"] if o["kind"] == "StorageClass"]
    params = storage_class["parameters"]
    assert params["tagSpecification_1"] == f"{VOLUME_CLUSTER_TAG}=karmada-parent"
    assert params["kmsKeyId"] == "${Ebs.VolumeKeyArn}" and params["encrypted"] == "true"
    assert storage_class["reclaimPolicy"] == "Delete"


def test_the_cleanup_may_only_delete_what_the_controllers_of_this_cluster_made(parent):
    template = Template.from_json(parent)
    template.has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Sid": "DeleteCniInterfacesOfThisVpc", "Action": "ec2:DeleteNetworkInterface",
                           "Condition": Match.object_like({"Null": {
                               "aws:ResourceTag/node.k8s.amazonaws.com/instance_id": "false"}})}),
        Match.object_like({"Sid": "DeleteCsiVolumesOfThisCluster", "Action": "ec2:DeleteVolume", "Condition": {
            "StringEquals": {f"aws:ResourceTag/{VOLUME_CLUSTER_TAG}": "karmada-parent",
                             f"aws:ResourceTag/{CSI_VOLUME_TAG}": "true"}}}),
    ])}})
    # Outside the VPC: no Lambda-managed network interface of its own holds up the subnets it cleans up for.
    handler = _one(parent, "AWS::Lambda::Function", lambda k, v: k.startswith("TeardownCleanupHandler"))
    assert "VpcConfig" not in parent["Resources"][handler]["Properties"]


def test_the_etcd_namespace_and_volumes_go_by_default(parent, synthesized):
    foundation = next(v for k, v in parent["Resources"].items() if k.startswith("KarmadaControlPlanekarmadafoundation"))
    assert foundation.get("DeletionPolicy", "Delete") == "Delete"
    volume_key = next(v for k, v in _resources(parent, "AWS::KMS::Key").items()
                      if k.startswith("EbsCsiDriverVolumeKey"))
    assert volume_key["DeletionPolicy"] == "Delete"
    (etcd,) = [o for o in synthesized.manifests["parent"] if o["kind"] == "StatefulSet"]
    # Retain on the StatefulSet itself: a replaced manifest or a `kubectl delete sts` never takes the data;
    # the uninstall deletes the claims with the namespace.
    assert etcd["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] == "Retain"


def test_retain_etcd_volumes_keeps_the_namespace_the_claims_and_the_volume_key(tmp_path):
    data = copy.deepcopy(yaml.safe_load(DEFAULT_CONFIG_PATH.read_text()))
    data["karmada"]["retain_etcd_volumes"] = True
    data["members"] = []
    template = synthesize(parse_config(data), tmp_path).templates["KarmadaParent"]
    foundation = next(v for k, v in template["Resources"].items()
                      if k.startswith("KarmadaControlPlanekarmadafoundation"))
    assert foundation["DeletionPolicy"] == "Retain"
    volume_key = next(v for k, v in _resources(template, "AWS::KMS::Key").items()
                      if k.startswith("EbsCsiDriverVolumeKey"))
    assert volume_key["DeletionPolicy"] == "Retain"
    cleanup = template["Resources"][_one(template, TeardownCleanup.RESOURCE_TYPE)]
    assert json.loads(cleanup["Properties"]["RetainVolumeNamespaces"]) == ["karmada-system"]


def test_members_clean_up_network_interfaces_only(synthesized):
    for name in ("KarmadaMember-member-use1", "KarmadaMember-member-usw2"):
        template = synthesized.templates[name]
        graph = edges(template)
        cleanup = _one(template, TeardownCleanup.RESOURCE_TYPE)
        assert cleanup in graph[_one(template, "AWS::EKS::Nodegroup")]
        assert _one(template, "AWS::EKS::Cluster") in graph[cleanup]
        assert "VolumeTagKey" not in template["Resources"][cleanup]["Properties"]


def test_the_load_balancer_and_its_security_group_rules_are_cloudformation_resources(parent, synthesized):
    """Nothing the load balancer controller creates: CDK owns the NLB, its listener, target group and rules."""
    Template.from_json(parent).resource_count_is("AWS::ElasticLoadBalancingV2::LoadBalancer", 1)
    nlb_group = _one(parent, "AWS::EC2::SecurityGroup",
                     lambda k, v: "Karmada API NLB" in v["Properties"]["GroupDescription"])
    to_pods = [v for v in _resources(parent, "AWS::EC2::SecurityGroupIngress").values()
               if v["Properties"].get("SourceSecurityGroupId") == {"Fn::GetAtt": [nlb_group, "GroupId"]}]
    assert [(r["Properties"]["FromPort"], r["Properties"]["ToPort"]) for r in to_pods] == [(5443, 5443)]
    # No spec.networking: the controller registers targets only and manages no security group rules.
    (binding,) = [o for o in synthesized.manifests["parent"] if o["kind"] == "TargetGroupBinding"]
    assert "networking" not in binding["spec"]
    # No Service of type LoadBalancer or Ingress anywhere: the controller provisions nothing of its own.
    kinds = {(o["kind"], o.get("spec", {}).get("type")) for objs in synthesized.manifests.values() for o in objs}
    assert ("Service", "LoadBalancer") not in kinds and not any(k == "Ingress" for k, _ in kinds)


def test_only_the_backups_their_encryption_key_and_the_audit_log_are_retained(synthesized):
    """Everything with DeletionPolicy Retain is the backup storage, the key of the snapshots' Secrets or the audit log.

    And the key of each pull-through cache, whose repositories ECR made outside CloudFormation (docs/uninstall.md).
    """
    retained = sorted(
        f"{stack}/{logical_id}"
        for stack, template in synthesized.templates.items()
        for logical_id, body in template["Resources"].items()
        if body.get("DeletionPolicy") == "Retain"
    )
    caches = [r for r in retained if r.startswith("KarmadaImageCache-")]
    assert [c.split("/")[0] for c in caches] == ["KarmadaImageCache-us-east-1", "KarmadaImageCache-us-west-2"]
    assert all(c.split("/")[1].startswith("PullThroughCacheRepositoryKey") for c in caches)
    retained = [r for r in retained if r not in caches]
    assert retained and all(r.startswith("KarmadaParent/") for r in retained), retained
    assert {r.split("/")[1].rstrip("0123456789ABCDEF") for r in retained} == {
        "EtcdBackupStorageKey", "EtcdBackupStorageAccessLogs", "EtcdBackupStorageAccessLogsPolicy",
        "EtcdBackupStorageBucket", "EtcdBackupStorageBucketPolicy", "KarmadaEncryptionKeyRootKey",
        "KarmadaAuditLogGroup", "KarmadaAuditLogKey"}
