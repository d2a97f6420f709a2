"""`eks-karmada status`: members from the Karmada API, components from the parent, exit codes."""

from __future__ import annotations

import re

from tests.cli.harness import CALLER, ca_bundle, member_cluster, workload, write_config


def _row(output: str, name: str) -> list[str]:
    """The cells of the table row that starts with ``name``."""
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row {name!r} in:\n{output}")


def test_healthy(world, material):
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
    assert "Healthy: 2 member(s) ready, 8 component(s) ready." in result.stdout
    # The Karmada API was reached at the stack's address, checked against the published CA, as the caller's own
    # IAM identity (the fake authenticator checked each token was made for the Karmada cluster id).
    (server, auth), = world.karmada_connections
    assert server.endswith(".elb.us-east-1.amazonaws.com:443")
    assert auth.ca_pem == material.ca.cert_pem and not hasattr(auth, "key_pem")
    assert world.karmada.requests_matching("GET", "/apis/cluster.karmada.io/v1alpha1/clusters")
    assert world.karmada_users == [(CALLER, ["eks-karmada:admins"])]
    # The break-glass certificate stays on the parent.
    assert not world.parent.requests_matching(path="/secrets")


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


def test_an_identity_missing_from_karmada_access_users_gets_one_line_with_the_fix(world):
    world.deployed()
    world.authenticator.mapping.clear()
    world.expect_stack()
    result = world.invoke("status")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"error: the Karmada API did not accept your IAM identity {CALLER} (HTTP 401): it is not in "
        "karmada.access.users (or parent.admin_role_arns); ask an admin to add it and redeploy")
    assert "karmada-scheduler" in result.stdout  # the parent's view is still shown


def test_a_token_for_another_cluster_id_is_refused(world):
    """The CLI signs for the Karmada cluster id: an authenticator that expects another id refuses the tokens."""
    world.deployed()
    world.authenticator.cluster_id = "karmada-parent"
    world.expect_stack()
    result = world.invoke("status")
    assert result.exit_code == 1
    assert "did not accept your IAM identity" in result.stderr
    assert world.karmada_users == []


def test_groups_without_the_right_get_403_naming_the_user(world):
    world.deployed()
    world.authenticator.mapping["arn:aws:iam::123456789012:role/platform-admin"] = ["team-a"]
    world.expect_stack()
    result = world.invoke("status")
    assert result.exit_code == 1
    line = result.stderr.splitlines()[-1]
    assert line.startswith(f"error: your identity signed in as {CALLER} but its groups may not list clusters "
                           "(HTTP 403: clusters.cluster.karmada.io is forbidden")
    assert "karmada.access.users" in line


def test_a_corrupt_ca_bundle(world, material):
    world.deployed()
    bundle = ca_bundle(material)
    bundle["data"]["ca.crt"] = "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n"
    world.parent.put(bundle)
    world.expect_stack()
    result = world.invoke("status")
    assert result.exit_code == 1
    assert ("error: the CA or client certificate from ConfigMap karmada-system/karmada-ca-bundle is not usable"
            in result.stderr)


def test_no_ca_bundle_yet_means_not_bootstrapped(world):
    world.deployed()
    world.parent.request("DELETE", "/api/v1/namespaces/karmada-system/configmaps/karmada-ca-bundle")
    result = world.invoke("status")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: ConfigMap karmada-system/karmada-ca-bundle not found on karmada-parent: the Karmada control plane "
        "is not bootstrapped yet; wait for the KarmadaParent deploy to finish (or deploy it again)")
