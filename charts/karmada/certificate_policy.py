"""Admission policies on the parent: only the Certificates this app renders may use the Karmada CAs.

cert-manager signs whatever Certificate names one of its Issuers, and the Karmada CAs' Issuers live in the
control plane's namespace: anyone who may create a Certificate there could have ``karmada-client-ca`` sign
``system:masters`` (or the components' cluster-admin group), ``karmada-ca`` a serving certificate for the API's names
or another client CA, ``karmada-etcd-ca`` an etcd client, or ``karmada-front-proxy-ca`` a front proxy that asserts
any user. Two ValidatingAdmissionPolicies (kube-apiserver's own
CEL admission, no webhook to run) close that for everyone, cluster admins included, short of deleting the policies:

* ``certificates``: a Certificate in the namespace whose ``issuerRef`` is a Karmada Issuer must be one this app
  renders, by name, with exactly its issuer, common name, organizations, usages and ``isCA`` (DNS names and
  addresses are not pinned: serving names carry the load balancer's, known only at deploy time, and grant no identity);
* ``certificate requests``: a CertificateRequest for a Karmada Issuer may be created only by cert-manager itself (its
  Certificates controller), so no one asks for a signature directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cdk8s
from constructs import Construct

from charts.karmada.common.objects import emit_all

VAP_API = "admissionregistration.k8s.io/v1"
POLICY_PREFIX = "eks-karmada.karmada-"
# cert-manager's controller: release "cert-manager" in namespace "cert-manager" (karmada_constructs/cert_manager.py).
CERT_MANAGER_USER = "system:serviceaccount:cert-manager:cert-manager"


@dataclass(frozen=True)
class AllowedCertificate:
    """One Certificate the app renders: what it may ask a Karmada Issuer to sign."""

    name: str
    issuer: str
    common_name: str = ""
    organizations: tuple[str, ...] = ()
    usages: tuple[str, ...] = ()
    is_ca: bool = False

    @classmethod
    def of(cls, certificate: dict[str, Any]) -> AllowedCertificate:
        spec = certificate["spec"]
        return cls(
            name=certificate["metadata"]["name"],
            issuer=spec["issuerRef"]["name"],
            common_name=spec.get("commonName", ""),
            organizations=tuple((spec.get("subject") or {}).get("organizations") or ()),
            usages=tuple(spec.get("usages") or ()),
            is_ca=bool(spec.get("isCA", False)),
        )

    @property
    def identity(self) -> str:
        """The same text the policy's CEL builds from a Certificate (``_IDENTITY``)."""
        return "|".join([self.issuer, self.common_name, ",".join(self.organizations), ",".join(self.usages),
                         "true" if self.is_ca else "false"])


# CEL, over a Certificate: the text ``AllowedCertificate.identity`` gives the rendered one.
_IDENTITY = (
    "object.spec.issuerRef.name + '|' + "
    "(has(object.spec.commonName) ? object.spec.commonName : '') + '|' + "
    "(has(object.spec.subject) && has(object.spec.subject.organizations) ? "
    "object.spec.subject.organizations.join(',') : '') + '|' + "
    "(has(object.spec.usages) ? object.spec.usages.join(',') : '') + '|' + "
    "(has(object.spec.isCA) && object.spec.isCA ? 'true' : 'false')"
)


@dataclass(frozen=True)
class CertificatePolicyProps:
    """Properties of `KarmadaCertificatePolicyChart`."""

    namespace: str
    """The control plane's namespace, where the Karmada Issuers are."""
    issuers: Sequence[str]
    """The Karmada Issuers (charts/karmada/pki.py: the self-signed one and the CAs)."""
    certificates: Sequence[AllowedCertificate]
    """Every Certificate the app renders for those Issuers."""
    cert_manager_user: str = CERT_MANAGER_USER
    """The only user who may create CertificateRequests for them. Default: cert-manager's service account."""


def _cel_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _cel_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(_cel_string(v) for v in values) + "]"


def _karmada_issuer_condition(issuers: Sequence[str]) -> dict[str, str]:
    return {"name": "karmada-issuer",
            "expression": "(!has(object.spec.issuerRef.kind) || object.spec.issuerRef.kind == 'Issuer') && "
                          f"object.spec.issuerRef.name in {_cel_list(sorted(issuers))}"}


def _policy(name: str, props: CertificatePolicyProps, resource: str, operations: list[str],
            spec: dict[str, Any]) -> list[dict[str, Any]]:
    policy_name = POLICY_PREFIX + name
    return [
        {"apiVersion": VAP_API, "kind": "ValidatingAdmissionPolicy", "metadata": {"name": policy_name},
         "spec": {
             "failurePolicy": "Fail",
             "matchConstraints": {
                 "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": props.namespace}},
                 "resourceRules": [{"apiGroups": ["cert-manager.io"], "apiVersions": ["*"],
                                    "operations": operations, "resources": [resource]}],
             },
             "matchConditions": [_karmada_issuer_condition(props.issuers)],
             **spec,
         }},
        {"apiVersion": VAP_API, "kind": "ValidatingAdmissionPolicyBinding", "metadata": {"name": policy_name},
         "spec": {"policyName": policy_name, "validationActions": ["Deny"]}},
    ]


def certificate_policy_manifests(props: CertificatePolicyProps) -> list[dict[str, Any]]:
    allowed = "{" + ", ".join(f"{_cel_string(c.name)}: {_cel_string(c.identity)}"
                              for c in sorted(props.certificates, key=lambda c: c.name)) + "}"
    return [
        *_policy("certificates", props, "certificates", ["CREATE", "UPDATE"], {
            "variables": [{"name": "allowed", "expression": allowed}, {"name": "identity", "expression": _IDENTITY}],
            "validations": [
                {"expression": "object.metadata.name in variables.allowed",
                 "messageExpression": "'Certificate ' + object.metadata.name + ' may not use Issuer ' + "
                                      "object.spec.issuerRef.name + ': only the Certificates eks-karmada renders may "
                                      "use the Karmada CAs'",
                 "reason": "Forbidden"},
                {"expression": "!(object.metadata.name in variables.allowed) || "
                               "variables.allowed[object.metadata.name] == variables.identity",
                 "messageExpression": "'Certificate ' + object.metadata.name + ' must ask for exactly what eks-karmada "
                                      "renders (issuer|commonName|organizations|usages|isCA): ' + "
                                      "variables.allowed[object.metadata.name] + ', not ' + variables.identity",
                 "reason": "Forbidden"},
            ],
        }),
        *_policy("certificate-requests", props, "certificaterequests", ["CREATE"], {
            "validations": [
                {"expression": f"request.userInfo.username == {_cel_string(props.cert_manager_user)}",
                 "messageExpression": "'only cert-manager may ask a Karmada Issuer for a signature, not ' + "
                                      "request.userInfo.username",
                 "reason": "Forbidden"},
            ],
        }),
    ]


class KarmadaCertificatePolicyChart(cdk8s.Chart):
    """The two ValidatingAdmissionPolicies (and their bindings) that guard the Karmada CAs' Issuers."""

    def __init__(self, scope: Construct, id: str, props: CertificatePolicyProps) -> None:
        super().__init__(scope, id, disable_resource_name_hashes=True)
        emit_all(self, certificate_policy_manifests(props))
