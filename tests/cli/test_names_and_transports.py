"""The CLI's copies of chart and stack names match the real ones; the real Clients speak TLS correctly."""

from __future__ import annotations

import base64
import ssl
from pathlib import Path

import pytest

from eks_karmada import stack_names
from eks_karmada.cli import names
from eks_karmada.cli.clients import Clients
from eks_karmada.cli.errors import CliError
from eks_karmada.cli.status import CLUSTERS
from eks_karmada.config import parse_config
from functions.kube.client import KubeClient
from functions.kube.connection import BearerAuth, TlsMaterial
from functions.kube.eks_auth import ClusterEndpoint
from functions.kube.errors import TlsVerificationError
from tests.fakes.kube_api import FakeKubeApi
from tests.fakes.pki import make_pki

ROOT = Path(__file__).resolve().parents[2]


def test_workload_names_match_the_rendered_control_plane():
    import cdk8s

    from charts.karmada import KarmadaControlPlaneProps, control_plane_charts

    config = parse_config({
        "karmada": {"components": {"descheduler": True, "search": True, "metrics_adapter": True,
                                   "scheduler_estimators": True}},
        "members": [{"name": "member-a", "region": "us-east-1"},
                    {"name": "member-b", "region": "us-west-2", "vpc_cidr": "10.2.0.0/16"}],
    })
    props = KarmadaControlPlaneProps(descheduler=True, search=True, metrics_adapter=True,
                                     scheduler_estimators=["member-a", "member-b"])
    objects = [o for chart in control_plane_charts(cdk8s.App(), props) for o in chart.to_json()]
    rendered = sorted((o["kind"], o["metadata"]["name"]) for o in objects if o["kind"] in ("Deployment", "StatefulSet"))
    assert sorted(names.expected_workloads(config)) == rendered
    assert {o["metadata"].get("namespace") for o in objects if o["kind"] in ("Deployment", "StatefulSet")} == {
        names.NAMESPACE}
    assert names.NAMESPACE == props.namespace
    assert not hasattr(names, "ADMIN_CLIENT_SECRET")  # the CLI never reads the break-glass certificate
    assert names.EXTERNAL_PORT == props.external_port


def test_stack_and_output_names_match_the_app():
    builder = (ROOT / "eks_karmada" / "app_builder.py").read_text()
    assert names.PARENT_STACK == stack_names.PARENT
    assert "KarmadaParentStack(app, stack_names.PARENT," in builder
    parent = (ROOT / "stacks" / "parent_stack.py").read_text()
    for output in (names.OUTPUT_API_ENDPOINT, names.OUTPUT_PARENT_CLUSTER):
        assert f'CfnOutput(self, "{output}"' in parent
    assert 'value=f"https://{api.dns_name}:443"' in parent


# ---- the real transports, against the fake API behind TLS on loopback ------------------------------------


@pytest.fixture(scope="module")
def tls_pki():
    return make_pki(server_names=("localhost",), server_ips=("127.0.0.1",))


@pytest.fixture
def serve_tls(tls_pki, tmp_path):
    """Put a FakeKubeApi behind HTTPS on 127.0.0.1; ``require_client_cert`` like the Karmada API server."""
    fronts = []

    def start(fake: FakeKubeApi, require_client_cert: bool) -> int:
        (tmp_path / "server.crt").write_bytes(tls_pki.server.cert_pem)
        (tmp_path / "server.key").write_bytes(tls_pki.server.key_pem)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cadata=tls_pki.ca.cert_pem.decode())
        context.load_cert_chain(tmp_path / "server.crt", tmp_path / "server.key")
        context.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_NONE
        front = fake.serve()
        front._server.socket = context.wrap_socket(front._server.socket, server_side=True)
        front.__enter__()
        fronts.append(front)
        return front._server.server_address[1]

    yield start
    for front in fronts:
        front.__exit__(None, None, None)


def test_karmada_transport_is_mutual_tls(tls_pki, serve_tls):
    karmada = FakeKubeApi(karmada=True)
    karmada.put({"apiVersion": "cluster.karmada.io/v1alpha1", "kind": "Cluster", "metadata": {"name": "m1"},
                 "spec": {"syncMode": "Push"}})
    port = serve_tls(karmada, require_client_cert=True)
    tls = TlsMaterial(ca_pem=tls_pki.ca.cert_pem, cert_pem=tls_pki.client.cert_pem, key_pem=tls_pki.client.key_pem)
    client = KubeClient(Clients().karmada_transport(f"https://127.0.0.1:{port}", tls))
    try:
        assert [c["metadata"]["name"] for c in client.list(CLUSTERS)] == ["m1"]
    finally:
        client.close()


def test_karmada_transport_rejects_another_ca(serve_tls):
    port = serve_tls(FakeKubeApi(karmada=True), require_client_cert=False)
    other = make_pki()
    tls = TlsMaterial(ca_pem=other.ca.cert_pem, cert_pem=other.client.cert_pem, key_pem=other.client.key_pem)
    client = KubeClient(Clients().karmada_transport(f"https://localhost:{port}", tls))
    with pytest.raises(TlsVerificationError):
        client.list(CLUSTERS)


def test_karmada_transport_with_iam_tokens_sends_a_fresh_token_and_no_certificate(tls_pki, serve_tls):
    karmada = FakeKubeApi(karmada=True)
    port = serve_tls(karmada, require_client_cert=False)
    tokens = iter(["k8s-aws-v1.first", "k8s-aws-v1.second"])
    auth = BearerAuth(ca_pem=tls_pki.ca.cert_pem, token_provider=lambda: next(tokens))
    client = KubeClient(Clients().karmada_transport(f"https://localhost:{port}", auth))
    try:
        client.list(CLUSTERS)
        client.list(CLUSTERS)
    finally:
        client.close()
    assert [r.header("Authorization") for r in karmada.requests] == ["Bearer k8s-aws-v1.first",
                                                                     "Bearer k8s-aws-v1.second"]


def test_karmada_transport_with_iam_tokens_still_checks_the_ca(serve_tls):
    port = serve_tls(FakeKubeApi(karmada=True), require_client_cert=False)
    auth = BearerAuth(ca_pem=make_pki().ca.cert_pem, token_provider=lambda: "k8s-aws-v1.x")
    client = KubeClient(Clients().karmada_transport(f"https://localhost:{port}", auth))
    with pytest.raises(TlsVerificationError):
        client.list(CLUSTERS)


def test_karmada_address_must_be_https():
    tls = TlsMaterial(b"", b"", b"")
    with pytest.raises(CliError, match="is not an https:// URL"):
        Clients().karmada_transport("http://example.com", tls)


def test_eks_transport_sends_a_fresh_token_each_request(tls_pki, serve_tls):
    parent = FakeKubeApi()
    port = serve_tls(parent, require_client_cert=False)
    tokens = iter(["k8s-aws-v1.first", "k8s-aws-v1.second"])
    cluster = ClusterEndpoint("karmada-parent", f"https://127.0.0.1:{port}", tls_pki.ca.cert_pem)
    client = KubeClient(Clients().eks_transport(cluster, lambda: next(tokens)))
    try:
        client.request("GET", "/version")
        client.request("GET", "/api")
    finally:
        client.close()
    assert [r.header("Authorization") for r in parent.requests] == ["Bearer k8s-aws-v1.first",
                                                                    "Bearer k8s-aws-v1.second"]


def test_tls_material_never_prints():
    material = TlsMaterial(b"ca", b"cert", base64.b64encode(b"secret-key"))
    assert "secret" not in repr(material) and "c2Vjc" not in str(material)


def test_drill_names_match_the_failover_policy_and_the_backup():
    from charts.etcd_backup.props import SNAPSHOT_ROOT
    from charts.karmada.bootstrap import TAINT_NOT_READY, failover_taint_policy
    from charts.karmada.props import KarmadaControlPlaneProps
    from karmada_constructs.etcd_backup import BUCKET_OUTPUT

    assert names.NOT_READY_TAINT == TAINT_NOT_READY
    # The drill adds the very taint the failover ClusterTaintPolicy adds (no value), so tolerations apply alike.
    assert failover_taint_policy(KarmadaControlPlaneProps())["spec"]["taints"] == [
        {"key": names.NOT_READY_TAINT, "effect": names.NO_EXECUTE}]
    assert names.OUTPUT_BACKUP_BUCKET == BUCKET_OUTPUT
    assert names.SNAPSHOT_ROOT == SNAPSHOT_ROOT
