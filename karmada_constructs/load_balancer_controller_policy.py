"""The IAM policy of the AWS Load Balancer Controller, narrower than the one aws-cdk-lib ships.

aws_eks_v2's AlbController attaches the project's published policy (docs/install/iam_policy.json) unless given one.
That policy leaves some writes unconditioned: security-group ingress on any security group of the account, every
listener and listener-rule write, tags on any listener. Here each of those is limited the way the project already
limits the others, with the controller's ``elbv2.k8s.aws/cluster`` tag (``aws:RequestTag`` on create,
``aws:ResourceTag`` after) or, where the controller must touch security groups it did not create (the nodes' and
pods' groups it opens to its load balancers), with the cluster's VPC (``ec2:Vpc``). ARNs name the stack's region
and account instead of ``*``. What the controller does with resources it tagged is unchanged, so Ingresses and
Services of type LoadBalancer in a member keep working; this app's own use (a TargetGroupBinding onto the NLB's
target group, which CDK creates untagged) needs only the reads and Register/DeregisterTargets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Aws

CLUSTER_TAG = "elbv2.k8s.aws/cluster"


@dataclass(frozen=True, kw_only=True)
class LoadBalancerControllerPolicyProps:
    """Properties of `controller_policy`."""

    vpc_id: str
    """The cluster's VPC: the only VPC whose security groups the controller may open or create groups in."""
    partition: str = Aws.PARTITION
    """Default: the stack's partition."""
    region: str = Aws.REGION
    """Default: the stack's region."""
    account: str = Aws.ACCOUNT_ID
    """Default: the stack's account."""


# Reads only: what the controller describes to reconcile (no resource-level permissions exist for most).
_READS = (
    "acm:DescribeCertificate", "acm:ListCertificates", "cognito-idp:DescribeUserPoolClient",
    "ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones", "ec2:DescribeCoipPools",
    "ec2:DescribeInstances", "ec2:DescribeInternetGateways", "ec2:DescribeIpamPools", "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeTags",
    "ec2:DescribeVpcPeeringConnections", "ec2:DescribeVpcs", "ec2:GetCoipPoolUsage", "ec2:GetSecurityGroupsForVpc",
    "elasticloadbalancing:DescribeCapacityReservation", "elasticloadbalancing:DescribeListenerAttributes",
    "elasticloadbalancing:DescribeListenerCertificates", "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeLoadBalancerAttributes", "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeSSLPolicies",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTrustStores",
    "iam:GetServerCertificate", "iam:ListServerCertificates", "shield:DescribeProtection",
    "shield:GetSubscriptionState", "waf-regional:GetWebACL", "waf-regional:GetWebACLForResource", "wafv2:GetWebACL",
    "wafv2:GetWebACLForResource",
)
# WAF and Shield associations an Ingress annotation asks for: authorised on the web ACL and the protection as well
# as the load balancer, so a tag condition (absent on the ACL) would refuse them; as published.
_PROTECTIONS = (
    "shield:CreateProtection", "shield:DeleteProtection", "waf-regional:AssociateWebACL",
    "waf-regional:DisassociateWebACL", "wafv2:AssociateWebACL", "wafv2:DisassociateWebACL",
)
# Writes on load balancers, target groups and the controller's own security groups: only those it tagged.
_TAGGED_WRITES = (
    "ec2:DeleteSecurityGroup", "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:ModifyCapacityReservation", "elasticloadbalancing:ModifyIpPools",
    "elasticloadbalancing:ModifyListenerAttributes", "elasticloadbalancing:ModifyLoadBalancerAttributes",
    "elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:SetIpAddressType", "elasticloadbalancing:SetSecurityGroups",
    "elasticloadbalancing:SetSubnets",
)
# Published unconditioned; here only on load balancers, listeners and rules that carry the controller's tag
# (CreateListener is authorised on the load balancer, CreateRule on the listener, the rest on the listener or rule
# itself; the controller tags all of them).
_LISTENER_WRITES = (
    "elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:CreateListener",
    "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:DeleteRule",
    "elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyRule",
    "elasticloadbalancing:RemoveListenerCertificates", "elasticloadbalancing:SetRulePriorities",
    "elasticloadbalancing:SetWebAcl",
)


def _tag_present(kind: str) -> dict[str, Any]:
    """``aws:<kind>Tag/elbv2.k8s.aws/cluster`` must be set (kind: Request or Resource)."""
    return {"Null": {f"aws:{kind}Tag/{CLUSTER_TAG}": "false"}}


def _statement(sid: str, actions: tuple[str, ...] | list[str], resources: str | list[str],
               condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resources}
    if condition:
        statement["Condition"] = condition
    return statement


def controller_policy(props: LoadBalancerControllerPolicyProps) -> dict[str, Any]:
    """The policy document (JSON) for `eks.AlbControllerOptions(policy=...)`."""
    ec2 = f"arn:{props.partition}:ec2:{props.region}:{props.account}"
    elb = f"arn:{props.partition}:elasticloadbalancing:{props.region}:{props.account}"
    security_groups = f"{ec2}:security-group/*"
    vpc_arn = f"{ec2}:vpc/{props.vpc_id}"
    load_balancers_and_groups = [f"{elb}:loadbalancer/app/*/*", f"{elb}:loadbalancer/net/*/*",
                                 f"{elb}:targetgroup/*/*"]
    listeners_and_rules = [f"{elb}:listener/app/*/*/*", f"{elb}:listener/net/*/*/*",
                           f"{elb}:listener-rule/app/*/*/*", f"{elb}:listener-rule/net/*/*/*"]
    untouched_request_tag = {"Null": {f"aws:RequestTag/{CLUSTER_TAG}": "true",
                                      f"aws:ResourceTag/{CLUSTER_TAG}": "false"}}
    return {"Version": "2012-10-17", "Statement": [
        _statement("ElbServiceLinkedRole", ["iam:CreateServiceLinkedRole"], "*",
                   {"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}),
        _statement("Reads", _READS, "*"),
        _statement("WafAndShieldAssociations", _PROTECTIONS, "*"),
        # CreateSecurityGroup is authorised on the new group (which must carry the tag) and on the VPC (this one).
        _statement("CreateTaggedSecurityGroups", ["ec2:CreateSecurityGroup"], security_groups,
                   _tag_present("Request")),
        _statement("CreateSecurityGroupsInTheClusterVpc", ["ec2:CreateSecurityGroup"], vpc_arn),
        _statement("TagSecurityGroupsAtCreation", ["ec2:CreateTags"], security_groups,
                   {"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup"}, **_tag_present("Request")}),
        _statement("RetagOwnSecurityGroups", ["ec2:CreateTags", "ec2:DeleteTags"], security_groups,
                   untouched_request_tag),
        # The nodes' and pods' groups carry no controller tag: the VPC is the limit.
        _statement("SecurityGroupIngressInTheClusterVpc",
                   ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"], security_groups,
                   {"ArnEquals": {"ec2:Vpc": vpc_arn}}),
        _statement("WritesOnTaggedResources", _TAGGED_WRITES, "*", _tag_present("Resource")),
        _statement("CreateTaggedLoadBalancers",
                   ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"], "*",
                   _tag_present("Request")),
        _statement("ListenerWritesOnTaggedResources", _LISTENER_WRITES, "*", _tag_present("Resource")),
        _statement("RetagOwnLoadBalancers", ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
                   load_balancers_and_groups + listeners_and_rules, untouched_request_tag),
        _statement("TagAtCreation", ["elasticloadbalancing:AddTags"], load_balancers_and_groups + listeners_and_rules,
                   {"StringEquals": {"elasticloadbalancing:CreateAction": [
                       "CreateListener", "CreateLoadBalancer", "CreateRule", "CreateTargetGroup"]},
                    **_tag_present("Request")}),
        # A TargetGroupBinding may name a target group the controller did not create (this app's NLB's, made by
        # CDK, untagged): this account and region only.
        _statement("TargetRegistration",
                   ["elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets"],
                   f"{elb}:targetgroup/*/*"),
    ]}
