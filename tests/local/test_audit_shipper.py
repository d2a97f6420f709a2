"""The local audit shipper: the collector image becomes our built collector, writing to the local CloudWatch Logs."""

from __future__ import annotations

import re
from pathlib import Path

from charts.karmada import KarmadaControlPlaneProps
from charts.karmada.apiserver import apiserver_manifests
from charts.karmada.audit_shipper import BINARY, CONFIG_MAP, NAME, collector_config
from charts.karmada.props import AuditShippingProps
from eks_karmada.config import DEFAULT_AUDIT_COLLECTOR_IMAGE
from local_control_plane import binaries, cloudwatch_logs, deviations
from local_control_plane.layout import HOST_ADDRESS
from local_control_plane.pods import PodBuilder, workloads

SHIPPING = AuditShippingProps(log_group_name="/eks-karmada/local/karmada-apiserver/audit", region="us-east-1",
                              image=DEFAULT_AUDIT_COLLECTOR_IMAGE + "@sha256:" + "a" * 64)
PROPS = KarmadaControlPlaneProps(audit_shipping=SHIPPING)
GOBUILD = Path(binaries.__file__).parent / "gobuild" / "audit-log-shipper"


def test_the_collector_image_runs_as_the_built_shipper_at_the_image_entry_point() -> None:
    module = next(m for m in binaries.MODULES if m.folder == "audit-log-shipper")
    assert module.commands == {"audit-log-shipper": "ekskarmada.local/audit-log-shipper"}
    assert deviations.IMAGE_FILES["aws-observability/aws-otel-collector"] == {BINARY: "audit-log-shipper"}


def test_the_apiserver_pod_runs_with_the_shipper_and_only_it_gets_the_local_cloudwatch_logs(tmp_path: Path) -> None:
    binaries_ = {name: Path("/fake/bin") / name for module in binaries.MODULES for name in module.commands}
    binaries_[deviations.STS_CA_FILE] = Path("/fake/bin/sts-ca.crt")
    (workload,) = workloads(apiserver_manifests(PROPS))
    builder = PodBuilder(cluster="parent", binaries=binaries_, data_dir=tmp_path, hosts=[],
                         address_of=lambda key: "10.250.0.40", netns_of=lambda key: key)
    (pod,) = builder.pods(workload)
    by_name = {c.name: c for c in pod.containers}
    shipper = by_name[NAME]
    assert dict(shipper.files) == {BINARY: "/fake/bin/audit-log-shipper"}
    env = dict(shipper.env)
    assert env["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"] == f"http://{HOST_ADDRESS}:{deviations.CLOUDWATCH_LOGS_PORT}"
    assert env["AWS_ACCESS_KEY_ID"] and env["AWS_SECRET_ACCESS_KEY"]
    for name, other in by_name.items():
        if name != NAME:
            assert not {k for k, _ in other.env if k.startswith("AWS_")}, name
    # The rendered configuration is used as is: no endpoint in it.
    assert "endpoint" not in collector_config(SHIPPING)["exporters"]["awscloudwatchlogs"]


def test_make_local_creates_the_group_the_shipper_config_names() -> None:
    objects = apiserver_manifests(PROPS)
    assert cloudwatch_logs.SHIPPER_CONFIG_MAP == CONFIG_MAP
    assert cloudwatch_logs.shipper_destinations(objects) == [(SHIPPING.log_group_name, "us-east-1")]
    assert cloudwatch_logs.shipper_destinations(apiserver_manifests(KarmadaControlPlaneProps())) == []


def test_the_wrapper_module_pins_every_collector_module_at_one_release() -> None:
    go_mod = (GOBUILD / "go.mod").read_text()
    versions = dict(re.findall(r"^\s+(github\.com/open-telemetry/opentelemetry-collector-contrib/\S+|"
                               r"go\.opentelemetry\.io/collector/\S+) (v\S+)", go_mod, re.MULTILINE))
    contrib = {v for m, v in versions.items() if "collector-contrib" in m}
    core = {v for m, v in versions.items() if m.startswith("go.opentelemetry.io/collector/")}
    assert contrib == {"v0.143.0"}
    # The core's modules come in two series, v0.x and v1.x, released together.
    assert core <= {"v0.143.0", "v1.49.0"}, core
    main = (GOBUILD / "main.go").read_text()
    for component in ("filelogreceiver", "filestorage", "healthcheckextension", "memorylimiterprocessor",
                      "awscloudwatchlogsexporter"):
        assert f"{component}.NewFactory()" in main
    # Exactly the components the configuration uses.
    config = collector_config(SHIPPING)
    used = {*config["receivers"], *config["processors"], *config["exporters"], *config["extensions"]}
    assert used == {"filelog", "memory_limiter", "awscloudwatchlogs", "health_check", "file_storage"}
    factories = [f for f in re.findall(r"(\w+)\.NewFactory\(\)", main)
                 if f not in ("otelconftelemetry", "fileprovider", "envprovider")]
    # Besides the collector's own telemetry and its file and env config providers.
    assert len(factories) == len(used), factories

