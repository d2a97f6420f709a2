"""Real references, not our assumptions: cdk-nag, cfn-lint and kubernetes-validate over what synth produced."""

from __future__ import annotations

import json

import kubernetes_validate
import pytest
from aws_cdk import Validations
from cfnlint.api import ManualArgs, lint

# cfn-lint warnings we accept, each with why. Errors are never accepted.
CFN_LINT_ACCEPTED_WARNINGS = {
    "W3005": "aws-cdk-lib writes an explicit DependsOn next to a Ref/GetAtt to the same resource "
    "(VPC subnets, generated Lambda roles); redundant and harmless.",
    "W3010": "AZ names are explicit in the config on purpose: synth stays offline (no AZ look-up) and "
    "the operator picks the three AZs etcd spreads over.",
}

# Custom resources whose CRDs come from components we install (not Kubernetes built-ins);
# kubernetes-validate cannot know them, so each is checked by its own chart tests.
CUSTOM_RESOURCE_GROUPS = {
    "elbv2.k8s.aws",  # AWS Load Balancer Controller
    "cert-manager.io",
    "policy.karmada.io",
    "cluster.karmada.io",
    "work.karmada.io",
    "config.karmada.io",
    "networking.karmada.io",
    "apps.karmada.io",
    "autoscaling.karmada.io",
}


def test_cdk_nag_reports_no_unacknowledged_findings(synthesized):
    report = json.loads((synthesized.outdir / "validation-report.json").read_text())
    violations = [
        (v["ruleName"], [r["constructPath"] for r in v["violatingResources"]])
        for plugin in report["pluginReports"]
        for v in plugin.get("violations", [])
    ]
    assert violations == []


def test_every_nag_acknowledgement_gives_a_specific_reason(synthesized):
    acknowledged = []
    for construct in synthesized.app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type != Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                continue
            for rule, reason in entry.data.items():
                if "AwsSolutions" in rule:
                    acknowledged.append((construct.node.path, rule, reason))
    assert acknowledged, "expected the acknowledgements the stacks declare"
    for path, rule, reason in acknowledged:
        assert len(reason) >= 40 and " " in reason, f"{path} {rule}: reason too vague: {reason!r}"


def test_cfn_lint_has_no_errors_and_only_accepted_warnings(synthesized):
    for name, template in synthesized.templates.items():
        region = synthesized.stack(name).region
        matches = lint(json.dumps(template), regions=[region], config=ManualArgs(regions=[region]))
        problems = [
            f"{m.rule.id} {m.message}"
            for m in matches
            if m.rule.id.startswith("E") or m.rule.id not in CFN_LINT_ACCEPTED_WARNINGS
            if not m.rule.id.startswith("I")
        ]
        assert problems == [], name


def _builtin(obj: dict) -> bool:
    group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else ""
    return group not in CUSTOM_RESOURCE_GROUPS


def test_every_rendered_object_is_valid_kubernetes(synthesized, default_config):
    version = f"{default_config.versions.kubernetes}.0"
    checked = 0
    for target, objects in synthesized.manifests.items():
        for obj in objects:
            if not _builtin(obj):
                continue
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as err:
                pytest.fail(f"{target}: {obj['kind']}/{obj['metadata'].get('name')}: {err.message}")
            checked += 1
    assert checked > 0


def test_only_known_custom_resources_are_rendered(synthesized):
    kinds = {
        (obj["apiVersion"], obj["kind"]) for objects in synthesized.manifests.values() for obj in objects
             if not _builtin(obj)
    }
    assert all(api.split("/")[0] in CUSTOM_RESOURCE_GROUPS for api, _ in kinds)
