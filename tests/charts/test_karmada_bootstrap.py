"""Objects for the Karmada API itself.

They must line up with what the parent cluster serves (Services, ports, certificate names) and with
Karmada v1.18.2.
"""

from __future__ import annotations

import base64
import json

import cdk8s
import yaml
from karmada_render import NLB_TOKEN, Rendered, serving_cert_for_url, split_url
from karmada_v1_18_2_facts import WEBHOOK_PATHS

from charts.karmada import (
    CA_BUNDLE_PLACEHOLDER,
    KarmadaApiBootstrapChart,
    KarmadaControlPlaneProps,
    crd_conversion_patches,
    names,
    render_ca_bundle,
)
from charts.karmada.bootstrap import rbac


def _karmada(r: Rendered, kind: str) -> list[dict]:
    return [o for o in r.karmada if o["kind"] == kind]


def test_rbac_comes_first_then_namespace_and_policy_last(any_rendered: Rendered):
    rbac_count = len(rbac(any_rendered.props))
    assert {o["kind"] for o in any_rendered.karmada[:rbac_count]} <= {
        "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Namespace"}
    after_rbac = any_rendered.karmada[rbac_count:]
    kinds = [o["kind"] for o in after_rbac]
    assert kinds[0] == "Namespace" and after_rbac[0]["metadata"]["name"] == "karmada-system"
    assert kinds[-1] == "ClusterTaintPolicy", "validated by karmada-webhook: apply after its configuration"
    assert kinds.index("ValidatingWebhookConfiguration") < kinds.index("ClusterTaintPolicy")


def test_component_identities_are_authorised(full: Rendered):
    bindings = _karmada(full, "ClusterRoleBinding")
    groups_with_admin = {
        s["name"]
        for b in bindings
        if b["roleRef"]["name"] == "cluster-admin"
        for s in b["subjects"]
        if s["kind"] == "Group"
    }
    for cert in full.of_kind("Certificate"):
        spec = cert["spec"]
        if "client auth" not in spec["usages"] or full.issuing_ca_secret(spec["secretName"]) != names.CLIENT_CA_SECRET:
            continue
        orgs = set(spec.get("subject", {}).get("organizations", []))
        # system:masters (admin) and system:kube-controller-manager are built in.
        builtin = "system:masters" in orgs or spec["commonName"] == "system:kube-controller-manager"
        # Pull agents are authorised per member by the registration handler (functions/member_registration).
        per_member = orgs == {names.AGENT_GROUP}
        assert builtin or per_member or orgs & groups_with_admin, f"{spec['secretName']} would be forbidden everywhere"


def test_cluster_proxy_admin_is_bound_to_the_admin_identity(default: Rendered):
    binding = default.get("ClusterRoleBinding", "cluster-proxy-admin", default.karmada)
    admin_cn = default.certificates[names.ADMIN_CLIENT_SECRET]["spec"]["commonName"]
    assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": admin_cn}]
    role = default.get("ClusterRole", "cluster-proxy-admin", default.karmada)
    # Every verb a proxied request maps to, listed instead of Karmada's "*".
    assert role["rules"] == [{"apiGroups": ["cluster.karmada.io"], "resources": ["clusters/proxy"], "verbs": [
        "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]}]


def test_view_and_edit_roles_aggregate(default: Rendered):
    view = default.get("ClusterRole", "karmada-view", default.karmada)
    edit = default.get("ClusterRole", "karmada-edit", default.karmada)
    assert view["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-view"] == "true"
    assert edit["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-edit"] == "true"
    assert all(set(r["verbs"]) == {"get", "list", "watch"} for r in view["rules"])


def test_cluster_info_has_external_address_and_ca_placeholder(default: Rendered, bare: Rendered):
    cm = default.get("ConfigMap", "cluster-info", default.karmada)
    assert cm["metadata"]["namespace"] == "kube-public"
    kc = yaml.safe_load(cm["data"]["kubeconfig"])
    (cluster,) = kc["clusters"]
    assert cluster["name"] == ""
    assert cluster["cluster"]["server"] == f"https://{NLB_TOKEN}:443"
    assert cluster["cluster"]["certificate-authority-data"] == CA_BUNDLE_PLACEHOLDER
    assert split_url(cluster["cluster"]["server"])[0] in default.dns_sans(names.APISERVER_SERVING_SECRET)
    bare_kc = yaml.safe_load(bare.get("ConfigMap", "cluster-info", bare.karmada)["data"]["kubeconfig"])
    assert split_url(bare_kc["clusters"][0]["cluster"]["server"])[0] in bare.dns_sans(names.APISERVER_SERVING_SECRET)


def test_pull_members_get_no_bootstrap_csr_or_generator_rbac(default: Rendered, full: Rendered):
    # `full` has a Pull member: its agent holds a cert-manager certificate and its registration applies its own
    # narrow RBAC, so the Karmada API holds none of what `karmadactl register` needs.
    for r in (default, full):
        bindings = [*_karmada(r, "RoleBinding"), *_karmada(r, "ClusterRoleBinding")]
        subjects = {s["name"] for b in bindings for s in b["subjects"]}
        assert "system:anonymous" not in subjects
        assert not any(s.startswith(("system:bootstrappers", "system:karmada:agent")) for s in subjects), subjects
        roles = [*_karmada(r, "Role"), *_karmada(r, "ClusterRole")]
        names_ = {o["metadata"]["name"] for o in [*roles, *bindings]}
        assert not any("agent-rbac-generator" in n or "autoapprove" in n or "agent-bootstrap" in n
                       for n in names_), names_
        assert not any(rule.get("resources") and any("certificatesigningrequests" in x for x in rule["resources"])
                       for o in roles for rule in o["rules"])
        assert not any(rule.get("verbs") == ["*"] and rule.get("resources") == ["*"]
                       for o in roles for rule in o["rules"]), "a */*/* role in the Karmada API"
        assert not [o for o in roles if o["metadata"].get("namespace") == "kube-public"]


def test_api_services_reach_the_aggregated_servers_in_the_parent_cluster(any_rendered: Rendered):
    r = any_rendered
    apis = _karmada(r, "APIService")
    expected = {"v1alpha1.cluster.karmada.io"}
    if r.props.search:
        expected.add("v1alpha1.search.karmada.io")
    if r.props.metrics_adapter:
        expected |= {"v1beta1.metrics.k8s.io", "v1beta1.custom.metrics.k8s.io", "v1beta2.custom.metrics.k8s.io"}
    assert {a["metadata"]["name"] for a in apis} == expected
    for api in apis:
        spec = api["spec"]
        assert api["metadata"]["name"] == f"{spec['version']}.{spec['group']}"
        assert spec["caBundle"] == CA_BUNDLE_PLACEHOLDER
        assert "insecureSkipTLSVerify" not in spec
        ref = spec["service"]
        # The Service the aggregator looks up lives in the Karmada API ...
        ext = [
            s
            for s in _karmada(r, "Service")
            if s["metadata"]["name"] == ref["name"] and s["metadata"]["namespace"] == ref["namespace"]
        ]
        assert len(ext) == 1 and ext[0]["spec"]["type"] == "ExternalName"
        # ... and resolves to a parent-cluster Service whose pods serve a
        # certificate for "<service>.<namespace>.svc" (the aggregator's TLS ServerName).
        url = f"https://{ext[0]['spec']['externalName']}:{ref.get('port', 443)}"
        svc, secret = serving_cert_for_url(r, url)
        assert svc["metadata"]["name"] == ref["name"]
        assert f"{ref['name']}.{ref['namespace']}.svc" in r.dns_sans(secret)
        assert r.issuing_ca_secret(secret) == names.CA_SECRET  # what ${Karmada.CaBundle} is


def test_webhooks_reach_karmada_webhook_over_tls(any_rendered: Rendered):
    r = any_rendered
    configs = _karmada(r, "MutatingWebhookConfiguration") + _karmada(r, "ValidatingWebhookConfiguration")
    assert {c["metadata"]["name"] for c in configs} == {"mutating-config", "validating-config"}
    hooks = [h for c in configs for h in c["webhooks"]]
    assert len(hooks) == 22
    for hook in hooks:
        cc = hook["clientConfig"]
        assert set(cc) == {"url", "caBundle"} and cc["caBundle"] == CA_BUNDLE_PLACEHOLDER
        url = cc["url"]
        host, port = split_url(url)
        path = "/" + url.split("://", 1)[1].split("/", 1)[1]
        assert path in WEBHOOK_PATHS, f"karmada-webhook v1.18.2 does not serve {path}"
        svc, secret = serving_cert_for_url(r, url)
        assert svc["metadata"]["name"] == "karmada-webhook"
        assert host in r.dns_sans(secret)
        assert r.issuing_ca_secret(secret) == names.CA_SECRET
        assert hook["failurePolicy"] == "Fail" and hook["admissionReviewVersions"] == ["v1"]
    validating = {h["name"] for h in _karmada(r, "ValidatingWebhookConfiguration")[0]["webhooks"]}
    assert "clustertaintpolicy.karmada.io" in validating


def test_failover_cluster_taint_policy(default: Rendered):
    (policy,) = _karmada(default, "ClusterTaintPolicy")
    spec = policy["spec"]
    assert spec["taints"] == [{"key": "cluster.karmada.io/not-ready", "effect": "NoExecute"}]
    (add,) = spec["addOnConditions"]
    assert add == {"conditionType": "Ready", "operator": "In", "statusValues": ["False", "Unknown"]}
    (remove,) = spec["removeOnConditions"]
    assert remove["conditionType"] == "Ready" and remove["statusValues"] == ["True"]
    assert "targetClusters" not in spec, "applies to every member"


def test_render_ca_bundle_replaces_every_placeholder(full: Rendered):
    ca = base64.b64encode(b"pem").decode()
    rendered = render_ca_bundle(full.karmada, ca)
    text = json.dumps(rendered)
    assert CA_BUNDLE_PLACEHOLDER not in text
    assert text.count(ca) == json.dumps(full.karmada).count(CA_BUNDLE_PLACEHOLDER)
    assert CA_BUNDLE_PLACEHOLDER in json.dumps(full.karmada), "input left untouched"


def test_placeholder_never_reaches_the_parent_cluster(any_rendered: Rendered):
    assert CA_BUNDLE_PLACEHOLDER not in json.dumps(any_rendered.parent)


def test_crd_conversion_patches_point_at_the_webhook(default: Rendered):
    patches = crd_conversion_patches(default.props)
    assert set(patches) == {"resourcebindings.work.karmada.io", "clusterresourcebindings.work.karmada.io"}
    for patch in patches.values():
        webhook = patch["spec"]["conversion"]["webhook"]
        assert "/convert" in WEBHOOK_PATHS and webhook["clientConfig"]["url"].endswith("/convert")
        svc, secret = serving_cert_for_url(default, webhook["clientConfig"]["url"])
        assert svc["metadata"]["name"] == "karmada-webhook"
        assert webhook["clientConfig"]["caBundle"] == CA_BUNDLE_PLACEHOLDER


def test_bootstrap_chart_is_a_plain_cdk8s_chart():
    app = cdk8s.Testing.app()
    chart = KarmadaApiBootstrapChart(app, "boot", KarmadaControlPlaneProps())
    objs = cdk8s.Testing.synth(chart)
    assert objs and all(o["metadata"]["name"] for o in objs)
    assert not any(o["kind"] in ("Deployment", "StatefulSet", "Certificate") for o in objs)
