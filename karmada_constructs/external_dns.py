"""ExternalDNS in a member cluster, with Route 53 access to one zone and one domain through EKS Pod Identity."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cdk8s
from aws_cdk import Aws
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from charts.external_dns import NAMESPACE, SERVICE_ACCOUNT
from karmada_constructs.chart_manifest import ChartManifest, ChartManifestProps
from karmada_constructs.nag import acknowledge
from karmada_constructs.pod_identity import pod_identity_association, pod_identity_principal

# What ExternalDNS v0.21.0's AWS provider calls (provider/aws/aws.go, Route53API), less what our flags never reach:
# CreateHostedZone (never called by the controller) and ListTagsForResources (only with --aws-zone-tags).
CHANGE = "route53:ChangeResourceRecordSets"
LIST_RECORDS = "route53:ListResourceRecordSets"
LIST_ZONES = "route53:ListHostedZones"
# Alias A and AAAA records to the member's NLB (AWS provider: an ELB target becomes both), and their TXT owners.
RECORD_TYPES = ["A", "AAAA", "TXT"]


def record_names(domain: str) -> list[str]:
    """The names ExternalDNS may change: the domain and every name under it.

    The TXT owners too: their prefix, ``_extdns-<type>.``, is a label of its own (charts/external_dns/props.py).
    """
    return [domain, f"*.{domain}"]


@dataclass(frozen=True, kw_only=True)
class ExternalDnsProps:
    """Properties of `ExternalDns`."""

    cluster: eks.ICluster
    """The member cluster ExternalDNS runs in (also the Pod Identity condition)."""
    chart: cdk8s.Chart
    """ExternalDNS's objects (charts/external_dns)."""
    target: str
    """The rendered-manifests file the chart is recorded in (member-<name>)."""
    hosted_zone_id: str
    """The Route 53 hosted zone it may change (Z...)."""
    domain: str
    """The name, with the names under it, it may change, e.g. apps.example.com."""
    depends_on: Sequence[IConstruct] = ()
    """Applied after these (the node group, the Pod Identity agent). Default: none."""


class ExternalDns(Construct):
    """ExternalDNS's AWS identity and objects in one member.

    An IAM role that only ``external-dns/external-dns`` of this cluster, in this account, can assume through EKS Pod
    Identity, allowed: route53:ChangeResourceRecordSets on the one hosted zone, for A, AAAA and TXT records named
    `domain` or under it (route53:ChangeResourceRecordSetsNormalizedRecordNames / RecordTypes); listing that
    zone's records; and route53:ListHostedZones, which has no resource to scope to. Then the Pod Identity
    association, and the chart applied after it (credentials are injected when the pod is created).
    """

    def __init__(self, scope: Construct, id: str, props: ExternalDnsProps) -> None:
        super().__init__(scope, id)
        self.role = self._add_role(props)
        self.association = pod_identity_association(self, "PodIdentityAssociation", props.cluster, NAMESPACE,
                                                    SERVICE_ACCOUNT, self.role)
        self.manifest = ChartManifest(self, "Chart", ChartManifestProps(
            cluster=props.cluster, chart=props.chart, target=props.target))
        self.manifest.node.add_dependency(self.association)
        for dependency in props.depends_on:
            self.manifest.node.add_dependency(dependency)

    def _add_role(self, props: ExternalDnsProps) -> iam.Role:
        zone_arn = f"arn:{Aws.PARTITION}:route53:::hostedzone/{props.hosted_zone_id}"
        role = iam.Role(self, "Role", description=f"ExternalDNS: records under {props.domain} (Pod Identity)",
                        assumed_by=pod_identity_principal(self, props.cluster, NAMESPACE, SERVICE_ACCOUNT))
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ChangeRecordsUnderTheDomainOnly",
            actions=[CHANGE],
            resources=[zone_arn],
            conditions={"ForAllValues:StringLike": {
                "route53:ChangeResourceRecordSetsNormalizedRecordNames": record_names(props.domain),
            }, "ForAllValues:StringEquals": {
                "route53:ChangeResourceRecordSetsRecordTypes": RECORD_TYPES,
                "route53:ChangeResourceRecordSetsActions": ["CREATE", "UPSERT", "DELETE"],
            }},
        ))
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="ReadTheZonesRecords", actions=[LIST_RECORDS], resources=[zone_arn]))
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="FindTheZone", actions=[LIST_ZONES], resources=["*"]))
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "route53:ListHostedZones supports no resource-level permission (Route 53 service authorization "
            "reference); ExternalDNS calls it to find the zone, and it reads zone names only, no records.",
        )
        return role
