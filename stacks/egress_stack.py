"""KarmadaEgress: the parent's fixed outbound addresses, known before any cluster exists."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from aws_cdk import CfnOutput, Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from eks_karmada.config import AppConfig
from karmada_constructs.nag import acknowledge, finding_arn
from stacks.naming import egress_reader_role_name, parent_environment

EGRESS_TAG = "eks-karmada:egress-of"  # for people and cost reports; the look-ups read the stack, not tags
SLOT_TAG = "eks-karmada:egress-slot"


def nat_address_logical_id(index: int) -> str:
    """The fixed logical id of the index-th address: member stacks look it up by this id."""
    return f"NatAddress{index}"


class KarmadaEgressStack(Stack):
    """Allocates the Elastic IPs the parent's NAT gateways use.

    Allocates the Elastic IPs the parent's NAT gateways use, so Push-mode members can admit exactly these addresses to
    their EKS endpoints. It takes seconds to deploy, and both the parent and the members depend on it, never on each
    other. A read-only role lets member stacks (in any account) look the addresses up at deploy time.
    """

    def __init__(self, scope: Construct, id: str, *, config: AppConfig, **kwargs) -> None:
        parent = config.parent
        super().__init__(
            scope,
            id,
            env=parent_environment(config),
            description="eks-karmada: the parent cluster's NAT gateway addresses",
            **kwargs,
        )
        self.addresses = []
        # An existing VPC's NAT gateways have their own addresses (parent.existing_vpc.egress_cidrs).
        for index in range(0 if parent.existing_vpc else parent.nat_gateways):
            eip = ec2.CfnEIP(self, nat_address_logical_id(index), domain="vpc")
            eip.override_logical_id(nat_address_logical_id(index))
            Tags.of(eip).add(EGRESS_TAG, parent.cluster_name)
            Tags.of(eip).add(SLOT_TAG, str(index))
            self.addresses.append(eip)
            CfnOutput(self, f"NatAddress{index}Ip", value=eip.attr_public_ip, description="Parent egress address")

        member_accounts = sorted({m.account for m in config.members if m.account and m.account != parent.account})
        principals = [iam.AccountRootPrincipal()] + [iam.AccountPrincipal(a) for a in member_accounts]
        reader = iam.Role(
            self,
            "EgressReader",
            role_name=egress_reader_role_name(config),
            assumed_by=iam.CompositePrincipal(*principals),
            description="Lets member stacks read the parent's egress addresses",
        )
        # The addresses as this stack allocated them: readable on this stack only.
        this_stack = self.format_arn(service="cloudformation", resource="stack", resource_name=f"{self.stack_name}/*")
        reader.add_to_policy(iam.PolicyStatement(actions=["cloudformation:DescribeStackResource"],
                                                 resources=[this_stack]))
        stack_arn = finding_arn(self, "cloudformation", f"stack/{self.stack_name}/*")
        acknowledge(reader, f"AwsSolutions-IAM5[Resource::{stack_arn}]",
                    "The trailing * is the stack's generated id: the role reads the resources of this one stack.")

    @property
    def allocation_ids(self) -> list[str]:
        return [eip.attr_allocation_id for eip in self.addresses]

