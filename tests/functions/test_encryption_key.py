"""KarmadaEncryptionKey handler: the Secret written once with a KMS data key, the ciphertext kept for restores."""

from __future__ import annotations

import base64
import logging

import boto3
import pytest
import yaml
from moto import mock_aws

from functions.encryption_key import handler as key_handler
from functions.encryption_key.errors import EncryptionKeyError
from functions.provider_framework import CREATE_FAILED_MARKER
from tests.fakes.kube_api import FakeKubeApi, forbidden
from tests.functions.conftest import FakeClock

CLUSTER = "parent-1"
REGION = "eu-west-1"
PARAMETER = "/eks-karmada/parent-1/karmada-apiserver-encryption-key"
SECRET = ("v1", "Secret", "karmada-encryption-config", "karmada-system")


@pytest.fixture
def aws():
    with mock_aws():
        key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
        yield key_arn


@pytest.fixture
def parent():
    return FakeKubeApi()


def _runtime(parent: FakeKubeApi) -> key_handler.Runtime:
    clock = FakeClock()
    return key_handler.Runtime(parent_transport=lambda _name: parent,
                               aws_client=lambda service, region, _creds: boto3.client(service, region_name=region),
                               sleep=clock.sleep, clock=clock)


def _event(key_arn: str, request: str = "Create", **extra) -> dict:
    return {"RequestType": request, "LogicalResourceId": "EncryptionKey",
            "ResourceProperties": {"ServiceToken": "x", "ClusterName": CLUSTER, "Namespace": "karmada-system",
                                   "SecretName": "karmada-encryption-config", "KmsKeyArn": key_arn,
                                   "ParameterName": PARAMETER}, **extra}


def _config(parent: FakeKubeApi) -> dict:
    secret = parent.get(*SECRET)
    assert secret is not None
    return yaml.safe_load(base64.b64decode(secret["data"]["encryption-config.yaml"]))


def _key_of(config: dict) -> tuple[str, bytes]:
    providers = config["resources"][0]["providers"]
    key = providers[0]["secretbox"]["keys"][0]
    return key["name"], base64.b64decode(key["secret"])


def test_first_create_writes_a_kms_data_key_into_the_secret_and_keeps_its_ciphertext(aws, parent, caplog):
    caplog.set_level(logging.DEBUG)
    result = key_handler.handle(_event(aws), None, _runtime(parent))

    config = _config(parent)
    assert config["kind"] == "EncryptionConfiguration" and config["resources"][0]["resources"] == ["secrets"]
    # secretbox first (writes), identity last (Secrets written before encryption stay readable).
    assert [next(iter(p)) for p in config["resources"][0]["providers"]] == ["secretbox", "identity"]
    name, secret_key = _key_of(config)
    assert len(secret_key) == 32
    # The plaintext is the KMS data key whose ciphertext the parameter keeps, under this cluster's context only.
    ciphertext = base64.b64decode(boto3.client("ssm", region_name=REGION).get_parameter(Name=PARAMETER)
                                  ["Parameter"]["Value"])
    kms = boto3.client("kms", region_name=REGION)
    assert kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext=key_handler.encryption_context(CLUSTER))[
        "Plaintext"] == secret_key
    assert name == key_handler.key_name(ciphertext) and name.startswith("key-")
    assert result == {"PhysicalResourceId": f"{CLUSTER}/karmada-system/karmada-encryption-config",
                      "Data": {"KeyName": name}}
    # The key is in the Secret only: not in the answer to CloudFormation, not in the logs.
    encoded = base64.b64encode(secret_key).decode()
    assert encoded not in str(result) and encoded not in caplog.text
    secret = parent.get(*SECRET)
    assert secret["metadata"]["annotations"] == {key_handler.KEY_NAME_ANNOTATION: name}


def test_an_existing_secret_is_kept_as_it_is(aws, parent):
    runtime = _runtime(parent)
    key_handler.handle(_event(aws), None, runtime)
    before = parent.get(*SECRET)
    writes = len(parent.requests_matching("POST"))

    key_handler.handle(_event(aws, "Update", PhysicalResourceId="x", OldResourceProperties={}), None, runtime)

    assert parent.get(*SECRET) == before
    assert len(parent.requests_matching("POST")) == writes


def test_a_rebuilt_parent_gets_the_same_key_back_from_the_parameter(aws, parent):
    key_handler.handle(_event(aws), None, _runtime(parent))
    first = _key_of(_config(parent))

    rebuilt = FakeKubeApi()  # a new parent cluster: no Secret, the parameter and the KMS key remain
    key_handler.handle(_event(aws), None, _runtime(rebuilt))

    assert _key_of(_config(rebuilt)) == first


def test_the_api_starting_is_waited_for_and_a_refusal_is_one_line(aws, parent):
    parent.fail_next(503, method="POST", path="/secrets$")
    key_handler.handle(_event(aws), None, _runtime(parent))
    assert parent.get(*SECRET) is not None

    other = FakeKubeApi()
    other.fail_next(forbidden("secrets", "karmada-encryption-config", verb="get", namespace="karmada-system",
                              user="eks-karmada:encryption-key-writer"), method="GET")
    with pytest.raises(EncryptionKeyError) as raised:
        key_handler.handle(_event(aws), None, _runtime(other))
    assert "forbidden" in str(raised.value).lower() and "\n" not in str(raised.value)


def test_delete_keeps_everything(aws, parent):
    key_handler.handle(_event(aws), None, _runtime(parent))
    requests = len(parent.requests)
    for physical_id in (f"{CLUSTER}/karmada-system/karmada-encryption-config", CREATE_FAILED_MARKER):
        result = key_handler.handle(_event(aws, "Delete", PhysicalResourceId=physical_id), None, _runtime(parent))
        assert result == {"PhysicalResourceId": physical_id}
    assert len(parent.requests) == requests and parent.get(*SECRET) is not None
    assert boto3.client("ssm", region_name=REGION).get_parameter(Name=PARAMETER)


def test_missing_properties_are_named(aws, parent):
    event = _event(aws)
    del event["ResourceProperties"]["KmsKeyArn"]
    with pytest.raises(EncryptionKeyError, match="missing properties: KmsKeyArn"):
        key_handler.handle(event, None, _runtime(parent))
