"""Objects applied to the KARMADA API server itself (not to the parent cluster).

Two charts, each applied by a KarmadaManifest in document order once karmada-apiserver is Ready:

``KarmadaApiRbacChart``, applied with the break-glass ``karmada-admin-client`` certificate (system:masters), the
only thing that certificate applies: RBAC for the component identities (-> cluster-admin), people's groups,
karmada-view/-edit aggregated into view/edit, cluster-proxy-admin for system:admin, and the deploy-time handlers
(charts/karmada/handler_rbac.py), among them the KarmadaManifest provider's own role, which applies everything else.
Nothing for Pull mode: each agent gets its own narrow RBAC from its registration.

``KarmadaApiBootstrapChart``, applied by the KarmadaManifest provider's own role after the CRDs. Before applying it,
the applier replaces every ``${Karmada.CaBundle}`` with the base64 PEM of the Karmada CA (the published
``karmada-ca-bundle``, the ``ca.crt`` of Secret ``karmada-admin-client``); ``render_ca_bundle`` does that. Contents,
in apply order:

1. Namespace ``karmada-system`` (leader-election Leases, ExternalName Services).
2. kube-public/cluster-info with the external address and CA (kubeadm's layout;
   readable only by identities RBAC allows: no anonymous or bootstrap-token access).
3. APIServices of the aggregated API servers, each behind an ExternalName
   Service that resolves to the real Service in the host cluster (the
   aggregator resolves Services through the Karmada API, which has no
   endpoints of its own).
4. karmada-webhook Mutating/ValidatingWebhookConfigurations (URL clientConfig:
   the apiserver resolves the host cluster's DNS).
5. The failover ClusterTaintPolicy (validated by the webhook, so last).

CRDs are not here: KarmadaApiBootstrap (karmada_constructs/karmada_control_plane.py)
applies the pinned release's files, each checked against its digest, with the
release's own conversion-webhook patches for ``resourcebindings`` and
``clusterresourcebindings`` (``crd_conversion_patches`` states what they set).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cdk8s
import yaml
from constructs import Construct

from charts.karmada import names
from charts.karmada.common.objects import emit_all, labels, metadata
from charts.karmada.handler_rbac import manifest_applier_rbac, registrar_rbac
from charts.karmada.optional.metrics_adapter import METRICS_ADAPTER_API_VERSIONS
from charts.karmada.optional.search import SEARCH_API_VERSIONS
from charts.karmada.props import KarmadaControlPlaneProps

CA_BUNDLE_PLACEHOLDER = names.CA_BUNDLE_PLACEHOLDER
RBAC_API = "rbac.authorization.k8s.io/v1"
RBAC_GROUP = "rbac.authorization.k8s.io"

# Taint keys Karmada defines for unhealthy clusters (cluster/v1alpha1 well-known constants).
TAINT_NOT_READY = names.TAINT_NOT_READY


def _meta(name: str, props: KarmadaControlPlaneProps, namespace: str | None = None, **extra_labels: str) -> dict:
    return metadata(name, namespace=namespace, labels=labels("karmada-bootstrap", props, **extra_labels))


# --- namespace and RBAC -----------------------------------------------------------------------------
def namespace(props: KarmadaControlPlaneProps) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(props.namespace, props)}


def cluster_role(name: str, props: KarmadaControlPlaneProps, rules: list[dict], **extra_labels: str) -> dict:
    return {"apiVersion": RBAC_API, "kind": "ClusterRole", "metadata": _meta(name, props, **extra_labels),
            "rules": rules}


def cluster_role_binding(name: str, props: KarmadaControlPlaneProps, role: str, subjects: list[dict]) -> dict:
    return {
        "apiVersion": RBAC_API,
        "kind": "ClusterRoleBinding",
        "metadata": _meta(name, props),
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
        "subjects": subjects,
    }


def _user(name: str) -> dict:
    return {"apiGroup": RBAC_GROUP, "kind": "User", "name": name}


def _group(name: str) -> dict:
    return {"apiGroup": RBAC_GROUP, "kind": "Group", "name": name}


# Karmada resources that the built-in view/edit roles should cover.
_AGGREGATED_RESOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("autoscaling.karmada.io",
     ("cronfederatedhpas", "cronfederatedhpas/status", "federatedhpas", "federatedhpas/status")),
    ("multicluster.x-k8s.io", ("serviceexports", "serviceexports/status", "serviceimports", "serviceimports/status")),
    (
        "networking.karmada.io",
        ("multiclusteringresses", "multiclusteringresses/status", "multiclusterservices",
         "multiclusterservices/status"),
    ),
    ("policy.karmada.io", ("overridepolicies", "propagationpolicies")),
    ("work.karmada.io", ("resourcebindings", "resourcebindings/status", "works", "works/status")),
)
_VIEW_VERBS = ["get", "list", "watch"]
# Cluster-scoped objects a fleet's users look at (the aggregated view role covers namespaced kinds only).
_FLEET_RESOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("", ("namespaces",)),
    ("cluster.karmada.io", ("clusters", "clusters/status")),
    ("policy.karmada.io", ("clusterpropagationpolicies", "clusteroverridepolicies", "clustertaintpolicies")),
    ("work.karmada.io", ("clusterresourcebindings", "clusterresourcebindings/status")),
)
_EDIT_VERBS = ["create", "delete", "deletecollection", "patch", "update"]


def rbac(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    def aggregated(verbs: list[str]) -> list[dict]:
        return [{"apiGroups": [g], "resources": list(r), "verbs": verbs} for g, r in _AGGREGATED_RESOURCES]

    return [
        # Karmada ships no per-component roles; its components need full access
        # (the controller-manager propagates arbitrary kinds). A group binding
        # instead of system:masters keeps that access revocable and auditable.
        cluster_role_binding(
            "karmada:control-plane-components", props, "cluster-admin", [_group(names.COMPONENT_GROUP)]
        ),
        cluster_role(
            "karmada-view", props, aggregated(_VIEW_VERBS), **{"rbac.authorization.k8s.io/aggregate-to-view": "true"}
        ),
        cluster_role(
            "karmada-edit", props, aggregated(_EDIT_VERBS), **{"rbac.authorization.k8s.io/aggregate-to-edit": "true"}
        ),
        # People and roles signed in through aws-iam-authenticator: cluster-admin, the aggregated edit or view
        # roles (karmada-edit/karmada-view add Karmada's namespaced kinds), and read access to the fleet's
        # cluster-scoped objects for editors and viewers. Never Secrets for viewers (view has none).
        cluster_role_binding(names.ADMINS_GROUP, props, "cluster-admin", [_group(names.ADMINS_GROUP)]),
        cluster_role_binding(names.EDITORS_GROUP, props, "edit", [_group(names.EDITORS_GROUP)]),
        cluster_role_binding(names.VIEWERS_GROUP, props, "view", [_group(names.VIEWERS_GROUP)]),
        cluster_role(names.FLEET_VIEWER_ROLE, props, [
            {"apiGroups": [group], "resources": list(resources), "verbs": _VIEW_VERBS}
            for group, resources in _FLEET_RESOURCES
        ]),
        cluster_role_binding(names.FLEET_VIEWER_ROLE, props, names.FLEET_VIEWER_ROLE,
                             [_group(names.EDITORS_GROUP), _group(names.VIEWERS_GROUP)]),
        cluster_role(
            "cluster-proxy-admin",
            props,
            [{"apiGroups": ["cluster.karmada.io"], "resources": ["clusters/proxy"], "verbs": list(PROXY_VERBS)}],
        ),
        cluster_role_binding("cluster-proxy-admin", props, "cluster-proxy-admin", [_user(names.ADMIN_USER)]),
        # Deploy-time handlers that sign in with their own IAM role (charts/karmada/handler_rbac.py).
        *registrar_rbac(props, lambda name, namespace=None: _meta(name, props, namespace=namespace)),
        *manifest_applier_rbac(lambda name: _meta(name, props)),
    ]


# Karmada v1.18.2 ships cluster-proxy-admin with verbs ["*"] (artifacts/deploy/cluster-proxy-admin-rbac.yaml).
# clusters/proxy is a connect subresource whose handler serves GET, HEAD, POST, PUT, PATCH and DELETE
# (pkg/registry/cluster/storage/proxy.go); kube-apiserver authorizes those as get (watch with
# ?watch), create, update, patch and delete. Listing them grants every request the proxy serves,
# without the wildcard that would also cover verbs added later (checkov CKV_K8S_49).
PROXY_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")

# Pull mode needs nothing here: each agent has a ready client certificate (cert-manager in the parent) and the
# registrar applies the agent's own narrow RBAC (functions/member_registration/objects.py agent_rbac). So no
# bootstrap-token or CSR auto-approval bindings and no `system:karmada:agent-rbac-generator` (*/*/*) that
# `karmadactl register` would use.


def cluster_info(props: KarmadaControlPlaneProps) -> dict[str, Any]:
    """kube-public/cluster-info: the address and CA a joining member trusts.

    Same shape kubeadm/karmadactl write (one cluster named ""). Nothing signs it (no bootstrapsigner) and no
    anonymous request may read it: this app never discovers the API by bootstrap token.
    """
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "",
                "cluster": {
                    "server": props.external_server_url,
                    "certificate-authority-data": CA_BUNDLE_PLACEHOLDER,
                },
            }
        ],
        "contexts": [],
        "current-context": "",
        "preferences": {},
        "users": [],
    }
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta("cluster-info", props, namespace="kube-public"),
        "data": {"kubeconfig": yaml.safe_dump(kubeconfig, sort_keys=False)},
    }


# --- aggregated APIs ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class AggregatedApi:
    """An APIService of the Karmada API and the Service that serves it."""
    group: str
    version: str
    service: str
    group_priority_minimum: int
    version_priority: int

    @property
    def name(self) -> str:
        return f"{self.version}.{self.group}"


def aggregated_apis(props: KarmadaControlPlaneProps) -> list[AggregatedApi]:
    # cluster.karmada.io through the cluster guard: karmada-aggregated-apiserver runs no admission of its own.
    apis = [AggregatedApi("cluster.karmada.io", "v1alpha1", names.CLUSTER_GUARD, 2000, 10)]
    if props.search:
        apis += [AggregatedApi(g, v, names.SEARCH, 2000, 10) for g, v in SEARCH_API_VERSIONS]
    if props.metrics_adapter:
        apis += [AggregatedApi(g, v, names.METRICS_ADAPTER, 100, 200) for g, v in METRICS_ADAPTER_API_VERSIONS]
    return apis


def external_name_service(service_name: str, props: KarmadaControlPlaneProps) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _meta(service_name, props, namespace=props.namespace),
        "spec": {"type": "ExternalName", "externalName": names.service_fqdn(service_name, props)},
    }


def api_service(api: AggregatedApi, props: KarmadaControlPlaneProps) -> dict[str, Any]:
    return {
        "apiVersion": "apiregistration.k8s.io/v1",
        "kind": "APIService",
        "metadata": _meta(api.name, props),
        "spec": {
            "group": api.group,
            "version": api.version,
            "groupPriorityMinimum": api.group_priority_minimum,
            "versionPriority": api.version_priority,
            # The aggregator dials <externalName>:443 and verifies the serving
            # certificate for "<service>.<namespace>.svc" against this CA.
            "service": {"name": api.service, "namespace": props.namespace, "port": names.SERVICE_HTTPS_PORT},
            "caBundle": CA_BUNDLE_PLACEHOLDER,
        },
    }


def aggregation(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    apis = aggregated_apis(props)
    services = list(dict.fromkeys(a.service for a in apis))
    return [*(external_name_service(s, props) for s in services), *(api_service(a, props) for a in apis)]


# --- webhooks ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class WebhookRule:
    """One admission webhook of karmada-webhook and the resources it intercepts."""
    name: str
    path: str
    group: str
    resources: Sequence[str]
    scope: str
    operations: Sequence[str] = ("CREATE", "UPDATE")
    timeout_seconds: int = 3
    side_effects: str = "None"
    object_selector: dict[str, Any] | None = None


MUTATING_WEBHOOKS: tuple[WebhookRule, ...] = (
    WebhookRule("propagationpolicy.karmada.io", "/mutate-propagationpolicy", "policy.karmada.io",
                ["propagationpolicies"], "Namespaced"),
    WebhookRule("clusterpropagationpolicy.karmada.io", "/mutate-clusterpropagationpolicy", "policy.karmada.io",
                ["clusterpropagationpolicies"], "Cluster"),
    WebhookRule("overridepolicy.karmada.io", "/mutate-overridepolicy", "policy.karmada.io", ["overridepolicies"],
                "Namespaced"),
    WebhookRule("resourcebinding.karmada.io", "/mutate-resourcebinding", "work.karmada.io", ["resourcebindings"],
                "Namespaced", ("CREATE",)),
    WebhookRule("clusterresourcebinding.karmada.io", "/mutate-clusterresourcebinding", "work.karmada.io",
                ["clusterresourcebindings"], "Cluster", ("CREATE",)),
    WebhookRule("work.karmada.io", "/mutate-work", "work.karmada.io", ["works"], "Namespaced"),
    WebhookRule("autoscaling.karmada.io", "/mutate-federatedhpa", "autoscaling.karmada.io", ["federatedhpas"],
                "Namespaced"),
    WebhookRule("multiclusterservice.karmada.io", "/mutate-multiclusterservice", "networking.karmada.io",
                ["multiclusterservices"], "Namespaced"),
)

VALIDATING_WEBHOOKS: tuple[WebhookRule, ...] = (
    WebhookRule("propagationpolicy.karmada.io", "/validate-propagationpolicy", "policy.karmada.io",
                ["propagationpolicies"], "Namespaced"),
    WebhookRule("clusterpropagationpolicy.karmada.io", "/validate-clusterpropagationpolicy", "policy.karmada.io",
                ["clusterpropagationpolicies"], "Cluster"),
    WebhookRule("overridepolicy.karmada.io", "/validate-overridepolicy", "policy.karmada.io", ["overridepolicies"],
                "Namespaced"),
    WebhookRule("clusteroverridepolicy.karmada.io", "/validate-clusteroverridepolicy", "policy.karmada.io",
                ["clusteroverridepolicies"], "Cluster"),
    WebhookRule("config.karmada.io", "/validate-resourceinterpreterwebhookconfiguration", "config.karmada.io",
                ["resourceinterpreterwebhookconfigurations"], "Cluster"),
    WebhookRule("resourceinterpretercustomization.karmada.io", "/validate-resourceinterpretercustomization",
                "config.karmada.io", ["resourceinterpretercustomizations"], "Cluster", timeout_seconds=10),
    WebhookRule("federatedresourcequota.karmada.io", "/validate-federatedresourcequota", "policy.karmada.io",
                ["federatedresourcequotas"], "Namespaced"),
    WebhookRule("multiclusteringress.karmada.io", "/validate-multiclusteringress", "networking.karmada.io",
                ["multiclusteringresses"], "Namespaced"),
    WebhookRule("federatedhpa.karmada.io", "/validate-federatedhpa", "autoscaling.karmada.io", ["federatedhpas"],
                "Namespaced"),
    WebhookRule("cronfederatedhpa.karmada.io", "/validate-cronfederatedhpa", "autoscaling.karmada.io",
                ["cronfederatedhpas"], "Namespaced"),
    WebhookRule("multiclusterservice.karmada.io", "/validate-multiclusterservice", "networking.karmada.io",
                ["multiclusterservices"], "Namespaced"),
    WebhookRule(
        "resourcedeletionprotection.karmada.io",
        "/validate-resourcedeletionprotection",
        "*",
        ["*"],
        "*",
        ("DELETE",),
        object_selector={
            "matchExpressions": [{"key": "resourcetemplate.karmada.io/deletion-protected", "operator": "Exists"}]
        },
    ),
    WebhookRule("resourcebinding.karmada.io", "/validate-resourcebinding", "work.karmada.io", ["resourcebindings"],
                "Namespaced", side_effects="NoneOnDryRun"),
    WebhookRule("clustertaintpolicy.karmada.io", "/validate-clustertaintpolicy", "policy.karmada.io",
                ["clustertaintpolicies"], "Cluster"),
)


def webhook_base_url(props: KarmadaControlPlaneProps) -> str:
    return f"https://{names.WEBHOOK}.{props.namespace}.svc:{names.SERVICE_HTTPS_PORT}"


def _webhook(rule: WebhookRule, props: KarmadaControlPlaneProps) -> dict[str, Any]:
    hook: dict[str, Any] = {
        "name": rule.name,
        "rules": [
            {
                "operations": list(rule.operations),
                "apiGroups": [rule.group],
                "apiVersions": ["*"],
                "resources": list(rule.resources),
                "scope": rule.scope,
            }
        ],
        "clientConfig": {"url": webhook_base_url(props) + rule.path, "caBundle": CA_BUNDLE_PLACEHOLDER},
        "failurePolicy": "Fail",
        "sideEffects": rule.side_effects,
        "admissionReviewVersions": ["v1"],
        "timeoutSeconds": rule.timeout_seconds,
    }
    if rule.object_selector:
        hook["objectSelector"] = rule.object_selector
    return hook


def webhook_configurations(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    # Karmada's own names, so its upgrade tooling recognises them.
    return [
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "MutatingWebhookConfiguration",
            "metadata": _meta("mutating-config", props),
            "webhooks": [{**_webhook(r, props), "reinvocationPolicy": "Never"} for r in MUTATING_WEBHOOKS],
        },
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "ValidatingWebhookConfiguration",
            "metadata": _meta("validating-config", props),
            "webhooks": [_webhook(r, props) for r in VALIDATING_WEBHOOKS],
        },
    ]


def crd_conversion_patches(props: KarmadaControlPlaneProps) -> dict[str, dict[str, Any]]:
    """Merge patches the CRD installer must apply (CRD name -> patch), CA placeholder included."""
    patch = {
        "spec": {
            "conversion": {
                "strategy": "Webhook",
                "webhook": {
                    "clientConfig": {"url": webhook_base_url(props) + "/convert", "caBundle": CA_BUNDLE_PLACEHOLDER},
                    "conversionReviewVersions": ["v1"],
                },
            }
        }
    }
    return {crd: copy.deepcopy(patch)
            for crd in ("resourcebindings.work.karmada.io", "clusterresourcebindings.work.karmada.io")}


# --- failover policy ------------------------------------------------------------------------------
def failover_taint_policy(props: KarmadaControlPlaneProps) -> dict[str, Any]:
    """Taint a member NoExecute while its Ready condition is False/Unknown.

    With the controller-manager's --enable-no-execute-taint-eviction this
    evicts (gracefully) workloads that do not tolerate the taint, and the
    scheduler moves them to healthy members; the taint is removed once Ready
    is True again.
    """
    return {
        "apiVersion": "policy.karmada.io/v1alpha1",
        "kind": "ClusterTaintPolicy",
        "metadata": _meta(names.FAILOVER_TAINT_POLICY, props),
        "spec": {
            "addOnConditions": [{"conditionType": "Ready", "operator": "In", "statusValues": ["False", "Unknown"]}],
            "removeOnConditions": [{"conditionType": "Ready", "operator": "In", "statusValues": ["True"]}],
            "taints": [{"key": TAINT_NOT_READY, "effect": "NoExecute"}],
        },
    }


def bootstrap_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    """What the KarmadaManifest provider applies after the CRDs (the RBAC is ``rbac``, applied before them)."""
    return [
        namespace(props),
        cluster_info(props),
        *aggregation(props),
        *webhook_configurations(props),
        failover_taint_policy(props),
    ]


def render_ca_bundle(manifest: Any, ca_bundle_b64: str) -> Any:
    """Deep copy of ``manifest`` with every CA placeholder replaced (for the applier and tests)."""
    if isinstance(manifest, dict):
        return {k: render_ca_bundle(v, ca_bundle_b64) for k, v in manifest.items()}
    if isinstance(manifest, list):
        return [render_ca_bundle(v, ca_bundle_b64) for v in manifest]
    if isinstance(manifest, str):
        return manifest.replace(CA_BUNDLE_PLACEHOLDER, ca_bundle_b64)
    return manifest


class KarmadaApiRbacChart(cdk8s.Chart):
    """The Karmada API's RBAC: the one chart the break-glass certificate applies (``rbac``).

    Bindings for the components, people's groups and the deploy-time handlers, among them the KarmadaManifest
    provider's role, which applies the CRDs and ``KarmadaApiBootstrapChart`` after it.
    """

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id, disable_resource_name_hashes=True)
        emit_all(self, rbac(props))


class KarmadaApiBootstrapChart(cdk8s.Chart):
    """Everything the Karmada API needs after its CRDs.

    Everything the Karmada API needs after CRDs, RBAC aside (``KarmadaApiRbacChart``): namespace, cluster-info,
    APIServices (+ ExternalName Services), webhook configurations and the failover ClusterTaintPolicy. Contains the
    ``${Karmada.CaBundle}`` placeholder.
    """

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id, disable_resource_name_hashes=True)
        emit_all(self, bootstrap_manifests(props))
