"""Scenario 15: a KarmadaManifest Create that the real Karmada API refuses midway leaves nothing behind.

The handler is invoked as CloudFormation would invoke it (a Create event, through the local runner of
``local_control_plane.handlers.Deployer``), with the properties of the parent's own KarmadaManifest but a
Manifest of our own: a Namespace and a ConfigMap, then a PropagationPolicy that karmada-webhook denies
(maxGroups lower than minGroups, as in scenario 4). The failed Create deletes what it created and keeps
what was there before.
"""

from __future__ import annotations

import json
import uuid

import pytest

from e2e.conftest import wait_for
from functions.karmada_manifest.errors import KarmadaManifestError
from functions.resource_types import KARMADA_MANIFEST
from local_control_plane.handlers import ACCOUNT, Deployer

FIELD_MANAGER = "e2e-rollback"


def _invalid_policy(namespace: str) -> dict:
    return {
        "apiVersion": "policy.karmada.io/v1alpha1",
        "kind": "PropagationPolicy",
        "metadata": {"name": "e2e-rollback-invalid", "namespace": namespace},
        "spec": {"resourceSelectors": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "e2e-rollback"}],
                 "placement": {"spreadConstraints": [{"spreadByField": "cluster", "maxGroups": 1, "minGroups": 2}]}},
    }


def _configmap(name: str, namespace: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace},
            "data": {"scenario": "15"}}


def _create(env, manifest: list[dict], *, overwrite: bool) -> str:
    """Send a Create to the KarmadaManifest handler the way CloudFormation does; the failure it reports."""
    deployer = Deployer(env, lambda _message: None)
    parent_manifests = deployer.assembly.custom_resources("KarmadaParent", (KARMADA_MANIFEST,))
    assert parent_manifests, "no KarmadaManifest in KarmadaParent: is cdk.out/ from `make local`?"
    resource = parent_manifests[0]  # its ClusterName, admin Secret and role: how the handler reaches Karmada
    props = {key: value for key, value in resource.properties.items() if key != "Source"}
    props.update(Manifest=manifest, FieldManager=FIELD_MANAGER, Overwrite="true" if overwrite else "false")
    event = {
        "RequestType": "Create", "ServiceToken": props.get("ServiceToken", ""),
        "ResponseURL": "http://localhost/unused",
        "StackId": f"arn:aws:cloudformation:local:{ACCOUNT}:stack/e2e-rollback/local",
        "RequestId": str(uuid.uuid4()), "LogicalResourceId": "E2eRollback",
        "ResourceType": KARMADA_MANIFEST, "ResourceProperties": props,
    }
    with pytest.raises(KarmadaManifestError) as caught:
        deployer.invoke(resource, event)
    message = str(caught.value)
    assert "denied the request" in message and "maxGroups lower than minGroups" in message, message
    return message


def test_a_refused_create_deletes_the_objects_it_created(env, karmada):
    namespace = f"e2e-rollback-{uuid.uuid4().hex[:6]}"
    manifest = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
                _configmap("e2e-rollback", namespace), _invalid_policy(namespace)]
    try:
        message = _create(env, manifest, overwrite=False)
        assert message.endswith(" (rolled back 2 object(s))"), message
        assert karmada.get("configmap", "e2e-rollback", namespace) is None
        assert karmada.get("propagationpolicy", "e2e-rollback-invalid", namespace) is None
        # A deleted Namespace is gone once the namespace controller has emptied it.
        wait_for(lambda: karmada.get("namespace", namespace) is None, 120, f"namespace {namespace} removed")
    finally:
        karmada.run("delete", "namespace", namespace, "--ignore-not-found", "--wait=false", check=False)


def test_a_refused_create_keeps_an_object_that_was_there(env, karmada):
    name = f"e2e-rollback-kept-{uuid.uuid4().hex[:6]}"
    karmada.run("create", "configmap", name, "-n", "default", "--from-literal=scenario=before")
    try:
        message = _create(env, [_configmap(name, "default"), _invalid_policy("default")], overwrite=True)
        # Nothing this Create made: nothing to roll back, and the event says nothing of it.
        assert "rolled back" not in message and "rollback left" not in message, message
        done = karmada.run("get", "configmap", name, "-n", "default", "-o", "json", "--show-managed-fields",
                           check=False)
        assert done.returncode == 0, f"ConfigMap default/{name} existed before the Create: it must be kept"
        kept = json.loads(done.stdout)
        assert kept["data"] == {"scenario": "15"}  # taken over (Overwrite), and left so
        assert FIELD_MANAGER in {entry["manager"] for entry in kept["metadata"]["managedFields"]}
    finally:
        karmada.run("delete", "configmap", name, "-n", "default", "--ignore-not-found", check=False)
