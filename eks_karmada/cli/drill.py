"""`eks-karmada drill`: rehearse a member failover for real, and check the newest etcd snapshot would restore."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from eks_karmada.cli import names
from eks_karmada.cli.access import stack_outputs
from eks_karmada.cli.common import ConfigOption, ProfileOption, consoles, make_clients, read_config, say
from eks_karmada.cli.drill_failover import REMOVE_BY_HAND, FailoverDrill, Plan, sigterm_interrupts, uninterruptible
from eks_karmada.cli.drill_restore import age, check_newest, render_plan
from eks_karmada.cli.errors import EXIT_ERROR, EXIT_PROBLEMS, CliError, describe, guard
from eks_karmada.cli.etcd_snapshot import SnapshotError
from eks_karmada.cli.karmada_session import ContextOption, KubeconfigOption, open_karmada

drill_app = typer.Typer(
    name="drill",
    help="Rehearse what a platform team must trust: a member failover (for real) and an etcd restore (dry run).",
    no_args_is_help=True,
)

RESTORE_DOCS = "docs/backup-restore.md#restore-the-exact-commands"


def _describe_plan(plan: Plan, server: str, timeout: float, rebalance: bool) -> list[str]:
    lines = [f"Failover drill on {plan.member} (Karmada API {server}):",
             f"  1. taint Cluster {plan.member} {names.NOT_READY_TAINT}:{names.NO_EXECUTE}, as Karmada's "
             "ClusterTaintPolicy does when a member goes NotReady;",
             f"  2. wait up to {timeout:.0f} s until these bindings have left {plan.member}:"]
    for item in plan.moving:
        when = "evicted at once" if item.wait == 0 else f"evicted after its {item.wait:.0f} s toleration"
        lines.append(f"       {item.ref}: {', '.join(f'{k} {v}' for k, v in sorted(item.before.items()))} ({when})")
    for ref in plan.staying:
        lines.append(f"       {ref}: stays (tolerates the taint for ever)")
    step = ("  3. remove that taint (always: also on timeout, error or Ctrl-C)"
            + (", wait until the evictions are over, then reschedule each moved binding "
               "(spec.rescheduleTriggeredAt) and wait until it is placed again."
               if rebalance else "; the moved bindings stay where they went (--no-rebalance)."))
    lines.append(step)
    lines.append(f"Replicas on {plan.member} are evicted for real (gracefully: they go once their replacements are "
                 "ready elsewhere).")
    return lines


@drill_app.command("failover")
def failover(
    ctx: typer.Context,
    member: Annotated[str, typer.Option("--member", help="The member cluster to fail over (its Karmada name).",
                                        show_default=False)],
    timeout: Annotated[float, typer.Option("--timeout", min=10, help="Seconds to wait for the bindings to move, "
                                                                     "and again to come back.")] = 600,
    rebalance: Annotated[bool, typer.Option("--rebalance/--no-rebalance", help="After the taint is removed, "
                                                                                 "reschedule the moved bindings from "
                                                                                 "scratch.")] = True,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    config: ConfigOption = None,
    profile: ProfileOption = None,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
) -> None:
    """Taint a member as Karmada's failover does, time how long its workloads take to move, then restore it.

    Adds cluster.karmada.io/not-ready:NoExecute to the member's Cluster (the taint of the failover
    ClusterTaintPolicy), so Karmada's taint manager evicts what does not tolerate it and the scheduler places it
    elsewhere; prints each ResourceBinding as it leaves and where it went, and the time. Then always removes
    exactly that taint and, unless --no-rebalance, reschedules the moved bindings so they come back. Refuses
    when the member is unknown or not Ready, is the only Ready member, another member is not Ready, or already
    has that taint. Exit codes: 0 moved and restored; 3 something did not move or come back in time; 1 error;
    130 interrupted (restored).
    """
    out, err = consoles()
    with guard(err):
        cfg = read_config(config)
        clients = make_clients(ctx, profile)
        karmada = open_karmada(ctx, cfg, profile, err, kubeconfig=kubeconfig, context=context)
        try:
            drill = FailoverDrill(karmada.client, member, clients.clock, lambda line: say(out, line))
            with karmada.explained("read the clusters and bindings"):
                plan = drill.plan(timeout)
            for line in _describe_plan(plan, karmada.server, timeout, rebalance):
                say(out, line)
            if not yes and not typer.confirm("Proceed?", default=False, err=True):
                say(out, "Nothing changed.")
                raise typer.Exit(EXIT_ERROR)
            code = _run(drill, plan, karmada, timeout, rebalance, out, err)
        finally:
            karmada.close()
    if code:
        raise typer.Exit(code)


def _run(drill: FailoverDrill, plan: Plan, karmada, timeout: float, rebalance: bool, out, err) -> int:
    """Taint, watch, always restore; the exit code."""
    moved, interrupted, failure = False, False, None
    with sigterm_interrupts():
        try:
            with karmada.explained(f"taint Cluster {plan.member}"):
                drill.add_taint()
            say(out, f"Tainted {plan.member} {names.NOT_READY_TAINT}:{names.NO_EXECUTE}; waiting for "
                     f"{len(plan.moving)} binding(s) to move:")
            with karmada.explained("watch the bindings"):
                moved = drill.watch(plan, timeout)
        except KeyboardInterrupt:
            interrupted = True
        except Exception as problem:  # noqa: BLE001 - restore first, then report it like guard() does
            failure = problem
        finally:
            _restore(drill, karmada, plan.member, err)
    if failure is not None:
        raise failure
    elapsed = max((i.moved_after or 0.0) for i in plan.moving)
    if interrupted:
        say(err, f"error: interrupted; the taint is removed from {plan.member}")
        return 130
    if not moved:
        stuck = [str(i.ref) for i in plan.moving if i.moved_after is None]
        say(out, f"Not moved within {timeout:.0f} s: {', '.join(stuck)}; the taint is removed.")
        return EXIT_PROBLEMS
    say(out, f"Moved: {len(plan.moving)} binding(s) left {plan.member} in {elapsed:.1f} s (taint to the last one "
             f"scheduled elsewhere). The taint is removed.")
    if not rebalance:
        say(out, "The moved bindings stay where they went (--no-rebalance); Karmada does not move divided replicas "
                 "back by itself.")
        return 0
    remaining = [i for i in plan.moving if not i.gone]
    say(out, f"Waiting until the evictions from {plan.member} are over (their replacements ready elsewhere; until "
             "then the scheduler keeps each binding off it):")
    with karmada.explained("watch the graceful evictions"):
        evicting = drill.evictions_done(remaining, timeout)
    if evicting:
        say(out, f"Still evicting from {plan.member} after {timeout:.0f} s: "
                 f"{', '.join(str(i.ref) for i in evicting)}; not rescheduled")
        return EXIT_PROBLEMS
    say(out, "Rescheduling the moved bindings:")
    with karmada.explained("reschedule the moved bindings"):
        late = drill.rebalance(remaining, timeout)
    if late:
        say(out, f"Not placed again within {timeout:.0f} s: {', '.join(str(i.ref) for i in late)}")
        return EXIT_PROBLEMS
    away = [str(i.ref) for i in plan.moving if i.back is not None and plan.member not in i.back]
    if away:
        say(out, f"Restored, but the scheduler did not place these on {plan.member} again: {', '.join(away)}")
        return EXIT_PROBLEMS
    say(out, f"Restored: {plan.member} untainted and every moved binding placed on it again.")
    return 0


def _restore(drill: FailoverDrill, karmada, member: str, err) -> None:
    """Remove the drill's taint whatever happened; a failure here names the command that does it by hand."""
    if drill.added is None:
        return
    try:
        with uninterruptible(), karmada.explained(f"remove the drill's taint from {member}"):
            if not drill.remove_taint():
                say(err, f"warning: the drill's taint was already gone from {member}")
    except Exception as problem:  # noqa: BLE001 - the one thing the user must do by hand
        raise CliError(f"could not remove the drill's taint from {member}: {describe(problem)}; remove it with "
                       f"`{REMOVE_BY_HAND.format(member=member)}`") from None


@drill_app.command("restore")
def restore(
    ctx: typer.Context,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and render only (the only mode).")] = False,
    bucket: Annotated[str | None, typer.Option("--bucket", help="The backup bucket.",
                                               show_default="the KarmadaParent output EtcdBackupBucketName")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", dir_okay=False,
                                                help="Also write the rendered restore (Jobs and steps) here.")] = None,
    config: ConfigOption = None,
    profile: ProfileOption = None,
) -> None:
    """Check that the newest etcd snapshot in the backup bucket is readable and that its restore renders.

    Downloads the newest etcd-snapshots/<parent cluster>/<timestamp>.db, checks the SHA-256 etcd appends and the
    bbolt database (meta pages, every page of every bucket, the MVCC revision and live key count, as `etcdutl
    snapshot status` counts them), prints its age, size and key count, then renders the restore of that snapshot
    exactly as `python -m charts.etcd_backup restore` does. Applies nothing. Without --dry-run it refuses: a
    real restore is the procedure of docs/backup-restore.md. Exit codes: 0 readable and rendered; 3 the snapshot
    is not readable; 1 error. Needs s3:ListBucket and s3:GetObject on the bucket, kms:Decrypt on its key, and
    cloudformation:DescribeStacks unless --bucket is given.
    """
    out, err = consoles()
    with guard(err):
        if not dry_run:
            raise CliError("a real restore stops the Karmada API: follow docs/backup-restore.md (python -m "
                           "charts.etcd_backup restore --bucket BUCKET --snapshot-key KEY -o restore.yaml, then its "
                           "steps); `eks-karmada drill restore --dry-run` only checks the newest snapshot")
        cfg = read_config(config)
        if not cfg.karmada.etcd_backup.enabled:
            raise CliError("etcd backups are off in the config (karmada.etcd_backup.enabled: false): there are no "
                           "snapshots to check")
        clients = make_clients(ctx, profile)
        region = cfg.parent.region
        if bucket is None:
            with err.status(f"Reading the {names.PARENT_STACK} outputs in {region}..."):
                bucket = stack_outputs(clients, region, names.PARENT_STACK).get(names.OUTPUT_BACKUP_BUCKET)
            if not bucket:
                raise CliError(f"stack {names.PARENT_STACK} in {region} has no {names.OUTPUT_BACKUP_BUCKET} output; "
                               "pass --bucket")
        s3 = clients.aws("s3", region)
        try:
            with err.status(f"Finding and downloading the newest snapshot in s3://{bucket}..."):
                checked = check_newest(s3, bucket, cfg)
        except SnapshotError as problem:
            say(out, f"Not readable: {problem}")
            raise typer.Exit(EXIT_PROBLEMS) from None
        snapshot, status = checked.snapshot, checked.status
        say(out, f"Newest snapshot: s3://{bucket}/{snapshot.key}")
        say(out, f"  taken:   {snapshot.taken:%Y-%m-%d %H:%M:%S} UTC ({age(snapshot.taken, clients.clock.now())} ago)")
        say(out, f"  size:    {status.size} bytes ({status.pages} bbolt pages of {status.page_size} bytes)")
        say(out, f"  SHA-256: {status.sha256} (matches the hash etcd appended)")
        say(out, f"  content: revision {status.revision}, {status.total_keys} keys"
                 + (f", storage version {status.storage_version}" if status.storage_version else ""))
        with err.status("Rendering the restore plan (starts Node for cdk8s)..."):
            # The images' registry names the parent's account when it pulls through its pull-through cache.
            account = cfg.parent.account or clients.aws("sts", region).get_caller_identity()["Account"]
            plan = render_plan(cfg, bucket, snapshot.key, account)
        jobs = [o["metadata"]["name"] for o in plan.objects if o["kind"] == "Job"]
        say(out, f"Restore plan (not applied): {len(jobs)} Job(s) {', '.join(jobs)}, in {len(plan.steps)} steps:")
        for number, (title, _commands) in enumerate(plan.steps, 1):
            say(out, f"  {number}. {title}")
        if output is not None:
            output.write_text(plan.to_yaml(), encoding="utf-8")
            say(out, f"Wrote the rendered restore to {output}.")
        say(out, f"To restore for real: {RESTORE_DOCS}.")
