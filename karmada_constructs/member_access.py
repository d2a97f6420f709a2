"""What Karmada's registration needs inside a member: a join role and the member-side objects."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from dataclasses import dataclass

import cdk8s
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from eks_karmada.member_objects import REGISTRAR_GROUP
from karmada_constructs.chart_manifest import ChartManifest, ChartManifestProps


@dataclass(frozen=True, kw_only=True)
class KarmadaMemberAccessProps:
    """Properties of `KarmadaMemberAccess`."""
    cluster: eks.ICluster
    """The member cluster."""
    chart: cdk8s.Chart
    """The member-side objects (Push access or the Pull agent)."""
    target: str
    """The rendered-manifests file they are recorded in."""
    join_role_name: str
    """The join role's fixed name."""
    registrar_role_arn: str
    """The parent's registrar role, the only principal that may assume the join role."""
    registrar_account: str
    """The registrar's account."""
    external_id: str
    """The sts:ExternalId the registrar must pass (stacks/naming.py join_external_id)."""


class KarmadaMemberAccess(Construct):
    """What registration needs in the member's account and region.

    Creates, in the member's account and region:

    - the join role (fixed name) that only the parent's registrar role may
      assume, with this member's ExternalId, allowed eks:DescribeCluster on
      this cluster and nothing else;
    - an EKS access entry mapping it to the `eks-karmada:registrar` group,
      whose RBAC comes with the member-side chart;
    - the member-side chart (Push access or the Pull agent) through
      KubernetesManifest, recorded as cdk.out/manifests/<target>.yaml.
    """

    def __init__(self, scope: Construct, id: str, props: KarmadaMemberAccessProps) -> None:
        super().__init__(scope, id)
        cluster = props.cluster
        self.join_role = iam.Role(
            self,
            "JoinRole",
            role_name=props.join_role_name,
            description="Assumed by the Karmada parent's registrar to read this cluster's registration objects",
            # The registrar may not exist yet when this deploys: trust its account with a condition on the
            # exact role ARN instead of naming a principal IAM would validate.
            assumed_by=iam.AccountPrincipal(props.registrar_account).with_conditions({
                "ArnEquals": {"aws:PrincipalArn": props.registrar_role_arn},
                # Confused-deputy protection: the registrar names this deployment and member when it assumes.
                "StringEquals": {"sts:ExternalId": props.external_id},
            }),
        )
        self.join_role.add_to_policy(iam.PolicyStatement(actions=["eks:DescribeCluster"],
                                                         resources=[cluster.cluster_arn]))
        self.access_entry = eks.CfnAccessEntry(
            self,
            "AccessEntry",
            cluster_name=cluster.cluster_name,
            principal_arn=self.join_role.role_arn,
            type="STANDARD",
            kubernetes_groups=[REGISTRAR_GROUP],
        )
        self.objects = ChartManifest(self, "Objects", ChartManifestProps(cluster=cluster, chart=props.chart,
                                                                         target=props.target))
