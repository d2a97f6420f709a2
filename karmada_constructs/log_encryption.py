"""One customer managed KMS key per stack for its CloudWatch log groups, and the log groups that use it."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from aws_cdk import CfnResource, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from karmada_constructs.cfn import cfn_element

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
    """A KMS key for this stack's CloudWatch log groups only.

    A KMS key (yearly rotation) that CloudWatch Logs may use for this stack's log groups only: the key policy admits
    logs.<region>.amazonaws.com under the condition that the encryption context names a log group of this account and
    region (as the CloudWatch Logs documentation recommends).

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
        admit_cloudwatch_logs(self.key)


def admit_cloudwatch_logs(key: kms.Key) -> None:
    """Lets CloudWatch Logs use ``key`` for log groups of this account and region only.

    The encryption context names the log group (CloudWatch Logs documentation, "Encrypt log data in CloudWatch
    Logs using AWS KMS"); a group's own ARN would make key and group depend on each other.
    """
    stack = Stack.of(key)
    key.add_to_resource_policy(
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


def encrypted_log_group(scope: Construct, id: str, *, retention_days: int) -> logs.LogGroup:
    """A log group under the stack's log key, with retention, deleted with the stack.

    Its name is generated: a name an AWS service writes to by itself (/aws/lambda/..., /aws/eks/...) would be recreated
    behind CloudFormation's back (EksControlPlaneLogGroup adopts such a group instead).
    """
    return logs.LogGroup(
        scope,
        id,
        encryption_key=StackLogKey.of(scope),
        retention=RETENTION[retention_days],
        removal_policy=RemovalPolicy.DESTROY,
    )


def give_every_function_its_log_group(scope: IConstruct, *, retention_days: int) -> list[str]:
    """Gives every Lambda function in `scope` an encrypted log group of its own.

    Every Lambda function in `scope` (ours, aws-cdk-lib's kubectl handler and provider framework, and the singletons of
    CDK's custom resource providers: the VPC default-security-group restrictor, CfnJson's utils provider,
    AwsCustomResource) logs into a log group of its own (`encrypted_log_group`: the stack's log key, retention, deleted
    with the stack) through LoggingConfig.LogGroup. Returns the functions' construct paths that got one.

    A function without one writes to /aws/lambda/<name>, which Lambda creates on first use:
    unencrypted, never expiring, and left behind by `cdk destroy`. aws-cdk-lib's own answer, a group
    named /aws/lambda/<name> in the template, depends on the function, so CloudFormation may delete
    it while the function still runs (a stack delete invokes the handlers) and Lambda recreates it:
    those groups are removed here. A group with a generated name that the function depends on is
    deleted only after the function.
    """
    stack = Stack.of(scope)
    resources = [cfn_element(c, CfnResource) for c in scope.node.find_all() if CfnResource.is_cfn_resource(c)]
    functions = [r for r in resources if r.cfn_resource_type == "AWS::Lambda::Function"]
    by_logical_id = {stack.get_logical_id(fn): fn for fn in functions}
    for resource in resources:
        if resource.cfn_resource_type == "AWS::Logs::LogGroup":
            name = stack.resolve(cfn_element(resource, logs.CfnLogGroup).log_group_name)
            if _default_function_log_group(name) in by_logical_id:
                group = _scope_of(resource)  # the LogGroup construct, removed from its own scope
                _scope_of(group).node.try_remove_child(group.node.id)
    changed: list[str] = []
    for fn in functions:
        if _log_group_of(stack, fn):
            continue
        group = encrypted_log_group(_scope_of(fn), f"{fn.node.id}Logs", retention_days=retention_days)
        fn.add_property_override("LoggingConfig.LogGroup", group.log_group_name)
        changed.append(fn.node.path)
    return changed


def _scope_of(construct: IConstruct) -> Construct:
    """The construct `construct` was created in (every construct but the app has one)."""
    scope = construct.node.scope
    if not isinstance(scope, Construct):
        raise ValueError(f"{construct.node.path} has no scope")
    return scope


def _default_function_log_group(name: object) -> str | None:
    """The logical ID of the function whose default group (/aws/lambda/<name>) `name` is, if it is one."""
    parts = name.get("Fn::Join", [None, []])[1] if isinstance(name, dict) else []
    if len(parts) == 2 and parts[0] == "/aws/lambda/" and isinstance(parts[1], dict):
        return parts[1].get("Ref")
    return None


def _log_group_of(stack: Stack, function: CfnResource) -> object:
    config = (function.logging_config if isinstance(function, lambda_.CfnFunction)
              else function._cfn_properties.get("LoggingConfig"))
    resolved = stack.resolve(config) or {}
    return resolved.get("LogGroup") or resolved.get("logGroup")
