"""What CloudFormation would send our custom resources, read from a synthesized cloud assembly.

The local harness runs the project's own Lambda handlers instead of CloudFormation. To be a fair
stand-in it must call them with exactly the ``ResourceProperties`` CloudFormation would deliver and
in an order CloudFormation could deploy them, so this module evaluates the templates' intrinsic
functions the way CloudFormation does (generically, never per resource name) and orders stacks and
resources by their declared and implied dependencies.

Values that only exist once AWS has created something (an NLB's DNS name, a cluster endpoint) come
from :class:`DeployTimeValues`; everything else that CloudFormation would invent (physical ids,
ARNs) is derived deterministically from the stack and logical id with a fake account.
"""

from __future__ import annotations

import base64
import heapq
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

STACK_ARTIFACT = "aws:cloudformation:stack"
CUSTOM_RESOURCE_TYPE = "AWS::CloudFormation::CustomResource"
ACCESS_ENTRY_TYPE = "AWS::EKS::AccessEntry"
LAMBDA_FUNCTION_TYPE = "AWS::Lambda::Function"
# The CDK Provider framework's onEvent function names the user's function in this variable.
PROVIDER_USER_FUNCTION_VARIABLE = "USER_ON_EVENT_FUNCTION_ARN"
# The attribute name that stands for ``Ref`` in :func:`attribute_key` and :func:`values_for_type`.
REF = "Ref"

# Resource types whose Ref is the name given in this property (when the template sets it).
PHYSICAL_NAME_PROPERTY: dict[str, str] = {
    "AWS::EKS::Cluster": "Name",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::S3::Bucket": "BucketName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SSM::Parameter": "Name",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::ECR::Repository": "RepositoryName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "Name",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "Name",
}
# Resource types whose Ref is their ARN rather than their name.
REF_IS_ARN = frozenset({
    "AWS::IAM::ManagedPolicy",
    "AWS::Lambda::LayerVersion",
    "AWS::SNS::Topic",
    "AWS::SecretsManager::Secret",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::ElasticLoadBalancingV2::Listener",
})
# IAM ARNs carry the resource's Path between the kind and the name.
_IAM_ARN_KIND = {
    "AWS::IAM::Role": "role",
    "AWS::IAM::User": "user",
    "AWS::IAM::Group": "group",
    "AWS::IAM::InstanceProfile": "instance-profile",
    "AWS::IAM::ManagedPolicy": "policy",
}
# Template keys of a resource that are not CloudFormation data and so imply no dependency.
_NON_DATA_KEYS = frozenset({"Type", "DependsOn", "Condition", "DeletionPolicy", "UpdateReplacePolicy"})
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class TemplateError(Exception):
    """The assembly cannot be evaluated locally: an unknown name, a cycle or a missing deploy-time value."""


class _NoValue:
    """``AWS::NoValue``: the enclosing key or list item disappears."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()


@dataclass(frozen=True)
class DeployTimeValues:
    """What only exists at deploy time, plus the fake account and partition everything else uses.

    ``attributes`` is keyed by :func:`attribute_key`: ``"<stack>/<logicalId>.<attribute>"`` for
    ``Fn::GetAtt`` and ``"<stack>/<logicalId>"`` for ``Ref`` (also to override a parameter).
    Build it with :func:`values_for_type` rather than by spelling logical ids.
    ``availability_zones`` answers ``Fn::GetAZs`` per region. ``default_region`` is used for
    environment-agnostic stacks (``aws://unknown-account/unknown-region``).
    """

    account: str = "000000000000"
    partition: str = "aws"
    attributes: Mapping[str, str] = field(default_factory=dict)
    availability_zones: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    default_region: str = "us-east-1"

    def with_attributes(self, more: Mapping[str, str]) -> DeployTimeValues:
        """A copy with ``more`` added to (and overriding) ``attributes``."""
        return replace(self, attributes={**self.attributes, **more})


def attribute_key(stack: str, logical_id: str, attribute: str = REF) -> str:
    """The :attr:`DeployTimeValues.attributes` key of one resource's attribute (or its Ref)."""
    return f"{stack}/{logical_id}" if attribute == REF else f"{stack}/{logical_id}.{attribute}"


def values_for_type(assembly_dir: Path, resource_type: str, attribute: str, value: str) -> dict[str, str]:
    """``attributes`` entries giving every resource of ``resource_type`` in the assembly ``value``.

    E.g. ``values_for_type(out, "AWS::ElasticLoadBalancingV2::LoadBalancer", "DNSName", dns)``
    says "every NLB's DNSName is ``dns``" without the caller knowing any logical id. Pass
    ``attribute=REF`` to set what ``Ref`` returns.
    """
    found: dict[str, str] = {}
    for stack, template in _read_templates(Path(assembly_dir)).items():
        for logical_id, resource in template.get("Resources", {}).items():
            if resource.get("Type") == resource_type:
                found[attribute_key(stack, logical_id, attribute)] = value
    return found


@dataclass(frozen=True)
class CustomResource:
    """One custom resource as CloudFormation would invoke it."""

    stack: str
    logical_id: str
    resource_type: str
    properties: dict  # ResourceProperties, resolved; every scalar a string, as CloudFormation delivers them
    handler: str  # the Handler of the function that does the work (the Provider framework's user function)
    role_arn: str  # that function's execution role
    depends_on: tuple[str, ...]  # direct dependencies (DependsOn and references), in template order


@dataclass(frozen=True)
class ScheduledInvocation:
    """An ``AWS::Scheduler::Schedule`` whose target is a Lambda function: what it runs, how often, with what."""

    stack: str
    logical_id: str
    expression: str  # ScheduleExpression, e.g. "rate(1 minute)"
    properties: dict  # the target's Input, parsed (the event the function receives)
    handler: str
    role_arn: str  # the function's execution role


@dataclass(frozen=True)
class AccessPolicy:
    """One EKS access policy association of an access entry."""

    policy_arn: str
    scope_type: str  # "cluster" or "namespace"
    namespaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccessEntry:
    """An ``AWS::EKS::AccessEntry``: who reaches a cluster's API, as which Kubernetes user and groups."""

    stack: str
    logical_id: str
    cluster_name: str
    principal_arn: str
    kubernetes_groups: tuple[str, ...]
    username: str
    type: str
    access_policies: tuple[AccessPolicy, ...]


@dataclass(frozen=True)
class _Stack:
    name: str  # the artifact id, which is how the manifest and callers name a stack
    stack_name: str  # the CloudFormation stack name (AWS::StackName, Fn::GetStackOutput)
    account: str
    region: str
    template: dict
    dependencies: tuple[str, ...]


class Assembly:
    """A synthesized cloud assembly, evaluated as CloudFormation would deploy it."""

    def __init__(self, outdir: Path, values: DeployTimeValues | None = None) -> None:
        self.outdir = Path(outdir)
        self.values = values or DeployTimeValues()
        self._stacks = _load_stacks(self.outdir, self.values)
        self._by_stack_name = {s.stack_name: s for s in self._stacks.values()}
        self._condition_cache: dict[tuple[str, str], bool] = {}
        self._order_cache: dict[str, list[str]] = {}
        self._lambda_index: dict[str, tuple[str, str]] | None = None

    # -- stacks ---------------------------------------------------------------------------------

    def stack_names(self) -> list[str]:
        """Every stack of the assembly, by name."""
        return sorted(self._stacks)

    def region(self, stack: str) -> str:
        """The region the stack deploys to."""
        return self._stack(stack).region

    def stacks_in_order(self) -> list[str]:
        """Stacks in an order ``cdk deploy --all`` could deploy them; ties broken by name."""
        graph = {name: [d for d in s.dependencies if d in self._stacks] for name, s in self._stacks.items()}
        return _topological(graph, key=lambda name: name, what="stacks")

    def output_names(self, stack: str) -> list[str]:
        """The names of the stack's Outputs, in template order."""
        return list(self._stack(stack).template.get("Outputs", {}))

    def output(self, stack: str, name: str) -> Any:
        """The resolved value of one of the stack's Outputs."""
        outputs = self._stack(stack).template.get("Outputs", {})
        if name not in outputs:
            raise TemplateError(f"{stack} has no output {name}")
        return self.resolve(stack, outputs[name]["Value"])

    # -- resources ------------------------------------------------------------------------------

    def resources_in_order(self, stack: str) -> list[str]:
        """Logical ids of the stack's resources (those whose Condition holds) in a valid deploy order.

        Dependencies are ``DependsOn`` plus every ``Ref``, ``Fn::GetAtt`` and ``Fn::Sub`` reference,
        as CloudFormation infers them; ties are broken by template order.
        """
        if stack not in self._order_cache:
            resources = self._resources(stack)
            position = {logical_id: i for i, logical_id in enumerate(resources)}
            graph = {logical_id: list(self.dependencies(stack, logical_id)) for logical_id in resources}
            self._order_cache[stack] = _topological(graph, key=position.__getitem__, what=f"{stack} resources")
        return list(self._order_cache[stack])

    def dependencies(self, stack: str, logical_id: str) -> tuple[str, ...]:
        """A resource's direct dependencies (explicit and implied), in template order."""
        resources = self._resources(stack)
        resource = self._resource(stack, logical_id)
        explicit = resource.get("DependsOn", [])
        explicit = [explicit] if isinstance(explicit, str) else list(explicit)
        for name in explicit:
            if name not in self._stack(stack).template.get("Resources", {}):
                raise TemplateError(f"{stack}/{logical_id} DependsOn unknown resource {name}")
        implied: set[str] = set()
        for key, value in resource.items():
            if key not in _NON_DATA_KEYS:
                _collect_references(value, implied)
        wanted = (set(explicit) | implied) & set(resources)
        wanted.discard(logical_id)
        return tuple(name for name in resources if name in wanted)

    def custom_resources(self, stack: str, types: Iterable[str] | None = None) -> list[CustomResource]:
        """The stack's custom resources (optionally only these types) in deploy order, fully resolved."""
        wanted = None if types is None else set(types)
        found = []
        for logical_id in self.resources_in_order(stack):
            resource_type = self._resource(stack, logical_id)["Type"]
            if not _is_custom(resource_type) or (wanted is not None and resource_type not in wanted):
                continue
            found.append(self._custom_resource(stack, logical_id))
        return found

    def schedules(self, stack: str) -> list[ScheduledInvocation]:
        """The stack's enabled schedules that invoke a Lambda function of the assembly."""
        found = []
        for logical_id in self.resources_in_order(stack):
            resource = self._resource(stack, logical_id)
            if resource["Type"] != "AWS::Scheduler::Schedule":
                continue
            properties = self.resolve(stack, resource.get("Properties", {}))
            if properties.get("State", "ENABLED") != "ENABLED":
                continue
            target = properties["Target"]
            function_stack, function_id = self._lambda_for(target["Arn"], f"{stack}/{logical_id} Target")
            function = self._resource(function_stack, function_id).get("Properties", {})
            found.append(ScheduledInvocation(
                stack=stack, logical_id=logical_id, expression=_as_string(properties["ScheduleExpression"]),
                properties=json.loads(target.get("Input") or "{}"),
                handler=_as_string(self.resolve(function_stack, function.get("Handler", ""))),
                role_arn=_as_string(self.resolve(function_stack, function.get("Role", ""))),
            ))
        return found

    def access_entries(self, stack: str) -> list[AccessEntry]:
        """The stack's EKS access entries in deploy order, with EKS's default username filled in."""
        return [
            self._access_entry(stack, logical_id)
            for logical_id in self.resources_in_order(stack)
            if self._resource(stack, logical_id)["Type"] == ACCESS_ENTRY_TYPE
        ]

    def role_external_ids(self, stack: str) -> dict[str, str]:
        """Role ARN -> the sts:ExternalId its trust policy requires, for the stack's roles that require one."""
        found: dict[str, str] = {}
        for logical_id in self.resources_in_order(stack):
            resource = self._resource(stack, logical_id)
            if resource["Type"] != "AWS::IAM::Role":
                continue
            for statement in resource["Properties"].get("AssumeRolePolicyDocument", {}).get("Statement", []):
                required = statement.get("Condition", {}).get("StringEquals", {}).get("sts:ExternalId")
                if required is not None:
                    found[self.resolve(stack, {"Fn::GetAtt": [logical_id, "Arn"]})] = self.resolve(stack, required)
        return found

    # -- intrinsic functions --------------------------------------------------------------------

    def resolve(self, stack: str, value: Any) -> Any:
        """``value`` from ``stack``'s template with every intrinsic function evaluated.

        Types are kept (a literal number stays a number); ``AWS::NoValue`` drops the enclosing
        key or list item, and is ``None`` at the top level.
        """
        resolved = self._resolve(self._stack(stack), value)
        return None if resolved is NO_VALUE else resolved

    def condition(self, stack: str, name: str) -> bool:
        """The value of one of the stack's Conditions."""
        cache_key = (stack, name)
        if cache_key not in self._condition_cache:
            conditions = self._stack(stack).template.get("Conditions", {})
            if name not in conditions:
                raise TemplateError(f"{stack} has no condition {name}")
            result = self._resolve(self._stack(stack), conditions[name])
            if not isinstance(result, bool):
                raise TemplateError(f"{stack} condition {name} is not a boolean: {result!r}")
            self._condition_cache[cache_key] = result
        return self._condition_cache[cache_key]

    def _resolve(self, stack: _Stack, value: Any) -> Any:
        if isinstance(value, list):
            items = (self._resolve(stack, item) for item in value)
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), = value.items()
            if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                return self._intrinsic(stack, key, argument)
        resolved = {key: self._resolve(stack, item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def _intrinsic(self, stack: _Stack, function: str, argument: Any) -> Any:
        evaluate = _INTRINSICS.get(function)
        if evaluate is None:
            raise TemplateError(f"{stack.name}: intrinsic function {function} is not supported locally")
        return evaluate(self, stack, argument)

    def _arg(self, stack: _Stack, value: Any) -> Any:
        """An intrinsic's argument, itself resolved (arguments may nest intrinsics)."""
        return self._resolve(stack, value)

    def _fn_ref(self, stack: _Stack, argument: Any) -> Any:
        return self._ref(stack, self._arg(stack, argument))

    def _fn_condition(self, stack: _Stack, argument: Any) -> bool:
        return self.condition(stack.name, argument)  # {"Condition": name} only appears inside Conditions

    def _fn_get_att(self, stack: _Stack, argument: Any) -> Any:
        logical_id, attribute = _split_get_att(self._arg(stack, argument))
        return self._get_att(stack, logical_id, attribute)

    def _fn_join(self, stack: _Stack, argument: Any) -> str:
        delimiter, items = argument
        items = _as_list(self._arg(stack, items), "Fn::Join")
        return _as_string(self._arg(stack, delimiter)).join(_as_string(item) for item in items)

    def _fn_select(self, stack: _Stack, argument: Any) -> Any:
        index, items = argument
        items = _as_list(self._arg(stack, items), "Fn::Select")
        index = int(self._arg(stack, index))
        if not 0 <= index < len(items):
            raise TemplateError(f"{stack.name}: Fn::Select index {index} out of range of {items!r}")
        return items[index]

    def _fn_split(self, stack: _Stack, argument: Any) -> list[str]:
        delimiter, source = argument
        return _as_string(self._arg(stack, source)).split(_as_string(self._arg(stack, delimiter)))

    def _fn_if(self, stack: _Stack, argument: Any) -> Any:
        name, if_true, if_false = argument
        return self._arg(stack, if_true if self.condition(stack.name, name) else if_false)

    def _fn_equals(self, stack: _Stack, argument: Any) -> bool:
        left, right = (self._arg(stack, item) for item in argument)
        return _as_string(left) == _as_string(right)

    def _fn_not(self, stack: _Stack, argument: Any) -> bool:
        return not _as_bool(self._arg(stack, argument[0]))

    def _fn_and(self, stack: _Stack, argument: Any) -> bool:
        return all(_as_bool(self._arg(stack, item)) for item in argument)

    def _fn_or(self, stack: _Stack, argument: Any) -> bool:
        return any(_as_bool(self._arg(stack, item)) for item in argument)

    def _fn_base64(self, stack: _Stack, argument: Any) -> str:
        return base64.b64encode(_as_string(self._arg(stack, argument)).encode()).decode()

    def _fn_import_value(self, stack: _Stack, argument: Any) -> Any:
        return self._import_value(_as_string(self._arg(stack, argument)))

    def _fn_get_azs(self, stack: _Stack, argument: Any) -> list[str]:
        region = self._arg(stack, argument) or stack.region  # "" means the stack's own region
        if region not in self.values.availability_zones:
            raise TemplateError(f"{stack.name}: Fn::GetAZs of {region} has no local value; "
                                "pass it in DeployTimeValues.availability_zones")
        return list(self.values.availability_zones[region])

    def _ref(self, stack: _Stack, name: str) -> Any:
        if name.startswith("AWS::"):
            return self._pseudo(stack, name)
        override = self.values.attributes.get(attribute_key(stack.name, name))
        if override is not None:
            return override
        if name in stack.template.get("Parameters", {}):
            return _parameter_value(stack.name, name, stack.template["Parameters"][name])
        resource = self._resource(stack.name, name)
        if resource["Type"] in REF_IS_ARN:
            return self._arn(stack, name)
        return self._physical_name(stack, name)

    def _pseudo(self, stack: _Stack, name: str) -> Any:
        partition = self.values.partition
        pseudo: dict[str, Any] = {
            "AWS::AccountId": stack.account,
            "AWS::Region": stack.region,
            "AWS::Partition": partition,
            "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
            "AWS::StackName": stack.stack_name,
            "AWS::StackId": (f"arn:{partition}:cloudformation:{stack.region}:{stack.account}:stack/"
                             f"{stack.stack_name}/{uuid.uuid5(uuid.NAMESPACE_URL, stack.name)}"),
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        if name not in pseudo:
            raise TemplateError(f"{stack.name}: unknown pseudo parameter {name}")
        return pseudo[name]

    def _get_att(self, stack: _Stack, logical_id: str, attribute: str) -> Any:
        override = self.values.attributes.get(attribute_key(stack.name, logical_id, attribute))
        if override is not None:
            return override
        self._resource(stack.name, logical_id)  # an unknown resource is a different mistake: say so
        if attribute == "Arn":
            arn = self._arn(stack, logical_id)
            if arn is not None:
                return arn
        raise TemplateError(f"{stack.name}/{logical_id}.{attribute} has no local value; pass it in DeployTimeValues")

    def _physical_name(self, stack: _Stack, logical_id: str) -> str:
        """The name CloudFormation would give the resource: its name property, else a fake id."""
        resource = self._resource(stack.name, logical_id)
        override = self.values.attributes.get(attribute_key(stack.name, logical_id))
        if override is not None and resource["Type"] not in REF_IS_ARN:
            return override
        name_property = PHYSICAL_NAME_PROPERTY.get(resource["Type"])
        properties = resource.get("Properties", {})
        if name_property and name_property in properties:
            name = self._resolve(stack, properties[name_property])
            if name is not NO_VALUE:
                return _as_string(name)
        # CloudFormation would append a random suffix; a deterministic name keeps runs reproducible.
        return f"{stack.stack_name}-{logical_id}"

    def _arn(self, stack: _Stack, logical_id: str) -> str | None:
        """The ARN CloudFormation's resource would have, or None for types without one."""
        resource_type = self._resource(stack.name, logical_id)["Type"]
        partition, region, account = self.values.partition, stack.region, stack.account
        name = self._physical_name(stack, logical_id)
        if resource_type in _IAM_ARN_KIND:
            path = self._resolve(stack, self._resource(stack.name, logical_id).get("Properties", {}).get("Path", "/"))
            path = path if path is not NO_VALUE else "/"
            return f"arn:{partition}:iam::{account}:{_IAM_ARN_KIND[resource_type]}{path}{name}"
        special = {
            "AWS::Lambda::Function": f"arn:{partition}:lambda:{region}:{account}:function:{name}",
            "AWS::Lambda::LayerVersion": f"arn:{partition}:lambda:{region}:{account}:layer:{name}:1",
            "AWS::S3::Bucket": f"arn:{partition}:s3:::{name}",
            "AWS::Logs::LogGroup": f"arn:{partition}:logs:{region}:{account}:log-group:{name}:*",
            "AWS::SNS::Topic": f"arn:{partition}:sns:{region}:{account}:{name}",
            "AWS::SQS::Queue": f"arn:{partition}:sqs:{region}:{account}:{name}",
        }
        if resource_type in special:
            return special[resource_type]
        parts = resource_type.split("::")
        if len(parts) != 3 or parts[0] != "AWS":
            return None  # custom resources have no Arn unless their handler returns one
        service, kind = parts[1].lower(), parts[2].lower()
        return f"arn:{partition}:{service}:{region}:{account}:{kind}/{name}"

    def _fn_sub(self, stack: _Stack, argument: Any) -> str:
        if isinstance(argument, str):
            text, variables = argument, {}
        else:
            text, raw_variables = argument
            variables = {key: self._resolve(stack, value) for key, value in raw_variables.items()}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} is the escape for a literal ${Literal}
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                return _as_string(variables[name])
            if name.startswith("AWS::"):
                return _as_string(self._pseudo(stack, name))
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return _as_string(self._get_att(stack, logical_id, attribute))
            return _as_string(self._ref(stack, name))

        return _SUB_VARIABLE.sub(substitute, text)

    def _fn_find_in_map(self, stack: _Stack, argument: Any) -> Any:
        map_name, top, second = (_as_string(self._arg(stack, key)) for key in argument)
        try:
            return stack.template["Mappings"][map_name][top][second]
        except KeyError:
            raise TemplateError(f"{stack.name}: Fn::FindInMap {map_name}/{top}/{second} not found") from None

    def _fn_get_stack_output(self, stack: _Stack, argument: Any) -> Any:
        argument = self._arg(stack, argument)
        target_name = argument.get("StackName")
        target = self._by_stack_name.get(target_name)
        if target is None:
            raise TemplateError(f"{stack.name}: Fn::GetStackOutput names unknown stack {target_name}")
        region = argument.get("Region", target.region)
        if region != target.region:
            raise TemplateError(f"{stack.name}: Fn::GetStackOutput wants {target_name} in {region}, "
                                f"but it deploys to {target.region}")
        return self.output(target.name, argument["OutputName"])

    def _import_value(self, export_name: str) -> Any:
        for stack in self._stacks.values():
            for output in stack.template.get("Outputs", {}).values():
                if "Export" in output and self.resolve(stack.name, output["Export"]["Name"]) == export_name:
                    return self.resolve(stack.name, output["Value"])
        raise TemplateError(f"Fn::ImportValue: no stack exports {export_name}")

    # -- custom resources and access entries ----------------------------------------------------

    def _custom_resource(self, stack: str, logical_id: str) -> CustomResource:
        resource = self._resource(stack, logical_id)
        properties = _stringify(self.resolve(stack, resource.get("Properties", {})))
        token = properties.get("ServiceToken")
        if not token:
            raise TemplateError(f"{stack}/{logical_id} has no ServiceToken")
        function_stack, function_id = self._user_function(self._lambda_for(token, f"{stack}/{logical_id}"))
        function = self._resource(function_stack, function_id).get("Properties", {})
        return CustomResource(
            stack=stack,
            logical_id=logical_id,
            resource_type=resource["Type"],
            properties=properties,
            handler=_as_string(self.resolve(function_stack, function.get("Handler", ""))),
            role_arn=_as_string(self.resolve(function_stack, function.get("Role", ""))),
            depends_on=self.dependencies(stack, logical_id),
        )

    def _user_function(self, function: tuple[str, str]) -> tuple[str, str]:
        """The function that does the work: a Provider framework's user function, else ``function``."""
        stack, logical_id = function
        variables = self._resource(stack, logical_id).get("Properties", {}).get("Environment", {}).get("Variables", {})
        if PROVIDER_USER_FUNCTION_VARIABLE not in variables:
            return function
        user_arn = self.resolve(stack, variables[PROVIDER_USER_FUNCTION_VARIABLE])
        return self._lambda_for(user_arn, f"{stack}/{logical_id} {PROVIDER_USER_FUNCTION_VARIABLE}")

    def _lambda_for(self, arn: str, referrer: str) -> tuple[str, str]:
        """The (stack, logical id) of the Lambda function with this ARN, in any stack."""
        index = self._lambda_index
        if index is None:
            index = self._lambda_index = {}
            for stack in self._stacks.values():
                for logical_id, resource in self._resources(stack.name).items():
                    function_arn = self._arn(stack, logical_id) if resource["Type"] == LAMBDA_FUNCTION_TYPE else None
                    if function_arn is not None:
                        index[function_arn] = (stack.name, logical_id)
        # A qualified ARN (version or alias) still names the same function.
        unqualified = ":".join(arn.split(":")[:7]) if isinstance(arn, str) else arn
        found = index.get(arn) or index.get(unqualified)
        if found is None:
            raise TemplateError(f"{referrer}: ServiceToken {arn} is no Lambda function of the assembly")
        return found

    def _access_entry(self, stack: str, logical_id: str) -> AccessEntry:
        properties = self.resolve(stack, self._resource(stack, logical_id).get("Properties", {}))
        principal = _as_string(properties["PrincipalArn"])
        policies = tuple(
            AccessPolicy(
                policy_arn=_as_string(policy["PolicyArn"]),
                scope_type=_as_string(policy.get("AccessScope", {}).get("Type", "cluster")),
                namespaces=tuple(policy.get("AccessScope", {}).get("Namespaces", [])),
            )
            for policy in properties.get("AccessPolicies", [])
        )
        return AccessEntry(
            stack=stack,
            logical_id=logical_id,
            cluster_name=_as_string(properties["ClusterName"]),
            principal_arn=principal,
            kubernetes_groups=tuple(properties.get("KubernetesGroups", [])),
            username=_as_string(properties.get("Username") or default_access_entry_username(principal)),
            type=_as_string(properties.get("Type", "STANDARD")),
            access_policies=policies,
        )

    # -- lookups --------------------------------------------------------------------------------

    def _stack(self, stack: str) -> _Stack:
        if stack not in self._stacks:
            raise TemplateError(f"no stack {stack} in {self.outdir} (stacks: {', '.join(sorted(self._stacks))})")
        return self._stacks[stack]

    def _resources(self, stack: str) -> dict[str, dict]:
        """The stack's resources that exist: those without a Condition or whose Condition holds."""
        return {
            logical_id: resource
            for logical_id, resource in self._stack(stack).template.get("Resources", {}).items()
            if "Condition" not in resource or self.condition(stack, resource["Condition"])
        }

    def _resource(self, stack: str, logical_id: str) -> dict:
        resources = self._stack(stack).template.get("Resources", {})
        if logical_id not in resources:
            raise TemplateError(f"{stack}: no resource or parameter {logical_id}")
        return resources[logical_id]


def default_access_entry_username(principal_arn: str) -> str:
    """The Kubernetes username EKS gives an access entry without ``Username``.

    For an IAM role it is the assumed-role ARN with the session name left as a template (what the
    authenticator sees); for anything else (IAM users) the principal ARN itself.
    """
    parts = principal_arn.split(":", 5)
    if len(parts) == 6 and parts[2] == "iam" and parts[5].startswith("role/"):
        partition, account, role_name = parts[1], parts[4], parts[5].rsplit("/", 1)[1]
        return f"arn:{partition}:sts::{account}:assumed-role/{role_name}/{{{{SessionName}}}}"
    return principal_arn


# -- the assembly on disk -------------------------------------------------------------------------

def _manifest_stacks(outdir: Path) -> dict[str, dict]:
    manifest_path = outdir / "manifest.json"
    if not manifest_path.is_file():
        raise TemplateError(f"{manifest_path} not found: synthesize the app first")
    artifacts = json.loads(manifest_path.read_text(encoding="utf-8")).get("artifacts", {})
    return {name: artifact for name, artifact in artifacts.items() if artifact.get("type") == STACK_ARTIFACT}


def _read_templates(outdir: Path) -> dict[str, dict]:
    return {
        name: json.loads((outdir / artifact["properties"]["templateFile"]).read_text(encoding="utf-8"))
        for name, artifact in _manifest_stacks(outdir).items()
    }


def _load_stacks(outdir: Path, values: DeployTimeValues) -> dict[str, _Stack]:
    templates = _read_templates(outdir)
    stacks = {}
    for name, artifact in _manifest_stacks(outdir).items():
        account, region = _environment(artifact.get("environment", ""), values)
        stacks[name] = _Stack(
            name=name,
            stack_name=artifact.get("properties", {}).get("stackName", name),
            account=account,
            region=region,
            template=templates[name],
            dependencies=tuple(artifact.get("dependencies", [])),
        )
    return stacks


def _environment(environment: str, values: DeployTimeValues) -> tuple[str, str]:
    """Account and region of ``aws://<account>/<region>``; unknowns take the local defaults."""
    account, region = "unknown-account", "unknown-region"
    if environment.startswith("aws://"):
        account, _, region = environment[len("aws://"):].partition("/")
    # A concrete account (a member in its own account) is what AWS::AccountId would be there.
    account = account if account.isdigit() else values.account
    region = region if region and not region.startswith("unknown") else values.default_region
    return account, region


# -- helpers --------------------------------------------------------------------------------------

def _topological(graph: Mapping[str, list[str]], key: Any, what: str) -> list[str]:
    """Kahn's algorithm; among the nodes ready at once the smallest ``key`` goes first."""
    for node, needs in graph.items():
        for need in needs:
            if need not in graph:
                raise TemplateError(f"{what}: {node} depends on unknown {need}")
    waiting = {node: len(set(needs)) for node, needs in graph.items()}
    dependents: dict[str, list[str]] = {node: [] for node in graph}
    for node, needs in graph.items():
        for need in set(needs):
            dependents[need].append(node)
    ready = [(key(node), node) for node, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, node = heapq.heappop(ready)
        order.append(node)
        for dependent in dependents[node]:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, (key(dependent), dependent))
    if len(order) < len(graph):
        cycle = _find_cycle({node: graph[node] for node in graph if waiting[node] > 0})
        raise TemplateError(f"{what}: dependency cycle {' -> '.join(cycle)}")
    return order


def _find_cycle(graph: Mapping[str, list[str]]) -> list[str]:
    """One cycle among nodes that all wait on each other (every one has a waiting dependency)."""
    path: list[str] = []
    seen: dict[str, int] = {}
    node = min(graph)
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = min(need for need in graph[node] if need in graph)
    return path[seen[node]:] + [node]


def _collect_references(value: Any, found: set[str]) -> None:
    """Logical ids (or parameter and pseudo names) that ``value`` refers to."""
    if isinstance(value, list):
        for item in value:
            _collect_references(item, found)
        return
    if not isinstance(value, dict):
        return
    if len(value) == 1:
        (key, argument), = value.items()
        if key == "Ref" and isinstance(argument, str):
            found.add(argument)
            return
        if key == "Fn::GetAtt":
            if isinstance(argument, str):
                found.add(argument.split(".", 1)[0])
            elif isinstance(argument, list) and argument and isinstance(argument[0], str):
                found.add(argument[0])
            _collect_references(argument, found)
            return
        if key == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
            for name in _SUB_VARIABLE.findall(text):
                name = name.strip()
                if not name.startswith("!") and name not in variables:
                    found.add(name.split(".", 1)[0])
            _collect_references(variables, found)
            return
    for item in value.values():
        _collect_references(item, found)


def _split_get_att(argument: Any) -> tuple[str, str]:
    if isinstance(argument, str):
        logical_id, _, attribute = argument.partition(".")
        return logical_id, attribute
    logical_id, attribute = argument
    return logical_id, _as_string(attribute)


def _parameter_value(stack: str, name: str, parameter: Mapping[str, Any]) -> Any:
    parameter_type = str(parameter.get("Type", "String"))
    if parameter_type.startswith("AWS::SSM::Parameter::Value"):
        raise TemplateError(f"{stack}/{name} is read from SSM at deploy time; pass it in DeployTimeValues")
    if "Default" not in parameter:
        raise TemplateError(f"{stack}/{name} is a parameter without Default; pass it in DeployTimeValues")
    default = parameter["Default"]
    if parameter_type.startswith("List<") or parameter_type == "CommaDelimitedList":
        return [item.strip() for item in str(default).split(",")]
    return default


def _stringify(value: Any) -> Any:
    """Every scalar as CloudFormation delivers custom resource properties: a string."""
    if isinstance(value, dict):
        return {key: _stringify(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_stringify(item) for item in value]
    if value is None:
        return value
    return _as_string(value)


def _as_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise TemplateError(f"expected a string, got {value!r}")


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise TemplateError(f"expected a boolean, got {value!r}")


def _as_list(value: Any, function: str) -> list:
    if not isinstance(value, list):
        raise TemplateError(f"{function} expects a list, got {value!r}")
    return value


def _is_custom(resource_type: str) -> bool:
    return resource_type.startswith("Custom::") or resource_type == CUSTOM_RESOURCE_TYPE


# Each intrinsic function and the Assembly method that evaluates it.
_INTRINSICS = {
    "Ref": Assembly._fn_ref,
    "Condition": Assembly._fn_condition,
    "Fn::GetAtt": Assembly._fn_get_att,
    "Fn::Join": Assembly._fn_join,
    "Fn::Sub": Assembly._fn_sub,
    "Fn::Select": Assembly._fn_select,
    "Fn::Split": Assembly._fn_split,
    "Fn::If": Assembly._fn_if,
    "Fn::Equals": Assembly._fn_equals,
    "Fn::Not": Assembly._fn_not,
    "Fn::And": Assembly._fn_and,
    "Fn::Or": Assembly._fn_or,
    "Fn::Base64": Assembly._fn_base64,
    "Fn::FindInMap": Assembly._fn_find_in_map,
    "Fn::GetStackOutput": Assembly._fn_get_stack_output,
    "Fn::ImportValue": Assembly._fn_import_value,
    "Fn::GetAZs": Assembly._fn_get_azs,
}
