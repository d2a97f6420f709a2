"""EKS Pod Identity for one ServiceAccount of one cluster: the trust of its IAM role and the association."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, principals):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct


def pod_identity_principal(scope: Construct, cluster: eks.ICluster, namespace: str,
                           service_account: str) -> iam.IPrincipal:
    """`pods.eks.amazonaws.com`, admitted only for ``<namespace>/<service_account>`` of `cluster` in this account.

    Pod Identity tags the session with the pod's cluster, namespace and ServiceAccount (EKS User Guide, "Create IAM
    role with trust policy required by EKS Pod Identity"); aws:SourceAccount and aws:SourceArn keep another
    account's or cluster's Pod Identity from using the role (its confused-deputy example). With session tags, which
    the trust conditions read.
    """
    return iam.ServicePrincipal("pods.eks.amazonaws.com").with_conditions({
        "StringEquals": {
            "aws:SourceAccount": Stack.of(scope).account,
            "aws:RequestTag/eks-cluster-arn": cluster.cluster_arn,
            "aws:RequestTag/kubernetes-namespace": namespace,
            "aws:RequestTag/kubernetes-service-account": service_account,
        },
        "ArnEquals": {"aws:SourceArn": cluster.cluster_arn},
    }).with_session_tags()


def pod_identity_association(scope: Construct, id: str, cluster: eks.ICluster, namespace: str, service_account: str,
                             role: iam.IRole) -> eks.CfnPodIdentityAssociation:
    """Links ``<namespace>/<service_account>`` of `cluster` to `role`, with the session tags its trust reads."""
    return eks.CfnPodIdentityAssociation(
        scope, id, cluster_name=cluster.cluster_name, namespace=namespace, service_account=service_account,
        role_arn=role.role_arn, disable_session_tags=False)
