"""Typed access to the CloudFormation elements behind CDK constructs.

`node.default_child` and `node.find_child` are typed `IConstruct | None`; the constructs of this app know which
L1 element sits there. These helpers say so once, and fail loudly if it is missing.
"""

from __future__ import annotations

from typing import TypeVar, cast

from aws_cdk import CfnElement
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
