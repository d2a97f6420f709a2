"""EtcdBackup / BackupBucket: the bucket, the Pod Identity role and association, on a stack of their own."""

from __future__ import annotations

import json

import pytest
from aws_cdk import Validations
from aws_cdk.assertions import Template
from cfnlint.api import ManualArgs, lint

from karmada_constructs.backup_bucket import BackupBucketProps
from tests.backup.k8s_checks import pod_spec, validate_strict
from tests.backup.stack import CLUSTER_NAME, REGION, STACK_NAME, synthesize_backup

PREFIX = f"etcd-snapshots/{CLUSTER_NAME}/"


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    return synthesize_backup(tmp_path_factory.mktemp("backup-cdk.out"), retention_days=14)


@pytest.fixture(scope="module")
def template(synth) -> Template:
    return Template.from_json(synth.template)


def _buckets(template: Template) -> tuple[dict, dict]:
    buckets = template.find_resources("AWS::S3::Bucket")
    backup = next(v for k, v in buckets.items() if "StorageBucket" in k)
    logs = next(v for k, v in buckets.items() if "AccessLogs" in k)
    return backup["Properties"], logs["Properties"]


def _logical_id(template: Template, type_: str, fragment: str) -> str:
    return next(k for k in template.find_resources(type_) if fragment in k)


def test_backup_bucket_is_kms_encrypted_versioned_private_and_logged(template):
    backup, _ = _buckets(template)
    (rule,) = backup["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    key_id = _logical_id(template, "AWS::KMS::Key", "StorageKey")
    assert rule == {
        "BucketKeyEnabled": True,
        "ServerSideEncryptionByDefault": {"KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]}, "SSEAlgorithm": "aws:kms"},
    }
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    assert backup["VersioningConfiguration"] == {"Status": "Enabled"}
    assert backup["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert backup["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    log_id = _logical_id(template, "AWS::S3::Bucket", "AccessLogs")
    assert backup["LoggingConfiguration"] == {"DestinationBucketName": {"Ref": log_id},
                                              "LogFilePrefix": "backup-bucket/"}


def test_snapshots_expire_after_the_configured_days(template):
    backup, _ = _buckets(template)
    rules = {r["Id"]: r for r in backup["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-snapshots"]["Prefix"] == "etcd-snapshots/"
    assert rules["expire-snapshots"]["ExpirationInDays"] == 14
    assert rules["expire-snapshots"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert rules["abort-incomplete-uploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}


def test_log_bucket_is_itself_encrypted_private_and_expiring(template):
    _, logs = _buckets(template)
    assert logs["BucketEncryption"]["ServerSideEncryptionConfiguration"] == [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
    ]
    assert all(logs["PublicAccessBlockConfiguration"].values())
    assert logs["VersioningConfiguration"] == {"Status": "Enabled"}
    assert logs["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 365


def test_both_buckets_deny_requests_without_tls(template):
    policies = template.find_resources("AWS::S3::BucketPolicy")
    assert len(policies) == 2
    for policy in policies.values():
        statements = policy["Properties"]["PolicyDocument"]["Statement"]
        tls = [s for s in statements if s["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(s)]
        assert tls and tls[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        assert tls[0]["Principal"] == {"AWS": "*"} and tls[0]["Action"] == "s3:*"
        assert any(s.get("Condition", {}).get("NumericLessThan", {}).get("s3:TlsVersion") == 1.2 for s in statements)


def test_backups_are_retained_when_the_stack_goes(synth):
    resources = synth.template["Resources"]
    # The bucket policies too: a kept bucket stays TLS-only.
    for type_ in ("AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::KMS::Key"):
        assert all(r["DeletionPolicy"] == "Retain" for r in resources.values() if r["Type"] == type_)


def test_role_trusts_only_pod_identity_for_this_service_account(template):
    (role,) = template.find_resources("AWS::IAM::Role").values()
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert sorted(statement["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
    assert statement["Condition"] == {
        "StringEquals": {
            "aws:RequestTag/eks-cluster-name": CLUSTER_NAME,
            "aws:RequestTag/kubernetes-namespace": "karmada-system",
            "aws:RequestTag/kubernetes-service-account": "etcd-backup",
        }
    }
    assert "ManagedPolicyArns" not in role["Properties"]


def test_role_may_only_put_get_and_list_this_clusters_snapshots(template):
    (policy,) = template.find_resources("AWS::IAM::Policy").values()
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert set(statements) == {"SnapshotObjects", "ListSnapshots", "SnapshotKeyThroughS3"}
    assert all(s["Effect"] == "Allow" for s in statements.values())
    bucket_id = _logical_id(template, "AWS::S3::Bucket", "StorageBucket")
    key_id = _logical_id(template, "AWS::KMS::Key", "StorageKey")

    objects = statements["SnapshotObjects"]
    assert sorted(objects["Action"]) == ["s3:GetObject", "s3:PutObject"]
    assert objects["Resource"] == {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, f"/{PREFIX}*"]]}

    listing = statements["ListSnapshots"]
    assert listing["Action"] == "s3:ListBucket" and listing["Resource"] == {"Fn::GetAtt": [bucket_id, "Arn"]}
    assert listing["Condition"] == {"StringLike": {"s3:prefix": [PREFIX, f"{PREFIX}*"]}}

    kms = statements["SnapshotKeyThroughS3"]
    assert sorted(kms["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}


def test_pod_identity_association_binds_the_service_account(template):
    role_id = _logical_id(template, "AWS::IAM::Role", "Role")
    template.has_resource_properties(
        "AWS::EKS::PodIdentityAssociation",
        {
            "ClusterName": CLUSTER_NAME,
            "Namespace": "karmada-system",
            "ServiceAccount": "etcd-backup",
            "RoleArn": {"Fn::GetAtt": [role_id, "Arn"]},
            "DisableSessionTags": False,
        },
    )


def test_manifest_waits_for_the_association(synth):
    resources = synth.template["Resources"]
    (manifest_id,) = [k for k, v in resources.items() if v["Type"] == "Custom::AWSCDK-EKS-KubernetesResource"]
    association = _logical_id(Template.from_json(synth.template), "AWS::EKS::PodIdentityAssociation", "PodIdentity")
    assert association in resources[manifest_id]["DependsOn"]


def test_bucket_name_is_a_stack_output(template):
    bucket_id = _logical_id(template, "AWS::S3::Bucket", "StorageBucket")
    template.has_output("EtcdBackupBucketName", {"Value": {"Ref": bucket_id}})


def test_rendered_manifest_names_the_bucket_and_region_readably(synth):
    objects = synth.manifests["parent"]
    assert [o["kind"] for o in objects] == ["ServiceAccount", "Certificate", "NetworkPolicy", "NetworkPolicy",
                                            "CronJob"]
    cronjob = objects[-1]
    env = {e["name"]: e["value"] for e in pod_spec(cronjob)["containers"][0]["env"]}
    assert env["BUCKET"] == "${EtcdBackup.BucketName}"
    assert env["AWS_REGION"] == REGION
    assert validate_strict(objects) == 4


def test_cdk_nag_is_clean_and_every_acknowledgement_is_specific(synth):
    violations = [v for p in synth.report["pluginReports"] for v in p.get("violations", [])]
    assert violations == []
    acknowledged = [
        (construct.node.path, rule.removeprefix("Annotation::"), reason)  # how cdk-nag records them
        for construct in synth.backup.node.find_all()
        for entry in construct.node.metadata
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for rule, reason in entry.data.items()
    ]
    bucket = _logical_id(Template.from_json(synth.template), "AWS::S3::Bucket", "StorageBucket")
    assert {rule for _, rule, _ in acknowledged} == {f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/{PREFIX}*]"}
    assert all(len(reason) >= 80 for _, _, reason in acknowledged)


def test_cdk_nag_would_fail_synth_without_the_acknowledgements(tmp_path, monkeypatch):
    """Proves the checks above are not vacuous: AwsSolutions runs on this app and fails synth."""
    import karmada_constructs.etcd_backup as etcd_backup

    monkeypatch.setattr(etcd_backup, "acknowledge", lambda *args, **kwargs: None)
    with pytest.raises(Exception, match="ValidationFailed"):
        synthesize_backup(tmp_path)
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {v["ruleName"] for p in report["pluginReports"] for v in p.get("violations", [])}
    assert {r.split("[")[0] for r in rules} == {"AwsSolutions-IAM5"}, rules


def test_cfn_lint_finds_nothing(synth):
    matches = lint(json.dumps(synth.template), regions=[REGION], config=ManualArgs(regions=[REGION]))
    assert [f"{m.rule.id} {m.message}" for m in matches if not m.rule.id.startswith("I")] == []


def test_bucket_props_are_validated():
    with pytest.raises(ValueError):
        BackupBucketProps(prefix="etcd-snapshots", retention_days=7)
    with pytest.raises(ValueError):
        BackupBucketProps(prefix="etcd-snapshots/", retention_days=0)


def test_stack_name_is_stable(synth):
    assert synth.stack.stack_name == STACK_NAME


def test_with_an_upload_metric_the_role_may_put_metric_data_in_its_namespace_only(tmp_path):
    from charts.etcd_backup import UploadMetric

    metric = UploadMetric(namespace="EKSKarmada/EtcdBackup", name="SnapshotsUploaded", dimension="ClusterName")
    synth = synthesize_backup(tmp_path, upload_metric=metric)
    (policy,) = Template.from_json(synth.template).find_resources("AWS::IAM::Policy").values()
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert statements["CountUploads"] == {
        "Sid": "CountUploads", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
        "Condition": {"StringEquals": {"cloudwatch:namespace": "EKSKarmada/EtcdBackup"}},
    }
    assert [v for p in synth.report["pluginReports"] for v in p.get("violations", [])] == []
    env = {e["name"]: e["value"] for e in pod_spec(synth.manifests["parent"][-1])["containers"][0]["env"]}
    assert env["METRIC_DIMENSIONS"] == f"ClusterName={CLUSTER_NAME}"
