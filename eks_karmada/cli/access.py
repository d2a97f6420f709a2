"""Reaching the parent cluster and the Karmada API with the caller's own IAM identity.

The path is the one the KarmadaManifest Lambda takes, with the caller instead of the Lambda's
role: eks:DescribeCluster gives the parent's endpoint and CA, a presigned STS token
authenticates to it (the caller needs an EKS access entry), the admin client certificate comes
from the Secret karmada-system/karmada-admin-client, and the Karmada API address is the
KarmadaParent stack's KarmadaApiEndpoint output (or the configured custom domain).
"""

from __future__ import annotations

import contextlib
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

from botocore.exceptions import ClientError

from eks_karmada.cli import names
from eks_karmada.cli.clients import USER_AGENT, Clients
from eks_karmada.cli.errors import CliError, one_line
from eks_karmada.config import AppConfig
from functions.kube.client import KubeClient
from functions.kube.connection import TlsMaterial, read_admin_tls
from functions.kube.eks_auth import ClusterEndpoint, TokenGenerator, describe_cluster
from functions.kube.errors import ApiError, ClusterNotFoundError, SecretNotReadyError, TlsVerificationError

ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


@dataclass(frozen=True)
class Caller:
    """Who the CLI runs as (sts:GetCallerIdentity): account and ARN."""

    account: str
    arn: str

    @property
    def principal_arn(self) -> str:
        """The IAM principal an access entry names: the role behind an assumed-role session."""
        match = re.fullmatch(r"arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/([^/]+)/.+", self.arn)
        if match:
            partition, account, role = match.groups()
            return f"arn:{partition}:iam::{account}:role/{role}"
        return self.arn


def caller_identity(clients: Clients, region: str) -> Caller:
    answer = clients.aws("sts", region).get_caller_identity()
    return Caller(answer["Account"], answer["Arn"])


@dataclass(frozen=True)
class Principal:
    """The IAM principal an EKS access entry for the caller must name, and what is uncertain about it."""

    arn: str | None
    """The role (with its path) or user ARN; None when no access entry can name the caller."""
    note: str = ""
    """Why arn is None, or a caveat about it (a role path that could not be read)."""


def access_principal(clients: Clients, caller: Caller, region: str) -> Principal:
    """The caller as an access entry names it: an assumed-role session becomes its role, path included.

    A session ARN drops the role's path (arn:aws:sts::1:assumed-role/NAME/session), but an access entry must
    name the role's full ARN (arn:aws:iam::1:role/PATH/NAME, e.g. IAM Identity Center's aws-reserved/...), so
    the path comes from iam:GetRole; without that permission the path-less ARN is returned with a note.
    """
    arn = caller.arn
    if re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:root", arn):
        return Principal(None, "the account's root user cannot have an EKS access entry; deploy as an IAM role or "
                               "user, or set parent.deployer_access: false and list a role in parent.admin_role_arns")
    if re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:user/.+", arn):
        return Principal(arn)
    if ":assumed-role/" not in arn:
        return Principal(None, f"{arn} is not an IAM role or user (federated or service identity); deploy as an IAM "
                               "role or user, or list a role in parent.admin_role_arns")
    role_name = caller.principal_arn.rsplit("/", 1)[1]
    try:
        return Principal(clients.aws("iam", region).get_role(RoleName=role_name)["Role"]["Arn"])
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        return Principal(caller.principal_arn, f"iam:GetRole on {role_name} failed ({code}): assuming the role has no "
                                               "path; if it has one (SSO roles do), list its full ARN in "
                                               "parent.admin_role_arns")


def stack_outputs(clients: Clients, region: str, stack_name: str) -> dict[str, str]:
    """Outputs of a deployed CloudFormation stack, by key."""
    try:
        stacks = clients.aws("cloudformation", region).describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as err:
        if "does not exist" in str(err.response.get("Error", {}).get("Message", "")):
            raise CliError(
                f"stack {stack_name} not found in {region}: deploy it first (make deploy), "
                f"or point --region/--stack-name at it"
            ) from None
        raise
    stack = stacks[0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
    status = stack.get("StackStatus", "")
    if not outputs and not status.endswith("_COMPLETE"):
        raise CliError(
            f"stack {stack_name} in {region} is {status} and has no outputs yet; wait for the deploy to finish"
        )
    return outputs


def karmada_server(config: AppConfig, clients: Clients, region: str, stack_name: str) -> str:
    """https://<custom_domain>:443 when configured, else the stack's KarmadaApiEndpoint output."""
    if config.api_endpoint.custom_domain:
        return f"https://{config.api_endpoint.custom_domain}:{names.EXTERNAL_PORT}"
    outputs = stack_outputs(clients, region, stack_name)
    server = outputs.get(names.OUTPUT_API_ENDPOINT)
    if not server:
        raise CliError(f"stack {stack_name} in {region} has no {names.OUTPUT_API_ENDPOINT} output; "
                       f"redeploy it with this version of the app")
    return server


class ParentCluster:
    """The parent EKS cluster's Kubernetes API, reached as the caller."""

    def __init__(self, clients: Clients, config: AppConfig, region: str, caller: Caller) -> None:
        self.config = config
        self.name = config.parent.cluster_name
        self.region = region
        self.caller = caller
        try:
            self.endpoint: ClusterEndpoint = describe_cluster(clients.aws("eks", region), self.name)
        except ClusterNotFoundError:
            raise CliError(f"EKS cluster {self.name} not found in {region}: deploy the {names.PARENT_STACK} stack "
                           f"first, or check parent.cluster_name / --region") from None
        except RuntimeError as err:  # cluster still being created
            raise CliError(str(err)) from None
        tokens = TokenGenerator(clients.aws("sts", region), self.name)
        self.client = KubeClient(clients.eks_transport(self.endpoint, tokens), user_agent=USER_AGENT)

    @contextlib.contextmanager
    def explained(self, what: str) -> Iterator[None]:
        """Re-raise failures of ``what`` (e.g. "read Secret x/y") as one line naming the fix."""
        try:
            yield
        except ApiError as err:
            raise CliError(self._api_error(err, what)) from None
        except TlsVerificationError as err:
            raise CliError(f"the EKS API of {self.name} failed TLS verification: {err}") from None
        except (ConnectionError, TimeoutError) as err:
            raise CliError(self._unreachable(err)) from None

    def _api_error(self, err: ApiError, what: str) -> str:
        principal = self.caller.principal_arn
        if err.code == 401:
            sso = ""
            if "role/AWSReservedSSO_" in principal:
                role = principal.rsplit("/", 1)[1]
                sso = (f" (an IAM Identity Center role: use its full ARN, with its path, from "
                       f"`aws iam get-role --role-name {role} --query Role.Arn`)")
            return (
                f"EKS cluster {self.name} rejected your IAM identity {self.caller.arn} (HTTP 401 Unauthorized): "
                f"it has no access entry there. Ask a cluster admin to run `aws eks create-access-entry "
                f"--cluster-name {self.name} --principal-arn {principal} --region {self.region}` and "
                f"`aws eks associate-access-policy --cluster-name {self.name} --principal-arn {principal} "
                f"--policy-arn {ADMIN_POLICY} --access-scope type=cluster --region {self.region}`, "
                f"or add the role to parent.admin_role_arns and redeploy{sso}"
            )
        if err.code == 403:
            return (
                f"your IAM identity {self.caller.arn} is known to EKS cluster {self.name} but may not {what} "
                f"(HTTP 403: {one_line(err.message)}); its access entry needs {ADMIN_POLICY.rsplit('/', 1)[1]} "
                f"(aws eks associate-access-policy ... --principal-arn {principal})"
            )
        return f"{what} in EKS cluster {self.name} failed: {one_line(str(err))}"

    def _unreachable(self, err: BaseException) -> str:
        endpoint = self.config.parent.endpoint
        if not endpoint.public_cidrs:
            hint = ("its endpoint is private (parent.endpoint.public_cidrs is empty): run this from the parent VPC "
                    "or a network connected to it, or admit your address in parent.endpoint.public_cidrs")
        else:
            hint = "check that your address is in parent.endpoint.public_cidrs"
        return f"cannot reach the EKS API of {self.name} at {self.endpoint.endpoint}: {one_line(str(err))}; {hint}"

    def admin_tls(self) -> TlsMaterial:
        """The Karmada admin client certificate, key and CA from the Secret on the parent."""
        secret = f"{names.NAMESPACE}/{names.ADMIN_CLIENT_SECRET}"
        with self.explained(f"read Secret {secret}"):
            try:
                return read_admin_tls(self.client, names.NAMESPACE, names.ADMIN_CLIENT_SECRET)
            except SecretNotReadyError as err:
                raise CliError(f"{err}: the Karmada control plane is not (yet) issued its certificates; "
                               f"check cert-manager and the {names.PARENT_STACK} deploy") from None

    def close(self) -> None:
        self.client.close()


class KarmadaApi:
    """The Karmada API server, reached over mutual TLS with the admin certificate."""

    def __init__(self, clients: Clients, config: AppConfig, server: str, tls: TlsMaterial,
                 server_name: str | None = None) -> None:
        self.config = config
        self.server = server
        try:
            transport = (clients.karmada_transport(server, tls, server_name) if server_name
                         else clients.karmada_transport(server, tls))
        except (ssl.SSLError, ValueError) as err:
            raise CliError(f"the certificate, key or CA in Secret {names.NAMESPACE}/{names.ADMIN_CLIENT_SECRET} "
                           f"is not usable: {one_line(str(err))}") from None
        self.client = KubeClient(transport, user_agent=USER_AGENT)

    @contextlib.contextmanager
    def explained(self, what: str) -> Iterator[None]:
        try:
            yield
        except ApiError as err:
            if err.code in (401, 403):
                raise CliError(f"the Karmada API at {self.server} refused to {what} with the admin certificate "
                               f"(HTTP {err.code} {err.reason}: {one_line(err.message)})") from None
            raise CliError(f"{what} on the Karmada API at {self.server} failed: {one_line(str(err))}") from None
        except TlsVerificationError as err:
            extra = ""
            if self.config.api_endpoint.custom_domain:
                extra = f"; check that {self.config.api_endpoint.custom_domain} points at the Karmada API NLB"
            raise CliError(
                f"the Karmada API's certificate did not verify against the Karmada CA: {err}{extra}"
            ) from None
        except (ConnectionError, TimeoutError) as err:
            api = self.config.api_endpoint
            if api.scheme == "internal":
                hint = ("its load balancer is internal (api_endpoint.scheme: internal): run this from the parent VPC "
                        "or a network connected to it, or set api_endpoint.scheme: internet-facing and list your "
                        "network in api_endpoint.allowed_cidrs")
            else:
                hint = "check that your address is in api_endpoint.allowed_cidrs"
            raise CliError(f"cannot reach the Karmada API at {self.server}: {one_line(str(err))}; {hint}") from None

    def close(self) -> None:
        self.client.close()
