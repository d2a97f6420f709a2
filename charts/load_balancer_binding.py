"""Binds the NLB's target group to the karmada-apiserver Service."""

from __future__ import annotations

from dataclasses import dataclass

import cdk8s
from constructs import Construct


@dataclass(frozen=True)
class ApiServerTargetGroupBindingProps:
    """Properties of `ApiServerTargetGroupBindingChart`."""
    target_group_arn: str
    namespace: str = "karmada-system"
    service_name: str = "karmada-apiserver"
    service_port: int = 5443


class ApiServerTargetGroupBindingChart(cdk8s.Chart):
    """The TargetGroupBinding of the karmada-apiserver's NLB target group.

    A TargetGroupBinding (AWS Load Balancer Controller) that keeps the NLB's IP target group in step with the
    karmada-apiserver pods' addresses.

    The security group rule from the NLB to the pods is owned by CDK, not by the
    controller, so nothing controller-made is left behind on uninstall.
    """

    def __init__(self, scope: Construct, id: str, props: ApiServerTargetGroupBindingProps) -> None:
        super().__init__(scope, id)
        cdk8s.ApiObject(
            self,
            "Binding",
            api_version="elbv2.k8s.aws/v1beta1",
            kind="TargetGroupBinding",
            metadata=cdk8s.ApiObjectMetadata(name=props.service_name, namespace=props.namespace),
        ).add_json_patch(
            cdk8s.JsonPatch.add(
                "/spec",
                {
                    "serviceRef": {"name": props.service_name, "port": props.service_port},
                    "targetGroupARN": props.target_group_arn,
                    "targetType": "ip",
                },
            )
        )
