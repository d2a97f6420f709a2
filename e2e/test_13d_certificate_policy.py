"""Issue 13, item 1: no one mints a Karmada credential through cert-manager, not even a parent cluster admin.

The parent's ValidatingAdmissionPolicies (charts/karmada/certificate_policy.py), enforced by the real
kube-apiserver 1.35 of the local parent, refuse a Certificate for a Karmada Issuer that the app does not render, a
rendered one whose subject is changed, and a CertificateRequest from anyone but cert-manager. Every attempt is a
server-side dry run as the parent's admin (admission runs; nothing is stored, so a failure here leaves no
credential behind).
"""

from __future__ import annotations

import json

from e2e.conftest import Kubectl

NAMESPACE = "karmada-system"
DRY_RUN = ("--dry-run=server", "-o", "name")


def certificate(name: str, issuer: str, common_name: str, organizations: list[str]) -> dict:
    return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "spec": {"secretName": name, "issuerRef": {"group": "cert-manager.io", "kind": "Issuer", "name": issuer},
                     "commonName": common_name, "subject": {"organizations": organizations},
                     "usages": ["digital signature", "key encipherment", "client auth"],
                     "privateKey": {"algorithm": "ECDSA", "size": 256, "rotationPolicy": "Always"},
                     "duration": "2160h"}}


def create(parent: Kubectl, obj: dict):
    return parent.run("create", "-f", "-", *DRY_RUN, stdin=json.dumps(obj), check=False)


def test_a_certificate_the_app_does_not_render_may_not_use_a_karmada_ca(parent):
    for issuer, organizations in (("karmada-ca", ["system:masters"]), ("karmada-ca", ["system:karmada:control-plane"]),
                                  ("karmada-etcd-ca", []), ("karmada-front-proxy-ca", [])):
        done = create(parent, certificate("mallory", issuer, "mallory", organizations))
        assert done.returncode != 0, f"a rogue Certificate for {issuer} was admitted"
        assert "only the Certificates eks-karmada renders may use the Karmada CAs" in done.stderr, done.stderr


def test_a_rendered_certificate_may_not_change_its_subject_but_may_be_applied_as_rendered(parent):
    admin = parent.json("get", "certificate", "karmada-admin-client", "-n", NAMESPACE)
    as_rendered = {"apiVersion": admin["apiVersion"], "kind": "Certificate",
                   "metadata": {"name": admin["metadata"]["name"], "namespace": NAMESPACE},
                   "spec": admin["spec"]}
    done = parent.run("apply", "--server-side", "--field-manager", "e2e", "--force-conflicts", "-f", "-", *DRY_RUN,
                      stdin=json.dumps(as_rendered), check=False)
    assert done.returncode == 0, done.stderr

    renamed = json.loads(json.dumps(as_rendered))
    renamed["spec"]["commonName"] = "mallory"
    done = parent.run("apply", "--server-side", "--field-manager", "e2e", "--force-conflicts", "-f", "-", *DRY_RUN,
                      stdin=json.dumps(renamed), check=False)
    assert done.returncode != 0 and "must ask for exactly what eks-karmada renders" in done.stderr, done.stderr

    # The components' cluster-admin group on a client certificate of a component that has none (kube-controller-
    # manager uses Kubernetes' built-in identity).
    kcm = parent.json("get", "certificate", "karmada-kube-controller-manager-client", "-n", NAMESPACE)
    patch = {"spec": {"subject": {"organizations": ["system:karmada:control-plane"]}}}
    done = parent.run("patch", "certificate", kcm["metadata"]["name"], "-n", NAMESPACE, "--type=merge",
                      "-p", json.dumps(patch), *DRY_RUN, check=False)
    assert done.returncode != 0 and "must ask for exactly what eks-karmada renders" in done.stderr, done.stderr


def test_only_cert_manager_may_ask_a_karmada_issuer_for_a_signature(parent):
    request = {"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
               "metadata": {"name": "mallory", "namespace": NAMESPACE},
               "spec": {"issuerRef": {"group": "cert-manager.io", "kind": "Issuer", "name": "karmada-ca"},
                        "request": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K",
                        "usages": ["client auth"]}}
    done = create(parent, request)
    assert done.returncode != 0, "a CertificateRequest for karmada-ca was admitted from the parent's admin"
    assert "only cert-manager may ask a Karmada Issuer for a signature" in done.stderr, done.stderr


def test_other_issuers_in_the_namespace_are_not_the_policy_s_business(parent):
    done = create(parent, certificate("someone-elses", "someone-elses-issuer", "x", ["y"]))
    assert done.returncode == 0, done.stderr
