"""The Amazon VPC CNI as an EKS add-on, with its network-policy agent on."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import aws_eks_v2 as eks
from constructs import Construct, IConstruct


@dataclass(frozen=True, kw_only=True)
class VpcCniProps:
    """Properties of `VpcCni`."""
    cluster: eks.ICluster
    """The cluster whose aws-node the add-on takes over."""
    addon_version: str
    """vpc-cni add-on build. Default: none, the config pins it."""
    network_policy: bool = True
    """Turn the network-policy agent on. Default: True."""
    depends_on: Sequence[IConstruct] = ()
    """Created after these (the add-on turns ACTIVE only once nodes run its DaemonSet). Default: none."""


class VpcCni(Construct):
    """The vpc-cni EKS add-on, with Kubernetes NetworkPolicies enforced.

    Takes over the cluster's default aws-node DaemonSet as the pinned vpc-cni EKS add-on (OVERWRITE: EKS's defaults
    become the add-on's) with `{"enableNetworkPolicy": "true"}`, so the cluster enforces Kubernetes NetworkPolicies
    (EKS User Guide, "Restrict Pod network traffic with Kubernetes network policies": the add-on setting enables both
    the node agent and the policy controller). Node IPs stay allowed, so kubelet probes pass whatever the policies say.

    `preserve_on_delete`: deleting the stack removes the add-on record but
    leaves aws-node running until the nodes go, so pods that are still shutting
    down keep their networking while the uninstall deletes them.
    """

    def __init__(self, scope: Construct, id: str, props: VpcCniProps) -> None:
        super().__init__(scope, id)
        configuration = {"enableNetworkPolicy": "true"} if props.network_policy else {}
        self.addon = eks.CfnAddon(
            self,
            "Addon",
            cluster_name=props.cluster.cluster_name,
            addon_name="vpc-cni",
            addon_version=props.addon_version,
            resolve_conflicts="OVERWRITE",
            configuration_values=json.dumps(configuration, separators=(",", ":")) if configuration else None,
            preserve_on_delete=True,
        )
        # The add-on turns ACTIVE once its DaemonSet runs, which needs nodes.
        for dependency in props.depends_on:
            self.addon.node.add_dependency(dependency)
