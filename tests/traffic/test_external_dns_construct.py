"""ExternalDns on its own stack: records under one domain in one zone, assumable only by ExternalDNS's pod."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template

from tests.pod_identity import assert_pod_identity_trust
from tests.traffic.synths import ACCOUNT, CLUSTER_NAME, DOMAIN, REGION, ZONE_ID, external_dns_stack

ZONE_ARN = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":route53:::hostedzone/{ZONE_ID}"]]}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    _, stack, _ = external_dns_stack()
    return dict(Template.from_stack(stack).to_json())


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def _statements(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    policies = _of_type(template, "AWS::IAM::Policy")
    return {s["Sid"]: s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]}


def test_the_role_changes_only_a_b_and_txt_records_named_the_domain_or_under_it_in_the_one_zone(template):
    change = _statements(template)["ChangeRecordsUnderTheDomainOnly"]
    assert (change["Effect"], change["Action"], change["Resource"]) == (
        "Allow", "route53:ChangeResourceRecordSets", ZONE_ARN)
    assert change["Condition"] == {
        "ForAllValues:StringLike": {
            "route53:ChangeResourceRecordSetsNormalizedRecordNames": [DOMAIN, f"*.{DOMAIN}"]},
        "ForAllValues:StringEquals": {
            "route53:ChangeResourceRecordSetsRecordTypes": ["A", "AAAA", "TXT"],
            "route53:ChangeResourceRecordSetsActions": ["CREATE", "UPSERT", "DELETE"]},
    }


def test_the_role_reads_that_zones_records_and_lists_zones_and_does_nothing_else(template):
    statements = _statements(template)
    assert set(statements) == {"ChangeRecordsUnderTheDomainOnly", "ReadTheZonesRecords", "FindTheZone"}
    assert (statements["ReadTheZonesRecords"]["Action"], statements["ReadTheZonesRecords"]["Resource"]) == (
        "route53:ListResourceRecordSets", ZONE_ARN)
    # The one call without a resource to scope to.
    assert (statements["FindTheZone"]["Action"], statements["FindTheZone"]["Resource"]) == (
        "route53:ListHostedZones", "*")
    assert not _of_type(template, "AWS::IAM::ManagedPolicy")
    (role,) = _of_type(template, "AWS::IAM::Role").values()
    assert "ManagedPolicyArns" not in role["Properties"] and "Policies" not in role["Properties"]


def test_txt_owner_names_fall_under_the_domain_condition():
    import fnmatch

    from charts.external_dns import TXT_PREFIX
    from karmada_constructs.external_dns import record_names

    # registry/mapper/mapper.go ToTXTName: <prefix with the type><first label>.<rest>
    def txt_name(name: str, record_type: str) -> str:
        first, _, rest = name.partition(".")
        return f"{TXT_PREFIX.replace('%{record_type}', record_type)}{first}.{rest}"

    for name in (DOMAIN, f"web.{DOMAIN}", f"a.b.{DOMAIN}"):
        for record_type in ("a", "aaaa"):
            assert any(fnmatch.fnmatchcase(txt_name(name, record_type), p) for p in record_names(DOMAIN))
    assert not any(fnmatch.fnmatchcase(f"web.other-{DOMAIN}", p) for p in record_names(DOMAIN))


def test_only_external_dns_of_this_cluster_and_account_may_assume_it(template):
    (role,) = _of_type(template, "AWS::IAM::Role").values()
    assert_pod_identity_trust(role, account=ACCOUNT,
                              cluster_arn=f"arn:aws:eks:{REGION}:{ACCOUNT}:cluster/{CLUSTER_NAME}",
                              namespace="external-dns", service_account="external-dns")


def test_the_association_binds_that_service_account_and_comes_before_the_pod(template):
    ((association_id, association),) = _of_type(template, "AWS::EKS::PodIdentityAssociation").items()
    props = association["Properties"]
    assert (props["ClusterName"], props["Namespace"], props["ServiceAccount"], props["DisableSessionTags"]) == (
        CLUSTER_NAME, "external-dns", "external-dns", False)
    (manifest,) = _of_type(template, "Custom::AWSCDK-EKS-KubernetesResource").values()
    assert association_id in manifest["DependsOn"]


def test_list_hosted_zones_on_star_is_acknowledged_with_its_reason():
    from aws_cdk import Validations

    _, _, construct = external_dns_stack()
    reasons = {rule.removeprefix("Annotation::"): reason for entry in construct.role.node.metadata
               if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY for rule, reason in entry.data.items()}
    assert "ListHostedZones supports no resource-level permission" in reasons["AwsSolutions-IAM5[Resource::*]"]
