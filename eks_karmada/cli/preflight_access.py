"""Preflight: will a human be cluster admin after the deploy, and can this machine reach the APIs?

Without an access entry for someone who can sign in, CloudFormation's execution role would be the only
cluster admin; with a private endpoint or an internal load balancer in a VPC this deploy creates, nothing
outside that VPC can reach the APIs after a 30-minute deploy. Both are found here, each with its fix.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from eks_karmada.cli import names
from eks_karmada.cli.access import Caller, access_principal
from eks_karmada.cli.check import BLOCK, OK, WARN, Check
from eks_karmada.config import AppConfig

CONNECT_TIMEOUT_SECONDS = 3.0
_CONNECT_LATER = "or, if you will connect a network to the VPC after the deploy, pass --connect-later"


def check_access(clients: Any, config: AppConfig, caller: Caller) -> list[Check]:
    """Who becomes cluster-admin on the parent and new members: `admin_role_arns` and the deployer."""
    parent = config.parent
    where = parent.cluster_name
    admins = list(parent.admin_role_arns)
    principal = access_principal(clients, caller, parent.region) if parent.deployer_access else None
    if principal is not None and principal.arn is not None and principal.arn not in admins:
        admins.append(principal.arn)
    if not admins:
        why = (principal.note if principal is not None and principal.note
               else "parent.admin_role_arns is empty and parent.deployer_access is false")
        return [Check("access", where, "cluster admins", BLOCK,
                      f"nobody you can sign in as would be cluster admin, only CloudFormation's role: {why}",
                      "list the IAM roles your team assumes in parent.admin_role_arns")]
    you = principal.arn if principal is not None and principal.arn else None
    detail = "; ".join(part for part in (
        f"you ({you}), through make deploy" if you else "",
        f"parent.admin_role_arns: {', '.join(parent.admin_role_arns)}" if parent.admin_role_arns else "",
    ) if part)
    checks = [Check("access", where, "cluster admins", OK, detail)]
    if principal is not None and principal.arn and principal.note:
        checks.append(Check("access", where, "your role's path", WARN, principal.note,
                            "grant iam:GetRole on your role, or list its full ARN in parent.admin_role_arns"))
    if you is None and caller.principal_arn not in admins:
        checks.append(Check("access", where, "your access", WARN,
                            f"you ({caller.arn}) will not be cluster admin; assume one of parent.admin_role_arns",
                            "set parent.deployer_access: true, or add your role to parent.admin_role_arns"))
    return checks


def check_reach(clients: Any, config: AppConfig, *, connect_later: bool = False) -> list[Check]:
    """The parent's EKS API and the Karmada API: a connect test once deployed, the config's promise before."""
    unreachable = WARN if connect_later else BLOCK
    later = "" if connect_later else f", {_CONNECT_LATER}"
    parent = config.parent
    endpoint = _cluster_endpoint(clients, parent.cluster_name, parent.region)
    checks = [_eks_api(clients, config, endpoint, unreachable, later)]
    checks.append(_karmada_api(clients, config, deployed=endpoint is not None, unreachable=unreachable, later=later))
    return checks


def _cluster_endpoint(clients: Any, name: str, region: str) -> str | None:
    try:
        return clients.aws("eks", region).describe_cluster(name=name)["cluster"].get("endpoint") or None
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise


def _host(url: str) -> str:
    return url.removeprefix("https://").split("/", 1)[0].split(":", 1)[0]


def _eks_api(clients: Any, config: AppConfig, endpoint: str | None, unreachable: str, later: str) -> Check:
    parent = config.parent
    what, where = "parent EKS API", parent.cluster_name
    public = parent.endpoint.public_cidrs
    fix = ("admit your address in parent.endpoint.public_cidrs, or run this from the parent VPC or a network "
           f"connected to it{later}") if not public else \
        "add your address to parent.endpoint.public_cidrs (check it with `curl https://checkip.amazonaws.com`)"
    if endpoint is not None:
        return _connect_check(clients, where, what, _host(endpoint), 443, unreachable, fix)
    if public:
        return Check("reach", where, what, OK, f"not deployed yet; public for {', '.join(public)}")
    if parent.existing_vpc is not None:
        return Check("reach", where, what, WARN,
                     f"not deployed yet; private to {parent.existing_vpc.vpc_id}: this machine must be in it or in "
                     "a network connected to it", fix)
    return Check("reach", where, what, unreachable,
                 "private to the VPC this deploy creates: nothing outside it can reach the API after the deploy",
                 fix)


def _karmada_api(clients: Any, config: AppConfig, *, deployed: bool, unreachable: str, later: str) -> Check:
    api, parent = config.api_endpoint, config.parent
    what, where = "Karmada API", names.PARENT_STACK
    fix = ("set api_endpoint.scheme: internet-facing and list your network in api_endpoint.allowed_cidrs, or run "
           f"this from the parent VPC or a network connected to it{later}") if api.scheme == "internal" \
        else "add your network to api_endpoint.allowed_cidrs"
    server = _karmada_server(clients, config) if deployed else None
    if server is not None:
        return _connect_check(clients, where, what, _host(server), names.EXTERNAL_PORT, unreachable, fix)
    if api.scheme == "internet-facing":
        admitted = ", ".join(api.allowed_cidrs) or "the parent VPC only"
        return Check("reach", where, what, OK, f"not deployed yet; internet-facing for {admitted}")
    if parent.existing_vpc is not None:
        return Check("reach", where, what, WARN,
                     f"not deployed yet; internal to {parent.existing_vpc.vpc_id}: this machine must be in it or in "
                     "a network connected to it", fix)
    return Check("reach", where, what, unreachable,
                 "internal to the VPC this deploy creates: nothing outside it can reach the API after the deploy",
                 fix)


def _connect_check(clients: Any, where: str, what: str, host: str, port: int, unreachable: str, fix: str) -> Check:
    """A deployed API: whether it answers a TCP connect from where this runs."""
    error = clients.connect(host, port, CONNECT_TIMEOUT_SECONDS)
    if error is None:
        return Check("reach", where, what, OK, f"{host}:{port} answers from here")
    return Check("reach", where, what, unreachable, f"{host}:{port} does not answer from here ({error})", fix)


def _karmada_server(clients: Any, config: AppConfig) -> str | None:
    """The deployed Karmada API's URL: the custom domain, else the parent stack's output (None if absent)."""
    if config.api_endpoint.custom_domain:
        return f"https://{config.api_endpoint.custom_domain}:{names.EXTERNAL_PORT}"
    try:
        stack = clients.aws("cloudformation", config.parent.region).describe_stacks(
            StackName=names.PARENT_STACK)["Stacks"][0]
    except ClientError:
        return None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}
    return outputs.get(names.OUTPUT_API_ENDPOINT)
