"""KarmadaEncryptionKey: the key karmada-apiserver encrypts Secrets with in its etcd, made once, kept in the parent.

karmada-apiserver reads ``--encryption-provider-config`` from the parent Secret ``<Namespace>/<SecretName>``
(charts/karmada/apiserver.py); its pods wait for that Secret, which this handler writes:

* Create/Update: when the Secret exists, nothing changes (the key in use stays in use). Otherwise the key is the
  plaintext of a KMS data key: the one whose ciphertext the SSM parameter ``ParameterName`` holds (a parent rebuilt
  for a restore gets the same key back, so the Secrets in a snapshot stay readable), or, the first time, a new one
  that kms:GenerateDataKey makes, whose ciphertext is then stored in that parameter. Both calls carry the encryption
  context ``ENCRYPTION_CONTEXT`` (the role's policy requires it). The plaintext goes only into the Secret (on EKS
  envelope-encrypted with the cluster's own KMS key): never logged, returned, or put in CloudFormation.
* Delete: nothing. The parameter and the KMS key outlive the stack: the snapshots in the backup bucket need them.

The Secret's config names the key ``key-<first 12 hex of the ciphertext's SHA-256>`` and lists ``identity`` last,
so Secrets written before encryption was on stay readable until rewritten (docs/security.md says how).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..aws_clients import aws_client
from ..errors import HandlerError
from ..kube.client import KubeClient, Resource
from ..kube.errors import ApiError, KubeError
from ..kube.retry import Backoff, Deadline, call_with_retry
from ..kube.transports import eks_transport
from ..provider_framework import CREATE_FAILED_MARKER, is_transient_api_error, property_text
from .errors import EncryptionKeyError

logger = logging.getLogger("encryption_key")

SECRETS = Resource("", "v1", "Secret", "secrets", True)
CONFIG_KEY = "encryption-config.yaml"
FIELD_MANAGER = "eks-karmada-encryption-key"
BUDGET_SECONDS = 600.0  # the parent API answers within minutes of its creation


def encryption_context(cluster_name: str) -> dict[str, str]:
    """What every KMS call of this key carries; the role's policy allows only calls with it."""
    return {"eks-karmada:cluster": cluster_name, "eks-karmada:purpose": "karmada-apiserver-secrets"}


@dataclass(frozen=True)
class Properties:
    """The custom resource's properties."""

    cluster_name: str
    namespace: str
    secret_name: str
    kms_key_arn: str
    parameter_name: str

    @classmethod
    def parse(cls, raw: dict | None) -> Properties:
        raw = raw or {}
        values = {key: property_text(raw, key)
                  for key in ("ClusterName", "Namespace", "SecretName", "KmsKeyArn", "ParameterName")}
        missing = [key for key, value in values.items() if not value]
        if missing:
            raise EncryptionKeyError(f"missing properties: {', '.join(missing)}")
        return cls(values["ClusterName"], values["Namespace"], values["SecretName"], values["KmsKeyArn"],
                   values["ParameterName"])

    @property
    def region(self) -> str:
        return self.kms_key_arn.split(":")[3]


@dataclass
class Runtime:
    """The outside world: the parent's EKS API, AWS, time. Tests and the local control plane pass their own."""

    parent_transport: Callable[[str], Any]  # parent EKS cluster name -> transport (the Lambda's own role)
    aws_client: Callable[[str, str, dict | None], Any]  # service, region, credentials (None: the Lambda's)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    budget_seconds: float = BUDGET_SECONDS

    @classmethod
    def default(cls) -> Runtime:
        return cls(parent_transport=eks_transport, aws_client=aws_client)


def on_event(event: dict, context: Any) -> dict:
    """Lambda entry point (CDK Provider ``on_event``)."""
    return handle(event, context, Runtime.default())


def handle(event: dict, context: Any, runtime: Runtime) -> dict:
    # botocore's DEBUG lines hold response bodies: kms:GenerateDataKey's has the plaintext key.
    logging.getLogger("botocore").setLevel(max(logging.INFO, logging.getLogger("botocore").level))
    request_type = event.get("RequestType")
    if request_type not in ("Create", "Update", "Delete"):
        raise EncryptionKeyError(f"unknown RequestType {request_type!r}")
    if request_type == "Delete":
        if event.get("PhysicalResourceId") != CREATE_FAILED_MARKER:
            logger.info("Delete: the key, its SSM parameter and the parent Secret are kept (backups need them)")
        return {"PhysicalResourceId": event.get("PhysicalResourceId")}
    props = Properties.parse(event.get("ResourceProperties"))
    physical_id = f"{props.cluster_name}/{props.namespace}/{props.secret_name}"
    try:
        name = ensure_secret(props, runtime)
    except HandlerError:
        raise
    except Exception as err:  # noqa: BLE001 - anything else still reaches CloudFormation, short
        logger.exception("%s failed", request_type)
        raise EncryptionKeyError(f"{request_type} failed: {type(err).__name__}: {err}") from err
    return {"PhysicalResourceId": physical_id, "Data": {"KeyName": name}}


def ensure_secret(props: Properties, runtime: Runtime) -> str:
    """The Secret with the encryption config exists; returns the name of the key it holds."""
    deadline = Deadline(runtime.budget_seconds, runtime.clock)
    parent = KubeClient(runtime.parent_transport(props.cluster_name), user_agent="eks-karmada/encryption-key")
    try:
        def retried(operation: Callable[[], Any], what: str) -> Any:
            return call_with_retry(operation, what=what, retry_window=_retry_window, deadline=deadline,
                                   sleep=runtime.sleep, backoff=Backoff(maximum=15.0))

        where = f"Secret {props.namespace}/{props.secret_name} in {props.cluster_name}"
        existing = retried(lambda: parent.get(SECRETS, props.secret_name, props.namespace), f"read {where}")
        if existing is not None:
            name = ((existing.get("metadata") or {}).get("annotations") or {}).get(KEY_NAME_ANNOTATION, "")
            logger.info("%s exists (key %s): kept", where, name or "unnamed")
            return name
        plaintext, ciphertext = data_key(props, runtime)
        name = key_name(ciphertext)
        retried(lambda: _create(parent, props, name, plaintext), f"create {where}")
        logger.info("%s written with key %s", where, name)
        return name
    finally:
        parent.close()


KEY_NAME_ANNOTATION = "eks-karmada.io/encryption-key-name"


def key_name(ciphertext: bytes) -> str:
    return "key-" + hashlib.sha256(ciphertext).hexdigest()[:12]


def encryption_config(name: str, plaintext: bytes) -> dict:
    """The EncryptionConfiguration of karmada-apiserver: Secrets with secretbox, plaintext ones still readable."""
    return {
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "EncryptionConfiguration",
        "resources": [{"resources": ["secrets"], "providers": [
            {"secretbox": {"keys": [{"name": name, "secret": base64.b64encode(plaintext).decode()}]}},
            {"identity": {}},
        ]}],
    }


def data_key(props: Properties, runtime: Runtime) -> tuple[bytes, bytes]:
    """(plaintext, ciphertext): the stored data key decrypted, or a new one stored."""
    ssm = runtime.aws_client("ssm", props.region, None)
    kms = runtime.aws_client("kms", props.region, None)
    context = encryption_context(props.cluster_name)
    try:
        stored = ssm.get_parameter(Name=props.parameter_name)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        stored = None
    if stored is not None:
        ciphertext = base64.b64decode(stored)
        answer = kms.decrypt(CiphertextBlob=ciphertext, KeyId=props.kms_key_arn, EncryptionContext=context)
        logger.info("data key from SSM parameter %s, decrypted with %s", props.parameter_name, props.kms_key_arn)
        return answer["Plaintext"], ciphertext
    answer = kms.generate_data_key(KeyId=props.kms_key_arn, KeySpec="AES_256", EncryptionContext=context)
    ciphertext = answer["CiphertextBlob"]
    # Overwrite=False: a parameter written meanwhile (a concurrent run) wins; this run then fails and is retried.
    ssm.put_parameter(Name=props.parameter_name, Value=base64.b64encode(ciphertext).decode(), Type="String",
                      Overwrite=False, Description="eks-karmada: the KMS-encrypted data key of karmada-apiserver's "
                                                   "Secret encryption (kept for restores)")
    logger.info("new data key from %s, its ciphertext stored in SSM parameter %s", props.kms_key_arn,
                props.parameter_name)
    return answer["Plaintext"], ciphertext


def _create(parent: KubeClient, props: Properties, name: str, plaintext: bytes) -> None:
    # JSON is YAML: kube-apiserver reads it as it is (and the Lambda runtime has no YAML library).
    config = json.dumps(encryption_config(name, plaintext), indent=2)
    body = {
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": props.secret_name, "namespace": props.namespace,
                     "labels": {"app.kubernetes.io/managed-by": "eks-karmada"},
                     "annotations": {KEY_NAME_ANNOTATION: name}},
        "data": {CONFIG_KEY: base64.b64encode(config.encode()).decode()},
    }
    try:
        parent.request("POST", SECRETS.path(props.namespace), query={"fieldManager": FIELD_MANAGER}, body=body)
    except ApiError as err:
        if err.code != 409:  # written meanwhile by a concurrent run: that one stands
            raise


def _retry_window(error: BaseException) -> float | None:
    """The parent API may still be starting or blinking; anything else fails at once."""
    if isinstance(error, ApiError):
        return math.inf if is_transient_api_error(error.code, error.message) else None
    if isinstance(error, (ConnectionError, TimeoutError, KubeError)):
        return math.inf
    return None
