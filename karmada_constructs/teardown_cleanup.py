"""A custom resource that, when its stack is deleted, removes what in-cluster controllers left in AWS."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import CustomResource, Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import custom_resources as cr
from constructs import Construct, IConstruct

from charts.storage_class import VOLUME_CLUSTER_TAG
from functions import resource_types
from karmada_constructs.log_encryption import encrypted_log_group
from karmada_constructs.nag import acknowledge, acknowledge_provider_framework, finding_arn

# The same asset as every other handler: the repository root filtered to the `functions` package.
from karmada_constructs.parent_cluster_provider import ASSET_EXCLUDE, REPO_ROOT

# Tags the EBS CSI driver and the VPC CNI set on what they create (their documentation).
CSI_VOLUME_TAG = "ebs.csi.aws.com/cluster"
CNI_INTERFACE_TAG = "node.k8s.amazonaws.com/instance_id"


@dataclass(frozen=True, kw_only=True)
class TeardownCleanupProps:
    """Properties of a TeardownCleanup."""

    cluster_name: str
    """The cluster whose leftovers are deleted."""
    vpc: ec2.IVpc
    """Its VPC (network interfaces are cleaned only there)."""
    clean_volumes: bool
    """Delete the cluster's EBS CSI volumes too."""
    retain_volume_namespaces: Sequence[str] = ()
    """Namespaces whose volumes are kept. Default: none."""
    depends_on: Sequence[IConstruct] = ()
    """It depends on these, so it is deleted before them (the cluster, the volume key). What must be
    deleted before it (the node group) depends on `resource`. Default: none."""
    wait: Duration = Duration.minutes(10)
    """How long to wait for attached volumes and interfaces. Default: 10 minutes."""
    log_retention_days: int = 90
    """Retention of its logs. Default: 90."""


class TeardownCleanup(Construct):
    """On stack delete, deletes the EBS volumes and network interfaces the cluster leaves behind.

    Runs after the node group and add-ons and before the cluster
    and VPC (`depends_on`, and the node group depending on `resource`):
    functions/teardown_cleanup deletes the cluster's EBS CSI volumes
    (tagged `eks-karmada:cluster=<cluster>` and `ebs.csi.aws.com/cluster=true`)
    except those of `retain_volume_namespaces`, and the VPC CNI's detached
    network interfaces in `vpc`, waiting (bounded) for attached ones to detach.

    The Lambda runs outside the VPC: it only calls EC2 APIs, and an in-VPC
    function would leave a Lambda-managed network interface behind that holds
    up the deletion of the very subnets and security groups it cleans up for.
    IAM: describe calls (no resource-level permissions), DeleteVolume only on
    volumes carrying both tags, DeleteNetworkInterface only in this VPC and
    only on interfaces carrying the VPC CNI's tag. Create and Update do nothing.
    """

    RESOURCE_TYPE = resource_types.TEARDOWN_CLEANUP

    def __init__(self, scope: Construct, id: str, props: TeardownCleanupProps) -> None:
        super().__init__(scope, id)
        cluster_name, vpc, clean_volumes, wait = props.cluster_name, props.vpc, props.clean_volumes, props.wait
        log_retention_days = props.log_retention_days
        stack = Stack.of(self)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Deletes what controllers left in AWS when {cluster_name}'s stack is deleted",
        )
        describe = iam.PolicyStatement(
            sid="Describe", actions=["ec2:DescribeNetworkInterfaces"], resources=["*"]
        )
        self.role.add_to_policy(describe)
        vpc_arn = stack.format_arn(service="ec2", resource="vpc", resource_name=vpc.vpc_id)
        self.role.add_to_policy(
            iam.PolicyStatement(
                sid="DeleteCniInterfacesOfThisVpc",
                actions=["ec2:DeleteNetworkInterface"],
                resources=[stack.format_arn(service="ec2", resource="network-interface", resource_name="*")],
                conditions={"StringEquals": {"ec2:Vpc": vpc_arn},
                            "Null": {f"aws:ResourceTag/{CNI_INTERFACE_TAG}": "false"}},
            )
        )
        if clean_volumes:
            describe.add_actions("ec2:DescribeVolumes")
            self.role.add_to_policy(
                iam.PolicyStatement(
                    sid="DeleteCsiVolumesOfThisCluster",
                    actions=["ec2:DeleteVolume"],
                    resources=[stack.format_arn(service="ec2", resource="volume", resource_name="*")],
                    conditions={"StringEquals": {f"aws:ResourceTag/{VOLUME_CLUSTER_TAG}": cluster_name,
                                                 f"aws:ResourceTag/{CSI_VOLUME_TAG}": "true"}},
                )
            )
        handler_logs = encrypted_log_group(self, "Logs", retention_days=log_retention_days)
        self.function = lambda_.Function(
            self,
            "Handler",
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler="functions.teardown_cleanup.handler.on_event",
            code=lambda_.Code.from_asset(str(REPO_ROOT), exclude=ASSET_EXCLUDE),
            role=self.role,
            timeout=wait.plus(Duration.minutes(2)),
            memory_size=256,
            log_group=handler_logs,
            description=f"TeardownCleanup: EBS volumes and network interfaces left by {cluster_name}'s controllers",
        )
        handler_logs.grant_write(self.role)
        self.provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=self.function,
            log_group=encrypted_log_group(self, "ProviderLogs", retention_days=log_retention_days),
        )
        properties = {"ClusterName": cluster_name, "VpcId": vpc.vpc_id, "WaitSeconds": str(int(wait.to_seconds()))}
        if clean_volumes:
            properties |= {
                "VolumeTagKey": VOLUME_CLUSTER_TAG,
                "VolumeTagValue": cluster_name,
                "RetainVolumeNamespaces": json.dumps(list(props.retain_volume_namespaces)),
            }
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=self.RESOURCE_TYPE,
            properties=properties,
        )
        # Deleted before these (it depends on them).
        for dependency in props.depends_on:
            self.resource.node.add_dependency(dependency)
        self._acknowledge()

    def _acknowledge(self) -> None:
        acknowledge(self.role, "AwsSolutions-IAM5[Resource::*]",
                    "ec2:DescribeVolumes and ec2:DescribeNetworkInterfaces support no resource-level permissions; "
                    "the role can only list volumes and network interfaces with them.")
        for resource in ("volume", "network-interface"):
            acknowledge(
                self.role,
                f"AwsSolutions-IAM5[Resource::{finding_arn(self, 'ec2', f'{resource}/*')}]",
                "Volume and interface IDs are created by the EBS CSI driver and the VPC CNI at run time; the "
                "delete is conditioned on the tags they set (and the cluster tag of the StorageClass, or this VPC).",
            )
        acknowledge_provider_framework(self, self.provider, self.function)
