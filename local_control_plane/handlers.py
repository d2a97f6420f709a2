"""Our own Lambda handlers, run locally with only their AWS edges swapped.

``Deployer.deploy_stack`` sends each custom resource of a synthesized stack the event CloudFormation
would send (Create, then Update when its properties change, Delete on teardown) and calls the
handler the template names (``functions.<package>.handler``) with a Runtime whose edges are local:

* EKS authentication -> a client certificate for the identity the cluster's access entry gives the
  handler's role (so the clusters' RBAC decides, as in EKS);
* STS and EKS calls -> real boto3 clients (requests validated against the AWS API models) whose
  answers come from the local clusters instead of the network; KMS and SSM Parameter Store calls
  (the encryption key's) are answered by local_control_plane/key_store.py;
* EKS access policies (an access entry's own, and those DeployTimeAdmin associates) -> RBAC bindings of the
  entry's user (local_control_plane/access_policies.py); aws-cdk's kubectl handler applies as its role's entry
  allows, so a manifest applied without them is refused as in EKS;
* the Karmada CRD download -> the pinned Karmada module's CRDs, packed as the release tarball is
  and served on loopback.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import importlib
import io
import json
import logging
import os
import tarfile
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from functions.kube.client import Urllib3Transport
from functions.kube.eks_auth import TOKEN_PREFIX as EKS_TOKEN_PREFIX
from functions.resource_types import (
    DEPLOY_TIME_ADMIN,
    KARMADA_ENCRYPTION_KEY,
    KARMADA_MANIFEST,
    KARMADA_MEMBER_REGISTRATION,
)

from . import access_policies, deviations
from .apply import apply_manifest
from .binaries import module_source
from .cloudformation import (
    AccessEntry,
    Assembly,
    CustomResource,
    DeployTimeValues,
    ScheduledInvocation,
    attribute_key,
    values_for_type,
)
from .environment import Environment, LocalError
from .key_store import KmsError, LocalKeyStore

ACCOUNT = "000000000000"
KUBERNETES_RESOURCE = "Custom::AWSCDK-EKS-KubernetesResource"
# The custom resources that act on Kubernetes. The others act on AWS only (TeardownCleanup, the VPC's
# default security group, the egress-address lookup) or install Helm charts from the internet.
LOCAL_TYPES = (DEPLOY_TIME_ADMIN, KARMADA_ENCRYPTION_KEY, KARMADA_MANIFEST, KARMADA_MEMBER_REGISTRATION,
               KUBERNETES_RESOURCE)


class LambdaContext:
    """The Lambda context the handlers read (remaining time)."""

    def __init__(self, seconds: float = 900) -> None:
        self.deadline = datetime.now(UTC) + timedelta(seconds=seconds)

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - datetime.now(UTC)).total_seconds() * 1000)


# ------------------------------------------------------------------------------- CRD source


def crds_tarball() -> bytes:
    """charts/karmada/_crds of the pinned module as the release's crds.tar.gz packs it (top folder crds/)."""
    source = module_source("karmada", "github.com/karmada-io/karmada") / "charts" / "karmada" / "_crds"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(source.rglob("*")):
            archive.add(path, arcname="crds/" + str(path.relative_to(source)), recursive=False)
    return buffer.getvalue()


class LoopbackFiles:
    """A tiny HTTP server on 127.0.0.1 serving fixed bytes by path (the release download stand-in)."""

    def __init__(self, files: dict[str, bytes]) -> None:
        served = files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                body = served.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()


# ------------------------------------------------------------------------------- AWS edges


class LocalAws:
    """boto3 clients whose STS and EKS answers come from the local clusters.

    The clients are real (botocore validates every request against the service model); a
    ``before-call`` hook answers instead of the network.
    """

    def __init__(self, env: Environment, trusted_roles: set[str], external_ids: dict[str, str] | None = None,
                 entries: Callable[[str, str], AccessEntry | None] | None = None) -> None:
        self.env = env
        self.trusted_roles = trusted_roles  # join roles the registrar may assume
        self.external_ids = external_ids or {}  # join role ARN -> the ExternalId its trust policy requires
        self.entries = entries or (lambda _cluster, _principal: None)  # (cluster, principal) -> its access entry
        self.keys = LocalKeyStore(env.layout.data / "aws" / "kms-and-ssm.json")

    def client(self, service: str, region: str, credentials: dict | None) -> Any:
        import boto3.session

        session = boto3.session.Session(
            aws_access_key_id=(credentials or {}).get("AccessKeyId", "AKIALOCALHANDLER"),
            aws_secret_access_key=(credentials or {}).get("SecretAccessKey", "local"),
            aws_session_token=(credentials or {}).get("SessionToken"), region_name=region)
        client = session.client(service, region_name=region)
        client.meta.events.register("before-parameter-build", _remember_parameters)
        client.meta.events.register("before-call", partial(self._answer, region=region))
        return client

    def _answer(self, model: Any, context: dict, region: str, **_: Any) -> tuple:
        operation = model.name
        params = context["local_api_params"]
        if operation == "AssumeRole":
            role = params["RoleArn"]
            if role not in self.trusted_roles:
                return _error(403, "AccessDenied", f"not authorized to perform sts:AssumeRole on {role}")
            if self.external_ids.get(role, params.get("ExternalId")) != params.get("ExternalId"):
                return _error(403, "AccessDenied", f"not authorized to perform sts:AssumeRole on {role} "
                                                   "(ExternalId)")
            name = role.rsplit("/", 1)[-1]
            return _ok({"Credentials": {"AccessKeyId": "ASIALOCAL", "SecretAccessKey": uuid.uuid4().hex,
                                        "SessionToken": uuid.uuid4().hex,
                                        "Expiration": datetime.now(UTC) + timedelta(hours=1)},
                        "AssumedRoleUser": {"AssumedRoleId": f"AROALOCAL:{params['RoleSessionName']}",
                                            "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/"
                                                   f"{params['RoleSessionName']}"}})
        if operation == "DescribeCluster":
            member = self.env.member_by_cluster_name(params["name"])
            if member is None:
                return _error(404, "ResourceNotFoundException", f"No cluster found for name: {params['name']}.")
            cluster = self.env.cluster(member)
            return _ok({"cluster": {"name": params["name"], "endpoint": cluster.endpoint, "status": "ACTIVE",
                                    "arn": f"arn:aws:eks:{region}:{ACCOUNT}:cluster/{params['name']}",
                                    "certificateAuthority": {"data": base64.b64encode(cluster.ca.cert_pem).decode()}}})
        if operation in ("AssociateAccessPolicy", "DisassociateAccessPolicy"):
            return self._access_policy(operation, params)
        if operation == "DescribeStacks":
            # The Deployer never rolls a stack back: whatever it sends runs during a deploy or a delete.
            return _ok({"Stacks": [{"StackName": params["StackName"].split("/")[-2], "StackId": params["StackName"],
                                    "StackStatus": "UPDATE_IN_PROGRESS", "CreationTime": datetime.now(UTC)}]})
        if operation in ("GenerateDataKey", "Decrypt"):
            return self._kms(operation, params)
        if operation == "GetParameter":
            value = self.keys.get_parameter(params["Name"])
            if value is None:
                return _error(400, "ParameterNotFound", "")
            return _ok({"Parameter": {"Name": params["Name"], "Type": "String", "Value": value, "Version": 1}})
        if operation == "PutParameter":
            if not self.keys.put_parameter(params["Name"], params["Value"], bool(params.get("Overwrite"))):
                return _error(400, "ParameterAlreadyExists", "The parameter already exists.")
            return _ok({"Version": 1, "Tier": "Standard"})
        if operation == "GetCallerIdentity":
            return _ok({"Account": ACCOUNT, "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/local/handler", "UserId": "x"})
        return _error(400, "UnsupportedOperation", f"{operation} has no local answer")

    def _access_policy(self, operation: str, params: dict) -> tuple:
        """EKS access policy associations: RBAC bindings of the entry's user (local_control_plane/access_policies)."""
        cluster, principal, policy = params["clusterName"], params["principalArn"], params["policyArn"]
        entry = self.entries(cluster, principal)
        if entry is None:
            return _error(404, "ResourceNotFoundException", f"The specified access entry resource is not found: "
                                                             f"{principal} in {cluster}")
        client = self.env.cluster(self.env.local_cluster_name(cluster)).admin.client()
        try:
            if operation == "AssociateAccessPolicy":
                scope = params["accessScope"]
                access_policies.associate(client, entry.username, policy, tuple(scope.get("namespaces") or ()))
                return _ok({"clusterName": cluster, "principalArn": principal, "associatedAccessPolicy": {
                    "policyArn": policy, "accessScope": scope}})
            if not access_policies.disassociate(client, entry.username, policy):
                return _error(404, "ResourceNotFoundException", f"{policy} is not associated with {principal}")
        except access_policies.UnknownPolicyError as err:
            return _error(400, "InvalidParameterException", str(err))
        return _ok({})

    def _kms(self, operation: str, params: dict) -> tuple:
        context = params.get("EncryptionContext")
        try:
            if operation == "GenerateDataKey":
                plaintext, blob = self.keys.generate_data_key(params["KeyId"], context)
                return _ok({"KeyId": params["KeyId"], "Plaintext": plaintext, "CiphertextBlob": blob})
            key_arn, plaintext = self.keys.decrypt(params["CiphertextBlob"], params.get("KeyId"), context)
        except KmsError as err:
            return _error(400, err.code, str(err))
        return _ok({"KeyId": key_arn, "Plaintext": plaintext, "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})


def _remember_parameters(params: dict, context: dict, **_: Any) -> None:
    """The call's validated parameters, for the answer (before-call only sees the serialized request)."""
    context["local_api_params"] = dict(params)


def _ok(parsed: dict) -> tuple:
    parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": 200, "RequestId": str(uuid.uuid4())})
    return _FakeHttp(200), parsed


def _error(status: int, code: str, message: str) -> tuple:
    return _FakeHttp(status), {"Error": {"Code": code, "Message": message},
                               "ResponseMetadata": {"HTTPStatusCode": status}}


class _FakeHttp:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict = {}
        self.content = b""


# ------------------------------------------------------------------------------- deployer


class Deployer:
    """Sends the synthesized stacks' custom resources their CloudFormation events, in order."""

    def __init__(self, env: Environment, log: Callable[[str], None]) -> None:
        self.env = env
        self.log = log
        values = DeployTimeValues(account=ACCOUNT, attributes=self._attributes())
        self.assembly = Assembly(env.assembly, values)
        self.state_dir = env.layout.run / "cloudformation"
        self._loopback: LoopbackFiles | None = None
        os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

    def _attributes(self) -> dict[str, str]:
        """What only a deploy knows: the NLB's DNS name and each EKS cluster's endpoint (the local API servers)."""
        values = values_for_type(self.env.assembly, "AWS::ElasticLoadBalancingV2::LoadBalancer", "DNSName",
                                 deviations.NLB_DNS_NAME)
        values |= values_for_type(self.env.assembly, "AWS::APS::Workspace", "PrometheusEndpoint",
                                  deviations.AMP_ENDPOINT)
        for template in self.env.assembly.glob("*.template.json"):
            stack = template.name[: -len(".template.json")]
            for logical_id, resource in json.loads(template.read_text()).get("Resources", {}).items():
                if resource["Type"] == "AWS::EKS::Cluster":
                    local = self.env.local_cluster_name(resource["Properties"]["Name"])
                    values[attribute_key(stack, logical_id, "Endpoint")] = self.env.cluster(local).endpoint
        return values

    # -- identities
    def access_entry(self, cluster_name: str, role_arn: str) -> AccessEntry | None:
        """``role_arn``'s access entry in ``cluster_name``, its username as EKS gives it to the role's sessions."""
        for stack in self.assembly.stacks_in_order():
            for entry in self.assembly.access_entries(stack):
                if entry.principal_arn == role_arn and entry.cluster_name == cluster_name:
                    return dataclasses.replace(entry, username=_session_username(entry))
        return None

    def identity_for(self, cluster_name: str, role_arn: str):
        """The client certificate EKS would map ``role_arn`` to in ``cluster_name`` (its access entry)."""
        entry = self.access_entry(cluster_name, role_arn)
        if entry is None:
            raise LocalError(f"{role_arn} has no EKS access entry in {cluster_name}: the handler could not reach it")
        return self.env.cluster(self.env.local_cluster_name(cluster_name)).identity(
            entry.username, tuple(entry.kubernetes_groups), hashlib.sha256(role_arn.encode()).hexdigest()[:12])

    def _entry_policies(self, stack: str, *, associate: bool) -> None:
        """The access policies the stack's entries carry, as CloudFormation creates (or deletes) them with the entry."""
        for entry in self.assembly.access_entries(stack):
            if not entry.access_policies:
                continue
            client = self.env.cluster(self.env.local_cluster_name(entry.cluster_name)).admin.client()
            username = _session_username(entry)
            for policy in entry.access_policies:
                if associate:
                    access_policies.associate(client, username, policy.policy_arn, policy.namespaces)
                else:
                    access_policies.disassociate(client, username, policy.policy_arn)

    # -- events
    def deploy_stack(self, stack: str, types: tuple[str, ...] = LOCAL_TYPES) -> None:
        """Create (or update) the stack's custom resources of ``types``, in the stack's deploy order."""
        if stack not in self.assembly.stacks_in_order():
            return
        self._entry_policies(stack, associate=True)
        for resource in self.assembly.custom_resources(stack, types):
            self.send(resource, "Create")

    def delete_stack(self, stack: str) -> None:
        if stack not in self.assembly.stacks_in_order():
            return
        for resource in reversed(self.assembly.custom_resources(stack, LOCAL_TYPES)):
            self.send(resource, "Delete")
        self._entry_policies(stack, associate=False)

    def _state(self, resource: CustomResource) -> Path:
        return self.state_dir / resource.stack / f"{resource.logical_id}.json"

    def send(self, resource: CustomResource, request: str) -> dict | None:
        """One CloudFormation event, as CloudFormation decides it: nothing when the properties did not change."""
        state_file = self._state(resource)
        previous = json.loads(state_file.read_text()) if state_file.exists() else None
        event = {
            "RequestType": request, "ServiceToken": resource.properties.get("ServiceToken", ""),
            "ResponseURL": "http://localhost/unused",
            "StackId": f"arn:aws:cloudformation:local:{ACCOUNT}:stack/{resource.stack}/local",
            "RequestId": str(uuid.uuid4()), "LogicalResourceId": resource.logical_id,
            "ResourceType": resource.resource_type, "ResourceProperties": resource.properties,
        }
        if request == "Create" and previous is not None:
            if previous["properties"] == resource.properties:
                return previous.get("result")
            event.update(RequestType="Update", PhysicalResourceId=previous["physical_id"],
                         OldResourceProperties=previous["properties"])
        if request == "Delete":
            if previous is None:
                return None
            event.update(PhysicalResourceId=previous["physical_id"], ResourceProperties=previous["properties"])
        self.log(f"  {resource.stack}/{resource.logical_id} ({resource.resource_type}): {event['RequestType']}")
        try:
            result = self.invoke(resource, event)
        except LocalError:
            raise
        except Exception as err:  # noqa: BLE001 - what CloudFormation would show as the resource's failure reason
            raise LocalError(f"{resource.stack}/{resource.logical_id} ({resource.resource_type}) "
                             f"{event['RequestType']} failed: {err}") from err
        if request == "Delete":
            state_file.unlink(missing_ok=True)
        else:
            state_file.parent.mkdir(parents=True, exist_ok=True)
            physical_id = (result or {}).get("PhysicalResourceId", resource.logical_id)
            state_file.write_text(json.dumps({"physical_id": physical_id,
                                              "properties": resource.properties, "result": result}))
        return result

    def invoke(self, resource: CustomResource, event: dict) -> dict | None:
        if resource.resource_type == KUBERNETES_RESOURCE:
            return self._kubectl(resource, event)
        module_name, _, _ = resource.handler.rpartition(".")
        if not module_name.startswith("functions."):
            raise LocalError(f"{resource.stack}/{resource.logical_id}: no local runner for handler {resource.handler}")
        module = importlib.import_module(module_name)
        runtime = self.runtime(module, resource)
        logging.getLogger().setLevel(logging.INFO)
        return module.handle(event, LambdaContext(), runtime)

    def runtime(self, module: Any, resource: CustomResource | ScheduledInvocation) -> Any:
        """The handler module's Runtime with the local edges, for a custom resource or a schedule's target."""
        props = resource.properties
        wanted = module.Runtime.__dataclass_fields__
        fields: dict[str, Any] = {}
        if "parent_transport" in wanted:
            parent_identity = self.identity_for(props["ClusterName"], resource.role_arn)
            fields["parent_transport"] = lambda _name: parent_identity.transport()
        if "fetch" in wanted:
            fields["fetch"] = self.fetch
        services = [s for s in ("eks", "cloudformation") if s in wanted]
        if "aws_client" in wanted or services:
            # Every stack's entries and trust policies: read only for the handlers that call AWS.
            join_roles = {entry.principal_arn for stack in self.assembly.stacks_in_order()
                          for entry in self.assembly.access_entries(stack)}
            external_ids = {arn: value for stack in self.assembly.stacks_in_order()
                            for arn, value in self.assembly.role_external_ids(stack).items()}
            aws = LocalAws(self.env, join_roles, external_ids, self.access_entry)
            if "aws_client" in wanted:
                fields["aws_client"] = aws.client
            for service in services:
                fields[service] = aws.client(service, self.assembly.region(resource.stack), None)
        if getattr(resource, "resource_type", None) == DEPLOY_TIME_ADMIN:
            fields["sleep"] = lambda _seconds: None  # its settle: an association is in force here at once (deviations)
        if "member_transport" in wanted:
            member_cluster = props.get("MemberClusterName", "")
            join_role = props.get("JoinRoleArn", "")
            fields["member_transport"] = partial(self.member_transport, member_cluster, join_role)
        if "karmada_tokens" in wanted:
            fields["karmada_tokens"] = self.karmada_tokens(resource)
        if "karmada_transport" in wanted:
            fields["karmada_transport"] = module.Runtime.default().karmada_transport
        return module.Runtime(**fields)

    def member_transport(self, member_cluster: str, join_role: str, _endpoint: Any,
                         tokens: Callable[[], str]) -> Urllib3Transport:
        """What a member's EKS API makes of the handler's bearer tokens.

        An EKS token (the join role's) is the identity its access entry gives: a client certificate here. Any other
        token (a member ServiceAccount's, which the registrar checks) the member's own API server authenticates, as
        in EKS: it is sent as it is.
        """
        if tokens().startswith(EKS_TOKEN_PREFIX):
            return self.identity_for(member_cluster, join_role).transport()
        access = self.env.access(self.env.local_cluster_name(member_cluster))
        return Urllib3Transport(access.host, access.port, ca_pem=access.ca_pem, server_hostname=access.server_name,
                                token_provider=tokens)

    def karmada_tokens(self, resource: CustomResource | ScheduledInvocation) -> Callable[[str], Callable[[], str]]:
        """The handler's own IAM tokens for the Karmada API: keys of a local STS session of its role.

        In Lambda the function signs with its execution role's credentials; here the local STS (the one the Karmada
        API's aws-iam-authenticator calls) issues a session of that role, so the authenticator verifies the handler's
        tokens for real and maps the role as deployed (deviations.HANDLER_ROLE_SESSIONS).
        """
        from functions.kube.eks_auth import TokenGenerator

        from .sts import LocalSts

        keys = LocalSts(self.env.layout.data).role_session(resource.role_arn, deviations.HANDLER_SESSION_NAME)
        region = self.assembly.region(resource.stack)

        def tokens(cluster_id: str) -> Callable[[], str]:
            import boto3.session

            session = boto3.session.Session(
                aws_access_key_id=keys["AccessKeyId"], aws_secret_access_key=keys["SecretAccessKey"],
                aws_session_token=keys["SessionToken"], region_name=region)
            return TokenGenerator(session.client("sts", region_name=region,
                                                 endpoint_url=f"https://sts.{region}.amazonaws.com"), cluster_id)

        return tokens

    def fetch(self, url: str) -> bytes:
        """The CRD tarball download: the release URL is answered from loopback."""
        from functions.karmada_manifest.manifest_source import fetch_url

        if self._loopback is None:
            self._loopback = LoopbackFiles({"/crds.tar.gz": crds_tarball()})
        if url.endswith("/crds.tar.gz"):
            return fetch_url(self._loopback.url("/crds.tar.gz"))
        raise LocalError(f"download of {url}: only the Karmada CRD tarball has a local copy")

    def _kubectl(self, resource: CustomResource, event: dict) -> dict:
        """aws-cdk's kubectl handler (not ours): apply or delete the manifest as its role's access entry allows."""
        props = event["ResourceProperties"]
        provider = self.identity_for(props["ClusterName"], resource.role_arn)
        objects = json.loads(props["Manifest"]) if isinstance(props["Manifest"], str) else props["Manifest"]
        apply_manifest(provider.client(), objects, delete=event["RequestType"] == "Delete")
        return {"PhysicalResourceId": event.get("PhysicalResourceId") or resource.logical_id}


def _session_username(entry: AccessEntry) -> str:
    """The username EKS gives the entry's role sessions here (their session name is the handlers' own)."""
    return entry.username.replace("{{SessionName}}", "local")
