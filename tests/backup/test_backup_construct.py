"""EtcdBackup / BackupBucket: the bucket, the Pod Identity role and association, on a stack of their own."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Validations
from aws_cdk.assertions import Template
from cfnlint.api import ManualArgs, lint

from karmada_constructs.backup_bucket import BackupBucketProps
from tests.backup.k8s_checks import pod_spec, validate_strict
from tests.backup.stack import CLUSTER_NAME, REGION, STACK_NAME, synthesize_backup
from tests.pod_identity import assert_pod_identity_trust

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
    # An overwritten or expired version stays recoverable for a month (the default), not a day.
    assert rules["expire-snapshots"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 30}
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


def _role(template: Template, fragment: str) -> tuple[str, Any]:
    """(logical id, resource) of the backup ("EtcdBackupRole") or restore ("EtcdBackupRestoreRole") role."""
    return next((k, v) for k, v in template.find_resources("AWS::IAM::Role").items() if k.startswith(fragment))


def _statements(template: Template, role_id: str) -> dict[str, dict]:
    (policy,) = [p for p in template.find_resources("AWS::IAM::Policy").values()
                 if p["Properties"]["Roles"] == [{"Ref": role_id}]]
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


@pytest.mark.parametrize(("fragment", "service_account"), [("EtcdBackupRole", "etcd-backup"),
                                                           ("EtcdBackupRestoreRole", "etcd-restore")])
def test_each_role_trusts_only_pod_identity_for_its_service_account(template, fragment, service_account):
    _, role = _role(template, fragment)
    assert_pod_identity_trust(role, account="111122223333",
                              cluster_arn=f"arn:aws:eks:us-east-1:111122223333:cluster/{CLUSTER_NAME}",
                              namespace="karmada-system", service_account=service_account)
    assert "ManagedPolicyArns" not in role["Properties"]


def test_backup_role_may_only_put_this_clusters_snapshots(template):
    """Write-once: no read, no list, no delete, no retention or lifecycle change (item 14 of issue 13)."""
    statements = _statements(template, _role(template, "EtcdBackupRole")[0])
    assert set(statements) == {"SnapshotObjects", "SnapshotKeyThroughS3"}
    assert all(s["Effect"] == "Allow" for s in statements.values())
    bucket_id = _logical_id(template, "AWS::S3::Bucket", "StorageBucket")
    key_id = _logical_id(template, "AWS::KMS::Key", "StorageKey")

    objects = statements["SnapshotObjects"]
    assert objects["Action"] == "s3:PutObject"
    assert objects["Resource"] == {"Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, f"/{PREFIX}*"]]}

    kms = statements["SnapshotKeyThroughS3"]
    assert sorted(kms["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert kms["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert kms["Condition"] == {"StringEquals": {"kms:ViaService": f"s3.{REGION}.amazonaws.com"}}


def test_restore_role_may_only_read_and_list_this_clusters_snapshots(template):
    statements = _statements(template, _role(template, "EtcdBackupRestoreRole")[0])
    assert set(statements) == {"ReadSnapshots", "ListSnapshots", "SnapshotKeyThroughS3"}
    bucket_id = _logical_id(template, "AWS::S3::Bucket", "StorageBucket")
    assert sorted(statements["ReadSnapshots"]["Action"]) == ["s3:GetObject", "s3:GetObjectVersion"]
    assert statements["ReadSnapshots"]["Resource"] == {
        "Fn::Join": ["", [{"Fn::GetAtt": [bucket_id, "Arn"]}, f"/{PREFIX}*"]]}
    listing = statements["ListSnapshots"]
    assert sorted(listing["Action"]) == ["s3:ListBucket", "s3:ListBucketVersions"]
    assert listing["Resource"] == {"Fn::GetAtt": [bucket_id, "Arn"]}
    assert listing["Condition"] == {"StringLike": {"s3:prefix": [PREFIX, f"{PREFIX}*"]}}
    assert statements["SnapshotKeyThroughS3"]["Action"] == "kms:Decrypt"


DESTRUCTIVE = ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:PutObjectLegalHold",
               "s3:BypassGovernanceRetention", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning",
               "s3:PutBucketObjectLockConfiguration", "s3:PutBucketPolicy", "s3:DeleteBucket")


RESTORE_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"]


@pytest.mark.parametrize(("fragment", "allowed"), [("EtcdBackupRole", ["s3:PutObject"]),
                                                   ("EtcdBackupRestoreRole", RESTORE_ACTIONS)])
def test_bucket_policy_denies_each_role_everything_else(template, fragment, allowed):
    """Even a policy attached to the role later cannot let it delete, unlock or expire snapshots."""
    role_id, _ = _role(template, fragment)
    bucket_id = _logical_id(template, "AWS::S3::Bucket", "StorageBucket")
    (policy,) = [p for p in template.find_resources("AWS::S3::BucketPolicy").values()
                 if p["Properties"]["Bucket"] == {"Ref": bucket_id}]
    (deny,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"]
               if s.get("Condition") == {"ArnEquals": {"aws:PrincipalArn": {"Fn::GetAtt": [role_id, "Arn"]}}}]
    assert deny["Effect"] == "Deny" and deny["Principal"] == {"AWS": "*"}
    not_actions = deny["NotAction"] if isinstance(deny["NotAction"], list) else [deny["NotAction"]]
    assert sorted(not_actions) == allowed
    assert not set(DESTRUCTIVE) & set(not_actions)
    arn = {"Fn::GetAtt": [bucket_id, "Arn"]}
    assert deny["Resource"] == [arn, {"Fn::Join": ["", [arn, "/*"]]}]


def test_no_identity_policy_grants_anything_destructive_on_the_bucket(template):
    for policy in template.find_resources("AWS::IAM::Policy").values():
        actions = [a for s in policy["Properties"]["PolicyDocument"]["Statement"]
                   for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])]
        assert not set(actions) & set(DESTRUCTIVE) and not any(a.endswith("*") for a in actions)


def test_every_snapshot_is_write_once_for_the_lock_period(template):
    backup, _ = _buckets(template)
    assert backup["ObjectLockEnabled"] is True
    assert backup["VersioningConfiguration"] == {"Status": "Enabled"}, "Object Lock needs versioning"
    assert backup["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 14}},  # retention_days, the default
    }


def test_lock_mode_days_and_noncurrent_retention_come_from_the_settings(tmp_path):
    synth = synthesize_backup(tmp_path, retention_days=14, lock_mode="COMPLIANCE", lock_days=21, noncurrent_days=90)
    backup, _ = _buckets(Template.from_json(synth.template))
    assert backup["ObjectLockConfiguration"]["Rule"] == {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 21}}
    rules = {r["Id"]: r for r in backup["LifecycleConfiguration"]["Rules"]}
    assert rules["expire-snapshots"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}


@pytest.mark.parametrize(("fragment", "service_account"), [("EtcdBackupRole", "etcd-backup"),
                                                           ("EtcdBackupRestoreRole", "etcd-restore")])
def test_pod_identity_association_binds_each_service_account_to_its_role(template, fragment, service_account):
    role_id, _ = _role(template, fragment)
    template.has_resource_properties(
        "AWS::EKS::PodIdentityAssociation",
        {
            "ClusterName": CLUSTER_NAME,
            "Namespace": "karmada-system",
            "ServiceAccount": service_account,
            "RoleArn": {"Fn::GetAtt": [role_id, "Arn"]},
            "DisableSessionTags": False,
        },
    )


def test_manifest_waits_for_the_association(synth):
    resources = synth.template["Resources"]
    (manifest_id,) = [k for k, v in resources.items() if v["Type"] == "Custom::AWSCDK-EKS-KubernetesResource"]
    associations = Template.from_json(synth.template).find_resources("AWS::EKS::PodIdentityAssociation")
    assert len(associations) == 2 and set(associations) <= set(resources[manifest_id]["DependsOn"])


def test_bucket_name_is_a_stack_output(template):
    bucket_id = _logical_id(template, "AWS::S3::Bucket", "StorageBucket")
    template.has_output("EtcdBackupBucketName", {"Value": {"Ref": bucket_id}})


def test_rendered_manifest_names_the_bucket_and_region_readably(synth):
    objects = synth.manifests["parent"]
    assert [o["kind"] for o in objects] == ["ServiceAccount", "ServiceAccount", "Certificate", "NetworkPolicy",
                                            "NetworkPolicy", "CronJob"]
    cronjob = objects[-1]
    env = {e["name"]: e["value"] for e in pod_spec(cronjob)["containers"][0]["env"]}
    assert env["BUCKET"] == "${EtcdBackup.BucketName}"
    assert env["AWS_REGION"] == REGION
    assert validate_strict(objects) == 5


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
    assert sorted((path.rsplit("/", 1)[-1], rule) for path, rule, _ in acknowledged) == [
        (role, f"AwsSolutions-IAM5[Resource::<{bucket}.Arn>/{PREFIX}*]") for role in ("RestoreRole", "Role")]
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
    with pytest.raises(ValueError):
        BackupBucketProps(prefix="etcd-snapshots/", retention_days=7, noncurrent_days=0)
    with pytest.raises(ValueError):
        BackupBucketProps(prefix="etcd-snapshots/", retention_days=7, lock_mode="governance")  # type: ignore[arg-type]
    assert BackupBucketProps(prefix="etcd-snapshots/", retention_days=7).object_lock_days == 7


def test_stack_name_is_stable(synth):
    assert synth.stack.stack_name == STACK_NAME


def test_with_an_upload_metric_the_role_may_put_metric_data_in_its_namespace_only(tmp_path):
    from charts.etcd_backup import UploadMetric

    metric = UploadMetric(namespace="EKSKarmada/EtcdBackup", name="SnapshotsUploaded", dimension="ClusterName")
    synth = synthesize_backup(tmp_path, upload_metric=metric)
    template = Template.from_json(synth.template)
    statements = _statements(template, _role(template, "EtcdBackupRole")[0])
    assert statements["CountUploads"] == {
        "Sid": "CountUploads", "Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
        "Condition": {"StringEquals": {"cloudwatch:namespace": "EKSKarmada/EtcdBackup"}},
    }
    assert [v for p in synth.report["pluginReports"] for v in p.get("violations", [])] == []
    env = {e["name"]: e["value"] for e in pod_spec(synth.manifests["parent"][-1])["containers"][0]["env"]}
    assert env["METRIC_DIMENSIONS"] == f"ClusterName={CLUSTER_NAME}"
