"""Namespace, PriorityClass and the credential-free kubeconfigs."""

from __future__ import annotations

from typing import Any

import yaml
from constructs import Construct

from charts.karmada import names
from charts.karmada.common.objects import emit_all, labels, metadata
from charts.karmada.network_policy import network_policy_manifests
from charts.karmada.props import KarmadaControlPlaneProps

# The AWS Load Balancer Controller's webhook adds a readiness gate to pods of a namespace with this label that
# back a TargetGroupBinding: a new karmada-apiserver pod counts as ready (and the rollout goes on) only once
# the NLB reports its target healthy, so a rollout never leaves the NLB without a healthy target.
POD_READINESS_GATE_LABEL = {"elbv2.k8s.aws/pod-readiness-gate-inject": "enabled"}


def namespace_manifest(props: KarmadaControlPlaneProps) -> dict[str, Any]:
    psa = {
        f"pod-security.kubernetes.io/{mode}{suffix}": value
        for mode in ("enforce", "audit", "warn")
        for suffix, value in (("", "restricted"), ("-version", props.pod_security_version))
    }
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": metadata(props.namespace, labels={**labels("karmada", props), **psa,
                                                      **POD_READINESS_GATE_LABEL}),
    }


def priority_class_manifest(props: KarmadaControlPlaneProps) -> dict[str, Any]:
    return {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": metadata(props.priority_class_name, labels=labels("karmada", props)),
        "value": props.priority_class_value,
        "globalDefault": False,
        "preemptionPolicy": "PreemptLowerPriority",
        "description": "Karmada control plane: etcd, API servers and controllers of the federation.",
    }


def kubeconfig_document(
    *, server: str, cluster: str, user: str, user_entry: dict[str, Any], ca_file: str | None = None
) -> str:
    cluster_entry: dict[str, Any] = {"server": server}
    if ca_file:
        cluster_entry["certificate-authority"] = ca_file
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": cluster_entry}],
        "users": [{"name": user, "user": user_entry}],
        "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": user}}],
        "current-context": cluster,
        "preferences": {},
    }
    return yaml.safe_dump(doc, sort_keys=False)


def component_kubeconfig(props: KarmadaControlPlaneProps) -> str:
    """Kubeconfig shared by every component: file references only, no credentials.

    Each pod mounts its *own* client-certificate Secret at CLIENT_CERT_DIR;
    client-go re-reads file-based client certificates, so renewals need no
    restart.
    """
    client = names.CLIENT_CERT_DIR
    return kubeconfig_document(
        server=names.apiserver_internal_url(props),
        cluster="karmada-apiserver",
        user="karmada-component",
        ca_file=f"{client}/ca.crt",
        user_entry={"client-certificate": f"{client}/tls.crt", "client-key": f"{client}/tls.key"},
    )


def admin_kubeconfig(props: KarmadaControlPlaneProps) -> str:
    """User-facing template: server and names only; the CLI adds CA and credentials."""
    return kubeconfig_document(
        server=props.external_server_url, cluster="karmada-apiserver", user="karmada-admin", user_entry={}
    )


def config_map(name: str, props: KarmadaControlPlaneProps, data: dict[str, str], component: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(name, namespace=props.namespace, labels=labels(component, props)),
        "data": data,
    }


def foundation_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    return [
        namespace_manifest(props),
        priority_class_manifest(props),
        config_map(
            names.COMPONENT_KUBECONFIG,
            props,
            {names.COMPONENT_KUBECONFIG_KEY: component_kubeconfig(props)},
            "karmada",
        ),
        config_map(names.ADMIN_KUBECONFIG, props, {names.ADMIN_KUBECONFIG_KEY: admin_kubeconfig(props)}, "karmada"),
        # With the namespace, so no pod of the control plane ever starts unprotected.
        *(network_policy_manifests(props) if props.network_policies else []),
    ]


class KarmadaFoundation(Construct):
    """The control plane's namespace and what every component shares.

    Namespace (PSA restricted), PriorityClass, the component/admin kubeconfig ConfigMaps and the namespace's
    NetworkPolicies (charts/karmada/network_policy.py).
    """

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id)
        emit_all(self, foundation_manifests(props))
