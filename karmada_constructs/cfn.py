"""Typed access to the CloudFormation elements behind CDK constructs.

`node.default_child` and `node.find_child` are typed `IConstruct | None`; the constructs of this app know which
L1 element sits there. These helpers say so once, and fail loudly if it is missing.
"""

from __future__ import annotations

from typing import TypeVar, cast

import jsii
from aws_cdk import CfnElement, CfnResource, IStableListProducer, Lazy
from constructs import IConstruct

_Element = TypeVar("_Element", bound=CfnElement)


def cfn_element(construct: IConstruct | None, kind: type[_Element]) -> _Element:
    """`construct` as the L1 element it is (a CfnResource, a CfnCondition ...)."""
    if construct is None:
        raise ValueError(f"no {kind.__name__} here")
    return cast(_Element, construct)


def default_child(construct: IConstruct, kind: type[_Element]) -> _Element:
    """The L1 element behind an L2 construct (its `node.default_child`)."""
    return cfn_element(construct.node.default_child, kind)


@jsii.implements(IStableListProducer)
class _DependsOnOutside:
    """The logical IDs `resource` depends on at synth, less those inside `scope`, in CDK's own order."""

    def __init__(self, resource: CfnResource, scope: IConstruct) -> None:
        self._resource = resource
        self._prefix = scope.node.path + "/"

    def produce(self) -> list[str]:
        kept = [d for d in self._resource.obtain_dependencies()
                if isinstance(d, CfnResource) and not d.node.path.startswith(self._prefix)]
        return [d.logical_id for d in sorted(kept, key=lambda d: d.node.path)]


def drop_dependencies_inside(resource: CfnResource, scope: IConstruct) -> None:
    """Renders `resource`'s DependsOn without the resources inside `scope`.

    For a library's `node.add_dependency(scope)` on a whole construct when only some of it is needed: construct
    dependencies become DependsOn only at synth (after every aspect), so the list is computed then, from everything
    `resource` ends up depending on. What `resource` references (Ref, Fn::GetAtt) inside `scope` still orders it.
    """
    resource.add_override("DependsOn", Lazy.list(_DependsOnOutside(resource, scope), omit_empty=True))
