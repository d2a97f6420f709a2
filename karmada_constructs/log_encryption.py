"""One customer managed KMS key per stack for its CloudWatch log groups, and the log groups that use it."""

from __future__ import annotations

from aws_cdk import CfnResource, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

# CloudWatch Logs accepts only these retention periods.
RETENTION = {
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    731: logs.RetentionDays.TWO_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
}


class StackLogKey(Construct):
    """A KMS key (yearly rotation) that CloudWatch Logs may use for this stack's
    log groups only: the key policy admits logs.<region>.amazonaws.com under
    the condition that the encryption context names a log group of this
    account and region (as the CloudWatch Logs documentation recommends).

    Deleted (scheduled for deletion) with the stack, after its log groups.
    Use `StackLogKey.of(scope)`: one per stack.
    """

    _ID = "LogsKey"

    @classmethod
    def of(cls, scope: IConstruct) -> kms.IKey:
        stack = Stack.of(scope)
        found = stack.node.try_find_child(cls._ID)
        return (found if isinstance(found, StackLogKey) else cls(stack, cls._ID)).key

    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the CloudWatch log groups of {stack.stack_name}",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsOfThisAccountAndRegion",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn":
                            f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                    }
                },
            )
        )


def encrypted_log_group(scope: Construct, id: str, *, retention_days: int, log_group_name: str | None = None) -> logs.LogGroup:
    """A log group under the stack's log key, with retention, deleted with the stack."""
    return logs.LogGroup(
        scope,
        id,
        log_group_name=log_group_name,
        encryption_key=StackLogKey.of(scope),
        retention=RETENTION[retention_days],
        removal_policy=RemovalPolicy.DESTROY,
    )


def harden_generated_log_groups(scope: IConstruct, *, retention_days: int) -> list[str]:
    """Log groups that aws-cdk-lib generates (kubectl provider, AwsCustomResource) have no key
    option and are retained on delete: give each one without a key the stack's log key, the
    configured retention and deletion with the stack. Returns their construct paths."""
    changed = []
    for construct in scope.node.find_all():
        if not CfnResource.is_cfn_resource(construct) or construct.cfn_resource_type != "AWS::Logs::LogGroup":
            continue
        group: logs.CfnLogGroup = construct  # type: ignore[assignment]
        if group.kms_key_id:
            continue
        group.kms_key_id = StackLogKey.of(group).key_arn
        group.retention_in_days = retention_days
        group.apply_removal_policy(RemovalPolicy.DESTROY)
        changed.append(group.node.path)
    return changed
