"""An existing EKS cluster, imported by name, that this app can apply manifests to."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from karmada_constructs.deploy_time_lookup import DeployTimeLookup, DeployTimeLookupProps
from karmada_constructs.eks_cluster import acknowledge_kubectl_provider
from karmada_constructs.nag import acknowledge_aws_custom_resource

CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


@dataclass(frozen=True, kw_only=True)
class ExistingEksClusterProps:
    """Properties of `ExistingEksCluster`."""
    cluster_name: str
    """The EKS cluster's name."""
    kubectl_layer: type
    """The kubectl Lambda layer class matching the cluster's Kubernetes version."""


class ExistingEksCluster(Construct):
    """Imports an EKS cluster by name and gives it a kubectl provider of its own.

    Imports an EKS cluster by name (no look-up at synth) and gives it a kubectl provider of its own, with an EKS access
    entry so the provider may apply the member-side objects. The provider runs outside any VPC, so the cluster's public
    endpoint must admit AWS Lambda (docs/operations.md, "existing members").
    """

    def __init__(self, scope: Construct, id: str, props: ExistingEksClusterProps) -> None:
        super().__init__(scope, id)
        cluster_name = props.cluster_name
        bare = eks.Cluster.from_cluster_attributes(self, "Imported", cluster_name=cluster_name)
        self.kubectl_provider = eks.KubectlProvider(
            self, "Kubectl", cluster=bare, kubectl_layer=props.kubectl_layer(self, "KubectlLayer")
        )
        # The endpoint is read at deploy time (no look-up at synth); the Pull agent reports it to Karmada.
        describe = cr.AwsSdkCall(
            service="EKS", action="describeCluster", parameters={"name": cluster_name},
            output_paths=["cluster.endpoint"], physical_resource_id=cr.PhysicalResourceId.of(cluster_name),
        )
        lookup = DeployTimeLookup(self, "Describe", DeployTimeLookupProps(
            call=describe,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["eks:DescribeCluster"], resources=[bare.cluster_arn])]
            ),
        ))
        self.cluster = eks.Cluster.from_cluster_attributes(
            self, "Cluster", cluster_name=cluster_name, kubectl_provider=self.kubectl_provider,
            cluster_endpoint=lookup.get_response_field("cluster.endpoint"),
        )
        self.access_entry = eks.CfnAccessEntry(
            self,
            "KubectlAccess",
            cluster_name=cluster_name,
            principal_arn=self._kubectl_role_arn(),
            type="STANDARD",
            access_policies=[eks.CfnAccessEntry.AccessPolicyProperty(
                policy_arn=CLUSTER_ADMIN_POLICY,
                access_scope=eks.CfnAccessEntry.AccessScopeProperty(type="cluster"),
            )],
        )
        acknowledge_kubectl_provider(self.kubectl_provider)
        acknowledge_aws_custom_resource(Stack.of(self))

    def _kubectl_role_arn(self) -> str:
        """The ARN of the role the kubectl provider's handler runs as (aws_eks_v2 always creates one)."""
        role = self.kubectl_provider.role
        if role is None:
            raise ValueError(f"{self.node.path}: the kubectl provider has no role")
        return role.role_arn
