"""The log group EKS writes a cluster's control-plane logs to, encrypted and expiring, owned by no template."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr
from constructs import Construct

from karmada_constructs.log_encryption import StackLogKey
from karmada_constructs.nag import acknowledge, acknowledge_aws_custom_resource, finding_arn


@dataclass(frozen=True, kw_only=True)
class EksControlPlaneLogGroupProps:
    """Properties of `EksControlPlaneLogGroup`."""
    cluster_name: str
    """The EKS cluster whose control-plane logs the group holds."""
    retention_days: int = 90
    """CloudWatch retention of the control-plane logs. Default: 90."""


class EksControlPlaneLogGroup(Construct):
    """The EKS control-plane log group, adopted before the cluster is created.

    Makes sure `/aws/eks/<cluster>/cluster` exists under the stack's log key with the configured retention before the
    cluster is created (the cluster depends on `dependable`), through SDK calls instead of an AWS::Logs::LogGroup:

    - create: CreateLogGroup with the key (an existing group is fine), then AssociateKmsKey and
      PutRetentionPolicy, so a group that is already there is adopted and hardened;
    - delete (after the cluster is gone): DeleteLogGroup (a missing group is fine).

    EKS writes to that fixed name and recreates the group, without key or expiry, when logs arrive
    after it was deleted (terraform-aws-eks#2763). A template that owns the name then fails the next
    deploy with AlreadyExists; these calls adopt whatever is there instead.
    """

    def __init__(self, scope: Construct, id: str, props: EksControlPlaneLogGroupProps) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.log_group_name = f"/aws/eks/{props.cluster_name}/cluster"
        key_arn = StackLogKey.of(self).key_arn
        group_arn = stack.format_arn(service="logs", resource="log-group", resource_name=self.log_group_name,
                                     arn_format=ArnFormat.COLON_RESOURCE_NAME)
        policy = cr.AwsCustomResourcePolicy.from_statements([iam.PolicyStatement(
            actions=["logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:AssociateKmsKey", "logs:PutRetentionPolicy"],
            resources=[group_arn, f"{group_arn}:*"],
        )])
        physical_id = cr.PhysicalResourceId.of(self.log_group_name)

        def call(action: str, ignore: str | None = None, **parameters: object) -> cr.AwsSdkCall:
            return cr.AwsSdkCall(service="CloudWatchLogs", action=action, physical_resource_id=physical_id,
                                 parameters={"logGroupName": self.log_group_name, **parameters},
                                 ignore_error_codes_matching=ignore)

        create = call("createLogGroup", "ResourceAlreadyExistsException", kmsKeyId=key_arn)
        self.group = cr.AwsCustomResource(
            self, "Group", on_create=create, on_update=create,
            on_delete=call("deleteLogGroup", "ResourceNotFoundException"),
            policy=policy, install_latest_aws_sdk=False,
        )
        associate = call("associateKmsKey", kmsKeyId=key_arn)
        self.key = cr.AwsCustomResource(self, "Key", on_create=associate, on_update=associate,
                                        policy=policy, install_latest_aws_sdk=False)
        retention = call("putRetentionPolicy", retentionInDays=props.retention_days)
        self.retention = cr.AwsCustomResource(self, "Retention", on_create=retention, on_update=retention,
                                              policy=policy, install_latest_aws_sdk=False)
        # The calls wait for the group; their IAM policies need not, and are created meanwhile.
        for after in (self.key, self.retention):
            after.node.find_child("Resource").node.add_dependency(self.group)
        acknowledge_aws_custom_resource(stack)
        group_arn = finding_arn(self, "logs", f"log-group:{self.log_group_name}:*")
        acknowledge(self, f"AwsSolutions-IAM5[Resource::{group_arn}]",
                    "The one control-plane log group, in the ARN form CloudWatch Logs reports (':*' suffix); "
                    "it matches no other group.")

    @property
    def dependable(self) -> list[Construct]:
        """What the cluster must wait for (and be deleted before)."""
        return [self.group, self.key, self.retention]
