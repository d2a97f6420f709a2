"""The whole app with traffic on: ExternalDNS in each new member only, and every scanner passes over it."""

from __future__ import annotations

import shutil

import pytest

from tests.synth import SynthesizedApp, synthesize
from tests.traffic.synths import DOMAIN, ZONE_ID, config_data


@pytest.fixture(scope="module")
def traffic_config():
    from eks_karmada.config import parse_config

    return parse_config(config_data(), "traffic")


@pytest.fixture(scope="module")
def traffic(traffic_config, tmp_path_factory) -> SynthesizedApp:
    return synthesize(traffic_config, tmp_path_factory.mktemp("cdk.out-traffic"))


def _external_dns(objects: list[dict]) -> list[dict]:
    return [o for o in objects if o["metadata"].get("namespace") == "external-dns" or
            o["metadata"].get("name") == "external-dns"]


@pytest.mark.parametrize("member", ["member-use1", "member-usw2"])
def test_each_new_member_runs_external_dns_owning_its_own_records(traffic, member):
    objects = _external_dns(traffic.manifests[f"member-{member}"])
    assert {o["kind"] for o in objects} >= {"Namespace", "ServiceAccount", "ClusterRole", "Deployment"}
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert {f"--txt-owner-id={member}", f"--domain-filter={DOMAIN}", f"--zone-id-filter={ZONE_ID}"} <= set(args)
    template = traffic.templates[f"KarmadaMember-{member}"]
    associations = [r["Properties"] for r in template["Resources"].values()
                    if r["Type"] == "AWS::EKS::PodIdentityAssociation"]
    assert [(a["Namespace"], a["ServiceAccount"]) for a in associations] == [("external-dns", "external-dns")]


def test_an_existing_member_gets_no_external_dns(traffic):
    assert _external_dns(traffic.manifests["member-legacy"]) == []
    assert "PodIdentityAssociation" not in str(traffic.templates["KarmadaMember-legacy"])


def test_without_traffic_no_member_runs_external_dns(synthesized):
    for target, objects in synthesized.manifests.items():
        assert _external_dns(objects) == [], target


def test_the_traffic_synth_passes_cdk_nag_cfn_lint_and_kubernetes_validate(traffic, traffic_config):
    from tests.test_scanners import (
        test_cdk_nag_reports_no_unacknowledged_findings,
        test_cfn_lint_has_no_errors_and_only_accepted_warnings,
        test_every_nag_acknowledgement_gives_a_specific_reason,
        test_every_rendered_object_is_valid_kubernetes,
    )

    test_cdk_nag_reports_no_unacknowledged_findings(traffic)
    test_every_nag_acknowledgement_gives_a_specific_reason(traffic)
    test_cfn_lint_has_no_errors_and_only_accepted_warnings(traffic)
    test_every_rendered_object_is_valid_kubernetes(traffic, traffic_config)


def test_checkov_finds_nothing_outside_the_skip_list_in_a_members_template_and_manifest(traffic, tmp_path):
    from tests.security.checkov_gate import CHECKOV, Verdict, load_skips, run_checkov

    if not CHECKOV.exists():
        pytest.skip(f"checkov is not installed in {CHECKOV.parent.parent.name}: run `make scan-setup`")
    # One member holds everything traffic adds; scanning it alone keeps the run short.
    (tmp_path / "manifests").mkdir()
    shutil.copy(traffic.outdir / "KarmadaMember-member-use1.template.json", tmp_path)
    shutil.copy(traffic.outdir / "manifests" / "member-member-use1.yaml", tmp_path / "manifests")
    scan = run_checkov(tmp_path)
    verdict = Verdict.of([scan], load_skips())
    assert scan.parsing_errors == []
    assert verdict.unexpected == [], "\n".join(map(str, verdict.unexpected))


def test_the_mirrors_list_external_dns_in_each_new_members_region(traffic_config):
    from charts.external_dns import DEFAULT_IMAGE
    from eks_karmada.mirrors import rendered_images

    images = rendered_images(traffic_config)
    assert DEFAULT_IMAGE in images["us-east-1"] and DEFAULT_IMAGE in images["us-west-2"]
    assert DEFAULT_IMAGE not in images.get("eu-west-1", set())


def test_traffic_refuses_a_new_member_without_the_load_balancer_controller():
    from eks_karmada.config import ConfigError, parse_config

    data = config_data()
    data["members"][1]["addons"] = {"load_balancer_controller": False}
    with pytest.raises(ConfigError, match=r"members\[1\]\.addons\.load_balancer_controller: traffic.enabled needs "
                                          r"the AWS Load Balancer Controller.*set traffic.enabled: false$"):
        parse_config(data, "traffic")


def test_traffic_refuses_new_members_in_two_accounts():
    from eks_karmada.config import ConfigError, parse_config

    data = config_data()
    data["traffic"]["interconnect"] = "none"  # the peering's own account rule is tests/test_peering.py's
    for member in data["members"]:  # the app peers with the parent only in its own account
        if member.get("kind", "new") == "new":
            member["endpoint"] = {"parent_access": "public"}
    data["members"][1]["account"] = "444455556666"
    with pytest.raises(ConfigError, match=r"members\[1\]\.account: traffic.enabled needs every new member in the "
                                          r"hosted zone's account \(the parent account\)"):
        parse_config(data, "traffic")
    data["members"][0]["account"] = "444455556666"
    assert parse_config(data, "traffic").traffic.enabled
