"""The cdk8s constructs of the Karmada components emit exactly what their pure builders return.

The meaning tests (test_apiserver_meaning.py, test_etcd_meaning.py) and `make mutate` read the builders
only, since a render goes through jsii; this is the bridge: each construct sits at its id under its scope
and its objects are the builder's, in order, unchanged by cdk8s.
"""

from __future__ import annotations

import cdk8s
import pytest

from charts.karmada import KarmadaControlPlaneProps
from charts.karmada.apiserver import KarmadaApiServer, apiserver_manifests
from charts.karmada.etcd import EtcdCluster, etcd_manifests

PROPS = KarmadaControlPlaneProps(external_hosts=["karmada.example.com"], etcd_replicas=5, namespace="fed")


@pytest.mark.parametrize("construct, build", [(KarmadaApiServer, apiserver_manifests), (EtcdCluster, etcd_manifests)],
                         ids=["apiserver", "etcd"])
def test_a_component_construct_emits_its_builders_objects_under_its_id(construct, build):
    chart = cdk8s.Chart(cdk8s.App(), "Chart")
    component = construct(chart, "Component", PROPS)
    assert component.node.path == "Chart/Component"
    assert [child.node.scope for child in component.node.children] == [component] * len(build(PROPS))
    assert chart.to_json() == build(PROPS)
