"""The local KMS and SSM answers behave as the services do where the encryption key handler relies on it."""

from __future__ import annotations

import stat

import pytest

from local_control_plane.key_store import KmsError, LocalKeyStore

KEY = "arn:aws:kms:us-east-1:000000000000:key/KarmadaParent-Key"
CONTEXT = {"eks-karmada:cluster": "parent"}


def test_a_data_key_decrypts_only_with_its_key_and_context(tmp_path):
    store = LocalKeyStore(tmp_path / "state.json")
    plaintext, blob = store.generate_data_key(KEY, CONTEXT)
    assert len(plaintext) == 32 and plaintext not in blob
    # A second store on the same file (make local run again) still decrypts it.
    assert LocalKeyStore(tmp_path / "state.json").decrypt(blob, KEY, CONTEXT) == (KEY, plaintext)
    assert store.decrypt(blob, None, CONTEXT) == (KEY, plaintext)
    with pytest.raises(KmsError) as wrong_context:
        store.decrypt(blob, KEY, {"eks-karmada:cluster": "other"})
    assert wrong_context.value.code == "InvalidCiphertextException"
    with pytest.raises(KmsError) as wrong_key:
        store.decrypt(blob, KEY + "2", CONTEXT)
    assert wrong_key.value.code == "IncorrectKeyException"
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(KmsError):
        store.decrypt(tampered, KEY, CONTEXT)
    assert stat.S_IMODE((tmp_path / "state.json").stat().st_mode) == 0o600


def test_parameters_are_not_overwritten_unless_asked(tmp_path):
    store = LocalKeyStore(tmp_path / "state.json")
    assert store.get_parameter("/p") is None
    assert store.put_parameter("/p", "one", overwrite=False)
    assert not store.put_parameter("/p", "two", overwrite=False)
    assert store.get_parameter("/p") == "one"
    assert store.put_parameter("/p", "three", overwrite=True) and store.get_parameter("/p") == "three"
