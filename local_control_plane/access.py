"""How the harness, the handlers and users reach one API server: address, CA, client certificate."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from functions.kube.client import KubeClient, Urllib3Transport


@dataclass(frozen=True)
class ClusterAccess:
    """An API server and one client identity (certificate) for it."""

    name: str
    host: str  # address to dial
    port: int
    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes
    server_name: str | None = None  # TLS name to check when it differs from ``host``

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def client(self, user_agent: str = "eks-karmada/local") -> KubeClient:
        return KubeClient(self.transport(), user_agent=user_agent)

    def transport(self) -> Urllib3Transport:
        return Urllib3Transport(self.host, self.port, ca_pem=self.ca_pem, server_hostname=self.server_name,
                                client_cert_pem=self.cert_pem, client_key_pem=self.key_pem)

    def kubeconfig(self) -> dict:
        """A kubeconfig with embedded data (kubectl, karmadactl and the tests read it)."""
        cluster = {"server": self.url, "certificate-authority-data": _b64(self.ca_pem)}
        if self.server_name:
            cluster["tls-server-name"] = self.server_name
        return {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": self.name, "cluster": cluster}],
            "users": [{"name": f"{self.name}-admin",
                       "user": {"client-certificate-data": _b64(self.cert_pem),
                                "client-key-data": _b64(self.key_pem)}}],
            "contexts": [{"name": self.name, "context": {"cluster": self.name, "user": f"{self.name}-admin"}}],
            "current-context": self.name,
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(yaml.safe_dump(self.kubeconfig(), sort_keys=False), encoding="utf-8")

    def to_json(self) -> str:
        return json.dumps({k: (v.decode() if isinstance(v, bytes) else v) for k, v in self.__dict__.items()})

    @classmethod
    def from_json(cls, text: str) -> ClusterAccess:
        raw = json.loads(text)
        for key in ("ca_pem", "cert_pem", "key_pem"):
            raw[key] = raw[key].encode()
        return cls(**raw)

    @classmethod
    def load(cls, path: Path) -> ClusterAccess:
        return cls.from_json(path.read_text(encoding="utf-8"))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(self.to_json(), encoding="utf-8")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
