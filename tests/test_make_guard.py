"""The Makefile's pre-checks (eks_karmada/make_guard.py): config, AWS credentials, the destroy confirmation.

STS is botocore's Stubber (or a client that raises what botocore raises); nothing reaches AWS.
"""

from __future__ import annotations

import io
import json
from typing import Any

import boto3
import pytest
from botocore import exceptions as boto
from botocore.stub import Stubber

from eks_karmada import stack_names
from eks_karmada.aws_credentials import NEXT, CredentialsError, check_credentials, sts_client
from eks_karmada.config import DEFAULT_CONFIG_PATH, load_config, parse_config
from eks_karmada.destroy_plan import DestroyPlan
from eks_karmada.make_guard import GuardError, Terminal, main, run

ARN = "arn:aws:sts::123456789012:assumed-role/Admin/alice"


def _sts() -> Any:
    return boto3.client("sts", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")


def _answering(stubber_setup) -> tuple:
    client = _sts()
    stubber = Stubber(client)
    stubber_setup(stubber)
    stubber.activate()
    return client, stubber


def _ok(stubber: Stubber) -> None:
    stubber.add_response("get_caller_identity", {"Account": "123456789012", "Arn": ARN, "UserId": "AROA:alice"})


class _Raising:
    """An STS client whose call raises what botocore raises before any request (no credentials, no SSO token)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def get_caller_identity(self):
        raise self.error


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


# --- credentials ------------------------------------------------------------------------------------------------

def test_working_credentials_give_the_identity():
    client, stubber = _answering(_ok)
    identity = check_credentials(client)
    assert (identity.account, identity.arn) == ("123456789012", ARN)
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize(("code", "expected"), [
    ("ExpiredToken", "the AWS credentials have expired (ExpiredToken); refresh them (`aws sso login --profile "
                     "<name>`, or new keys for AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), " + NEXT),
    ("InvalidClientTokenId", "AWS rejected the access key (InvalidClientTokenId); check AWS_PROFILE and "
                             "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (an AWS_SESSION_TOKEN left from another "
                             "session also causes this), " + NEXT),
    ("SignatureDoesNotMatch", "AWS rejected the access key (SignatureDoesNotMatch); check AWS_PROFILE and "
                              "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (an AWS_SESSION_TOKEN left from another "
                              "session also causes this), " + NEXT),
    ("AccessDenied", "sts:GetCallerIdentity failed: AccessDenied: no; check AWS_PROFILE, " + NEXT),
])
def test_rejected_credentials_are_one_line_with_the_fix(code, expected, monkeypatch):
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    client, _ = _answering(lambda s: s.add_client_error("get_caller_identity", service_error_code=code,
                                                        service_message="no", http_status_code=403))
    with pytest.raises(CredentialsError) as caught:
        check_credentials(client)
    assert str(caught.value) == expected


@pytest.mark.parametrize(("error", "expected"), [
    (boto.NoCredentialsError(), "no AWS credentials found; set AWS_PROFILE=<profile> (for SSO, first `aws sso login "
                                "--profile <profile>`) or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, " + NEXT),
    (boto.SSOTokenLoadError(error_msg="expired"), "the AWS SSO session has expired or was never started; run "
                                                  "`aws sso login --profile dev`, " + NEXT),
    (boto.UnauthorizedSSOTokenError(), "the AWS SSO session has expired or was never started; run "
                                       "`aws sso login --profile dev`, " + NEXT),
    (boto.EndpointConnectionError(endpoint_url="https://sts.us-east-1.amazonaws.com/"),
     'cannot reach AWS STS (Could not connect to the endpoint URL: "https://sts.us-east-1.amazonaws.com/"); '
     "check the network, HTTPS_PROXY and AWS_REGION, " + NEXT),
])
def test_missing_credentials_are_one_line_with_the_fix(error, expected, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "dev")
    with pytest.raises(CredentialsError) as caught:
        check_credentials(_Raising(error))
    assert str(caught.value) == expected


def test_an_unknown_profile_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_PROFILE", "nope")
    with pytest.raises(CredentialsError) as caught:
        check_credentials(sts_client("us-east-1"))
    assert str(caught.value) == ("the AWS profile 'nope' (AWS_PROFILE) does not exist; set AWS_PROFILE to one of "
                                 "`aws configure list-profiles`, " + NEXT)


# --- config and concurrency ------------------------------------------------------------------------------------

def test_config_check_gives_the_stack_concurrency():
    assert run("config", str(DEFAULT_CONFIG_PATH)) == 2 * 2 + 3
    assert run("config", "") == 7  # make's CONFIG default


def test_a_bad_config_is_the_loaders_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("parent:\n  bogus: 1\n")
    with pytest.raises(GuardError) as caught:
        run("deploy", str(bad))
    assert str(caught.value) == (f"error: {bad}: parent.bogus: unknown key; remove it or fix its spelling "
                                 "(see docs/configuration.md)")


def test_every_problem_of_a_bad_config_is_its_own_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("parent:\n  bogus: 1\nkarmada:\n  etcd_replicas: 2\n")
    with pytest.raises(GuardError) as caught:
        run("deploy", str(bad))
    assert capsys.readouterr().err == (f"error: {bad}: parent.bogus: unknown key; remove it or fix its spelling "
                                       "(see docs/configuration.md)\n")
    assert str(caught.value) == (f"error: {bad}: karmada.etcd_replicas: 2 etcd replicas tolerate no more failures "
                                 "than 1; use an odd number such as 3 or 5")


def test_main_prints_the_concurrency_or_the_error_on_stdout(tmp_path):
    out = io.StringIO()
    assert main(["config", "--config", str(DEFAULT_CONFIG_PATH)], out) == 0
    assert out.getvalue() == "7\n"
    out = io.StringIO()
    assert main(["config", "--config", str(tmp_path / "missing.yaml")], out) == 1
    assert out.getvalue() == (f"error: {tmp_path / 'missing.yaml'}: cannot read the config file (No such file or "
                              "directory); check the path given as CONFIG or -c config\n")


def test_aws_check_names_the_target(monkeypatch):
    with pytest.raises(GuardError) as caught:
        run("aws", "", target="diff", sts=lambda region: _Raising(boto.NoCredentialsError()))
    assert str(caught.value).startswith("error: make diff needs AWS credentials: no AWS credentials found; ")
    client, stubber = _answering(_ok)
    regions = []
    assert run("aws", "", sts=lambda region: regions.append(region) or client, which=lambda _: "/usr/bin/docker") == 7
    assert regions == ["us-east-1"]  # the parent's region
    stubber.assert_no_pending_responses()


def test_deploy_without_docker_stops_before_any_aws_call(monkeypatch, tmp_path):
    """`cdk deploy` would build the cluster guard's image only after the stacks before it had deployed."""
    monkeypatch.delenv("CDK_DOCKER", raising=False)
    calls: list[str] = []
    with pytest.raises(GuardError) as caught:
        run("aws", "", sts=lambda region: calls.append(region), which=lambda _: None)
    assert str(caught.value) == (
        "error: make deploy builds the karmada-cluster-guard image with docker, which is not on PATH; install Docker "
        "(or set CDK_DOCKER to a compatible CLI), or set karmada.cluster_guard.image to a prebuilt image")
    assert calls == []
    monkeypatch.setenv("CDK_DOCKER", "finch")
    with pytest.raises(GuardError, match="image with finch, which is not on PATH"):
        run("aws", "", sts=lambda region: calls.append(region), which=lambda _: None)
    # cdk diff builds nothing; a prebuilt image needs no build
    client, _ = _answering(_ok)
    assert run("aws", "", target="diff", sts=lambda region: client, which=lambda _: None) == 7
    prebuilt = tmp_path / "prebuilt.yaml"
    prebuilt.write_text("karmada:\n  cluster_guard:\n    image: registry.example.com/karmada-cluster-guard:v1\n")
    client, _ = _answering(_ok)
    assert run("aws", str(prebuilt), sts=lambda region: client, which=lambda _: None) == 3  # no members


# --- destroy ---------------------------------------------------------------------------------------------------

SUMMARY = ("13 stacks and 3 EKS clusters (karmada-parent, karmada-member-use1, karmada-member-usw2) of "
           "config/default.yaml")


def test_destroy_without_a_terminal_and_without_yes_refuses_before_any_aws_call():
    calls = []
    with pytest.raises(GuardError) as caught:
        run("destroy", "", sts=lambda region: calls.append(region), terminal=Terminal(stdin=io.StringIO("yes\n")))
    assert str(caught.value) == (f"error: make destroy deletes {SUMMARY} and asks first, but no terminal is "
                                 "attached; run `make destroy YES=1` to delete without asking")
    assert calls == []


@pytest.mark.parametrize("yes", ["maybe", "0", "no"])
def test_destroy_yes_must_say_yes(yes):
    with pytest.raises(GuardError) as caught:
        run("destroy", "", yes=yes, sts=lambda region: None, terminal=Terminal(stdin=_Tty("yes\n")))
    assert str(caught.value) == (f"error: YES={yes} is not a yes; run `make destroy YES=1` to delete {SUMMARY} "
                                 "without asking, or `make destroy` at a terminal to confirm")


@pytest.mark.parametrize("yes", ["1", "yes", "TRUE"])
def test_destroy_with_yes_checks_credentials_and_asks_nothing(yes):
    client, stubber = _answering(_ok)
    stderr = io.StringIO()
    assert run("destroy", "", yes=yes, sts=lambda region: client,
               terminal=Terminal(stdin=io.StringIO(""), stderr=stderr)) == 7
    assert stderr.getvalue() == ""
    stubber.assert_no_pending_responses()


def test_destroy_with_yes_still_needs_credentials():
    with pytest.raises(GuardError, match=r"^error: make destroy needs AWS credentials: no AWS credentials found"):
        run("destroy", "", yes="1", sts=lambda region: _Raising(boto.NoCredentialsError()))


def test_destroy_at_a_terminal_shows_the_plan_and_takes_yes():
    client, _ = _answering(_ok)
    stderr = io.StringIO()
    assert run("destroy", "", sts=lambda region: client, terminal=Terminal(stdin=_Tty("yes\n"), stderr=stderr)) == 7
    assert stderr.getvalue().splitlines() == [
        "make destroy deletes, for config/default.yaml in account 123456789012:",
        "  stacks (13, in this order): KarmadaWorkloads, KarmadaRegistration-member-use1, "
        "KarmadaRegistration-member-usw2, KarmadaControlPeeringRoutes-member-use1, "
        "KarmadaControlPeeringRoutes-member-usw2, KarmadaControlPeering-member-use1, "
        "KarmadaControlPeering-member-usw2, KarmadaParent, KarmadaMember-member-use1, KarmadaMember-member-usw2, "
        "KarmadaImageCache-us-east-1, KarmadaImageCache-us-west-2, KarmadaEgress",
        "  EKS clusters deleted with their VPCs, nodes and volumes: karmada-parent (us-east-1), "
        "karmada-member-use1 (us-east-1), karmada-member-usw2 (us-west-2)",
        "  kept on purpose: the etcd backup buckets and their KMS key, the Karmada API audit log group and its KMS "
        "key, the repositories of the image caches and their KMS key, the CDK bootstrap stacks (docs/uninstall.md)",
        "Type yes to delete them: ",
    ]


@pytest.mark.parametrize("answer", ["no\n", "y\n", "\n", ""])
def test_destroy_at_a_terminal_stops_on_anything_but_yes(answer):
    client, _ = _answering(_ok)
    with pytest.raises(GuardError) as caught:
        run("destroy", "", sts=lambda region: client, terminal=Terminal(stdin=_Tty(answer), stderr=io.StringIO()))
    assert str(caught.value) == "error: make destroy cancelled (the answer was not yes); nothing was deleted"


def test_the_plan_names_every_synthesized_stack_in_destroy_order(synthesized):
    manifest = json.loads((synthesized.outdir / "manifest.json").read_text())
    stacks = [k for k, v in manifest["artifacts"].items() if v["type"] == "aws:cloudformation:stack"]
    plan = DestroyPlan.of(load_config(), "config/default.yaml")
    assert sorted(plan.stacks) == sorted(stacks)
    # Each stack comes after every stack that depends on it (cdk destroy's order).
    for name in stacks:
        for dependency in manifest["artifacts"][name].get("dependencies", []):
            if dependency in stacks:
                assert plan.stacks.index(dependency) > plan.stacks.index(name), (name, dependency)


def test_the_plan_keeps_existing_clusters_and_names_external_members():
    config = parse_config({
        "api_endpoint": {"scheme": "internet-facing", "allowed_cidrs": ["203.0.113.0/24"]},
        "members": [
            {"name": "fresh", "region": "us-east-2", "endpoint": {"parent_access": "public"}},
            {"name": "prod", "kind": "existing", "region": "eu-west-1", "cluster_name": "prod-eks"},
            {"name": "onprem", "kind": "external", "sync_mode": "Pull"},
        ]})
    plan = DestroyPlan.of(config, "fleet.yaml")
    assert plan.stacks == [stack_names.WORKLOADS, "KarmadaRegistration-fresh", "KarmadaRegistration-prod",
                           "KarmadaRegistration-onprem", "KarmadaParent", "KarmadaMember-fresh", "KarmadaMember-prod",
                           "KarmadaImageCache-us-east-1", "KarmadaImageCache-us-east-2", "KarmadaEgress"]
    assert [c.name for c in plan.deleted_clusters] == ["karmada-parent", "karmada-fresh"]
    assert [(c.name, c.region) for c in plan.kept_clusters] == [("prod-eks", "eu-west-1")]
    assert plan.summary() == "10 stacks and 2 EKS clusters (karmada-parent, karmada-fresh) of fleet.yaml"
    lines = plan.lines()
    assert lines[0] == "make destroy deletes, for fleet.yaml:"
    assert "  existing clusters kept (unregistered; what this app applied there is removed): prod-eks (eu-west-1)" \
        in lines
    assert "  external members unregistered: onprem" in lines


def test_one_cluster_is_singular():
    config = parse_config({"members": [{"name": "prod", "kind": "existing", "region": "us-east-1",
                                        "cluster_name": "prod-eks"}]})
    plan = DestroyPlan.of(config, "one.yaml")
    # The parent's image cache; the existing member pulls upstream.
    assert plan.summary() == "6 stacks and 1 EKS cluster (karmada-parent) of one.yaml"
