"""The TeardownCleanup handler against moto's EC2: what it deletes, what it keeps, how long it waits."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from functions.teardown_cleanup import handler
from functions.teardown_cleanup.errors import CleanupError
from functions.teardown_cleanup.handler import CNI_ENI_TAG, CSI_TAG, PVC_NAME_TAG, PVC_NAMESPACE_TAG

REGION = "us-east-1"
CLUSTER = "karmada-parent"
TAG = "eks-karmada:cluster"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps = 0
        self.hooks = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.sleeps += 1
        for hook in self.hooks:
            hook(self.sleeps)


@pytest.fixture
def ec2(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        yield boto3.client("ec2", region_name=REGION)


def _volume(ec2, *, cluster=CLUSTER, csi=True, namespace="karmada-system", pvc="data-etcd-0", az="us-east-1a") -> str:
    tags = [{"Key": TAG, "Value": cluster}]
    if csi:
        tags.append({"Key": CSI_TAG, "Value": "true"})
    if namespace is not None:
        tags += [{"Key": PVC_NAMESPACE_TAG, "Value": namespace}, {"Key": PVC_NAME_TAG, "Value": pvc}]
    volume = ec2.create_volume(AvailabilityZone=az, Size=20, VolumeType="gp3",
                               TagSpecifications=[{"ResourceType": "volume", "Tags": tags}])
    return volume["VolumeId"]


def _event(request="Delete", **props) -> dict:
    properties = {"ClusterName": CLUSTER, "VolumeTagKey": TAG, "VolumeTagValue": CLUSTER, **props}
    event = {"RequestType": request, "ResourceProperties": properties}
    if request != "Create":
        event["PhysicalResourceId"] = f"teardown-cleanup:{CLUSTER}"
    return event


def _ids(ec2) -> set[str]:
    """Every volume but the root volumes of moto's instances."""
    return {v["VolumeId"] for v in ec2.describe_volumes()["Volumes"]
            if not any(a["Device"] in ("/dev/sda1", "/dev/xvda") for a in v.get("Attachments", []))}


def test_create_and_update_touch_nothing(ec2):
    volume = _volume(ec2)
    clock = Clock()
    assert handler.on_event(_event("Create"), ec2=ec2, clock=clock, sleep=clock.sleep) == {
        "PhysicalResourceId": f"teardown-cleanup:{CLUSTER}"}
    assert handler.on_event(_event("Update"), ec2=ec2, clock=clock, sleep=clock.sleep)["PhysicalResourceId"] == (
        f"teardown-cleanup:{CLUSTER}")
    assert _ids(ec2) == {volume}


def test_delete_removes_the_clusters_csi_volumes_and_nothing_else(ec2):
    ours = [_volume(ec2, pvc=f"data-etcd-{i}") for i in range(3)] + [_volume(ec2, namespace="default", pvc="web")]
    other_cluster = _volume(ec2, cluster="someone-else")
    not_csi = _volume(ec2, csi=False)
    untagged = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    clock = Clock()
    result = handler.on_event(_event(), ec2=ec2, clock=clock, sleep=clock.sleep)
    assert result["Data"]["DeletedVolumes"] == "4" and result["Data"]["RetainedVolumes"] == ""
    assert _ids(ec2) == {other_cluster, not_csi, untagged}
    assert clock.sleeps == 0
    assert not set(ours) & _ids(ec2)


def test_retained_namespaces_keep_their_volumes_and_unknown_ones(ec2):
    etcd = [_volume(ec2, pvc=f"data-etcd-{i}") for i in range(3)]
    unknown = _volume(ec2, namespace=None)
    web = _volume(ec2, namespace="default", pvc="web")
    clock = Clock()
    result = handler.on_event(_event(RetainVolumeNamespaces=json.dumps(["karmada-system"])), ec2=ec2, clock=clock,
                              sleep=clock.sleep)
    assert _ids(ec2) == {*etcd, unknown}
    assert web not in _ids(ec2)
    assert sorted(result["Data"]["RetainedVolumes"].split(",")) == sorted([*etcd, unknown])


def test_attached_volumes_are_waited_for_and_deleted_once_detached(ec2):
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, Placement={"AvailabilityZone": "us-east-1a"})
    instance_id = instance["Instances"][0]["InstanceId"]
    volume = _volume(ec2)
    ec2.attach_volume(VolumeId=volume, InstanceId=instance_id, Device="/dev/xvdb")
    clock = Clock()
    # The node group's instances terminate while the handler waits: the volume detaches.
    clock.hooks.append(lambda n: n == 2 and ec2.detach_volume(VolumeId=volume, InstanceId=instance_id))
    result = handler.on_event(_event(), ec2=ec2, clock=clock, sleep=clock.sleep)
    assert result["Data"]["DeletedVolumes"] == "1"
    assert _ids(ec2) == set()
    assert clock.sleeps == 2


def test_a_volume_still_attached_at_the_deadline_fails_the_delete_with_its_id(ec2):
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance_id = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1,
                                    Placement={"AvailabilityZone": "us-east-1a"})["Instances"][0]["InstanceId"]
    volume = _volume(ec2)
    ec2.attach_volume(VolumeId=volume, InstanceId=instance_id, Device="/dev/xvdb")
    clock = Clock()
    with pytest.raises(CleanupError, match=rf"{volume} \(in-use\).*docs/uninstall.md"):
        handler.on_event(_event(WaitSeconds="60"), ec2=ec2, clock=clock, sleep=clock.sleep)
    assert clock.now <= 60
    assert _ids(ec2) == {volume}


def test_the_wait_never_outlives_the_lambda(ec2):
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance_id = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1,
                                    Placement={"AvailabilityZone": "us-east-1a"})["Instances"][0]["InstanceId"]
    ec2.attach_volume(VolumeId=_volume(ec2), InstanceId=instance_id, Device="/dev/xvdb")

    class Context:
        @staticmethod
        def get_remaining_time_in_millis():
            return 90_000

    clock = Clock()
    with pytest.raises(CleanupError):
        handler.on_event(_event(WaitSeconds="3600"), Context(), ec2=ec2, clock=clock, sleep=clock.sleep)
    assert clock.now <= 90 - handler.SAFETY_MARGIN_SECONDS


def test_leftover_cni_interfaces_in_the_vpc_are_deleted(ec2):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    other_vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    other_subnet = ec2.create_subnet(VpcId=other_vpc, CidrBlock="10.9.0.0/24")["Subnet"]["SubnetId"]
    cni_tags = [{"ResourceType": "network-interface", "Tags": [{"Key": CNI_ENI_TAG, "Value": "i-0123456789abcdef0"}]}]
    leftover = ec2.create_network_interface(SubnetId=subnet, TagSpecifications=cni_tags)["NetworkInterface"]
    foreign = ec2.create_network_interface(SubnetId=other_subnet, TagSpecifications=cni_tags)["NetworkInterface"]
    not_cni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]
    clock = Clock()
    result = handler.on_event(_event(VpcId=vpc), ec2=ec2, clock=clock, sleep=clock.sleep)
    assert result["Data"]["DeletedNetworkInterfaces"] == "1"
    remaining = {i["NetworkInterfaceId"] for i in ec2.describe_network_interfaces()["NetworkInterfaces"]}
    assert leftover["NetworkInterfaceId"] not in remaining
    assert {foreign["NetworkInterfaceId"], not_cni["NetworkInterfaceId"]} <= remaining


def test_a_failed_create_is_deleted_without_touching_anything(ec2):
    volume = _volume(ec2)
    event = {**_event(), "PhysicalResourceId": handler.CREATE_FAILED_MARKER}
    assert handler.on_event(event, ec2=ec2)["PhysicalResourceId"] == handler.CREATE_FAILED_MARKER
    assert _ids(ec2) == {volume}


def test_volumes_the_api_reports_gone_or_busy_are_handled_and_access_errors_surface():
    client = boto3.client("ec2", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="y")
    settings = handler.Settings(cluster_name=CLUSTER, volume_tag_key=TAG, volume_tag_value=CLUSTER)
    volume = {"VolumeId": "vol-0aaa", "State": "available", "Tags": []}
    filters = {"Filters": [{"Name": f"tag:{TAG}", "Values": [CLUSTER]}, {"Name": f"tag:{CSI_TAG}", "Values": ["true"]}]}
    with Stubber(client) as stub:
        # Round 1: gone between list and delete. Round 2: nothing left.
        stub.add_response("describe_volumes", {"Volumes": [volume]}, filters)
        stub.add_client_error("delete_volume", "InvalidVolume.NotFound", expected_params={"VolumeId": "vol-0aaa"})
        report = handler.clean_up(client, settings, deadline=100, clock=lambda: 0, sleep=lambda s: None)
        assert report.deleted_volumes == [] and report.rounds == 1
    with Stubber(client) as stub:
        stub.add_response("describe_volumes", {"Volumes": [volume]}, filters)
        stub.add_client_error("delete_volume", "UnauthorizedOperation", expected_params={"VolumeId": "vol-0aaa"})
        with pytest.raises(Exception, match="UnauthorizedOperation"):
            handler.clean_up(client, settings, deadline=100, clock=lambda: 0, sleep=lambda s: None)


@pytest.mark.parametrize("props, message", [
    ({"ClusterName": ""}, "ClusterName is required"),
    ({"ClusterName": "c", "RetainVolumeNamespaces": '"karmada-system"'}, "JSON list"),
    ({"ClusterName": "c", "VolumeTagKey": "k"}, "go together"),
])
def test_bad_properties_are_refused(props, message):
    with pytest.raises(ValueError, match=message):
        handler.Settings.from_properties(props)
