"""Every shell command in README.md and docs/*.md is checked against the real thing (tests/docs/checks.py)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.docs import checks
from tests.docs.shell import ROOT, all_commands, doc_files, split
from tests.docs.targets import build_targets

COMMANDS = all_commands()


@pytest.fixture(scope="session")
def world(synthesized, default_config):
    from charts.etcd_backup.cli import props_from_config
    from charts.etcd_backup.restore import cleanup_manifests, restore_plan

    props = props_from_config(default_config, "bucket", "111122223333")  # the parent's cache names its account
    restore = restore_plan(props, "etcd-snapshots/karmada-parent/20260101T060000Z.db").objects
    targets = build_targets(default_config, synthesized.manifests, [*restore, *cleanup_manifests(props)],
                            synthesized.templates["KarmadaParent"])
    checkov = ROOT / ".venv-scan" / "bin" / "checkov"
    checkov_help = None
    if checkov.exists():
        checkov_help = subprocess.run([str(checkov), "--help"], capture_output=True, text=True, timeout=120).stdout
    return checks.World(config=default_config, templates=synthesized.templates, targets=targets,
                        outdir=synthesized.outdir, commands=COMMANDS,
                        cdk_help=checks.cdk_help_pages(checks.cdk_subcommands()), checkov_help=checkov_help)


def test_the_docs_have_commands():
    assert len(COMMANDS) > 100
    documented = {c.origin.path.name for c in COMMANDS}
    assert {"README.md", "operations.md", "troubleshooting.md"} <= documented


@pytest.mark.parametrize("cmd", COMMANDS, ids=[f"{c.origin.where} {c.program}" for c in COMMANDS])
def test_command(cmd, world):
    problems = checks.check(cmd, world)
    assert not problems, f"{cmd.origin.where}: `{cmd}`:\n  " + "\n  ".join(problems)


# --- the checks themselves catch mistakes ------------------------------------------------------------

WRONG = [
    "make deploy-all",
    "npx cdk deploy --concurency 8",
    "npx cdk destroy --exclusively KarmadaRegistration-nope",
    "eks-karmada kubeconfig --contexts karmada",
    "eks-karmada statuses",
    "eks-karmada agent-bundle member-use1",
    "eks-karmada members add m3 --zone us-east-1a",
    "eks-karmada members remove",
    "eks-karmada members delete member-use1",
    ".venv/bin/python -m charts.etcd_backup restore --bucket b",
    ".venv/bin/python -m charts.etcd_backups restore",
    "kubectl -n karmada-sys get pods",
    "kubectl -n karmada-system get certificate karmada-apiserver-cert",
    "kubectl -n karmada-system logs deploy/karmada-webhooks",
    "kubectl -n karmada-system get pods -l app=karmada-apiserver",
    "kubectl -n karmada-system exec etcd-3 -c etcd -- etcdctl member list",
    "kubectl -n karmada-system exec etcd-0 -c etcdctl -- etcdctl member list",
    "kubectl --context karmada get nodes",
    "kubectl --context karmada describe cluster member-euw1",
    "kubectl --context member-use1 -n karmada-system get secret karmada-kubeconfig",
    "kubectl --context karmada-parnt get pods",
    "kubectl apply -f never-written.yaml",
    "kubectl karmada --karmada-context karmada get deployments -A --operation-scope member",
    "aws cloudformation describe-stacks --stack-name KarmadaParents",
    "aws cloudformation describe-stacks --stack-name KarmadaParent --query "
    "\"Stacks[0].Outputs[?OutputKey=='ApiUrl'].OutputValue\"",
    "aws eks describe-cluster --name karmada-member-use1 --region us-west-2",
    "aws eks update-nodegroup-version --cluster-name karmada-parent",
    "aws eks update-kubeconfig --region us-east-1 --name karmada-parent --alias parent",
    "aws ec2 describe-addresses --filters Name=tag:egress,Values=karmada-parent",
    "aws ec2 describe-adresses",
    "openssl s_client -connect example.com:443",
    "helm list -A",
]


@pytest.mark.parametrize("text", WRONG)
def test_the_checks_catch_a_wrong_command(text, world):
    problems = [p for cmd in split(text) for p in checks.check(cmd, world)]
    assert problems, f"`{text}` passed the checks"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed: the static flag table stands")
def test_kubectl_flag_table_matches_real_kubectl():
    """The flags tests/docs/checks.py accepts for each verb the docs use are real kubectl flags."""
    used: dict[tuple[str, ...], set[str]] = {}
    for cmd in COMMANDS:
        if cmd.program != "kubectl" or cmd.argv[1:2] == ["karmada"]:
            continue
        call = checks.parse_kubectl(cmd.argv)
        assert not isinstance(call, str), call
        verb = (call.verb, call.words[0]) if call.verb in ("create", "rollout") else (call.verb,)
        used.setdefault(verb, set()).update(call.flags)
    for verb, flags in used.items():
        help_text = subprocess.run(["kubectl", *verb, "--help"], capture_output=True, text=True, timeout=30).stdout
        help_text += subprocess.run(["kubectl", "options"], capture_output=True, text=True, timeout=30).stdout
        for flag in flags:
            assert f"{flag}=" in help_text or f"{flag}," in help_text or f"{flag} " in help_text \
                or f", {flag}" in help_text, f"kubectl {verb} has no {flag}"


def test_every_doc_is_scanned():
    names = {p.name for p in doc_files()}
    assert {"README.md", "operations.md", "troubleshooting.md", "cli.md", "backup-restore.md"} <= names
