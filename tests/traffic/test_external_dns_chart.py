"""charts/external_dns: the flags, the read-only RBAC, a hardened pod, and props that refuse what cannot work."""

from __future__ import annotations

from typing import Any

import cdk8s
import kubernetes_validate
import pytest

from charts.external_dns import (
    DEFAULT_IMAGE,
    HEALTH_PORT,
    NAMESPACE,
    SERVICE_ACCOUNT,
    ExternalDnsChart,
    ExternalDnsProps,
    ExternalDnsPropsError,
)
from tests.traffic.synths import DOMAIN, ZONE_ID


def _props(**overrides: Any) -> ExternalDnsProps:
    return ExternalDnsProps(**{"owner_id": "member-use1", "domain": DOMAIN, "hosted_zone_id": ZONE_ID,
                               "region": "us-east-1", **overrides})


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    return ExternalDnsChart(cdk8s.App(), "c", _props()).to_json()


def _one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (found,) = [o for o in objects if o["kind"] == kind]
    return found


def _container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    (container,) = _one(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    return container


def test_every_object_is_valid_kubernetes_and_namespaced_in_external_dns(objects):
    for obj in objects:
        kubernetes_validate.validate(obj, "1.35.0", strict=True)
    assert [o["kind"] for o in objects] == ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding",
                                            "Deployment", "NetworkPolicy"]
    assert {o["metadata"].get("namespace") for o in objects if o["kind"] not in (
        "Namespace", "ClusterRole", "ClusterRoleBinding")} == {NAMESPACE}
    assert _one(objects, "Namespace")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_the_flags_publish_this_members_load_balancer_services_in_one_zone_under_one_domain(objects):
    args = _container(objects)["args"]
    for flag in ("--source=service", "--service-type-filter=LoadBalancer", "--provider=aws", "--registry=txt",
                 "--txt-owner-id=member-use1", "--policy=sync", f"--domain-filter={DOMAIN}",
                 f"--zone-id-filter={ZONE_ID}", "--aws-zone-type=public", "--aws-zone-match-parent",
                 "--txt-prefix=_extdns-%{record_type}.", "--interval=60s", f"--metrics-address=:{HEALTH_PORT}"):
        assert flag in args
    # Only annotated Services are published: a template would name every Service.
    assert not [a for a in args if a.startswith("--fqdn-template")]
    assert len(args) == len(set(args))


def test_the_cluster_role_reads_services_and_nothing_else(objects):
    role = _one(objects, "ClusterRole")
    assert role["rules"] == [{"apiGroups": [""], "resources": ["services"], "verbs": ["get", "list", "watch"]}]
    binding = _one(objects, "ClusterRoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": SERVICE_ACCOUNT, "namespace": NAMESPACE}]


def test_one_non_root_replica_with_a_read_only_root_and_probes_on_healthz(objects):
    deployment = _one(objects, "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["replicas"] == 1 and deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert pod["serviceAccountName"] == SERVICE_ACCOUNT and pod["securityContext"]["runAsNonRoot"] is True
    container = _container(objects)
    assert container["image"] == DEFAULT_IMAGE
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert container["ports"] == [{"name": "http", "containerPort": HEALTH_PORT, "protocol": "TCP"}]
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["resources"]["limits"]["memory"] and container["resources"]["requests"]["cpu"]
    assert {"name": "AWS_EC2_METADATA_DISABLED", "value": "true"} in container["env"]


def test_ingress_is_denied_to_the_pod(objects):
    policy = _one(objects, "NetworkPolicy")
    assert policy["spec"]["policyTypes"] == ["Ingress"] and policy["spec"]["ingress"] == []
    labels = _one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()


@pytest.mark.parametrize("field, value, message", [
    ("owner_id", "Member_1", "owner_id: 'Member_1' is not a DNS label"),
    ("hosted_zone_id", "zone-1", "hosted_zone_id: 'zone-1' is not a Route 53 zone id"),
    ("domain", "Apps.Example.com", "domain: 'Apps.Example.com' is not a lower-case DNS name"),
    ("domain", "localhost", "domain: 'localhost' is not a lower-case DNS name"),
    ("image", "registry.k8s.io/external-dns/external-dns:latest", "image: "),
    ("image", "registry.k8s.io/external-dns/external-dns", "image: "),
    ("interval_seconds", 5, "interval_seconds: 5 is outside 10..3600"),
])
def test_props_refuse_what_cannot_work_naming_the_field(field, value, message):
    with pytest.raises(ExternalDnsPropsError, match="^" + message.replace(".", r"\.").replace("(", r"\(")):
        _props(**{field: value})


def test_the_image_is_the_version_make_local_builds_and_make_e2e_runs():
    from charts.external_dns.props import DEFAULT_IMAGE
    from local_control_plane.binaries import MODULES

    built = next(module for module in MODULES if module.folder == "external-dns")
    assert DEFAULT_IMAGE.rsplit(":", 1)[1] == built.version
