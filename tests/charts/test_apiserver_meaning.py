"""What karmada-apiserver's rendered flags, authentication config and audit policy mean.

What they mean to kube-apiserver v1.35, to its clients and to the kubelet.

These call the pure builder (charts/karmada/apiserver.py), not cdk8s, so `make mutate` can run them
against every mutant. The snapshot test is the second line of defence; these are the first.
"""

from __future__ import annotations

import fnmatch

import kubernetes_validate
import pytest
import yaml

from charts.karmada import KarmadaControlPlaneProps, iam_authenticator, names
from charts.karmada.apiserver import apiserver_command, apiserver_manifests, audit_policy, config_data
from charts.karmada.common.objects import checksum
from charts.karmada.pki import leaf_certificates
from tests.charts.command_flags import command_flags

K8S_VERSION = "1.35.0"
PROPS = KarmadaControlPlaneProps(external_hosts=["karmada.example.com", "192.0.2.10"])
PULL = KarmadaControlPlaneProps(pull_members=["m1"], apiserver_port=6443,
                                namespace="fed", cluster_domain="corp.local", apiserver_replicas=4)

# Facts of kube-apiserver v1.35 (`kube-apiserver --help` and the admission plugin registry at the tag).
KUBE_APISERVER_1_35_FLAGS = frozenset(
    """
    --advertise-address --bind-address --secure-port --authentication-config --authorization-mode
    --authentication-token-webhook-config-file --authentication-token-webhook-version
    --authorization-config --client-ca-file --enable-bootstrap-token-auth --tls-cert-file --tls-private-key-file
    --tls-min-version --tls-cipher-suites --etcd-servers --etcd-cafile --etcd-certfile --etcd-keyfile
    --encryption-provider-config --encryption-provider-config-automatic-reload
    --service-account-issuer --service-account-key-file --service-account-signing-key-file
    --service-account-lookup --service-cluster-ip-range --proxy-client-cert-file --proxy-client-key-file
    --requestheader-client-ca-file --requestheader-allowed-names --requestheader-extra-headers-prefix
    --requestheader-group-headers --requestheader-username-headers --requestheader-uid-headers
    --enable-admission-plugins --disable-admission-plugins --allow-privileged --max-requests-inflight
    --max-mutating-requests-inflight --goaway-chance --shutdown-delay-duration --shutdown-send-retry-after
    --audit-policy-file --audit-log-path --audit-log-format --audit-log-maxage --audit-log-maxbackup
    --audit-log-maxsize --profiling --logging-format --v
    """.split()
)
ADMISSION_PLUGINS_1_35 = frozenset(
    """
    AlwaysAdmit AlwaysDeny AlwaysPullImages CertificateApproval CertificateSigning CertificateSubjectRestriction
    ClusterTrustBundleAttest DefaultIngressClass DefaultStorageClass DefaultTolerationSeconds DenyServiceExternalIPs
    EventRateLimit ExtendedResourceToleration ImagePolicyWebhook LimitPodHardAntiAffinityTopology LimitRanger
    MutatingAdmissionPolicy MutatingAdmissionWebhook NamespaceAutoProvision NamespaceExists NamespaceLifecycle
    NodeDeclaredFeatureValidator NodeRestriction OwnerReferencesPermissionEnforcement PersistentVolumeClaimResize
    PodNodeSelector PodSecurity PodTolerationRestriction PodTopologyLabels Priority ResourceQuota RuntimeClass
    ServiceAccount StorageObjectInUseProtection TaintNodesByCondition ValidatingAdmissionPolicy
    ValidatingAdmissionWebhook
    """.split()
)
# Go's crypto/tls TLS 1.2 suites that are AEAD with forward secrecy (what kube-apiserver accepts by name).
AEAD_TLS12_SUITES = frozenset(
    """
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
    TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
    """.split()
)
AUTHORIZATION_MODES = {"AlwaysAllow", "AlwaysDeny", "ABAC", "Webhook", "RBAC", "Node"}


def flags(props: KarmadaControlPlaneProps = PROPS) -> dict[str, str]:
    return command_flags(apiserver_command(props), "kube-apiserver")


def objects(props: KarmadaControlPlaneProps = PROPS) -> dict[str, dict]:
    return {f"{o['kind']}/{o['metadata']['name']}": o for o in apiserver_manifests(props)}


def pod_spec(props: KarmadaControlPlaneProps = PROPS) -> dict:
    return objects(props)[f"Deployment/{names.APISERVER}"]["spec"]["template"]["spec"]


def container(props: KarmadaControlPlaneProps = PROPS) -> dict:
    apiserver, authenticator = pod_spec(props)["containers"]
    assert (apiserver["name"], authenticator["name"]) == ("kube-apiserver", "aws-iam-authenticator")
    return apiserver


def mounted(props: KarmadaControlPlaneProps = PROPS) -> dict[str, tuple[str, str]]:
    """Mount path -> (volume kind, Secret or ConfigMap name)."""
    volumes = {v["name"]: v for v in pod_spec(props)["volumes"]}
    out = {}
    for mount in container(props)["volumeMounts"]:
        volume = volumes[mount["name"]]
        if "secret" in volume:
            out[mount["mountPath"]] = ("secret", volume["secret"]["secretName"])
        elif "configMap" in volume:
            out[mount["mountPath"]] = ("configMap", volume["configMap"]["name"])
    return out


def source_of(path: str, props: KarmadaControlPlaneProps = PROPS) -> tuple[str, str, str]:
    """A file the command names -> (volume kind, object name, key), through the pod's mounts."""
    directory, _, key = path.rpartition("/")
    kind, name = mounted(props)[directory]
    return kind, name, key


# --- flags are kube-apiserver v1.35's, with values it accepts -----------------------------------------
def test_every_flag_is_a_kube_apiserver_1_35_flag():
    assert set(flags()) <= KUBE_APISERVER_1_35_FLAGS, set(flags()) - KUBE_APISERVER_1_35_FLAGS


def test_tls_floor_is_1_2_for_the_nlb_health_check_with_aead_suites_only():
    given = flags()
    assert given["--tls-min-version"] == "VersionTLS12"
    suites = given["--tls-cipher-suites"].split(",")
    assert suites and set(suites) <= AEAD_TLS12_SUITES
    assert len(set(suites)) == len(suites) == 3


def test_admission_plugins_are_names_the_pinned_version_registers():
    given = flags()
    enabled = given["--enable-admission-plugins"].split(",")
    disabled = given["--disable-admission-plugins"].split(",")
    assert set(enabled) | set(disabled) <= ADMISSION_PLUGINS_1_35
    assert enabled == ["NodeRestriction"]
    # No pods or volumes live in the Karmada API: the plugins that wait for them are off.
    assert set(disabled) == {"StorageObjectInUseProtection", "ServiceAccount"}


def test_authorization_and_load_settings():
    given = flags()
    modes = given["--authorization-mode"].split(",")
    assert set(modes) <= AUTHORIZATION_MODES and "RBAC" in modes and "AlwaysAllow" not in modes
    assert given["--allow-privileged"] == "true"
    assert given["--service-account-lookup"] == "true"
    assert given["--profiling"] == "false"
    assert (int(given["--max-requests-inflight"]), int(given["--max-mutating-requests-inflight"])) == (1500, 500)
    assert 0 < float(given["--goaway-chance"]) <= 0.02
    assert given["--shutdown-delay-duration"] == "20s"
    assert given["--shutdown-send-retry-after"] == "true"
    assert (given["--logging-format"], given["--v"]) == ("json", "2")
    assert given["--service-cluster-ip-range"] == "10.96.0.0/12"


@pytest.mark.parametrize("props", [PROPS, PULL], ids=["push", "pull"])
def test_bootstrap_tokens_are_never_accepted(props):
    # Pull agents hold cert-manager client certificates: no token ever authenticates, in either mode.
    assert flags(props)["--enable-bootstrap-token-auth"] == "false"


# --- ports: what the binary listens on is what the Service, NLB and kubelet dial ----------------------
@pytest.mark.parametrize("props", [PROPS, PULL], ids=["default", "port-6443"])
def test_listener_port_is_the_container_service_and_probe_port(props):
    given = flags(props)
    port = props.apiserver_port
    assert (given["--secure-port"], given["--bind-address"]) == (str(port), "0.0.0.0")
    assert given["--advertise-address"] == "$(POD_IP)"
    assert container(props)["ports"] == [{"name": "https", "containerPort": port, "protocol": "TCP"}]
    service = objects(props)[f"Service/{names.APISERVER}"]
    assert [(p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [(port, port)]
    for probe, path in (("startupProbe", "/livez"), ("livenessProbe", "/livez"), ("readinessProbe", "/readyz")):
        get = container(props)[probe]["httpGet"]
        # Anonymous access is allowed on exactly these paths (below), so the kubelet needs no credentials.
        assert (get["path"], get["port"], get["scheme"]) == (path, port, "HTTPS"), probe


def test_probe_windows():
    c = container()
    startup, liveness, ready = c["startupProbe"], c["livenessProbe"], c["readinessProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] == 300
    assert liveness["periodSeconds"] * liveness["failureThreshold"] == 60
    assert ready["periodSeconds"] * ready["failureThreshold"] == 15
    assert {p["timeoutSeconds"] for p in (startup, liveness, ready)} == {15}
    # The 20 s shutdown delay plus in-flight requests fit in the grace period.
    assert pod_spec()["terminationGracePeriodSeconds"] == 60


# --- files: every path the command names is a key of the mounted object it comes from -----------------
def test_certificate_files_come_from_the_right_secrets():
    given = flags()
    serving = names.APISERVER_SERVING_SECRET
    expected = {
        "--tls-cert-file": ("secret", serving, "tls.crt"),
        "--tls-private-key-file": ("secret", serving, "tls.key"),
        "--client-ca-file": ("secret", names.CLIENT_CA_SECRET, "tls.crt"),
        "--etcd-cafile": ("secret", names.etcd_client_secret(names.APISERVER), "ca.crt"),
        "--etcd-certfile": ("secret", names.etcd_client_secret(names.APISERVER), "tls.crt"),
        "--etcd-keyfile": ("secret", names.etcd_client_secret(names.APISERVER), "tls.key"),
        "--service-account-key-file": ("secret", names.SERVICE_ACCOUNT_KEY_SECRET, "tls.crt"),
        "--service-account-signing-key-file": ("secret", names.SERVICE_ACCOUNT_KEY_SECRET, "tls.key"),
        "--proxy-client-cert-file": ("secret", names.FRONT_PROXY_CLIENT_SECRET, "tls.crt"),
        "--proxy-client-key-file": ("secret", names.FRONT_PROXY_CLIENT_SECRET, "tls.key"),
        "--requestheader-client-ca-file": ("secret", names.FRONT_PROXY_CLIENT_SECRET, "ca.crt"),
        "--authentication-config": ("configMap", names.APISERVER_CONFIG, names.AUTHENTICATION_CONFIG_KEY),
        "--audit-policy-file": ("configMap", names.APISERVER_CONFIG, names.AUDIT_POLICY_KEY),
    }
    assert {flag: source_of(given[flag]) for flag in expected} == expected


def test_config_files_are_in_the_config_map_the_pod_mounts():
    objs = objects(PULL)
    config_map = objs[f"ConfigMap/{names.APISERVER_CONFIG}"]
    assert set(config_map["data"]) == {names.AUTHENTICATION_CONFIG_KEY, names.AUDIT_POLICY_KEY}
    assert config_map["data"] == config_data(PULL)
    annotations = objs[f"Deployment/{names.APISERVER}"]["spec"]["template"]["metadata"]["annotations"]
    # A config change rolls the pods: the checksum follows the data.
    authenticator = objs[f"ConfigMap/{iam_authenticator.CONFIG_MAP}"]["data"]
    assert annotations["checksum/config"] == checksum(config_map["data"], authenticator)
    assert checksum({**config_map["data"], names.AUDIT_POLICY_KEY: "changed"}, authenticator) != \
        annotations["checksum/config"]


def test_storage_and_front_proxy_names_match_their_peers():
    given = flags(PULL)
    assert given["--etcd-servers"] == names.etcd_client_urls(PULL)
    certs = {c.secret_name: c for c in leaf_certificates(PULL)}
    assert given["--requestheader-allowed-names"].split(",") == [
        certs[names.FRONT_PROXY_CLIENT_SECRET].common_name, certs[names.CLUSTER_GUARD_PROXY_SECRET].common_name]
    assert given["--service-account-issuer"] == "https://kubernetes.default.svc.corp.local"
    assert (given["--requestheader-extra-headers-prefix"], given["--requestheader-group-headers"],
            given["--requestheader-username-headers"]) == ("X-Remote-Extra-", "X-Remote-Group", "X-Remote-User")


@pytest.mark.parametrize("props", [PROPS, PULL], ids=["default", "pull"])
def test_serving_certificate_names_every_host_a_client_dials(props):
    cert = {c.secret_name: c for c in leaf_certificates(props)}[names.APISERVER_SERVING_SECRET]
    internal_host = names.apiserver_internal_url(props).split("//")[1].rsplit(":", 1)[0]
    dialed = {internal_host, f"{names.APISERVER}.{props.namespace}", f"{names.APISERVER}.{props.namespace}.svc"}
    assert dialed <= set(cert.dns_names)
    for host in props.external_hosts:
        assert host in (*cert.dns_names, *cert.ip_addresses)


# --- authentication: anonymous only on the health paths, Pull members or not (no cluster-info discovery) ------
@pytest.mark.parametrize(
    "props, paths",
    [(PROPS, ["/livez", "/readyz", "/healthz"]), (PULL, ["/livez", "/readyz", "/healthz"])],
    ids=["push", "pull"],
)
def test_anonymous_requests_are_allowed_only_on_listed_paths(props, paths):
    config = yaml.safe_load(config_data(props)[names.AUTHENTICATION_CONFIG_KEY])
    assert (config["apiVersion"], config["kind"]) == ("apiserver.config.k8s.io/v1", "AuthenticationConfiguration")
    assert config["anonymous"] == {"enabled": True, "conditions": [{"path": p} for p in paths]}


# --- audit: the level each kind of request is logged at ------------------------------------------------
def audit_level(*, user="alice", groups=(), verb="get", group=None, resource=None, url=None) -> str:
    """The level kube-apiserver's audit policy evaluation gives a request: the first matching rule."""
    for rule in audit_policy()["rules"]:
        # kube-apiserver decodes the policy strictly: an unknown field is an error, not a wildcard.
        assert set(rule) <= {"level", "users", "userGroups", "verbs", "resources", "namespaces", "nonResourceURLs",
                             "omitStages", "omitManagedFields"}, rule
        for group_resources in rule.get("resources", []):
            assert set(group_resources) <= {"group", "resources", "resourceNames"}, group_resources
        if "users" in rule and user not in rule["users"]:
            continue
        if "userGroups" in rule and not set(groups) & set(rule["userGroups"]):
            continue
        if "verbs" in rule and verb not in rule["verbs"]:
            continue
        if "resources" in rule:
            if resource is None or not any(
                g.get("group", "") == group and resource in g["resources"] for g in rule["resources"]
            ):
                continue
        if "nonResourceURLs" in rule:
            if url is None or not any(fnmatch.fnmatchcase(url, p) for p in rule["nonResourceURLs"]):
                continue
        return rule["level"]
    return "None"


AUDIT_CASES = [
    # (request, level)
    (dict(verb="get", group="", resource="secrets"), "Metadata"),
    (dict(verb="create", group="", resource="secrets", user=names.ADMIN_USER), "Metadata"),
    (dict(verb="update", group="", resource="secrets", groups=[names.COMPONENT_GROUP]), "Metadata"),
    (dict(verb="create", group="", resource="serviceaccounts/token"), "Metadata"),
    (dict(verb="create", group="policy.karmada.io", resource="propagationpolicies"), "Metadata"),
    (dict(verb="list", group="cluster.karmada.io", resource="clusters", groups=[names.COMPONENT_GROUP]), "None"),
    (dict(verb="watch", group="work.karmada.io", resource="works", groups=[names.COMPONENT_GROUP]), "None"),
    (dict(verb="update", group="work.karmada.io", resource="works", groups=[names.COMPONENT_GROUP]), "Metadata"),
    (dict(verb="get", group="cluster.karmada.io", resource="clusters", groups=[names.COMPONENT_GROUP]), "None"),
    (dict(verb="list", group="", resource="namespaces", user=names.KCM_USER), "None"),
    (dict(verb="get", group="", resource="namespaces", user=names.KCM_USER), "None"),
    (dict(verb="watch", group="", resource="namespaces", user=names.KCM_USER), "None"),
    (dict(verb="delete", group="", resource="namespaces", user=names.KCM_USER), "Metadata"),
    # Leader-election and heartbeat Leases and Events the control plane writes every few seconds: dropped ...
    (dict(verb="update", group="coordination.k8s.io", resource="leases", groups=[names.COMPONENT_GROUP]), "None"),
    (dict(verb="update", group="coordination.k8s.io", resource="leases", groups=[names.AGENT_GROUP]), "None"),
    (dict(verb="update", group="coordination.k8s.io", resource="leases", user=names.KCM_USER), "None"),
    (dict(verb="create", group="", resource="events", groups=[names.COMPONENT_GROUP]), "None"),
    (dict(verb="create", group="events.k8s.io", resource="events", groups=[names.AGENT_GROUP]), "None"),
    # ... but written by anyone else, they are writes like any other.
    (dict(verb="update", group="coordination.k8s.io", resource="leases"), "Metadata"),
    (dict(verb="delete", group="coordination.k8s.io", resource="leases", groups=[names.ADMINS_GROUP]), "Metadata"),
    (dict(verb="create", group="", resource="events"), "Metadata"),
    (dict(verb="create", group="events.k8s.io", resource="events", user=names.REGISTRAR_USER), "Metadata"),
    # Agents' reads are dropped like the components'; their writes are kept.
    (dict(verb="watch", group="work.karmada.io", resource="works", groups=[names.AGENT_GROUP]), "None"),
    (dict(verb="update", group="cluster.karmada.io", resource="clusters/status", groups=[names.AGENT_GROUP]),
     "Metadata"),
    # People's and handlers' reads are kept.
    (dict(verb="list", group="", resource="secrets", groups=[names.VIEWERS_GROUP]), "Metadata"),
    (dict(verb="get", group="cluster.karmada.io", resource="clusters", user=names.REGISTRAR_USER), "Metadata"),
    (dict(verb="get", url="/livez"), "None"),
    (dict(verb="get", url="/readyz/etcd"), "None"),
    (dict(verb="get", url="/healthz"), "None"),
    (dict(verb="get", url="/version"), "None"),
    (dict(verb="get", url="/metrics"), "Metadata"),
    (dict(verb="get", url="/openapi/v3"), "Metadata"),
]


@pytest.mark.parametrize("request_, level", AUDIT_CASES, ids=[str(i) for i in range(len(AUDIT_CASES))])
def test_audit_level_by_request(request_, level):
    assert audit_level(**request_) == level


WRITES = ("create", "update", "patch", "delete", "deletecollection")
IDENTITIES = [dict(user="alice", groups=[names.ADMINS_GROUP]), dict(user="bob", groups=[names.VIEWERS_GROUP]),
              dict(user=names.REGISTRAR_USER, groups=[names.REGISTRAR_GROUP]),
              dict(user=names.MANIFEST_APPLIER_USER, groups=[names.MANIFEST_APPLIER_GROUP]),
              dict(user=names.ADMIN_USER, groups=[names.MASTERS_GROUP]),
              dict(user="system:karmada:controller-manager", groups=[names.COMPONENT_GROUP]),
              dict(user=names.KCM_USER), dict(user=names.agent_user("m1"), groups=[names.AGENT_GROUP])]
RESOURCES = [("", "secrets"), ("", "configmaps"), ("", "namespaces"), ("rbac.authorization.k8s.io", "clusterroles"),
             ("policy.karmada.io", "propagationpolicies"), ("cluster.karmada.io", "clusters"),
             ("work.karmada.io", "works"), ("apps", "deployments")]


@pytest.mark.parametrize("identity", IDENTITIES, ids=lambda i: i["user"])
def test_every_write_by_everyone_is_recorded_at_metadata(identity):
    for verb in WRITES:
        for group, resource in RESOURCES:
            assert audit_level(verb=verb, group=group, resource=resource, **identity) == "Metadata", \
                (identity, verb, resource)


def test_audit_never_logs_a_request_or_response_body():
    policy = audit_policy()
    assert (policy["apiVersion"], policy["kind"]) == ("audit.k8s.io/v1", "Policy")
    assert {rule["level"] for rule in policy["rules"]} <= {"None", "Metadata"}
    assert policy["omitStages"] == ["RequestReceived"]
    # The catch-all comes last, so nothing falls through unaudited.
    assert policy["rules"][-1] == {"level": "Metadata"}
    assert yaml.safe_load(config_data(PROPS)[names.AUDIT_POLICY_KEY]) == policy
    given = flags()
    assert (given["--audit-log-path"], given["--audit-log-format"]) == ("-", "json")


# --- objects ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("props", [PROPS, PULL], ids=["default", "pull"])
def test_objects_validate_strictly_against_kubernetes_1_35(props):
    for obj in apiserver_manifests(props):
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


def test_deployment_spreads_replicas_over_zones_and_runs_the_pinned_image():
    deployment = objects(PULL)[f"Deployment/{names.APISERVER}"]
    assert deployment["spec"]["replicas"] == 4
    spread = {c["topologyKey"]: c for c in pod_spec(PULL)["topologySpreadConstraints"]}
    zone = spread["topology.kubernetes.io/zone"]
    assert (zone["whenUnsatisfiable"], zone["minDomains"]) == ("DoNotSchedule", 3)
    c = container(PULL)
    assert (c["name"], c["image"], c["imagePullPolicy"]) == ("kube-apiserver", PULL.kube_apiserver_image,
                                                             PULL.image_pull_policy)
    pod_ip = {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}
    assert c["env"] == [{"name": "POD_IP", "valueFrom": pod_ip}]


def test_every_object_is_labelled_for_and_selects_the_apiserver_pods():
    always = KarmadaControlPlaneProps(image_pull_policy="Always")
    objs = objects(always)
    deployment = objs[f"Deployment/{names.APISERVER}"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert pod_labels["app.kubernetes.io/name"] == names.APISERVER
    service = objs[f"Service/{names.APISERVER}"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert [p["name"] for p in service["spec"]["ports"]] == [p["name"] for p in container(always)["ports"]] == ["https"]
    config_map = objs[f"ConfigMap/{names.APISERVER_CONFIG}"]
    assert config_map["metadata"]["labels"]["app.kubernetes.io/name"] == names.APISERVER
    assert container(always)["imagePullPolicy"] == "Always"


def test_extra_args_reach_the_kube_apiserver_container():
    from charts.karmada import ComponentSettings, PodSettings

    tuned = KarmadaControlPlaneProps(settings=ComponentSettings(apiserver=PodSettings(extra_args={"v": "3"})))
    assert container(tuned)["name"] == "kube-apiserver"
    assert command_flags(container(tuned)["command"], "kube-apiserver")["--v"] == "3"
    assert flags()["--v"] != "3"  # the chart's own level, replaced
