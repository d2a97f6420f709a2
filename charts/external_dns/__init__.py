"""ExternalDNS in a member cluster (Kubernetes objects only, no AWS): publishes its public Services in Route 53.

``ExternalDnsChart`` holds the namespace, identity, read-only RBAC on Services, the Deployment and a default-deny
ingress policy; ``external_dns_args`` is the flag set (docs/traffic.md explains the records it writes).
"""

from charts.external_dns.chart import ExternalDnsChart, external_dns_args
from charts.external_dns.props import (
    DEFAULT_IMAGE,
    HEALTH_PORT,
    NAMESPACE,
    SERVICE_ACCOUNT,
    TXT_PREFIX,
    ExternalDnsProps,
    ExternalDnsPropsError,
)

__all__ = [
    "DEFAULT_IMAGE",
    "HEALTH_PORT",
    "NAMESPACE",
    "SERVICE_ACCOUNT",
    "TXT_PREFIX",
    "ExternalDnsChart",
    "ExternalDnsProps",
    "ExternalDnsPropsError",
    "external_dns_args",
]
