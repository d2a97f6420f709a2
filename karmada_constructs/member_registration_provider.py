"""The custom resource provider that registers member clusters with Karmada (one per parent)."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Role vs IRole):
# pyright: reportArgumentType=false
from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from eks_karmada.member_objects import REGISTRAR_GROUP
from karmada_constructs.log_encryption import encrypted_log_group
from karmada_constructs.parent_cluster_provider import (
    ASSET_EXCLUDE,
    REPO_ROOT,
    KarmadaApiAccess,
    ParentClusterProvider,
    ParentClusterProviderProps,
)

REGISTRATION_HANDLER = "functions.member_registration.handler.on_event"
REFRESH_HANDLER = "functions.member_registration.refresh.on_event"


@dataclass(frozen=True, kw_only=True)
class MemberRegistrationProviderProps:
    """Properties of `MemberRegistrationProvider`."""
    cluster: eks.ICluster
    """The parent cluster."""
    vpc: ec2.IVpc
    """The parent's VPC."""
    role_name: str
    """The registrar role's fixed name, which the members' join roles trust and the Karmada API's authenticator maps."""
    karmada_cluster_id: str
    """The cluster id of the Karmada API's aws-iam-authenticator: the registrar's tokens are signed for it."""
    join_role_arns: list[str] = field(default_factory=list)
    """The members' join roles, the only roles it may assume. Default: none."""
    log_retention_days: int = 90
    """Retention of the provider's logs. Default: 90."""
    token_consumers: list[str] = field(default_factory=lambda: ["karmada-controller-manager"])
    """Deployments in the control plane's namespace that watch Push members with their tokens, rolled after new ones
    (charts/karmada/names.py push_token_consumers). Default: karmada-controller-manager."""


class MemberRegistrationProvider(ParentClusterProvider):
    """The provider behind every `MemberRegistration`: functions/member_registration.

    Its role has a fixed name so member stacks, in any region or account, can
    trust it without a cross-stack reference; it may assume only the members'
    join roles (`join_role_arns`). The same role signs in to the Karmada API (aws-iam-authenticator maps it to
    eks-karmada:handler:registrar, charts/karmada/handler_rbac.py grants what registration does): it needs no IAM
    permission for that, only its own credentials to sign the token.

    It also holds `refresh_function`, the target of each member's credential refresh
    (`CredentialRefresh`: a Pull agent's certificate daily, a Push member's tokens
    hourly): the same code and the same role,
    VPC placement and security group as the registrar (so the join roles' trust and
    the registrar's RBAC in parent and member hold unchanged), with its own entry
    point (functions/member_registration/refresh.py) and log group. A function of its
    own rather than the custom resource's: its event is the registration's properties,
    not a CloudFormation event, and one entry point per event shape means a schedule's
    event can never be taken for a Create or a Delete (which unregisters the member).
    """

    def __init__(self, scope: Construct, id: str, props: MemberRegistrationProviderProps) -> None:
        super().__init__(scope, id, ParentClusterProviderProps(
            cluster=props.cluster,
            vpc=props.vpc,
            handler=REGISTRATION_HANDLER,
            kubernetes_group=REGISTRAR_GROUP,
            description="MemberRegistration: joins member clusters to Karmada",
            access=KarmadaApiAccess(karmada_cluster_id=props.karmada_cluster_id),
            role_name=props.role_name,
            log_retention_days=props.log_retention_days,
        ))
        if props.join_role_arns:
            self.role.add_to_policy(iam.PolicyStatement(actions=["sts:AssumeRole"], resources=props.join_role_arns))
        self._props = props
        self.token_consumers = list(props.token_consumers)
        self._refresh_function: lambda_.Function | None = None

    @property
    def refresh_function(self) -> lambda_.Function:
        """The credential refresh's function, made on first use (only a parent with registered members has one)."""
        if self._refresh_function is None:
            self._refresh_function = lambda_.Function(
                self,
                "RefreshHandler",
                runtime=lambda_.Runtime.PYTHON_3_14,
                handler=REFRESH_HANDLER,
                code=lambda_.Code.from_asset(str(REPO_ROOT), exclude=ASSET_EXCLUDE),
                role=self.role,
                # Reads and writes two Secrets, then waits up to ReadyWaitSeconds (300 s) for the Cluster.
                timeout=Duration.minutes(14),
                memory_size=512,
                vpc=self._props.vpc,
                vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                security_groups=[self.security_group],
                log_group=encrypted_log_group(self, "RefreshLogs", retention_days=self._props.log_retention_days),
                description="CredentialRefresh: renews a member's credentials (Pull agent certificate, Push tokens)",
            )
        return self._refresh_function
