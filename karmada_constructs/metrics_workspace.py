"""An Amazon Managed Service for Prometheus workspace for the fleet's metrics, under its own KMS key."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_aps as aps
from aws_cdk import aws_kms as kms
from constructs import Construct

from karmada_constructs.log_encryption import encrypted_log_group


@dataclass(frozen=True, kw_only=True)
class MetricsWorkspaceProps:
    """Properties of `MetricsWorkspace`."""
    alias: str
    """Workspace alias: what the console and `aws amp list-workspaces --alias` show."""
    log_retention_days: int
    """Days the workspace's rule and alert manager log (evaluation and notification errors) is kept."""


class MetricsWorkspace(Construct):
    """An AMP workspace encrypted with a customer managed key, logging its rule and alert errors.

    Creates a KMS key (yearly rotation; AMP takes its grants through the deploying principal, as the AMP
    documentation for customer managed keys describes), the workspace under that key, and a KMS-encrypted
    log group, with retention, that receives the workspace's rule-evaluation and alert-manager errors, so an
    alert that could not be sent leaves a trace.

    Exposes ``workspace_arn``, ``remote_write_url`` and ``query_url`` for the collectors and alarms.
    """

    def __init__(self, scope: Construct, id: str, props: MetricsWorkspaceProps) -> None:
        super().__init__(scope, id)
        self.key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the metrics of Amazon Managed Service for Prometheus workspace {props.alias}",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.log_group = encrypted_log_group(self, "Log", retention_days=props.log_retention_days)
        self.workspace = aps.CfnWorkspace(
            self,
            "Workspace",
            alias=props.alias,
            kms_key_arn=self.key.key_arn,
            logging_configuration=aps.CfnWorkspace.LoggingConfigurationProperty(
                log_group_arn=self.log_group.log_group_arn
            ),
        )
        self.workspace_arn: str = self.workspace.attr_arn
        self.workspace_id: str = self.workspace.attr_workspace_id
        endpoint = self.workspace.attr_prometheus_endpoint  # https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/
        self.remote_write_url = f"{endpoint}api/v1/remote_write"
        self.query_url = f"{endpoint}api/v1/query"
