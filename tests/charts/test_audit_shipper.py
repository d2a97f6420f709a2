"""The audit log shipper beside karmada-apiserver: what its pod wiring and collector configuration mean.

Pure builders (charts/karmada/audit_shipper.py, charts/karmada/apiserver.py), no cdk8s.
"""

from __future__ import annotations

import kubernetes_validate
import pytest
import yaml

from charts.karmada import KarmadaControlPlaneProps, names
from charts.karmada.apiserver import apiserver_command, apiserver_manifests
from charts.karmada.audit_shipper import (
    CONFIG_KEY,
    CONFIG_MAP,
    NAME,
    SKIP_CONTAINERS_ANNOTATION,
    collector_config,
    log_path,
)
from charts.karmada.common.objects import checksum
from charts.karmada.common.pod import NONROOT_UID
from charts.karmada.props import AuditShippingProps
from tests.charts.command_flags import command_flags

IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
SHIPPING = AuditShippingProps(log_group_name="/eks-karmada/parent/karmada-apiserver/audit", region="eu-west-1",
                              image=IMAGE)
PROPS = KarmadaControlPlaneProps(audit_shipping=SHIPPING)


def objects(props: KarmadaControlPlaneProps = PROPS) -> dict[str, dict]:
    return {f"{o['kind']}/{o['metadata']['name']}": o for o in apiserver_manifests(props)}


def template() -> dict:
    return objects()[f"Deployment/{names.APISERVER}"]["spec"]["template"]


def containers() -> dict[str, dict]:
    return {c["name"]: c for c in template()["spec"]["containers"]}


def mounts(container: dict) -> dict[str, dict]:
    return {m["name"]: m for m in container["volumeMounts"]}


def test_apiserver_writes_a_rotated_json_file_in_the_volume_the_shipper_reads():
    flags = command_flags(apiserver_command(PROPS), "kube-apiserver")
    assert flags["--audit-log-path"] == log_path(SHIPPING) == "/var/log/karmada-apiserver/audit.log"
    assert flags["--audit-log-format"] == "json"
    assert (flags["--audit-log-maxsize"], flags["--audit-log-maxbackup"], flags["--audit-log-maxage"]) == \
        ("100", "2", "30")
    by_name = containers()
    apiserver, shipper = mounts(by_name["kube-apiserver"]), mounts(by_name[NAME])
    assert apiserver["audit-log"]["mountPath"] == shipper["audit-log"]["mountPath"] == "/var/log/karmada-apiserver"
    assert not apiserver["audit-log"].get("readOnly") and shipper["audit-log"]["readOnly"] is True
    config = collector_config(SHIPPING)
    assert config["receivers"]["filelog"]["include"] == ["/var/log/karmada-apiserver/audit*.log"]


def test_the_volume_holds_what_rotation_keeps_so_the_pod_is_never_evicted_for_it():
    volumes = {v["name"]: v for v in template()["spec"]["volumes"]}
    limit_mib = int(volumes["audit-log"]["emptyDir"]["sizeLimit"].removesuffix("Mi"))
    # The current file, its backups, and the one being rotated in.
    assert limit_mib >= SHIPPING.max_file_mb * (SHIPPING.max_backups + 1) + SHIPPING.max_file_mb
    assert "emptyDir" in volumes["audit-shipper-state"]


def test_the_shipper_is_restricted_like_every_container_and_gets_the_only_aws_credentials():
    shipper = containers()[NAME]
    security = shipper["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["runAsNonRoot"] is True
    assert security["runAsUser"] == NONROOT_UID and security["capabilities"] == {"drop": ["ALL"]}
    assert security["allowPrivilegeEscalation"] is False
    assert shipper["image"] == IMAGE and shipper["command"][0] == "/awscollector"
    assert shipper["resources"]["limits"]["memory"] and shipper["resources"]["requests"]["cpu"]
    env = {e["name"]: e for e in shipper["env"]}
    assert env["AWS_EC2_METADATA_DISABLED"]["value"] == "true"
    assert env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    # Pod Identity's webhook skips every other container, init containers included.
    skipped = set(template()["metadata"]["annotations"][SKIP_CONTAINERS_ANNOTATION].split(","))
    every = {c["name"] for c in (*template()["spec"]["containers"], *template()["spec"]["initContainers"])}
    assert skipped == every - {NAME}
    # The pod's own Kubernetes token stays out; Pod Identity mounts its own.
    assert template()["spec"]["automountServiceAccountToken"] is False
    assert template()["spec"]["serviceAccountName"] == names.APISERVER


def test_probes_reach_the_health_check_extension():
    shipper = containers()[NAME]
    port = shipper["ports"][0]["containerPort"]
    assert collector_config(SHIPPING)["extensions"]["health_check"]["endpoint"] == f"${{env:POD_IP}}:{port}"
    for probe in ("livenessProbe", "readinessProbe"):
        assert shipper[probe]["httpGet"]["port"] == port


def test_the_collector_ships_raw_events_to_the_group_one_stream_per_pod():
    exporter = collector_config(SHIPPING)["exporters"]["awscloudwatchlogs"]
    assert (exporter["log_group_name"], exporter["region"]) == (SHIPPING.log_group_name, "eu-west-1")
    assert exporter["log_stream_name"] == "${env:POD_NAME}"
    assert exporter["raw_log"] is True
    # No endpoint in the product: the SDK's regional one (the local run overrides it by env, a listed deviation).
    assert "endpoint" not in exporter and "log_retention" not in exporter


def test_nothing_is_lost_or_sent_twice_across_restarts_of_the_shipper():
    config = collector_config(SHIPPING)
    storage = config["extensions"]["file_storage"]
    assert storage["directory"] == "/var/lib/audit-shipper"
    receiver, exporter = config["receivers"]["filelog"], config["exporters"]["awscloudwatchlogs"]
    # Offsets and the send queue survive a container restart in the pod's emptyDir.
    assert receiver["storage"] == exporter["sending_queue"]["storage"] == "file_storage"
    assert receiver["start_at"] == "beginning"  # a new pod's files are new: nothing before the shipper starts is lost
    assert exporter["retry_on_failure"]["max_elapsed_time"] == "0s"  # never dropped after retries
    assert exporter["sending_queue"]["block_on_overflow"] is True  # a full queue holds the reader back
    assert config["service"]["extensions"] == ["health_check", "file_storage"]
    (pipeline,) = config["service"]["pipelines"].values()
    assert pipeline == {"receivers": ["filelog"], "processors": ["memory_limiter"], "exporters": ["awscloudwatchlogs"]}


def test_each_event_keeps_its_own_time():
    (parser,) = collector_config(SHIPPING)["receivers"]["filelog"]["operators"]
    assert parser["type"] == "json_parser"
    assert parser["timestamp"]["parse_from"] == "attributes.stageTimestamp"


def test_the_config_map_holds_the_config_and_a_change_rolls_the_pods():
    config_map = objects()[f"ConfigMap/{CONFIG_MAP}"]
    assert yaml.safe_load(config_map["data"][CONFIG_KEY]) == collector_config(SHIPPING)
    volumes = {v["name"]: v for v in template()["spec"]["volumes"]}
    assert volumes["audit-shipper-config"]["configMap"]["name"] == CONFIG_MAP
    other = KarmadaControlPlaneProps(audit_shipping=SHIPPING.model_copy(update={"region": "us-east-1"}))
    rolled = objects(other)[f"Deployment/{names.APISERVER}"]["spec"]["template"]["metadata"]["annotations"]
    assert rolled["checksum/config"] != template()["metadata"]["annotations"]["checksum/config"]
    assert checksum({}) != rolled["checksum/config"]


def test_without_shipping_the_audit_log_goes_to_stdout_and_no_shipper_runs():
    plain = KarmadaControlPlaneProps()
    flags = command_flags(apiserver_command(plain), "kube-apiserver")
    assert (flags["--audit-log-path"], flags["--audit-log-format"]) == ("-", "json")
    spec = objects(plain)[f"Deployment/{names.APISERVER}"]["spec"]["template"]
    assert NAME not in {c["name"] for c in spec["spec"]["containers"]}
    assert SKIP_CONTAINERS_ANNOTATION not in spec["metadata"]["annotations"]


def test_objects_validate_strictly_against_kubernetes_1_35():
    for obj in apiserver_manifests(PROPS):
        kubernetes_validate.validate(obj, "1.35.0", strict=True)


@pytest.mark.parametrize("field, value, message", [
    ("log_group_name", "audit log", "log_group_name"),
    ("region", "Frankfurt", "region"),
    ("image", "public.ecr.aws/aws-observability/aws-otel-collector:latest", "image"),
    ("image", "aws-otel-collector", "image"),
])
def test_props_refuse_what_cannot_be_rendered(field, value, message):
    with pytest.raises(ValueError, match=message):
        AuditShippingProps(**{**SHIPPING.model_dump(), field: value})
