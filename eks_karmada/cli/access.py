"""Reaching the parent cluster and the Karmada API with the caller's own IAM identity.

The parent: eks:DescribeCluster gives its endpoint and CA, a presigned STS token authenticates to it
(the caller needs an EKS access entry). The Karmada API: its address is the KarmadaParent stack's
KarmadaApiEndpoint output (or the configured custom domain), its CA (public) is the ConfigMap
karmada-system/karmada-ca-bundle on the parent, and the caller signs in with the same kind of token,
made for the Karmada cluster id, which aws-iam-authenticator maps to a user and groups
(karmada.access.users). The break-glass admin certificate is never read here.
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
from functions.kube.ca_bundle import CONFIG_MAPS, ca_pem_of
from functions.kube.client import KubeClient
from functions.kube.connection import BearerAuth, KarmadaAuth
from functions.kube.eks_auth import ClusterEndpoint, TokenGenerator, describe_cluster
from functions.kube.errors import ApiError, ClusterNotFoundError, TlsVerificationError

ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
CA_BUNDLE = f"ConfigMap {names.NAMESPACE}/{names.CA_BUNDLE_CONFIGMAP}"


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

    def karmada_ca(self) -> bytes:
        """The Karmada CA certificate (PEM, public) from the ConfigMap the control plane's bootstrap publishes."""
        with self.explained(f"read {CA_BUNDLE}"):
            config_map = self.client.get(CONFIG_MAPS, names.CA_BUNDLE_CONFIGMAP, names.NAMESPACE)
        if config_map is None:
            raise CliError(f"{CA_BUNDLE} not found on {self.name}: the Karmada control plane is not bootstrapped "
                           f"yet; wait for the {names.PARENT_STACK} deploy to finish (or deploy it again)")
        ca = ca_pem_of(config_map)
        if ca is None:
            raise CliError(f"{CA_BUNDLE} on {self.name} has no PEM certificate under {names.CA_BUNDLE_KEY}: the "
                           f"bootstrap did not finish; deploy the {names.PARENT_STACK} stack again")
        return ca

    def close(self) -> None:
        self.client.close()


@dataclass(frozen=True)
class SignIn:
    """How the CLI signs in to the Karmada API, for the messages: an IAM identity's tokens or a kubeconfig user."""

    material: str
    """Where the CA (and any client certificate) came from, e.g. the ConfigMap or a kubeconfig user."""
    arn: str | None = None
    """The caller's IAM ARN when the CLI makes its own tokens."""
    user: str | None = None
    """The kubeconfig user otherwise, as ``user 'x' of <path>``."""


def iam_sign_in(clients: Clients, config: AppConfig, region: str, caller: Caller, ca_pem: bytes) -> tuple[
        BearerAuth, SignIn]:
    """The caller's tokens for the Karmada API (made for its cluster id, fresh on every request), and the CA."""
    tokens = TokenGenerator(clients.aws("sts", region), config.karmada_cluster_id)
    return BearerAuth(ca_pem=ca_pem, token_provider=tokens), SignIn(CA_BUNDLE, arn=caller.arn)


def _signed_in_as(message: str) -> str | None:
    """The user an RBAC denial names (``User "x" cannot ...``)."""
    match = re.search(r'User "([^"]*)"', message)
    return match.group(1) if match else None


class KarmadaApi:
    """The Karmada API server, reached over TLS (checked against the Karmada CA) as ``sign_in`` says."""

    def __init__(self, clients: Clients, config: AppConfig, server: str, auth: KarmadaAuth, sign_in: SignIn,
                 server_name: str | None = None) -> None:
        self.config = config
        self.server = server
        self.sign_in = sign_in
        try:
            transport = (clients.karmada_transport(server, auth, server_name) if server_name
                         else clients.karmada_transport(server, auth))
        except (ssl.SSLError, ValueError) as err:
            raise CliError(f"the CA or client certificate from {sign_in.material} is not usable: "
                           f"{one_line(str(err))}") from None
        self.client = KubeClient(transport, user_agent=USER_AGENT)

    @contextlib.contextmanager
    def explained(self, what: str) -> Iterator[None]:
        try:
            yield
        except ApiError as err:
            if err.code == 401:
                raise CliError(self._unauthorized()) from None
            if err.code == 403:
                raise CliError(self._forbidden(err, what)) from None
            raise CliError(f"{what} on the Karmada API at {self.server} failed: {one_line(str(err))}") from None
        except TlsVerificationError as err:
            extra = ""
            if self.config.api_endpoint.custom_domain:
                extra = f"; check that {self.config.api_endpoint.custom_domain} points at the Karmada API NLB"
            raise CliError(
                f"the Karmada API's certificate did not verify against the Karmada CA from {self.sign_in.material}: "
                f"{err}{extra}"
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

    def _unauthorized(self) -> str:
        if self.sign_in.arn:
            return (f"the Karmada API did not accept your IAM identity {self.sign_in.arn} (HTTP 401): it is not in "
                    "karmada.access.users (or parent.admin_role_arns); ask an admin to add it and redeploy")
        return (f"the Karmada API at {self.server} did not accept the credentials of {self.sign_in.user} "
                f"(HTTP 401): an IAM identity must be in karmada.access.users (or parent.admin_role_arns) and sign "
                f"tokens for cluster id {self.config.karmada_cluster_id}; write a working context with "
                "`eks-karmada kubeconfig`")

    def _forbidden(self, err: ApiError, what: str) -> str:
        user = _signed_in_as(err.message) or "an unknown user"
        return (f"your identity signed in as {user} but its groups may not {what} (HTTP 403: "
                f"{one_line(err.message)}); in karmada.access.users give it a group that may "
                "(eks-karmada:admins may do everything, eks-karmada:editors change namespaced objects, "
                "eks-karmada:viewers only read) and redeploy")

    def close(self) -> None:
        self.client.close()


def karmada_as_caller(clients: Clients, config: AppConfig, parent: ParentCluster, stack_name: str) -> KarmadaApi:
    """The Karmada API as the caller: its address (stack output or custom domain), its CA from the parent, IAM tokens.

    ``parent`` stays open; the caller closes it.
    """
    ca_pem = parent.karmada_ca()
    server = karmada_server(config, clients, parent.region, stack_name)
    auth, sign_in = iam_sign_in(clients, config, parent.region, parent.caller, ca_pem)
    return KarmadaApi(clients, config, server, auth, sign_in)
