"""The fleet's alarms: AMP alert rules routed to SNS, and CloudWatch alarms on the AWS side."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import yaml
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_aps as aps
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct, IConstruct

from karmada_constructs.metrics_workspace import MetricsWorkspace
from observability.cloudwatch import BACKUP_METRIC_DIMENSION, BACKUP_METRIC_NAME, BACKUP_METRIC_NAMESPACE
from observability.rules import RUNBOOK_DOC, AlertSettings, rule_groups_yaml
from observability.schedule import max_interval_seconds

RULES_NAMESPACE = "karmada-fleet"
# CloudWatch evaluates at most 7 days of periods of an hour or more (PutMetricAlarm, EvaluationPeriods).
MAX_EVALUATION_SECONDS = 7 * 86400
# Alarm -> its heading in docs/operations.md (AMP rules carry theirs in their annotations).
RUNBOOKS = {
    "EtcdBackupOverdue": "etcd-backup-overdue",
    "ApiLoadBalancerNoHealthyTarget": "api-load-balancer-no-healthy-target",
    "CustomResourceHandlerErrors": "custom-resource-handler-errors",
    "FleetGuardErrors": "fleet-guard",
    "FleetGuardNotRunning": "fleet-guard",
    "WorkHealerErrors": "work-healer",
    "WorkHealerNotRunning": "work-healer",
}


@dataclass(frozen=True, kw_only=True)
class BackupWatch:
    """The etcd backup the overdue alarm watches."""

    cluster_name: str
    """The parent cluster (the metric's ClusterName dimension)."""
    schedule: str
    """The backup CronJob's cron schedule (UTC)."""


@dataclass(frozen=True, kw_only=True)
class ScheduledWatch:
    """A function run every minute whose failures and absence alarm (the fleet guard, the work healer)."""

    name: str
    """Its alarms' prefix: `<name>Errors`, `<name>NotRunning` (e.g. FleetGuard)."""
    title: str
    """What it is, in the alarms' descriptions (e.g. "fleet guard")."""
    impact: str
    """What its failing means, in the errors alarm's description."""
    function: lambda_.IFunction
    """Its function."""
    schedule: IConstruct
    """What starts its runs: the not-running alarm comes after it, so a first deploy does not raise it."""


@dataclass(frozen=True, kw_only=True)
class FleetAlarmsProps:
    """Properties of `FleetAlarms`."""

    workspace: MetricsWorkspace
    """The AMP workspace the rules run in (its alert manager definition is set here)."""
    settings: AlertSettings
    """The rules' thresholds (the config's observability section)."""
    target_group: elbv2.NetworkTargetGroup
    """The Karmada API NLB's target group."""
    handlers: Mapping[str, lambda_.IFunction]
    """Custom resource handlers whose errors alarm, by name (e.g. KarmadaManifest)."""
    backup: BackupWatch | None = None
    """The etcd backup; no alarm when it is off. Default: none."""
    scheduled: Sequence[ScheduledWatch] = field(default_factory=tuple)
    """The functions run every minute that are on (the fleet guard, the work healer). Default: none."""
    topic_arn: str | None = None
    """An existing SNS topic to notify (it must admit aps and cloudwatch, see docs/operations.md). Default: a
    KMS-encrypted topic is created."""
    emails: Sequence[str] = field(default_factory=tuple)
    """Addresses subscribed to the created topic. Default: none."""


class FleetAlarms(Construct):
    """Alert rules in AMP and CloudWatch alarms, all notifying one SNS topic, each naming its runbook.

    Creates (unless ``topic_arn`` is given) an SNS topic under its own KMS key (rotation on) whose key and topic
    policies admit only AMP workspaces and CloudWatch alarms of this account and region (aws:SourceAccount,
    aws:SourceArn), TLS only, with the e-mail subscriptions; the AMP rule groups namespace ``karmada-fleet``
    (observability.rules) and the workspace's alert manager definition that routes every alert to the topic
    (SigV4); CloudWatch alarms for an overdue etcd backup (no upload counted for twice the schedule's longest
    gap, missing data breaching), the NLB target group without a healthy target, each custom resource
    handler's Lambda errors, and each function run every minute (the fleet guard, the work healer) failing every
    run for 10 minutes or not running for 10.
    """

    def __init__(self, scope: Construct, id: str, props: FleetAlarmsProps) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.topic = (sns.Topic.from_topic_arn(self, "Topic", props.topic_arn) if props.topic_arn
                      else self._create_topic(props))
        topic_region = props.topic_arn.split(":")[3] if props.topic_arn else stack.region

        self.rules = aps.CfnRuleGroupsNamespace(
            self, "Rules", name=RULES_NAMESPACE, workspace=props.workspace.workspace_arn,
            data=rule_groups_yaml(props.settings))
        props.workspace.workspace.alert_manager_definition = alert_manager_definition(
            self.topic.topic_arn, topic_region)

        self.alarms: dict[str, cw.Alarm] = {}
        if props.backup is not None:
            self._backup_alarm(props.backup)
        self._load_balancer_alarm(props.target_group)
        for name, function in props.handlers.items():
            self._handler_alarm(name, function)
        for watch in props.scheduled:
            self._scheduled_alarms(watch)
        action = cw_actions.SnsAction(self.topic)
        for alarm in self.alarms.values():
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)

    def _create_topic(self, props: FleetAlarmsProps) -> sns.Topic:
        stack = Stack.of(self)
        account, region, partition = stack.account, stack.region, stack.partition
        workspaces = f"arn:{partition}:aps:{region}:{account}:workspace/*"
        alarms = f"arn:{partition}:cloudwatch:{region}:{account}:alarm:*"
        self.key = kms.Key(self, "TopicKey", enable_key_rotation=True, removal_policy=RemovalPolicy.DESTROY,
                           description="Encrypts the eks-karmada alarm topic")
        # The key policy cannot name the workspace (the workspace names the topic, the topic the key): it admits
        # this account's workspaces in this region; the topic policy below names the one workspace.
        for sid, service, source in (("AmpAlerts", "aps.amazonaws.com", workspaces),
                                     ("CloudWatchAlarms", "cloudwatch.amazonaws.com", alarms)):
            self.key.add_to_resource_policy(iam.PolicyStatement(
                sid=sid,
                principals=[iam.ServicePrincipal(service)],
                actions=["kms:GenerateDataKey*", "kms:Decrypt"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": source}},
            ))
        topic = sns.Topic(self, "Topic", display_name="eks-karmada alarms", master_key=self.key, enforce_ssl=True)
        topic.add_to_resource_policy(iam.PolicyStatement(
            sid="AmpAlerts",
            principals=[iam.ServicePrincipal("aps.amazonaws.com")],
            actions=["sns:Publish", "sns:GetTopicAttributes"],
            resources=[topic.topic_arn],
            conditions={"StringEquals": {"aws:SourceAccount": account},
                        "ArnEquals": {"aws:SourceArn": props.workspace.workspace_arn}},
        ))
        topic.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudWatchAlarms",
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
            conditions={"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": alarms}},
        ))
        for address in props.emails:
            topic.add_subscription(subscriptions.EmailSubscription(address))
        return topic

    def _alarm(self, id: str, description: str, **kwargs: object) -> cw.Alarm:
        runbook = f"{RUNBOOK_DOC}#{RUNBOOKS[id.split('-')[0]]}"
        alarm = cw.Alarm(self, id, alarm_description=f"{description} runbook: {runbook}", **kwargs)
        self.alarms[id] = alarm
        return alarm

    def _backup_alarm(self, backup: BackupWatch) -> None:
        window = min(2 * max_interval_seconds(backup.schedule), MAX_EVALUATION_SECONDS)
        period = 3600 if window >= 3600 else 60
        periods = math.ceil(window / period)
        metric = cw.Metric(namespace=BACKUP_METRIC_NAMESPACE, metric_name=BACKUP_METRIC_NAME,
                           dimensions_map={BACKUP_METRIC_DIMENSION: backup.cluster_name},
                           statistic=cw.Stats.SUM, period=Duration.seconds(period))
        self._alarm(
            "EtcdBackupOverdue",
            f"No verified etcd snapshot of {backup.cluster_name} uploaded for {window / 3600:g} h "
            f"(twice the longest gap of the schedule {backup.schedule!r}, at most 7 days).",
            metric=metric, threshold=1, comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=periods, datapoints_to_alarm=periods,
            treat_missing_data=cw.TreatMissingData.BREACHING,
        )

    def _load_balancer_alarm(self, target_group: elbv2.NetworkTargetGroup) -> None:
        self._alarm(
            "ApiLoadBalancerNoHealthyTarget",
            "The Karmada API NLB has no healthy karmada-apiserver target (the API is unreachable).",
            metric=target_group.metrics.healthy_host_count(statistic=cw.Stats.MINIMUM, period=Duration.minutes(1)),
            threshold=1, comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=3, datapoints_to_alarm=3, treat_missing_data=cw.TreatMissingData.BREACHING,
        )

    def _handler_alarm(self, name: str, function: lambda_.IFunction) -> None:
        self._alarm(
            f"CustomResourceHandlerErrors-{name}",
            f"The {name} custom resource handler failed (a deploy step failed; its log says why).",
            metric=function.metric_errors(statistic=cw.Stats.SUM, period=Duration.minutes(5)),
            threshold=1, comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1, treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )

    def _scheduled_alarms(self, watch: ScheduledWatch) -> None:
        # It runs every minute. Ten failed minutes in a row: one that could not act (the few minutes of a first
        # deploy between its RBAC and the Karmada API's bootstrap stay below that).
        self._alarm(
            f"{watch.name}Errors",
            f"The {watch.title} failed in each of the last 10 minutes: {watch.impact} (its log says why).",
            metric=watch.function.metric_errors(statistic=cw.Stats.SUM, period=Duration.minutes(1)),
            threshold=1, comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=10, datapoints_to_alarm=10, treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
        )
        not_running = self._alarm(
            f"{watch.name}NotRunning",
            f"The {watch.title} has not run for 10 minutes (its schedule, the schedule's role or the function's "
            "concurrency).",
            metric=watch.function.metric_invocations(statistic=cw.Stats.SUM, period=Duration.minutes(5)),
            threshold=1, comparison_operator=cw.ComparisonOperator.LESS_THAN_THRESHOLD,
            evaluation_periods=2, datapoints_to_alarm=2, treat_missing_data=cw.TreatMissingData.BREACHING,
        )
        not_running.node.add_dependency(watch.schedule)


def alert_manager_definition(topic_arn: str, region: str) -> str:
    """AMP's alert manager definition: every alert to the SNS topic, grouped per alert and member."""
    config = {
        "route": {"receiver": "sns", "group_by": ["alertname", "member_cluster"], "group_wait": "30s",
                  "group_interval": "5m", "repeat_interval": "4h"},
        "receivers": [{"name": "sns", "sns_configs": [{"topic_arn": topic_arn, "sigv4": {"region": region}}]}],
    }
    inner = yaml.safe_dump(config, sort_keys=False, width=1000)
    # AMP takes the Alertmanager configuration as a block under alertmanager_config.
    return "alertmanager_config: |\n" + "".join(f"  {line}\n" for line in inner.splitlines())
