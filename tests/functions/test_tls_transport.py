"""The real urllib3 transport against a loopback HTTPS server that requires a client certificate.

The server's certificate names only the Service DNS name (no IP), like the Karmada API server's:
connecting to 127.0.0.1 works only because the transport verifies ``server_hostname`` instead.
"""

from __future__ import annotations

import http.server
import json
import os
import socket
import ssl
import tempfile
import threading

import pytest

from functions.kube.client import KubeClient, Urllib3Transport
from functions.kube.errors import TlsVerificationError
from tests.fakes.pki import make_pki

SERVER_NAME = "karmada-apiserver.karmada-system.svc.cluster.local"


class _Echo(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802 - http.server naming
        peer = self.connection.getpeercert() or {}
        subject = dict(item for rdn in peer.get("subject", ()) for item in rdn)
        body = json.dumps({"client": subject.get("commonName"), "authorization": self.headers.get("Authorization"),
                           "sni": getattr(self.server, "last_sni", None)}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def pki():
    return make_pki(server_names=(SERVER_NAME,))


@pytest.fixture
def tls_server(pki, tmp_path):
    (tmp_path / "server.crt").write_bytes(pki.server.cert_pem)
    (tmp_path / "server.key").write_bytes(pki.server.key_pem)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cadata=pki.ca.cert_pem.decode())
    context.load_cert_chain(tmp_path / "server.crt", tmp_path / "server.key")
    context.verify_mode = ssl.CERT_OPTIONAL  # the handler reports whether a client certificate came
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Echo)

    def remember_sni(sock, name, ctx):
        server.last_sni = name

    context.sni_callback = remember_sni
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_mutual_tls_to_a_pod_ip_verified_against_the_service_name(pki, tls_server):
    transport = Urllib3Transport("127.0.0.1", tls_server, ca_pem=pki.ca.cert_pem, server_hostname=SERVER_NAME,
                                 client_cert_pem=pki.client.cert_pem, client_key_pem=pki.client.key_pem)
    answer = KubeClient(transport).request("GET", "/version")
    transport.close()
    assert answer == {"client": "system:admin", "authorization": None, "sni": SERVER_NAME}


def test_a_wrong_server_name_is_rejected(pki, tls_server):
    transport = Urllib3Transport("127.0.0.1", tls_server, ca_pem=pki.ca.cert_pem,
                                 server_hostname="karmada-apiserver.other.svc.cluster.local")
    with pytest.raises(TlsVerificationError, match="TLS handshake with 127.0.0.1"):
        transport("GET", "/version", {}, None)


def test_an_unknown_ca_is_rejected(tls_server):
    other = make_pki(server_names=(SERVER_NAME,))
    transport = Urllib3Transport("127.0.0.1", tls_server, ca_pem=other.ca.cert_pem, server_hostname=SERVER_NAME)
    with pytest.raises(TlsVerificationError):
        transport("GET", "/version", {}, None)


def test_bearer_token_is_sent_per_request(pki, tls_server):
    tokens = iter(["k8s-aws-v1.first", "k8s-aws-v1.second"])
    transport = Urllib3Transport("127.0.0.1", tls_server, ca_pem=pki.ca.cert_pem, server_hostname=SERVER_NAME,
                                 token_provider=lambda: next(tokens))
    client = KubeClient(transport)
    assert client.request("GET", "/version")["authorization"] == "Bearer k8s-aws-v1.first"
    assert client.request("GET", "/version")["authorization"] == "Bearer k8s-aws-v1.second"


def test_connection_refused_is_a_connection_error(pki):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before use: nothing listens there
    transport = Urllib3Transport("127.0.0.1", port, ca_pem=pki.ca.cert_pem, server_hostname=SERVER_NAME,
                                 connect_timeout=2)
    with pytest.raises(ConnectionError, match=f"127.0.0.1:{port}"):
        transport("GET", "/version", {}, None)


def test_a_connection_closed_during_the_handshake_is_a_connection_error(pki):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def close_everything():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.close()

    threading.Thread(target=close_everything, daemon=True).start()
    transport = Urllib3Transport("127.0.0.1", listener.getsockname()[1], ca_pem=pki.ca.cert_pem,
                                 server_hostname=SERVER_NAME)
    try:
        with pytest.raises(ConnectionError):  # not TlsVerificationError: worth failing over
            transport("GET", "/version", {}, None)
    finally:
        listener.close()


def test_client_key_files_do_not_outlive_loading(pki, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    Urllib3Transport("127.0.0.1", 1, ca_pem=pki.ca.cert_pem, client_cert_pem=pki.client.cert_pem,
                     client_key_pem=pki.client.key_pem)
    assert os.listdir(tmp_path) == []
    with pytest.raises(ValueError, match="both the certificate and the key"):
        Urllib3Transport("127.0.0.1", 1, ca_pem=pki.ca.cert_pem, client_cert_pem=pki.client.cert_pem)
