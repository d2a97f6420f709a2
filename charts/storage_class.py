"""The gp3 StorageClass that etcd's volumes (and anything else on the parent) use."""

from __future__ import annotations

from dataclasses import dataclass

import cdk8s
from cdk8s_plus_27 import k8s
from constructs import Construct


@dataclass(frozen=True)
class Gp3StorageClassProps:
    name: str = "gp3"
    iops: int = 3000
    throughput_mibps: int = 125
    make_default: bool = True


class Gp3StorageClassChart(cdk8s.Chart):
    """An encrypted gp3 StorageClass of the EBS CSI driver.

    WaitForFirstConsumer so each volume is created in the AZ its pod is scheduled
    to (etcd spreads one member per AZ); expansion allowed so volumes can grow in place.
    """

    def __init__(self, scope: Construct, id: str, props: Gp3StorageClassProps) -> None:
        super().__init__(scope, id)
        annotations = {"storageclass.kubernetes.io/is-default-class": "true"} if props.make_default else {}
        k8s.KubeStorageClass(
            self,
            "StorageClass",
            metadata=k8s.ObjectMeta(name=props.name, annotations=annotations),
            provisioner="ebs.csi.aws.com",
            parameters={
                "type": "gp3",
                "encrypted": "true",
                "iops": str(props.iops),
                "throughput": str(props.throughput_mibps),
                "csi.storage.k8s.io/fstype": "ext4",
            },
            reclaim_policy="Delete",
            allow_volume_expansion=True,
            volume_binding_mode="WaitForFirstConsumer",
        )
