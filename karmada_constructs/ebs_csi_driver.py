"""The Amazon EBS CSI driver as an EKS add-on, with its AWS access through EKS Pod Identity."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct

from karmada_constructs.nag import acknowledge
from karmada_constructs.pod_identity import pod_identity_principal

_CONTROLLER_SERVICE_ACCOUNT = "ebs-csi-controller-sa"
_CONTROLLER_NAMESPACE = "kube-system"
# Tag-scoped successor of service-role/AmazonEBSCSIDriverPolicy (AWS managed policy reference, created 2026-04-16;
# its ARN has no service-role/ path).
_MANAGED_POLICY = "AmazonEBSCSIDriverPolicyV2"


@dataclass(frozen=True, kw_only=True)
class EbsCsiDriverProps:
    """Properties of `EbsCsiDriver`."""
    cluster: eks.ICluster
    """The cluster to install the add-on into."""
    addon_version: str
    """aws-ebs-csi-driver add-on build. Default: none, the config pins it."""
    depends_on: Sequence[IConstruct] = ()
    """Created after these (the add-on turns ACTIVE once its pods run on nodes with the Pod Identity
    agent). Default: none."""
    volume_key_removal: RemovalPolicy = RemovalPolicy.DESTROY
    """What happens to the volume key with the stack; RETAIN keeps retained volumes readable.
    Default: DESTROY."""


class EbsCsiDriver(Construct):
    """The aws-ebs-csi-driver add-on with a Pod Identity role of its own.

    Creates the aws-ebs-csi-driver add-on (pinned version) and an IAM role (AmazonEBSCSIDriverPolicyV2) that only its
    controller's ServiceAccount in this cluster can assume, through a Pod Identity association (trust conditioned on
    the account, the cluster ARN, the namespace and the ServiceAccount; no OIDC provider, no node-role permissions).

    Also the customer managed KMS key (yearly rotation) the StorageClass
    encrypts its volumes with (`volume_key`), and the key permissions the EKS
    User Guide lists for the driver with a customer managed key, on this key
    only: grants for AWS resources only (kms:GrantIsForAWSResource), and the
    data-key operations (listed, no wildcards) only through EC2 (kms:ViaService).
    `volume_key_removal` RETAIN keeps the key when the stack goes, so retained volumes stay readable.
    """

    def __init__(self, scope: Construct, id: str, props: EbsCsiDriverProps) -> None:
        super().__init__(scope, id)
        region = Stack.of(self).region
        self.volume_key = kms.Key(
            self,
            "VolumeKey",
            description="Encrypts the EBS volumes of the gp3 StorageClass (etcd of the Karmada API)",
            enable_key_rotation=True,
            removal_policy=props.volume_key_removal,
        )
        # Only this cluster's EBS CSI controller may assume the role.
        self.role = iam.Role(
            self,
            "Role",
            description="EBS CSI driver controller (Pod Identity)",
            assumed_by=pod_identity_principal(self, props.cluster, _CONTROLLER_NAMESPACE, _CONTROLLER_SERVICE_ACCOUNT),
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(_MANAGED_POLICY)],
        )
        acknowledge(
            self.role,
            f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{_MANAGED_POLICY}]",
            "AWS maintains this policy for the EBS CSI driver; V2 limits every volume and snapshot write to "
            "resources tagged ebs.csi.aws.com/cluster=true (or the in-tree plugin's PVC tag), which the driver sets "
            "on what it creates; the role is assumable only by this cluster's kube-system/ebs-csi-controller-sa.",
        )
        via_ec2 = {"StringEquals": {"kms:ViaService": f"ec2.{region}.amazonaws.com"}}
        self.role.add_to_policy(iam.PolicyStatement(
            sid="VolumeKeyGrantsForEbs",
            actions=["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
            resources=[self.volume_key.key_arn],
            conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
        ))
        self.role.add_to_policy(iam.PolicyStatement(
            sid="VolumeKeyDataKeysThroughEc2",
            actions=["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey",
                     "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
            resources=[self.volume_key.key_arn],
            conditions=via_ec2,
        ))
        self.addon = eks.CfnAddon(
            self,
            "Addon",
            cluster_name=props.cluster.cluster_name,
            addon_name="aws-ebs-csi-driver",
            addon_version=props.addon_version,
            resolve_conflicts="OVERWRITE",
            pod_identity_associations=[
                eks.CfnAddon.PodIdentityAssociationProperty(
                    role_arn=self.role.role_arn, service_account=_CONTROLLER_SERVICE_ACCOUNT
                )
            ],
        )
        # The add-on only turns ACTIVE once its pods run, and they need nodes and the agent.
        for dependency in props.depends_on:
            self.addon.node.add_dependency(dependency)
