"""What etcd's rendered flags and objects mean to etcd 3.6 and to the StatefulSet controller.

These call the pure builder (charts/karmada/etcd.py), not cdk8s, so `make mutate` can run them against
every mutant. The snapshot test is the second line of defence; these are the first.
"""

from __future__ import annotations

import kubernetes_validate
import pytest

from charts.karmada import KarmadaControlPlaneProps, names
from charts.karmada.etcd import etcd_command, etcd_manifests, initial_cluster
from charts.karmada.pki import leaf_certificates
from tests.charts.command_flags import command_flags

K8S_VERSION = "1.35.0"
PROPS = KarmadaControlPlaneProps()
FIVE = KarmadaControlPlaneProps(etcd_replicas=5, namespace="fed", cluster_domain="corp.local", zones=["z-a", "z-b"],
                                image_pull_policy="Always")

# Server flags of etcd v3.6 (`etcd --help` at the tag) that this chart may use; none deprecated at 3.6
# (--snapshot-count is: test_karmada_wiring.ETCD_3_6_DEPRECATED).
ETCD_3_6_FLAGS = frozenset(
    """
    --name --data-dir --wal-dir --listen-client-urls --advertise-client-urls --listen-peer-urls
    --initial-advertise-peer-urls --initial-cluster --initial-cluster-state --initial-cluster-token
    --listen-metrics-urls --client-cert-auth --trusted-ca-file --cert-file --key-file --peer-client-cert-auth
    --peer-trusted-ca-file --peer-cert-file --peer-key-file --tls-min-version --tls-max-version --cipher-suites
    --quota-backend-bytes --log-outputs --log-level --logger --auto-compaction-mode
    --auto-compaction-retention --heartbeat-interval --election-timeout --max-request-bytes --metrics
    """.split()
)
ETCD_TLS_VERSIONS = {"TLS1.2", "TLS1.3"}
ETCD_LOG_LEVELS = {"debug", "info", "warn", "error", "panic", "fatal"}


def flags(props: KarmadaControlPlaneProps = PROPS) -> dict[str, str]:
    return command_flags(etcd_command(props), "/usr/local/bin/etcd")


def objects(props: KarmadaControlPlaneProps = PROPS) -> dict[str, dict]:
    return {f"{o['kind']}/{o['metadata']['name']}": o for o in etcd_manifests(props)}


def statefulset(props: KarmadaControlPlaneProps = PROPS) -> dict:
    return objects(props)[f"StatefulSet/{names.ETCD_STATEFULSET}"]


def container(props: KarmadaControlPlaneProps = PROPS) -> dict:
    (etcd,) = statefulset(props)["spec"]["template"]["spec"]["containers"]
    return etcd


def as_pod(value: str, pod: str) -> str:
    """What `$(POD_NAME)` expands to in the pod named ``pod``."""
    return value.replace("$(POD_NAME)", pod)


def test_every_flag_is_an_etcd_3_6_flag_with_a_value_it_accepts():
    given = flags()
    assert set(given) <= ETCD_3_6_FLAGS, set(given) - ETCD_3_6_FLAGS
    assert given["--tls-min-version"] in ETCD_TLS_VERSIONS
    assert given["--log-level"] in ETCD_LOG_LEVELS
    assert given["--log-outputs"] == "stderr"
    assert "--snapshot-count" not in given  # deprecated in 3.6 (its default is the value it used to set)
    assert given["--initial-cluster-state"] == "new"


@pytest.mark.parametrize("props", [PROPS, FIVE], ids=["default", "five-members"])
def test_each_member_advertises_exactly_its_own_initial_cluster_entry(props):
    given = flags(props)
    entries = dict(e.split("=", 1) for e in given["--initial-cluster"].split(","))
    members = names.etcd_member_names(props)
    assert list(entries) == members == [f"etcd-{i}" for i in range(props.etcd_replicas)]
    assert given["--name"] == "$(POD_NAME)"
    for member in members:
        # etcd refuses to start when its --initial-advertise-peer-urls is not its --initial-cluster entry.
        assert as_pod(given["--initial-advertise-peer-urls"], member) == entries[member]
        assert entries[member] == f"https://{member}.etcd.{props.namespace}.svc.{props.cluster_domain}:2380"
    assert given["--initial-cluster-token"] == f"karmada-etcd-{props.namespace}"
    assert given["--initial-cluster"] == initial_cluster(props)


@pytest.mark.parametrize("props", [PROPS, FIVE], ids=["default", "five-members"])
def test_advertised_client_urls_are_what_the_apiserver_dials(props):
    given = flags(props)
    dialed = names.etcd_client_urls(props).split(",")
    advertised = [as_pod(given["--advertise-client-urls"], m) for m in names.etcd_member_names(props)]
    assert advertised == dialed


def test_listeners_are_the_container_ports_and_serve_tls_except_metrics():
    given = flags()
    ports = {p["name"]: p["containerPort"] for p in container()["ports"]}
    assert ports == {"client": 2379, "peer": 2380, "metrics": 2381}
    assert given["--listen-client-urls"] == f"https://0.0.0.0:{ports['client']}"
    assert given["--listen-peer-urls"] == f"https://0.0.0.0:{ports['peer']}"
    assert given["--listen-metrics-urls"] == f"http://0.0.0.0:{ports['metrics']}"
    assert given["--advertise-client-urls"].endswith(f":{ports['client']}")
    assert given["--initial-advertise-peer-urls"].endswith(f":{ports['peer']}")


def test_probes_hit_the_health_endpoints_etcd_serves_on_its_plain_metrics_listener():
    etcd = container()
    metrics = 2381
    for probe, path in (("startupProbe", "/livez"), ("livenessProbe", "/livez"), ("readinessProbe", "/readyz")):
        get = etcd[probe]["httpGet"]
        assert (get["path"], get["port"], get.get("scheme", "HTTP")) == (path, metrics, "HTTP"), probe
    # A member waits for its peers on first boot: the startup window outlasts the liveness window.
    startup, liveness, ready = etcd["startupProbe"], etcd["livenessProbe"], etcd["readinessProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] == 300
    assert liveness["periodSeconds"] * liveness["failureThreshold"] == 60
    assert ready["periodSeconds"] * ready["failureThreshold"] == 15
    assert {p["timeoutSeconds"] for p in (startup, liveness, ready)} == {5}


def test_client_and_peer_traffic_need_certificates_from_the_mounted_secrets():
    given = flags()
    assert given["--client-cert-auth"] == "true"
    assert given["--peer-client-cert-auth"] == "true"
    mounts = {m["name"]: m["mountPath"] for m in container()["volumeMounts"]}
    volumes = {v["name"]: v for v in statefulset()["spec"]["template"]["spec"]["volumes"]}
    server, peer = mounts["server-cert"], mounts["peer-cert"]
    assert volumes["server-cert"]["secret"]["secretName"] == names.ETCD_SERVER_SECRET
    assert volumes["peer-cert"]["secret"]["secretName"] == names.ETCD_PEER_SECRET
    assert (given["--trusted-ca-file"], given["--cert-file"], given["--key-file"]) == (
        f"{server}/ca.crt", f"{server}/tls.crt", f"{server}/tls.key")
    assert (given["--peer-trusted-ca-file"], given["--peer-cert-file"], given["--peer-key-file"]) == (
        f"{peer}/ca.crt", f"{peer}/tls.crt", f"{peer}/tls.key")


def test_data_lives_on_the_claimed_volume():
    given = flags()
    (claim,) = statefulset()["spec"]["volumeClaimTemplates"]
    mounts = {m["name"]: m["mountPath"] for m in container()["volumeMounts"]}
    assert claim["metadata"]["name"] == "data"
    assert given["--data-dir"].startswith(mounts["data"] + "/")
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert claim["spec"]["storageClassName"] == PROPS.etcd_storage_class
    assert claim["spec"]["resources"]["requests"]["storage"] == PROPS.etcd_storage_size
    assert int(given["--quota-backend-bytes"]) == PROPS.etcd_quota_backend_bytes


def test_server_certificate_names_every_address_a_client_or_peer_dials():
    certs = {c.secret_name: c for c in leaf_certificates(FIVE)}
    given = flags(FIVE)
    dialed = {url.split("//")[1].rsplit(":", 1)[0] for url in names.etcd_client_urls(FIVE).split(",")}
    peers = {as_pod(given["--initial-advertise-peer-urls"], m).split("//")[1].rsplit(":", 1)[0]
             for m in names.etcd_member_names(FIVE)}
    assert dialed <= set(certs[names.ETCD_SERVER_SECRET].dns_names)
    assert peers <= set(certs[names.ETCD_PEER_SECRET].dns_names)


def test_statefulset_starts_members_in_parallel_behind_a_headless_service_that_publishes_not_ready():
    objs = objects(FIVE)
    sts = objs["StatefulSet/etcd"]
    peer_service = objs[f"Service/{names.ETCD_PEER_SERVICE}"]
    spec = sts["spec"]
    assert spec["replicas"] == 5
    assert spec["serviceName"] == peer_service["metadata"]["name"]
    assert peer_service["spec"]["clusterIP"] == "None"
    assert peer_service["spec"]["publishNotReadyAddresses"] is True
    assert spec["podManagementPolicy"] == "Parallel"
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert spec["updateStrategy"] == {"type": "RollingUpdate"}
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    assert peer_service["spec"]["selector"].items() <= labels.items()
    assert sts["metadata"]["namespace"] == "fed"
    assert spec["template"]["spec"]["terminationGracePeriodSeconds"] == 60


def test_services_route_to_the_named_container_ports():
    objs = objects()
    ports = {p["name"] for p in container()["ports"]}
    client = objs[f"Service/{names.ETCD_CLIENT_SERVICE}"]
    assert [(p["name"], p["port"], p["targetPort"]) for p in client["spec"]["ports"]] == [("client", 2379, "client")]
    peer = objs[f"Service/{names.ETCD_PEER_SERVICE}"]
    assert {p["targetPort"] for p in peer["spec"]["ports"]} == ports
    assert "clusterIP" not in client["spec"]


@pytest.mark.parametrize("props", [PROPS, FIVE], ids=["default", "five-members"])
def test_objects_validate_strictly_against_kubernetes_1_35(props):
    kinds = []
    for obj in etcd_manifests(props):
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        kinds.append(obj["kind"])
    assert sorted(kinds) == ["PodDisruptionBudget", "Service", "Service", "ServiceAccount", "StatefulSet"]


def test_members_spread_over_zones_and_hosts():
    spec = statefulset(FIVE)["spec"]["template"]["spec"]
    spread = {c["topologyKey"]: c for c in spec["topologySpreadConstraints"]}
    zone = spread["topology.kubernetes.io/zone"]
    assert zone["whenUnsatisfiable"] == "DoNotSchedule"
    assert zone["minDomains"] == 2  # min(zones, replicas)
    assert "matchLabelKeys" not in zone
    # Two members on one node would lose quorum with that node: a hard anti-affinity per host.
    (term,) = spec["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    pod_labels = statefulset(FIVE)["spec"]["template"]["metadata"]["labels"]
    assert term["labelSelector"]["matchLabels"].items() <= pod_labels.items()
    assert container(FIVE)["image"] == FIVE.etcd_image
    assert container(FIVE)["imagePullPolicy"] == FIVE.image_pull_policy
    pod_name = {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}
    assert container(FIVE)["env"] == [{"name": "POD_NAME", "valueFrom": pod_name}]


def test_every_object_selects_or_names_the_etcd_pods():
    objs = objects(FIVE)
    sts = objs["StatefulSet/etcd"]
    pod_labels = sts["spec"]["template"]["metadata"]["labels"]
    selector = sts["spec"]["selector"]["matchLabels"]
    assert sts["metadata"]["labels"].items() >= selector.items()
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["labels"] == selector
    assert objs["Service/etcd-client"]["spec"]["selector"].items() <= pod_labels.items()
    assert objs["PodDisruptionBudget/etcd"]["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert sts["spec"]["template"]["spec"]["serviceAccountName"] == objs["ServiceAccount/etcd"]["metadata"]["name"]
    # docs/backup-restore.md and docs/troubleshooting.md run `kubectl exec etcd-0 -c etcd`.
    assert container(FIVE)["name"] == "etcd"
    peer_ports = objs["Service/etcd"]["spec"]["ports"]
    assert [(p["name"], p["port"], p["targetPort"]) for p in peer_ports] == [
        ("client", 2379, "client"), ("peer", 2380, "peer"), ("metrics", 2381, "metrics")]


def test_etcd_tuning_flags_appear_exactly_when_set():
    tuned = KarmadaControlPlaneProps(etcd_auto_compaction_mode="revision", etcd_auto_compaction_retention="10000",
                                     etcd_snapshot_count=5000, etcd_heartbeat_interval_ms=250,
                                     etcd_election_timeout_ms=2500)
    tuning = {"--auto-compaction-mode": "revision", "--auto-compaction-retention": "10000", "--snapshot-count": "5000",
              "--heartbeat-interval": "250", "--election-timeout": "2500"}
    assert {k: flags(tuned).get(k) for k in tuning} == tuning
    assert not set(tuning) & set(flags())
    assert flags(tuned)["--quota-backend-bytes"] == flags()["--quota-backend-bytes"]


def test_extra_args_reach_the_etcd_container():
    from charts.karmada import ComponentSettings, PodSettings

    tuned = KarmadaControlPlaneProps(settings=ComponentSettings(etcd=PodSettings(extra_args={"log-level": "warn"})))
    (etcd,) = objects(tuned)[f"StatefulSet/{names.ETCD_STATEFULSET}"]["spec"]["template"]["spec"]["containers"]
    assert etcd["name"] == "etcd"
    assert command_flags(etcd["command"], "/usr/local/bin/etcd")["--log-level"] == "warn"
