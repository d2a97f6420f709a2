"""Semantic checks of the parent-cluster charts.

References resolve, Services reach container ports, every certificate file a flag names is mounted, every
TLS name a client dials is in the serving certificate, and the CA each side
trusts is the CA that signed the other side.
"""

from __future__ import annotations

import json

import pytest
import yaml
from karmada_render import (
    ALL_PROPS,
    NLB_TOKEN,
    Rendered,
    args,
    container_port,
    containers,
    flag,
    flags,
    kubeconfig_of,
    only_container,
    pod_spec,
    render,
    resolve_file,
    selected_workloads,
    service_for_host,
    serving_cert_for_url,
    split_url,
)
from karmada_v1_18_2_facts import HEALTH_PATHS, KARMADA_FLAGS

from charts.karmada import KarmadaControlPlaneProps, audit_shipper, iam_authenticator, names

CERT_KEYS = {"tls.crt", "tls.key", "ca.crt"}


def _workload_containers(r: Rendered) -> list[tuple[dict, dict]]:
    """Every parent-cluster workload with each of its containers, init containers included."""
    return [(w, c) for w in r.workloads for c in containers(w)]


def _all_containers(r: Rendered) -> list[dict]:
    return [c for _, c in _workload_containers(r)]


def _external_secrets(r: Rendered) -> set[str]:
    """Secrets the charts reference but another step creates (member kubeconfigs)."""
    return {names.member_kubeconfig_secret(m) for m in r.props.scheduler_estimators}


# Secrets a deploy-time handler writes (functions/encryption_key), with the one key each holds.
HANDLER_SECRETS = {names.ENCRYPTION_CONFIG_SECRET: names.ENCRYPTION_CONFIG_KEY}


# --- references ---------------------------------------------------------------------------------------------
def test_every_referenced_secret_is_issued_by_a_certificate(any_rendered: Rendered):
    issued = set(any_rendered.certificates) | set(HANDLER_SECRETS)
    external = _external_secrets(any_rendered)
    used = set()
    for w in any_rendered.workloads:
        for v in pod_spec(w).get("volumes", []):
            assert "projected" not in v and "hostPath" not in v
            if "secret" in v:
                used.add(v["secret"]["secretName"])
                assert v["secret"]["secretName"] in issued | external, f"{w['metadata']['name']}: {v}"
        for c in containers(w):
            for env in c.get("env", []):
                assert "secretKeyRef" not in env.get("valueFrom", {})
    # ... and the externally created ones are exactly the member kubeconfigs.
    assert used & external == external


def test_every_configmap_volume_is_rendered(any_rendered: Rendered):
    cms = {(c["metadata"]["namespace"], c["metadata"]["name"]) for c in any_rendered.of_kind("ConfigMap")}
    for w in any_rendered.workloads:
        for v in pod_spec(w).get("volumes", []):
            if "configMap" in v:
                assert (w["metadata"]["namespace"], v["configMap"]["name"]) in cms


def test_every_service_account_is_rendered_without_token(any_rendered: Rendered):
    sas = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in any_rendered.of_kind("ServiceAccount")}
    for w in any_rendered.workloads:
        spec = pod_spec(w)
        sa = sas[(w["metadata"]["namespace"], spec["serviceAccountName"])]
        assert sa["automountServiceAccountToken"] is False
        assert spec["automountServiceAccountToken"] is False


def test_every_mount_has_a_volume_and_no_subpath(any_rendered: Rendered):
    for w in any_rendered.workloads:
        volumes = {v["name"] for v in pod_spec(w).get("volumes", [])}
        claims = {t["metadata"]["name"] for t in w["spec"].get("volumeClaimTemplates", [])}
        for c in containers(w):
            for m in c.get("volumeMounts", []):
                assert m["name"] in volumes | claims, f"{w['metadata']['name']}/{c['name']}: {m}"
                assert "subPath" not in m and "subPathExpr" not in m, "subPath mounts never see renewed certs"


def test_certificate_issuers_resolve_and_secrets_are_unique(any_rendered: Rendered):
    certs = any_rendered.of_kind("Certificate")
    secret_names = [c["spec"]["secretName"] for c in certs]
    assert len(secret_names) == len(set(secret_names))
    issuers = {i["metadata"]["name"]: i for i in any_rendered.of_kind("Issuer")}
    by_secret = any_rendered.certificates
    for cert in certs:
        issuer = issuers[cert["spec"]["issuerRef"]["name"]]
        if "ca" in issuer["spec"]:
            ca = by_secret[issuer["spec"]["ca"]["secretName"]]
            assert ca["spec"].get("isCA") is True
            # One intermediate and no deeper: the client CA, signed by the root that clients trust.
            intermediate = cert["spec"]["secretName"] == names.CLIENT_CA_SECRET
            assert (cert["spec"].get("isCA") is True) is intermediate
            assert not intermediate or issuer["spec"]["ca"]["secretName"] == names.CA_SECRET
    for issuer in issuers.values():
        if "ca" in issuer["spec"]:
            assert len(any_rendered.chain(issuer["spec"]["ca"]["secretName"])) <= 1


# --- Services ---------------------------------------------------------------------------------------------
def test_services_select_pods_and_target_existing_ports(any_rendered: Rendered):
    for svc in any_rendered.of_kind("Service"):
        workloads = selected_workloads(any_rendered, svc)
        assert workloads, f"Service {svc['metadata']['name']} selects no pods"
        for port in svc["spec"]["ports"]:
            for w in workloads:
                assert any(
                    container_port(c, port["targetPort"]) is not None for c in pod_spec(w)["containers"]
                ), f"{svc['metadata']['name']}:{port} has no matching container port in {w['metadata']['name']}"


@pytest.mark.parametrize("port", [5443, 6443])
def test_apiserver_service_is_what_the_nlb_targets(port):
    r = render(KarmadaControlPlaneProps(apiserver_port=port))
    svc = r.get("Service", "karmada-apiserver")
    assert svc["spec"]["type"] == "ClusterIP"
    assert [(p["port"], p["targetPort"]) for p in svc["spec"]["ports"]] == [(port, port)]
    c = only_container(r, "karmada-apiserver")
    assert container_port(c, port) == port
    assert flag(c, "--secure-port") == str(port)
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert c[probe]["httpGet"]["port"] == port and c[probe]["httpGet"]["scheme"] == "HTTPS"


def test_https_services_expose_443_on_unprivileged_container_ports(full: Rendered):
    for name in ("karmada-webhook", "karmada-aggregated-apiserver", "karmada-search", "karmada-metrics-adapter"):
        svc = full.get("Service", name)
        (port,) = svc["spec"]["ports"]
        assert port["port"] == 443
        (w,) = selected_workloads(full, svc)
        assert container_port(pod_spec(w)["containers"][0], port["targetPort"]) == 8443


# --- etcd ------------------------------------------------------------------------------------------------
def _initial_cluster(r: Rendered) -> dict[str, str]:
    value = flag(only_container(r, "etcd"), "--initial-cluster")
    return dict(item.split("=", 1) for item in value.split(","))


@pytest.mark.parametrize("replicas", [3, 5])
def test_etcd_initial_cluster_matches_replicas_and_headless_service(replicas):
    r = render(KarmadaControlPlaneProps(etcd_replicas=replicas))
    sts = r.workload("etcd")
    assert sts["kind"] == "StatefulSet" and sts["spec"]["replicas"] == replicas
    assert sts["spec"]["podManagementPolicy"] == "Parallel"
    headless = r.get("Service", sts["spec"]["serviceName"])
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"]["publishNotReadyAddresses"] is True
    members = _initial_cluster(r)
    assert list(members) == [f"{sts['metadata']['name']}-{i}" for i in range(replicas)]
    for member, url in members.items():
        host, port = split_url(url)
        assert url.startswith("https://")
        assert host == f"{member}.{headless['metadata']['name']}.karmada-system.svc.cluster.local"
        assert port == 2380 and container_port(only_container(r, "etcd"), "peer") == 2380
    # The peer and server certificates name every member, and only those.
    peer_sans = r.dns_sans(names.ETCD_PEER_SECRET)
    server_sans = r.dns_sans(names.ETCD_SERVER_SECRET)
    for url in members.values():
        assert split_url(url)[0] in peer_sans and split_url(url)[0] in server_sans
    assert f"etcd-{replicas}.etcd.karmada-system.svc.cluster.local" not in peer_sans
    # Every client lists every member.
    for c in _all_containers(r):
        if flag(c, "--etcd-servers"):
            assert len(flag(c, "--etcd-servers").split(",")) == replicas


def test_etcd_is_tls_everywhere_with_plain_metrics(default: Rendered):
    c = only_container(default, "etcd")
    f = flags(c)
    assert f["--listen-client-urls"].startswith("https://")
    assert f["--advertise-client-urls"].startswith("https://")
    assert f["--listen-peer-urls"].startswith("https://")
    assert f["--initial-advertise-peer-urls"].startswith("https://")
    assert f["--client-cert-auth"] == "true" and f["--peer-client-cert-auth"] == "true"
    metrics_host, metrics_port = split_url(f["--listen-metrics-urls"])
    assert f["--listen-metrics-urls"].startswith("http://")
    assert metrics_port not in (2379, 2380)
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert c[probe]["httpGet"]["port"] == metrics_port
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert c["livenessProbe"]["httpGet"]["path"] == "/livez"
    # --name and advertised URLs come from the pod name.
    assert f["--name"] == "$(POD_NAME)"
    pod_name = {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}
    assert pod_name in c["env"]


# etcd v3.6.6 etcdmain/config.go deprecatedFlags: each logs a warning and goes in 3.7 (the
# experimental-* ones have non-experimental names or feature gates). e2e checks the real binaries' logs.
ETCD_3_6_DEPRECATED = ("--snapshot-count", "--max-snapshots", "--v2-deprecation", "--experimental-")


def test_etcd_sets_no_flag_deprecated_at_3_6(any_rendered: Rendered):
    for arg in args(only_container(any_rendered, "etcd"))[1:]:
        assert not arg.startswith(ETCD_3_6_DEPRECATED), arg


def test_etcd_placement_and_storage(default: Rendered):
    sts = default.workload("etcd")
    spec = pod_spec(sts)
    zone = [t for t in spec["topologySpreadConstraints"] if t["topologyKey"] == "topology.kubernetes.io/zone"]
    assert zone and zone[0]["maxSkew"] == 1 and zone[0]["whenUnsatisfiable"] == "DoNotSchedule"
    anti = spec["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert anti[0]["topologyKey"] == "kubernetes.io/hostname"
    assert anti[0]["labelSelector"]["matchLabels"] == sts["spec"]["selector"]["matchLabels"]
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["storageClassName"] == "gp3"
    assert claim["spec"]["resources"]["requests"]["storage"] == "20Gi"
    data_dir = flag(only_container(default, "etcd"), "--data-dir")
    mounted = resolve_file(sts, only_container(default, "etcd"), data_dir)
    assert mounted.volume.get("pvc"), "etcd data must live on the PersistentVolume"
    # fsGroup lets the non-root etcd write to the EBS volume.
    assert spec["securityContext"]["fsGroup"] == spec["securityContext"]["runAsUser"] != 0


def test_etcd_storage_class_and_size_are_props():
    r = render(KarmadaControlPlaneProps(etcd_storage_class="io2", etcd_storage_size="100Gi"))
    (claim,) = r.workload("etcd")["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["storageClassName"] == "io2"
    assert claim["spec"]["resources"]["requests"]["storage"] == "100Gi"


# --- files named by flags ------------------------------------------------------------------------------
def _path_flags(c: dict) -> dict[str, str]:
    skip = {"--data-dir"}  # on the PersistentVolume, created by etcd
    return {k: v for k, v in flags(c).items() if v.startswith("/") and k not in skip}


def test_every_file_a_flag_names_is_a_key_of_a_mounted_volume(any_rendered: Rendered):
    certs = any_rendered.certificates
    external = _external_secrets(any_rendered)
    checked = 0
    for w in any_rendered.workloads:
        for c in containers(w):
            for name, path in _path_flags(c).items():
                if name == "--cert-dir":
                    # controller-runtime reads <dir>/tls.crt and <dir>/tls.key.
                    paths = [path + "/tls.crt", path + "/tls.key"]
                else:
                    paths = [path]
                for p in paths:
                    mounted = resolve_file(w, c, p)
                    v = mounted.volume
                    if "secret" in v:
                        secret = v["secret"]["secretName"]
                        if secret in external:
                            assert mounted.key == secret, "karmadactl's member kubeconfig key convention"
                        elif secret in HANDLER_SECRETS:
                            assert mounted.key == HANDLER_SECRETS[secret], f"{c['name']} {name}={p}"
                        else:
                            assert secret in certs and mounted.key in CERT_KEYS, f"{c['name']} {name}={p}"
                    elif "configMap" in v:
                        cm = any_rendered.get("ConfigMap", v["configMap"]["name"])
                        assert mounted.key in cm["data"], f"{c['name']} {name}={p}"
                    elif "emptyDir" in v and p == iam_authenticator.WEBHOOK_KUBECONFIG:
                        # Written by the pod's init container, which mounts the same volume.
                        (init,) = pod_spec(w)["initContainers"]
                        assert v["name"] in {m["name"] for m in init["volumeMounts"]}, f"{c['name']} {name}={p}"
                    elif "emptyDir" in v and name == "--audit-log-path":
                        # Written by kube-apiserver itself, read (read-only) by the shipper beside it.
                        mounts = {x["name"]: {m["name"]: m for m in x["volumeMounts"]} for x in containers(w)}
                        assert not mounts[c["name"]][v["name"]].get("readOnly"), f"{c['name']} {name}={p}"
                        assert mounts[audit_shipper.NAME][v["name"]]["readOnly"] is True
                    else:
                        raise AssertionError(f"{c['name']} {name}={p} is not in a Secret or ConfigMap")
                    checked += 1
    assert checked > 20


def test_kubeconfig_files_are_mounted_client_certificates(any_rendered: Rendered):
    seen = 0
    for w in any_rendered.workloads:
        for c in containers(w):
            kc = kubeconfig_of(any_rendered, w, c)
            if kc is None:
                continue
            seen += 1
            user = kc["users"][0]["user"]
            assert set(user) == {"client-certificate", "client-key"}, "no inline credentials in ConfigMaps"
            cert = resolve_file(w, c, user["client-certificate"])
            key = resolve_file(w, c, user["client-key"])
            ca = resolve_file(w, c, kc["clusters"][0]["cluster"]["certificate-authority"])
            assert cert.volume["name"] == key.volume["name"]
            assert (cert.key, key.key, ca.key) == ("tls.crt", "tls.key", "ca.crt")
            secret = cert.volume["secret"]["secretName"]
            spec = any_rendered.certificates[secret]["spec"]
            assert "client auth" in spec["usages"]
            # Each pod authenticates as itself.
            component = w["metadata"]["name"]
            assert secret == names.client_secret(component)
    assert seen >= 5


def test_kubeconfig_uses_the_in_cluster_apiserver_name(default: Rendered):
    cm = default.get("ConfigMap", names.COMPONENT_KUBECONFIG)
    kc = yaml.safe_load(cm["data"][names.COMPONENT_KUBECONFIG_KEY])
    assert kc["clusters"][0]["cluster"]["server"] == "https://karmada-apiserver.karmada-system.svc.cluster.local:5443"


# --- trust: which CA verifies whom -----------------------------------------------------------------------------
def _ca_of_flag(r: Rendered, workload: str, flag_name: str, container: str | None = None) -> str:
    """The CA Secret whose certificate the file a flag names holds: a ca.crt (a chain's root) or a CA's tls.crt."""
    w = r.workload(workload)
    c = [c for c in pod_spec(w)["containers"] if container in (None, c["name"])][0]
    mounted = resolve_file(w, c, flags(c)[flag_name])
    secret = mounted.volume["secret"]["secretName"]
    if mounted.key == "tls.crt":
        assert r.certificates[secret]["spec"].get("isCA") is True, f"{flag_name} names a leaf's tls.crt"
        return secret
    assert mounted.key == "ca.crt"
    return r.trust_anchor_secret(secret)


def _secret_of_flag(r: Rendered, workload: str, flag_name: str) -> str:
    w = r.workload(workload)
    c = pod_spec(w)["containers"][0]
    return resolve_file(w, c, flags(c)[flag_name]).volume["secret"]["secretName"]


def test_apiserver_trusts_the_ca_of_every_client_certificate(any_rendered: Rendered):
    client_ca = _ca_of_flag(any_rendered, "karmada-apiserver", "--client-ca-file")
    assert client_ca == names.CLIENT_CA_SECRET
    for w in any_rendered.workloads:
        for c in containers(w):
            kc = kubeconfig_of(any_rendered, w, c)
            if kc:
                secret = resolve_file(w, c, kc["users"][0]["user"]["client-certificate"]).volume["secret"]["secretName"]
                assert any_rendered.issuing_ca_secret(secret) == client_ca
    assert any_rendered.issuing_ca_secret(names.ADMIN_CLIENT_SECRET) == client_ca


def test_the_root_ca_signs_no_client_certificate(full: Rendered):
    """karmada-ca signs serving certificates and the client CA only, so no identity hangs on it."""
    signed_by_root = {s for s in full.certificates if s != names.CA_SECRET
                      and full.issuing_ca_secret(s) == names.CA_SECRET}
    assert names.CLIENT_CA_SECRET in signed_by_root
    for secret in signed_by_root - {names.CLIENT_CA_SECRET}:
        assert "client auth" not in full.certificates[secret]["spec"]["usages"], secret
    client_ca = full.certificates[names.CLIENT_CA_SECRET]["spec"]
    assert "server auth" not in client_ca["usages"] and "client auth" not in client_ca["usages"]


def test_apiserver_mounts_the_client_ca_certificate_alone(any_rendered: Rendered):
    volumes = [v for v in pod_spec(any_rendered.workload("karmada-apiserver"))["volumes"]
               if v.get("secret", {}).get("secretName") == names.CLIENT_CA_SECRET]
    assert [v["secret"].get("items") for v in volumes] == [[{"key": "tls.crt", "path": "tls.crt"}]]


def test_clients_trust_the_ca_of_the_apiserver_serving_certificate(any_rendered: Rendered):
    serving = _secret_of_flag(any_rendered, "karmada-apiserver", "--tls-cert-file")
    for w in any_rendered.workloads:
        for c in containers(w):
            kc = kubeconfig_of(any_rendered, w, c)
            if kc:
                ca = resolve_file(w, c, kc["clusters"][0]["cluster"]["certificate-authority"])
                trusted = any_rendered.trust_anchor_secret(ca.volume["secret"]["secretName"])
                assert any_rendered.verifies(serving, trusted)


def test_etcd_mutual_tls_chains(any_rendered: Rendered):
    r = any_rendered
    etcd_server = _secret_of_flag(r, "etcd", "--cert-file")
    etcd_client_ca = _ca_of_flag(r, "etcd", "--trusted-ca-file")
    assert etcd_client_ca == names.ETCD_CA_SECRET != names.CA_SECRET, "etcd must not trust the Karmada client CA"
    assert _ca_of_flag(r, "etcd", "--peer-trusted-ca-file") == r.issuing_ca_secret(
        _secret_of_flag(r, "etcd", "--peer-cert-file")
    )
    clients = 0
    for w in r.workloads:
        for c in containers(w):
            f = flags(c)
            if "--etcd-certfile" in f:
                clients += 1
                cert = resolve_file(w, c, f["--etcd-certfile"]).volume["secret"]["secretName"]
                assert r.issuing_ca_secret(cert) == etcd_client_ca
                assert "client auth" in r.certificates[cert]["spec"]["usages"]
                ca = resolve_file(w, c, f["--etcd-cafile"]).volume["secret"]["secretName"]
                assert r.verifies(etcd_server, r.trust_anchor_secret(ca))
                for url in f["--etcd-servers"].split(","):
                    host, _ = split_url(url)
                    assert host in r.dns_sans(etcd_server), f"{c['name']} dials {host}"
    assert clients == 2 + int(r.props.search)
    # etcd's gRPC gateway dials itself with the server certificate.
    assert "client auth" in r.certificates[etcd_server]["spec"]["usages"]


def test_front_proxy_uses_its_own_ca(any_rendered: Rendered):
    r = any_rendered
    proxy = _secret_of_flag(r, "karmada-apiserver", "--proxy-client-cert-file")
    requestheader_ca = _ca_of_flag(r, "karmada-apiserver", "--requestheader-client-ca-file")
    assert r.issuing_ca_secret(proxy) == requestheader_ca == names.FRONT_PROXY_CA_SECRET
    cert = r.certificates[proxy]["spec"]
    guard = r.certificates[names.CLUSTER_GUARD_PROXY_SECRET]["spec"]
    assert r.issuing_ca_secret(names.CLUSTER_GUARD_PROXY_SECRET) == names.FRONT_PROXY_CA_SECRET
    # the aggregator's, then the cluster guard's (which passes the aggregator's headers on)
    assert flag(only_container(r, "karmada-apiserver"), "--requestheader-allowed-names") == \
        f"{cert['commonName']},{guard['commonName']}"
    # the guard admits the aggregator's certificate only
    assert flag(only_container(r, names.CLUSTER_GUARD), "--requestheader-allowed-names") == cert["commonName"]


def test_scheduler_estimator_mutual_tls(full: Rendered):
    for component in ("karmada-scheduler", "karmada-descheduler"):
        c = only_container(full, component)
        client = _secret_of_flag(full, component, "--scheduler-estimator-cert-file")
        server_ca = _ca_of_flag(full, component, "--scheduler-estimator-ca-file")
        for member in full.props.scheduler_estimators:
            estimator = names.estimator_name(member)
            assert full.verifies(client, _ca_of_flag(full, estimator, "--grpc-client-ca-file"))
            port = int(flag(c, "--scheduler-estimator-port"))
            prefix = flag(c, "--scheduler-estimator-service-prefix")
            ns = flag(c, "--scheduler-estimator-service-namespace")
            # The scheduler dials both forms (karmada pkg/estimator/client/service.go).
            for host in (f"{prefix}-{member}.{ns}.svc.cluster.local", f"{prefix}-{member}.{ns}.svc"):
                svc, secret = serving_cert_for_url(full, f"https://{host}:{port}")
                assert svc["metadata"]["name"] == estimator
                assert host in full.dns_sans(secret)
                assert full.verifies(secret, server_ca)


# --- names a client dials are in the serving certificate --------------------------------------------------
def test_apiserver_serving_certificate_covers_every_name(any_rendered: Rendered):
    r = any_rendered
    serving = _secret_of_flag(r, "karmada-apiserver", "--tls-cert-file")
    sans = r.dns_sans(serving)
    assert set(r.props.external_hosts) <= sans
    assert {"karmada-apiserver", "karmada-apiserver.karmada-system", "karmada-apiserver.karmada-system.svc"} <= sans
    assert {"karmada-apiserver.karmada-system.svc.cluster.local", "localhost", "127.0.0.1"} <= sans
    kc = yaml.safe_load(r.get("ConfigMap", names.COMPONENT_KUBECONFIG)["data"][names.COMPONENT_KUBECONFIG_KEY])
    svc, secret = serving_cert_for_url(r, kc["clusters"][0]["cluster"]["server"])
    assert secret == serving and split_url(kc["clusters"][0]["cluster"]["server"])[0] in sans
    admin = yaml.safe_load(r.get("ConfigMap", names.ADMIN_KUBECONFIG)["data"][names.ADMIN_KUBECONFIG_KEY])
    assert split_url(admin["clusters"][0]["cluster"]["server"])[0] in sans


def test_external_hosts_reach_the_serving_certificate_verbatim(default: Rendered):
    sans = default.certificates[names.APISERVER_SERVING_SECRET]["spec"]["dnsNames"]
    assert NLB_TOKEN in sans and "karmada.example.com" in sans


def test_literal_ip_external_host_becomes_an_ip_san():
    r = render(KarmadaControlPlaneProps(external_hosts=["10.1.2.3"]))
    spec = r.certificates[names.APISERVER_SERVING_SECRET]["spec"]
    assert "10.1.2.3" in spec["ipAddresses"] and "10.1.2.3" not in spec["dnsNames"]


def test_admin_kubeconfig_template_points_at_first_external_host(default: Rendered, bare: Rendered):
    admin = yaml.safe_load(default.get("ConfigMap", names.ADMIN_KUBECONFIG)["data"][names.ADMIN_KUBECONFIG_KEY])
    assert admin["clusters"][0]["cluster"] == {"server": f"https://{NLB_TOKEN}:443"}
    assert admin["users"][0]["user"] == {}, "template only: the CLI adds credentials"
    bare_admin = yaml.safe_load(bare.get("ConfigMap", names.ADMIN_KUBECONFIG)["data"][names.ADMIN_KUBECONFIG_KEY])
    assert bare_admin["clusters"][0]["cluster"]["server"].startswith("https://karmada-apiserver.karmada-system.svc")


# --- certificates: identities, usages, lifetimes ---------------------------------------------------------------
def test_admin_client_certificate(any_rendered: Rendered):
    spec = any_rendered.certificates["karmada-admin-client"]["spec"]
    assert spec["commonName"] == "system:admin"
    assert spec["subject"]["organizations"] == ["system:masters"]
    assert "client auth" in spec["usages"]
    assert any_rendered.issuing_ca_secret("karmada-admin-client") == names.CLIENT_CA_SECRET


def test_component_identities(full: Rendered):
    certs = full.certificates
    kcm = certs[names.client_secret(names.KUBE_CONTROLLER_MANAGER)]["spec"]
    assert kcm["commonName"] == "system:kube-controller-manager" and "subject" not in kcm
    for component in (
        names.CONTROLLER_MANAGER, names.SCHEDULER, names.WEBHOOK, names.AGGREGATED_APISERVER,
        names.DESCHEDULER, names.SEARCH, names.METRICS_ADAPTER,
    ):  # fmt: skip
        spec = certs[names.client_secret(component)]["spec"]
        assert spec["commonName"] == f"system:karmada:{component}"
        assert spec["subject"]["organizations"] == [names.COMPONENT_GROUP]
        assert "system:masters" not in spec["subject"]["organizations"]


def test_usages_match_roles(any_rendered: Rendered):
    r = any_rendered
    for w, c in _workload_containers(r):
        f = flags(c)
        for fl in ("--tls-cert-file", "--cert-file", "--grpc-auth-cert-file"):
            if fl in f:
                secret = resolve_file(w, c, f[fl]).volume["secret"]["secretName"]
                assert "server auth" in r.certificates[secret]["spec"]["usages"]
        for fl in ("--etcd-certfile", "--proxy-client-cert-file", "--scheduler-estimator-cert-file"):
            if fl in f:
                secret = resolve_file(w, c, f[fl]).volume["secret"]["secretName"]
                assert "client auth" in r.certificates[secret]["spec"]["usages"]


def test_certificate_lifetimes_and_rotation(any_rendered: Rendered):
    for secret, cert in any_rendered.certificates.items():
        spec = cert["spec"]
        pk = spec["privateKey"]
        if spec.get("isCA"):
            assert pk["rotationPolicy"] == "Never", "the trust anchor's key must stay stable"
            assert spec["duration"] == "87600h"
            assert "cert sign" in spec["usages"]
        elif secret == names.SERVICE_ACCOUNT_KEY_SECRET:
            assert pk["rotationPolicy"] == "Never", "rotating the SA key invalidates every token"
            assert spec["issuerRef"]["name"] == names.SELF_SIGNED_ISSUER
        else:
            assert pk["rotationPolicy"] == "Always"
            assert (spec["duration"], spec["renewBefore"]) == ("2160h", "720h")


def test_service_account_key_flags_use_one_stable_key(any_rendered: Rendered):
    r = any_rendered
    sa_pub = _secret_of_flag(r, "karmada-apiserver", "--service-account-key-file")
    sa_priv = _secret_of_flag(r, "karmada-apiserver", "--service-account-signing-key-file")
    kcm_priv = _secret_of_flag(r, names.KUBE_CONTROLLER_MANAGER, "--service-account-private-key-file")
    assert sa_pub == sa_priv == kcm_priv == names.SERVICE_ACCOUNT_KEY_SECRET


def test_ca_private_key_is_never_mounted(default: Rendered, full: Rendered):
    def mounts_ca(r: Rendered) -> set[str]:
        return {
            w["metadata"]["name"]
            for w in r.workloads
            for v in pod_spec(w).get("volumes", [])
            if v.get("secret", {}).get("secretName")
            in (names.CA_SECRET, names.CLIENT_CA_SECRET, names.ETCD_CA_SECRET, names.FRONT_PROXY_CA_SECRET)
            and "tls.key" in {i["key"] for i in v["secret"].get("items", [{"key": "tls.key"}])}
        }

    # `full` has a Pull member: its agent certificate comes from cert-manager, so nothing signs CSRs here.
    assert mounts_ca(default) == set() and mounts_ca(full) == set()
    for r in (default, full):
        c = only_container(r, names.KUBE_CONTROLLER_MANAGER)
        assert set(flag(c, "--controllers").split(",")) == {
            "namespace", "garbagecollector", "serviceaccount-token", "ttl-after-finished", "clusterrole-aggregation"}
        assert flag(c, "--cluster-signing-key-file") is None and flag(c, "--cluster-signing-cert-file") is None


# --- component flags ---------------------------------------------------------------------------------------
def _authn_config(r: Rendered) -> dict:
    c = only_container(r, "karmada-apiserver")
    w = r.workload("karmada-apiserver")
    mounted = resolve_file(w, c, flag(c, "--authentication-config"))
    return yaml.safe_load(r.get("ConfigMap", mounted.volume["configMap"]["name"])["data"][mounted.key])


def test_apiserver_anonymous_access_is_limited_to_health_endpoints(default: Rendered, full: Rendered):
    c = only_container(default, "karmada-apiserver")
    assert flag(c, "--anonymous-auth") is None, "--anonymous-auth conflicts with AuthenticationConfiguration.anonymous"
    config = _authn_config(default)
    assert config["apiVersion"] == "apiserver.config.k8s.io/v1" and config["kind"] == "AuthenticationConfiguration"
    assert config["anonymous"]["enabled"] is True
    assert {x["path"] for x in config["anonymous"]["conditions"]} == {"/livez", "/readyz", "/healthz"}
    # NLB health check and readiness probe use an anonymous path.
    assert c["readinessProbe"]["httpGet"]["path"] in {"/readyz", "/livez", "/healthz"}
    # Pull members change nothing: no anonymous cluster-info discovery.
    pull = {x["path"] for x in _authn_config(full)["anonymous"]["conditions"]}
    assert pull == {"/livez", "/readyz", "/healthz"}
    assert flags(only_container(full, "karmada-apiserver"))["--enable-bootstrap-token-auth"] == "false"


def test_apiserver_core_flags(default: Rendered):
    f = flags(only_container(default, "karmada-apiserver"))
    assert f["--authorization-mode"] == "Node,RBAC"
    # NLB HTTPS health checks cannot complete a TLS-1.3-only handshake.
    assert f["--tls-min-version"] == "VersionTLS12"
    assert all("GCM" in s or "CHACHA20" in s for s in f["--tls-cipher-suites"].split(","))
    assert f["--enable-bootstrap-token-auth"] == "false"
    assert "NodeRestriction" in f["--enable-admission-plugins"]
    # The charts without AWS props: stdout (the app always ships it: tests/charts/test_audit_shipper.py).
    assert f["--audit-log-path"] == "-"
    assert f["--service-account-issuer"].startswith("https://")


def test_controller_manager_enables_cluster_failover(any_rendered: Rendered):
    f = flags(only_container(any_rendered, names.CONTROLLER_MANAGER))
    gates = dict(g.split("=") for g in f["--feature-gates"].split(","))
    assert gates["Failover"] == "true"
    assert f["--enable-no-execute-taint-eviction"] == "true"
    assert f["--enable-taint-manager"] == "true"
    assert f["--no-execute-taint-eviction-purge-mode"] in ("Gracefully", "Directly")


def test_webhook_accepts_the_noexecute_failover_policy(any_rendered: Rendered):
    assert flag(only_container(any_rendered, names.WEBHOOK), "--allow-no-execute-taint-policy") == "true"


def test_scheduler_estimator_flags_follow_props(default: Rendered, full: Rendered):
    assert flag(only_container(default, names.SCHEDULER), "--enable-scheduler-estimator") == "false"
    assert flag(only_container(default, names.SCHEDULER), "--scheduler-estimator-cert-file") is None
    assert flag(only_container(full, names.SCHEDULER), "--enable-scheduler-estimator") == "true"


def test_leader_elected_components_lock_in_the_system_namespace(full: Rendered):
    for component in (names.CONTROLLER_MANAGER, names.SCHEDULER, names.DESCHEDULER):
        assert flag(only_container(full, component), "--leader-elect-resource-namespace") == "karmada-system"
    assert flag(only_container(full, names.KUBE_CONTROLLER_MANAGER), "--leader-elect") == "true"


@pytest.mark.parametrize("config", ["full", "tuned"])
def test_karmada_flags_exist_at_v1_18_2(config):
    for c in _all_containers(render(ALL_PROPS[config])):
        binary = args(c)[0]
        if not binary.startswith("/bin/karmada-"):
            continue
        known = KARMADA_FLAGS[binary.removeprefix("/bin/")]
        for arg in args(c)[1:]:
            assert arg.split("=", 1)[0] in known, f"{binary}: unknown flag {arg}"


def test_karmada_images_match_their_binaries(full: Rendered):
    for c in _all_containers(full):
        binary = args(c)[0]
        if binary.startswith("/bin/karmada-"):
            assert c["image"] == f"docker.io/karmada/{binary.removeprefix('/bin/')}:v1.18.2"


# --- pods ----------------------------------------------------------------------------------------------
ALLOWED_VOLUME_SOURCES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
}  # fmt: skip


def _restricted_violations(w: dict) -> list[str]:
    """Pod Security Standards 'restricted' (latest), as PSA enforces them."""
    spec = pod_spec(w)
    out = []
    psc = spec.get("securityContext", {})
    for host in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(host) is True:
            out.append(host)
    for v in spec.get("volumes", []):
        if not set(v) - {"name"} <= ALLOWED_VOLUME_SOURCES:
            out.append(f"volume {v['name']}")
    for c in containers(w):
        sc = c.get("securityContext", {})
        name = c["name"]
        if sc.get("privileged"):
            out.append(f"{name}: privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            out.append(f"{name}: allowPrivilegeEscalation")
        caps = sc.get("capabilities", {})
        if "ALL" not in caps.get("drop", []):
            out.append(f"{name}: capabilities not dropped")
        if set(caps.get("add", [])) - {"NET_BIND_SERVICE"}:
            out.append(f"{name}: capabilities added")
        if sc.get("runAsNonRoot", psc.get("runAsNonRoot")) is not True:
            out.append(f"{name}: runAsNonRoot")
        if sc.get("runAsUser", psc.get("runAsUser")) == 0:
            out.append(f"{name}: runAsUser 0")
        seccomp = sc.get("seccompProfile", psc.get("seccompProfile", {})).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            out.append(f"{name}: seccomp")
        if any("hostPort" in p for p in c.get("ports", [])):
            out.append(f"{name}: hostPort")
        if sc.get("procMount", "Default") != "Default":
            out.append(f"{name}: procMount")
    return out


def test_every_pod_meets_restricted_pod_security(any_rendered: Rendered):
    for w in any_rendered.workloads:
        assert _restricted_violations(w) == [], w["metadata"]["name"]


def test_namespace_enforces_restricted(any_rendered: Rendered):
    ns = any_rendered.get("Namespace", "karmada-system")
    lab = ns["metadata"]["labels"]
    assert lab["pod-security.kubernetes.io/enforce"] == "restricted"
    assert lab["pod-security.kubernetes.io/enforce-version"] == "v1.35"


def test_namespace_asks_the_load_balancer_controller_for_pod_readiness_gates(any_rendered: Rendered):
    """A karmada-apiserver pod is ready only once the NLB target is healthy: a rollout keeps a healthy target."""
    labels = any_rendered.get("Namespace", "karmada-system")["metadata"]["labels"]
    assert labels["elbv2.k8s.aws/pod-readiness-gate-inject"] == "enabled"


def test_every_container_is_hardened_sized_and_probed(any_rendered: Rendered):
    for w in any_rendered.workloads:
        spec = pod_spec(w)
        assert spec["priorityClassName"] == "karmada-control-plane"
        assert any_rendered.get("PriorityClass", spec["priorityClassName"])
        for c in containers(w):
            who = f"{w['metadata']['name']}/{c['name']}"
            assert c["securityContext"]["readOnlyRootFilesystem"] is True, who
            res = c["resources"]
            assert {"cpu", "memory"} <= set(res["requests"]) and "memory" in res["limits"], who
            if c in pod_spec(w).get("initContainers", []):
                assert not {"livenessProbe", "readinessProbe", "startupProbe"} & set(c), who  # runs to completion
            else:
                assert "livenessProbe" in c and "readinessProbe" in c, who
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                if probe in c:
                    port = c[probe]["httpGet"]["port"]
                    assert container_port(c, port) is not None, f"{who} {probe} port {port}"


def test_probes_ask_for_paths_the_pinned_binaries_serve(any_rendered: Rendered):
    """A probe on a path the binary does not serve never passes: never Ready, or restarted forever."""
    checked = 0
    for w in any_rendered.workloads:
        for c in containers(w):
            served = HEALTH_PATHS.get(c["name"])
            if served is None:
                continue
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                if probe not in c:
                    continue
                action = c[probe]["httpGet"]
                named = {p["containerPort"]: p["name"] for p in c.get("ports", [])}
                listener = action["port"] if isinstance(action["port"], str) else named.get(action["port"], "health")
                assert action["path"] in served.get(listener, frozenset()), (
                    f"{c['name']} {probe}: {action['path']} on {listener} is not served at v1.18.2 "
                    f"(served there: {sorted(served.get(listener, ()))})")
                checked += 1
    assert checked >= 5


def test_every_replicated_workload_has_a_pdb(any_rendered: Rendered):
    pdbs = any_rendered.of_kind("PodDisruptionBudget")
    for w in any_rendered.workloads:
        if w["spec"].get("replicas", 1) < 2:
            continue
        matching = [p for p in pdbs if p["spec"]["selector"] == w["spec"]["selector"]]
        assert len(matching) == 1, w["metadata"]["name"]
        assert matching[0]["spec"]["maxUnavailable"] == 1
        assert w["spec"]["replicas"] >= 2


def test_replicated_deployments_spread_over_zones(any_rendered: Rendered):
    zones = any_rendered.props.zones
    for w in any_rendered.workloads:
        spec = pod_spec(w)
        keys = {t["topologyKey"]: t for t in spec["topologySpreadConstraints"]}
        zone = keys["topology.kubernetes.io/zone"]
        assert zone["maxSkew"] == 1
        assert zone["labelSelector"]["matchLabels"] == w["spec"]["selector"]["matchLabels"]
        terms = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
        assert terms[0]["matchExpressions"][0]["values"] == zones
    api_spec = pod_spec(any_rendered.workload("karmada-apiserver"))
    api_zone = {t["topologyKey"]: t for t in api_spec["topologySpreadConstraints"]}
    assert api_zone["topology.kubernetes.io/zone"]["whenUnsatisfiable"] == "DoNotSchedule"
    assert any_rendered.workload("karmada-apiserver")["spec"]["replicas"] == any_rendered.props.apiserver_replicas


def test_images_are_pinned_and_follow_the_registries():
    r = render(
        KarmadaControlPlaneProps(
            kube_registry="111.dkr.ecr.us-east-1.amazonaws.com/k8s",
            karmada_registry="111.dkr.ecr.us-east-1.amazonaws.com/karmada",
            iam_authenticator_registry="111.dkr.ecr.us-east-1.amazonaws.com/amazon",
            search=True,
            descheduler=True,
            metrics_adapter=True,
            scheduler_estimators=["m1"],
        )
    )
    for c in _all_containers(r):
        image = c["image"]
        if c["name"] == names.CLUSTER_GUARD:  # the app's own image, as the props give it (no registry of upstream's)
            assert image == r.props.cluster_guard_image
            continue
        assert image.startswith("111.dkr.ecr.us-east-1.amazonaws.com/"), image
        assert ":" in image.rsplit("/", 1)[1] and not image.endswith(":latest")


def test_no_latest_and_no_private_key_anywhere(any_rendered: Rendered):
    text = json.dumps(any_rendered.parent + any_rendered.karmada)
    assert ":latest" not in text
    assert "PRIVATE KEY" not in text
    # No Secret objects at all: keys only ever exist in cert-manager-issued Secrets.
    assert not any_rendered.of_kind("Secret") and not any_rendered.of_kind("Secret", any_rendered.karmada)


# --- optional components ---------------------------------------------------------------------------------
OPTIONAL = (names.DESCHEDULER, names.SEARCH, names.METRICS_ADAPTER)


def test_optional_components_absent_by_default(default: Rendered):
    everything = json.dumps(default.parent + default.karmada)
    for component in (*OPTIONAL, names.ESTIMATOR_PREFIX):
        assert component not in everything, component


def test_optional_components_present_when_enabled(full: Rendered):
    for component in OPTIONAL:
        assert full.workload(component)["kind"] == "Deployment"
        assert full.find("PodDisruptionBudget", component)
    for member in full.props.scheduler_estimators:
        estimator = names.estimator_name(member)
        assert full.workload(estimator)
        assert full.get("Service", estimator)["spec"]["ports"][0]["port"] == names.ESTIMATOR_GRPC_PORT
        assert names.serving_secret(estimator) in full.certificates
        c = only_container(full, estimator)
        assert flag(c, "--cluster-name") == member
        kubeconfig = resolve_file(full.workload(estimator), c, flag(c, "--kubeconfig"))
        assert kubeconfig.volume["secret"]["secretName"] == f"{member}-kubeconfig"


@pytest.mark.parametrize("flag_name", ["descheduler", "search", "metrics_adapter"])
def test_each_optional_flag_toggles_only_its_component(flag_name):
    r = render(KarmadaControlPlaneProps(**{flag_name: True}))
    component = {"descheduler": names.DESCHEDULER, "search": names.SEARCH, "metrics_adapter": names.METRICS_ADAPTER}[
        flag_name
    ]
    present = {w["metadata"]["name"] for w in r.workloads}
    assert component in present
    assert not (set(OPTIONAL) - {component}) & present


# --- charts ------------------------------------------------------------------------------------------------
def test_charts_are_in_dependency_order(full: Rendered):
    ids = list(full.charts)
    assert ids[:4] == ["karmada-foundation", "karmada-pki", "karmada-etcd", "karmada-apiserver"]
    first = [o["kind"] for o in full.charts["karmada-foundation"]]
    assert first[:2] == ["Namespace", "PriorityClass"]
    assert {o["kind"] for o in full.charts["karmada-pki"]} == {"Issuer", "Certificate"}


def test_every_namespaced_object_is_in_the_namespace(any_rendered: Rendered):
    cluster_scoped = {"Namespace", "PriorityClass"}
    for o in any_rendered.parent:
        if o["kind"] not in cluster_scoped:
            assert o["metadata"]["namespace"] == any_rendered.props.namespace, o["metadata"]


def test_custom_namespace_propagates():
    r = render(KarmadaControlPlaneProps(namespace="karmada-prod"))
    assert r.get("Namespace", "karmada-prod")
    assert "karmada-system" not in json.dumps(r.parent)
    assert "karmada-apiserver.karmada-prod.svc" in r.dns_sans(names.APISERVER_SERVING_SECRET)
    assert "etcd-0.etcd.karmada-prod.svc.cluster.local" in r.dns_sans(names.ETCD_PEER_SECRET)


def test_each_chart_stays_small(full: Rendered):
    for chart, objs in [*full.charts.items(), ("bootstrap", full.karmada)]:
        assert len(json.dumps(objs)) < 100_000, chart


def test_single_chart_holds_the_same_objects(full: Rendered):
    import cdk8s

    from charts.karmada import KarmadaControlPlaneChart

    one = KarmadaControlPlaneChart(cdk8s.Testing.app(), "all", full.props)
    key = lambda o: (o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"])  # noqa: E731
    assert sorted(map(key, cdk8s.Testing.synth(one))) == sorted(map(key, full.parent))


def test_service_for_host_helper_understands_pod_dns(default: Rendered):
    svc = service_for_host(default, "etcd-0.etcd.karmada-system.svc.cluster.local")
    assert svc["metadata"]["name"] == "etcd"
