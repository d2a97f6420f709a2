"""KMS and SSM Parameter Store as the KarmadaEncryptionKey handler uses them, answered on this machine.

KMS: GenerateDataKey and Decrypt with real envelope semantics: a master key per KMS key ARN (AES-256-GCM, created
on first use under data/, so it survives restarts and goes with `make local-down`), the encryption context bound
as associated data (Decrypt with another context fails like KMS's InvalidCiphertextException), and the ciphertext
naming its key. SSM: GetParameter (ParameterNotFound) and PutParameter (ParameterAlreadyExists without Overwrite).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class KmsError(Exception):
    """A KMS error answer: its code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class LocalKeyStore:
    """The KMS keys' master keys and the SSM parameters, in one JSON file (mode 0600)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock = threading.Lock()

    def _load(self) -> dict:
        return json.loads(self.path.read_text()) if self.path.exists() else {"keys": {}, "parameters": {}}

    def _save(self, state: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(state, out)

    @staticmethod
    def _aad(key_arn: str, context: dict | None) -> bytes:
        return json.dumps([key_arn, sorted((context or {}).items())]).encode()

    # ---- KMS
    def generate_data_key(self, key_arn: str, context: dict | None) -> tuple[bytes, bytes]:
        """(plaintext, ciphertext blob) of a new 256-bit data key."""
        with self.lock:
            state = self._load()
            master = state["keys"].setdefault(key_arn, AESGCM.generate_key(bit_length=256).hex())
            self._save(state)
        plaintext = os.urandom(32)
        nonce = os.urandom(12)
        sealed = AESGCM(bytes.fromhex(master)).encrypt(nonce, plaintext, self._aad(key_arn, context))
        header = key_arn.encode()
        return plaintext, len(header).to_bytes(2, "big") + header + nonce + sealed

    def decrypt(self, blob: bytes, key_arn: str | None, context: dict | None) -> tuple[str, bytes]:
        """(key ARN, plaintext); KmsError as KMS answers a wrong key, context or blob."""
        size = int.from_bytes(blob[:2], "big")
        named = blob[2:2 + size].decode(errors="replace")
        nonce, sealed = blob[2 + size:14 + size], blob[14 + size:]
        if key_arn and key_arn != named:
            raise KmsError("IncorrectKeyException", "The key ID in the request does not identify the key that "
                                                    "encrypted the ciphertext.")
        master = self._load()["keys"].get(named)
        if master is None:
            raise KmsError("InvalidCiphertextException", "")
        try:
            return named, AESGCM(bytes.fromhex(master)).decrypt(nonce, sealed, self._aad(named, context))
        except Exception:  # noqa: BLE001 - cryptography's InvalidTag: KMS says only this
            raise KmsError("InvalidCiphertextException", "") from None

    # ---- SSM
    def get_parameter(self, name: str) -> str | None:
        return self._load()["parameters"].get(name)

    def put_parameter(self, name: str, value: str, overwrite: bool) -> bool:
        """False when it exists and overwrite is off."""
        with self.lock:
            state = self._load()
            if name in state["parameters"] and not overwrite:
                return False
            state["parameters"][name] = value
            self._save(state)
            return True
