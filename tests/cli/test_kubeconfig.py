"""`eks-karmada kubeconfig`: server from the stack, credentials from the parent's Secret, a merged 0600 file."""

from __future__ import annotations

import base64
import stat

import yaml

from tests.cli.harness import CALLER, NLB_DNS, SERVER, write_config

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


def test_writes_a_private_kubeconfig_with_the_admin_credentials(world, material):
    world.deployed()
    world.expect_stack()
    result = world.invoke("kubeconfig")
    assert result.exit_code == 0, result.output
    path = world.home / ".kube" / "config"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config = _read(path)
    assert config["current-context"] == "karmada"
    assert _entry(config["contexts"], "karmada")["context"] == {"cluster": "karmada", "user": "karmada-admin"}
    cluster = _entry(config["clusters"], "karmada")["cluster"]
    assert cluster["server"] == SERVER
    assert base64.b64decode(cluster["certificate-authority-data"]) == material.ca.cert_pem
    user = _entry(config["users"], "karmada-admin")["user"]
    assert base64.b64decode(user["client-certificate-data"]) == material.client.cert_pem
    assert base64.b64decode(user["client-key-data"]) == material.client.key_pem
    # What to try next, and never the key.
    assert "kubectl --context karmada get clusters" in result.stdout
    assert "kubectl karmada --karmada-context karmada get deployments -A" in result.stdout
    assert f"server:  https://{NLB_DNS}:443" in result.stdout
    _no_secrets(result, material)


def test_reads_the_secret_through_eks_with_the_callers_token(world):
    world.deployed()
    world.expect_stack()
    assert world.invoke("kubeconfig").exit_code == 0
    (endpoint,) = world.eks_endpoints
    assert endpoint.name == "karmada-parent" and endpoint.endpoint.startswith("https://")
    (read,) = world.parent.requests_matching("GET", "/api/v1/namespaces/karmada-system/secrets/karmada-admin-client")
    assert read.header("Authorization").startswith("Bearer k8s-aws-v1.")
    token = read.header("Authorization").removeprefix("Bearer k8s-aws-v1.")
    url = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    assert "Action=GetCallerIdentity" in url and "x-k8s-aws-id" in url


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


def test_verify_lists_the_members(world):
    world.deployed()
    world.expect_stack()
    result = world.invoke("kubeconfig", "--verify")
    assert result.exit_code == 0, result.output
    assert ("verified: the Karmada API answers; 2 member cluster(s) registered: member-use1, member-usw2"
            in result.stdout)
    (server, tls), = world.karmada_connections
    assert server == SERVER and repr(tls) == "TlsMaterial(<redacted>)"


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
    world.parent.fail_next(403, path="secrets")
    result = world.invoke("kubeconfig")
    assert result.exit_code == 1
    assert "may not read Secret karmada-system/karmada-admin-client (HTTP 403" in result.stderr
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


def test_secret_not_issued_yet(world):
    world.create_eks_cluster("karmada-parent")
    world.expect_stack()
    result = world.invoke("kubeconfig")
    assert result.exit_code == 1
    assert "Secret karmada-system/karmada-admin-client not found in the parent cluster" in result.stderr


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
