"""cdk-nag acknowledgements, always with a specific reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Stack, Token, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding (e.g. "AwsSolutions-IAM5[Resource::*]") on `scope` and below."""
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def finding_arn(scope: IConstruct, service: str, resource: str, *, region: str | None = None) -> str:
    """An ARN as cdk-nag prints it in a finding: unresolved parts as ``<AWS::Region>`` and so on.

    In `scope`'s stack's partition and account, and its region unless `region` names another.
    """
    stack = Stack.of(scope)
    parts = [("<AWS::Partition>", stack.partition), ("<AWS::Region>", region or stack.region),
             ("<AWS::AccountId>", stack.account)]
    partition, region, account = (name if Token.is_unresolved(value) else value for name, value in parts)
    return f"arn:{partition}:{service}:{region}:{account}:{resource}"


# AwsCustomResource's function is a stack-wide singleton with this fixed id.
AWS_CUSTOM_RESOURCE_SINGLETON = "AWS679f53fac002430cb0da5b7982bd2287"


def acknowledge_aws_custom_resource(stack: IConstruct) -> None:
    """The findings on AwsCustomResource's singleton function (once it exists in `stack`)."""
    singleton = stack.node.find_child(AWS_CUSTOM_RESOURCE_SINGLETON)
    acknowledge(singleton,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                "The AwsCustomResource function only writes its own logs with this AWS-maintained policy.")
    acknowledge(singleton, "AwsSolutions-L1",
                "AwsCustomResource pins the Node.js runtime of its singleton function; it only runs one SDK call.")
