"""The parent's admission policies that let only this app's Certificates use the Karmada CAs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cdk8s
from aws_cdk import Token
from aws_cdk import aws_eks_v2 as eks
from constructs import Construct, IConstruct

from charts.karmada.certificate_policy import (
    AllowedCertificate,
    CertificatePolicyProps,
    KarmadaCertificatePolicyChart,
)
from karmada_constructs.chart_manifest import ChartManifest, ChartManifestProps


@dataclass(frozen=True, kw_only=True)
class KarmadaCertificatePolicyProps:
    """Properties of `KarmadaCertificatePolicy`."""
    cluster: eks.ICluster
    """The parent cluster."""
    charts: cdk8s.App
    """The cdk8s app the policy chart is made in."""
    target: str
    """The rendered-manifests file ("parent")."""
    namespace: str
    """The control plane's namespace, where the Karmada Issuers are."""
    issuers: Sequence[str]
    """The Karmada Issuers."""
    guarded: Sequence[ChartManifest]
    """Every manifest of the parent: the Certificates among them for those Issuers are the ones allowed, and each
    manifest holding one is applied after the policy."""
    depends_on: Sequence[IConstruct] = ()
    """Applied after these (the node group, so that it goes while the cluster still runs). Default: none."""


class KarmadaCertificatePolicy(Construct):
    """Admission policies on the parent cluster: only the Certificates this app renders may use the Karmada CAs.

    Collects every cert-manager Certificate in `guarded` whose Issuer is a Karmada one and applies
    charts/karmada/certificate_policy.py's ValidatingAdmissionPolicies with exactly those (name, issuer, subject,
    usages), before the manifests that hold them; CertificateRequests for those Issuers only from cert-manager.
    """

    def __init__(self, scope: Construct, id: str, props: KarmadaCertificatePolicyProps) -> None:
        super().__init__(scope, id)
        issuers = set(props.issuers)
        holders: list[ChartManifest] = []
        allowed: list[AllowedCertificate] = []
        for manifest in props.guarded:
            mine = [AllowedCertificate.of(o) for o in manifest.objects
                    if o.get("kind") == "Certificate" and o.get("apiVersion", "").startswith("cert-manager.io/")
                    and (o.get("metadata") or {}).get("namespace") == props.namespace
                    and o["spec"]["issuerRef"]["name"] in issuers]
            if mine:
                holders.append(manifest)
                allowed.extend(mine)
        for certificate in allowed:
            if Token.is_unresolved(certificate.identity) or Token.is_unresolved(certificate.name):
                raise ValueError(f"{self.node.path}: Certificate {certificate.name}'s subject is known only at "
                                 "deploy time; the policy pins it at synth")
        self.manifest = ChartManifest(self, "Manifest", ChartManifestProps(
            cluster=props.cluster,
            target=props.target,
            chart=KarmadaCertificatePolicyChart(props.charts, "karmada-certificate-policy", CertificatePolicyProps(
                namespace=props.namespace, issuers=sorted(issuers), certificates=allowed)),
        ))
        for dependency in props.depends_on:
            self.manifest.node.add_dependency(dependency)
        for holder in holders:
            holder.node.add_dependency(self.manifest)
