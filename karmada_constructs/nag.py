"""cdk-nag acknowledgements, always with a specific reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnResource, Stack, Token, Validations
from constructs import IConstruct

from karmada_constructs.cfn import default_child


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


def acknowledge_provider_framework(scope: IConstruct, provider: IConstruct, handler: IConstruct) -> None:
    """The findings a CDK Provider framework (`provider`, in `scope`) brings along with the `handler` it invokes."""
    acknowledge(scope,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                "The CDK Provider framework's own function writes its logs with this AWS-maintained policy.")
    handler_arn = "<" + Stack.of(handler).get_logical_id(default_child(handler, CfnResource)) + ".Arn>"
    acknowledge(scope, f"AwsSolutions-IAM5[Resource::{handler_arn}:*]",
                "The Provider framework invokes the handler's versions and aliases (ARN suffix :*), only this "
                "function.")
    acknowledge(provider, "AwsSolutions-L1",
                "The CDK Provider framework pins the Node.js runtime of its own framework functions; our "
                "handler is on the latest Python runtime.")
