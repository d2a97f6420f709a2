"""The two collector charts: the parent's (Karmada control plane, etcd, cert-manager) and a Pull member's."""

from __future__ import annotations

import cdk8s
from constructs import Construct

from charts.karmada import names
from charts.karmada.common.objects import emit_all
from charts.karmada.pki import certificate_manifest
from charts.karmada.props import KarmadaControlPlaneProps
from charts.metrics_collector.manifests import client_certificate_request, collector_manifests
from charts.metrics_collector.props import MetricsCollectorProps


class ParentMetricsCollectorChart(cdk8s.Chart):
    """The parent's collector in the control plane's namespace.

    ServiceAccount (Pod Identity), Roles to discover pods in karmada-system and cert-manager, its Karmada client
    Certificate (Karmada CA Issuer, renewed like the components'), the ConfigMap, the Deployment, and one
    NetworkPolicy per karmada-system job admitting the collector to that metrics port.
    """

    def __init__(self, scope: Construct, id: str, props: MetricsCollectorProps,
                 control_plane: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id, disable_resource_name_hashes=True)
        certificate = certificate_manifest(client_certificate_request(names.CLIENT_CA_ISSUER), control_plane)
        emit_all(self, collector_manifests(props, certificate=certificate,
                                           isolated_namespaces=(control_plane.namespace,)))


class AgentMetricsCollectorChart(cdk8s.Chart):
    """A Pull member's collector next to its karmada-agent.

    ServiceAccount (Pod Identity), a Role to discover pods in the agent's namespace, the ConfigMap and the Deployment.
    """

    def __init__(self, scope: Construct, id: str, props: MetricsCollectorProps) -> None:
        super().__init__(scope, id, disable_resource_name_hashes=True)
        emit_all(self, collector_manifests(props))
