"""Hardened defaults, held in every template.

Hardened defaults, held in every template: customer managed keys that rotate, logs that expire and go with their stack,
least-privilege IAM, enforced NetworkPolicies, nothing open to the internet by default.
"""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

STACKS_WITH_CLUSTERS = ("KarmadaParent", "KarmadaMember-member-use1", "KarmadaMember-member-usw2")


def _resources(template: dict, type_: str) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def test_every_kms_key_rotates(synthesized):
    keys = {f"{s}/{k}": v for s, t in synthesized.templates.items() for k, v in _resources(t, "AWS::KMS::Key").items()}
    assert keys
    assert [k for k, v in keys.items() if not v["Properties"].get("EnableKeyRotation")] == []


AUDIT_LOG_GROUP = "/eks-karmada/karmada-parent/karmada-apiserver/audit"


def test_every_log_group_is_encrypted_with_a_customer_key_expires_and_goes_with_its_stack(synthesized):
    """Every log group but the Karmada API's audit log, which outlives the stack (below)."""
    groups = 0
    for stack, template in synthesized.templates.items():
        keys = set(_resources(template, "AWS::KMS::Key"))
        for logical_id, group in _resources(template, "AWS::Logs::LogGroup").items():
            props = group["Properties"]
            where = f"{stack}/{logical_id}"
            assert props.get("KmsKeyId", {}).get("Fn::GetAtt", [None])[0] in keys, where
            if props.get("LogGroupName") == AUDIT_LOG_GROUP:
                continue
            assert props.get("RetentionInDays") == 90, where
            assert group.get("DeletionPolicy") == "Delete", where
            groups += 1
    assert groups >= 20


def test_the_audit_log_keeps_a_year_under_its_own_key_and_outlives_the_parent(synthesized):
    template = synthesized.templates["KarmadaParent"]
    ((_, group),) = [(k, v) for k, v in _resources(template, "AWS::Logs::LogGroup").items()
                     if v["Properties"].get("LogGroupName") == AUDIT_LOG_GROUP]
    key_id = group["Properties"]["KmsKeyId"]["Fn::GetAtt"][0]
    key = _resources(template, "AWS::KMS::Key")[key_id]
    assert group["Properties"]["RetentionInDays"] == 365  # karmada.audit_log.retention_days' default
    assert group["DeletionPolicy"] == key["DeletionPolicy"] == "Retain"
    (statement,) = [s for s in key["Properties"]["KeyPolicy"]["Statement"]
                    if s.get("Principal", {}).get("Service") == "logs.us-east-1.amazonaws.com"]
    # This group only, not every group of the account (the stack's shared logs key admits those).
    (condition,) = statement["Condition"]["ArnEquals"].values()
    assert json.dumps(condition).endswith(f':log-group:{AUDIT_LOG_GROUP}"]]}}'), condition


def test_the_logs_key_admits_cloudwatch_logs_for_this_accounts_log_groups_only(synthesized):
    template = Template.from_json(synthesized.templates["KarmadaParent"])
    template.has_resource_properties("AWS::KMS::Key", {"KeyPolicy": {"Statement": Match.array_with([Match.object_like({
        "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
        "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": {"Fn::Join": ["", [
            "arn:aws:logs:us-east-1:", {"Ref": "AWS::AccountId"}, ":log-group:*"]]}}},
    })])}})


@pytest.mark.parametrize("stack", STACKS_WITH_CLUSTERS)
def test_eks_control_plane_logs_land_in_a_group_made_ready_before_the_cluster(synthesized, stack):
    template = synthesized.templates[stack]
    (cluster_id, cluster), = _resources(template, "AWS::EKS::Cluster").items()
    name = cluster["Properties"]["Name"]
    ready = [k for k, v in _resources(template, "Custom::AWS").items()
             if f"/aws/eks/{name}/cluster" in json.dumps(v["Properties"]["Create"])]
    # Created (or adopted) with the stack's key and retention before the cluster, so EKS writes into it
    # instead of creating an unencrypted one that never expires (tests/test_deploy_and_teardown.py).
    assert len(ready) == 3 and set(ready) <= set(cluster["DependsOn"])


def test_etcd_volumes_use_a_customer_key_the_csi_driver_may_use_only_through_ec2(synthesized):
    template = Template.from_json(synthesized.templates["KarmadaParent"])
    template.has_resource_properties("AWS::IAM::Policy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Sid": "VolumeKeyGrantsForEbs", "Action": ["kms:CreateGrant", "kms:ListGrants",
                                                                      "kms:RevokeGrant"],
                           "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
                           "Resource": {"Fn::GetAtt": [Match.string_like_regexp("^EbsCsiDriverVolumeKey"), "Arn"]}}),
        Match.object_like({"Sid": "VolumeKeyDataKeysThroughEc2",
                           "Condition": {"StringEquals": {"kms:ViaService": "ec2.us-east-1.amazonaws.com"}}}),
    ])}})
    (storage_class,) = [o for o in synthesized.manifests["parent"] if o["kind"] == "StorageClass"]
    assert storage_class["parameters"]["kmsKeyId"] == "${Ebs.VolumeKeyArn}"


def test_no_iam_statement_grants_a_wildcard_action_and_star_resources_only_for_list_calls(synthesized):
    """Least privilege, held in every template.

    Least privilege: no `*` or `service:*` actions; Resource `*` only for calls with no resource-level permissions
    (Describe/List), except the AWS Load Balancer Controller's published policy (acknowledged), and
    cloudwatch:PutMetricData (no resource type) held to one namespace by its condition.
    """
    star_actions = set()
    namespaced = []
    for stack, template in synthesized.templates.items():
        for logical_id, resource in template["Resources"].items():
            if resource["Type"] == "AWS::IAM::Policy":
                documents = [resource["Properties"]["PolicyDocument"]]
            elif resource["Type"] == "AWS::IAM::Role":
                documents = [p["PolicyDocument"] for p in resource["Properties"].get("Policies", [])]
            else:
                continue
            for statement in (s for d in documents for s in d["Statement"] if s["Effect"] == "Allow"):
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                assert not [a for a in actions if "*" in a], f"{stack}/{logical_id}: {actions}"
                resources = (statement["Resource"] if isinstance(statement["Resource"], list)
                             else [statement["Resource"]])
                if actions == ["cloudwatch:PutMetricData"]:
                    namespaced.append(statement.get("Condition", {}).get("StringEquals", {}).get(
                        "cloudwatch:namespace"))
                elif "*" in resources and "AlbController" not in logical_id:
                    star_actions |= set(actions)
    assert star_actions and all(a.split(":")[1].startswith(("Describe", "List", "Get")) for a in star_actions), (
        sorted(star_actions))
    assert namespaced == ["EKSKarmada/EtcdBackup"]


def test_network_policies_are_enforced_on_the_parent(synthesized, default_config):
    template = Template.from_json(synthesized.templates["KarmadaParent"])
    template.has_resource_properties("AWS::EKS::Addon", {
        "AddonName": "vpc-cni",
        "AddonVersion": default_config.parent.addons.vpc_cni,
        "ConfigurationValues": json.dumps({"enableNetworkPolicy": "true"}, separators=(",", ":")),
        "ResolveConflicts": "OVERWRITE",
        "PreserveOnDelete": True,
    })
    policies = {o["metadata"]["name"] for o in synthesized.manifests["parent"] if o["kind"] == "NetworkPolicy"}
    assert {"default-deny-ingress", "etcd", "karmada-apiserver", "karmada-webhook"} <= policies
    (apiserver,) = [o for o in synthesized.manifests["parent"]
                    if o["kind"] == "NetworkPolicy" and o["metadata"]["name"] == "karmada-apiserver"]
    # The NLB's and the handlers' subnets (tests/test_apiserver_network_policy.py), never the whole VPC.
    blocks = [p["ipBlock"]["cidr"] for p in apiserver["spec"]["ingress"][0]["from"] if "ipBlock" in p]
    assert blocks and default_config.parent.vpc_cidr not in blocks


def test_apiserver_checks_service_account_tokens_against_the_api(synthesized):
    (apiserver,) = [o for o in synthesized.manifests["parent"]
                    if o["kind"] == "Deployment" and o["metadata"]["name"] == "karmada-apiserver"]
    assert "--service-account-lookup=true" in apiserver["spec"]["template"]["spec"]["containers"][0]["command"]


def test_nothing_is_open_to_the_internet_by_default(synthesized):
    for stack, template in synthesized.templates.items():
        for logical_id, group in _resources(template, "AWS::EC2::SecurityGroup").items():
            for rule in group["Properties"].get("SecurityGroupIngress", []):
                assert rule.get("CidrIp") != "0.0.0.0/0" and rule.get("CidrIpv6") != "::/0", f"{stack}/{logical_id}"
        for logical_id, rule in _resources(template, "AWS::EC2::SecurityGroupIngress").items():
            assert rule["Properties"].get("CidrIp") != "0.0.0.0/0", f"{stack}/{logical_id}"
        for cluster in _resources(template, "AWS::EKS::Cluster").values():
            vpc_config = cluster["Properties"]["ResourcesVpcConfig"]
            # A public endpoint (members: for the parent's NAT addresses) always lists its CIDRs.
            if vpc_config["EndpointPublicAccess"]:
                assert vpc_config.get("PublicAccessCidrs") and "0.0.0.0/0" not in json.dumps(vpc_config), stack
        for nlb in _resources(template, "AWS::ElasticLoadBalancingV2::LoadBalancer").values():
            assert nlb["Properties"]["Scheme"] == "internal", stack


def test_the_flow_log_keys_admit_cloudwatch_logs_only_for_this_accounts_log_groups(synthesized):
    """The encryption context must name a log group of this account and region (no bare service grant)."""
    found = 0
    for name, template in synthesized.templates.items():
        for resource in template["Resources"].values():
            if resource["Type"] != "AWS::KMS::Key" or "VPC flow logs" not in resource["Properties"]["Description"]:
                continue
            found += 1
            statements = [s for s in resource["Properties"]["KeyPolicy"]["Statement"]
                          if "logs." in json.dumps(s.get("Principal", {}))]
            assert len(statements) == 1, name
            condition = statements[0]["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
            assert ":log-group:*" in json.dumps(condition), name
    assert found >= 2
