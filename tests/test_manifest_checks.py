"""Malformed objects and policies fail synth with one line naming the object and the field."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from eks_karmada.manifest_checks import ManifestError, check_manifest
from tests.synth import ROOT

SOURCE = "KarmadaWorkloads/my-app"


def _deployment(**meta) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "apps", **meta},
            "spec": {}}


@pytest.mark.parametrize("obj, message", [
    ({"kind": "Deployment", "metadata": {"name": "web"}},
     "KarmadaWorkloads/my-app: Deployment web: apiVersion: missing; add e.g. apiVersion: apps/v1"),
    ({"apiVersion": "apps/v1", "metadata": {"name": "web"}},
     "KarmadaWorkloads/my-app: object web: kind: missing; add e.g. kind: Deployment"),
    ({"apiVersion": "apps/v1", "kind": "Deployment"},
     "KarmadaWorkloads/my-app: Deployment #2: metadata: missing; add metadata with a name"),
    ({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"generateName": "web-"}},
     "KarmadaWorkloads/my-app: Deployment #2: metadata.name: missing; every object needs a name "
     "(generateName cannot be applied)"),
    (_deployment(name="Web_1"),
     "KarmadaWorkloads/my-app: Deployment apps/Web_1: metadata.name: 'Web_1' is not a DNS-1123 subdomain; use "
     "lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (at most 253 characters)"),
    ({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web.api", "namespace": "apps"}},
     "KarmadaWorkloads/my-app: Service apps/web.api: metadata.name: 'web.api' is not a DNS-1123 label (a Service "
     "name is a host name); use up to 63 lower-case letters, digits and '-', starting and ending with a letter or "
     "digit"),
    (_deployment(namespace="Apps"),
     "KarmadaWorkloads/my-app: Deployment Apps/web: metadata.namespace: 'Apps' is not a DNS-1123 label; use up to "
     "63 lower-case letters, digits and '-'"),
    ({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
      "metadata": {"name": "x", "namespace": "apps"}},
     "KarmadaWorkloads/my-app: ClusterRole apps/x: metadata.namespace: ClusterRole is cluster-scoped, so it has no "
     "namespace; remove metadata.namespace ('apps')"),
    ({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps", "namespace": "default"}},
     "KarmadaWorkloads/my-app: Namespace default/apps: metadata.namespace: Namespace is cluster-scoped"),
    ({"apiVersion": "policy.karmada.io/v1alpha1", "kind": "ClusterPropagationPolicy",
      "metadata": {"name": "all", "namespace": "apps"}},
     "ClusterPropagationPolicy is cluster-scoped"),
    ({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "apps"},
      "data": {"password": "eA=="}},
     "KarmadaWorkloads/my-app: Secret apps/db: data: secrets must never go into templates"),
    ({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "apps"}, "stringData": {"p": "x"}},
     "KarmadaWorkloads/my-app: Secret apps/db: stringData: secrets must never go into templates"),
    ("not an object", "KarmadaWorkloads/my-app: object #2: must be a mapping"),
])
def test_malformed_objects_are_named_with_the_field(obj, message):
    with pytest.raises(ManifestError) as caught:
        check_manifest([_deployment(), obj], SOURCE)
    text = str(caught.value)
    assert text.startswith(message) if message.startswith(SOURCE) else message in text
    assert "\n" not in text


def test_valid_objects_pass_including_rbac_names_tokens_and_empty_secrets():
    check_manifest([
        _deployment(),
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": "system:karmada:agents"}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "filled-later", "namespace": "apps"}},
        # Deploy-time values are opaque at synth.
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "${Token[TOKEN.42]}", "namespace": "apps"}},
        {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
         "metadata": {"name": "v1alpha1.cluster.karmada.io"}},
    ], SOURCE)
    check_manifest(_deployment(), SOURCE)  # a single object is a list of one


def test_a_manifest_that_is_not_a_list_is_refused():
    with pytest.raises(ManifestError, match="must be a list of Kubernetes objects, got str"):
        check_manifest("kind: Deployment", SOURCE)


def test_every_object_the_app_renders_passes(synthesized):
    for target, objects in synthesized.manifests.items():
        check_manifest(objects, target)


def test_karmada_manifest_refuses_a_secret_with_data_at_construction():
    import cdk8s  # noqa: F401  (jsii loads before aws_cdk in this process anyway)
    from aws_cdk import App, Stack

    from karmada_constructs.karmada_manifest import KarmadaManifest, KarmadaManifestProps

    class _Provider:  # only what KarmadaManifest reads before its check
        class access:  # noqa: N801 - stands in for the provider's `access` attribute
            @staticmethod
            def properties(cluster, manager):
                return {}

        class cluster:  # noqa: N801 - stands in for the provider's `cluster` attribute
            cluster_name = "parent"

    stack = Stack(App(), "Workloads")
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "apps"},
              "data": {"password": "eA=="}}
    with pytest.raises(ManifestError, match=r"^Workloads/app: Secret apps/db: data: secrets must never go into"):
        KarmadaManifest(stack, "app", KarmadaManifestProps(provider=_Provider(), manifest=[secret]))


# --- app.py prints one line and exits 1 ------------------------------------------------------------------

BAD_WORKLOAD = """
import sys
import cdk8s
sys.path.insert(0, {root!r})
import workloads

def broken(app, config):
    chart = cdk8s.Chart(app, "my-app")
    cdk8s.ApiObject(chart, "web", api_version="apps/v1", kind="Deployment",
                    metadata=cdk8s.ApiObjectMetadata(name="Web_App", namespace="apps"))
    return chart

workloads.WORKLOADS.append(broken)
import app
sys.exit(app.main())
"""

BAD_POLICY = """
import sys
sys.path.insert(0, {root!r})
import workloads
from charts.policies import PropagationPolicy, ResourceSelector

def broken(app, config):
    PropagationPolicy(name="Bad_Name", namespace="apps",
                      resource_selectors=[ResourceSelector(api_version="apps/v1", kind="Deployment", name="web")])

workloads.WORKLOADS.append(broken)
import app
sys.exit(app.main())
"""


def _context() -> dict:
    return json.loads((ROOT / "cdk.json").read_text())["context"]


def _run(script: str, tmp_path, config: str | None = None) -> subprocess.CompletedProcess:
    context = _context()
    if config:
        context["config"] = config
    env = {**os.environ, "CDK_OUTDIR": str(tmp_path / "out"), "CDK_CONTEXT_JSON": json.dumps(context)}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script).format(root=str(ROOT))], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_app_prints_a_bad_workload_manifest_as_one_line(tmp_path):
    result = _run(BAD_WORKLOAD, tmp_path)
    lines = [line for line in result.stderr.splitlines()
             if line.strip() and not line.startswith(("b'", "!!", "note: "))]
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert lines == ["error: KarmadaWorkloads/my-app: Deployment apps/Web_App: metadata.name: 'Web_App' is not a "
                     "DNS-1123 subdomain; use lower-case letters, digits, '-' and '.', starting and ending with a "
                     "letter or digit (at most 253 characters)"]
    assert not list((tmp_path / "out").glob("*.template.json")), "nothing may be synthesized"


def test_the_app_prints_a_bad_policy_as_one_line(tmp_path):
    result = _run(BAD_POLICY, tmp_path)
    lines = [line for line in result.stderr.splitlines()
             if line.strip() and not line.startswith(("b'", "!!", "note: "))]
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: workloads.WORKLOADS broken: PropagationPolicy Bad_Name: metadata.name: "), lines


MISPLACED_WORKLOAD = """
import sys
import cdk8s
sys.path.insert(0, {root!r})
import workloads
from charts.policies import ClusterAffinity, Placement, PropagationPolicy, ResourceSelector, add_policy

def misplaced(app, config):
    chart = cdk8s.Chart(app, "shop")
    cdk8s.ApiObject(chart, "web", api_version="apps/v1", kind="Deployment",
                    metadata=cdk8s.ApiObjectMetadata(name="web", namespace="shop"))
    add_policy(chart, PropagationPolicy(
        name="web", namespace="shop",
        resource_selectors=[ResourceSelector(api_version="apps/v1", kind="Deployment", name="web")],
        placement=Placement(cluster_affinity=ClusterAffinity(cluster_names=["member-us-west-2"]))))
    return chart

workloads.WORKLOADS.append(misplaced)
import app
sys.exit(app.main())
"""


def test_the_app_prints_every_workload_problem_one_line_each_and_synthesizes_nothing(tmp_path):
    result = _run(MISPLACED_WORKLOAD, tmp_path)
    lines = [line for line in result.stderr.splitlines()
             if line.strip() and not line.startswith(("b'", "!!", "note: "))]
    assert result.returncode == 1, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    not_created = ("metadata.namespace: namespace 'shop' is not created by any workload; add a Namespace 'shop' to a "
                   "workload chart (and a ClusterPropagationPolicy that sends it where the object goes), or use one "
                   "of default, kube-system, kube-public, kube-node-lease")
    assert lines == [
        f"error: KarmadaWorkloads/shop: Deployment shop/web: {not_created}",
        f"error: KarmadaWorkloads/shop: PropagationPolicy shop/web: {not_created}",
        "error: KarmadaWorkloads/shop: PropagationPolicy shop/web: spec.placement.clusterAffinity.clusterNames[0]: "
        "'member-us-west-2' is not a member of the config; use one of member-use1, member-usw2",
    ]
    assert not list((tmp_path / "out").glob("*.template.json")), "nothing may be synthesized"


def test_synth_warns_when_the_config_opens_an_endpoint_to_the_internet(tmp_path):
    config = tmp_path / "open.yaml"
    config.write_text(textwrap.dedent("""\
        parent:
          endpoint: {private: true, public_cidrs: [0.0.0.0/0], allow_anywhere: true}
        api_endpoint:
          scheme: internet-facing
          allowed_cidrs: [0.0.0.0/0]
          allow_anywhere: true
        members: []
        """))
    context = {**_context(), "config": str(config)}  # what `cdk synth -c config=...` passes
    env = {**os.environ, "CDK_OUTDIR": str(tmp_path / "out"), "CDK_CONTEXT_JSON": json.dumps(context)}
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings == [
        "warning: api_endpoint.allowed_cidrs admits 0.0.0.0/0: the Karmada API is open to the internet",
        "warning: parent.endpoint.public_cidrs admits 0.0.0.0/0: the EKS API is open to the internet",
    ]
    assert (tmp_path / "out" / "KarmadaParent.template.json").exists()
