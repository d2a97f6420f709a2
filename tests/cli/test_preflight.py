"""`eks-karmada preflight`: credentials, CDK bootstrap per environment, quotas vs usage + needs."""

from __future__ import annotations

import re

import pytest

from tests.cli.harness import CALLER, write_config


def _row(output: str, *first: str) -> list[str]:
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if cells[: len(first)] == list(first):
            return cells
    raise AssertionError(f"no row {first!r} in:\n{output}")


def _ready_default(world) -> None:
    """Both environments of the default config bootstrapped, every quota at its AWS default."""
    world.bootstrapped("us-east-1")
    world.bootstrapped("us-west-2")
    world.default_quotas("us-east-1", nat_zones=3)
    world.default_quotas("us-west-2", nat_zones=1)


def test_ready_to_deploy(world):
    _ready_default(world)
    result = world.invoke("preflight", "--connect-later")
    assert result.exit_code == 0, result.output
    assert f"AWS identity: {CALLER} (account 123456789012)" in result.stdout
    assert _row(result.stdout, "aws://123456789012/us-east-1")[2:] == ["version 30 (>= 21)", "ok"]
    assert _row(result.stdout, "aws://123456789012/us-west-2")[1] == "KarmadaMember-member-usw2"
    # Parent (3 NAT gateways, one per AZ) and member-use1 (1 NAT gateway in us-east-1a) in us-east-1.
    assert _row(result.stdout, "us-east-1", "VPCs per Region")[3:] == ["5", "1", "2", "ok"]
    assert _row(result.stdout, "us-east-1", "EC2-VPC Elastic IPs")[3:] == ["5", "0", "4", "ok"]
    assert _row(result.stdout, "us-east-1a")[3:] == ["5", "0", "2", "ok"]
    assert _row(result.stdout, "us-east-1c")[3:] == ["5", "0", "1", "ok"]
    assert _row(result.stdout, "us-east-1", "EKS clusters per Region")[3:] == ["100", "0", "2", "ok"]
    assert _row(result.stdout, "us-west-2", "EC2-VPC Elastic IPs")[3:] == ["5", "0", "1", "ok"]
    assert result.stdout.rstrip().endswith("Ready to deploy (2 warning(s)).")


def test_blockers_are_listed_with_their_fixes(world):
    world.bootstrapped("us-east-1", version=14)
    world.not_bootstrapped("us-west-2")
    world.use_elastic_ips("us-east-1", 2)
    world.nat_gateway_in("us-east-1a")  # a third Elastic IP, and one NAT gateway in us-east-1a
    for _ in range(3):
        world.aws("ec2", "us-east-1").create_vpc(CidrBlock="10.50.0.0/16")
    world.default_quotas("us-east-1", nat_zones=3)
    world.default_quotas("us-west-2", nat_zones=1)
    result = world.invoke("preflight", "--profile", "deployer")
    assert result.exit_code == 3, result.output
    assert _row(result.stdout, "aws://123456789012/us-east-1")[2:] == ["version 14 < 21 required", "blocks"]
    assert _row(result.stdout, "aws://123456789012/us-west-2")[2:] == [
        "not bootstrapped: no CDKToolkit stack", "blocks"
    ]
    assert _row(result.stdout, "us-east-1", "VPCs per Region")[3:] == ["5", "4", "2", "blocks"]
    assert _row(result.stdout, "us-east-1", "EC2-VPC Elastic IPs")[3:] == ["5", "3", "4", "blocks"]
    assert _row(result.stdout, "us-east-1a")[3:] == ["5", "1", "2", "ok"]
    lines = result.stdout.splitlines()
    assert "   fix: upgrade it: npx cdk bootstrap aws://123456789012/us-east-1 --profile deployer" in lines
    assert "   fix: npx cdk bootstrap aws://123456789012/us-west-2 --profile deployer" in lines
    assert ("   fix: free 2 or raise the quota: aws service-quotas request-service-quota-increase --service-code ec2 "
            "--quota-code L-0263D0A3 --desired-value 7 --region us-east-1 --profile deployer") in lines
    assert ("2. BLOCKS aws://123456789012/us-west-2 CDK bootstrap: not bootstrapped: no CDKToolkit stack") in lines
    assert lines[-1] == "Not ready to deploy: 6 blocking problem(s)."  # 4 + the two unreachable APIs


def test_existing_clusters_are_updates_and_need_nothing(world, tmp_path):
    config = write_config(tmp_path / "c.yaml", "members: []\n")
    world.create_eks_cluster("karmada-parent")
    world.bootstrapped("us-east-1")
    world.expect_stack()  # the deployed parent names the Karmada API
    result = world.invoke("preflight", "--connect-later", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert "Service quotas" not in result.stdout  # nothing new to create, so no quota to check


def test_quota_defaults_when_none_is_applied(world, tmp_path):
    config = write_config(tmp_path / "c.yaml", "parent: {nat_gateways: 1}\nmembers: []\n")
    world.bootstrapped("us-east-1")
    world.quota("us-east-1", "vpc", "L-F678F1CE", 5, applied=False)
    world.quota("us-east-1", "ec2", "L-0263D0A3", 5)
    world.quota("us-east-1", "vpc", "L-FE5A380F", 5)
    world.quota("us-east-1", "eks", "L-1194D53C", 100)
    result = world.invoke("preflight", "--connect-later", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert _row(result.stdout, "us-east-1", "VPCs per Region")[3] == "5 (AWS default)"


def test_unreadable_quota_is_a_warning(world, tmp_path):
    config = write_config(tmp_path / "c.yaml", "parent: {nat_gateways: 1}\nmembers: []\n")
    world.bootstrapped("us-east-1")
    world.stub("service-quotas", "us-east-1").add_client_error(
        "get_service_quota", "AccessDeniedException", "not authorized", 400)
    world.quota("us-east-1", "ec2", "L-0263D0A3", 5)
    world.quota("us-east-1", "vpc", "L-FE5A380F", 5)
    world.quota("us-east-1", "eks", "L-1194D53C", 100)
    result = world.invoke("preflight", "--connect-later", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert _row(result.stdout, "us-east-1", "VPCs per Region")[-1] == "warning"
    assert "WARNING us-east-1 VPCs per Region: cannot read the quota (AccessDeniedException)" in result.stdout
    assert result.stdout.rstrip().endswith("Ready to deploy (3 warning(s)).")


def test_other_accounts_are_not_checked_with_these_credentials(world, tmp_path):
    config = write_config(tmp_path / "c.yaml", "\n".join([
        "members:",
        "  - {name: member-usw2, region: us-west-2, account: '210987654321', endpoint: {parent_access: public}}",
        "",
    ]))
    world.bootstrapped("us-east-1")
    world.default_quotas("us-east-1", nat_zones=3)
    result = world.invoke("preflight", "--connect-later", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert _row(result.stdout, "aws://210987654321/us-west-2")[-1] == "warning"
    assert "run preflight with credentials for account 210987654321" in result.stdout


def test_a_broken_bootstrap_stack_blocks(world, tmp_path):
    config = write_config(tmp_path / "c.yaml", "members: []\n")
    world.create_eks_cluster("karmada-parent")
    world.bootstrapped("us-east-1", status="ROLLBACK_COMPLETE")
    world.expect_stack()
    result = world.invoke("preflight", "-c", str(config))
    assert result.exit_code == 3
    assert "CDKToolkit is ROLLBACK_COMPLETE" in result.stdout


def test_a_higher_minimum_can_be_asked_for(world, tmp_path):
    config = write_config(tmp_path / "c.yaml", "members: []\n")
    world.create_eks_cluster("karmada-parent")
    world.bootstrapped("us-east-1", version=30)
    world.expect_stack()
    result = world.invoke("preflight", "-c", str(config), "--min-bootstrap-version", "31")
    assert result.exit_code == 3
    assert "version 30 < 31 required" in result.stdout


def test_access_denied_is_one_line(world):
    world.stub("cloudformation", "us-east-1").add_client_error(
        "describe_stacks", "AccessDenied",
        "User: arn:aws:sts::123456789012:user/moto is not authorized to perform: cloudformation:DescribeStacks", 403)
    world.bootstrapped("us-west-2")
    world.default_quotas("us-east-1", nat_zones=3)
    world.default_quotas("us-west-2", nat_zones=1)
    result = world.invoke("preflight")
    assert result.exit_code == 3
    assert ("cannot check: DescribeStacks failed: AccessDenied: User: arn:aws:sts::123456789012:user/moto is not "
            "authorized to perform: cloudformation:DescribeStacks; your IAM identity lacks this permission"
            ) in result.stdout


# ---- pinned versions: EKS add-on builds per region, images in private ECR ----------------------------


def test_every_pinned_addon_build_is_checked_in_each_region_it_installs_to(world):
    _ready_default(world)
    result = world.invoke("preflight", "--connect-later")
    assert result.exit_code == 0, result.output
    # The parent's region gets all three; the Pod Identity agent also goes to member-usw2's region.
    assert _row(result.stdout, "add-on", "vpc-cni", "us-east-1")[3:] == ["v1.21.2-eksbuild.2", "built for 1.35", "ok"]
    assert _row(result.stdout, "add-on", "aws-ebs-csi-driver", "us-east-1")[5] == "ok"
    assert _row(result.stdout, "add-on", "eks-pod-identity-agent", "us-west-2")[3:] == [
        "v1.3.10-eksbuild.1", "built for 1.35", "ok"]
    with pytest.raises(AssertionError):
        _row(result.stdout, "add-on", "vpc-cni", "us-west-2")
    # metrics-server goes to the members (new ones install it by default), not to the parent.
    assert _row(result.stdout, "add-on", "metrics-server", "us-west-2")[3:] == [
        "v0.9.0-eksbuild.6", "built for 1.35", "ok"]
    # public.ecr.aws has no AWS API for another owner's images: listed, not a problem.
    assert _row(result.stdout, "image", "aws-load-balancer-controller")[2:] == [
        "public.ecr.aws", "v3.2.2", "not checked", "-"]


def test_an_addon_build_missing_in_one_region_blocks_with_the_valid_builds(world):
    _ready_default(world)
    world.addon_catalog["us-west-2"] = {"eks-pod-identity-agent": ["v1.3.11-eksbuild.2", "v1.3.9-eksbuild.1"]}
    result = world.invoke("preflight")
    assert result.exit_code == 3, result.output
    assert _row(result.stdout, "add-on", "eks-pod-identity-agent", "us-west-2")[4:] == [
        "not built for 1.35", "blocks"]
    assert _row(result.stdout, "add-on", "eks-pod-identity-agent", "us-east-1")[5] == "ok"
    lines = result.stdout.splitlines()
    assert "1. BLOCKS us-west-2 add-on eks-pod-identity-agent v1.3.10-eksbuild.1: not built for 1.35" in lines
    assert "   fix: set parent.addons.pod_identity_agent to one of: v1.3.11-eksbuild.2, v1.3.9-eksbuild.1" in lines


def test_a_kubernetes_version_no_build_supports_names_none(world, tmp_path):
    _ready_default(world)
    world.addon_catalog["us-east-1"] = {}
    result = world.invoke("preflight")
    assert result.exit_code == 3
    assert "   fix: set parent.addons.vpc_cni to one of: none" in result.stdout.splitlines()


ECR_MIRROR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/aws-load-balancer-controller"


def _with_controller_repository(tmp_path, repository: str):
    return write_config(tmp_path / "c.yaml",
                        f"parent:\n  addons:\n    load_balancer_controller_repository: {repository}\n")


def _ready_parent_only(world) -> None:
    world.bootstrapped("us-east-1")
    world.default_quotas("us-east-1", nat_zones=3)


def test_a_private_ecr_mirror_must_hold_the_controller_tag(world, tmp_path):
    _ready_parent_only(world)
    config = _with_controller_repository(tmp_path, ECR_MIRROR)
    world.aws("ecr", "us-east-1").create_repository(repositoryName="mirror/aws-load-balancer-controller")
    result = world.invoke("preflight", "-c", str(config))
    assert result.exit_code == 3, result.output
    assert _row(result.stdout, "image", "aws-load-balancer-controller")[2:] == [
        "us-east-1", "v3.2.2", "tag not found", "blocks"]
    assert f"   fix: push {ECR_MIRROR}:v3.2.2 or correct parent.addons.load_balancer_controller_repository" in (
        result.stdout.splitlines())


def test_a_private_ecr_mirror_holding_the_tag_passes(world, tmp_path):
    _ready_parent_only(world)
    config = _with_controller_repository(tmp_path, ECR_MIRROR)
    ecr = world.aws("ecr", "us-east-1")
    ecr.create_repository(repositoryName="mirror/aws-load-balancer-controller")
    manifest = ('{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", '
                '"config": {}, "layers": []}')
    ecr.put_image(repositoryName="mirror/aws-load-balancer-controller", imageManifest=manifest, imageTag="v3.2.2")
    result = world.invoke("preflight", "--connect-later", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert _row(result.stdout, "image", "aws-load-balancer-controller")[4:] == ["image found", "ok"]
