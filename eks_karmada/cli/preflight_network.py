"""Preflight: existing VPCs and subnets (parent.existing_vpc, members[].existing_vpc, members[].kubectl_network).

Synth only checks the ids' shape and count; here each VPC must exist with the configured CIDR, each subnet
must be in that VPC and in its zone (the order of availability_zones), private subnets must not route to an
internet gateway, public ones must, and each carries the tag the AWS Load Balancer Controller selects subnets
by (kubernetes.io/role/internal-elb, kubernetes.io/role/elb). An existing member's kubectl subnets must be private
subnets of its cluster's VPC in two zones or more, and the cluster's private endpoint must be on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from eks_karmada.cli.access import Caller
from eks_karmada.cli.check import BLOCK, OK, WARN, Check
from eks_karmada.cli.errors import describe_client_error
from eks_karmada.config import AppConfig, ExistingVpcConfig, KubectlNetworkConfig, MemberConfig, MemberKind

PRIVATE_TAG = "kubernetes.io/role/internal-elb"
PUBLIC_TAG = "kubernetes.io/role/elb"


@dataclass(frozen=True)
class PlannedVpc:
    """An existing VPC the config names, with the cluster that uses it."""

    where: str  # parent / members.<name>
    account: str | None
    region: str
    cidr: str
    zones: list[str]
    vpc: ExistingVpcConfig


def planned_vpcs(config: AppConfig) -> Iterator[PlannedVpc]:
    parent = config.parent
    if parent.existing_vpc is not None:
        yield PlannedVpc("parent", parent.account, parent.region, parent.vpc_cidr, parent.availability_zones,
                         parent.existing_vpc)
    for member in config.members:
        if member.kind is MemberKind.new and member.existing_vpc is not None:
            yield PlannedVpc(f"members.{member.name}", member.account or parent.account, member.region or "",
                             member.vpc_cidr, member.zones, member.existing_vpc)


def check_existing_vpcs(clients: Any, config: AppConfig, caller: Caller) -> list[Check]:
    checks: list[Check] = []
    for planned in planned_vpcs(config):
        if (planned.account or caller.account) != caller.account:
            checks.append(Check("network", planned.where, planned.vpc.vpc_id, WARN,
                                f"in account {planned.account}: not checked with the caller's credentials",
                                f"run preflight with credentials for account {planned.account}"))
            continue
        try:
            checks += _check_vpc(clients.aws("ec2", planned.region), planned)
        except ClientError as err:
            checks.append(Check("network", planned.where, planned.vpc.vpc_id, BLOCK, describe_client_error(err),
                                f"check the ids in {planned.where}.existing_vpc and the region {planned.region}"))
    return checks


def _check_vpc(ec2: Any, planned: PlannedVpc) -> list[Check]:
    vpc_id, where, region = planned.vpc.vpc_id, planned.where, planned.region
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    cidrs = [a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet") or []] or [vpc["CidrBlock"]]
    checks = []
    if planned.cidr not in cidrs:
        checks.append(Check("network", where, vpc_id, BLOCK,
                            f"vpc_cidr {planned.cidr} is not the VPC's CIDR ({', '.join(cidrs)})",
                            f"set {where}.vpc_cidr: {cidrs[0]}"))
    ids = [*planned.vpc.private_subnet_ids, *planned.vpc.public_subnet_ids]
    subnets = {s["SubnetId"]: s for s in ec2.describe_subnets(SubnetIds=ids)["Subnets"]}
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    for kind, subnet_ids in (("private", planned.vpc.private_subnet_ids), ("public", planned.vpc.public_subnet_ids)):
        for zone, subnet_id in zip(planned.zones, subnet_ids, strict=False):  # public ones may be none
            problem = _subnet_problem(subnets[subnet_id], kind, zone, vpc_id, _internet_route(tables, subnet_id))
            if problem is None:
                continue
            detail, fix = problem
            checks.append(Check("network", where, f"{kind} subnet {subnet_id}", BLOCK, detail,
                                fix.replace("REGION", region)))
    if not checks:
        checks.append(Check("network", where, vpc_id, OK,
                            f"{len(ids)} subnets in their zones, routed and tagged for the load balancer controller"))
    return checks


def _subnet_problem(subnet: dict, kind: str, zone: str, vpc_id: str, internet: str | None) -> tuple[str, str] | None:
    """(detail, fix) of the first thing wrong with a subnet, or None."""
    subnet_id = subnet["SubnetId"]
    if subnet.get("VpcId") != vpc_id:
        return f"is in {subnet.get('VpcId')}, not {vpc_id}", f"list subnets of {vpc_id} only"
    if subnet.get("AvailabilityZone") != zone:
        return (f"is in {subnet.get('AvailabilityZone')}, not {zone}",
                "list the subnets in the order of availability_zones, one per zone")
    if kind == "private" and internet and internet.startswith("igw-"):
        return (f"routes 0.0.0.0/0 to the internet gateway {internet}: it is public",
                "give a private subnet whose default route goes through a NAT or transit gateway")
    if kind == "public" and not (internet and internet.startswith("igw-")):
        return "has no route 0.0.0.0/0 to an internet gateway: it is not public", "give a public subnet"
    tag = PRIVATE_TAG if kind == "private" else PUBLIC_TAG
    tags = {t["Key"]: t.get("Value") for t in subnet.get("Tags") or []}
    if tags.get(tag) not in ("1", ""):
        return (f"lacks the tag {tag}=1 the AWS Load Balancer Controller selects {kind} subnets by",
                f"aws ec2 create-tags --resources {subnet_id} --tags Key={tag},Value=1 --region REGION")
    return None


def _internet_route(tables: list[dict], subnet_id: str) -> str | None:
    """The target of the subnet's 0.0.0.0/0 route (its own route table, else the VPC's main one)."""
    own = [t for t in tables if any(a.get("SubnetId") == subnet_id for a in t.get("Associations") or [])]
    main = [t for t in tables if any(a.get("Main") for a in t.get("Associations") or [])]
    for table in own or main:
        for route in table.get("Routes") or []:
            if route.get("DestinationCidrBlock") == "0.0.0.0/0":
                return (route.get("GatewayId") or route.get("NatGatewayId") or route.get("TransitGatewayId")
                        or route.get("NetworkInterfaceId") or "local")
    return None


def check_kubectl_networks(clients: Any, config: AppConfig, caller: Caller) -> list[Check]:
    """Each existing member's kubectl_network: private subnets of its cluster's VPC, and the private endpoint on."""
    checks: list[Check] = []
    for member in config.members:
        if member.kind is not MemberKind.existing or member.kubectl_network is None:
            continue
        where, what = f"members.{member.name}", "kubectl_network"
        account = member.account or config.parent.account
        if (account or caller.account) != caller.account:
            checks.append(Check("network", where, what, WARN,
                                f"in account {account}: not checked with the caller's credentials",
                                f"run preflight with credentials for account {account}"))
            continue
        try:
            checks += _check_kubectl_network(clients, member, member.kubectl_network)
        except ClientError as err:
            checks.append(Check("network", where, what, BLOCK, describe_client_error(err),
                                f"check {where}.cluster_name, its region and {where}.kubectl_network.subnet_ids"))
    return checks


def _check_kubectl_network(clients: Any, member: MemberConfig, network: KubectlNetworkConfig) -> list[Check]:
    region, name = member.region or "", member.eks_cluster_name
    where, what = f"members.{member.name}", "kubectl_network"
    ec2 = clients.aws("ec2", region)
    vpc_config = clients.aws("eks", region).describe_cluster(name=name)["cluster"]["resourcesVpcConfig"]
    vpc_id = vpc_config.get("vpcId") or ec2.describe_subnets(
        SubnetIds=vpc_config["subnetIds"][:1])["Subnets"][0]["VpcId"]
    checks = []
    if not vpc_config.get("endpointPrivateAccess"):
        checks.append(Check("network", where, what, BLOCK,
                            f"{name}'s private endpoint is off: the provider would reach the public one, from the "
                            "VPC's NAT addresses",
                            f"aws eks update-cluster-config --name {name} --region {region} "
                            "--resources-vpc-config endpointPrivateAccess=true"))
    subnets = ec2.describe_subnets(SubnetIds=network.subnet_ids)["Subnets"]
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]
    for subnet in subnets:
        subnet_id, internet = subnet["SubnetId"], _internet_route(tables, subnet["SubnetId"])
        if subnet.get("VpcId") != vpc_id:
            checks.append(Check("network", where, f"kubectl subnet {subnet_id}", BLOCK,
                                f"is in {subnet.get('VpcId')}, not in {name}'s VPC {vpc_id}",
                                f"list private subnets of {vpc_id} only"))
        elif internet and internet.startswith("igw-"):
            checks.append(Check("network", where, f"kubectl subnet {subnet_id}", BLOCK,
                                f"routes 0.0.0.0/0 to the internet gateway {internet}: it is public, and Lambda "
                                "gets no public address there", "give a private subnet"))
        elif internet is None and network.egress_cidrs == ["0.0.0.0/0"]:
            checks.append(Check("network", where, f"kubectl subnet {subnet_id}", WARN,
                                "has no default route (no NAT): the provider reaches the EKS, Lambda and S3 APIs "
                                "only through VPC endpoints", "create them and narrow egress_cidrs to the VPC's CIDR "
                                "(docs/operations.md, existing members)"))
    zones = {subnet.get("AvailabilityZone") for subnet in subnets}
    if len(zones) < 2:
        checks.append(Check("network", where, what, BLOCK, f"all subnets are in {', '.join(sorted(map(str, zones)))}",
                            "list subnets in two availability zones or more"))
    if not checks:
        checks.append(Check("network", where, what, OK,
                            f"{len(subnets)} private subnets of {vpc_id} in {len(zones)} zones; private endpoint on"))
    return checks
