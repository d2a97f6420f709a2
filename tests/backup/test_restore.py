"""The restore renderer: each member gets etcd.py's own identity back, safely, in the documented order."""

from __future__ import annotations

import re

import pytest
import yaml

from charts.etcd_backup import EtcdBackupProps, cleanup_manifests, restore_plan
from charts.etcd_backup.restore import BUMP_REVISION, etcd_flags
from charts.karmada import KarmadaControlPlaneProps, names
from charts.karmada.etcd import etcd_command, initial_cluster, statefulset_manifest
from tests.backup.k8s_checks import containers, hardening_gaps, pod_spec, restricted_violations, validate_strict

KEY = "etcd-snapshots/karmada-parent/20260101T000000Z.db"
PROPS = EtcdBackupProps(bucket_name="karmada-backups", region="us-east-1")
FIVE = EtcdBackupProps(
    control_plane=KarmadaControlPlaneProps(etcd_replicas=5, search=True), bucket_name="karmada-backups",
                       region="us-east-1"
)


def _jobs(objects):
    return [o for o in objects if o["kind"] == "Job"]


def _restore_args(job) -> dict[str, str]:
    (main,) = pod_spec(job)["containers"]
    return dict(a.split("=", 1) if "=" in a else (a, "") for a in main["command"] if a.startswith("--"))


@pytest.fixture(scope="module", params=[PROPS, FIVE], ids=["3-members", "5-members"])
def props(request) -> EtcdBackupProps:
    return request.param


@pytest.fixture(scope="module")
def plan(props):
    return restore_plan(props, KEY)


def test_one_job_per_member_and_nothing_else(plan, props):
    jobs = _jobs(plan.objects)
    assert len(jobs) == len(plan.objects) == props.control_plane.etcd_replicas
    assert [j["metadata"]["name"] for j in jobs] == [f"etcd-restore-etcd-{i}" for i in range(len(jobs))]


def test_each_member_gets_the_name_url_and_cluster_of_the_statefulset(plan, props):
    cp = props.control_plane
    running = dict(a.split("=", 1) for a in etcd_command(cp) if a.startswith("--") and "=" in a)
    urls = dict(m.split("=", 1) for m in running["--initial-cluster"].split(","))
    assert running["--initial-cluster"] == initial_cluster(cp)
    for i, job in enumerate(_jobs(plan.objects)):
        member = f"etcd-{i}"
        args = _restore_args(job)
        assert args["--name"] == member == job["metadata"]["labels"]["karmada.io/etcd-member"]
        assert args["--initial-cluster"] == running["--initial-cluster"]
        assert args["--initial-advertise-peer-urls"] == urls[member]
        assert urls[member] == f"https://{member}.etcd.{cp.namespace}.svc.{cp.cluster_domain}:{names.ETCD_PEER_PORT}"
        assert args["--data-dir"] == running["--data-dir"] == "/var/lib/etcd/data"
        assert args["--bump-revision"] == str(BUMP_REVISION) and "--mark-compacted" in args
    assert len(urls) == cp.etcd_replicas


def test_restored_cluster_gets_a_fresh_token_shared_by_every_member(plan, props):
    tokens = {_restore_args(j)["--initial-cluster-token"] for j in _jobs(plan.objects)}
    (token,) = tokens
    assert token == f"{etcd_flags(props)['--initial-cluster-token']}-restore-20260101t000000z"


def test_each_job_mounts_its_members_volume_where_etcd_does(plan, props):
    sts = statefulset_manifest(props.control_plane)
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    (etcd,) = sts["spec"]["template"]["spec"]["containers"]
    etcd_mount = next(m for m in etcd["volumeMounts"] if m["name"] == claim["metadata"]["name"])
    for i, job in enumerate(_jobs(plan.objects)):
        spec = pod_spec(job)
        (volume,) = [v for v in spec["volumes"] if "persistentVolumeClaim" in v]
        claim_name = f"{claim['metadata']['name']}-{sts['metadata']['name']}-{i}"
        assert volume["persistentVolumeClaim"]["claimName"] == claim_name
        for c in containers(job):
            (mount,) = [m for m in c["volumeMounts"] if m["name"] == volume["name"]]
            assert mount["mountPath"] == etcd_mount["mountPath"]


def test_download_then_restore_with_aws_credentials_only_in_the_download(plan, props):
    for job in _jobs(plan.objects):
        spec = pod_spec(job)
        (prepare,) = spec["initContainers"]
        (restore,) = spec["containers"]
        env = {e["name"]: e["value"] for e in prepare["env"]}
        assert prepare["image"] == props.aws_cli_image and prepare["command"][:2] == ["/bin/sh", "-c"]
        assert env["BUCKET"] == "karmada-backups" and env["SNAPSHOT_KEY"] == KEY and env["KEEP_PREVIOUS_DATA"] == "true"
        assert env["PREVIOUS_DATA_DIR"] == "/var/lib/etcd/data.before-restore-20260101t000000z"
        assert restore["image"] == props.control_plane.etcd_image and restore["command"][:3] == [
            "/usr/local/bin/etcdutl", "snapshot", "restore"]
        assert job["spec"]["template"]["metadata"]["annotations"] == {"eks.amazonaws.com/skip-containers": "restore"}
        # The read-only restore identity, never the backup CronJob's write-only one.
        assert spec["serviceAccountName"] == "etcd-restore"


def test_the_restore_always_recomputes_the_snapshots_sha256(plan):
    """The one check of a snapshot's content that always runs (docs/backup-restore.md).

    The one check of a snapshot's content that always runs (docs/backup-restore.md): etcdctl snapshot save only checks
    that the SHA-256 etcd appends is there, and the CLI's download check skips snapshots uploaded in parts; etcdutl
    snapshot restore recomputes it unless told --skip-hash-check.
    """
    for job in _jobs(plan.objects):
        (restore,) = pod_spec(job)["containers"]
        assert restore["command"][:4] == ["/usr/local/bin/etcdutl", "snapshot", "restore",
                                          "/var/lib/etcd-backup/snapshot.db"]
        assert not [arg for arg in restore["command"] if arg.startswith("--skip-hash-check")]


def test_a_restore_pod_cannot_run_next_to_a_live_etcd_member(plan):
    for job in _jobs(plan.objects):
        (term,) = pod_spec(job)["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        assert term == {"labelSelector": {"matchLabels": {"app.kubernetes.io/name": "etcd",
                                                          "app.kubernetes.io/instance": "karmada"}},
                        "topologyKey": "kubernetes.io/hostname"}


def test_pods_meet_restricted_pod_security_and_objects_are_valid_kubernetes(props):
    for objects in (restore_plan(props, KEY).objects, restore_plan(props, KEY, new_volumes=True).objects,
                    cleanup_manifests(props)):
        for job in _jobs(objects):
            assert restricted_violations(job) == [], job["metadata"]["name"]
            assert hardening_gaps(job) == [], job["metadata"]["name"]
        assert validate_strict(objects) == len(objects)


def test_new_volumes_recreate_the_claims_and_spread_members_over_the_zones(props):
    plan = restore_plan(props, KEY, new_volumes=True)
    (template,) = statefulset_manifest(props.control_plane)["spec"]["volumeClaimTemplates"]
    claims = [o for o in plan.objects if o["kind"] == "PersistentVolumeClaim"]
    assert [c["metadata"]["name"] for c in claims] == [f"data-etcd-{i}"
                                                       for i in range(props.control_plane.etcd_replicas)]
    assert all(c["spec"] == template["spec"] for c in claims)
    zones = props.control_plane.zones
    pinned = [
        pod_spec(j)["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0][
            "matchExpressions"][0]["values"]
        for j in _jobs(plan.objects)
    ]
    assert pinned == [[zones[i % len(zones)]] for i in range(len(pinned))]
    counts = [sum(p == [z] for p in pinned) for z in zones]
    assert max(counts) - min(counts) <= 1, "the StatefulSet spreads etcd with maxSkew 1 over the zones"


def test_discarding_previous_data_is_explicit():
    (job, *_) = restore_plan(PROPS, KEY, keep_previous_data=False).objects
    env = {e["name"]: e["value"] for e in pod_spec(job)["initContainers"][0]["env"]}
    assert env["KEEP_PREVIOUS_DATA"] == "false"


@pytest.mark.parametrize(
    "key",
    [
        "etcd-snapshots/other-cluster/20260101T000000Z.db",
        "etcd-snapshots/karmada-parent/../x.db",
        "etcd-snapshots/karmada-parent/20260101T000000Z",
        "etcd-snapshots/karmada-parent/$(reboot).db",
        "karmada-parent/20260101T000000Z.db",
    ],
)
def test_only_this_clusters_snapshot_keys_are_accepted(key):
    with pytest.raises(ValueError, match="not one of this cluster's snapshots"):
        restore_plan(PROPS, key)


def test_steps_stop_clients_then_etcd_restore_then_start_in_reverse_order(plan, props):
    commands = [c for _, cs in plan.steps for c in cs]

    def first(pattern: str) -> int:
        return next(i for i, c in enumerate(commands) if re.search(pattern, c))

    clients = {w.name for w in plan.etcd_clients}
    expected = {"karmada-apiserver", "karmada-aggregated-apiserver"} | ({"karmada-search"}
                                                                        if props.control_plane.search else set())
    assert clients == expected
    assert "karmada-controller-manager" in {w.name for w in plan.controllers}
    order = [
        first(r"patch cronjob etcd-backup .*\"suspend\":true"),
        first(r"scale deployment karmada-apiserver .*--replicas=0"),
        first(r"scale statefulset etcd --replicas=0"),
        first(r"kubectl apply -f"),
        first(r"wait --for=condition=complete job"),
        first(rf"scale statefulset etcd --replicas={props.control_plane.etcd_replicas}$"),
        first(r"endpoint status --cluster"),
        first(r"scale deployment karmada-apiserver --replicas=2$"),
        first(r"rollout restart deployment"),
        first(r"\"suspend\":false"),
    ]
    assert order == sorted(order)
    assert all(f"scale deployment {w.name} --replicas={w.replicas}" in "\n".join(commands) for w in plan.etcd_clients)


def test_plan_yaml_is_the_objects_with_the_steps_as_comments(plan):
    text = plan.to_yaml()
    assert [d for d in yaml.safe_load_all(text) if d] == plan.objects
    assert text.startswith("# etcd restore") and "# 4. Restore every member" in text
    assert "|" in text, "scripts render as literal blocks"


def test_restore_and_cleanup_pods_fall_under_the_restore_network_policy(plan, props):
    from charts.etcd_backup.backup import network_policy_manifests

    policy = next(p for p in network_policy_manifests(props) if p["metadata"]["name"] == "etcd-restore")
    selector = policy["spec"]["podSelector"]["matchLabels"]
    for job in _jobs(plan.objects) + cleanup_manifests(props):
        assert selector.items() <= job["spec"]["template"]["metadata"]["labels"].items()
        assert pod_spec(job)["serviceAccountName"] == "etcd-restore"


def test_an_overwritten_snapshot_restores_from_its_named_version(props):
    plan = restore_plan(props, KEY, snapshot_version="3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY")
    for job in _jobs(plan.objects):
        (prepare,) = pod_spec(job)["initContainers"]
        env = {e["name"]: e["value"] for e in prepare["env"]}
        assert env["SNAPSHOT_VERSION"] == "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"
        assert job["metadata"]["annotations"]["karmada.io/etcd-snapshot-version"] == env["SNAPSHOT_VERSION"]
    assert "(version 3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY)" in plan.to_yaml().splitlines()[1]
    for job in _jobs(restore_plan(props, KEY).objects):  # the current version by default
        assert "SNAPSHOT_VERSION" not in {e["name"] for e in pod_spec(job)["initContainers"][0]["env"]}
    with pytest.raises(ValueError, match="not an S3 version id"):
        restore_plan(props, KEY, snapshot_version="v1; rm -rf /")
