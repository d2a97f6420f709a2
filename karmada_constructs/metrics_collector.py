"""A metrics collector on an EKS cluster that remote-writes to the AMP workspace, with AWS access through Pod Identity.

Why the AWS Distro for OpenTelemetry collector rather than the AMP managed scraper (AWS::APS::Scraper):
karmada-apiserver, karmada-aggregated-apiserver and Karmada's kube-controller-manager serve /metrics only
to an authenticated, authorised client, and the managed scraper presents no client certificate; it also
scrapes from network interfaces in the VPC, so the karmada-system NetworkPolicies would have to admit
subnet ranges instead of one pod, and it needs cluster-wide read RBAC where the collector needs read on
pods in the namespaces it scrapes. A collector in the cluster has its own Karmada client certificate
(issued and renewed by cert-manager), is named by one pod selector in each NetworkPolicy, and costs one
small pod instead of a scraper billed by the hour.
"""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cdk8s
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from karmada_constructs.chart_manifest import ChartManifest, ChartManifestProps
from karmada_constructs.pod_identity import pod_identity_association, pod_identity_principal

# The action a remote write needs, and nothing else (no query, no rules, no workspace management).
REMOTE_WRITE = "aps:RemoteWrite"


@dataclass(frozen=True, kw_only=True)
class MetricsCollectorProps:
    """Properties of `MetricsCollector`."""
    cluster: eks.ICluster
    """The cluster the collector runs on (also the Pod Identity condition)."""
    namespace: str
    """The collector's namespace."""
    service_account: str
    """The collector's ServiceAccount, the only one that may assume the role."""
    workspace_arn: str
    """The AMP workspace the collector writes to."""
    chart: cdk8s.Chart
    """The collector's objects (charts/metrics_collector)."""
    target: str
    """The rendered-manifests file the chart is recorded in."""
    description: str
    """What the role is for (its IAM description)."""
    depends_on: Sequence[IConstruct] = ()
    """Applied after these (namespace, issuer, Pod Identity agent). Default: none."""


class MetricsCollector(Construct):
    """A collector's AWS identity and objects.

    An IAM role that only the ServiceAccount ``<namespace>/<service_account>`` of this one cluster, in this account,
    can assume through EKS Pod Identity (trust conditioned on aws:SourceAccount, aws:SourceArn and the
    eks-cluster-arn, kubernetes-namespace and kubernetes-service-account session tags), allowed nothing but
    aps:RemoteWrite on the one workspace; the Pod Identity association; and the collector's chart applied after the
    association (credentials are injected when the pod is created) and after ``depends_on``.
    """

    def __init__(self, scope: Construct, id: str, props: MetricsCollectorProps) -> None:
        super().__init__(scope, id)
        self.role = self._add_role(props)
        self.association = pod_identity_association(self, "PodIdentityAssociation", props.cluster, props.namespace,
                                                    props.service_account, self.role)
        self.manifest = ChartManifest(self, "Chart", ChartManifestProps(
            cluster=props.cluster, chart=props.chart, target=props.target))
        self.manifest.node.add_dependency(self.association)
        for dependency in props.depends_on:
            self.manifest.node.add_dependency(dependency)

    def _add_role(self, props: MetricsCollectorProps) -> iam.Role:
        role = iam.Role(self, "Role", description=props.description, assumed_by=pod_identity_principal(
            self, props.cluster, props.namespace, props.service_account))
        role.add_to_principal_policy(iam.PolicyStatement(
            sid="RemoteWriteToTheFleetWorkspace", actions=[REMOTE_WRITE], resources=[props.workspace_arn]))
        return role
