"""The backup and restore roles' policies, as synthesized, against S3 (moto with IAM enforcement, Object Lock).

Each role's identity policy is taken from the template, its CloudFormation references resolved to the moto
bucket, and loaded into moto's IAM; the tests then act with that role's assumed credentials. moto evaluates
actions and resources (not conditions and not bucket policies: those are asserted on the template in
test_backup_construct.py), and S3 Object Lock (a locked version cannot be deleted).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count

from eks_karmada.cli.drill_restore import check_newest
from eks_karmada.config import load_config
from tests.backup.stack import CLUSTER_NAME, REGION, synthesize_backup

BUCKET = "karmadaparent-etcdbackupbucket-0123456789ab"
PREFIX = f"etcd-snapshots/{CLUSTER_NAME}/"
KEY = f"{PREFIX}20260101T000000Z.db"
SNAPSHOT = gzip.decompress((Path(__file__).parents[1] / "cli" / "data" / "etcd-3.6.6-snapshot.db.gz").read_bytes())
# Requests moto lets through before it enforces IAM: the set-up below, made with the test's own credentials.
SETUP_REQUESTS = 8


@pytest.fixture(scope="module")
def policies(tmp_path_factory) -> dict[str, dict[str, Any]]:
    """{"backup"|"restore": the role's identity policy}, with the bucket's ARN in place of its reference."""
    template = synthesize_backup(tmp_path_factory.mktemp("identities-cdk.out"), retention_days=14).template
    resources = template["Resources"]
    bucket_id = next(k for k, v in resources.items() if v["Type"] == "AWS::S3::Bucket" and "StorageBucket" in k)

    def resolve(value: Any) -> Any:
        if isinstance(value, dict):
            if value.get("Fn::GetAtt", [None])[0] == bucket_id:
                return f"arn:aws:s3:::{BUCKET}"
            if "Fn::GetAtt" in value:
                return "*"  # the KMS key: moto's S3 does not call KMS for it
            if "Fn::Join" in value:
                separator, parts = value["Fn::Join"]
                return separator.join(resolve(p) for p in parts)
            return {k: resolve(v) for k, v in value.items() if k != "Condition"}  # moto cannot evaluate them
        if isinstance(value, list):
            return [resolve(v) for v in value]
        return value

    found = {}
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::IAM::Policy":
            continue
        (role_ref,) = resource["Properties"]["Roles"]
        name = "restore" if "RestoreRole" in role_ref["Ref"] else "backup"
        found[name] = resolve(resource["Properties"]["PolicyDocument"])
        assert logical_id
    assert set(found) == {"backup", "restore"}
    return found


def _trust() -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]})


def _session(policies: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Set up the bucket as the template does (versioned, Object Lock) and the two roles; their S3 clients."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)  # 1 (versioning comes with it)
    s3.put_object_lock_configuration(Bucket=BUCKET, ObjectLockConfiguration={  # 2
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 14}}})
    iam, sts = boto3.client("iam", region_name=REGION), boto3.client("sts", region_name=REGION)
    clients = {}
    for name, document in policies.items():  # 3 requests each
        role = iam.create_role(RoleName=f"etcd-{name}", AssumeRolePolicyDocument=_trust())["Role"]
        iam.put_role_policy(RoleName=f"etcd-{name}", PolicyName="policy", PolicyDocument=json.dumps(document))
        credentials = sts.assume_role(RoleArn=role["Arn"], RoleSessionName=name)["Credentials"]
        clients[name] = boto3.client(
            "s3", region_name=REGION, aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"], aws_session_token=credentials["SessionToken"])
    return clients


def _denied(call, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call(*args, **kwargs)
    return raised.value.response["Error"]["Code"]


@mock_aws
@set_initial_no_auth_action_count(SETUP_REQUESTS)
def test_the_backup_identity_writes_snapshots_and_nothing_else(policies):
    clients = _session(policies)
    backup = clients["backup"]
    first = backup.put_object(Bucket=BUCKET, Key=KEY, Body=SNAPSHOT, ChecksumAlgorithm="SHA256")
    assert _denied(backup.get_object, Bucket=BUCKET, Key=KEY) == "AccessDenied"
    assert _denied(backup.list_objects_v2, Bucket=BUCKET, Prefix=PREFIX) == "AccessDenied"
    assert _denied(backup.delete_object, Bucket=BUCKET, Key=KEY) == "AccessDenied"
    assert _denied(backup.delete_object, Bucket=BUCKET, Key=KEY, VersionId=first["VersionId"],
                   BypassGovernanceRetention=True) == "AccessDenied"
    # (PutObjectRetention is not tried here: moto authorizes it as s3:PutObject. The template tests show that no
    # policy grants it and that the bucket policy denies it to this role.)
    assert _denied(backup.put_bucket_lifecycle_configuration, Bucket=BUCKET, LifecycleConfiguration={
        "Rules": [{"ID": "wipe", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}]},
    ) == "AccessDenied"
    assert _denied(backup.put_object, Bucket="another-bucket", Key=KEY, Body=b"x") == "AccessDenied"
    assert _denied(backup.put_object, Bucket=BUCKET, Key="etcd-snapshots/other-cluster/x.db",
                   Body=b"x") == "AccessDenied"

    # Overwriting the key only adds a version: the restore identity still reads the first one, which is locked.
    backup.put_object(Bucket=BUCKET, Key=KEY, Body=b"garbage", ChecksumAlgorithm="SHA256")
    restore = clients["restore"]
    old = restore.get_object(Bucket=BUCKET, Key=KEY, VersionId=first["VersionId"])
    assert old["Body"].read() == SNAPSHOT
    assert old["ObjectLockMode"] == "GOVERNANCE"


@mock_aws
@set_initial_no_auth_action_count(SETUP_REQUESTS)
def test_the_restore_identity_reads_snapshots_and_writes_nothing(policies):
    clients = _session(policies)
    clients["backup"].put_object(Bucket=BUCKET, Key=KEY, Body=SNAPSHOT, ChecksumAlgorithm="SHA256")
    restore = clients["restore"]
    assert restore.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == SNAPSHOT
    assert [o["Key"] for o in restore.list_objects_v2(Bucket=BUCKET, Prefix=PREFIX)["Contents"]] == [KEY]
    assert _denied(restore.put_object, Bucket=BUCKET, Key=KEY, Body=b"x") == "AccessDenied"
    assert _denied(restore.delete_object, Bucket=BUCKET, Key=KEY) == "AccessDenied"


@mock_aws
@set_initial_no_auth_action_count(SETUP_REQUESTS)
def test_the_restore_drill_reads_the_newest_snapshot_with_the_restore_identity_alone(policies):
    """What `eks-karmada drill restore --dry-run` reads (list, download, check) the restore role may read."""
    clients = _session(policies)
    clients["backup"].put_object(Bucket=BUCKET, Key=KEY, Body=SNAPSHOT, ChecksumAlgorithm="SHA256")
    checked = check_newest(clients["restore"], BUCKET, load_config(None))
    assert checked.snapshot.key == KEY and checked.status.revision == 306
    # ...and the backup identity cannot even find it.
    assert _denied(check_newest, clients["backup"], BUCKET, load_config(None)) == "AccessDenied"


@mock_aws
def test_a_locked_snapshot_version_cannot_be_deleted_without_bypassing_governance():
    """Object Lock as configured (GOVERNANCE): even the bucket owner needs s3:BypassGovernanceRetention."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(Bucket=BUCKET, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 14}}})
    version = s3.put_object(Bucket=BUCKET, Key=KEY, Body=SNAPSHOT, ChecksumAlgorithm="SHA256")["VersionId"]
    s3.delete_object(Bucket=BUCKET, Key=KEY)  # a delete marker only
    assert _denied(s3.delete_object, Bucket=BUCKET, Key=KEY, VersionId=version) == "AccessDenied"
    assert s3.get_object(Bucket=BUCKET, Key=KEY, VersionId=version)["Body"].read() == SNAPSHOT
