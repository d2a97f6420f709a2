"""Secrets in the Karmada API are encrypted at rest: what the synthesized parent holds for it, and what it does not."""

from __future__ import annotations

import json

import pytest

from tests.template_graph import closure, edges

ENCRYPTION_KEY = "Custom::KarmadaEncryptionKey"


@pytest.fixture(scope="module")
def template(synthesized) -> dict:
    return synthesized.templates["KarmadaParent"]


def _one(template: dict, resource_type: str) -> tuple[str, dict]:
    (found,) = [(k, v) for k, v in template["Resources"].items() if v["Type"] == resource_type]
    return found


def test_the_apiserver_reads_its_encryption_config_from_the_secret_the_handler_writes(synthesized):
    (deployment,) = [o for o in synthesized.manifests["parent"]
                     if o["kind"] == "Deployment" and o["metadata"]["name"] == "karmada-apiserver"]
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]  # kube-apiserver (aws-iam-authenticator beside it)
    assert container["name"] == "kube-apiserver"
    assert "--encryption-provider-config=/etc/karmada/encryption/encryption-config.yaml" in container["command"]
    assert "--encryption-provider-config-automatic-reload=true" in container["command"]
    (volume,) = [v for v in pod["volumes"] if v["name"] == "encryption-config"]
    assert volume["secret"]["secretName"] == "karmada-encryption-config"
    assert {"name": "encryption-config", "mountPath": "/etc/karmada/encryption", "readOnly": True} in \
        container["volumeMounts"]
    # No chart renders that Secret: its only writer is the handler.
    assert not [o for o in synthesized.manifests["parent"]
                if o["kind"] == "Secret" and o["metadata"]["name"] == "karmada-encryption-config"]


def test_the_key_is_kms_rooted_retained_and_usable_only_with_this_clusters_context(template):
    logical_id, resource = _one(template, ENCRYPTION_KEY)
    props = resource["Properties"]
    assert props["Namespace"] == "karmada-system" and props["SecretName"] == "karmada-encryption-config"
    assert props["ParameterName"] == "/eks-karmada/karmada-parent/karmada-apiserver-encryption-key"
    key_id = props["KmsKeyArn"]["Fn::GetAtt"][0]
    key = template["Resources"][key_id]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain" and key["UpdateReplacePolicy"] == "Retain"
    statements = [s for p in template["Resources"].values() if p["Type"] == "AWS::IAM::Policy"
                  for s in p["Properties"]["PolicyDocument"]["Statement"]
                  if key_id in json.dumps(s.get("Resource"))]
    (statement,) = statements  # the handler's role is the only identity given the key
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    assert statement["Resource"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert statement["Condition"] == {"StringEquals": {
        "kms:EncryptionContext:eks-karmada:cluster": "karmada-parent",
        "kms:EncryptionContext:eks-karmada:purpose": "karmada-apiserver-secrets"}}
    (ssm,) = [s for p in template["Resources"].values() if p["Type"] == "AWS::IAM::Policy"
              for s in p["Properties"]["PolicyDocument"]["Statement"] if "ssm:PutParameter" in json.dumps(s["Action"])]
    assert sorted(ssm["Action"]) == ["ssm:GetParameter", "ssm:PutParameter"]
    assert json.dumps(ssm["Resource"]).endswith(':parameter/eks-karmada/karmada-parent/karmada-apiserver-'
                                                'encryption-key"]]}')
    # Written while the control plane starts: the apiserver's pods wait for the Secret, the Karmada API
    # bootstrap waits for the apiserver; the template orders only the namespace and the handler's RBAC first.
    graph = edges(template)
    bootstraps = [k for k, v in template["Resources"].items() if v["Type"] == "Custom::KarmadaManifest"]
    assert bootstraps and not any(logical_id in closure(graph, b) for b in bootstraps)
    before = {template["Resources"][k]["Type"] for k in graph[logical_id]}
    assert "Custom::AWSCDK-EKS-KubernetesResource" in before and "AWS::EKS::AccessEntry" in before


def test_the_handler_may_create_secrets_and_read_only_its_own_in_the_parent(synthesized):
    (role,) = [o for o in synthesized.manifests["parent"]
               if o["kind"] == "Role" and o["metadata"]["name"] == "eks-karmada-encryption-key-writer"]
    assert role["metadata"]["namespace"] == "karmada-system"
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["karmada-encryption-config"],
         "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create"]},
    ]
    (binding,) = [o for o in synthesized.manifests["parent"]
                  if o["kind"] == "RoleBinding" and o["metadata"]["name"] == "eks-karmada-encryption-key-writer"]
    assert binding["subjects"] == [{"kind": "Group", "name": "eks-karmada:encryption-key-writer",
                                    "apiGroup": "rbac.authorization.k8s.io"}]
