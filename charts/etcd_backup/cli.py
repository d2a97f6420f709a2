"""Render the restore (or the post-restore cleanup) for a deployment's config.

    python -m charts.etcd_backup restore --bucket <name> --snapshot-key <key> [--account <id>] > restore.yaml
    python -m charts.etcd_backup cleanup > cleanup.yaml

The snapshot key is `etcd-snapshots/<cluster>/<stamp>.db`. The etcd props come from the same
function the parent stack uses (eks_karmada.chart_props.control_plane_props) applied to the same config file, so the
member names, peer URLs, image, zones and volumes are the deployed ones. Needs
no AWS access; the bucket name is the stack output EtcdBackupBucketName (or the
BUCKET env var of the etcd-backup CronJob).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from charts.etcd_backup.props import DEFAULT_AWS_CLI_IMAGE, EtcdBackupProps
from charts.etcd_backup.restore import cleanup_manifests, dump_yaml, restore_plan

# Cleanup Jobs never touch S3; the props still want a bucket name.
_NO_BUCKET = "unused"


def props_from_config(config, bucket_name: str, account: str | None = None) -> EtcdBackupProps:
    """EtcdBackupProps for a validated AppConfig, with the control plane exactly as deployed.

    ``account``: the parent's account, which the images' registry names when the parent pulls through its ECR
    pull-through cache and the config does not name it (``parent.account``); a ValueError says so if it is missing.
    """
    from eks_karmada.chart_props import control_plane_props
    from eks_karmada.image_cache import cache_site
    from eks_karmada.mirrors import cluster_mirror

    if account is None and config.parent.account is None and cache_site(config) is not None:
        raise ValueError("the parent pulls its images through the ECR pull-through cache of its account, which the "
                         "config does not name; pass --account <the parent's 12-digit account id>, or set "
                         "parent.account")
    backup = getattr(config.karmada, "etcd_backup", None)
    return EtcdBackupProps(
        # The NLB name only affects the apiserver certificate, which a restore never renders.
        control_plane=control_plane_props(config, "restore.invalid", account_token=account),
        cluster_name=config.parent.cluster_name,
        bucket_name=bucket_name,
        region=config.parent.region,
        aws_cli_image=cluster_mirror(config, account_token=account).image(
            getattr(backup, "aws_cli_image", DEFAULT_AWS_CLI_IMAGE)),
    )


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=None, help="deployment config (default: config/default.yaml)")
    common.add_argument("-o", "--output", type=Path, default=None, help="write here instead of stdout")
    common.add_argument("--account", default=None,
                        help="the parent's account id, for its pull-through cache's registry (default: parent.account)")
    parser = argparse.ArgumentParser(prog="python -m charts.etcd_backup", description=(__doc__ or "").split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    restore = commands.add_parser(
        "restore", parents=[common], help="Jobs that restore every etcd member from one snapshot, with the steps"
    )
    restore.add_argument("--bucket", required=True, help="the backup bucket (stack output EtcdBackupBucketName)")
    restore.add_argument("--snapshot-key", required=True, help="etcd-snapshots/<cluster>/<timestamp>.db")
    restore.add_argument("--snapshot-version", default=None,
                         help="an older S3 version of that key (an overwritten snapshot); default: the current one")
    restore.add_argument("--new-volumes", action="store_true",
                         help="the data PVCs are gone: create them too, one zone per member")
    restore.add_argument("--discard-previous-data", action="store_true",
                         help="delete each member's old data directory instead of keeping it aside")
    commands.add_parser("cleanup", parents=[common], help="Jobs that delete the data directories a restore kept aside")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from eks_karmada.config import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as err:
        for line in err.lines:
            print(f"error: {line}", file=sys.stderr)
        return 1
    try:
        if args.command == "restore":
            plan = restore_plan(
                props_from_config(config, args.bucket, args.account),
                args.snapshot_key,
                new_volumes=args.new_volumes,
                keep_previous_data=not args.discard_previous_data,
                snapshot_version=args.snapshot_version,
            )
            text = plan.to_yaml()
        else:
            objects = cleanup_manifests(props_from_config(config, _NO_BUCKET, args.account))
            text = "# Removes /var/lib/etcd/data.before-restore-* on every member (docs/backup-restore.md)\n"
            text += dump_yaml(objects)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
