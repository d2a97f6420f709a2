"""Issue 13, item 1: no one mints a Karmada credential through cert-manager, not even a parent cluster admin.

The parent's ValidatingAdmissionPolicies (charts/karmada/certificate_policy.py), enforced by the real
kube-apiserver 1.35 of the local parent, refuse a Certificate for a Karmada Issuer that the app does not render, a
rendered one whose subject is changed, and a CertificateRequest from anyone but cert-manager. The local parent runs
no cert-manager (its PKI is issued as cert-manager would), so the module installs cert-manager's own CRDs of the
pinned version for its tests and removes them after. Every attempt is a server-side dry run as the parent's admin
(admission runs; nothing is stored, so a failure here leaves no credential behind).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from e2e.conftest import Kubectl, wait_for
from eks_karmada.config import load_config
from local_control_plane.binaries import downloaded_module

NAMESPACE = "karmada-system"
DRY_RUN = ("--dry-run=server", "-o", "name")
CERT_MANAGER_CRDS = ("cert-manager.io_certificates.yaml", "cert-manager.io_certificaterequests.yaml")


@pytest.fixture(scope="module", autouse=True)
def cert_manager_crds(parent: Kubectl) -> Iterator[None]:
    """cert-manager's own CRDs at the version the app installs, removed again afterwards.

    The local parent runs no cert-manager: its PKI is issued as cert-manager would (local_control_plane/pki.py).
    """
    version = load_config(os.environ.get("LOCAL_CONFIG", "config/local.yaml")).parent.addons.cert_manager
    folder = downloaded_module("github.com/cert-manager/cert-manager", version) / "deploy" / "crds"
    manifests = "\n".join((folder / name).read_text() for name in CERT_MANAGER_CRDS)
    parent.apply(manifests)
    wait_for(lambda: parent.run("get", "certificates", "-n", NAMESPACE, check=False).returncode == 0, 60,
             "cert-manager's CRDs served")
    yield
    parent.run("delete", "-f", "-", "--wait=true", stdin=manifests)


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
    for issuer, organizations in (("karmada-client-ca", ["system:masters"]),
                                  ("karmada-client-ca", ["system:karmada:control-plane"]),
                                  ("karmada-ca", ["system:masters"]), ("karmada-etcd-ca", []),
                                  ("karmada-front-proxy-ca", [])):
        done = create(parent, certificate("mallory", issuer, "mallory", organizations))
        assert done.returncode != 0, f"a rogue Certificate for {issuer} was admitted"
        assert "only the Certificates eks-karmada renders may use the Karmada CAs" in done.stderr, done.stderr


def rendered_certificate(env, name: str) -> dict:
    (found,) = [o for o in env.objects("parent") if o["kind"] == "Certificate" and o["metadata"]["name"] == name]
    return found


def test_a_rendered_certificate_may_be_created_as_rendered_but_not_with_another_subject(env, parent):
    admin = rendered_certificate(env, "karmada-admin-client")
    done = create(parent, admin)
    assert done.returncode == 0, done.stderr

    renamed = json.loads(json.dumps(admin))
    renamed["spec"]["commonName"] = "mallory"
    done = create(parent, renamed)
    assert done.returncode != 0 and "must ask for exactly what eks-karmada renders" in done.stderr, done.stderr

    # The components' cluster-admin group on the client certificate of a component that has none (kube-controller-
    # manager uses Kubernetes' built-in identity).
    kcm = json.loads(json.dumps(rendered_certificate(env, "karmada-kube-controller-manager-client")))
    kcm["spec"]["subject"] = {"organizations": ["system:karmada:control-plane"]}
    done = create(parent, kcm)
    assert done.returncode != 0 and "must ask for exactly what eks-karmada renders" in done.stderr, done.stderr

    # The admin's certificate from the serving CA instead of the client CA.
    moved = json.loads(json.dumps(admin))
    moved["spec"]["issuerRef"]["name"] = "karmada-ca"
    done = create(parent, moved)
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
