"""The gp3 StorageClass that etcd's volumes (and anything else on the parent) use."""

from __future__ import annotations

from dataclasses import dataclass, field

import cdk8s
from cdk8s_plus_27 import k8s
from constructs import Construct

# The tag the class puts on every volume it provisions, with the cluster's name as value, so the
# uninstall (karmada_constructs/teardown_cleanup.py) can tell this cluster's volumes from the rest.
VOLUME_CLUSTER_TAG = "eks-karmada:cluster"


@dataclass(frozen=True)
class Gp3StorageClassProps:
    """Properties of `Gp3StorageClassChart`."""
    name: str = "gp3"
    iops: int = 3000
    throughput_mibps: int = 125
    make_default: bool = True
    # ARN of the customer managed key the volumes are encrypted with (a deploy-time value); None: aws/ebs.
    kms_key_id: str | None = None
    # Tags on every volume the class provisions (the EBS CSI driver's tagSpecification_<n> parameters).
    volume_tags: dict[str, str] = field(default_factory=dict[str, str])


class Gp3StorageClassChart(cdk8s.Chart):
    """An encrypted gp3 StorageClass of the EBS CSI driver.

    WaitForFirstConsumer so each volume is created in the AZ its pod is scheduled
    to (etcd spreads one member per AZ); expansion allowed so volumes can grow in place.
    reclaimPolicy Delete: a volume goes with its claim (at uninstall, with the
    namespace). `volume_tags` (e.g. the cluster's name) let the uninstall find
    every volume the class made (karmada_constructs/teardown_cleanup.py).

    StorageClass parameters are immutable: changing them on a running cluster
    needs the class deleted first (existing volumes are unaffected).
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
                **({"kmsKeyId": props.kms_key_id} if props.kms_key_id else {}),
                "iops": str(props.iops),
                "throughput": str(props.throughput_mibps),
                "csi.storage.k8s.io/fstype": "ext4",
                **{f"tagSpecification_{i}": f"{k}={v}" for i,
                   (k, v) in enumerate(sorted(props.volume_tags.items()), 1)},
            },
            reclaim_policy="Delete",
            allow_volume_expansion=True,
            volume_binding_mode="WaitForFirstConsumer",
        )
