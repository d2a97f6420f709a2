"""The control plane's PKI, issued and renewed by cert-manager.

Three CA chains, each rooted in a self-signed cert-manager Certificate whose
private key never rotates (``rotationPolicy: Never``) so the trust anchor stays
stable across its renewals:

* ``karmada-ca`` signs the karmada-apiserver serving certificate, the serving
  certificates the apiserver dials (webhook, aggregated API servers, scheduler
  estimators) and one intermediate, ``karmada-client-ca``. Its ``ca.crt`` is the
  ``${Karmada.CaBundle}`` the bootstrap chart needs and what every client trusts.
* ``karmada-client-ca`` (signed by ``karmada-ca``) signs every client
  certificate of the Karmada API (components, agents, break-glass) and is the
  only CA karmada-apiserver accepts a client certificate from
  (``--client-ca-file``): a certificate ``karmada-ca`` signs directly
  authenticates no one. Replacing its key revokes every client certificate at
  once while the serving trust, copied into kubeconfigs, webhooks and members,
  stays as it was. Its leaves' ``ca.crt`` is still ``karmada-ca`` (cert-manager
  writes the top of the chain), so clients keep one trust anchor.
* ``karmada-front-proxy-ca`` signs only the aggregator's front-proxy client
  and the cluster guard's (which passes the aggregator's headers on to
  karmada-aggregated-apiserver): aggregated API servers trust request headers
  from a certificate of that CA with an allowed name, so it must not be the
  main CA.
* ``karmada-etcd-ca`` signs the etcd server, peer and client certificates.
  etcd authorises any certificate its trusted CA signed (no etcd RBAC here), so
  a separate CA keeps Karmada API clients and admins away from raw etcd.

The service-account signing key is a Certificate too (self-signed,
``rotationPolicy: Never``): cert-manager generates the key in-cluster, so no key
ever appears in a template, and it survives certificate renewals.

Leaf keys rotate on every renewal (``rotationPolicy: Always``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from constructs import Construct

from charts.karmada import names
from charts.karmada.common.objects import emit_all, labels, metadata
from charts.karmada.props import KarmadaControlPlaneProps

CERT_MANAGER_API = "cert-manager.io/v1"

SERVER_USAGES = ("digital signature", "key encipherment", "server auth")
CLIENT_USAGES = ("digital signature", "key encipherment", "client auth")
PEER_USAGES = ("digital signature", "key encipherment", "server auth", "client auth")
CA_USAGES = ("digital signature", "cert sign", "crl sign")

# RSA everywhere: the NLB's HTTPS health checker and older kubectl/TLS stacks
# all speak it; 4096-bit for the long-lived trust anchors.
LEAF_KEY_SIZE = 2048
CA_KEY_SIZE = 4096


@dataclass(frozen=True)
class CertificateRequest:
    """One cert-manager Certificate; ``name`` is also its Secret's name."""

    name: str
    issuer: str
    common_name: str
    usages: Sequence[str]
    organizations: Sequence[str] = ()
    dns_names: Sequence[str] = ()
    ip_addresses: Sequence[str] = ()
    is_ca: bool = False
    stable_key: bool = False  # rotationPolicy Never
    key_size: int = LEAF_KEY_SIZE
    purpose: str = ""

    @property
    def secret_name(self) -> str:
        return self.name


def _split_hosts(hosts: Sequence[str]) -> tuple[list[str], list[str]]:
    """External hosts are opaque strings (CDK tokens); only literal IPs become IP SANs."""
    dns, ips = [], []
    for host in hosts:
        try:
            ips.append(str(ipaddress.ip_address(host)))
        except ValueError:
            dns.append(host)
    return dns, ips


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _serving(component: str, props: KarmadaControlPlaneProps, *, service: str | None = None) -> CertificateRequest:
    return CertificateRequest(
        name=names.serving_secret(component),
        issuer=names.CA_ISSUER,
        common_name=component,
        usages=SERVER_USAGES,
        dns_names=names.service_dns_names(service or component, props),
        purpose=f"{component} serving certificate",
    )


def _client(component: str, *, user: str | None = None, groups: Sequence[str] | None = None) -> CertificateRequest:
    return CertificateRequest(
        name=names.client_secret(component),
        issuer=names.CLIENT_CA_ISSUER,
        common_name=user or names.component_user(component),
        organizations=tuple(groups if groups is not None else (names.COMPONENT_GROUP,)),
        usages=CLIENT_USAGES,
        purpose=f"{component} client certificate for the Karmada API",
    )


def _etcd_client(component: str) -> CertificateRequest:
    return CertificateRequest(
        name=names.etcd_client_secret(component),
        issuer=names.ETCD_CA_ISSUER,
        common_name=f"system:karmada:{component}-etcd-client",
        usages=CLIENT_USAGES,
        purpose=f"{component} client certificate for etcd",
    )


def certificate_authorities() -> list[CertificateRequest]:
    def ca(name: str, cn: str, purpose: str) -> CertificateRequest:
        return CertificateRequest(
            name=name,
            issuer=names.SELF_SIGNED_ISSUER,
            common_name=cn,
            usages=CA_USAGES,
            is_ca=True,
            stable_key=True,
            key_size=CA_KEY_SIZE,
            purpose=purpose,
        )

    return [
        ca(names.CA_SECRET, "karmada-ca", "root CA of the Karmada API"),
        ca(names.FRONT_PROXY_CA_SECRET, "karmada-front-proxy-ca", "front-proxy (request header) CA"),
        ca(names.ETCD_CA_SECRET, "karmada-etcd-ca", "etcd CA"),
    ]


def client_ca() -> CertificateRequest:
    """The intermediate that signs the Karmada API's client certificates (``karmada-ca`` signs it)."""
    return CertificateRequest(
        name=names.CLIENT_CA_SECRET,
        issuer=names.CA_ISSUER,
        common_name=names.CLIENT_CA_COMMON_NAME,
        usages=CA_USAGES,
        is_ca=True,
        stable_key=True,
        key_size=CA_KEY_SIZE,
        purpose="client CA of the Karmada API (karmada-apiserver --client-ca-file)",
    )


def ca_issuers() -> dict[str, str]:
    """CA Issuer name -> the Secret of the CA it signs with."""
    return {
        names.CA_ISSUER: names.CA_SECRET,
        names.CLIENT_CA_ISSUER: names.CLIENT_CA_SECRET,
        names.FRONT_PROXY_CA_ISSUER: names.FRONT_PROXY_CA_SECRET,
        names.ETCD_CA_ISSUER: names.ETCD_CA_SECRET,
    }


def leaf_certificates(props: KarmadaControlPlaneProps) -> list[CertificateRequest]:
    members = names.etcd_member_names(props)
    member_fqdns = [names.etcd_member_fqdn(m, props) for m in members]
    # Also the ".svc" form: both resolve through the pod's DNS search path.
    member_svc = [f"{m}.{names.ETCD_PEER_SERVICE}.{props.namespace}.svc" for m in members]
    external_dns, external_ips = _split_hosts(props.external_hosts)

    certs: list[CertificateRequest] = [
        # --- etcd ---------------------------------------------------------------
        CertificateRequest(
            name=names.ETCD_SERVER_SECRET,
            issuer=names.ETCD_CA_ISSUER,
            common_name="karmada-etcd-server",
            # etcd's gRPC gateway dials its own client port with this
            # certificate, so it needs client auth as well.
            usages=PEER_USAGES,
            dns_names=_unique(
                [
                    *member_fqdns,
                    *member_svc,
                    *names.service_dns_names(names.ETCD_CLIENT_SERVICE, props),
                    "localhost",
                ]
            ),
            ip_addresses=("127.0.0.1", "::1"),
            purpose="etcd client-port serving certificate",
        ),
        CertificateRequest(
            name=names.ETCD_PEER_SECRET,
            issuer=names.ETCD_CA_ISSUER,
            common_name="karmada-etcd-peer",
            usages=PEER_USAGES,
            # No IP SANs on purpose: etcd then verifies a connecting peer by
            # resolving these names and matching its source IP.
            dns_names=_unique([*member_fqdns, *member_svc]),
            purpose="etcd peer certificate (both directions)",
        ),
        _etcd_client(names.APISERVER),
        _etcd_client(names.AGGREGATED_APISERVER),
        # --- karmada-apiserver ----------------------------------------------------
        CertificateRequest(
            name=names.APISERVER_SERVING_SECRET,
            issuer=names.CA_ISSUER,
            common_name=names.APISERVER,
            usages=SERVER_USAGES,
            dns_names=_unique([*names.service_dns_names(names.APISERVER, props), "localhost", *external_dns]),
            ip_addresses=_unique(["127.0.0.1", *external_ips]),
            purpose="karmada-apiserver serving certificate (in-cluster and external names)",
        ),
        CertificateRequest(
            name=names.FRONT_PROXY_CLIENT_SECRET,
            issuer=names.FRONT_PROXY_CA_ISSUER,
            common_name=names.FRONT_PROXY_CLIENT_CN,
            usages=CLIENT_USAGES,
            purpose="aggregator client towards aggregated API servers",
        ),
        CertificateRequest(
            name=names.ADMIN_CLIENT_SECRET,
            issuer=names.CLIENT_CA_ISSUER,
            common_name=names.ADMIN_USER,
            organizations=(names.MASTERS_GROUP,),
            usages=CLIENT_USAGES,
            purpose="break-glass admin identity used by the deployment tooling",
        ),
        # --- components --------------------------------------------------------------
        _client(names.KUBE_CONTROLLER_MANAGER, user=names.KCM_USER, groups=()),
        _client(names.CONTROLLER_MANAGER),
        _client(names.SCHEDULER),
        _client(names.WEBHOOK),
        _serving(names.WEBHOOK, props),
        _client(names.AGGREGATED_APISERVER),
        _serving(names.AGGREGATED_APISERVER, props),
        _serving(names.CLUSTER_GUARD, props),
        CertificateRequest(
            name=names.CLUSTER_GUARD_PROXY_SECRET,
            issuer=names.FRONT_PROXY_CA_ISSUER,
            common_name=names.CLUSTER_GUARD_PROXY_CN,
            usages=CLIENT_USAGES,
            purpose="cluster guard's client towards karmada-aggregated-apiserver (it forwards the aggregator's "
                    "request headers)",
        ),
    ]
    if props.descheduler:
        certs.append(_client(names.DESCHEDULER))
    if props.search:
        certs += [_client(names.SEARCH), _serving(names.SEARCH, props), _etcd_client(names.SEARCH)]
    if props.metrics_adapter:
        certs += [_client(names.METRICS_ADAPTER), _serving(names.METRICS_ADAPTER, props)]
    for member in props.scheduler_estimators:
        certs.append(_serving(names.estimator_name(member), props))
    for member in props.pull_members:
        certs.append(
            CertificateRequest(
                name=names.agent_client_secret(member),
                issuer=names.CLIENT_CA_ISSUER,
                common_name=names.agent_user(member),
                organizations=(names.AGENT_GROUP,),
                usages=CLIENT_USAGES,
                purpose=f"karmada-agent of member {member} (copied into the member at registration)",
            )
        )
    return certs


def service_account_key() -> CertificateRequest:
    return CertificateRequest(
        name=names.SERVICE_ACCOUNT_KEY_SECRET,
        # Self-signed so tls.crt holds exactly one public key (a CA-issued
        # tls.crt would also carry the CA's key into --service-account-key-file).
        issuer=names.SELF_SIGNED_ISSUER,
        common_name="karmada-service-account-signer",
        usages=("digital signature",),
        stable_key=True,
        purpose="service-account token signing key",
    )


def all_certificates(props: KarmadaControlPlaneProps) -> list[CertificateRequest]:
    return [*certificate_authorities(), client_ca(), service_account_key(), *leaf_certificates(props)]


# --- manifests --------------------------------------------------------------------------------
def issuer_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    meta_labels = labels("karmada-pki", props)
    out = [
        {
            "apiVersion": CERT_MANAGER_API,
            "kind": "Issuer",
            "metadata": metadata(names.SELF_SIGNED_ISSUER, namespace=props.namespace, labels=meta_labels),
            "spec": {"selfSigned": {}},
        }
    ]
    for issuer, secret in ca_issuers().items():
        out.append(
            {
                "apiVersion": CERT_MANAGER_API,
                "kind": "Issuer",
                "metadata": metadata(issuer, namespace=props.namespace, labels=meta_labels),
                "spec": {"ca": {"secretName": secret}},
            }
        )
    return out


def certificate_manifest(cert: CertificateRequest, props: KarmadaControlPlaneProps) -> dict[str, Any]:
    if cert.is_ca or cert.stable_key:
        duration, renew_before = props.ca_cert_duration, props.ca_cert_renew_before
    else:
        duration, renew_before = props.leaf_cert_duration, props.leaf_cert_renew_before
    spec: dict[str, Any] = {
        "secretName": cert.secret_name,
        "secretTemplate": {"labels": labels("karmada-pki", props)},
        "commonName": cert.common_name,
        "duration": duration,
        "renewBefore": renew_before,
        "usages": list(cert.usages),
        "privateKey": {
            "algorithm": "RSA",
            "size": cert.key_size,
            "encoding": "PKCS1",
            "rotationPolicy": "Never" if cert.stable_key else "Always",
        },
        "issuerRef": {"group": "cert-manager.io", "kind": "Issuer", "name": cert.issuer},
        "revisionHistoryLimit": 3,
    }
    if cert.is_ca:
        spec["isCA"] = True
    if cert.organizations:
        spec["subject"] = {"organizations": list(cert.organizations)}
    if cert.dns_names:
        spec["dnsNames"] = list(cert.dns_names)
    if cert.ip_addresses:
        spec["ipAddresses"] = list(cert.ip_addresses)
    annotations = {"karmada.io/purpose": cert.purpose} if cert.purpose else None
    return {
        "apiVersion": CERT_MANAGER_API,
        "kind": "Certificate",
        "metadata": metadata(
            cert.name, namespace=props.namespace, labels=labels("karmada-pki", props), annotations=annotations
        ),
        "spec": spec,
    }


def pki_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    issuers = issuer_manifests(props)
    # Self-signed issuer, then the CAs it issues, then the CA issuers, the intermediate, then leaves.
    return [
        issuers[0],
        *(certificate_manifest(c, props) for c in certificate_authorities()),
        certificate_manifest(service_account_key(), props),
        *issuers[1:],
        certificate_manifest(client_ca(), props),
        *(certificate_manifest(c, props) for c in leaf_certificates(props)),
    ]


class KarmadaPki(Construct):
    """cert-manager Issuers and Certificates of every CA, key and leaf the control plane uses."""

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id)
        emit_all(self, pki_manifests(props))
