"""Typed, validated inputs of the ExternalDNS chart (Kubernetes only: no AWS here)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from charts.images import is_pinned
from charts.karmada.props import Resources

NAMESPACE = "external-dns"
SERVICE_ACCOUNT = "external-dns"  # the Pod Identity association names it
NAME = "external-dns"  # Deployment, ClusterRole(Binding), app.kubernetes.io/name
# v0.21.0, the version `make local` builds and `make e2e` runs (local_control_plane/binaries.py): the newest served,
# v0.23.0, needs Go 1.27 (the local build pins 1.26), and v0.22.0 needs a module the Go proxy here refuses.
# Its tag and image tag are the same.
DEFAULT_IMAGE = "registry.k8s.io/external-dns/external-dns:v0.21.0"
# ExternalDNS serves /healthz and /metrics on --metrics-address (default :7979).
HEALTH_PORT = 7979
# The TXT registry names each ownership record `<prefix><first label>.<rest>`; with the record type in the prefix
# and a dot after it (registry/mapper/mapper.go, ToTXTName) the record for `web.apps.example.com` is
# `_extdns-a.web.apps.example.com`, and the apex's `_extdns-a.apps.example.com`: always a name under the domain
# (so the IAM condition `*.<domain>` covers it), and never the name of an alias or CNAME record.
TXT_PREFIX = "_extdns-%{record_type}."
_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


class ExternalDnsPropsError(ValueError):
    """An ExternalDNS input that cannot be rendered; the message names the field and the fix."""


@dataclass(frozen=True, kw_only=True)
class ExternalDnsProps:
    """Properties of `ExternalDnsChart`."""

    owner_id: str
    """This ExternalDNS's TXT owner id: the member's name, so each member deletes only its own records."""
    domain: str
    """The only DNS name (and its subdomains) ExternalDNS writes, e.g. apps.example.com."""
    hosted_zone_id: str
    """The Route 53 public hosted zone it writes into (Z...)."""
    region: str
    """AWS region for the SDK's client (Route 53 is global; the member's region keeps calls local)."""
    image: str = DEFAULT_IMAGE
    """The pinned image (mirrored where the config says). Default: DEFAULT_IMAGE."""
    image_pull_policy: str = "IfNotPresent"
    """Its pull policy. Default: IfNotPresent."""
    interval_seconds: int = 60
    """Seconds between two full reconciliations (Service changes trigger one sooner). Default: 60."""
    # A CPU limit, unlike the control plane's: a reconcile loop that lags a few seconds harms nothing.
    resources: Resources = Resources(cpu_request="50m", cpu_limit="200m", memory_request="64Mi",
                                     memory_limit="128Mi")
    """Requests and limits. Default: 50m CPU (200m limit), 64Mi memory (128Mi limit)."""

    def __post_init__(self) -> None:
        if not _DNS_LABEL.match(self.owner_id):
            raise ExternalDnsPropsError(f"owner_id: {self.owner_id!r} is not a DNS label; use the member's name")
        if not _ZONE_ID.match(self.hosted_zone_id):
            raise ExternalDnsPropsError(f"hosted_zone_id: {self.hosted_zone_id!r} is not a Route 53 zone id; "
                                        "use the zone's id, like Z0123456789ABCDEFGHIJ")
        labels = self.domain.split(".")
        if len(labels) < 2 or not all(_DNS_LABEL.match(label) for label in labels):
            raise ExternalDnsPropsError(f"domain: {self.domain!r} is not a lower-case DNS name; write it like "
                                        "apps.example.com")
        if not is_pinned(self.image):
            raise ExternalDnsPropsError(f"image: {self.image!r} is not pinned; give a version tag or a digest")
        if not 10 <= self.interval_seconds <= 3600:
            raise ExternalDnsPropsError(
                f"interval_seconds: {self.interval_seconds} is outside 10..3600; pick a value in it")
