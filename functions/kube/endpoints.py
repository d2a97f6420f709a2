"""Choosing which pod addresses of a Service to connect to, from its EndpointSlices.

The Lambda runs in the parent cluster's VPC, where pod IPs (VPC CNI) are routable, so it can reach
the Karmada API server pods directly without a load balancer or DNS inside the cluster.
"""

from __future__ import annotations

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def service_selector(service: str) -> str:
    """Label selector of a Service's EndpointSlices."""
    return f"{SERVICE_NAME_LABEL}={service}"


def ready_addresses(slices: list[dict]) -> list[str]:
    """Addresses of ready endpoints, in slice order, without duplicates.

    ``conditions.ready`` missing means ready (the EndpointSlice API says consumers should treat an
    unknown state as ready); terminating endpoints are skipped. FQDN slices are ignored: only IP
    addresses can be reached without cluster DNS.
    """
    seen: list[str] = []
    for endpoint_slice in slices:
        if endpoint_slice.get("addressType", "IPv4") not in ("IPv4", "IPv6"):
            continue
        for endpoint in endpoint_slice.get("endpoints") or []:
            conditions = endpoint.get("conditions") or {}
            if conditions.get("ready") is False or conditions.get("terminating") is True:
                continue
            for address in endpoint.get("addresses") or []:
                if address and address not in seen:
                    seen.append(address)
    return seen
