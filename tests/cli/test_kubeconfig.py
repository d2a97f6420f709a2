"""`eks-karmada kubeconfig`: server from the stack, the CA from the parent, an IAM exec user, a merged 0600 file."""

from __future__ import annotations

import base64
import stat

import yaml

from tests.cli.harness import CALLER, NLB_DNS, SERVER, write_config

GET_TOKEN = ["eks", "get-token", "--cluster-name", "karmada-parent-karmada", "--region", "us-east-1",
             "--output", "json"]

KEY_MARKERS = ("PRIVATE KEY",)


def _read(path):
    return yaml.safe_load(path.read_text())


def _entry(items, name):
    return next(i for i in items if i["name"] == name)


def _no_secrets(result, material):
    text = result.stdout + result.stderr
    for marker in KEY_MARKERS:
        assert marker not in text
    assert base64.b64encode(material.client.key_pem).decode()[:40] not in text
    assert material.client.key_pem.decode()[40:80] not in text


def test_writes_a_kubeconfig_without_credentials_that_signs_in_with_iam(world, material):
    world.deployed()
    world.expect_stack()
    result = world.invoke("kubeconfig")
    assert result.exit_code == 0, result.output
    path = world.home / ".kube" / "config"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config = _read(path)
    assert config["current-context"] == "karmada"
    assert _entry(config["contexts"], "karmada")["context"] == {"cluster": "karmada", "user": "karmada"}
    cluster = _entry(config["clusters"], "karmada")["cluster"]
    assert cluster["server"] == SERVER
    assert base64.b64decode(cluster["certificate-authority-data"]) == material.ca.cert_pem
    user = _entry(config["users"], "karmada")["user"]
    assert user == {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
                             "args": GET_TOKEN, "interactiveMode": "Never", "provideClusterInfo": False}}
    text = path.read_text()
    assert "client-key" not in text and "PRIVATE KEY" not in text and "token:" not in text
    # What to try next, what the file is, what 401 and 403 mean, and never a key.
    assert "kubectl --context karmada get clusters" in result.stdout
    assert "kubectl karmada --karmada-context karmada get deployments -A" in result.stdout
    assert f"server:  https://{NLB_DNS}:443" in result.stdout
    assert "user:    karmada (aws eks get-token --cluster-name karmada-parent-karmada --region us-east-1)" in (
        result.stdout)
    assert "holds no secret and may be shared" in result.stdout
    assert "HTTP 401 (Unauthorized): the identity is not in karmada.access.users" in result.stdout
    assert "HTTP 403 (Forbidden)" in result.stdout
    _no_secrets(result, material)


def test_reads_the_ca_bundle_and_never_the_admin_secret(world):
    world.deployed()
    world.expect_stack()
    assert world.invoke("kubeconfig").exit_code == 0
    (endpoint,) = world.eks_endpoints
    assert endpoint.name == "karmada-parent" and endpoint.endpoint.startswith("https://")
    (read,) = world.parent.requests_matching("GET", "/api/v1/namespaces/karmada-system/configmaps/karmada-ca-bundle")
    assert not world.parent.requests_matching(path="/secrets")
    assert read.header("Authorization").startswith("Bearer k8s-aws-v1.")
    token = read.header("Authorization").removeprefix("Bearer k8s-aws-v1.")
    url = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    assert "Action=GetCallerIdentity" in url and "x-k8s-aws-id" in url


def test_profile_and_role_arn_go_into_the_exec_user(world):
    world.deployed()
    world.expect_stack()
    role = "arn:aws:iam::123456789012:role/karmada-viewer"
    result = world.invoke("kubeconfig", "--profile", "ops", "--role-arn", role)
    assert result.exit_code == 0, result.output
    plugin = _entry(_read(world.home / ".kube" / "config")["users"], "karmada")["user"]["exec"]
    assert plugin["args"] == [*GET_TOKEN, "--role-arn", role]
    assert plugin["env"] == [{"name": "AWS_PROFILE", "value": "ops"}]
    assert f"--role-arn {role}, AWS_PROFILE=ops)" in result.stdout


def test_a_bad_role_arn_is_one_line_before_any_aws_call(world):
    result = world.invoke("kubeconfig", "--role-arn", "karmada-viewer")
    assert result.exit_code == 1
    assert result.stderr == ("error: --role-arn: 'karmada-viewer' is not an IAM role ARN; use "
                             "arn:aws:iam::<account>:role/<name>\n")
    assert world.profiles == []


def test_replaces_the_admin_certificate_an_earlier_version_wrote(world, material):
    path = world.home / ".kube" / "config"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "karmada",
        "clusters": [{"name": "karmada", "cluster": {"server": SERVER}}],
        "users": [{"name": "karmada-admin", "user": {"client-certificate-data": "Y2VydA==",
                                                     "client-key-data": "a2V5"}}],
        "contexts": [{"name": "karmada", "context": {"cluster": "karmada", "user": "karmada-admin"}}],
    }))
    world.deployed()
    world.expect_stack()
    result = world.invoke("kubeconfig")
    assert result.exit_code == 0, result.output
    config = _read(path)
    assert [u["name"] for u in config["users"]] == ["karmada"]
    assert "client-key-data" not in path.read_text()
    assert "removed: user karmada-admin (the admin certificate earlier versions wrote)" in result.stdout


def test_merges_into_an_existing_file_and_keeps_the_current_context(world, material, tmp_path):
    path = tmp_path / "team.kubeconfig"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "prod",
        "clusters": [{"name": "prod", "cluster": {"server": "https://prod.example.com"}},
                     {"name": "fleet", "cluster": {"server": "https://old.example.com"}}],
        "users": [{"name": "prod", "user": {"token": "abc"}}],
        "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "prod"}}],
    }))
    path.chmod(0o644)
    world.deployed()
    world.expect_stack()
    result = world.invoke("kubeconfig", "--kubeconfig", str(path), "--context", "fleet")
    assert result.exit_code == 0, result.output
    config = _read(path)
    assert config["current-context"] == "prod"
    assert [c["name"] for c in config["clusters"]] == ["prod", "fleet"]
    assert _entry(config["clusters"], "fleet")["cluster"]["server"] == SERVER
    assert _entry(config["users"], "prod")["user"] == {"token": "abc"}
    assert {c["name"] for c in config["contexts"]} == {"prod", "fleet"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert f"kubectl --kubeconfig {path} --context fleet get clusters" in result.stdout

    world.expect_stack()
    assert world.invoke("kubeconfig", "--kubeconfig", str(path), "--context", "fleet", "--set-current").exit_code == 0
    assert _read(path)["current-context"] == "fleet"
    assert len(_read(path)["clusters"]) == 2


def test_custom_domain_needs_no_stack(world, tmp_path):
    config = write_config(tmp_path / "c.yaml", "api_endpoint: {custom_domain: karmada.example.com}\n")
    world.deployed()
    result = world.invoke("kubeconfig", "--config", str(config))
    assert result.exit_code == 0, result.output
    cluster = _read(world.home / ".kube" / "config")["clusters"][0]["cluster"]
    assert cluster["server"] == "https://karmada.example.com:443"


def test_verify_lists_the_members_as_the_callers_iam_identity(world):
    world.deployed()
    world.expect_stack()
    result = world.invoke("kubeconfig", "--verify")
    assert result.exit_code == 0, result.output
    assert ("verified: the Karmada API answers; 2 member cluster(s) registered: member-use1, member-usw2"
            in result.stdout)
    (server, auth), = world.karmada_connections
    assert server == SERVER and repr(auth) == "BearerAuth(<redacted>)"
    assert world.karmada_users == [(CALLER, ["eks-karmada:admins"])]


def test_verify_with_an_identity_not_in_karmada_access_users(world):
    world.deployed()
    world.authenticator.mapping.clear()
    world.expect_stack()
    result = world.invoke("kubeconfig", "--verify")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: the Karmada API did not accept your IAM identity {CALLER} (HTTP 401): it is not in "
        "karmada.access.users (or parent.admin_role_arns); ask an admin to add it and redeploy\n")
    assert not (world.home / ".kube" / "config").exists()


def test_no_access_entry_says_how_to_get_one(world):
    world.deployed()
    world.expect_stack()
    world.parent.fail_next(401)
    result = world.invoke("kubeconfig")
    assert result.exit_code == 1
    assert result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: EKS cluster karmada-parent rejected your IAM identity {CALLER} (HTTP 401")
    assert "no access entry" in line
    assert ("aws eks create-access-entry --cluster-name karmada-parent "
            "--principal-arn arn:aws:iam::123456789012:role/platform-admin --region us-east-1") in line
    assert "Traceback" not in result.output
    assert not (world.home / ".kube" / "config").exists()


def test_forbidden_names_the_access_policy(world):
    world.deployed()
    world.expect_stack()
    world.parent.fail_next(403, path="configmaps")
    result = world.invoke("kubeconfig")
    assert result.exit_code == 1
    assert "may not read ConfigMap karmada-system/karmada-ca-bundle (HTTP 403" in result.stderr
    assert "AmazonEKSClusterAdminPolicy" in result.stderr


def test_stack_not_deployed(world):
    world.expect_stack(missing=True)
    result = world.invoke("kubeconfig")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: stack KarmadaParent not found in us-east-1: deploy it first (make deploy), "
        "or point --region/--stack-name at it")


def test_cluster_not_found(world):
    world.expect_stack()
    result = world.invoke("kubeconfig")
    assert result.exit_code == 1
    assert "EKS cluster karmada-parent not found in us-east-1" in result.stderr


def test_control_plane_not_bootstrapped_yet(world):
    world.create_eks_cluster("karmada-parent")
    world.expect_stack()
    result = world.invoke("kubeconfig")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: ConfigMap karmada-system/karmada-ca-bundle not found on karmada-parent: the Karmada control plane "
        "is not bootstrapped yet; wait for the KarmadaParent deploy to finish (or deploy it again)\n")


def test_private_endpoint_unreachable(world):
    world.deployed()
    world.expect_stack()
    world.parent_unreachable = True
    result = world.invoke("kubeconfig")
    assert result.exit_code == 1
    assert "cannot reach the EKS API of karmada-parent" in result.stderr
    assert "parent.endpoint.public_cidrs" in result.stderr


def test_unreachable_karmada_api_on_verify(world):
    world.deployed()
    world.expect_stack()
    world.karmada_unreachable = True
    result = world.invoke("kubeconfig", "--verify")
    assert result.exit_code == 1
    assert "cannot reach the Karmada API" in result.stderr and "api_endpoint.scheme: internal" in result.stderr
    assert not (world.home / ".kube" / "config").exists()


def test_a_broken_kubeconfig_stops_before_any_aws_call(world, tmp_path):
    path = tmp_path / "broken"
    path.write_text("clusters: [unclosed\n")
    result = world.invoke("kubeconfig", "--kubeconfig", str(path))
    assert result.exit_code == 1
    assert result.stderr.strip() == f"error: {path} is not valid YAML; fix it or write elsewhere with --kubeconfig PATH"
    assert world.profiles == []


def test_profile_and_region_reach_the_aws_clients(world):
    world.deployed()
    world.expect_stack()
    result = world.invoke("kubeconfig", "--profile", "ops", "--region", "us-east-1")
    assert result.exit_code == 0, result.output
    assert set(world.profiles) == {"ops"}


def test_access_entries_name_the_role_behind_a_session():
    from eks_karmada.cli.access import Caller

    assert Caller("123456789012", "arn:aws:sts::123456789012:assumed-role/deployer/ci-42").principal_arn == (
        "arn:aws:iam::123456789012:role/deployer")
    assert Caller("123456789012", "arn:aws:iam::123456789012:user/alice").principal_arn == (
        "arn:aws:iam::123456789012:user/alice")
    assert Caller("123456789012", "arn:aws-cn:sts::123456789012:assumed-role/ops/x").principal_arn == (
        "arn:aws-cn:iam::123456789012:role/ops")


def test_an_admin_user_another_context_still_uses_is_kept():
    from eks_karmada.cli.kubeconfig import merge_context

    cert_user = {"client-certificate-data": "Y2VydA==", "client-key-data": "a2V5"}
    data = {"clusters": [], "users": [{"name": "karmada-admin", "user": cert_user}],
            "contexts": [{"name": "break-glass", "context": {"cluster": "karmada", "user": "karmada-admin"}}]}
    removed = merge_context(data, context="karmada", server=SERVER, ca_pem=b"CA", user={"exec": {}},
                            set_current=None)
    assert removed == []
    assert [u["name"] for u in data["users"]] == ["karmada-admin", "karmada"]
    assert data["current-context"] == "karmada"
