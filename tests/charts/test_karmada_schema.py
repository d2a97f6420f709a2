"""Every rendered object is well-formed.

Kubernetes 1.35 schemas for built-in kinds (strict: unknown fields fail), structural checks for
cert-manager and Karmada custom resources.
"""

from __future__ import annotations

import base64

import kubernetes_validate
import pytest
from karmada_render import CERT_MANAGER, Rendered

from charts.karmada import render_ca_bundle

K8S_VERSION = "1.35.0"
SAMPLE_CA = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").decode()
CUSTOM_GROUPS = ("cert-manager.io/", "policy.karmada.io/")


def _builtin(objs):
    return [o for o in objs if not o["apiVersion"].startswith(CUSTOM_GROUPS)]


def _id(o):
    return f"{o['kind']}/{o['metadata']['name']}"


def test_parent_builtin_objects_validate_strictly(any_rendered: Rendered):
    objs = _builtin(any_rendered.parent)
    assert objs
    for obj in objs:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


def test_karmada_api_builtin_objects_validate_strictly_after_ca_substitution(any_rendered: Rendered):
    for obj in _builtin(any_rendered.karmada):
        kubernetes_validate.validate(render_ca_bundle(obj, SAMPLE_CA), K8S_VERSION, strict=True)


def test_no_custom_resource_of_unexpected_group(any_rendered: Rendered):
    groups = {o["apiVersion"] for o in any_rendered.parent + any_rendered.karmada if "." in o["apiVersion"]}
    unexpected = {
        g
        for g in groups
        if g.split("/")[0].endswith(("cert-manager.io", "karmada.io"))
        and g not in (CERT_MANAGER, "policy.karmada.io/v1alpha1")
    }
    assert not unexpected
    # CRDs are installed by the lead's applier, never by these charts.
    assert not [o for o in any_rendered.parent + any_rendered.karmada if o["kind"] == "CustomResourceDefinition"]


# --- cert-manager (structural, cert-manager.io/v1) -------------------------------------------------------
CERT_SPEC_KEYS = {
    "secretName": str,
    "secretTemplate": dict,
    "commonName": str,
    "duration": str,
    "renewBefore": str,
    "usages": list,
    "privateKey": dict,
    "issuerRef": dict,
    "isCA": bool,
    "subject": dict,
    "dnsNames": list,
    "ipAddresses": list,
    "revisionHistoryLimit": int,
}
KEY_USAGES = {
    "signing", "digital signature", "content commitment", "key encipherment", "key agreement",
    "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any",
    "server auth", "client auth", "code signing", "email protection", "s/mime", "ipsec end system",
    "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc",
}  # fmt: skip


def test_certificates_are_structurally_valid(any_rendered: Rendered):
    for cert in any_rendered.of_kind("Certificate"):
        assert cert["apiVersion"] == CERT_MANAGER
        assert cert["metadata"]["namespace"] == any_rendered.props.namespace
        spec = cert["spec"]
        assert set(spec) <= set(CERT_SPEC_KEYS), set(spec) - set(CERT_SPEC_KEYS)
        for key, typ in CERT_SPEC_KEYS.items():
            if key in spec:
                assert isinstance(spec[key], typ), f"{_id(cert)}: {key}"
        for required in ("secretName", "issuerRef", "commonName", "duration", "renewBefore", "privateKey"):
            assert required in spec, f"{_id(cert)} lacks {required}"
        assert set(spec["usages"]) <= KEY_USAGES
        assert set(spec["issuerRef"]) == {"group", "kind", "name"}
        assert spec["issuerRef"]["kind"] == "Issuer" and spec["issuerRef"]["group"] == "cert-manager.io"
        pk = spec["privateKey"]
        assert set(pk) <= {"algorithm", "size", "encoding", "rotationPolicy"}
        assert pk["algorithm"] in ("RSA", "ECDSA", "Ed25519")
        assert pk["rotationPolicy"] in ("Always", "Never")
        assert pk["encoding"] in ("PKCS1", "PKCS8")
        assert len(spec["commonName"]) <= 64
        assert set(spec.get("subject", {})) <= {"organizations", "organizationalUnits", "countries"}


def test_issuers_are_structurally_valid(any_rendered: Rendered):
    issuers = any_rendered.of_kind("Issuer")
    assert issuers
    for issuer in issuers:
        assert issuer["apiVersion"] == CERT_MANAGER
        spec = issuer["spec"]
        assert len(spec) == 1 and next(iter(spec)) in ("selfSigned", "ca")
        if "ca" in spec:
            assert set(spec["ca"]) == {"secretName"}


# --- Karmada CRs (structural, policy.karmada.io/v1alpha1 as of v1.18.2) -----------------------------------
def test_cluster_taint_policy_is_structurally_valid(any_rendered: Rendered):
    (policy,) = [o for o in any_rendered.karmada if o["kind"] == "ClusterTaintPolicy"]
    assert policy["apiVersion"] == "policy.karmada.io/v1alpha1"
    assert "namespace" not in policy["metadata"]  # cluster-scoped
    spec = policy["spec"]
    assert set(spec) <= {"targetClusters", "addOnConditions", "removeOnConditions", "taints"}
    assert len(spec["taints"]) >= 1
    for taint in spec["taints"]:
        assert set(taint) <= {"key", "effect", "value"} and {"key", "effect"} <= set(taint)
        assert taint["effect"] in ("NoSchedule", "PreferNoSchedule", "NoExecute")
    keys = [(t["key"], t["effect"]) for t in spec["taints"]]
    assert len(keys) == len(set(keys)), "duplicate taints are rejected by karmada-webhook"
    for cond in spec["addOnConditions"] + spec["removeOnConditions"]:
        assert set(cond) == {"conditionType", "operator", "statusValues"}
        assert cond["operator"] in ("In", "NotIn")
        assert set(cond["statusValues"]) <= {"True", "False", "Unknown"}


@pytest.mark.parametrize("field", ["metadata"])
def test_every_object_has_explicit_name(any_rendered: Rendered, field):
    for obj in any_rendered.parent + any_rendered.karmada:
        assert obj[field]["name"], obj
