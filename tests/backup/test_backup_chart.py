"""The etcd backup chart: what the CronJob does, with which identity, and how locked down it is."""

from __future__ import annotations

import cdk8s
import pytest

from charts.etcd_backup import EtcdBackupChart, EtcdBackupProps, backup_manifests
from charts.etcd_backup.backup import CLIENT_CERT, client_certificate_request
from charts.etcd_backup.pods import SKIP_CONTAINERS_ANNOTATION
from charts.karmada import KarmadaControlPlaneProps, names
from charts.karmada.pki import leaf_certificates
from tests.backup.k8s_checks import containers, hardening_gaps, pod_spec, restricted_violations, validate_strict

BUCKET = "${Token[TOKEN.42]}"  # the bucket name is a CDK token at synth time
PROPS = EtcdBackupProps(bucket_name=BUCKET, region="us-east-1", schedule="15 */4 * * *")


def _objects(props: EtcdBackupProps = PROPS) -> dict[str, dict]:
    def key(o: dict) -> str:
        if o["kind"] == "NetworkPolicy" or (o["kind"] == "ServiceAccount" and o["metadata"]["name"] != "etcd-backup"):
            return f"{o['kind']}/{o['metadata']['name']}"
        return o["kind"]

    return {key(o): o for o in backup_manifests(props)}


@pytest.fixture(scope="module")
def objs() -> dict[str, dict]:
    return _objects()


@pytest.fixture(scope="module")
def steps(objs) -> dict[str, dict]:
    return {c["name"]: c for c in containers(objs["CronJob"])}


def test_chart_renders_service_account_certificate_policy_and_cronjob():
    chart = EtcdBackupChart(cdk8s.App(), "etcd-backup", PROPS)
    kinds = [(o["kind"], o["metadata"]["name"]) for o in chart.to_json()]
    assert kinds == [
        ("ServiceAccount", "etcd-backup"),
        ("ServiceAccount", "etcd-restore"),
        ("Certificate", "etcd-backup-etcd-client"),
        ("NetworkPolicy", "etcd-backup"),
        ("NetworkPolicy", "etcd-restore"),
        ("CronJob", "etcd-backup"),
    ]
    assert all(o["metadata"]["namespace"] == "karmada-system" for o in chart.to_json())


def test_cronjob_schedule_and_history(objs):
    spec = objs["CronJob"]["spec"]
    assert spec["schedule"] == "15 */4 * * *"
    assert spec["timeZone"] == "Etc/UTC"
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["successfulJobsHistoryLimit"] == 3 and spec["failedJobsHistoryLimit"] == 3
    job = spec["jobTemplate"]["spec"]
    assert job["backoffLimit"] == 2 and job["activeDeadlineSeconds"] == 3600
    assert pod_spec(objs["CronJob"])["restartPolicy"] == "Never"


def test_pod_meets_restricted_pod_security_and_is_hardened(objs):
    assert restricted_violations(objs["CronJob"]) == []
    assert hardening_gaps(objs["CronJob"]) == []
    spec = pod_spec(objs["CronJob"])
    assert spec["priorityClassName"] == PROPS.control_plane.priority_class_name
    assert spec["serviceAccountName"] == objs["ServiceAccount"]["metadata"]["name"] == "etcd-backup"
    assert objs["ServiceAccount"]["automountServiceAccountToken"] is False


def test_restore_jobs_have_a_service_account_of_their_own(objs):
    """The restore role's Pod Identity association names it: restores never hold the backup's write credential."""
    restore = objs["ServiceAccount/etcd-restore"]
    assert restore["automountServiceAccountToken"] is False
    assert restore["metadata"]["labels"]["app.kubernetes.io/name"] == "etcd-restore"


def test_snapshot_then_verify_then_upload(objs, steps):
    spec = pod_spec(objs["CronJob"])
    assert [c["name"] for c in spec["initContainers"]] == ["snapshot", "verify"]
    assert [c["name"] for c in spec["containers"]] == ["upload"]
    snapshot, verify, upload = steps["snapshot"]["command"], steps["verify"]["command"], steps["upload"]["command"]
    assert snapshot[0] == "/usr/local/bin/etcdctl" and snapshot[-3:] == ["snapshot", "save",
                                                                         "/var/lib/etcd-backup/snapshot.db"]
    # A failing status (corrupt file) exits non-zero: the init container fails and upload never runs.
    assert verify[:4] == ["/usr/local/bin/etcdutl", "snapshot", "status", "/var/lib/etcd-backup/snapshot.db"]
    assert upload[:2] == ["/bin/sh", "-c"] and 'aws s3 cp "${snapshot}" "s3://${BUCKET}/${key}"' in upload[2]


def test_etcd_steps_exec_binaries_of_the_etcd_image_and_only_the_aws_cli_runs_a_shell(objs):
    etcd_image = PROPS.control_plane.etcd_image
    assert etcd_image == "registry.k8s.io/etcd:3.6.6-0"
    for c in containers(objs["CronJob"]):
        if c["image"] == etcd_image:
            assert c["command"][0] in ("/usr/local/bin/etcdctl", "/usr/local/bin/etcdutl")
        else:
            assert c["image"] == PROPS.aws_cli_image == "public.ecr.aws/aws-cli/aws-cli:2.36.7"


def test_snapshot_dials_the_client_service_over_mutual_tls_with_a_certificate_etcd_trusts(steps, objs):
    args = dict(a.split("=", 1) for a in steps["snapshot"]["command"] if a.startswith("--"))
    cp = PROPS.control_plane
    host = f"{names.ETCD_CLIENT_SERVICE}.{cp.namespace}.svc.{cp.cluster_domain}"
    assert args["--endpoints"] == f"https://{host}:{names.ETCD_CLIENT_PORT}"
    server = next(c for c in leaf_certificates(cp) if c.name == names.ETCD_SERVER_SECRET)
    assert host in server.dns_names, "the etcd serving certificate must name the client Service"
    assert (args["--cacert"], args["--cert"], args["--key"]) == (CLIENT_CERT.ca, CLIENT_CERT.cert, CLIENT_CERT.key)
    cert = objs["Certificate"]
    assert cert["spec"]["issuerRef"]["name"] == names.ETCD_CA_ISSUER
    assert cert["spec"]["secretName"] == client_certificate_request().secret_name == CLIENT_CERT.secret
    assert cert["spec"]["usages"] == ["digital signature", "key encipherment", "client auth"]
    assert cert["spec"]["privateKey"]["rotationPolicy"] == "Always"


def test_only_the_snapshot_step_holds_the_etcd_key_and_only_upload_gets_aws_credentials(objs, steps):
    holders = [n for n, c in steps.items() if any(m["name"] == CLIENT_CERT.volume for m in c["volumeMounts"])]
    assert holders == ["snapshot"]
    pod_metadata = objs["CronJob"]["spec"]["jobTemplate"]["spec"]["template"]["metadata"]
    skipped = pod_metadata["annotations"][SKIP_CONTAINERS_ANNOTATION]
    assert set(skipped.split(",")) == {"snapshot", "verify"}
    assert not any(e["name"].startswith("AWS_ACCESS") for c in steps.values() for e in c.get("env", []))


def test_upload_goes_to_the_cluster_prefix_in_the_bucket(steps):
    env = {e["name"]: e["value"] for e in steps["upload"]["env"]}
    assert env["BUCKET"] == BUCKET and env["SNAPSHOT_PREFIX"] == "etcd-snapshots/karmada-parent/"
    assert env["AWS_REGION"] == "us-east-1" and env["AWS_EC2_METADATA_DISABLED"] == "true"
    assert "$(" not in steps["upload"]["command"][2], "Kubernetes would expand $(...) in a command"


def test_scratch_space_holds_the_largest_database(objs):
    (work,) = [v for v in pod_spec(objs["CronJob"])["volumes"] if v["name"] == "work"]
    quota_gib = PROPS.control_plane.etcd_quota_backend_bytes / 1024**3
    assert float(work["emptyDir"]["sizeLimit"].removesuffix("Gi")) > quota_gib


def _egress_ports(policy: dict) -> list[int]:
    return sorted(p["port"] for r in policy["spec"]["egress"] for p in r["ports"])


def test_network_policies_admit_only_what_backup_and_restore_need(objs):
    backup, restore = objs["NetworkPolicy/etcd-backup"], objs["NetworkPolicy/etcd-restore"]
    for policy, name in ((backup, "etcd-backup"), (restore, "etcd-restore")):
        assert policy["spec"]["ingress"] == [] and set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        assert policy["spec"]["podSelector"] == {
            "matchLabels": {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": "karmada"}}
    cron_labels = objs["CronJob"]["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"]
    assert backup["spec"]["podSelector"]["matchLabels"].items() <= cron_labels.items()
    etcd = next(r for r in backup["spec"]["egress"] if {"protocol": "TCP", "port": 2379} in r["ports"])
    assert etcd["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "etcd"
    assert etcd["ports"] == [{"protocol": "TCP", "port": names.ETCD_CLIENT_PORT}]
    assert _egress_ports(backup) == [53, 53, 80, 443, 2379]
    assert _egress_ports(restore) == [53, 53, 80, 443], "restore pods run while etcd is down: no etcd access"


def test_every_object_is_valid_kubernetes_1_35():
    assert validate_strict(backup_manifests(PROPS)) == 5


def test_follows_the_control_plane_props():
    cp = KarmadaControlPlaneProps(kube_registry="123456789012.dkr.ecr.us-east-1.amazonaws.com/k8s",
                                  etcd_image_tag="3.6.6-0",
                                  namespace="karmada-ha", priority_class_name="critical")
    objs = _objects(EtcdBackupProps(control_plane=cp, cluster_name="other", bucket_name="b", region="eu-west-1"))
    spec = pod_spec(objs["CronJob"])
    assert spec["priorityClassName"] == "critical"
    assert {c["image"] for c in spec["initContainers"]} == {cp.etcd_image}
    assert all(o["metadata"]["namespace"] == "karmada-ha" for o in objs.values())
    snapshot = spec["initContainers"][0]["command"]
    assert "--endpoints=https://etcd-client.karmada-ha.svc.cluster.local:2379" in snapshot
    assert {"name": "SNAPSHOT_PREFIX", "value": "etcd-snapshots/other/"} in spec["containers"][0]["env"]


@pytest.mark.parametrize(
    "field, value",
    [
        ("schedule", "every 6 hours"),
        ("schedule", "0 */6 * *"),
        ("aws_cli_image", "public.ecr.aws/aws-cli/aws-cli:latest"),
        ("aws_cli_image", "public.ecr.aws/aws-cli/aws-cli"),
        ("cluster_name", "bad/name"),
        ("bucket_name", "my bucket"),
        ("bucket_name", ""),
    ],
)
def test_props_refuse_bad_values(field, value):
    with pytest.raises(ValueError):
        EtcdBackupProps(**{"bucket_name": "b", "region": "us-east-1", field: value})


def test_props_accept_macros_and_digests():
    EtcdBackupProps(bucket_name="b", region="r", schedule="@daily",
                    aws_cli_image="public.ecr.aws/aws-cli/aws-cli@sha256:" + "0" * 64)


def test_upload_counts_in_the_metric_only_when_one_is_given(steps):
    from charts.etcd_backup import UploadMetric

    assert not {e["name"] for e in steps["upload"]["env"]} & {"METRIC_NAMESPACE", "METRIC_NAME", "METRIC_DIMENSIONS"}
    metric = UploadMetric(namespace="EKSKarmada/EtcdBackup", name="SnapshotsUploaded", dimension="ClusterName")
    objects = _objects(PROPS.model_copy(update={"upload_metric": metric}))
    upload = next(c for c in containers(objects["CronJob"]) if c["name"] == "upload")
    env = {e["name"]: e.get("value") for e in upload["env"]}
    assert (env["METRIC_NAMESPACE"], env["METRIC_NAME"], env["METRIC_DIMENSIONS"]) == (
        "EKSKarmada/EtcdBackup", "SnapshotsUploaded", "ClusterName=karmada-parent")
    assert validate_strict(list(objects.values())) == len(objects) - 1  # the Certificate is checked elsewhere


@pytest.mark.parametrize(("field", "value"), [("namespace", "bad namespace"), ("name", ""), ("dimension", "a=b")])
def test_upload_metric_refuses_values_the_cli_would_misread(field, value):
    from pydantic import ValidationError

    from charts.etcd_backup import UploadMetric

    good = {"namespace": "EKSKarmada/EtcdBackup", "name": "SnapshotsUploaded", "dimension": "ClusterName"}
    with pytest.raises(ValidationError):
        UploadMetric(**{**good, field: value})
