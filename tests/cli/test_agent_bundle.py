"""`eks-karmada agent-bundle`: the agent's objects plus its kubeconfig Secret, for a Pull member outside AWS."""

from __future__ import annotations

import base64
import json
import stat

import yaml

from tests.cli.harness import NAMESPACE, SERVER, admin_secret, pki, write_config

EXTERNAL = """
api_endpoint: {scheme: internet-facing, allowed_cidrs: [198.51.100.0/24]}
members:
  - {name: edge-1, kind: external, sync_mode: Pull}
  - {name: member-use1, region: us-east-1}
"""


def _agent_secret() -> dict:
    secret = admin_secret(pki())
    secret["metadata"]["name"] = "karmada-agent-edge-1-client"
    return secret


def test_bundle_holds_the_agent_and_its_kubeconfig(world, tmp_path):
    config = write_config(tmp_path / "edge.yaml", EXTERNAL)
    world.deployed(members=())
    world.parent.put(_agent_secret())
    world.expect_stack()
    out = tmp_path / "bundle.yaml"
    result = world.invoke("agent-bundle", "edge-1", "--cluster-api-endpoint", "https://10.9.0.1:6443",
                          "--config", str(config), "--output", str(out))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    documents = list(yaml.safe_load_all(out.read_text()))
    kinds = [d["kind"] for d in documents]
    assert kinds.count("Deployment") == 1 and kinds[-1] == "Secret"
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    command = deployment["spec"]["template"]["spec"]["containers"][0]["command"]
    assert "--cluster-name=edge-1" in command and "--cluster-api-endpoint=https://10.9.0.1:6443" in command
    secret = documents[-1]
    assert (secret["metadata"]["name"], secret["metadata"]["namespace"]) == ("karmada-kubeconfig", "karmada-system")
    kubeconfig = json.loads(base64.b64decode(secret["data"]["karmada-kubeconfig"]))
    assert kubeconfig["clusters"][0]["cluster"]["server"] == SERVER
    user = kubeconfig["users"][0]["user"]
    assert base64.b64decode(user["client-key-data"]) == pki().client.key_pem
    # The key goes to the file only, never to the terminal.
    assert "PRIVATE KEY" not in result.output
    (read,) = world.parent.requests_matching(
        "GET", f"/api/v1/namespaces/{NAMESPACE}/secrets/karmada-agent-edge-1-client")
    assert read.header("Authorization").startswith("Bearer k8s-aws-v1.")


def test_push_member_has_no_bundle(world, tmp_path):
    config = write_config(tmp_path / "edge.yaml", EXTERNAL)
    result = world.invoke("agent-bundle", "member-use1", "--cluster-api-endpoint", "https://x", "--config", str(config),
                          "--output", str(tmp_path / "bundle.yaml"))
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: member member-use1 uses Push mode: Karmada dials it, there is no agent "
                                     "to install; set its sync_mode: Pull to run karmada-agent in it")


def test_unknown_member_and_missing_certificate_are_one_line_errors(world, tmp_path):
    config = write_config(tmp_path / "edge.yaml", EXTERNAL)
    out = ["--output", str(tmp_path / "bundle.yaml")]
    result = world.invoke("agent-bundle", "edge-9", "--cluster-api-endpoint", "https://x", "--config", str(config),
                          *out)
    assert result.exit_code == 1 and "no member named edge-9" in result.stderr
    world.deployed(members=())
    world.expect_stack()
    result = world.invoke("agent-bundle", "edge-1", "--cluster-api-endpoint", "https://10.9.0.1:6443",
                          "--config", str(config), *out)
    assert result.exit_code == 1
    assert "karmada-agent-edge-1-client not found" in result.stderr and "Traceback" not in result.stderr


def test_without_output_nothing_is_read_and_no_key_is_printed(world, tmp_path):
    config = write_config(tmp_path / "edge.yaml", EXTERNAL)
    world.deployed(members=())
    world.parent.put(_agent_secret())  # there to be read, if anything were: nothing is (no AWS call either)
    result = world.invoke("agent-bundle", "edge-1", "--cluster-api-endpoint", "https://10.9.0.1:6443",
                          "--config", str(config))
    assert result.exit_code == 1
    assert result.stderr.strip() == ("error: --output FILE is required: the bundle holds the agent's private key, so "
                                     "it is written only to a file (mode 0600), never to standard output")
    assert "PRIVATE KEY" not in result.output and result.stdout == ""
    assert not world.parent.requests_matching("GET", f"/api/v1/namespaces/{NAMESPACE}/secrets/")
