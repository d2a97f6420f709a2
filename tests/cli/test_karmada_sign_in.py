"""Signing in to the Karmada API with a kubeconfig: exec plugins (as `eks-karmada kubeconfig` writes), tokens, certs."""

from __future__ import annotations

import base64
import datetime
import json
import sys

import pytest
import yaml

from eks_karmada.cli.errors import CliError
from eks_karmada.cli.exec_credential import ExecPlugin
from eks_karmada.cli.karmada_session import from_kubeconfig
from functions.kube.connection import BearerAuth, TlsMaterial
from functions.kube.eks_auth import TokenGenerator
from tests.cli.harness import CALLER, KARMADA_CLUSTER_ID, SERVER

GET_TOKEN = ["eks", "get-token", "--cluster-name", KARMADA_CLUSTER_ID, "--region", "us-east-1", "--output", "json"]
V1BETA1 = "client.authentication.k8s.io/v1beta1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _kubeconfig(path, material, user: dict) -> None:
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "karmada",
        "clusters": [{"name": "karmada", "cluster": {"server": SERVER,
                                                     "certificate-authority-data": _b64(material.ca.cert_pem)}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "karmada", "context": {"cluster": "karmada", "user": "u"}}],
    }))


def _python(code: str) -> dict:
    """An exec section that runs ``code`` with this Python."""
    return {"exec": {"apiVersion": V1BETA1, "command": sys.executable, "args": ["-c", code]}}


def _credential(status: dict, api_version: str = V1BETA1) -> str:
    answer = {"kind": "ExecCredential", "apiVersion": api_version, "status": status}
    return f"print({json.dumps(json.dumps(answer))})"


# ---- end to end: the kubeconfig `eks-karmada kubeconfig` writes, used by a command --------------------------------


def test_the_written_kubeconfig_drives_a_drill_as_the_users_own_iam_identity(world, tmp_path):
    world.sample_bound()
    world.expect_stack()
    path = tmp_path / "karmada.kubeconfig"
    assert world.invoke("kubeconfig", "--kubeconfig", str(path), "--profile", "ops").exit_code == 0
    env = world.fake_aws_cli(tmp_path)
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes", "--kubeconfig", str(path), env=env)
    assert result.exit_code == 0, result.output
    # Signed in through the authenticator (a token for the Karmada cluster id), never as system:masters.
    assert world.karmada_users and {user for user, _ in world.karmada_users} == {CALLER}
    ((server, auth),) = world.karmada_connections[-1:]
    assert server == SERVER and isinstance(auth, BearerAuth)
    # `aws eks get-token` ran once for the whole drill (the token is kept until shortly before it expires), as
    # kubectl runs it: the profile in its env, KUBERNETES_EXEC_INFO non-interactive.
    (run,) = [json.loads(line) for line in (tmp_path / "aws.log").read_text().splitlines()]
    assert run["argv"] == GET_TOKEN and run["profile"] == "ops"
    assert json.loads(run["exec_info"]) == {"apiVersion": V1BETA1, "kind": "ExecCredential",
                                            "spec": {"interactive": False}}


def test_an_aws_cli_that_fails_is_one_line_naming_the_user_and_the_fix(world, tmp_path):
    world.deployed()
    world.expect_stack()
    path = tmp_path / "karmada.kubeconfig"
    assert world.invoke("kubeconfig", "--kubeconfig", str(path)).exit_code == 0
    env = world.fake_aws_cli(tmp_path, fail="An error occurred (ExpiredToken) when calling the GetCallerIdentity "
                                            "operation: The security token included in the request is expired")
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes", "--kubeconfig", str(path), env=env)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: user 'karmada' of {path}: exec command 'aws' failed (exit 255: An error occurred (ExpiredToken) when "
        "calling the GetCallerIdentity operation: The security token included in the request is expired); fix that "
        "(e.g. `aws sso login`, or --profile / AWS_PROFILE) and retry\n")


def test_no_aws_cli_on_path(world, tmp_path):
    path = tmp_path / "k"
    _kubeconfig(path, world_material(), {"exec": {"apiVersion": V1BETA1, "command": "aws", "args": GET_TOKEN,
                                                  "installHint": "Install the AWS CLI v2: https://aws.amazon.com/cli/"}})
    result = world.invoke("drill", "failover", "--member", "m", "--kubeconfig", str(path),
                          env={"PATH": str(tmp_path / "empty")})
    assert result.exit_code == 1
    assert result.stderr == (f"error: user 'u' of {path}: exec command 'aws' not found: Install the AWS CLI v2: "
                             "https://aws.amazon.com/cli/\n")


def test_an_identity_not_in_karmada_access_users_through_a_kubeconfig(world, tmp_path):
    world.deployed()
    world.expect_stack()
    path = tmp_path / "karmada.kubeconfig"
    assert world.invoke("kubeconfig", "--kubeconfig", str(path)).exit_code == 0
    world.authenticator.mapping.clear()
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes", "--kubeconfig", str(path),
                          env=world.fake_aws_cli(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: the Karmada API at {SERVER} did not accept the credentials of user 'karmada' of {path} (HTTP 401): "
        "an IAM identity must be in karmada.access.users (or parent.admin_role_arns) and sign tokens for cluster id "
        f"{KARMADA_CLUSTER_ID}; write a working context with `eks-karmada kubeconfig`\n")


def test_a_viewer_may_not_taint_a_member(world, tmp_path):
    world.sample_bound()
    world.authenticator.mapping["arn:aws:iam::123456789012:role/platform-admin"] = ["eks-karmada:viewers"]
    world.expect_stack()
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes")
    assert result.exit_code == 1
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith(f"error: your identity signed in as {CALLER} but its groups may not taint Cluster "
                           "member-use1 (HTTP 403: clusters.cluster.karmada.io \"member-use1\" is forbidden: User ")
    assert "eks-karmada:admins may do everything" in line


# ---- token and certificate users -----------------------------------------------------------------------------------


def world_material():
    from tests.cli.harness import pki

    return pki()


def test_a_token_user_signs_in_with_its_token(world, tmp_path):
    world.sample_bound()
    token = TokenGenerator(world.aws("sts", "us-east-1"), KARMADA_CLUSTER_ID)()
    path = tmp_path / "k"
    _kubeconfig(path, world_material(), {"token": token})
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes", "--kubeconfig", str(path))
    assert result.exit_code == 0, result.output
    assert {user for user, _ in world.karmada_users} == {CALLER}


def test_a_token_file_is_read_relative_to_the_kubeconfig(tmp_path):
    (tmp_path / "token").write_text("abc\n")
    path = tmp_path / "k"
    _kubeconfig(path, world_material(), {"tokenFile": "token"})
    target = from_kubeconfig(path, None)
    assert isinstance(target.auth, BearerAuth) and target.auth.token_provider() == "abc"


def test_a_certificate_user_is_the_break_glass_path(tmp_path):
    material = world_material()
    path = tmp_path / "k"
    _kubeconfig(path, material, {"client-certificate-data": _b64(material.client.cert_pem),
                                 "client-key-data": _b64(material.client.key_pem)})
    target = from_kubeconfig(path, None)
    assert isinstance(target.auth, TlsMaterial) and target.auth.key_pem == material.client.key_pem


def test_an_exec_plugin_may_give_a_client_certificate(tmp_path):
    material = world_material()
    path = tmp_path / "k"
    _kubeconfig(path, material, _python(_credential({"clientCertificateData": material.client.cert_pem.decode(),
                                                     "clientKeyData": material.client.key_pem.decode()})))
    target = from_kubeconfig(path, None)
    assert isinstance(target.auth, TlsMaterial)
    assert (target.auth.cert_pem, target.auth.ca_pem) == (material.client.cert_pem, material.ca.cert_pem)


def test_a_user_without_credentials(tmp_path):
    path = tmp_path / "k"
    _kubeconfig(path, world_material(), {"username": "bob"})
    with pytest.raises(CliError, match="the user 'u' of .* has no exec, token or client certificate; write a context "
                                       "with `eks-karmada kubeconfig`"):
        from_kubeconfig(path, None)


# ---- the exec plugin itself ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "message"), [
    ("print('not json')", "did not print an ExecCredential \\(its output is not JSON\\)"),
    (_credential({"token": "t"}, "client.authentication.k8s.io/v1"),
     "did not print an ExecCredential of apiVersion client.authentication.k8s.io/v1beta1 \\(it printed "
     "'client.authentication.k8s.io/v1'\\)"),
    (_credential({}), "with status.token or status.clientCertificateData and clientKeyData"),
    (_credential({"token": "t", "expirationTimestamp": "soon"}), "expirationTimestamp 'soon' is not RFC 3339"),
    ("import sys; print('boom', file=sys.stderr); sys.exit(3)", "failed \\(exit 3: boom\\)"),
])
def test_exec_output_that_is_not_a_credential(tmp_path, code, message):
    plugin = ExecPlugin(_python(code)["exec"], "user 'u' of k", tmp_path / "k")
    with pytest.raises(CliError, match=f"^user 'u' of k: exec command .*{message}"):
        plugin()


def test_exec_settings_are_checked_before_running(tmp_path):
    with pytest.raises(CliError, match="exec apiVersion 'client.authentication.k8s.io/v1alpha1' is not supported"):
        ExecPlugin({"apiVersion": "client.authentication.k8s.io/v1alpha1", "command": "aws"}, "u", tmp_path)
    with pytest.raises(CliError, match="exec has no command"):
        ExecPlugin({"apiVersion": V1BETA1}, "u", tmp_path)
    with pytest.raises(CliError, match="env a list of \\{name, value\\}"):
        ExecPlugin({"apiVersion": V1BETA1, "command": "aws", "env": {"AWS_PROFILE": "x"}}, "u", tmp_path)


def test_exec_env_reaches_the_command_and_a_relative_command_is_beside_the_kubeconfig(tmp_path):
    script = tmp_path / "bin" / "token-maker"
    script.parent.mkdir()
    script.write_text(f"#!{sys.executable}\nimport json, os\nprint(json.dumps({{'kind': 'ExecCredential', "
                      f"'apiVersion': '{V1BETA1}', 'status': {{'token': os.environ['WHO']}}}}))\n")
    script.chmod(0o755)
    spec = {"apiVersion": V1BETA1, "command": "./bin/token-maker", "env": [{"name": "WHO", "value": "alice"}]}
    assert ExecPlugin(spec, "u", tmp_path / "config")() == "alice"


def test_a_token_is_kept_until_shortly_before_it_expires(tmp_path):
    counter = tmp_path / "runs"
    expires = datetime.datetime(2026, 12, 1, 12, 0, 0, tzinfo=datetime.UTC)
    code = (f"import json, pathlib; p = pathlib.Path({str(counter)!r}); n = len(p.read_text()) if p.exists() else 0; "
            f"p.write_text('x' * (n + 1)); print(json.dumps({{'kind': 'ExecCredential', 'apiVersion': '{V1BETA1}', "
            f"'status': {{'token': f't{{n + 1}}', 'expirationTimestamp': '2026-12-01T12:00:00Z'}}}}))")
    now = [expires - datetime.timedelta(minutes=10)]
    plugin = ExecPlugin(_python(code)["exec"], "u", tmp_path / "k", clock=lambda: now[0])
    assert plugin() == "t1"
    now[0] = expires - datetime.timedelta(minutes=1)
    assert plugin() == "t1"  # still a minute left
    now[0] = expires - datetime.timedelta(seconds=20)
    assert plugin() == "t2"  # about to expire: run again
    assert counter.read_text() == "xx"
