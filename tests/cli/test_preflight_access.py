"""`eks-karmada preflight`'s access, reachability and existing-VPC checks, and `eks-karmada whoami` (issue 17)."""

from __future__ import annotations

import re

import pytest
from botocore.stub import Stubber

from eks_karmada.cli.access import Caller, access_principal
from eks_karmada.cli.check import BLOCK, OK, WARN
from eks_karmada.cli.preflight_access import check_access
from eks_karmada.config import parse_config
from tests.cli.harness import ACCOUNT, CALLER_ROLE, SERVER, write_config

ADMIN = f"arn:aws:iam::{ACCOUNT}:role/ops"
NLB_HOST = SERVER.removeprefix("https://").split(":")[0]


def _ready(world) -> None:
    world.bootstrapped("us-east-1")
    world.default_quotas("us-east-1", nat_zones=3)


def _lines(result) -> list[str]:
    return result.stdout.splitlines()


# ---- who will be cluster admin -------------------------------------------------------------------------------


def test_without_admin_roles_or_deployer_access_nobody_would_be_admin(world, tmp_path):
    config = write_config(tmp_path / "c.yaml", "parent: {deployer_access: false}\nmembers: []\n")
    _ready(world)
    result = world.invoke("preflight", "--connect-later", "-c", str(config))
    assert result.exit_code == 3, result.output
    assert ("1. BLOCKS karmada-parent cluster admins: nobody you can sign in as would be cluster admin, only "
            "CloudFormation's role: parent.admin_role_arns is empty and parent.deployer_access is false"
            ) in _lines(result)
    assert "   fix: list the IAM roles your team assumes in parent.admin_role_arns" in _lines(result)


def test_the_deployer_is_admin_by_default(world, tmp_path):
    config = write_config(tmp_path / "c.yaml", "members: []\n")
    _ready(world)
    result = world.invoke("preflight", "--connect-later", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert f"│ you ({CALLER_ROLE}), through" in result.stdout


def test_admin_roles_suffice_without_the_deployer_but_you_are_told_you_are_not_one(world, tmp_path):
    config = write_config(tmp_path / "c.yaml",
                          f"parent: {{deployer_access: false, admin_role_arns: ['{ADMIN}']}}\nmembers: []\n")
    _ready(world)
    result = world.invoke("preflight", "--connect-later", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert ("1. WARNING karmada-parent your access: you (arn:aws:sts::123456789012:assumed-role/platform-admin/alice) "
            "will not be cluster admin; assume one of parent.admin_role_arns") in _lines(result)


class _Clients:
    """Only iam, through a Stubber: what access_principal asks."""

    def __init__(self, iam) -> None:
        self._iam = iam

    def aws(self, service: str, region: str):
        assert service == "iam"
        return self._iam


@pytest.fixture
def iam():
    import boto3

    client = boto3.client("iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _role(arn: str) -> dict:
    name = arn.rsplit("/", 1)[1]
    return {"Role": {"Path": "/", "RoleName": name, "RoleId": "AROAEXAMPLEEXAMPLE01", "Arn": arn,
                     "CreateDate": "2026-01-01T00:00:00Z"}}


SSO_ROLE = f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef"


def test_an_assumed_role_session_becomes_its_role_with_its_path(iam):
    client, stubber = iam
    stubber.add_response("get_role", _role(SSO_ROLE), {"RoleName": "AWSReservedSSO_Admin_0123456789abcdef"})
    caller = Caller(ACCOUNT, f"arn:aws:sts::{ACCOUNT}:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice")
    principal = access_principal(_Clients(client), caller, "us-east-1")
    assert (principal.arn, principal.note) == (SSO_ROLE, "")


def test_without_iam_get_role_the_path_is_a_documented_guess(iam):
    client, stubber = iam
    stubber.add_client_error("get_role", "AccessDenied", "no", 403)
    caller = Caller(ACCOUNT, f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/ci")
    principal = access_principal(_Clients(client), caller, "us-east-1")
    assert principal.arn == f"arn:aws:iam::{ACCOUNT}:role/deployer"
    assert principal.note == ("iam:GetRole on deployer failed (AccessDenied): assuming the role has no path; if it "
                              "has one (SSO roles do), list its full ARN in parent.admin_role_arns")


NO_ENTRY_CALLERS = [
    ("root", f"arn:aws:iam::{ACCOUNT}:root",
     "the account's root user cannot have an EKS access entry; deploy as an IAM role or user, or set "
     "parent.deployer_access: false and list a role in parent.admin_role_arns"),
    ("federated", f"arn:aws:sts::{ACCOUNT}:federated-user/bob",
     f"arn:aws:sts::{ACCOUNT}:federated-user/bob is not an IAM role or user (federated or service identity); deploy "
     "as an IAM role or user, or list a role in parent.admin_role_arns"),
]


@pytest.mark.parametrize("arn, note", [c[1:] for c in NO_ENTRY_CALLERS], ids=[c[0] for c in NO_ENTRY_CALLERS])
def test_a_caller_no_access_entry_can_name_blocks_when_no_admin_role_is_listed(iam, arn, note):
    client, _ = iam
    config = parse_config({"members": []})
    checks = check_access(_Clients(client), config, Caller(ACCOUNT, arn))
    assert [(c.result, c.detail) for c in checks] == [
        (BLOCK, f"nobody you can sign in as would be cluster admin, only CloudFormation's role: {note}")]
    with_admin = parse_config({"members": [], "parent": {"admin_role_arns": [ADMIN]}})
    assert [c.result for c in check_access(_Clients(client), with_admin, Caller(ACCOUNT, arn))] == [OK, WARN]


def test_an_iam_user_is_its_own_principal(iam):
    client, _ = iam
    user = f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert access_principal(_Clients(client), Caller(ACCOUNT, user), "us-east-1").arn == user


# ---- what this machine can reach -----------------------------------------------------------------------------


def _reach_rows(result) -> dict[str, list[str]]:
    rows = {}
    for line in result.stdout.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if cells and cells[0] in ("parent EKS API", "Karmada API"):
            rows[cells[0]] = cells
    return rows


def test_private_endpoints_of_a_vpc_this_deploy_creates_block_with_their_fixes(world, tmp_path):
    config = write_config(tmp_path / "c.yaml", "members: []\n")
    _ready(world)
    result = world.invoke("preflight", "-c", str(config))
    assert result.exit_code == 3, result.output
    assert ("1. BLOCKS karmada-parent parent EKS API: private to the VPC this deploy creates: nothing outside it can "
            "reach the API after the deploy") in _lines(result)
    assert ("   fix: admit your address in parent.endpoint.public_cidrs, or run this from the parent VPC or a network "
            "connected to it, or, if you will connect a network to the VPC after the deploy, pass --connect-later"
            ) in _lines(result)
    assert ("2. BLOCKS KarmadaParent Karmada API: internal to the VPC this deploy creates: nothing outside it can "
            "reach the API after the deploy") in _lines(result)
    assert ("   fix: set api_endpoint.scheme: internet-facing and list your network in api_endpoint.allowed_cidrs, or "
            "run this from the parent VPC or a network connected to it, or, if you will connect a network to the VPC "
            "after the deploy, pass --connect-later") in _lines(result)
    assert world.connect_tests == []  # nothing to dial before the deploy


def test_endpoints_admitting_your_network_pass_before_the_deploy(world, tmp_path):
    config = write_config(tmp_path / "c.yaml", """
parent: {endpoint: {private: true, public_cidrs: [203.0.113.10/32]}}
api_endpoint: {scheme: internet-facing, allowed_cidrs: [203.0.113.10/32]}
members: []
""")
    _ready(world)
    result = world.invoke("preflight", "-c", str(config))
    assert result.exit_code == 0, result.output
    rows = _reach_rows(result)
    assert rows["parent EKS API"][2:] == ["not deployed yet; public for 203.0.113.10/32", "ok"]
    assert rows["Karmada API"][2:] == ["not deployed yet; internet-facing for 203.0.113.10/32", "ok"]


def _deployed(world, tmp_path, *reachable: str):
    config = write_config(tmp_path / "c.yaml", "members: []\n")
    world.create_eks_cluster("karmada-parent")
    world.bootstrapped("us-east-1")  # the cluster exists: an update, no quota to check
    world.expect_stack()
    endpoint = world.aws("eks", "us-east-1").describe_cluster(name="karmada-parent")["cluster"]["endpoint"]
    host = endpoint.removeprefix("https://")
    # moto answers DescribeCluster with a new random endpoint each time: reach it by its domain.
    world.reachable.update(r.replace("EKS", "*.us-east-1.eks.amazonaws.com") for r in reachable)
    return config, host


def test_once_deployed_a_connect_test_decides(world, tmp_path):
    config, _ = _deployed(world, tmp_path, "EKS", NLB_HOST)
    result = world.invoke("preflight", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert [(host.endswith(".us-east-1.eks.amazonaws.com") or host, port, timeout)
            for host, port, timeout in world.connect_tests] == [(True, 443, 3.0), (NLB_HOST, 443, 3.0)]
    assert result.stdout.rstrip().endswith("Ready to deploy.")
    assert result.stdout.count("answers from here") == 2


def test_once_deployed_an_endpoint_that_does_not_answer_blocks(world, tmp_path):
    config, host = _deployed(world, tmp_path, "EKS")
    result = world.invoke("preflight", "-c", str(config))
    assert result.exit_code == 3, result.output
    assert (f"1. BLOCKS KarmadaParent Karmada API: {NLB_HOST}:443 does not answer from here (no answer within 3 s)"
            ) in _lines(result)


def test_connect_later_makes_unreachable_endpoints_warnings(world, tmp_path):
    config, _ = _deployed(world, tmp_path)
    result = world.invoke("preflight", "--connect-later", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert [row[-1] for row in _reach_rows(result).values()] == ["warning", "warning"]


# ---- existing VPCs -------------------------------------------------------------------------------------------


class _Network:
    """A VPC in moto with three private subnets (tagged, NAT-routed) and three public ones (IGW-routed)."""

    def __init__(self, world, cidr: str = "10.40.0.0/16") -> None:
        ec2 = self.ec2 = world.aws("ec2", "us-east-1")
        self.vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=self.vpc)
        public_table = ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        self.private, self.public = [], []
        for index, zone in enumerate(("us-east-1a", "us-east-1b", "us-east-1c")):
            public = self._subnet(f"10.40.{index}.0/24", zone, "kubernetes.io/role/elb")
            ec2.associate_route_table(RouteTableId=public_table, SubnetId=public)
            self.public.append(public)
            private = self._subnet(f"10.40.{10 + index}.0/24", zone, "kubernetes.io/role/internal-elb")
            self.private.append(private)
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=self.public[0], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
        private_table = ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=private_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        for subnet in self.private:
            ec2.associate_route_table(RouteTableId=private_table, SubnetId=subnet)
        self.public_table = public_table

    def _subnet(self, cidr: str, zone: str, tag: str) -> str:
        subnet = self.ec2.create_subnet(VpcId=self.vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        self.ec2.create_tags(Resources=[subnet], Tags=[{"Key": tag, "Value": "1"}])
        return subnet

    def config(self, tmp_path, *, private=None, public=None, cidr: str = "10.40.0.0/16"):
        return write_config(tmp_path / "c.yaml", f"""
parent:
  vpc_cidr: {cidr}
  endpoint: {{private: true, public_cidrs: [203.0.113.10/32]}}
  existing_vpc:
    vpc_id: {self.vpc}
    private_subnet_ids: {private or self.private}
    public_subnet_ids: {public if public is not None else self.public}
members: []
""")


def _network_problems(result) -> list[str]:
    """The numbered problems about the parent's VPC and their fixes, without their numbers."""
    lines, found = _lines(result), []
    for index, line in enumerate(lines):
        if re.match(r"\d+\. BLOCKS parent ", line):
            found += [re.sub(r"^\d+\. ", "", line), lines[index + 1]]
    return found


def test_an_existing_vpc_routed_and_tagged_as_the_controllers_need_passes(world, tmp_path):
    network = _Network(world)
    world.bootstrapped("us-east-1")
    world.quota("us-east-1", "eks", "L-1194D53C", 100)  # an existing VPC takes no VPC, NAT or address quota
    result = world.invoke("preflight", "-c", str(network.config(tmp_path)))
    assert result.exit_code == 0, result.output
    assert "6 subnets in their zones, routed and tagged" in result.stdout
    assert not _network_problems(result)


def test_existing_vpc_creates_no_vpc_and_no_nat_so_it_takes_no_quota(world, tmp_path):
    network = _Network(world)
    world.bootstrapped("us-east-1")
    world.quota("us-east-1", "eks", "L-1194D53C", 100)  # an existing VPC takes no VPC, NAT or address quota
    result = world.invoke("preflight", "-c", str(network.config(tmp_path)))
    assert "VPCs per Region" not in result.stdout
    assert "Elastic IPs" not in result.stdout


EXISTING_VPC_PROBLEMS = [
    ("zones out of order", lambda n: {"private": [n.private[1], n.private[0], n.private[2]]},
     lambda n: [f"BLOCKS parent private subnet {n.private[1]}: is in us-east-1b, not us-east-1a",
                "   fix: list the subnets in the order of availability_zones, one per zone",
                f"BLOCKS parent private subnet {n.private[0]}: is in us-east-1a, not us-east-1b",
                "   fix: list the subnets in the order of availability_zones, one per zone"]),
    ("public subnet as private", lambda n: {"private": [n.public[0], *n.private[1:]], "public": []},
     lambda n: [f"BLOCKS parent private subnet {n.public[0]}: routes 0.0.0.0/0 to the internet gateway "
                f"{n.igw}: it is public",
                "   fix: give a private subnet whose default route goes through a NAT or transit gateway"]),
    ("private subnet as public", lambda n: {"public": [n.private[0], *n.public[1:]],
                                            "private": [n.public[0], *n.private[1:]]},
     None),
    ("wrong cidr", lambda n: {"cidr": "10.41.0.0/16"},
     lambda n: [f"BLOCKS parent {n.vpc}: vpc_cidr 10.41.0.0/16 is not the VPC's CIDR (10.40.0.0/16)",
                "   fix: set parent.vpc_cidr: 10.40.0.0/16"]),
]


@pytest.mark.parametrize("edit, expected", [c[1:] for c in EXISTING_VPC_PROBLEMS if c[2]],
                         ids=[c[0] for c in EXISTING_VPC_PROBLEMS if c[2]])
def test_existing_vpc_problems_block_with_their_fixes(world, tmp_path, edit, expected):
    network = _Network(world)
    network.igw = network.ec2.describe_internet_gateways()["InternetGateways"][0]["InternetGatewayId"]
    world.bootstrapped("us-east-1")
    world.quota("us-east-1", "eks", "L-1194D53C", 100)  # an existing VPC takes no VPC, NAT or address quota
    result = world.invoke("preflight", "-c", str(network.config(tmp_path, **edit(network))))
    assert result.exit_code == 3, result.output
    assert _network_problems(result) == expected(network)


def test_a_subnet_without_the_controller_tag_blocks_with_the_create_tags_command(world, tmp_path):
    network = _Network(world)
    network.ec2.delete_tags(Resources=[network.private[2]], Tags=[{"Key": "kubernetes.io/role/internal-elb"}])
    world.bootstrapped("us-east-1")
    world.quota("us-east-1", "eks", "L-1194D53C", 100)  # an existing VPC takes no VPC, NAT or address quota
    result = world.invoke("preflight", "-c", str(network.config(tmp_path)))
    assert result.exit_code == 3, result.output
    assert _network_problems(result) == [
        f"BLOCKS parent private subnet {network.private[2]}: lacks the tag kubernetes.io/role/internal-elb=1 the "
        "AWS Load Balancer Controller selects private subnets by",
        f"   fix: aws ec2 create-tags --resources {network.private[2]} --tags "
        "Key=kubernetes.io/role/internal-elb,Value=1 --region us-east-1",
    ]


def test_a_vpc_that_does_not_exist_blocks_in_one_line(world, tmp_path):
    world.bootstrapped("us-east-1")
    world.quota("us-east-1", "eks", "L-1194D53C", 100)  # an existing VPC takes no VPC, NAT or address quota
    config = write_config(tmp_path / "c.yaml", """
parent:
  vpc_cidr: 10.40.0.0/16
  endpoint: {private: true, public_cidrs: [203.0.113.10/32]}
  existing_vpc: {vpc_id: vpc-0123456789abcdef0, private_subnet_ids: [subnet-01234567, subnet-01234568, subnet-01234569]}
members: []
""")
    result = world.invoke("preflight", "-c", str(config))
    assert result.exit_code == 3, result.output
    problem = next(line for line in _lines(result) if "BLOCKS parent vpc-0123456789abcdef0" in line)
    assert "DescribeVpcs failed: InvalidVpcID.NotFound" in problem


# ---- whoami --------------------------------------------------------------------------------------------------


def test_whoami_prints_the_role_behind_the_session(world):
    result = world.invoke("whoami")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{CALLER_ROLE}\n"


def test_whoami_prints_nothing_when_deployer_access_is_off(world, tmp_path):
    config = write_config(tmp_path / "c.yaml", "parent: {deployer_access: false}\n")
    result = world.invoke("whoami", "-c", str(config))
    assert (result.exit_code, result.stdout) == (0, "")


def test_whoami_role_path_comes_from_iam(world):
    iam = world.aws("iam", "us-east-1")
    iam.delete_role(RoleName="platform-admin")
    iam.create_role(RoleName="platform-admin", Path="/teams/platform/", AssumeRolePolicyDocument="{}")
    result = world.invoke("whoami")
    assert result.stdout == f"arn:aws:iam::{ACCOUNT}:role/teams/platform/platform-admin\n"


def test_with_connect_later_the_fix_no_longer_suggests_it(world, tmp_path):
    config = write_config(tmp_path / "c.yaml", "members: []\n")
    _ready(world)
    result = world.invoke("preflight", "--connect-later", "-c", str(config))
    assert ("   fix: admit your address in parent.endpoint.public_cidrs, or run this from the parent VPC or a network "
            "connected to it") in _lines(result)


# ---- an existing member's kubectl provider in its VPC (members[].kubectl_network) ---------------------------


def _existing_member(world, tmp_path, network: _Network, subnets: list[str], *, private_endpoint: bool = True):
    world.aws("eks", "us-east-1").create_cluster(
        name="prod-eks", roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks",
        resourcesVpcConfig={"subnetIds": network.private, "endpointPrivateAccess": private_endpoint})
    _ready(world)
    return write_config(tmp_path / "c.yaml", f"""
members:
  - name: prod
    kind: existing
    region: us-east-1
    cluster_name: prod-eks
    kubectl_network: {{subnet_ids: {subnets}}}
""")


def _kubectl_problems(result) -> list[str]:
    """The problems about members.prod and their fixes, without their numbers."""
    lines, found = _lines(result), []
    for index, line in enumerate(lines):
        if re.match(r"\d+\. (BLOCKS|WARNING) members\.prod ", line):
            found += [re.sub(r"^\d+\. ", "", line), lines[index + 1]]
    return found


def test_private_subnets_of_the_clusters_vpc_pass(world, tmp_path):
    network = _Network(world)
    result = world.invoke("preflight", "-c", str(_existing_member(world, tmp_path, network, network.private[:2])))
    assert any(re.match(r"│ kubectl_network +│ members\.prod +│ 2 private subnets of vpc-\w+ in 2 zones; private +│ ok",
                        line) for line in _lines(result)), result.output
    assert _kubectl_problems(result) == []


def test_kubectl_subnets_that_are_public_in_one_zone_or_behind_a_private_endpoint_off_block(world, tmp_path):
    network = _Network(world)
    config = _existing_member(world, tmp_path, network, [network.public[0], network.private[0]],
                              private_endpoint=False)
    result = world.invoke("preflight", "-c", str(config))
    assert result.exit_code == 3, result.output
    igw = network.ec2.describe_internet_gateways()["InternetGateways"][0]["InternetGatewayId"]
    assert _kubectl_problems(result) == [
        "BLOCKS members.prod kubectl_network: prod-eks's private endpoint is off: the provider would reach the "
        "public one, from the VPC's NAT addresses",
        "   fix: aws eks update-cluster-config --name prod-eks --region us-east-1 --resources-vpc-config "
        "endpointPrivateAccess=true",
        f"BLOCKS members.prod kubectl subnet {network.public[0]}: routes 0.0.0.0/0 to the internet gateway {igw}: "
        "it is public, and Lambda gets no public address there",
        "   fix: give a private subnet",
        "BLOCKS members.prod kubectl_network: all subnets are in us-east-1a",
        "   fix: list subnets in two availability zones or more",
    ]


def test_kubectl_subnets_of_another_vpc_block(world, tmp_path):
    network, other = _Network(world), _Network(world)
    result = world.invoke("preflight", "-c", str(_existing_member(world, tmp_path, network, other.private[:2])))
    assert result.exit_code == 3, result.output
    assert _kubectl_problems(result)[::2] == [
        f"BLOCKS members.prod kubectl subnet {subnet}: is in {other.vpc}, not in prod-eks's VPC {network.vpc}"
        for subnet in other.private[:2]]
