"""Pull members' agent metrics, and the observability switch, on synthesized apps with a Pull member."""

from __future__ import annotations

import json
from typing import Any

import kubernetes_validate
import pytest
import yaml

from eks_karmada import stack_names
from eks_karmada.config import AppConfig
from tests.backup.k8s_checks import restricted_violations
from tests.observability.synths import config_data
from tests.synth import synthesize

MEMBER = "member-use1"
STACK = f"KarmadaAgentMetrics-{MEMBER}"
COLLECTOR = "karmada-metrics-collector"


@pytest.fixture(scope="module")
def pull(tmp_path_factory):
    config = AppConfig.model_validate(config_data(pull_member=True))
    return config, synthesize(config, tmp_path_factory.mktemp("pull"))


@pytest.fixture(scope="module")
def switched_off(tmp_path_factory):
    config = AppConfig.model_validate(config_data(pull_member=True, enabled=False))
    return config, synthesize(config, tmp_path_factory.mktemp("off"))


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def test_a_pull_member_gets_its_collector_stack_in_its_region_after_the_parent_and_the_member(pull):
    config, app = pull
    assert sorted(n for n in app.templates if n.startswith("KarmadaAgentMetrics-")) == [STACK]
    stack = app.stack(STACK)
    assert stack.region == "us-east-1"
    assert {d.stack_name for d in stack.dependencies} >= {"KarmadaParent", f"KarmadaMember-{MEMBER}"}
    assert stack_names.all_stacks(config).index(STACK) < stack_names.all_stacks(config).index(
        f"KarmadaMember-{MEMBER}")
    assert set(stack_names.all_stacks(config)) == set(app.templates)


def test_the_member_finds_the_workspace_by_alias_in_the_parent_region(pull):
    config, app = pull
    (lookup,) = _resources(app.templates[STACK], "Custom::AWS").values()
    create = lookup["Properties"]["Create"]
    text = create if isinstance(create, str) else json.dumps(create)
    assert '"service":"amp"' in text.replace(" ", "") and '"action":"listWorkspaces"' in text.replace(" ", "")
    assert f'"alias":"{config.parent.cluster_name}-karmada"' in text.replace(" ", "")
    assert f'"region":"{config.parent.region}"' in text.replace(" ", "")


def test_the_member_role_remote_writes_to_the_looked_up_workspace_only(pull):
    _, app = pull
    template = app.templates[STACK]
    (lookup_id,) = _resources(template, "Custom::AWS")
    (association,) = _resources(template, "AWS::EKS::PodIdentityAssociation").values()
    assert (association["Properties"]["Namespace"], association["Properties"]["ServiceAccount"]) == (
        "karmada-system", COLLECTOR)
    role_id = association["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    role = template["Resources"][role_id]
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert set(trust["Condition"]["StringEquals"]) == {
        "aws:SourceAccount", "aws:RequestTag/eks-cluster-arn", "aws:RequestTag/kubernetes-namespace",
        "aws:RequestTag/kubernetes-service-account"}
    policies = [p for p in _resources(template, "AWS::IAM::Policy").values()
                if {"Ref": role_id} in p["Properties"]["Roles"]]
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert [(s["Action"], s["Resource"]) for s in statements] == [
        ("aps:RemoteWrite", {"Fn::GetAtt": [lookup_id, "workspaces.0.arn"]})]


def test_the_agent_collector_scrapes_the_agent_with_the_member_label_and_is_valid_restricted_kubernetes(pull):
    config, app = pull
    objects = app.manifests[f"member-{MEMBER}"]
    collector = [o for o in objects if o["metadata"].get("labels", {}).get("app.kubernetes.io/name") == COLLECTOR]
    assert sorted(o["kind"] for o in collector) == ["ConfigMap", "Deployment", "Role", "RoleBinding",
                                                    "ServiceAccount"]
    for obj in collector:
        kubernetes_validate.validate(obj, f"{config.versions.kubernetes}.0", strict=True)
    (deployment,) = [o for o in collector if o["kind"] == "Deployment"]
    assert restricted_violations(deployment) == []
    (config_map,) = [o for o in collector if o["kind"] == "ConfigMap"]
    otel = yaml.safe_load(config_map["data"]["config.yaml"])
    (scrape,) = otel["receivers"]["prometheus"]["config"]["scrape_configs"]
    assert scrape["job_name"] == "karmada-agent" and scrape["scheme"] == "http"
    assert otel["exporters"]["prometheusremotewrite"]["external_labels"] == {"member": MEMBER}
    # The agent the job selects, on the port it keeps.
    (agent,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "karmada-agent"]
    (sd,) = scrape["kubernetes_sd_configs"]
    selector = dict(p.split("=", 1) for p in sd["selectors"][0]["label"].split(","))
    assert selector.items() <= agent["spec"]["template"]["metadata"]["labels"].items()
    (keep,) = [r for r in scrape["relabel_configs"] if r.get("action") == "keep"
               and r["source_labels"] == ["__meta_kubernetes_pod_container_port_number"]]
    assert int(keep["regex"]) in {p["containerPort"] for c in agent["spec"]["template"]["spec"]["containers"]
                                  for p in c["ports"]}


def test_a_push_member_gets_no_collector(pull):
    _, app = pull
    assert "KarmadaAgentMetrics-member-usw2" not in app.templates
    assert not [o for o in app.manifests["member-member-usw2"] if COLLECTOR in o["metadata"]["name"]]


def test_switched_off_nothing_of_metrics_collection_is_synthesized(switched_off):
    config, app = switched_off
    assert not [n for n in app.templates if n.startswith("KarmadaAgentMetrics-")]
    assert set(stack_names.all_stacks(config)) == set(app.templates)
    for name, template in app.templates.items():
        assert not _resources(template, "AWS::APS::Workspace"), name
        assert not [a for a in _resources(template, "AWS::EKS::PodIdentityAssociation").values()
                    if a["Properties"]["ServiceAccount"] == COLLECTOR], name
    for target, objects in app.manifests.items():
        assert not [o for o in objects if "metrics-collector" in o["metadata"]["name"]
                    or "metrics-reader" in o["metadata"]["name"]
                    or o["metadata"]["name"].endswith("-metrics")], target
    (chart,) = [r for r in app.templates["KarmadaParent"]["Resources"].values()
                if r["Type"] == "Custom::AWSCDK-EKS-HelmChart" and r["Properties"].get("Release") == "cert-manager"]
    assert '"prometheus":{"enabled":false' in str(chart["Properties"]["Values"])


def test_the_member_collector_stack_passes_cfn_lint(pull):
    from cfnlint.api import ManualArgs, lint

    from tests.test_scanners import CFN_LINT_ACCEPTED_WARNINGS

    _, app = pull
    region = app.stack(STACK).region
    matches = lint(json.dumps(app.templates[STACK]), regions=[region], config=ManualArgs(regions=[region]))
    assert [f"{m.rule.id} {m.message}" for m in matches
            if not m.rule.id.startswith("I") and m.rule.id not in CFN_LINT_ACCEPTED_WARNINGS] == []
