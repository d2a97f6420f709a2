"""Issue 13, item 2: Secrets in the Karmada API are encrypted at rest, so no member token is in etcd's files.

karmada-apiserver runs with the rendered --encryption-provider-config, read from the parent Secret the
KarmadaEncryptionKey handler wrote (a data key from the local KMS stand-in). Every file of every etcd member's
data directory (WAL and bbolt database: what a snapshot copies) is searched for each Push member's token and
for a fresh marker Secret's value; the stored values carry secretbox's prefix and the handler's key name.
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

from e2e.conftest import wait_for
from e2e.secrets_at_rest import ENCRYPTED_PREFIX, member_tokens
from local_control_plane.environment import Environment

NAMESPACE = "karmada-system"


def etcd_files(env: Environment) -> list[Path]:
    volumes = env.layout.data / "volumes" / "parent" / NAMESPACE
    files = [p for p in volumes.glob("data-etcd-*/**/*") if p.is_file()]
    assert any(p.name == "db" for p in files), f"no etcd database under {volumes}"
    return files


def holding(files: list[Path], needle: bytes) -> list[str]:
    return [str(p) for p in files if needle in p.read_bytes()]


def test_no_member_token_is_in_etcds_files_in_clear(env: Environment, parent, karmada):
    config = parent.get("secret", "karmada-encryption-config", NAMESPACE)
    assert config is not None, "the KarmadaEncryptionKey handler wrote no encryption config"
    key_name = config["metadata"]["annotations"]["eks-karmada.io/encryption-key-name"].encode()
    files = etcd_files(env)
    for name, token in member_tokens(karmada).items():
        # Any 32 bytes of the token would give it away.
        assert not holding(files, token[:32]), f"the token of {name} is in etcd in clear"
    assert holding(files, ENCRYPTED_PREFIX + key_name + b":"), "no value encrypted with the handler's key"


def test_a_new_secret_reads_back_through_the_api_but_not_from_disk(env: Environment, karmada):
    marker = secrets.token_hex(24)
    name = f"encryption-check-{marker[:8]}"
    karmada.run("create", "secret", "generic", name, "-n", "default", f"--from-literal=value={marker}")
    try:
        stored = karmada.get("secret", name, "default")
        assert base64.b64decode(stored["data"]["value"]).decode() == marker
        # Written through etcd's WAL at once; the database file follows within its commit interval.
        files = etcd_files(env)
        wait_for(lambda: holding(files, f"/registry/secrets/default/{name}".encode()), 30,
                 f"the key of Secret {name} in etcd's files")
        assert not holding(files, marker.encode()), "a Secret's value reached etcd's files in clear"
    finally:
        karmada.run("delete", "secret", name, "-n", "default", "--wait=false", check=False)
