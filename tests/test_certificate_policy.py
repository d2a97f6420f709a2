"""The parent's admission policies on the Karmada CAs (charts/karmada/certificate_policy.py), as synthesized."""

from __future__ import annotations

import re

import pytest
from aws_cdk.assertions import Template

from charts.karmada.certificate_policy import (
    CERT_MANAGER_USER,
    AllowedCertificate,
    CertificatePolicyProps,
    certificate_policy_manifests,
)

KARMADA_ISSUERS = {"karmada-selfsigned", "karmada-ca", "karmada-client-ca", "karmada-etcd-ca",
                   "karmada-front-proxy-ca"}


def _policies(synthesized) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in synthesized.manifests["parent"]
            if o["kind"] == "ValidatingAdmissionPolicy"}


def _allowed(policy: dict) -> dict[str, str]:
    (expression,) = [v["expression"] for v in policy["spec"]["variables"] if v["name"] == "allowed"]
    return dict(re.findall(r"'([^']*)': '([^']*)'", expression))


def test_every_certificate_the_parent_renders_for_a_karmada_issuer_is_allowed_exactly(synthesized):
    rendered = [o for o in synthesized.manifests["parent"] if o["kind"] == "Certificate"
                and o["spec"]["issuerRef"]["name"] in KARMADA_ISSUERS]
    allowed = _allowed(_policies(synthesized)["eks-karmada.karmada-certificates"])
    assert allowed == {c["metadata"]["name"]: AllowedCertificate.of(c).identity for c in rendered}
    # The ones that matter most, spelled out.
    assert allowed["karmada-admin-client"] == (
        "karmada-client-ca|system:admin|system:masters|digital signature,key encipherment,client auth|false")
    assert allowed["karmada-ca"].endswith("|true") and allowed["karmada-ca"].startswith("karmada-selfsigned|")
    assert allowed["karmada-client-ca"] == "karmada-ca|karmada-client-ca||digital signature,cert sign,crl sign|true"
    assert {"karmada-fleet-guard-client", "etcd-backup-etcd-client"} <= set(allowed)  # from other charts


def test_the_policies_deny_and_are_scoped_to_the_karmada_issuers_in_their_namespace(synthesized):
    policies = _policies(synthesized)
    assert set(policies) == {"eks-karmada.karmada-certificates", "eks-karmada.karmada-certificate-requests"}
    for name, policy in policies.items():
        spec = policy["spec"]
        assert spec["failurePolicy"] == "Fail"
        assert spec["matchConstraints"]["namespaceSelector"] == {
            "matchLabels": {"kubernetes.io/metadata.name": "karmada-system"}}
        (condition,) = spec["matchConditions"]
        assert all(f"'{issuer}'" in condition["expression"] for issuer in KARMADA_ISSUERS)
        (binding,) = [o for o in synthesized.manifests["parent"] if o["kind"] == "ValidatingAdmissionPolicyBinding"
                      and o["spec"]["policyName"] == name]
        assert binding["spec"]["validationActions"] == ["Deny"]
    requests = policies["eks-karmada.karmada-certificate-requests"]["spec"]
    assert requests["matchConstraints"]["resourceRules"][0]["operations"] == ["CREATE"]
    assert requests["validations"][0]["expression"] == (
        "request.userInfo.username == 'system:serviceaccount:cert-manager:cert-manager'")


def test_every_manifest_holding_such_a_certificate_is_applied_after_the_policy(synthesized):
    parent = Template.from_json(synthesized.templates["KarmadaParent"])
    manifests = parent.find_resources("Custom::AWSCDK-EKS-KubernetesResource")
    (policy_id,) = [k for k in manifests if k.startswith("KarmadaCertificatePolicy")]
    holders = [k for k, v in manifests.items() if '"kind":"Certificate"' in str(v["Properties"]["Manifest"])
               and "cert-manager.io" in str(v["Properties"]["Manifest"])]
    assert len(holders) >= 3  # the control plane's PKI, the etcd backup's client, the fleet guard's client
    for holder in holders:
        assert policy_id in manifests[holder].get("DependsOn", []), holder
    # It waits only for the cluster and its nodes (so that it goes before them): nothing of the bring-up waits longer.
    assert all(d.startswith(("EksClusterKubectlReadyBarrier", "EksClusterNodegroupNodes"))
               for d in manifests[policy_id].get("DependsOn", []))


def test_names_and_subjects_are_quoted_for_cel():
    tricky = AllowedCertificate(name="a", issuer="karmada-ca", common_name="o'brien\\x")
    manifests = certificate_policy_manifests(CertificatePolicyProps(
        namespace="karmada-system", issuers=["karmada-ca"], certificates=[tricky]))
    (expression,) = [v["expression"] for v in manifests[0]["spec"]["variables"] if v["name"] == "allowed"]
    assert expression == "{'a': 'karmada-ca|o\\'brien\\\\x|||false'}"


@pytest.mark.parametrize("spec, identity", [
    ({"issuerRef": {"name": "karmada-ca"}}, "karmada-ca||||false"),
    ({"issuerRef": {"name": "karmada-ca"}, "commonName": "x", "subject": {"organizations": ["a", "b"]},
      "usages": ["client auth"], "isCA": True}, "karmada-ca|x|a,b|client auth|true"),
])
def test_the_identity_text_of_a_rendered_certificate(spec, identity):
    assert AllowedCertificate.of({"metadata": {"name": "n"}, "spec": spec}).identity == identity


def test_the_only_requester_is_the_cert_manager_the_parent_installs(synthesized):
    """CERT_MANAGER_USER names the service account of the Helm release karmada_constructs/cert_manager.py installs."""
    parent = Template.from_json(synthesized.templates["KarmadaParent"])
    (release,) = [v["Properties"] for v in parent.find_resources("Custom::AWSCDK-EKS-HelmChart").values()
                  if v["Properties"].get("Chart") == "cert-manager"]
    assert f"system:serviceaccount:{release['Namespace']}:{release['Release']}" == CERT_MANAGER_USER
