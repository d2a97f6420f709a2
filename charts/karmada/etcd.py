"""The Karmada API's etcd cluster: an N-member StatefulSet with TLS everywhere.

* Client *and* peer traffic are mutual TLS (separate etcd CA, see pki.py).
* Members find each other through the headless Service ``etcd``, which
  publishes not-ready addresses: a member only becomes Ready once there is
  quorum, so peers must resolve before they are Ready.
* ``podManagementPolicy: Parallel``: with OrderedReady, etcd-1 would wait for
  etcd-0 to be Ready, which needs etcd-1 for quorum - a bootstrap deadlock.
* ``--initial-cluster`` lists every member and is only read on first start.
  Changing ``etcd_replicas`` later does NOT resize a running cluster: add or
  remove members with ``etcdctl member add/remove`` before scaling the
  StatefulSet.
"""

from __future__ import annotations

from typing import Any

from constructs import Construct

from charts.karmada import names
from charts.karmada.common.objects import emit_all, labels, metadata, selector_labels
from charts.karmada.common.pod import (
    POD_NAME,
    ClaimMount,
    Container,
    HttpProbe,
    Placement,
    Port,
    SecretMount,
    ServicePort,
    pod_disruption_budget,
    pod_template,
    service,
    service_account,
)
from charts.karmada.common.settings import with_settings
from charts.karmada.props import KarmadaControlPlaneProps

DATA_MOUNT = ClaimMount("data", "/var/lib/etcd")
# A sub-directory etcd creates itself with mode 0700: the volume root carries
# fsGroup's group bits, which etcd would warn about.
DATA_DIR = "/var/lib/etcd/data"
SERVER_CERT = SecretMount("server-cert", names.ETCD_SERVER_SECRET, "/etc/etcd/pki/server")
PEER_CERT = SecretMount("peer-cert", names.ETCD_PEER_SECRET, "/etc/etcd/pki/peer")


def initial_cluster(props: KarmadaControlPlaneProps) -> str:
    return ",".join(
        f"{m}=https://{names.etcd_member_fqdn(m, props)}:{names.ETCD_PEER_PORT}" for m in names.etcd_member_names(props)
    )


def etcd_command(props: KarmadaControlPlaneProps) -> list[str]:
    self_fqdn = f"$(POD_NAME).{names.ETCD_PEER_SERVICE}.{props.namespace}.svc.{props.cluster_domain}"
    return [
        "/usr/local/bin/etcd",
        "--name=$(POD_NAME)",
        f"--data-dir={DATA_DIR}",
        f"--listen-client-urls=https://0.0.0.0:{names.ETCD_CLIENT_PORT}",
        f"--advertise-client-urls=https://{self_fqdn}:{names.ETCD_CLIENT_PORT}",
        f"--listen-peer-urls=https://0.0.0.0:{names.ETCD_PEER_PORT}",
        f"--initial-advertise-peer-urls=https://{self_fqdn}:{names.ETCD_PEER_PORT}",
        f"--initial-cluster={initial_cluster(props)}",
        "--initial-cluster-state=new",
        f"--initial-cluster-token=karmada-etcd-{props.namespace}",
        # Plain HTTP, separate port: probes and Prometheus need no client cert.
        f"--listen-metrics-urls=http://0.0.0.0:{names.ETCD_METRICS_PORT}",
        "--client-cert-auth=true",
        f"--trusted-ca-file={SERVER_CERT.ca}",
        f"--cert-file={SERVER_CERT.cert}",
        f"--key-file={SERVER_CERT.key}",
        "--peer-client-cert-auth=true",
        f"--peer-trusted-ca-file={PEER_CERT.ca}",
        f"--peer-cert-file={PEER_CERT.cert}",
        f"--peer-key-file={PEER_CERT.key}",
        # All clients (kube-apiserver, aggregated-apiserver, peers) are Go.
        "--tls-min-version=TLS1.3",
        f"--quota-backend-bytes={props.etcd_quota_backend_bytes}",
        "--log-outputs=stderr",
        "--log-level=info",
        *etcd_tuning_flags(props),
    ]


def etcd_tuning_flags(props: KarmadaControlPlaneProps) -> list[str]:
    """The optional etcd tuning the props set; none by default (etcd's own defaults)."""
    flags = []
    if props.etcd_auto_compaction_mode is not None:
        flags += [f"--auto-compaction-mode={props.etcd_auto_compaction_mode}",
                  f"--auto-compaction-retention={props.etcd_auto_compaction_retention}"]
    if props.etcd_snapshot_count is not None:
        flags.append(f"--snapshot-count={props.etcd_snapshot_count}")
    if props.etcd_heartbeat_interval_ms is not None:
        flags.append(f"--heartbeat-interval={props.etcd_heartbeat_interval_ms}")
    if props.etcd_election_timeout_ms is not None:
        flags.append(f"--election-timeout={props.etcd_election_timeout_ms}")
    return flags


def etcd_container(props: KarmadaControlPlaneProps) -> Container:
    metrics = names.ETCD_METRICS_PORT
    return Container(
        name="etcd",
        image=props.etcd_image,
        pull_policy=props.image_pull_policy,
        command=etcd_command(props),
        env=[POD_NAME],
        ports=[
            Port("client", names.ETCD_CLIENT_PORT),
            Port("peer", names.ETCD_PEER_PORT),
            Port("metrics", metrics),
        ],
        mounts=[DATA_MOUNT, SERVER_CERT, PEER_CERT],
        resources=props.resources.etcd,
        # Generous startup window: a member waits for its peers on first boot.
        startup=HttpProbe("/livez", metrics, period=10, timeout=5, failure=30),
        liveness=HttpProbe("/livez", metrics, period=10, timeout=5, failure=6),
        # /readyz includes a linearizable read, i.e. quorum.
        readiness=HttpProbe("/readyz", metrics, period=5, timeout=5, failure=3),
    )


def statefulset_manifest(props: KarmadaControlPlaneProps) -> dict[str, Any]:
    template = pod_template(
        names.ETCD,
        props,
        containers=[etcd_container(props)],
        placement=Placement(
            zone_hard=True,
            hostname_hard=True,
            min_domains=min(len(props.zones), props.etcd_replicas),
            # StatefulSets replace pods in place: count every revision.
            match_label_keys=(),
        ),
        termination_grace_seconds=60,
    )
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": metadata(names.ETCD_STATEFULSET, namespace=props.namespace, labels=labels(names.ETCD, props)),
        "spec": {
            "replicas": props.etcd_replicas,
            "serviceName": names.ETCD_PEER_SERVICE,
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": selector_labels(names.ETCD)},
            "updateStrategy": {"type": "RollingUpdate"},
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "template": template,
            "volumeClaimTemplates": [
                {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": {"name": DATA_MOUNT.volume, "labels": selector_labels(names.ETCD)},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "storageClassName": props.etcd_storage_class,
                        "resources": {"requests": {"storage": props.etcd_storage_size}},
                    },
                }
            ],
        },
    }


def etcd_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    return [
        service_account(names.ETCD, props),
        service(
            names.ETCD_PEER_SERVICE,
            names.ETCD,
            props,
            headless=True,
            publish_not_ready=True,
            ports=[
                ServicePort("client", names.ETCD_CLIENT_PORT, "client"),
                ServicePort("peer", names.ETCD_PEER_PORT, "peer"),
                ServicePort("metrics", names.ETCD_METRICS_PORT, "metrics"),
            ],
        ),
        service(
            names.ETCD_CLIENT_SERVICE,
            names.ETCD,
            props,
            ports=[ServicePort("client", names.ETCD_CLIENT_PORT, "client")],
        ),
        *with_settings([statefulset_manifest(props)], props.settings.etcd, container="etcd"),
        pod_disruption_budget(names.ETCD, props),
    ]


class EtcdCluster(Construct):
    """etcd StatefulSet, its headless (peer) and client Services, ServiceAccount and PDB."""

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id)
        emit_all(self, etcd_manifests(props))
