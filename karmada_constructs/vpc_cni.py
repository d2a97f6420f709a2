"""The Amazon VPC CNI as an EKS add-on, with its network-policy agent on."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aws_cdk import aws_eks_v2 as eks
from constructs import Construct, IConstruct


class VpcCni(Construct):
    """Takes over the cluster's default aws-node DaemonSet as the pinned
    vpc-cni EKS add-on (OVERWRITE: EKS's defaults become the add-on's) with
    `{"enableNetworkPolicy": "true"}`, so the cluster enforces Kubernetes
    NetworkPolicies (EKS User Guide, "Restrict Pod network traffic with
    Kubernetes network policies": the add-on setting enables both the node
    agent and the policy controller). Node IPs stay allowed, so kubelet probes
    pass whatever the policies say.

    `preserve_on_delete`: deleting the stack removes the add-on record but
    leaves aws-node running until the nodes go, so pods that are still shutting
    down keep their networking while the uninstall deletes them.
    """

    def __init__(self, scope: Construct, id: str, *, cluster: eks.ICluster, addon_version: str,
                 network_policy: bool = True, depends_on: Sequence[IConstruct] = ()) -> None:
        super().__init__(scope, id)
        configuration = {"enableNetworkPolicy": "true"} if network_policy else {}
        self.addon = eks.CfnAddon(
            self,
            "Addon",
            cluster_name=cluster.cluster_name,
            addon_name="vpc-cni",
            addon_version=addon_version,
            resolve_conflicts="OVERWRITE",
            configuration_values=json.dumps(configuration, separators=(",", ":")) if configuration else None,
            preserve_on_delete=True,
        )
        # The add-on turns ACTIVE once its DaemonSet runs, which needs nodes.
        for dependency in depends_on:
            self.addon.node.add_dependency(dependency)
