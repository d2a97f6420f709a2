"""`eks-karmada drill restore --dry-run` and the snapshot reader it uses.

The valid snapshot is a real one: `etcdctl snapshot save` of an etcd 3.6.6 holding 302 keys at revision 306
(`etcdutl snapshot status`: totalKey 302, revision 306, version 3.6.0), stored gzipped. The corrupted files are
made from it: a flipped byte, a cut, no hash, and bbolt damage under a recomputed hash (what only the page
checks can see).
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import struct
from pathlib import Path

import pytest
import yaml

from eks_karmada.cli.etcd_snapshot import SnapshotError, check_bytes, check_file, kv_key

SNAPSHOT = gzip.decompress((Path(__file__).parent / "data" / "etcd-3.6.6-snapshot.db.gz").read_bytes())
BUCKET = "karmadaparent-etcdbackupbucket-1a2b3c4d5e6f"
PREFIX = "etcd-snapshots/karmada-parent/"


def _rehashed(database: bytes) -> bytes:
    """A database with a correct etcd hash after it, so only the bbolt checks can find what is wrong."""
    return database + hashlib.sha256(database).digest()


def _database() -> bytearray:
    return bytearray(SNAPSHOT[:-32])


# ---- the reader ------------------------------------------------------------------------------------------------


def test_a_real_snapshot_reads_as_etcdutl_reports_it(tmp_path):
    path = tmp_path / "s.db"
    path.write_bytes(SNAPSHOT)
    status = check_file(path)
    assert (status.revision, status.total_keys, status.storage_version) == (306, 302, "3.6.0")
    assert status.size == len(SNAPSHOT) and status.page_size == 4096
    assert status.sha256 == SNAPSHOT[-32:].hex()
    assert status.pages > 2  # the key bucket spans branch and leaf pages


def _broken_meta(db: bytearray) -> bytearray:
    for page in (0, 4096):
        struct.pack_into("<I", db, page + 16, 0xDEADBEEF)
    return db


def _wrong_page_id(db: bytearray) -> bytearray:
    # The root bucket's page (from the newest meta page) claims another id.
    txids = [struct.unpack_from("<Q", db, page + 16 + 56 - 8)[0] for page in (0, 4096)]
    meta = (0, 4096)[txids.index(max(txids))]
    root = struct.unpack_from("<Q", db, meta + 16 + 16)[0]
    struct.pack_into("<Q", db, root * 4096, root + 1)
    return db


def _cut_meta(db: bytearray) -> bytearray:
    return db[:8192]  # both meta pages, but the tree pages are gone


@pytest.mark.parametrize(("name", "data", "message"), [
    ("a flipped byte", lambda: bytes(_database()[:5000]) + bytes([SNAPSHOT[5000] ^ 1]) + SNAPSHOT[5001:],
     "the SHA-256 at the end does not match the database: the file is corrupted"),
    ("truncated", lambda: SNAPSHOT[:-100], "no SHA-256 after the database"),
    ("a data file without the hash", lambda: bytes(_database()), "no SHA-256 after the database"),
    ("not bbolt", lambda: _rehashed(bytes(_broken_meta(_database()))),
     "not a bbolt database: no bbolt meta page (magic 0xED0CDAED)"),
    ("a page that is not where it says", lambda: _rehashed(bytes(_wrong_page_id(_database()))), "says it is page"),
    ("pages missing", lambda: _rehashed(bytes(_cut_meta(_database()))), "past the end of the file"),
])
def test_a_corrupted_snapshot_is_named_for_what_is_wrong(name, data, message):
    with pytest.raises(SnapshotError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_bytes(data())


def test_kv_key_reads_field_one_of_a_keyvalue():
    # mvccpb.KeyValue{key: "/a", create_revision: 5, value: "v"}
    assert kv_key(b"\x0a\x02/a\x10\x05\x2a\x01v") == b"/a"
    with pytest.raises(SnapshotError):
        kv_key(b"\x10\x05")


# ---- the command ----------------------------------------------------------------------------------------------


def _bucket(world, objects: dict[str, bytes]) -> None:
    s3 = world.aws("s3", "us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    for key, body in objects.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body, ChecksumAlgorithm="SHA256")


def test_the_newest_snapshot_is_checked_and_its_restore_rendered(world, tmp_path):
    _bucket(world, {f"{PREFIX}20261124T000000Z.db": b"an older, broken one", f"{PREFIX}20261124T060000Z.db": SNAPSHOT,
                    "etcd-snapshots/other-cluster/20261124T110000Z.db": b"another cluster's"})
    world.expect_stack(outputs={"KarmadaApiEndpoint": "https://x:443", "EtcdBackupBucketName": BUCKET})
    output = tmp_path / "restore.yaml"
    result = world.invoke("drill", "restore", "--dry-run", "-o", str(output))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"Newest snapshot: s3://{BUCKET}/{PREFIX}20261124T060000Z.db" in out
    assert "taken:   2026-11-24 06:00:00 UTC (6 h 0 min ago)" in out
    assert f"size:    {len(SNAPSHOT)} bytes" in out
    assert "content: revision 306, 302 keys, storage version 3.6.0" in out
    assert ("Restore plan (not applied): 3 Job(s) etcd-restore-etcd-0, etcd-restore-etcd-1, etcd-restore-etcd-2, "
            "in 8 steps:") in out
    assert "  4. Restore every member from the snapshot (this file), then wait for all Jobs" in out
    rendered = [doc for doc in yaml.safe_load_all(output.read_text()) if doc]
    assert {d["metadata"]["annotations"]["karmada.io/etcd-snapshot-key"] for d in rendered} == {
        f"{PREFIX}20261124T060000Z.db"}
    # Nothing was applied anywhere: no Kubernetes request at all.
    assert world.parent.requests == [] and world.karmada.requests == []


def test_a_corrupted_newest_snapshot_exits_3_without_rendering(world):
    damaged = bytearray(SNAPSHOT)
    damaged[9000] ^= 0xFF
    _bucket(world, {f"{PREFIX}20261124T060000Z.db": bytes(damaged)})
    result = world.invoke("drill", "restore", "--dry-run", "--bucket", BUCKET)
    assert result.exit_code == 3, result.output
    assert result.stdout == ("Not readable: the SHA-256 at the end does not match the database: the file is "
                             "corrupted\n")


def test_without_dry_run_it_points_to_the_restore_procedure(world):
    result = world.invoke("drill", "restore")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: a real restore stops the Karmada API: follow docs/backup-restore.md")
    assert len(result.stderr.splitlines()) == 1


def test_an_empty_prefix_says_how_to_take_a_snapshot(world):
    _bucket(world, {})
    result = world.invoke("drill", "restore", "--dry-run", "--bucket", BUCKET)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: no snapshot under s3://{BUCKET}/{PREFIX}: the backup CronJob")
    assert "Traceback" not in result.output


def test_backups_off_in_the_config_are_refused(world, tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text("karmada: {etcd_backup: {enabled: false}}\n")
    result = world.invoke("drill", "restore", "--dry-run", "--config", str(config))
    assert result.exit_code == 1
    assert "karmada.etcd_backup.enabled: false" in result.stderr


def test_age_is_measured_on_the_clock():
    from eks_karmada.cli.drill_restore import age

    now = datetime.datetime(2026, 11, 24, 12, tzinfo=datetime.UTC)
    assert age(now - datetime.timedelta(minutes=5), now) == "5 min"
    assert age(now - datetime.timedelta(days=2, hours=3), now) == "2 d 3 h"
