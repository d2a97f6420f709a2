"""Validation and defaults of KarmadaControlPlaneProps."""

from __future__ import annotations

import pytest

from charts.karmada import ComponentResources, KarmadaControlPlaneProps, Resources


def test_defaults_are_the_pinned_versions():
    p = KarmadaControlPlaneProps()
    assert p.namespace == "karmada-system"
    assert p.karmada_version == "v1.18.2"
    assert p.kube_apiserver_image == "registry.k8s.io/kube-apiserver:v1.35.2"
    assert p.kube_controller_manager_image == "registry.k8s.io/kube-controller-manager:v1.35.2"
    assert p.etcd_image == "registry.k8s.io/etcd:3.6.6-0"
    assert p.karmada_image("karmada-webhook") == "docker.io/karmada/karmada-webhook:v1.18.2"
    assert p.zones == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert (p.etcd_replicas, p.apiserver_replicas, p.apiserver_port) == (3, 2, 5443)
    assert (p.etcd_storage_class, p.etcd_storage_size) == ("gp3", "20Gi")
    assert not (p.descheduler or p.search or p.metrics_adapter or p.scheduler_estimators)
    assert p.priority_class_name == "karmada-control-plane"
    assert (p.leaf_cert_duration, p.leaf_cert_renew_before, p.ca_cert_duration) == ("2160h", "720h", "87600h")


def test_an_image_with_a_digest_keeps_its_tag_and_gains_the_digest():
    digest = "sha256:" + "f" * 64
    p = KarmadaControlPlaneProps(kube_registry="m.example.com/registry.k8s.io", image_digests={
        "m.example.com/registry.k8s.io/etcd:3.6.6-0": digest, "docker.io/karmada/karmada-webhook:v1.18.2": digest})
    assert p.etcd_image == f"m.example.com/registry.k8s.io/etcd:3.6.6-0@{digest}"
    assert p.karmada_image("karmada-webhook") == f"docker.io/karmada/karmada-webhook:v1.18.2@{digest}"
    # The others have no digest: by tag, as before.
    assert p.kube_apiserver_image == "m.example.com/registry.k8s.io/kube-apiserver:v1.35.2"
    assert p.karmada_image("karmada-scheduler") == "docker.io/karmada/karmada-scheduler:v1.18.2"
    with pytest.raises(ValueError, match=r"image_digests: 'sha256:abc' of registry.k8s.io/etcd:3.6.6-0 is not"):
        KarmadaControlPlaneProps(image_digests={"registry.k8s.io/etcd:3.6.6-0": "sha256:abc"})


@pytest.mark.parametrize("replicas", [0, 2, 4, -1])
def test_even_or_non_positive_etcd_replicas_rejected(replicas):
    with pytest.raises(ValueError, match="odd"):
        KarmadaControlPlaneProps(etcd_replicas=replicas)


@pytest.mark.parametrize("replicas", [1, 3, 5, 7])
def test_odd_etcd_replicas_accepted(replicas):
    assert KarmadaControlPlaneProps(etcd_replicas=replicas).etcd_replicas == replicas


@pytest.mark.parametrize("field", ["apiserver_replicas", "component_replicas"])
def test_single_replica_rejected(field):
    with pytest.raises(ValueError):
        KarmadaControlPlaneProps(**{field: 1})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"karmada_version": "latest"},
        {"kubernetes_version": "latest"},
        {"etcd_image_tag": ""},
        {"kube_registry": "registry.k8s.io/"},
        {"karmada_registry": "docker.io/karmada:v1"},
        {"zones": []},
        {"zones": ["a", "a"]},
        {"scheduler_estimators": ["Member_A"]},
        {"scheduler_estimators": ["m", "m"]},
        {"scheduler_estimators": ["x" * 40]},
        {"etcd_storage_size": "20GB"},
        {"leaf_cert_duration": "90d"},
        {"leaf_cert_renew_before": "2160h"},
        {"ca_cert_duration": "2000h"},
        {"apiserver_port": 70000},
        {"image_pull_policy": "Never"},
        {"unknown_field": 1},
    ],
)
def test_invalid_props_rejected(kwargs):
    with pytest.raises(ValueError):
        KarmadaControlPlaneProps(**kwargs)


def test_external_hosts_are_opaque_strings():
    token = "${Token[TOKEN.123]}"
    p = KarmadaControlPlaneProps(external_hosts=[token, "karmada.example.com"])
    assert p.external_server_url == f"https://{token}:443"


def test_external_url_falls_back_to_in_cluster_name():
    assert KarmadaControlPlaneProps().external_server_url == (
        "https://karmada-apiserver.karmada-system.svc.cluster.local:5443"
    )


def test_registries_override_every_image():
    p = KarmadaControlPlaneProps(
        kube_registry="123.dkr.ecr.us-east-1.amazonaws.com/k8s",
        karmada_registry="123.dkr.ecr.us-east-1.amazonaws.com/karmada",
    )
    assert p.etcd_image.startswith("123.dkr.ecr.us-east-1.amazonaws.com/k8s/etcd:")
    assert p.karmada_image("karmada-scheduler").startswith("123.dkr.ecr.us-east-1.amazonaws.com/karmada/")


def test_resources_are_typed_and_scalable():
    with pytest.raises(ValueError):
        Resources(memory_limit="1 GB")
    bigger = ComponentResources().model_copy(
        update={"controller_manager": Resources(cpu_request="1", memory_request="2Gi", memory_limit="4Gi")}
    )
    p = KarmadaControlPlaneProps(resources=bigger)
    assert p.resources.controller_manager.to_k8s() == {
        "requests": {"cpu": "1", "memory": "2Gi"},
        "limits": {"memory": "4Gi"},
    }
    assert Resources(cpu_limit="2").to_k8s()["limits"]["cpu"] == "2"


def test_props_are_immutable():
    p = KarmadaControlPlaneProps()
    with pytest.raises(ValueError):
        p.etcd_replicas = 5  # type: ignore[misc]


def test_pull_members_get_an_agent_client_certificate():
    from charts.karmada import KarmadaControlPlaneProps
    from charts.karmada.pki import leaf_certificates

    props = KarmadaControlPlaneProps(pull_members=["edge-1"])
    (agent,) = [c for c in leaf_certificates(props) if c.name == "karmada-agent-edge-1-client"]
    assert agent.common_name == "system:karmada:agent:edge-1"
    assert tuple(agent.organizations) == ("system:karmada:agents",)
    assert agent.issuer == "karmada-client-ca" and "client auth" in agent.usages


def test_pull_mode_registration_is_gone():
    # Pull members need no switch any more (no bootstrap tokens, CSR signing or agent-rbac-generator to enable):
    # the old prop is refused, so a caller still passing it learns that it does nothing.
    import pytest

    from charts.karmada import KarmadaControlPlaneProps

    with pytest.raises(ValueError, match="pull_mode_registration"):
        KarmadaControlPlaneProps(pull_mode_registration=True, pull_members=["edge-1"])  # type: ignore[call-arg]
