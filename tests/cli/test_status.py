"""`eks-karmada status`: members from the Karmada API, components from the parent, exit codes."""

from __future__ import annotations

import base64
import re

from tests.cli.harness import admin_secret, member_cluster, workload, write_config


def _row(output: str, name: str) -> list[str]:
    """The cells of the table row that starts with ``name``."""
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row {name!r} in:\n{output}")


def test_healthy(world):
    world.deployed()
    world.expect_stack()
    result = world.invoke("status")
    assert result.exit_code == 0, result.output
    assert _row(result.stdout, "member-use1") == [
        "member-use1", "yes", "Push", "True", "v1.35.0-eks-3a1b2c4", "2/2", "ready"
    ]
    assert _row(result.stdout, "member-usw2")[-1] == "ready"
    assert _row(result.stdout, "etcd") == ["etcd", "StatefulSet", "3", "3", "healthy"]
    assert _row(result.stdout, "karmada-webhook") == ["karmada-webhook", "Deployment", "2", "2", "healthy"]
    assert "Healthy: 2 member(s) ready, 7 component(s) ready." in result.stdout
    # The Karmada API was reached at the stack's address with the Secret's certificate.
    (server, _tls), = world.karmada_connections
    assert server.endswith(".elb.us-east-1.amazonaws.com:443")
    assert world.karmada.requests_matching("GET", "/apis/cluster.karmada.io/v1alpha1/clusters")


def test_a_missing_member_and_a_component_not_ready_exit_3(world):
    world.deployed(members=("member-use1",))
    world.parent.put(workload("Deployment", "karmada-scheduler", 2, 1))
    world.expect_stack()
    result = world.invoke("status")
    assert result.exit_code == 3, result.output
    assert _row(result.stdout, "member-usw2") == ["member-usw2", "yes", "Push", "-", "-", "-", "not registered"]
    assert _row(result.stdout, "karmada-scheduler") == ["karmada-scheduler", "Deployment", "1", "2", "1 not ready"]
    assert ("Unhealthy: members not ready or missing: member-usw2; components not ready: karmada-scheduler"
            in result.stdout)


def test_not_ready_member_and_missing_component(world):
    world.deployed(members=("member-use1",))
    world.karmada.put(member_cluster("member-usw2", region="us-west-2", ready=False))
    world.parent.request("DELETE", "/apis/apps/v1/namespaces/karmada-system/deployments/karmada-webhook")
    world.expect_stack()
    result = world.invoke("status")
    assert result.exit_code == 3
    assert _row(result.stdout, "member-usw2")[3] == "False"
    assert _row(result.stdout, "member-usw2")[-1] == "ClusterNotReachable"
    assert "member-usw2: ClusterNotReachable: cluster is not reachable" in result.stdout
    assert _row(result.stdout, "karmada-webhook") == ["karmada-webhook", "Deployment", "0", "0", "missing"]


def test_extra_clusters_and_optional_components(world, tmp_path):
    config = write_config(tmp_path / "c.yaml", "\n".join([
        "karmada: {components: {descheduler: true}}",
        "members:",
        "  - {name: member-use1, region: us-east-1}",
        "",
    ]))
    world.deployed(members=("member-use1",))
    world.karmada.put(member_cluster("edge-1", region="eu-west-1", sync_mode="Pull"))
    world.parent.put(workload("Deployment", "karmada-descheduler", 1, 1))
    world.parent.put(workload("Deployment", "debug-tools", 1, 1))
    world.expect_stack()
    result = world.invoke("status", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert _row(result.stdout, "edge-1") == ["edge-1", "no", "Pull", "True", "v1.35.0-eks-3a1b2c4", "2/2",
                                             "not in the config"]
    assert _row(result.stdout, "karmada-descheduler")[-1] == "healthy"
    assert _row(result.stdout, "debug-tools")[-1] == "healthy (not in the config)"


def test_karmada_api_out_of_reach_still_shows_the_parent(world):
    world.deployed()
    world.karmada_unreachable = True
    world.expect_stack()
    result = world.invoke("status")
    assert result.exit_code == 1
    assert _row(result.stdout, "karmada-apiserver")[-1] == "healthy"
    assert "Member clusters" not in result.stdout
    assert "error: cannot reach the Karmada API at https://" in result.stderr
    assert "api_endpoint.scheme: internet-facing" in result.stderr
    assert result.stdout.rstrip().endswith("Incomplete: member clusters could not be read")


def test_no_access_entry(world):
    world.deployed()
    world.parent.fail_next(401)
    result = world.invoke("status")
    assert result.exit_code == 1
    assert "no access entry" in result.stderr and "Traceback" not in result.output
    assert result.stdout == ""


def test_forbidden_listing_workloads(world):
    world.deployed()
    world.parent.fail_next(403, path="statefulsets")
    result = world.invoke("status")
    assert result.exit_code == 1
    assert "may not list Deployments and StatefulSets in karmada-system" in result.stderr


def test_karmada_rejects_the_certificate(world):
    world.deployed()
    world.karmada.fail_next(403, path="clusters")
    world.expect_stack()
    result = world.invoke("status")
    assert result.exit_code == 1
    assert "refused to list clusters with the admin certificate (HTTP 403 Forbidden" in result.stderr


def test_a_corrupt_admin_secret(world, material):
    world.deployed()
    secret = admin_secret(material)
    secret["data"]["ca.crt"] = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nnot a certificate\n").decode()
    world.parent.put(secret)
    world.expect_stack()
    result = world.invoke("status")
    assert result.exit_code == 1
    assert ("error: the certificate, key or CA in Secret karmada-system/karmada-admin-client is not usable"
            in result.stderr)
