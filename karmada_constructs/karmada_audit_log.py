"""The Karmada API's audit log in CloudWatch Logs: its log group and key, and the shipper's identity (Pod Identity)."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from karmada_constructs.nag import acknowledge, finding_arn
from karmada_constructs.pod_identity import pod_identity_association, pod_identity_principal

# What the awscloudwatchlogs exporter calls (internal/aws/cwlogs): PutLogEvents, and CreateLogStream when its stream
# is missing. It would call CreateLogGroup (and PutRetentionPolicy) only for a missing group: the template creates the
# group, so the shipper gets neither, nor DescribeLogStreams, which it never calls.
SHIPPER_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
KMS_ACTIONS_FOR_LOGS = ("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey")


@dataclass(frozen=True, kw_only=True)
class KarmadaAuditLogProps:
    """Properties of `KarmadaAuditLog`."""

    cluster: eks.ICluster
    """The parent cluster, where karmada-apiserver runs (the Pod Identity condition)."""
    namespace: str
    """karmada-apiserver's namespace."""
    service_account: str
    """karmada-apiserver's ServiceAccount: its pods' shipper is the only one that may write."""
    log_group_name: str
    """The log group's name (the chart's shipper writes to this name)."""
    retention_days: int = 365
    """Days CloudWatch Logs keeps the audit events. Default: 365."""


class KarmadaAuditLog(Construct):
    """Where the audit shipper beside each karmada-apiserver pod writes (charts/karmada/audit_shipper.py).

    * A KMS key of its own (yearly rotation) whose key policy lets CloudWatch Logs use it for this log group only
      (``kms:EncryptionContext:aws:logs:arn`` equals the group's ARN), and the log group under it with the configured
      retention. Both are RETAINED when the stack goes: audit records outlive the control plane they describe, and
      the group stays readable only while its key exists (docs/uninstall.md).
    * An IAM role that only ``<namespace>/<service_account>`` of this cluster, in this account, can assume through
      EKS Pod Identity (trust conditioned on aws:SourceAccount, aws:SourceArn and the session tags), allowed
      logs:CreateLogStream and logs:PutLogEvents on this group's streams and nothing else: it cannot read, delete,
      change retention or the key, or write to another group. The chart keeps the credentials to the shipper's
      container (``eks.amazonaws.com/skip-containers``).
    * The Pod Identity association. Apply karmada-apiserver's Deployment after it (`association`): credentials are
      injected when a pod is created.
    """

    def __init__(self, scope: Construct, id: str, props: KarmadaAuditLogProps) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.log_group_name = props.log_group_name
        self.log_group_arn = stack.format_arn(service="logs", resource="log-group", resource_name=props.log_group_name,
                                              arn_format=ArnFormat.COLON_RESOURCE_NAME)
        self.key = self._add_key(stack, props)
        self.log_group = logs.CfnLogGroup(self, "Group", log_group_name=props.log_group_name,
                                          kms_key_id=self.key.key_arn, retention_in_days=props.retention_days)
        self.log_group.apply_removal_policy(RemovalPolicy.RETAIN)
        self.role = self._add_role(props)
        self.association = pod_identity_association(self, "PodIdentityAssociation", props.cluster, props.namespace,
                                                    props.service_account, self.role)

    def _add_key(self, stack: Stack, props: KarmadaAuditLogProps) -> kms.Key:
        key = kms.Key(self, "Key", description=f"Encrypts the Karmada API audit log {props.log_group_name}",
                      enable_key_rotation=True, removal_policy=RemovalPolicy.RETAIN)
        # CloudWatch Logs documentation, "Encrypt log data in CloudWatch Logs using AWS KMS": the service principal of
        # the region, for this one group (the encryption context names the group that uses the key).
        key.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudWatchLogsForTheAuditLogGroupOnly",
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=list(KMS_ACTIONS_FOR_LOGS),
            resources=["*"],
            conditions={"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": self.log_group_arn}},
        ))
        return key

    def _add_role(self, props: KarmadaAuditLogProps) -> iam.Role:
        role = iam.Role(self, "ShipperRole", assumed_by=pod_identity_principal(
            self, props.cluster, props.namespace, props.service_account),
            description=f"Audit log shipper of karmada-apiserver: writes {props.log_group_name} only "
                        f"(Pod Identity: {props.namespace}/{props.service_account})")
        streams = f"{self.log_group_arn}:log-stream:*"
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="WriteTheAuditLogGroupOnly", actions=list(SHIPPER_ACTIONS), resources=[self.log_group_arn, streams]))
        acknowledge(role, f"AwsSolutions-IAM5[Resource::"
                          f"{finding_arn(self, 'logs', f'log-group:{props.log_group_name}:log-stream:*')}]",
                    "The streams of the one audit log group: each karmada-apiserver pod writes a stream named "
                    "after itself, known only when the pod starts. Only CreateLogStream and PutLogEvents.")
        return role
