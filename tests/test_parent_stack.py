"""Fine-grained checks of the KarmadaParent template: each states a property the platform relies on."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Match, Template


@pytest.fixture(scope="module")
def parent(synthesized) -> Template:
    return Template.from_json(synthesized.templates["KarmadaParent"])


def test_vpc_spans_the_three_configured_azs(parent, default_config):
    subnets = parent.find_resources("AWS::EC2::Subnet")
    azs = {s["Properties"]["AvailabilityZone"] for s in subnets.values()}
    assert azs == set(default_config.parent.availability_zones)
    parent.resource_count_is("AWS::EC2::NatGateway", 3)
    parent.has_resource_properties("AWS::EC2::FlowLog",
                                   {"TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"})
    parent.has_resource_properties("AWS::Logs::LogGroup", {"KmsKeyId": Match.any_value(), "RetentionInDays": 90})


def test_subnets_are_tagged_for_load_balancers(parent):
    subnets = parent.find_resources("AWS::EC2::Subnet")
    roles = sorted(
        tag["Key"] for s in subnets.values() for tag in s["Properties"]["Tags"]
                   if tag["Key"].startswith("kubernetes.io/role")
    )
    assert roles == ["kubernetes.io/role/elb"] * 3 + ["kubernetes.io/role/internal-elb"] * 3


def test_cluster_is_encrypted_logged_private_and_uses_access_entries(parent):
    parent.has_resource_properties(
        "AWS::EKS::Cluster",
        {
            "Name": "karmada-parent",
            "Version": "1.35",
            "AccessConfig": {"AuthenticationMode": "API"},
            "EncryptionConfig": [{"Provider": {"KeyArn": Match.any_value()}, "Resources": ["secrets"]}],
            "Logging": {"ClusterLogging": {"EnabledTypes": Match.array_with([{"Type": "api"}, {"Type": "audit"}])}},
            "ResourcesVpcConfig": Match.object_like({"EndpointPrivateAccess": True, "EndpointPublicAccess": False}),
            "ComputeConfig": {"Enabled": False},
        },
    )
    keys = parent.find_resources("AWS::KMS::Key")
    assert keys and all(k["Properties"]["EnableKeyRotation"] for k in keys.values())


def test_node_group_spans_private_subnets_with_hardened_launch_template(parent, default_config):
    groups = parent.find_resources("AWS::EKS::Nodegroup")
    (group,) = groups.values()
    props = group["Properties"]
    assert len(props["Subnets"]) == 3
    assert props["ScalingConfig"] == {"MinSize": 3, "DesiredSize": 3, "MaxSize": 6}
    assert props["AmiType"] == "AL2023_x86_64_STANDARD"
    parent.has_resource_properties(
        "AWS::EC2::LaunchTemplate",
        {
            "LaunchTemplateData": Match.object_like(
                {
                    "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1},
                    "BlockDeviceMappings": [
                        {
                            "DeviceName": "/dev/xvda",
                            "Ebs": {"Encrypted": True, "VolumeSize": 50, "VolumeType": "gp3",
                                    "DeleteOnTermination": True},
                        }
                    ],
                }
            )
        },
    )


def test_ebs_csi_driver_is_pinned_and_uses_pod_identity(parent, default_config):
    parent.has_resource_properties(
        "AWS::EKS::Addon",
        {
            "AddonName": "aws-ebs-csi-driver",
            "AddonVersion": default_config.parent.addons.ebs_csi_driver,
            "PodIdentityAssociations": [{"RoleArn": Match.any_value(), "ServiceAccount": "ebs-csi-controller-sa"}],
        },
    )
    parent.has_resource_properties(
        "AWS::EKS::Addon",
        {"AddonName": "eks-pod-identity-agent", "AddonVersion": default_config.parent.addons.pod_identity_agent},
    )
    parent.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {"Action": ["sts:AssumeRole", "sts:TagSession"],
                         "Principal": {"Service": "pods.eks.amazonaws.com"}}
                    )
                ]
            }
        },
    )


def test_nlb_passes_tls_through_to_ip_targets_with_readyz_health_check(parent):
    parent.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer", {"Type": "network", "Scheme": "internal"}
    )
    parent.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener", {"Port": 443, "Protocol": "TCP"}
    )
    parent.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "TargetType": "ip",
            "Port": 5443,
            "Protocol": "TCP",
            "HealthCheckProtocol": "HTTPS",
            "HealthCheckPath": "/readyz",
        },
    )


def test_nlb_security_group_admits_only_the_vpc_by_default(parent):
    groups = parent.find_resources(
        "AWS::EC2::SecurityGroup", {"Properties": {"GroupDescription": Match.string_like_regexp("Karmada API NLB")}}
    )
    (group,) = groups.values()
    ingress = group["Properties"]["SecurityGroupIngress"]
    assert [(r["CidrIp"], r["FromPort"], r["ToPort"]) for r in ingress] == [("10.0.0.0/16", 443, 443)]
    # And the NLB may reach the API server pods on their port only.
    parent.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress", {"IpProtocol": "tcp", "FromPort": 5443, "ToPort": 5443}
    )


def test_outputs_give_endpoint_cluster_and_kubeconfig_command(parent):
    outputs = parent.to_json()["Outputs"]
    assert outputs["ParentKubeconfigCommand"]["Value"] == (
        "aws eks update-kubeconfig --region us-east-1 --name karmada-parent")
    assert "KarmadaApiEndpoint" in outputs and "ParentClusterName" in outputs


def test_public_endpoint_and_internet_facing_nlb_follow_config(tmp_path):
    import copy

    import yaml

    from eks_karmada.config import DEFAULT_CONFIG_PATH, parse_config
    from tests.synth import synthesize

    data = copy.deepcopy(yaml.safe_load(DEFAULT_CONFIG_PATH.read_text()))
    data["parent"]["endpoint"]["public_cidrs"] = ["203.0.113.0/24"]
    data["api_endpoint"].update(scheme="internet-facing", allowed_cidrs=["198.51.100.7/32"])
    data["members"] = []
    result = synthesize(parse_config(data), tmp_path)
    template = Template.from_json(result.templates["KarmadaParent"])
    template.has_resource_properties(
        "AWS::EKS::Cluster",
        {"ResourcesVpcConfig": Match.object_like(
            {"EndpointPublicAccess": True, "EndpointPrivateAccess": True, "PublicAccessCidrs": ["203.0.113.0/24"]}
        )},
    )
    template.has_resource_properties("AWS::ElasticLoadBalancingV2::LoadBalancer", {"Scheme": "internet-facing"})
    template.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        {"SecurityGroupIngress": Match.array_with([Match.object_like({"CidrIp": "198.51.100.7/32", "FromPort": 443})])},
    )


def test_ebs_csi_role_is_v2_and_assumable_only_by_this_clusters_controller(synthesized):
    template = synthesized.templates["KarmadaParent"]
    roles = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Role"
             and r["Properties"].get("Description") == "EBS CSI driver controller (Pod Identity)"]
    assert len(roles) == 1
    role = roles[0]
    assert role["ManagedPolicyArns"] == [{"Fn::Join": ["", [
        "arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/AmazonEBSCSIDriverPolicyV2"]]}]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert statement["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    equals = statement["Condition"]["StringEquals"]
    assert equals["aws:RequestTag/kubernetes-namespace"] == "kube-system"
    assert equals["aws:RequestTag/kubernetes-service-account"] == "ebs-csi-controller-sa"
    assert equals["aws:SourceAccount"] == {"Ref": "AWS::AccountId"} or equals["aws:SourceAccount"].isdigit()
    cluster_arn = statement["Condition"]["ArnEquals"]["aws:SourceArn"]
    assert equals["aws:RequestTag/eks-cluster-arn"] == cluster_arn
    assert "Fn::GetAtt" in cluster_arn and cluster_arn["Fn::GetAtt"][1] == "Arn"
